"""The Inception networks (v1-v3) written as tables of stages, and the walker that builds them.

A network body is a list of stages `(end_point, layer)` or `(end_point, [branch, ...])`. A layer is
`conv(depth, kernel, name, **kw)`, `max_pool(kernel, name, **kw)`, `avg_pool(kernel, name, **kw)` or
`fork(conv, ...)` (several convolutions of the same input, concatenated on channels, as Inception v3's
7b/7c branches). A mixed block runs each branch (a list of layers, in variable scope 'Branch_<i>') on
the block's input, in the block's variable scope `end_point`, and concatenates the branch outputs on the
channel axis. `build_stages` records every stage's output in end_points under its name and stops after
`final_endpoint`. A conv's depth goes through the network's `depth` function (depth_multiplier and
min_depth); layer keywords override the arg_scope in force.
"""
from sluice.contrib.layers import dense_conv, pooling
from sluice.ops import array_ops
from sluice.ops import variable_scope as vs

__all__ = ['conv', 'max_pool', 'avg_pool', 'fork', 'build_stages', 'reduced_kernel_size', 'depth_function']


def conv(depth, kernel, name, **kwargs):
    return ('conv', depth, kernel, name, kwargs)


def max_pool(kernel, name, **kwargs):
    return ('max_pool', None, kernel, name, kwargs)


def avg_pool(kernel, name, **kwargs):
    return ('avg_pool', None, kernel, name, kwargs)


def fork(*convs):
    return ('fork', None, None, None, convs)


def _apply(net, layer, depth):
    kind, channels, kernel, name, extra = layer  # extra: the layer's keywords, or a fork's convolutions
    if kind == 'conv':
        return dense_conv.conv2d(net, depth(channels), kernel, scope=name, **extra)
    if kind == 'max_pool':
        return pooling.max_pool2d(net, kernel, scope=name, **extra)
    if kind == 'avg_pool':
        return pooling.avg_pool2d(net, kernel, scope=name, **extra)
    return array_ops.concat([_apply(net, c, depth) for c in extra], 3)


def _mixed(net, end_point, branches, depth):
    with vs.variable_scope(end_point):
        outputs = []
        for i, branch in enumerate(branches):
            with vs.variable_scope('Branch_%d' % i):
                out = net
                for layer in branch:
                    out = _apply(out, layer, depth)
            outputs.append(out)
        return array_ops.concat(outputs, 3)


def build_stages(net, stages, depth, final_endpoint, end_points):
    """Builds `stages` on `net` until `final_endpoint`; returns (net, whether final_endpoint was reached)."""
    for end_point, body in stages:
        net = _mixed(net, end_point, body, depth) if isinstance(body, list) else _apply(net, body, depth)
        end_points[end_point] = net
        if end_point == final_endpoint:
            return net, True
    return net, False


def depth_function(depth_multiplier, min_depth):
    """d -> max(int(d * depth_multiplier), min_depth); ValueError unless depth_multiplier > 0."""
    if depth_multiplier <= 0:
        raise ValueError('depth_multiplier is not greater than zero.')
    return lambda d: max(int(d * depth_multiplier), min_depth)


def reduced_kernel_size(tensor, kernel_size):
    """kernel_size clipped to the static height and width of `tensor` (unchanged when unknown), so a
    final average pool still applies to the smaller maps of small inputs."""
    shape = tensor.get_shape().as_list()
    if shape[1] is None or shape[2] is None:
        return kernel_size
    return [min(shape[1], kernel_size[0]), min(shape[2], kernel_size[1])]
