"""tf.layers: TF 1.x's layer classes and their function forms (see sluice/layers/base.py for the contract)."""
from sluice.layers.base import InputSpec, Layer  # noqa: F401
from sluice.layers.convolutional import (Conv1D, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,  # noqa: F401
                                         Convolution1D, Convolution2D, Convolution2DTranspose, Convolution3D,
                                         Convolution3DTranspose, SeparableConv1D, SeparableConv2D,
                                         SeparableConvolution2D, conv1d, conv2d, conv2d_transpose, conv3d,
                                         conv3d_transpose, separable_conv1d, separable_conv2d)
from sluice.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten  # noqa: F401
from sluice.layers.normalization import BatchNormalization, batch_normalization  # noqa: F401
from sluice.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D,  # noqa: F401
                                   MaxPooling2D, MaxPooling3D, average_pooling1d, average_pooling2d,
                                   average_pooling3d, max_pooling1d, max_pooling2d, max_pooling3d)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.layers')
