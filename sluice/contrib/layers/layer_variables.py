"""How contrib layers make their variables and read `is_training`.

Every layer variable is a model variable (GLOBAL_VARIABLES + MODEL_VARIABLES, TRAINABLE_VARIABLES when
trainable) made with get_variable in the layer's variable scope, so `reuse`, scope initializers and
custom getters apply; `variables_collections` (a list, or a dict by short name such as 'weights') adds
more collections, as in TF. A regularizer's penalty joins REGULARIZATION_LOSSES when the variable is
created: under get_variable's '<variable name>/Regularizer/', or, for the layers TF 1.15 builds on a core
layer (Dense, Conv2D, ...), under '<layer's name scope>/<core weight name>/Regularizer/'
('Conv/kernel/Regularizer/l2_regularizer'), as the core layer's add_weight names it.
`static_value` and `smart_cond` give TF's treatment of `is_training`: a Python bool or a constant tensor
decides at graph-building time, any other boolean tensor builds a tf.cond.
"""
from sluice.contrib.framework.variables import model_variable
from sluice.contrib.layers.named_outputs import get_variable_collections
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import control_flow_ops
from sluice.ops.shape_fns import constant_value

__all__ = ['layer_variable', 'add_variable_to_collections', 'static_value', 'smart_cond']


def add_variable_to_collections(variable, variables_collections, name):
    """Adds `variable` to the collections `variables_collections` names for `name` (once each)."""
    g = _graph.get_default_graph()
    for collection in get_variable_collections(variables_collections, name) or []:
        if variable not in g.get_collection(collection):
            g.add_to_collection(collection, variable)


def layer_variable(name, shape, dtype, initializer, regularizer=None, trainable=True,
                   variables_collections=None, collection_name=None, core_name=None):
    """A model variable `name` of the current variable scope, also in the layer's extra collections.
    `core_name` is the core layer's name for the weight ('kernel', 'bias') where TF makes it through one."""
    collections = get_variable_collections(variables_collections, collection_name or name)
    if regularizer is None or core_name is None:
        return model_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                              trainable=trainable, collections=collections)
    g = _graph.get_default_graph()
    existing = set(map(id, g.get_collection(GraphKeys.GLOBAL_VARIABLES)))
    variable = model_variable(name, shape=shape, dtype=dtype, initializer=initializer, trainable=trainable,
                              collections=collections)
    if id(variable) not in existing:  # a reused variable's penalty is already counted
        with g.name_scope(core_name + '/Regularizer'):
            loss = regularizer(variable)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return variable


def static_value(pred):
    """The Python bool `pred` stands for, or None when it is only known when the graph runs."""
    from sluice.ops.variables import Variable
    if isinstance(pred, _graph.Tensor):
        value = constant_value(pred)
        return None if value is None else bool(value)
    if isinstance(pred, Variable):
        return None
    if isinstance(pred, (bool, int, float)) or hasattr(pred, 'dtype'):  # Python and NumPy scalars
        if pred in (0, 1):
            return bool(pred)
    raise TypeError('`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: %s' % type(pred))


def smart_cond(pred, true_fn, false_fn, name=None):
    """true_fn() or false_fn() chosen now when `pred` is static, else a tf.cond between them."""
    value = static_value(pred)
    if value is None:
        return control_flow_ops.cond(pred, true_fn, false_fn, name=name)
    return true_fn() if value else false_fn()
