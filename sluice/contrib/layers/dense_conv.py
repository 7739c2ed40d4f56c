"""contrib.layers' weight layers: fully_connected, convolution (1-D and 2-D), conv2d_transpose and
separable_conv2d, with TF 1.15's arguments, defaults and variable names.

Each layer opens `variable_scope(scope, default_name, reuse=reuse)` (so unnamed layers are
'fully_connected', 'fully_connected_1', ... and 'Conv', 'Conv_1', ...), makes `weights` (xavier by
default) and, unless a normalizer_fn is given or biases_initializer is None, `biases` (zeros), as model
variables; then computes  y = activation_fn(normalizer_fn(x (*) weights [+ biases], **normalizer_params))
with the ops TF's core layers build (MatMul / Conv2D / Conv2DBackpropInput / DepthwiseConv2dNative,
BiasAdd) and adds y to `outputs_collections` under the scope's name.
"""
import numbers

from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.layers.layer_variables import layer_variable
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import graph as _graph
from sluice.ops import array_ops, init_ops, math_ops, nn_activation, nn_conv_pool
from sluice.ops import variable_scope as vs

__all__ = ['fully_connected', 'convolution', 'convolution1d', 'convolution2d', 'conv1d', 'conv2d',
           'convolution2d_transpose', 'conv2d_transpose', 'separable_convolution2d', 'separable_conv2d',
           'bias_add', 'linear', 'relu', 'relu6', 'elu']

_xavier = init_ops.xavier_initializer


