"""The global step: tf.train.get_global_step, create_global_step, get_or_create_global_step, global_step.

The global step is a scalar int64 variable named 'global_step', not trainable, initialized to 0,
in the GLOBAL_VARIABLES and GLOBAL_STEP collections, created at the root name scope.
Optimizers increment it when given it (apply_gradients(global_step=...)).
"""
import logging

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops
from sluice.ops import variables

__all__ = ['global_step', 'get_global_step', 'create_global_step', 'get_or_create_global_step',
           'assert_global_step']

GLOBAL_STEP_READ_KEY = 'global_step_read_op_cache'

_log = logging.getLogger('sluice')


def global_step(sess, global_step_tensor):
    """The value of the global step in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor):
    """TypeError unless global_step_tensor is a scalar integer Variable or Tensor."""
    if not isinstance(global_step_tensor, (variables.Variable, _graph.Tensor)):
        raise TypeError('Existing "global_step" must be a Variable or Tensor: %s.' % global_step_tensor)
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError('Existing "global_step" does not have integer type: %s' % global_step_tensor.dtype)
    shape = global_step_tensor.get_shape()
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError('Existing "global_step" is not scalar: %s' % shape)


def get_global_step(graph=None):
    """The global step of `graph` (the default graph): its GLOBAL_STEP collection, or 'global_step:0'."""
    graph = graph or _graph.get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name('global_step:0')
        except (KeyError, ValueError):
            return None
    else:
        _log.error('Multiple tensors in global_step collection.')
        return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Creates the global step of `graph`; ValueError if it already has one."""
    graph = graph or _graph.get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None):
        from sluice.ops import variable_scope
        from sluice.ops import init_ops
        get_variable = getattr(variable_scope, 'get_variable', None)
        zeros = getattr(init_ops, 'zeros_initializer', None)
        collections = [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP]
        if get_variable is not None and zeros is not None:
            return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64, initializer=zeros(),
                                trainable=False, collections=collections)
        return variables.Variable(lambda: array_ops.zeros([], dtype=dtypes.int64), name=GraphKeys.GLOBAL_STEP,
                                  trainable=False, collections=collections)


def get_or_create_global_step(graph=None):
    """The global step of `graph`, created if there is none yet."""
    graph = graph or _graph.get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step


def _get_or_create_global_step_read(graph=None):
    """A copy of the global step's value taken early in each run (`global_step + 0`), or None without one.

    Hooks fetch it rather than the variable: a fetched variable shows its value at the end of the run,
    after the optimizer's increment, while this copy has no inputs to wait for and shows the value the
    step started from, as TF's hooks see it. Cached in the GLOBAL_STEP_READ_KEY collection.
    """
    graph = graph or _graph.get_default_graph()
    cached = graph.get_collection(GLOBAL_STEP_READ_KEY)
    if len(cached) > 1:
        raise RuntimeError('There are multiple items in collection {}. There should be only one.'.format(
            GLOBAL_STEP_READ_KEY))
    if cached:
        return cached[0]
    step = get_global_step(graph)
    if step is None:
        return None
    with graph.as_default(), graph.name_scope(None), graph.name_scope(step.op.name + '/'):
        value = step.initialized_value() if isinstance(step, variables.Variable) else step
        read = value + 0
        graph.add_to_collection(GLOBAL_STEP_READ_KEY, read)
    return read
