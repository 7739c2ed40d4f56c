"""`tensorflow.python.layers.convolutional`: tf.layers' convolutions (re-exports of tf.layers)."""
from sluice.layers import (Conv1D, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,  # noqa: F401
                           Convolution1D, Convolution2D, Convolution2DTranspose, Convolution3D,
                           Convolution3DTranspose, SeparableConv1D, SeparableConv2D, SeparableConvolution2D,
                           conv1d, conv2d, conv2d_transpose, conv3d, conv3d_transpose, separable_conv1d,
                           separable_conv2d)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.convolutional')
