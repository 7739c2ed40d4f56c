"""`tensorflow.python.tools`: inspect_checkpoint."""
