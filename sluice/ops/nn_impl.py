"""tf.nn functions built from other ops, as TF builds them: the softmax cross entropies (flattened
to 2-D around the SoftmaxCrossEntropyWithLogits ops), the sigmoid cross entropies, conv2d_transpose,
depthwise_conv2d, crelu, moments, batch_normalization, l2_normalize, dropout, embedding_lookup,
xw_plus_b, zero_fraction, and the clipping functions TF 1.x has at top level (clip_by_norm,
clip_by_global_norm, global_norm, clip_by_average_norm).

Each follows TF's graph: the same ops, in the same order, under the same name scopes, so node
names match ('moments/mean', 'batchnorm/Rsqrt', 'logistic_loss', 'clip_by_norm').

Numerics: sigmoid cross entropy is max(x, 0) - x * z + log1p(exp(-|x|)) (never overflows), with
the max and -|x| taken by selects so that the gradient is defined at 0; clip_by_norm takes the
square root only where the sum of squares is positive (no NaN gradient at 0); dropout keeps an
element when its uniform sample is >= rate and scales the kept ones by 1 / (1 - rate).

embedding_lookup with one params tensor is a colocated gather; with a list of shards it gathers
from every shard and keeps, per id, the row of the shard its partition strategy ('mod' or 'div')
assigns it to (TF uses DynamicPartition/ParallelDynamicStitch for this; the values are the same).
"""
import numbers

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, graph_ops, math_ops, random_ops
from sluice.ops import nn_ops
from sluice.ops.nn_ops import _alias, _text, conv2d_backprop_input, depthwise_conv2d_native


def _lookup(new, new_name, old, old_name):
    if old is not None:
        if new is not None:
            raise ValueError("Cannot specify both '%s' and '%s'." % (new_name, old_name))
        return old
    return new


def _dtype_of(x):
    """The dtype x has or will have as a tensor, without adding a node (TF reads x.dtype as is)."""
    if _graph.is_tensor(x):
        return convert_to_tensor(x).dtype.base_dtype
    return constant_op._infer_dtype(x)


# -- statistics and normalization --
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over axes; the variance is the mean squared deviation (biased)."""
    keep = _lookup(keepdims, 'keepdims', keep_dims, 'keep_dims')
    keep = bool(keep)
    with name_scope(name, 'moments', [x, axes]):
        half = _dtype_of(x) == dtypes.float16
        y = math_ops.cast(x, dtypes.float32) if half else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name='mean')
        variance = math_ops.reduce_mean(math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
                                        keepdims=True, name='variance')
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if half:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset, as x * inv + (offset - mean * inv)."""
    with name_scope(name, 'batchnorm', [x, mean, variance, scale, offset]):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        dt = _dtype_of(x)
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, dt) + math_ops.cast(shift, dt)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    with name_scope(name, 'l2_normalize', [x]) as scope:
        axis = _lookup(axis, 'axis', dim, 'dim')
        x = convert_to_tensor(x, name='x')
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, inv_norm, name=scope)


