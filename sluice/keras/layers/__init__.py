"""tf.keras.layers: Keras's layers in graph mode (TF 1.15), with the Layer base class and InputSpec."""
from sluice.keras.engine.base_layer import InputSpec, Layer  # noqa: F401
from sluice.keras.engine.input_layer import Input, InputLayer  # noqa: F401
from sluice.keras.layers.advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU  # noqa: F401
from sluice.keras.layers.convolutional import (  # noqa: F401
    Conv1D, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D, Convolution2D, Convolution2DTranspose,
    Convolution3D, Convolution3DTranspose, Cropping1D, Cropping2D, Cropping3D, DepthwiseConv2D, SeparableConv1D,
    SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D, UpSampling1D, UpSampling2D, UpSampling3D,
    ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from sluice.keras.layers.core import (  # noqa: F401
    Activation, ActivityRegularization, Dense, Dropout, Flatten, Lambda, Masking, Permute, RepeatVector, Reshape,
    SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from sluice.keras.layers.embeddings import Embedding  # noqa: F401
from sluice.keras.layers.local import LocallyConnected1D, LocallyConnected2D  # noqa: F401
from sluice.keras.layers.merge import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot, maximum,
    minimum, multiply, subtract)
from sluice.keras.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401
from sluice.keras.layers.normalization import BatchNormalization, LayerNormalization  # noqa: F401
from sluice.keras.layers.pooling import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
    GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
    MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from sluice.keras.layers.recurrent import RNN, AbstractRNNCell, StackedRNNCells  # noqa: F401
from sluice.keras.layers.recurrent_cells import GRU, LSTM, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell  # noqa: F401
from sluice.keras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper  # noqa: F401
from sluice.keras.layers.cudnn_recurrent import CuDNNGRU, CuDNNLSTM  # noqa: F401
from sluice.keras.layers.serialization import deserialize, serialize  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.keras.layers')
