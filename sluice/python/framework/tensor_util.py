"""`tensorflow.python.framework.tensor_util`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (is_tensor)  # noqa: F401
from sluice.engine.graph import Tensor as _Tensor
from sluice.io.tensor_proto import make_ndarray as MakeNdarray, make_tensor_proto  # noqa: F401
from sluice.ops import shape_fns as _shape_fns


def constant_value(tensor, partial=False):
    """The NumPy value of `tensor` when it is known without running the graph (a Const, a static
    shape...), else None; a non-tensor comes back as is (TF's contract). `partial` is accepted and,
    as sluice folds whole values only, changes nothing."""
    if not is_tensor(tensor):
        return tensor
    if not isinstance(tensor, _Tensor):
        return None
    return _shape_fns.constant_value(tensor)


def constant_value_as_shape(tensor):
    """A TensorShape from a 1-D shape tensor, with unknown dims where values are unknown."""
    return _shape_fns.constant_value_as_shape(tensor)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.tensor_util')
