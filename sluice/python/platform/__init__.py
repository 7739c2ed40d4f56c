"""`tensorflow.python.platform`: gfile, tf_logging, test, flags and app, as TF1 programs import them."""
