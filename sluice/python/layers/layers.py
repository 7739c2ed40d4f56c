"""`tensorflow.python.layers.layers`: every public name of tf.layers in one module, as in TF."""
from sluice.python.layers.base import InputSpec, Layer  # noqa: F401
from sluice.python.layers.convolutional import *  # noqa: F401,F403
from sluice.python.layers.core import *  # noqa: F401,F403
from sluice.python.layers.normalization import *  # noqa: F401,F403
from sluice.python.layers.pooling import *  # noqa: F401,F403

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.layers')