def _int_tuple(value, n, name):
    """An int or n ints, as keras' normalize_tuple reads them."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    try:
        values = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError('The `%s` argument must be a tuple of %d integers. Received: %s' % (name, n, value))
    if len(values) != n:
        raise ValueError('The `%s` argument must be a tuple of %d integers. Received: %s' % (name, n, value))
    return values


def _padding(padding):
    value = str(padding).upper()
    if value not in ('SAME', 'VALID'):
        raise ValueError('The `padding` argument must be one of "valid", "same". Received: %s' % (padding,))
    return value


def _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, scope_name):
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return collect_named_outputs(outputs_collections, scope_name, outputs)


def _maybe_biases(outputs, num_outputs, dtype, normalizer_fn, biases_initializer, biases_regularizer, trainable,
                  variables_collections, data_format='NHWC', core_name='bias'):
    if normalizer_fn or biases_initializer is None:
        return outputs
    biases = layer_variable('biases', [num_outputs], dtype, biases_initializer, biases_regularizer, trainable,
                            variables_collections, core_name=core_name)
    return nn_conv_pool.bias_add(outputs, biases, data_format=data_format)


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=nn_activation.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=_xavier(), weights_regularizer=None,
                    biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                    variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """A dense layer over the last axis of `inputs` (rank >= 2): variables fully_connected/weights
    [in, num_outputs] and fully_connected/biases [num_outputs]."""
    if not isinstance(num_outputs, numbers.Integral) or isinstance(num_outputs, bool):
        raise ValueError('num_outputs type should be one of %s, got %s.' % ([int], type(num_outputs)))
    with vs.variable_scope(scope, 'fully_connected', [inputs], reuse=reuse) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        dtype = inputs.dtype.base_dtype
        shape = inputs.get_shape()
        if shape.ndims is not None and shape.ndims < 2:
            raise ValueError('Input 0 of layer %s is incompatible with the layer: expected min_ndim=2, found '
                             'ndim=%d. Full shape received: %s' % (sc.name, shape.ndims, shape.as_list()))
        if shape.ndims is None or shape.dims[-1].value is None:
            raise ValueError('The last dimension of the inputs to `Dense` should be defined. Found `None`.')
        in_units = shape.dims[-1].value
        weights = layer_variable('weights', [in_units, num_outputs], dtype, weights_initializer,
                                 weights_regularizer, trainable, variables_collections, core_name='kernel')
        if shape.ndims == 2:
            outputs = math_ops.matmul(inputs, weights)
        else:  # TF's Dense contracts the last axis (tensordot): the same as a matmul over flattened rows
            flat = array_ops.reshape(inputs, [-1, in_units])
            outputs = math_ops.matmul(flat, weights)
            out_shape = array_ops.concat([array_ops.shape(inputs)[:-1], [num_outputs]], 0)
            outputs = array_ops.reshape(outputs, out_shape)
            outputs.set_shape(shape[:-1].concatenate([num_outputs]))
        outputs = _maybe_biases(outputs, num_outputs, dtype, normalizer_fn, biases_initializer,
                                biases_regularizer, trainable, variables_collections)
        return _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc.name)


def _channels_first(data_format):
    return bool(data_format) and data_format.startswith('NC')


@add_arg_scope
def convolution(inputs, num_outputs, kernel_size, stride=1, padding='SAME', data_format=None, rate=1,
                activation_fn=nn_activation.relu, normalizer_fn=None, normalizer_params=None,
                weights_initializer=_xavier(), weights_regularizer=None,
                biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                variables_collections=None, outputs_collections=None, trainable=True, scope=None,
                conv_dims=None):
    """An N-D convolution layer (N from the input's rank: 1 or 2; 3-D is not implemented): variables
    Conv/weights [*kernel_size, in, num_outputs] and Conv/biases [num_outputs]."""
    if data_format not in [None, 'NWC', 'NCW', 'NHWC', 'NCHW', 'NDHWC', 'NCDHW']:
        raise ValueError('Invalid data_format: %r' % (data_format,))
    with vs.variable_scope(scope, 'Conv', [inputs], reuse=reuse) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        rank = inputs.get_shape().ndims
        if conv_dims is not None and conv_dims + 2 != rank:
            raise ValueError('Convolution expects input with rank %d, got %d' % (conv_dims + 2, rank))
        if rank == 5:
            raise NotImplementedError('sluice does not implement tf.contrib.layers.convolution of rank-5 '
                                      'inputs (conv3d) yet')
        if rank not in (3, 4):
            raise ValueError('Convolution not supported for input with rank', rank)
        n = rank - 2
        first = _channels_first(data_format)
        in_channels = inputs.get_shape().dims[1 if first else -1].value
        if in_channels is None:
            raise ValueError('The channel dimension of the inputs should be defined. Found `None`.')
        kernel = _int_tuple(kernel_size, n, 'kernel_size')
        strides = _int_tuple(stride, n, 'strides')
        dilations = _int_tuple(rate, n, 'dilation_rate')
        if max(strides) > 1 and max(dilations) > 1:
            raise ValueError('strides > 1 not supported in conjunction with dilation_rate > 1')
        dtype = inputs.dtype.base_dtype
        weights = layer_variable('weights', list(kernel) + [in_channels, num_outputs], dtype, weights_initializer,
                                 weights_regularizer, trainable, variables_collections, core_name='kernel')
        pad = _padding(padding)
        if n == 1:
            fmt = 'NCW' if first else 'NWC'
            outputs = nn_conv_pool.conv1d(inputs, weights, stride=strides[0], padding=pad, data_format=fmt,
                                          dilations=dilations[0])
        else:
            fmt = 'NCHW' if first else 'NHWC'
            spatial = [1, 1] + list(strides) if first else [1] + list(strides) + [1]
            dil = [1, 1] + list(dilations) if first else [1] + list(dilations) + [1]
            outputs = nn_conv_pool.conv2d(inputs, weights, strides=spatial, padding=pad, data_format=fmt,
                                          dilations=dil)
        outputs = _maybe_biases(outputs, num_outputs, dtype, normalizer_fn, biases_initializer,
                                biases_regularizer, trainable, variables_collections,
                                data_format='NCHW' if first else 'NHWC')
        return _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc.name)


def _fixed_rank(conv_dims, public_name):
    def layer(inputs, num_outputs, kernel_size, stride=1, padding='SAME', data_format=None, rate=1,
              activation_fn=nn_activation.relu, normalizer_fn=None, normalizer_params=None,
              weights_initializer=_xavier(), weights_regularizer=None,
              biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
              variables_collections=None, outputs_collections=None, trainable=True, scope=None):
        return convolution(inputs, num_outputs, kernel_size, stride, padding, data_format, rate, activation_fn,
                           normalizer_fn, normalizer_params, weights_initializer, weights_regularizer,
                           biases_initializer, biases_regularizer, reuse, variables_collections,
                           outputs_collections, trainable, scope, conv_dims=conv_dims)
    layer.__name__ = layer.__qualname__ = public_name
    layer.__doc__ = convolution.__doc__
    return add_arg_scope(layer)


convolution1d = _fixed_rank(1, 'convolution1d')
convolution2d = _fixed_rank(2, 'convolution2d')


def _transposed_length(size, kernel, stride, padding):
    if size is None:
        return None
    return size * stride + max(kernel - stride, 0) if padding == 'VALID' else size * stride


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding='SAME', data_format='NHWC',
                            activation_fn=nn_activation.relu, normalizer_fn=None, normalizer_params=None,
                            weights_initializer=_xavier(), weights_regularizer=None,
                            biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None,
                            reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
                            scope=None):
    """A transposed 2-D convolution: Conv2d_transpose/weights [kh, kw, num_outputs, in]; the output's
    spatial size is in * stride (SAME) or in * stride + max(k - stride, 0) (VALID)."""
    with vs.variable_scope(scope, 'Conv2d_transpose', [inputs], reuse=reuse) as sc:
        if data_format not in ('NCHW', 'NHWC'):
            raise ValueError('data_format has to be either NCHW or NHWC.')
        inputs = _graph.convert_to_tensor(inputs)
        if inputs.get_shape().ndims != 4:
            raise ValueError('Inputs should have rank 4. Received input shape: %s' % inputs.get_shape())
        first = data_format == 'NCHW'
        h_axis, w_axis, c_axis = (2, 3, 1) if first else (1, 2, 3)
        dims = inputs.get_shape().dims
        in_channels = dims[c_axis].value
        if in_channels is None:
            raise ValueError('The channel dimension of the inputs should be defined. Found `None`.')
        kernel = _int_tuple(kernel_size, 2, 'kernel_size')
        strides = _int_tuple(stride, 2, 'strides')
        pad = _padding(padding)
        dtype = inputs.dtype.base_dtype
        weights = layer_variable('weights', list(kernel) + [num_outputs, in_channels], dtype, weights_initializer,
                                 weights_regularizer, trainable, variables_collections, core_name='kernel')
        dynamic = array_ops.shape(inputs)
        sizes = []
        for axis, k, s in ((h_axis, kernel[0], strides[0]), (w_axis, kernel[1], strides[1])):
            static = _transposed_length(dims[axis].value, k, s, pad)
            if static is not None:
                sizes.append(static)
            else:
                length = dynamic[axis] * s
                sizes.append(length + max(k - s, 0) if pad == 'VALID' else length)
        batch = dynamic[0]
        out_shape = [batch, num_outputs] + sizes if first else [batch] + sizes + [num_outputs]
        spatial = [1, 1] + list(strides) if first else [1] + list(strides) + [1]
        outputs = nn_conv_pool.conv2d_transpose(inputs, weights, array_ops.stack(out_shape), strides=spatial,
                                                padding=pad, data_format=data_format)
        static_shape = [dims[0].value, num_outputs] + sizes if first else [dims[0].value] + sizes + [num_outputs]
        outputs.set_shape([d if isinstance(d, int) else None for d in static_shape])
        outputs = _maybe_biases(outputs, num_outputs, dtype, normalizer_fn, biases_initializer,
                                biases_regularizer, trainable, variables_collections, data_format=data_format)
        return _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc.name)


@add_arg_scope
def separable_convolution2d(inputs, num_outputs, kernel_size, depth_multiplier=1, stride=1, padding='SAME',
                            data_format='NHWC', rate=1, activation_fn=nn_activation.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=_xavier(), pointwise_initializer=None,
                            weights_regularizer=None, biases_initializer=init_ops.zeros_initializer(),
                            biases_regularizer=None, reuse=None, variables_collections=None,
                            outputs_collections=None, trainable=True, scope=None):
    """A depthwise convolution (SeparableConv2d/depthwise_weights [kh, kw, in, depth_multiplier]) followed,
    when num_outputs is not None, by a 1x1 convolution (pointwise_weights [1, 1, in * mult, num_outputs])."""
    if data_format not in ('NCHW', 'NHWC'):
        raise ValueError('data_format has to be either NCHW or NHWC.')
    with vs.variable_scope(scope, 'SeparableConv2d', [inputs], reuse=reuse) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        first = data_format == 'NCHW'
        in_channels = inputs.get_shape().dims[1 if first else -1].value
        if in_channels is None:
            raise ValueError('The channel dimension of the inputs should be defined. Found `None`.')
        kernel = _int_tuple(kernel_size, 2, 'kernel_size')
        strides = _int_tuple(stride, 2, 'strides')
        dilations = _int_tuple(rate, 2, 'dilation_rate')
        pad = _padding(padding)
        dtype = inputs.dtype.base_dtype
        # With num_outputs TF 1.15 uses the core SeparableConv2D layer, without it its own variables.
        core = num_outputs is not None
        depthwise = layer_variable('depthwise_weights', list(kernel) + [in_channels, depth_multiplier], dtype,
                                   weights_initializer, weights_regularizer, trainable, variables_collections,
                                   collection_name='weights', core_name='depthwise_kernel' if core else None)
        spatial = [1, 1] + list(strides) if first else [1] + list(strides) + [1]
        outputs = nn_conv_pool.depthwise_conv2d(inputs, depthwise, spatial, pad, rate=list(dilations),
                                                data_format=data_format)
        channels = in_channels * depth_multiplier
        if num_outputs is not None:
            pointwise = layer_variable('pointwise_weights', [1, 1, channels, num_outputs], dtype,
                                       pointwise_initializer or weights_initializer, weights_regularizer,
                                       trainable, variables_collections, collection_name='weights',
                                       core_name='pointwise_kernel')
            outputs = nn_conv_pool.conv2d(outputs, pointwise, strides=[1, 1, 1, 1], padding='VALID',
                                          data_format=data_format)
            channels = num_outputs
        outputs = _maybe_biases(outputs, channels, dtype, normalizer_fn, biases_initializer, biases_regularizer,
                                trainable, variables_collections, data_format=data_format,
                                core_name='bias' if core else None)
        return _finish(outputs, normalizer_fn, normalizer_params, activation_fn, outputs_collections, sc.name)


@add_arg_scope
def bias_add(inputs, activation_fn=None, initializer=init_ops.zeros_initializer(), regularizer=None, reuse=None,
             variables_collections=None, outputs_collections=None, trainable=True, data_format='NHWC',
             scope=None):
    """inputs + BiasAdd/biases (one per channel), then activation_fn."""
    if data_format not in ('NCHW', 'NHWC'):
        raise ValueError('data_format has to be either NCHW or NHWC.')
    with vs.variable_scope(scope, 'BiasAdd', [inputs], reuse=reuse) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        rank = inputs.get_shape().ndims
        if rank is None:
            raise ValueError('Dims of shape must be known but is None')
        if rank == 1:
            raise ValueError('Rank of shape must be at least 2 not: 1')
        axis = 1 if data_format == 'NCHW' else -1
        channels = inputs.get_shape().dims[axis].value
        if channels is None:
            raise ValueError('`C` dimension must be known but is None')
        biases = layer_variable('biases', [channels], inputs.dtype.base_dtype, initializer, regularizer, trainable,
                                variables_collections)
        outputs = nn_conv_pool.bias_add(inputs, biases, data_format=data_format)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


def _with_activation(activation_fn, name):
    def layer(*args, **kwargs):
        kwargs.setdefault('activation_fn', activation_fn)
        return fully_connected(*args, **kwargs)
    layer.__name__ = layer.__qualname__ = name
    return layer


conv1d = convolution1d
conv2d = convolution2d
conv2d_transpose = convolution2d_transpose
separable_conv2d = separable_convolution2d
linear = _with_activation(None, 'linear')
relu = _with_activation(nn_activation.relu, 'relu')
relu6 = _with_activation(nn_activation.relu6, 'relu6')
elu = _with_activation(nn_activation.elu, 'elu')
