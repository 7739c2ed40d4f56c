"""tf.keras.layers core layers (TF 1.15, graph mode): Dense, Activation, Dropout, SpatialDropout1D/2D/3D,
Flatten, Reshape, Permute, RepeatVector, Lambda, Masking, ActivityRegularization.

- Dense: MatMul (Tensordot over the last axis for inputs of rank > 2), BiasAdd, then the activation;
  variables 'kernel' [in, units] (glorot_uniform) and 'bias' [units] (zeros).
- Dropout and the spatial variants: when `training` is None the layer reads K.learning_phase(); a Python
  or constant value picks the branch now, a tensor builds tf.cond between the dropped inputs (tf.nn.dropout,
  drawn outside the cond so the graph stays differentiable in sluice) and the unchanged ones. The spatial
  variants drop whole channels (noise_shape with 1 over the spatial axes).
- Masking: the mask is "any feature differs from mask_value" per timestep; masked steps become 0.
- Lambda: `function(inputs, **arguments)`; its output shape comes from `output_shape` (a shape without the
  batch axis, or a function of the input shape) or, when absent, from calling `function` on placeholders in
  a scratch graph. Variables a Lambda's function makes are not tracked as its weights (TF 1.15 tracks them).
"""
import codecs
import inspect
import marshal
import sys
import types

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import activations, backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.utils import conv_utils
from sluice.keras.utils.tf_utils import smart_cond, static_bool
from sluice.ops import array_ops, graph_ops, linalg_ops, math_ops, nn_conv_pool, nn_dropout, reduction_ops
from sluice.python.util import nest


