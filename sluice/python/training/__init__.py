"""`tensorflow.python.training`: optimizers, savers, hooks and schedules, as TF1 programs import them."""
