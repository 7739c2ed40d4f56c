"""`tensorflow.python.*` module paths that TF1 programs import directly, served as `sluice.python.*`."""
