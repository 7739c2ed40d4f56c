"""contrib.layers' repeat and stack: one layer applied several times, in variable scope `scope` ('Repeat'
or 'Stack' when none), each application scoped `<name>_<i>` from 1, where <name> is the scope given or
the layer function's __name__ (e.g. 'convolution2d'), as TF names them.
"""
from sluice.engine import graph as _graph
from sluice.ops import variable_scope as vs

__all__ = ['repeat', 'stack']


def _layer_name(layer, fallback):
    if hasattr(layer, '__name__'):
        return layer.__name__
    if hasattr(layer, 'func') and hasattr(layer.func, '__name__'):  # a functools.partial
        return layer.func.__name__
    return fallback


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """layer(layer(...layer(inputs, *args, **kwargs)...)), `repetitions` times."""
    scope = kwargs.pop('scope', None)
    with vs.variable_scope(scope, 'Repeat', [inputs]):
        outputs = _graph.convert_to_tensor(inputs)
        name = scope if scope is not None else _layer_name(layer, 'repeat')
        for i in range(repetitions):
            kwargs['scope'] = '%s_%d' % (name, i + 1)
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs, layer, stack_args, **kwargs):
    """layer applied once per entry of stack_args, each entry giving the extra positional arguments."""
    scope = kwargs.pop('scope', None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError('stack_args need to be a list or tuple')
    with vs.variable_scope(scope, 'Stack', [inputs]):
        outputs = _graph.convert_to_tensor(inputs)
        name = scope if scope is not None else _layer_name(layer, 'stack')
        for i, layer_args in enumerate(stack_args):
            kwargs['scope'] = '%s_%d' % (name, i + 1)
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
        return outputs
