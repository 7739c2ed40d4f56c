"""tf.custom_gradient in graph mode (TF 1.15's form): `f(*args)` returns (result, grad_fn); the result
and the arguments pass through one IdentityN whose gradient, registered under a fresh name and put in
place with gradient_override_map, is grad_fn(*result_grads) for the arguments (and, when grad_fn takes
`variables`, the resource variables f created, whose gradients grad_fn returns second)."""
import functools
import inspect
import uuid

from sluice.engine import graph as _graph
from sluice.engine.op_registry import register_gradient
from sluice.ops import array_ops, graph_ops
from sluice.python.util import nest

__all__ = ['custom_gradient']


def custom_gradient(f):
    @functools.wraps(f)
    def decorated(*args, **kwargs):
        if kwargs:
            raise ValueError('The custom_gradient decorator currently supports keywords arguments only when eager '
                             'execution is enabled.')
        g = _graph.get_default_graph()
        args = [_graph.convert_to_tensor(x) for x in args]
        before = set(id(v) for v in g.get_collection(_graph.GraphKeys.GLOBAL_VARIABLES))
        result, grad_fn = f(*args)
        created = [v for v in g.get_collection(_graph.GraphKeys.GLOBAL_VARIABLES) if id(v) not in before]
        for v in created:
            if not hasattr(v, 'handle'):
                raise TypeError('All variables used by a function wrapped with @custom_gradient must be '
                                '`ResourceVariable`s. Ensure that no `variable_scope` is created with '
                                '`use_resource=False`.')
        takes_variables = 'variables' in inspect.signature(grad_fn).parameters
        if created and not takes_variables:
            raise TypeError("If using @custom_gradient with a function that creates variables, the grad_fn must "
                            "accept keyword argument 'variables'.")
        flat_result = [graph_ops.identity(x) for x in nest.flatten(result)]
        inputs = list(args) + [_graph.convert_to_tensor(v.handle) for v in created]

        def gradient(op, *result_grads):
            grads = result_grads[:len(flat_result)]
            if takes_variables:
                input_grads, variable_grads = grad_fn(*grads, variables=created)
            else:
                input_grads, variable_grads = grad_fn(*grads), []
            return [None] * len(flat_result) + nest.flatten(input_grads) + list(variable_grads)
        name = 'CustomGradient-%s' % uuid.uuid4().hex
        register_gradient(name)(gradient)
        with g.gradient_override_map({'IdentityN': name}):
            passed = array_ops.identity_n(flat_result + inputs)
        return nest.pack_sequence_as(result, passed[:len(flat_result)])
    return decorated
