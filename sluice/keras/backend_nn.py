"""tf.keras.backend's neural-network functions (TF 1.15): activations, cross-entropies, dropout,
normalization, convolution, pooling, bias and random tensors.

- Cross-entropies on probabilities: when `output` is the direct result of a Softmax (Sigmoid) op, Keras
  reads its logits back from the op and uses the fused, stable logits kernel; otherwise it clips the
  probabilities to [epsilon, 1 - epsilon] (categorical first renormalizes them to sum to 1 on `axis`).
  binary_crossentropy then adds epsilon again inside the logs, exactly as TF 1.15 writes it.
- channels_first convolutions and pools are computed as channels_last between two transposes (TF 1.15
  does this whenever the placement is on CPU, where NCHW kernels are missing); results are the same.
- `hard_sigmoid(x) = clip(0.2 x + 0.5, 0, 1)`; `relu` with `alpha`/`max_value`/`threshold` as Keras's.
- Random functions draw a seed from NumPy when none is given, as Keras does.
"""
import numpy as np

from sluice.engine.tensor_conversion import convert_to_tensor
from sluice.keras import backend as _backend
from sluice.ops import (array_ops, clip_ops, constant_op, elementwise_ops as _E, filling_ops, image_ops,
                        indexing_ops, math_ops, nn_activation, nn_conv3d_pool3d, nn_conv_pool, nn_dropout,
                        nn_losses, nn_normalization, nn_separable_conv, nn_top_k, random_ops, reduction_ops)

__all__ = [
    'relu', 'elu', 'softmax', 'softplus', 'softsign', 'sigmoid', 'hard_sigmoid', 'tanh',
    'categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy', 'dropout',
    'l2_normalize', 'in_top_k', 'normalize_batch_in_training', 'batch_normalization', 'resize_images',
    'resize_volumes', 'conv1d', 'conv2d', 'conv2d_transpose', 'separable_conv1d', 'separable_conv2d',
    'depthwise_conv2d', 'conv3d', 'conv3d_transpose', 'pool2d', 'pool3d', 'local_conv1d', 'local_conv2d',
    'bias_add', 'random_normal', 'random_uniform', 'random_binomial', 'truncated_normal',
]


def _const(value, dtype):
    return constant_op.constant(value, dtype=dtype)


def _ndim(x):
    return x.shape.ndims


# -- activations -------------------------------------------------------------------------------------------------------
def relu(x, alpha=0., max_value=None, threshold=0):
    """max(x, 0) (or x above `threshold`), capped at `max_value`, with slope `alpha` below."""
    x = convert_to_tensor(x)
    if alpha != 0.:
        if max_value is None and threshold == 0:
            return _E.leaky_relu(x, alpha=alpha)
        negative_part = _E.relu(-x + threshold) if threshold != 0 else _E.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(_E.greater(x, threshold), _backend.floatx())
    elif max_value == 6:
        x = _E.relu6(x)
        clip_max = False
    else:
        x = _E.relu(x)
    if clip_max:
        base = x.dtype.base_dtype
        x = clip_ops.clip_by_value(x, _const(0., base), _const(max_value, base))
    if alpha != 0.:
        x -= _const(alpha, x.dtype.base_dtype) * negative_part
    return x


def elu(x, alpha=1.):
    res = _E.elu(x)
    if alpha == 1:
        return res
    return indexing_ops.where(_E.greater(x, 0), res, alpha * res)


def softmax(x, axis=-1):
    return nn_activation.softmax(x, axis=axis)


def softplus(x):
    return _E.softplus(x)


def softsign(x):
    return _E.softsign(x)


def sigmoid(x):
    return _E.sigmoid(x)


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1): the piecewise-linear sigmoid TF 1.15's LSTM and GRU default to."""
    x = convert_to_tensor(x)
    base = x.dtype.base_dtype
    x = _E.add(_E.multiply(x, _const(0.2, base)), _const(0.5, base))
    return clip_ops.clip_by_value(x, 0., 1.)


