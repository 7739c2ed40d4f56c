"""`tensorflow.core.example`: the protos of tf.train.Example (re-exported from sluice/io/protos)."""
