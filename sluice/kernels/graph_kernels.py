"""Kernels of the graph's plumbing (ops/graph_ops.py: Placeholder, PlaceholderWithDefault, Identity, NoOp),
of Const and StopGradient, for every device; and TF's type and shape names as kernel messages print them."""
from sluice.engine import errors
from sluice.kernels.registry import register_kernel

# TF's DataTypeString names, as its error messages print them.
_TF_TYPE_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'half'}


def tf_type_name(dtype):
    name = dtype.base_dtype.name
    return _TF_TYPE_NAMES.get(name, name)


def shape_string(shape):
    dims = shape._dims
    if dims is None:
        return '<unknown>'
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


@register_kernel('Const')
def const(op, ctx):
    try:  # an imported Const is built here, on first use (TF: when the node runs)
        array = op.get_attr('value')
    except (ValueError, MemoryError) as e:
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  'Cannot parse tensor from proto: %s' % (e or 'out of memory')) from None
    value = ctx.device.from_host(array)  # uploaded once per plan on a GPU
    return lambda: value


@register_kernel('Placeholder')
def placeholder(op, ctx):
    message = ("You must feed a value for placeholder tensor '%s' with dtype %s"
               % (op.name, tf_type_name(op.get_attr('dtype'))))
    shape = op.get_attr('shape')
    if shape is not None and shape._dims is not None:
        message += ' and shape %s' % shape_string(shape)

    def unfed():
        raise errors.error_for_op(errors.InvalidArgumentError, op, message)
    return unfed


@register_kernel(('Identity', 'PlaceholderWithDefault', 'StopGradient', 'PreventGradient'))
def identity(op, ctx):
    return lambda x: x


@register_kernel('NoOp')
def no_op(op, ctx):
    return lambda: None
