"""contrib.layers' pooling and reshaping layers: max_pool2d, avg_pool2d (kernel, stride=2, 'VALID'),
flatten (keep the batch axis, fold the rest), each in a name scope ('MaxPool2D', 'AvgPool2D', 'Flatten')
whose name is the alias under which `outputs_collections` records the output.
"""

from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.layers.dense_conv import _int_tuple, _padding
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import graph as _graph
from sluice.ops import array_ops, nn_conv_pool

__all__ = ['max_pool2d', 'avg_pool2d', 'flatten']


def _pool2d(pool, default_name, inputs, kernel_size, stride, padding, data_format, outputs_collections, scope):
    if data_format not in ('NCHW', 'NHWC'):
        raise ValueError('data_format has to be either NCHW or NHWC.')
    with _graph.name_scope(scope, default_name, [inputs]) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        if inputs.get_shape().ndims not in (None, 4):
            raise ValueError('Input 0 of layer %s is incompatible with the layer: expected ndim=4, found ndim=%d. '
                             'Full shape received: %s' % (sc.rstrip('/'), inputs.get_shape().ndims,
                                                          inputs.get_shape().as_list()))
        kernel = _int_tuple(kernel_size, 2, 'pool_size')
        strides = _int_tuple(stride, 2, 'strides')
        if data_format == 'NCHW':
            ksize, step = [1, 1] + list(kernel), [1, 1] + list(strides)
        else:
            ksize, step = [1] + list(kernel) + [1], [1] + list(strides) + [1]
        outputs = pool(inputs, ksize, step, _padding(padding), data_format=data_format)
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding='VALID', data_format='NHWC', outputs_collections=None,
               scope=None):
    """2-D max pooling (op MaxPool) over windows kernel_size, moved by stride."""
    return _pool2d(nn_conv_pool.max_pool, 'MaxPool2D', inputs, kernel_size, stride, padding, data_format,
                   outputs_collections, scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding='VALID', data_format='NHWC', outputs_collections=None,
               scope=None):
    """2-D average pooling (op AvgPool) over windows kernel_size, moved by stride."""
    return _pool2d(nn_conv_pool.avg_pool, 'AvgPool2D', inputs, kernel_size, stride, padding, data_format,
                   outputs_collections, scope)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """Reshapes [batch, d1, ..., dk] to [batch, d1 * ... * dk]."""
    with _graph.name_scope(scope, 'Flatten', [inputs]) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        shape = inputs.get_shape()
        if shape.ndims is not None and shape.ndims < 1:
            raise ValueError('Input 0 of layer flatten is incompatible with the layer: expected min_ndim=1, '
                             'found ndim=0. Full shape received: []')
        batch = shape.dims[0].value if shape.ndims else None
        outputs = array_ops.reshape(inputs, [batch if batch is not None else array_ops.shape(inputs)[0], -1])
        if shape.ndims is not None:
            rest = shape.dims[1:]
            size = 1
            for d in rest:
                size = None if size is None or d.value is None else size * d.value
            outputs.set_shape([batch, size])
        return collect_named_outputs(outputs_collections, sc, outputs)

