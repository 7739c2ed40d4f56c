"""Slot variables: per-variable state of an optimizer or a moving average ('v0/Adam', 'v0/Adam_1').

A slot of `primary` named `name` is a non-trainable variable called '<primary op name>/<name>'
(made unique with '_1', '_2'... as TF1's variable_scope default names are), created at the root
name scope, outside any control dependencies, and colocated with its primary so that updates
never cross devices. Its initial value is a tensor or an initializer called with (shape, dtype)
inside the variable's 'Initializer' scope, which gives TF's node names
('v0/Momentum/Initializer/zeros'). The slot of a shard of a partitioned variable is the same slice of
the full variable's slot: 'emb/part_0/Adam' saves as a slice of 'emb/Adam'.
"""
import contextlib

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import array_ops
from sluice.ops import constant_op
from sluice.ops import resource_variables
from sluice.ops import variables

__all__ = []


class _Zeros:
    def __call__(self, shape, dtype=dtypes.float32, partition_info=None):
        return array_ops.zeros(shape, dtype=dtype)


class _Ones:
    def __call__(self, shape, dtype=dtypes.float32, partition_info=None):
        return array_ops.ones(shape, dtype=dtype)


class _Constant:
    def __init__(self, value):
        self.value = value

    def __call__(self, shape, dtype=dtypes.float32, partition_info=None):
        return constant_op.constant(self.value, dtype=dtype, shape=shape)


zeros_initializer = _Zeros
ones_initializer = _Ones
constant_initializer = _Constant


def _graph_of(primary):
    return primary.graph if hasattr(primary, 'graph') else _graph.get_default_graph()


def _create_slot_var(primary, initial_value, name, validate_shape, shape=None, dtype=None, colocate=True):
    g = _graph_of(primary)
    base = primary.op.name
    with g.as_default(), g.control_dependencies(None), g.name_scope(''):
        with g.colocate_with(primary.op) if colocate else contextlib.nullcontext():
            if callable(initial_value):
                init = initial_value

                def initial_value():
                    return init(shape, dtype=dtype)
            slot = variables.Variable(initial_value, trainable=False, name='%s/%s' % (base, name),
                                      validate_shape=validate_shape,
                                      use_resource=resource_variables.is_resource_variable(primary))
    _slice_like_primary(primary, slot)
    return slot


def _slice_like_primary(primary, slot):
    """A shard's slot is the same slice of the full variable's slot: 'emb/part_0/Adam' of 'emb/Adam'."""
    info = primary._get_save_slice_info() if isinstance(primary, variables.Variable) else None
    if info is None:
        return
    real_slot_name = slot.name[len(primary.op.name + '/'):-2]
    slot._set_save_slice_info(type(info)(info.full_name + '/' + real_slot_name, list(info.full_shape),
                                         list(info.var_offset), list(info.var_shape)))


def create_slot(primary, val, name, colocate_with_primary=True):
    """A slot of `primary` initialized to the tensor `val`."""
    val = _graph.convert_to_tensor(val)
    return _create_slot_var(primary, val, name, val.shape.is_fully_defined(), colocate=colocate_with_primary)


def create_slot_with_initializer(primary, initializer, shape, dtype, name, colocate_with_primary=True):
    """A slot of `primary` of static `shape`, initialized by initializer(shape, dtype=dtype)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    from sluice.engine import tensor_shape
    shape = tensor_shape.as_shape(shape)
    return _create_slot_var(primary, initializer, name, shape.is_fully_defined(), shape=shape, dtype=dtype,
                            colocate=colocate_with_primary)


def create_zeros_slot(primary, name, dtype=None, colocate_with_primary=True):
    """A slot of `primary` initialized to zeros of its shape (computed at run time if not static)."""
    dtype = (dtype or primary.dtype).base_dtype
    shape = primary.get_shape()
    if shape.is_fully_defined():
        return create_slot_with_initializer(primary, zeros_initializer(), shape, dtype, name, colocate_with_primary)
    g = _graph_of(primary)
    with g.as_default(), g.control_dependencies(None):
        source = primary.initialized_value() if isinstance(primary, variables.Variable) else primary
        val = array_ops.zeros(array_ops.shape(source), dtype=dtype)
    return create_slot(primary, val, name, colocate_with_primary)
