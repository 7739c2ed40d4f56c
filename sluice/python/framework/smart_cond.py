"""`tensorflow.python.framework.smart_cond`: choose a branch at graph-building time when the predicate
is already known (a Python bool, 1 or 0, or a tensor whose value folds to a constant), else build a
tf.cond between the two branches.
"""
from sluice.engine import graph as _graph
from sluice.ops import control_flow_ops
from sluice.ops.shape_fns import constant_value


def smart_constant_value(pred):
    """The Python bool `pred` stands for, or None when only running the graph tells; TypeError for
    anything but a tensor, a bool, or 1 / 0 (a Variable is neither a Tensor nor a bool here, as in TF)."""
    if isinstance(pred, _graph.Tensor):
        value = constant_value(pred)
        return None if value is None else bool(value)
    if _graph.is_tensor(pred) or not isinstance(pred, (bool, int, float)) and not hasattr(pred, 'dtype'):
        raise TypeError('`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: %s' % type(pred))
    if pred in (0, 1):  # Python and NumPy scalars
        return bool(pred)
    raise TypeError('`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: %s' % type(pred))


def smart_cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` or `false_fn()` when `pred` is static, else `tf.cond(pred, true_fn, false_fn)`."""
    if not callable(true_fn):
        raise TypeError('`true_fn` must be callable.')
    if not callable(false_fn):
        raise TypeError('`false_fn` must be callable.')
    value = smart_constant_value(pred)
    if value is None:
        return control_flow_ops.cond(pred, true_fn=true_fn, false_fn=false_fn, name=name)
    return true_fn() if value else false_fn()

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.smart_cond')
