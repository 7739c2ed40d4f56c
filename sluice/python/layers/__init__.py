"""`tensorflow.python.layers`: tf.layers' modules (base, core, convolutional, pooling, normalization,
layers) and the argument helpers of `utils`, as TF1 programs import them (`layers_core.Dense`)."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.layers')
