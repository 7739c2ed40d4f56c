"""tf.keras.layers activation layers (TF 1.15, graph mode): LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax,
ReLU.

`relu` is K.relu's construction: with a negative slope and neither cap nor threshold it is LeakyRelu;
otherwise x is zeroed below the threshold (Relu, or Relu6 for a cap of exactly 6), clipped to max_value,
and alpha * relu(threshold - x) is subtracted. PReLU learns 'alpha' per non-shared axis (zeros by default):
relu(x) - alpha * relu(-x).
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config
from sluice.ops import clip_ops, constant_op, elementwise_ops, indexing_ops, math_ops, nn_activation


def relu(x, alpha=0., max_value=None, threshold=0):
    """K.relu: max(x, 0) with an optional negative slope, cap and threshold."""
    if alpha != 0.:
        if max_value is None and threshold == 0:
            return elementwise_ops.leaky_relu(x, alpha=alpha)
        negative_part = nn_activation.relu(-x + threshold) if threshold != 0 else nn_activation.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(math_ops.greater(x, threshold), K.floatx())
    elif max_value == 6:
        x = nn_activation.relu6(x)
        clip_max = False
    else:
        x = nn_activation.relu(x)
    if clip_max:
        dtype = x.dtype.base_dtype
        x = clip_ops.clip_by_value(x, constant_op.constant(0, dtype=dtype),
                                   constant_op.constant(max_value, dtype=dtype))
    if alpha != 0.:
        x -= constant_op.constant(alpha, dtype=x.dtype.base_dtype) * negative_part
    return x


class LeakyReLU(Layer):
    """x where positive, alpha * x elsewhere."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = K.cast_to_floatx(alpha)

    def call(self, inputs):
        return relu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'alpha': float(self.alpha)})


class PReLU(Layer):
    """LeakyReLU with a learned slope per (non-shared) position."""

    def __init__(self, alpha_initializer='zeros', alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        param_shape = list(dims[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight(shape=param_shape, name='alpha', initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            axes = {i: dims[i] for i in range(1, len(dims)) if i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(dims), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = nn_activation.relu(inputs)
        neg = -self.alpha * nn_activation.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {
            'alpha_initializer': initializers.serialize(self.alpha_initializer),
            'alpha_regularizer': regularizers.serialize(self.alpha_regularizer),
            'alpha_constraint': constraints.serialize(self.alpha_constraint),
            'shared_axes': self.shared_axes})


class ELU(Layer):
    """x where positive, alpha * (exp(x) - 1) elsewhere."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = K.cast_to_floatx(alpha)

    def call(self, inputs):
        res = nn_activation.elu(inputs)
        if self.alpha == 1:
            return res
        return indexing_ops.where(inputs > 0, res, self.alpha * res)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'alpha': float(self.alpha)})


class ThresholdedReLU(Layer):
    """x where x > theta, 0 elsewhere."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.theta = K.cast_to_floatx(theta)

    def call(self, inputs):
        return inputs * math_ops.cast(math_ops.greater(inputs, self.theta), K.floatx())

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'theta': float(self.theta)})


class Softmax(Layer):
    """Softmax along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs):
        return nn_activation.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'axis': self.axis})


class ReLU(Layer):
    """K.relu with a cap (max_value), a slope below the threshold (negative_slope) and a threshold."""

    def __init__(self, max_value=None, negative_slope=0, threshold=0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.:
            raise ValueError('max_value of Relu layer cannot be negative value: ' + str(max_value))
        if negative_slope < 0.:
            raise ValueError('negative_slope of Relu layer cannot be negative value: ' + str(negative_slope))
        self.supports_masking = True
        self.max_value = None if max_value is None else K.cast_to_floatx(max_value)
        self.negative_slope = K.cast_to_floatx(negative_slope)
        self.threshold = K.cast_to_floatx(threshold)

    def call(self, inputs):
        return relu(inputs, alpha=self.negative_slope, max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'max_value': self.max_value,
                                                   'negative_slope': self.negative_slope,
                                                   'threshold': self.threshold})
