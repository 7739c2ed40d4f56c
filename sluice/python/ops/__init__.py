"""`tensorflow.python.ops`: op modules as TF1 programs import them (re-exports of sluice's public functions)."""