def tanh(x):
    return _E.tanh(x)


# -- cross-entropies -----------------------------------------------------------------------------------------------
def _logits_behind(output, op_type):
    """The logits of `output` when it is the direct result of `op_type` (Softmax / Sigmoid), else None."""
    op = getattr(output, 'op', None)
    if op is None or op.type != op_type:
        return None
    return op.inputs[0]


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if not from_logits:
        logits = _logits_behind(output, 'Softmax')
        if logits is None:
            output = output / reduction_ops.reduce_sum(output, axis, True)
            eps = _const(_backend.epsilon(), output.dtype.base_dtype)
            output = clip_ops.clip_by_value(output, eps, 1. - eps)
            return -reduction_ops.reduce_sum(target * _E.log(output), axis)
        output = logits
    return nn_losses.softmax_cross_entropy_with_logits_v2(labels=target, logits=output, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if not from_logits:
        logits = _logits_behind(output, 'Softmax')
        if logits is None:
            eps = _const(_backend.epsilon(), output.dtype.base_dtype)
            output = _E.log(clip_ops.clip_by_value(output, eps, 1 - eps))
        else:
            output = logits
    output_rank = output.shape.ndims
    if output_rank is not None:
        axis %= output_rank
        if axis != output_rank - 1:
            perm = list(range(axis)) + list(range(axis + 1, output_rank)) + [axis]
            output = array_ops.transpose(output, perm=perm)
    elif axis != -1:
        raise ValueError('Cannot compute sparse categorical crossentropy with `axis={}` on an output tensor with '
                         'unknown rank'.format(axis))
    target = math_ops.cast(target, 'int64')
    output_shape = array_ops.shape(output)
    target_rank = target.shape.ndims
    update_shape = target_rank is not None and output_rank is not None and target_rank != output_rank - 1
    if update_shape:
        target = array_ops.reshape(target, [-1])
        output = array_ops.reshape(output, [-1, output_shape[-1]])
    res = nn_losses.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if update_shape and output_rank >= 3:
        return array_ops.reshape(res, output_shape[:-1])
    return res


def binary_crossentropy(target, output, from_logits=False):
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if not from_logits:
        logits = _logits_behind(output, 'Sigmoid')
        if logits is None:
            eps = _const(_backend.epsilon(), output.dtype.base_dtype)
            output = clip_ops.clip_by_value(output, eps, 1. - eps)
            bce = target * _E.log(output + _backend.epsilon())
            bce += (1 - target) * _E.log(1 - output + _backend.epsilon())
            return -bce
        output = logits
    return nn_losses.sigmoid_cross_entropy_with_logits(labels=target, logits=output)


# -- dropout, normalization, top-k -----------------------------------------------------------------------------------
def dropout(x, level, noise_shape=None, seed=None):
    seed = np.random.randint(10e6) if seed is None else seed
    return nn_dropout.dropout(x, rate=level, noise_shape=noise_shape, seed=seed)


def l2_normalize(x, axis=None):
    return nn_normalization.l2_normalize(x, axis=axis)


def in_top_k(predictions, targets, k):
    return nn_top_k.in_top_k(predictions, targets, k)


def _broadcast_to_kept_axes(x, reduction_axes, tensors):
    target = array_ops.stack([1 if axis in reduction_axes else array_ops.shape(x)[axis]
                              for axis in range(_ndim(x))])
    return [None if t is None else array_ops.reshape(t, target) for t in tensors]


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """(normalized x, batch mean, batch variance) over `reduction_axes`."""
    mean, variance = nn_normalization.moments(x, reduction_axes, None, None, False)
    if sorted(reduction_axes) == list(range(_ndim(x)))[:-1]:
        normed = nn_normalization.batch_normalization(x, mean, variance, beta, gamma, epsilon)
    else:
        b_mean, b_var, b_beta, b_gamma = _broadcast_to_kept_axes(x, reduction_axes, [mean, variance, beta, gamma])
        normed = nn_normalization.batch_normalization(x, b_mean, b_var, b_beta, b_gamma, epsilon)
    return normed, mean, variance


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta with the given statistics."""
    if _ndim(x) == 4 and axis in (3, -1):
        flat = [None if t is None else (array_ops.reshape(t, [-1]) if _ndim(t) > 1 else t)
                for t in (mean, var, beta, gamma)]
        mean, var, beta, gamma = flat
        beta = filling_ops.zeros_like(mean) if beta is None else beta
        gamma = filling_ops.ones_like(mean) if gamma is None else gamma
        y, _, _ = nn_normalization.fused_batch_norm(x, gamma, beta, epsilon=epsilon, mean=mean, variance=var,
                                                    data_format='NHWC', is_training=False)
        return y
    return nn_normalization.batch_normalization(x, mean, var, beta, gamma, epsilon)


# -- resizing ----------------------------------------------------------------------------------------------------------
def _check_data_format(data_format):
    data_format = _backend.image_data_format() if data_format is None else data_format
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Unknown data_format: ' + str(data_format))
    return data_format


def resize_images(x, height_factor, width_factor, data_format, interpolation='nearest'):
    """Upsamples rows and columns by integer factors (tf.image.resize v2: half-pixel centers)."""
    if data_format == 'channels_first':
        rows, cols = 2, 3
    elif data_format == 'channels_last':
        rows, cols = 1, 2
    else:
        raise ValueError('Invalid `data_format` argument: %s' % (data_format,))
    if interpolation not in ('nearest', 'bilinear'):
        raise ValueError('interpolation should be one of "nearest" or "bilinear".')
    original = _backend.int_shape(x)
    new_shape = array_ops.shape(x)[rows:cols + 1] * constant_op.constant(
        np.array([height_factor, width_factor], dtype='int32'))
    if data_format == 'channels_first':
        x = array_ops.transpose(x, [0, 2, 3, 1])
    resize = image_ops.resize_nearest_neighbor if interpolation == 'nearest' else image_ops.resize_bilinear
    x = resize(x, new_shape, half_pixel_centers=True)
    if data_format == 'channels_first':
        x = array_ops.transpose(x, [0, 3, 1, 2])
    height = None if original[rows] is None else original[rows] * height_factor
    width = None if original[cols] is None else original[cols] * width_factor
    x.set_shape((None, None, height, width) if data_format == 'channels_first' else (None, height, width, None))
    return x


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    from sluice.keras.backend_ops import repeat_elements
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Invalid data_format: ' + str(data_format))
    first = 2 if data_format == 'channels_first' else 1
    for offset, factor in enumerate((depth_factor, height_factor, width_factor)):
        x = repeat_elements(x, factor, axis=first + offset)
    return x


# -- convolution and pooling -------------------------------------------------------------------------------------------
def _padding(padding):
    if padding not in ('same', 'valid'):
        raise ValueError('Invalid padding: ' + str(padding))
    return padding.upper()


def _to_channels_last(x, data_format, rank):
    """channels_first inputs are transposed to channels_last; returns (x, perm back or None)."""
    if data_format != 'channels_first':
        return x, None
    spatial = list(range(2, rank))
    back = [0, rank - 1] + list(range(1, rank - 1))
    return array_ops.transpose(x, [0] + spatial + [1]), back


def _restore(x, back):
    return x if back is None else array_ops.transpose(x, back)


def _pair(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def conv1d(x, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1):
    data_format = _check_data_format(data_format)
    if padding == 'causal':
        from sluice.keras.backend_ops import temporal_padding
        left = _pair(dilation_rate, 1)[0] * (kernel.shape.as_list()[0] - 1)
        x, back = _to_channels_last(x, data_format, 3)
        x = temporal_padding(x, (left, 0))
        padding = 'valid'
    else:
        x, back = _to_channels_last(x, data_format, 3)
    x = nn_conv_pool.conv1d(x, kernel, stride=_pair(strides, 1)[0], padding=_padding(padding), data_format='NWC',
                            dilations=_pair(dilation_rate, 1)[0])
    return _restore(x, back)


def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1)):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 4)
    x = nn_conv_pool.conv2d(x, kernel, strides=(1,) + _pair(strides, 2) + (1,), padding=_padding(padding),
                            data_format='NHWC', dilations=(1,) + _pair(dilation_rate, 2) + (1,))
    return _restore(x, back)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 4)
    output_shape = tuple(output_shape)
    if data_format == 'channels_first':
        output_shape = (output_shape[0], output_shape[2], output_shape[3], output_shape[1])
    if output_shape[0] is None:
        output_shape = (array_ops.shape(x)[0],) + output_shape[1:]
    x = nn_conv_pool.conv2d_transpose(x, kernel, array_ops.stack(list(output_shape)),
                                      (1,) + _pair(strides, 2) + (1,), padding=_padding(padding),
                                      data_format='NHWC', dilations=(1,) + _pair(dilation_rate, 2) + (1,))
    return _restore(x, back)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding='valid', data_format=None,
                     dilation_rate=1):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 3)
    stride = _pair(strides, 1)[0]
    x = nn_separable_conv.separable_conv2d(
        array_ops.expand_dims(x, 1), array_ops.expand_dims(depthwise_kernel, 0),
        array_ops.expand_dims(pointwise_kernel, 0), strides=(1, stride, stride, 1), padding=_padding(padding),
        rate=(1,) + _pair(dilation_rate, 1), data_format='NHWC')
    return _restore(array_ops.squeeze(x, [1]), back)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    data_format = _check_data_format(data_format)
    if len(strides) != 2:
        raise ValueError('`strides` must be a tuple of 2 integers.')
    x, back = _to_channels_last(x, data_format, 4)
    x = nn_separable_conv.separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1,) + tuple(strides) + (1,),
                                           padding=_padding(padding), rate=dilation_rate, data_format='NHWC')
    return _restore(x, back)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1)):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 4)
    x = nn_conv_pool.depthwise_conv2d(x, depthwise_kernel, strides=(1,) + tuple(strides) + (1,),
                                      padding=_padding(padding), rate=dilation_rate, data_format='NHWC')
    return _restore(x, back)


def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None, dilation_rate=(1, 1, 1)):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 5)
    x = nn_conv3d_pool3d.conv3d(x, kernel, strides=(1,) + _pair(strides, 3) + (1,), padding=_padding(padding),
                                data_format='NDHWC', dilations=(1,) + _pair(dilation_rate, 3) + (1,))
    return _restore(x, back)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding='valid', data_format=None):
    data_format = _check_data_format(data_format)
    x, back = _to_channels_last(x, data_format, 5)
    output_shape = tuple(output_shape)
    if data_format == 'channels_first':
        output_shape = (output_shape[0],) + output_shape[2:] + (output_shape[1],)
    if output_shape[0] is None:
        output_shape = (array_ops.shape(x)[0],) + output_shape[1:]
    x = nn_conv3d_pool3d.conv3d_transpose(x, kernel, array_ops.stack(list(output_shape)),
                                          (1,) + _pair(strides, 3) + (1,), padding=_padding(padding),
                                          data_format='NDHWC')
    return _restore(x, back)


def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None, pool_mode='max'):
    data_format = _check_data_format(data_format)
    if len(pool_size) != 2:
        raise ValueError('`pool_size` must be a tuple of 2 integers.')
    if len(strides) != 2:
        raise ValueError('`strides` must be a tuple of 2 integers.')
    if pool_mode not in ('max', 'avg'):
        raise ValueError('Invalid pooling mode: ' + str(pool_mode))
    x, back = _to_channels_last(x, data_format, 4)
    pool = nn_conv_pool.max_pool if pool_mode == 'max' else nn_conv_pool.avg_pool
    x = pool(x, (1,) + tuple(pool_size) + (1,), (1,) + tuple(strides) + (1,), padding=_padding(padding),
             data_format='NHWC')
    return _restore(x, back)


def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None, pool_mode='max'):
    data_format = _check_data_format(data_format)
    if pool_mode not in ('max', 'avg'):
        raise ValueError('Invalid pooling mode: ' + str(pool_mode))
    x, back = _to_channels_last(x, data_format, 5)
    pool = nn_conv3d_pool3d.max_pool3d if pool_mode == 'max' else nn_conv3d_pool3d.avg_pool3d
    x = pool(x, (1,) + tuple(pool_size) + (1,), (1,) + tuple(strides) + (1,), padding=_padding(padding),
             data_format='NDHWC')
    return _restore(x, back)


def _local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format):
    """Unshared-weights convolution: one patch per output position, a batch_dot with its own kernel."""
    import itertools
    from sluice.keras.backend_ops import batch_dot, concatenate
    data_format = _check_data_format(data_format)
    kernel_shape = _backend.int_shape(kernel)
    feature_dim, channels_out = kernel_shape[1], kernel_shape[-1]
    ndims = len(output_shape)
    patches = []
    for position in itertools.product(*[range(n) for n in output_shape]):
        slices = [slice(None)] + ([slice(None)] if data_format == 'channels_first' else [])
        slices += [slice(position[d] * strides[d], position[d] * strides[d] + kernel_size[d]) for d in range(ndims)]
        slices += [slice(None)] if data_format == 'channels_last' else []
        patches.append(array_ops.reshape(inputs[tuple(slices)], (1, -1, feature_dim)))
    output = batch_dot(concatenate(patches, axis=0), kernel)
    output = array_ops.reshape(output, tuple(output_shape) + (-1, channels_out))
    spatial = list(range(ndims))
    perm = [ndims, ndims + 1] + spatial if data_format == 'channels_first' else [ndims] + spatial + [ndims + 1]
    return array_ops.transpose(output, perm)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    return _local_conv(inputs, kernel, kernel_size, strides, (kernel.shape.as_list()[0],), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    return _local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format)


def bias_add(x, bias, data_format=None):
    """x + bias on the channel axis; a bias of rank ndim(x) - 1 is added per position."""
    data_format = _check_data_format(data_format)
    bias_shape = _backend.int_shape(bias)
    rank = _ndim(x)
    if len(bias_shape) != 1 and len(bias_shape) != rank - 1:
        raise ValueError('Unexpected bias dimensions %d, expect to be 1 or %d dimensions' % (len(bias_shape), rank))
    if rank < 3:
        return nn_conv_pool.bias_add(x, bias)
    if len(bias_shape) == 1:
        if data_format == 'channels_last':
            return nn_conv_pool.bias_add(x, bias, data_format='NHWC')
        return x + array_ops.reshape(bias, (1, bias_shape[0]) + (1,) * (rank - 2))
    if data_format == 'channels_last':
        return x + array_ops.reshape(bias, (1,) + bias_shape)
    # A channels_first per-position bias is stored channels_last: move its channel axis to the front.
    return x + array_ops.reshape(bias, (1, bias_shape[-1]) + bias_shape[:-1])


# -- random tensors ----------------------------------------------------------------------------------------------------
def _seed(seed):
    return np.random.randint(10e6) if seed is None else seed


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # noqa: A002
    return random_ops.random_normal(shape, mean=mean, stddev=stddev, dtype=dtype or _backend.floatx(),
                                    seed=_seed(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):  # noqa: A002
    return random_ops.random_uniform(shape, minval=minval, maxval=maxval, dtype=dtype or _backend.floatx(),
                                     seed=_seed(seed))


def random_binomial(shape, p=0.0, dtype=None, seed=None):  # noqa: A002
    dtype = dtype or _backend.floatx()
    draw = random_ops.random_uniform(shape, dtype=dtype, seed=_seed(seed))
    return indexing_ops.where(_E.less_equal(draw, p), filling_ops.ones(shape, dtype=dtype),
                              filling_ops.zeros(shape, dtype=dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):  # noqa: A002
    return random_ops.truncated_normal(shape, mean, stddev, dtype=dtype or _backend.floatx(), seed=_seed(seed))

