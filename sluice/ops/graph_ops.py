"""Plumbing nodes: placeholders, identity, no-op, and grouping of ops."""
import builtins

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import shape_fns

__all__ = ['placeholder', 'placeholder_with_default', 'identity', 'no_op', 'group', 'tuple']


def _attr_shape(op):
    shape = op._attrs['shape']
    return [tensor_shape.unknown_shape() if shape is None else shape]


register_op('Placeholder', outputs=['output: dtype'],
            attrs={'dtype': 'type', 'shape': ('shape', tensor_shape.unknown_shape())}, shape_fn=_attr_shape)
register_op('PlaceholderWithDefault', inputs=['input: dtype'], outputs=['output: dtype'],
            attrs={'dtype': 'type', 'shape': 'shape'}, shape_fn=_attr_shape)
register_op('Identity', inputs=['input: T'], outputs=['output: T'], attrs={'T': 'type'},
            shape_fn=shape_fns.unchanged)
register_op('NoOp')


def placeholder(dtype, shape=None, name=None):
    """A value fed at run time; running without feeding it is an InvalidArgumentError."""
    shape = tensor_shape.unknown_shape() if shape is None else tensor_shape.as_shape(shape)
    g = _graph.get_default_graph()
    return g._create_op('Placeholder', [], {'dtype': dtypes.as_dtype(dtype), 'shape': shape},
                        name=name or 'Placeholder')._outputs[0]


def placeholder_with_default(input, shape, name=None):
    """`input` unless a value is fed; the fed value must match `shape`, which may be less specific."""
    value = _graph.convert_to_tensor(input)
    shape = tensor_shape.as_shape(shape)
    if not value.shape.is_compatible_with(shape):
        raise ValueError('Shape %s of the default is not compatible with the shape %s' % (value.shape, shape))
    return _graph.graph_of([value])._create_op('PlaceholderWithDefault', [value], {'dtype': value.dtype.base_dtype, 'shape': shape},
                                               name=name or 'PlaceholderWithDefault')._outputs[0]


def identity(input, name=None):
    value = _graph.convert_to_tensor(input)
    return _graph.graph_of([value])._create_op('Identity', [value], {}, name=name or 'Identity')._outputs[0]


def no_op(name=None):
    return _graph.get_default_graph()._create_op('NoOp', [], {}, name=name or 'NoOp')


def _flatten(inputs):
    for x in inputs:
        if isinstance(x, (list, builtins.tuple, set, frozenset)):
            yield from _flatten(x)
        elif x is not None:
            yield x


def group(*inputs, **kwargs):
    """An op that runs all `inputs` (ops or tensors) and has no output; running it returns None."""
    name = kwargs.pop('name', None)
    if kwargs:
        raise TypeError('Unknown keyword arguments: ' + ', '.join(kwargs))
    ops = list(_flatten(inputs))
    with name_scope(name, 'group_deps', ops) as scope:
        g = _graph.graph_of(ops)
        with g.as_default(), g.control_dependencies(ops):
            return no_op(name=scope)


def tuple(tensors, name=None, control_inputs=None):
    """The tensors, each gated to be available only after all of them (and control_inputs) are computed."""
    tensors = builtins.list(tensors)
    with name_scope(name, 'tuple', [t for t in tensors if t is not None]) as scope:
        deps = [getattr(t, 'values', t) for t in tensors if t is not None] + builtins.list(control_inputs or [])
        gate = group(*deps)
        g = gate.graph
        result = []
        with g.as_default(), g.control_dependencies([gate]):
            for t in tensors:
                if t is None:
                    result.append(None)
                    continue
                with g.colocate_with(t.values if hasattr(t, 'indices') else t):
                    if hasattr(t, 'indices'):  # IndexedSlices: gate its parts, as TF does
                        result.append(type(t)(identity(t.values, name='control_dependency'), identity(t.indices),
                                              t.dense_shape))
                    else:
                        result.append(identity(t, name='control_dependency'))
        return result


@register_gradient('Identity')
@register_gradient('PlaceholderWithDefault')
def _identity_grad(op, grad):
    return grad
