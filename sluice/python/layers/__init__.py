"""`tensorflow.python.layers`: tf.layers' modules (base, core, convolutional, pooling, normalization,
layers) and the argument helpers of `utils`, as TF1 programs import them (`layers_core.Dense`).

`utils` is served by `layer_arguments` (sluice names modules by what they hold): both import paths
give the same module object."""
import sys

from sluice.python.layers import layer_arguments as utils  # noqa: F401

sys.modules[__name__ + '.utils'] = utils

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.layers')