# -- dropout --
def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return array_ops.shape(x)
    if _graph.is_tensor(noise_shape):
        return noise_shape
    try:
        dims = list(TensorShape(noise_shape)._dims)
    except (TypeError, ValueError):
        return noise_shape
    x_dims = x.shape._dims
    if x_dims is not None and len(x_dims) == len(dims):
        dims = [xd if d is None and xd is not None else d for d, xd in zip(dims, x_dims)]
    return dims


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability rate (= 1 - keep_prob) and scales the others by 1 / (1 - rate).

    A Python rate of 0 (keep_prob 1) returns x itself. noise_shape broadcasts one draw over dims.
    """
    try:
        from_keep = 1. - keep_prob if keep_prob is not None else None
    except TypeError:
        raise ValueError('`keep_prob` must be a floating point number or Tensor. Received: keep_prob=%s'
                         % (keep_prob,)) from None
    rate = _lookup(rate, 'rate', from_keep, 'keep_prob')
    if rate is None:
        raise ValueError('`rate` must be provided. Received: rate=None')
    with name_scope(name, 'dropout', [x]):
        is_number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
        if is_number and not 0 <= rate < 1:
            raise ValueError('`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=%s'
                             % rate)
        x = convert_to_tensor(x, name='x')
        dt = x.dtype.base_dtype
        if not dt.is_floating:
            raise ValueError('`x.dtype` must be a floating point tensor as `x` will be scaled. Received: '
                             'x_dtype=%s' % dt)
        if is_number and rate == 0:
            return x
        if is_number:
            scale = constant_op.constant(1 / (1 - rate), dtype=dt)
            ret = math_ops.multiply(x, scale)
        else:
            rate = convert_to_tensor(rate)
            if rate.shape.ndims not in (None, 0):
                raise ValueError('Shape %s must have rank 0' % rate.shape)
            if rate.dtype.base_dtype != dt:
                rate = math_ops.cast(rate, dt, name='rate')
            one = constant_op.constant(1, dtype=dt)
            ret = math_ops.realdiv(x, math_ops.subtract(one, rate))
        sample = random_ops.random_uniform(_noise_shape(x, noise_shape), seed=seed, dtype=dt)
        keep = sample >= rate
        zero = constant_op.constant(0, dtype=dt)
        ret = array_ops.where_v2(keep, ret, zero)
        ret.set_shape(x.shape)
        return ret


# -- softmax cross entropies --
def _flatten_outer_dims(x):
    """x reshaped to [-1, last dim], with the static shape set when known."""
    rank = array_ops.rank(x)
    last = array_ops.slice(array_ops.shape(x), [math_ops.subtract(rank, 1)], [1])
    out = array_ops.reshape(x, array_ops.concat([[-1], last], 0))
    dims = x.shape._dims
    if dims is not None and dims and None not in dims[:-1]:
        out.set_shape([int(np.prod(dims[:-1], dtype=np.int64)), dims[-1]])
    return out


def _move_axis_to_end(x, axis, rank):
    perm = array_ops.concat([array_ops.range(axis), array_ops.range(axis + 1, rank), [axis]], 0)
    out = array_ops.transpose(x, perm)
    dims = x.shape._dims
    if dims is not None:  # TF's shape inference folds the perm; keep the static shape
        axis %= len(dims)
        out.set_shape(list(dims[:axis]) + list(dims[axis + 1:]) + [dims[axis]])
    return out


def _softmax_xent(labels, logits, axis, name, default_name):
    with name_scope(name, default_name, [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        half = logits.dtype.base_dtype in (dtypes.float16, dtypes.bfloat16)
        precise = math_ops.cast(logits, dtypes.float32) if half else logits
        labels = math_ops.cast(labels, precise.dtype.base_dtype)
        input_rank = array_ops.rank(precise)
        static = logits.shape
        if axis != -1:
            precise = _move_axis_to_end(precise, axis, input_rank)
            labels = _move_axis_to_end(labels, axis, input_rank)
        input_shape = array_ops.shape(precise)
        precise = _flatten_outer_dims(precise)
        labels = _flatten_outer_dims(labels)
        cost = op_builder.output('SoftmaxCrossEntropyWithLogits', [precise, labels], None, scope)
        out_shape = array_ops.slice(input_shape, [0], [math_ops.subtract(input_rank, 1)])
        cost = array_ops.reshape(cost, out_shape)
        if static._dims is not None:
            dims = list(static._dims)
            del dims[axis]
            cost.set_shape(dims)
        return math_ops.cast(cost, logits.dtype.base_dtype) if half else cost


def _ensure_xent_args(name, sentinel, labels, logits):
    if sentinel is not None:
        raise ValueError('Only call `%s` with named arguments (labels=..., logits=..., ...)' % name)
    if labels is None or logits is None:
        raise ValueError('Both labels and logits must be provided.')


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Cross entropy between softmax(logits) and a label distribution along axis; gradients flow into
    both logits and labels (op SoftmaxCrossEntropyWithLogits on the data flattened to 2-D)."""
    axis = _alias(axis, 'axis', dim, 'dim')
    return _softmax_xent(labels, logits, -1 if axis is None else axis, name, 'softmax_cross_entropy_with_logits')


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF 1.x's version: named arguments only, and no gradient into labels (a StopGradient)."""
    _ensure_xent_args('softmax_cross_entropy_with_logits', _sentinel, labels, logits)
    axis = _alias(axis, 'axis', None if dim == -1 else dim, 'dim')
    with name_scope(name, 'softmax_cross_entropy_with_logits_sg', [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name='labels_stop_gradient')
    return _softmax_xent(labels, logits, -1 if axis is None else axis, scope,
                         'softmax_cross_entropy_with_logits')


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross entropy of softmax(logits) against integer class labels (op SparseSoftmaxCrossEntropyWithLogits;
    logits of rank > 2 are flattened to 2-D and the loss reshaped to the labels' shape)."""
    _ensure_xent_args('sparse_softmax_cross_entropy_with_logits', _sentinel, labels, logits)
    with name_scope(name, 'SparseSoftmaxCrossEntropyWithLogits', [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        half = logits.dtype.base_dtype == dtypes.float16
        precise = math_ops.cast(logits, dtypes.float32) if half else logits
        label_shape, logit_shape = labels.shape, logits.shape
        labels_shape = array_ops.shape(labels)
        if logit_shape.ndims == 0:
            raise ValueError('Logits cannot be scalars - received shape %s.' % logit_shape)
        if logit_shape.ndims is not None and label_shape.ndims is not None \
                and label_shape.ndims != logit_shape.ndims - 1:
            raise ValueError('Rank mismatch: Rank of labels (received %s) should equal rank of logits minus 1 '
                             '(received %s).' % (label_shape.ndims, logit_shape.ndims))
        if label_shape.is_fully_defined() and logit_shape[:-1].is_fully_defined() \
                and label_shape != logit_shape[:-1]:
            raise ValueError('Shape mismatch: The shape of labels (received %s) should equal the shape of logits '
                             'except for the last dimension (received %s).' % (label_shape, logit_shape))
        if logit_shape.ndims == 2:
            cost = op_builder.output('SparseSoftmaxCrossEntropyWithLogits', [precise, labels], None, name)
            return math_ops.cast(cost, dtypes.float16) if half else cost
        num_classes = array_ops.shape(logits)[array_ops.rank(logits) - 1]
        precise = array_ops.reshape(precise, [-1, num_classes])
        labels = array_ops.reshape(labels, [-1])
        cost = op_builder.output('SparseSoftmaxCrossEntropyWithLogits', [precise, labels], None, name)
        cost = array_ops.reshape(cost, labels_shape)
        cost.set_shape(label_shape)
        return math_ops.cast(cost, dtypes.float16) if half else cost


# -- sigmoid cross entropies --
def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) (named arguments only, TF 1.x)."""
    _ensure_xent_args('sigmoid_cross_entropy_with_logits', _sentinel, labels, logits)
    with name_scope(name, 'logistic_loss', [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError('logits and labels must have the same shape (%s vs %s)' % (logits.shape, labels.shape))
        zeros = array_ops.zeros_like(logits, dtype=logits.dtype.base_dtype)
        cond = logits >= zeros
        relu_logits = array_ops.where(cond, logits, zeros)
        neg_abs_logits = array_ops.where(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs_logits)),
                            name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """The logistic loss with the positive term weighted: (1 - z) * x + (1 + (w - 1) * z) * log(1 + exp(-x))."""
    labels = _lookup(labels, 'labels', targets, 'targets')
    with name_scope(name, 'logistic_loss', [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError('logits and labels must have the same shape (%s vs %s)'
                             % (logits.shape, labels.shape))
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add((1 - labels) * logits,
                            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits)))
                                          + nn_ops.relu(-logits)), name=scope)


# -- convolutions --
def _static_dims(x):
    if _graph.is_tensor(x):
        return convert_to_tensor(x).shape._dims
    return np.shape(x)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding='SAME',  # noqa: A002
                     data_format='NHWC', name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """The transpose of conv2d (op Conv2DBackpropInput): value [batch, h, w, in] and filter
    [kh, kw, out, in] give a tensor of output_shape [batch, oh, ow, out]."""
    value = _alias(input, 'input', value, 'value')
    filter = _alias(filters, 'filters', filter, 'filter')
    with name_scope(name, 'conv2d_transpose', [value, filter, output_shape]) as scope:
        data_format = _text(data_format)
        if data_format not in ('NCHW', 'NHWC'):
            raise ValueError('data_format has to be either NCHW or NHWC.')
        axis = 3 if data_format == 'NHWC' else 1
        v_dims, f_dims = _static_dims(value), _static_dims(filter)
        if v_dims is not None and f_dims is not None and len(v_dims) > axis and len(f_dims) == 4 \
                and None not in (v_dims[axis], f_dims[3]) and v_dims[axis] != f_dims[3]:
            raise ValueError("input channels does not match filter's input channels, %d != %d"
                             % (v_dims[axis], f_dims[3]))
        if isinstance(output_shape, (list, tuple, np.ndarray)):
            if len(output_shape) != 4:
                raise ValueError('output_shape must have shape (4,), got (%d,)' % len(output_shape))
            if f_dims is not None and len(f_dims) == 4 and f_dims[2] is not None \
                    and not _graph.is_tensor(output_shape[axis]) and int(output_shape[axis]) != f_dims[2]:
                raise ValueError("output_shape does not match filter's output channels, %d != %d"
                                 % (int(output_shape[axis]), f_dims[2]))
        elif _graph.is_tensor(output_shape):
            if not convert_to_tensor(output_shape).shape.is_compatible_with(TensorShape([4])):
                raise ValueError('output_shape must have shape (4,), got %s' % convert_to_tensor(output_shape).shape)
        if _text(padding) not in ('VALID', 'SAME'):
            raise ValueError('padding must be either VALID or SAME: %s' % padding)
        return conv2d_backprop_input(output_shape, filter, value, strides, padding, data_format=data_format,
                                     dilations=dilations, name=scope)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """tf.nn.depthwise_conv2d: DepthwiseConv2dNative in a 'depthwise' scope (rate = dilations)."""
    dilations = _alias(dilations, 'dilations', rate, 'rate')
    with name_scope(name, 'depthwise', [input, filter]) as scope:
        input = convert_to_tensor(input, name='tensor_in')  # noqa: A001
        filter = convert_to_tensor(filter, name='filter_in')  # noqa: A001
        if dilations is not None and len(dilations) == 2:
            dilations = list(dilations)
        return depthwise_conv2d_native(input, filter, strides, padding, data_format or 'NHWC', dilations,
                                       name=scope)


# -- small layers --
def crelu(features, name=None, axis=-1):
    """Concatenation of relu(features) and relu(-features) along axis."""
    with name_scope(name, 'CRelu', [features]) as scope:
        features = convert_to_tensor(features, name='features')
        c = array_ops.concat([features, math_ops.negative(features)], axis, name=scope)
        return nn_ops.relu(c)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (MatMul then BiasAdd)."""
    with name_scope(name, 'xw_plus_b', [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name='x')
        weights = convert_to_tensor(weights, name='weights')
        biases = convert_to_tensor(biases, name='biases')
        return nn_ops.bias_add(math_ops.matmul(x, weights), biases, name=scope)


def zero_fraction(value, name=None):
    """The fraction of zeros in value, as float32."""
    with name_scope(name, 'zero_fraction', [value]):
        value = convert_to_tensor(value, name='value')
        size = array_ops.size(value, out_type=dtypes.int64)
        nonzero = math_ops.count_nonzero(value, dtype=dtypes.int64)
        with name_scope(None, 'counts_to_fraction'):
            zeros = math_ops.cast(size - nonzero, dtypes.float32)
            fraction = zeros / math_ops.cast(size, dtypes.float32)
        return graph_ops.identity(fraction, name='fraction')


# -- embedding lookup --
def _clip_rows(params, ids, max_norm):
    if max_norm is None:
        return params
    ids_rank, params_rank = ids.shape.ndims, params.shape.ndims
    if ids_rank is not None and params_rank is not None:
        axes = list(range(ids_rank, params_rank))
    else:
        axes = array_ops.range(array_ops.rank(ids), array_ops.rank(params))
    return clip_by_norm(params, max_norm, axes=axes)


def embedding_lookup(params, ids, partition_strategy='mod', name=None, validate_indices=True, max_norm=None):
    """Rows of params (a tensor, a variable, or a list of shards) for ids; max_norm clips each row's L2 norm."""
    if params is None:
        raise ValueError('params must be specified')
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError('Length of params is currently 0. Need at least one param.')
    if not isinstance(params, (list, tuple)):
        params = [params]
    params = list(params)
    with name_scope(name, 'embedding_lookup', params + [ids]) as scope:
        params = [convert_to_tensor(p, name='params_%d' % i) for i, p in enumerate(params)]
        ids = convert_to_tensor(ids, name='ids')
        if len(params) == 1:
            with params[0].graph.colocate_with(params[0]):
                result = _clip_rows(array_ops.gather(params[0], ids, name=scope), ids, max_norm)
            return graph_ops.identity(result)
        if partition_strategy not in ('mod', 'div'):
            raise ValueError('Unrecognized partition strategy: ' + str(partition_strategy))
        return _sharded_lookup(params, ids, partition_strategy, max_norm)


def _sharded_lookup(params, ids, strategy, max_norm):
    n = len(params)
    if strategy == 'mod':
        shard = ids % n
        local = ids // n
    else:
        sizes = [p.shape._dims[0] if p.shape._dims is not None else None for p in params]
        if None in sizes:
            total = math_ops.add_n([array_ops.shape(p)[0] for p in params])
            total = math_ops.cast(total, ids.dtype.base_dtype)
        else:
            total = sum(sizes)
        per = total // n
        extras = total % n
        shard = math_ops.maximum(ids // (per + 1), (ids - extras) // per)
        in_extras = math_ops.cast(shard < extras, ids.dtype.base_dtype)
        local = in_extras * (ids % (per + 1)) + (1 - in_extras) * ((ids - extras) % per)
    result = None
    for p, rows in enumerate(params):
        last = math_ops.cast(array_ops.shape(rows)[0] - 1, ids.dtype.base_dtype)
        safe = math_ops.minimum(math_ops.maximum(local, 0), last)
        with rows.graph.colocate_with(rows):
            got = array_ops.gather(rows, safe)
        mask = math_ops.cast(math_ops.equal(shard, p), got.dtype.base_dtype)
        rank = rows.shape.ndims
        if rank is None or rank > 1:
            mask = array_ops.reshape(mask, array_ops.concat([array_ops.shape(ids),
                                                             array_ops.ones_like(array_ops.shape(rows)[1:])], 0))
        part = got * mask
        result = part if result is None else result + part
    return _clip_rows(result, ids, max_norm)


# -- clipping (top-level tf.* in TF 1.x) --
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(l2norm(t, axes), clip_norm): rescales t so its L2 norm is at most clip_norm."""
    with name_scope(name, 'clip_by_norm', [t, clip_norm]) as scope:
        values = convert_to_tensor(t, name='t')
        l2sum = math_ops.reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        l2sum_safe = array_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        values.shape.assert_is_compatible_with(intermediate.shape)
        return graph_ops.identity(intermediate / math_ops.maximum(l2norm, clip_norm), name=scope)


def _tensor_list(t_list):
    if not isinstance(t_list, (list, tuple)):
        raise TypeError('`t_list` should be a sequence of tensors. Received %s.' % type(t_list))
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum(l2norm(t) ** 2 for t in t_list)), skipping None entries."""
    t_list = _tensor_list(t_list)
    with name_scope(name, 'global_norm', [t for t in t_list if t is not None]):
        values = [convert_to_tensor(t, name='t_%d' % i) if t is not None else None for i, t in enumerate(t_list)]
        halves = []
        for v in values:
            if v is not None:
                with v.graph.colocate_with(v):
                    halves.append(nn_ops.l2_loss(v))
        half = math_ops.reduce_sum(array_ops.stack(halves))
        two = constant_op.constant(2.0, dtype=half.dtype.base_dtype)
        return math_ops.sqrt(half * two, name='global_norm')


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(list of t * clip_norm / max(global_norm, clip_norm), global_norm); None entries stay None and a
    non-finite global norm makes every value NaN."""
    t_list = _tensor_list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, 'clip_by_global_norm', [t for t in t_list if t is not None] + [clip_norm]) as scope:
        dt = use_norm.dtype.base_dtype
        finite_scale = clip_norm * math_ops.minimum(1.0 / use_norm, constant_op.constant(1.0, dtype=dt) / clip_norm)
        scale = finite_scale + (use_norm - use_norm)  # NaN when the norm is inf or NaN
        values = [convert_to_tensor(t, name='t_%d' % i) if t is not None else None for i, t in enumerate(t_list)]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
                continue
            with v.graph.colocate_with(v):
                clipped.append(graph_ops.identity(v * scale, name='%s_%d' % (scope, i)))
        return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(l2norm(t) / size(t), clip_norm)."""
    with name_scope(name, 'clip_by_average_norm', [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name='t')
        n = math_ops.cast(array_ops.size(t), dtypes.float32)
        inv = math_ops.rsqrt(math_ops.reduce_sum(t * t, array_ops.range(array_ops.rank(t))))
        return graph_ops.identity(t * clip_norm * math_ops.minimum(inv * n, constant_op.constant(1.0) / clip_norm),
                                  name=scope)


__all__ = []  # public through sluice.nn and, for the clipping functions, nn_ops.__all__