def merge_config(base, own):
    """A layer's config: the base Layer's keys, then its own (Keras's dict(base + own) order)."""
    return dict(list(base.items()) + list(own.items()))


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value` (and zeroes them)."""

    def __init__(self, mask_value=0., **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return reduction_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = reduction_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        outputs = inputs * math_ops.cast(keep, inputs.dtype)
        outputs._keras_mask = array_ops.squeeze(keep, axis=-1)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'mask_value': self.mask_value})


def training_phase(training):
    """`training`, or the graph's learning phase when it is None."""
    return K.learning_phase() if training is None else training


def dropout_when_training(inputs, training, dropped):
    """dropped() when `training` holds, else the inputs (tf.cond for a tensor `training`)."""
    if static_bool(training) is None:
        applied = dropped()  # drawn outside the cond: sluice differentiates If branches without stateful ops
        return smart_cond(training, lambda: graph_ops.identity(applied), lambda: graph_ops.identity(inputs))
    return smart_cond(training, dropped, lambda: graph_ops.identity(inputs))


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs and scales the rest by 1 / (1 - rate), when training."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        concrete = array_ops.shape(inputs)
        return array_ops.stack([concrete[i] if value is None else value
                                for i, value in enumerate(self.noise_shape)])

    def call(self, inputs, training=None):
        def dropped():
            return nn_dropout.dropout(inputs, noise_shape=self._get_noise_shape(inputs), seed=self.seed,
                                      rate=self.rate)
        return dropout_when_training(inputs, training_phase(training), dropped)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'rate': self.rate, 'noise_shape': self.noise_shape,
                                                   'seed': self.seed})


class SpatialDropout1D(Dropout):
    """Dropout of whole channels of [batch, steps, channels] inputs."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        shape = array_ops.shape(inputs)
        return array_ops.stack([shape[0], 1, shape[2]])


class _SpatialDropoutND(Dropout):
    _rank = None

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        data_format = data_format or K.image_data_format()
        if data_format not in ('channels_last', 'channels_first'):
            raise ValueError('data_format must be in {"channels_last", "channels_first"}')
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _get_noise_shape(self, inputs):
        shape = array_ops.shape(inputs)
        ones = [1] * self._rank
        if self.data_format == 'channels_first':
            return array_ops.stack([shape[0], shape[1]] + ones)
        return array_ops.stack([shape[0]] + ones + [shape[self._rank + 1]])


class SpatialDropout2D(_SpatialDropoutND):
    """Dropout of whole feature maps of 4-D inputs."""
    _rank = 2


class SpatialDropout3D(_SpatialDropoutND):
    """Dropout of whole feature volumes of 5-D inputs."""
    _rank = 3


class Activation(Layer):
    """Applies an activation function."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(),
                            {'activation': activations.serialize(self.activation)})


class Reshape(Layer):
    """[batch, ...] -> [batch] + target_shape (one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        message = 'total size of new array must be unchanged'
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                if unknown is not None:
                    raise ValueError('Can only specify one unknown dimension.')
                unknown = index
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=int))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(message)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(message)
        return output_shape

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if None in dims[1:]:
            return TensorShape([dims[0]] + [s if s != -1 else None for s in self.target_shape])
        return TensorShape([dims[0]] + self._fix_unknown_dimension(dims[1:], self.target_shape))

    def call(self, inputs):
        outputs = array_ops.reshape(inputs, array_ops.stack([array_ops.shape(inputs)[0]] +
                                                            list(self.target_shape)))
        if inputs.shape.ndims is not None:
            outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def get_config(self):
        return merge_config(super().get_config(), {'target_shape': self.target_shape})


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is a permutation of 1..n."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError('Invalid permutation `dims` for Permute Layer: %s. The set of indices in `dims` '
                             'must be consecutive and start from 1.' % (dims,))
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape([dims[0]] + [dims[d] for d in self.dims])

    def call(self, inputs):
        return array_ops.transpose(inputs, perm=(0,) + self.dims)

    def get_config(self):
        return merge_config(super().get_config(), {'dims': self.dims})


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...] (channels_first inputs go channels_last first)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        ndim = inputs.shape.ndims
        if self.data_format == 'channels_first' and ndim is not None and ndim > 1:
            inputs = array_ops.transpose(inputs, perm=[0] + list(range(2, ndim)) + [1])
        batch = inputs.shape.dims[0].value if inputs.shape.dims else None
        outputs = array_ops.reshape(inputs, (batch or array_ops.shape(inputs)[0], -1))
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if not dims:
            return TensorShape([1])
        rest = dims[1:]
        return TensorShape([dims[0], int(np.prod(rest)) if all(rest) else None])

    def get_config(self):
        return merge_config(super().get_config(), {'data_format': self.data_format})


class RepeatVector(Layer):
    """[batch, features] -> [batch, n, features]."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape([dims[0], self.n, dims[1]])

    def call(self, inputs):
        return array_ops.tile(array_ops.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self):
        return merge_config(super().get_config(), {'n': self.n})


def _function_to_config(fn, allow_raw=False):
    """(value, type, module): Keras's Lambda serialization. Every Python function (lambda or def) travels as
    its bytecode in base64 with its defaults and closure values; other callables by name."""
    if isinstance(fn, types.FunctionType):
        code = codecs.encode(marshal.dumps(fn.__code__), 'base64').decode('ascii')
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return (code, fn.__defaults__, closure), 'lambda', fn.__module__
    if callable(fn):
        return fn.__name__, 'function', fn.__module__
    if allow_raw:
        return fn, 'raw', None
    raise ValueError('Invalid input for serialization, type: %s ' % type(fn))


def _function_from_config(config, custom_objects, key, module_key, type_key):
    module = config.pop(module_key, None)
    scope = dict(sys.modules[module].__dict__) if module in sys.modules else {}
    scope.update(custom_objects or {})
    kind = config.pop(type_key)
    value = config[key]
    if kind == 'function':
        if value not in scope:
            raise ValueError('Unknown function in Lambda layer: ' + str(value))
        return scope[value]
    if kind == 'lambda':
        code, defaults, closure = value
        code = marshal.loads(codecs.decode(code.encode('ascii'), 'base64'))
        cells = tuple(types.CellType(c) for c in closure) if closure else None
        return types.FunctionType(code, scope, code.co_name, tuple(defaults) if defaults else None, cells)
    if kind == 'raw':
        return value
    raise TypeError('Unknown function type:', kind)


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments if arguments else {}
        if mask is not None:
            self.supports_masking = True
        self.mask = mask
        self._output_shape = output_shape
        params = inspect.signature(function).parameters
        self._fn_expects_training_arg = 'training' in params
        self._fn_expects_mask_arg = 'mask' in params

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._traced_output_shape(input_shape)
        if callable(self._output_shape):
            shapes = self._output_shape(input_shape)
            if isinstance(shapes, list) and shapes and isinstance(shapes[0], (list, tuple, TensorShape)):
                return [TensorShape(s) for s in shapes]
            return TensorShape(shapes)
        batch = nest.flatten(_shape_lists(input_shape))[0] if input_shape else None
        return TensorShape([batch] + list(self._output_shape))

    def _traced_output_shape(self, input_shape):
        """The function's output shape on placeholders of `input_shape`, in a scratch graph."""
        try:
            with _graph.Graph().as_default():
                shapes = _shape_lists(input_shape)
                if shapes and isinstance(shapes[0], list):
                    inputs = [graph_ops.placeholder(K.floatx(), shape=s) for s in shapes]
                else:
                    inputs = graph_ops.placeholder(K.floatx(), shape=shapes)
                outputs = self.function(inputs, **self.arguments)
                return nest.map_structure(lambda x: x.shape, outputs)
        except Exception:  # pylint: disable=broad-except
            raise NotImplementedError('We could not automatically infer the shape of the Lambda\'s output. '
                                      'Please specify `output_shape` for this Lambda.') from None

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs['mask'] = mask
        if self._fn_expects_training_arg:
            kwargs['training'] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        function = _function_to_config(self.function)
        output_shape = _function_to_config(self._output_shape, allow_raw=True)
        config = {'function': function[0], 'function_type': function[1], 'module': function[2],
                  'output_shape': output_shape[0], 'output_shape_type': output_shape[1],
                  'output_shape_module': output_shape[2]}
        if self.mask is not None:
            mask = _function_to_config(self.mask)
            config.update({'mask': mask[0], 'mask_type': mask[1], 'mask_module': mask[2]})
        config['arguments'] = self.arguments
        return merge_config(super().get_config(), config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config['function'] = _function_from_config(config, custom_objects, 'function', 'module', 'function_type')
        config['output_shape'] = _function_from_config(config, custom_objects, 'output_shape',
                                                       'output_shape_module', 'output_shape_type')
        config['mask'] = _function_from_config(config, custom_objects, 'mask', 'mask_module', 'mask_type') \
            if 'mask' in config else None
        return cls(**config)


def _shape_lists(shape):
    if isinstance(shape, TensorShape):
        return shape.as_list()
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (TensorShape, list, tuple)):
        return [_shape_lists(s) for s in shape]
    return list(shape)


class Dense(Layer):
    """outputs = activation(inputs . kernel + bias)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if 'input_shape' not in kwargs and 'input_dim' in kwargs:
            kwargs['input_shape'] = (kwargs.pop('input_dim'),)
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        dtype = dtypes.as_dtype(self.dtype or K.floatx())
        if not (dtype.is_floating or dtype.is_complex):
            raise TypeError('Unable to build `Dense` layer with non-floating point dtype %s' % (dtype,))
        input_shape = TensorShape(input_shape)
        last_dim = input_shape.dims[-1].value if input_shape.dims else None
        if last_dim is None:
            raise ValueError('The last dimension of the inputs to `Dense` should be defined. Found `None`.')
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight('kernel', shape=[last_dim, self.units], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      dtype=self.dtype, trainable=True)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', shape=[self.units], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        dtype=self.dtype, trainable=True)
        self.built = True

    def call(self, inputs):
        rank = inputs.shape.ndims
        if rank is not None and rank > 2:
            outputs = linalg_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        else:
            if inputs.dtype.base_dtype.name != self.dtype:
                inputs = math_ops.cast(inputs, self.dtype)
            outputs = math_ops.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = nn_conv_pool.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape).with_rank_at_least(2)
        if input_shape.dims[-1].value is None:
            raise ValueError('The innermost dimension of input_shape must be defined, but saw: %s' % input_shape)
        return input_shape[:-1].concatenate(self.units)

    def get_config(self):
        return merge_config(super().get_config(), {
            'units': self.units, 'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias, 'kernel_initializer': initializers.serialize(self.kernel_initializer),
            'bias_initializer': initializers.serialize(self.bias_initializer),
            'kernel_regularizer': regularizers.serialize(self.kernel_regularizer),
            'bias_regularizer': regularizers.serialize(self.bias_regularizer),
            'activity_regularizer': regularizers.serialize(self.activity_regularizer),
            'kernel_constraint': constraints.serialize(self.kernel_constraint),
            'bias_constraint': constraints.serialize(self.bias_constraint)})


class ActivityRegularization(Layer):
    """Identity that adds l1 * sum|x| + l2 * sum x^2 (per batch element) of its outputs to the losses."""

    def __init__(self, l1=0., l2=0., **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'l1': self.l1, 'l2': self.l2})
