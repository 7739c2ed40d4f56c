"""`tensorflow.python.layers.pooling`: tf.layers' pooling layers (re-exports of tf.layers)."""
from sluice.layers import (AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D,  # noqa: F401
                           MaxPooling2D, MaxPooling3D, average_pooling1d, average_pooling2d, average_pooling3d,
                           max_pooling1d, max_pooling2d, max_pooling3d)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.pooling')
