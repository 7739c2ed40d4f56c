"""Variable nodes: VariableV2 holds a Ref to storage in the session; Assign* write it."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.op_registry import register_op
from sluice.ops import shape_fns

__all__ = ['assign', 'assign_add', 'assign_sub', 'is_variable_initialized']


def _variable_shape(op):
    return [op._attrs['shape']]


def _merged(op, ref, value):
    """TF's Merge of the variable's shape with the value's, with its messages."""
    if ref._dims is None:
        return value
    if value._dims is None:
        return ref
    if len(ref._dims) != len(value._dims):
        raise shape_fns._error(op, 'Shapes must be equal rank, but are %d and %d' % (len(ref._dims), len(value._dims)))
    return tensor_shape.TensorShape(shape_fns._merge(op, ref._dims, value._dims))


def _assign_shape(op):
    ref, value = op._inputs[0]._shape, op._inputs[1]._shape
    if op._attrs.get('validate_shape', True):
        return [_merged(op, ref, value)]
    return [value]


def _update_shape(op):
    return [_merged(op, op._inputs[0]._shape, op._inputs[1]._shape)]


register_op('VariableV2', outputs=['ref: Ref(dtype)'],
            attrs={'shape': 'shape', 'dtype': 'type', 'container': ('string', ''), 'shared_name': ('string', '')},
            shape_fn=_variable_shape, is_stateful=True)
register_op('Assign', inputs=['ref: Ref(T)', 'value: T'], outputs=['output_ref: Ref(T)'],
            attrs={'T': 'type', 'validate_shape': ('bool', True), 'use_locking': ('bool', True)},
            shape_fn=_assign_shape)
for _name in ('AssignAdd', 'AssignSub'):
    register_op(_name, inputs=['ref: Ref(T)', 'value: T'], outputs=['output_ref: Ref(T)'],
                attrs={'T': 'type', 'use_locking': ('bool', False)}, shape_fn=_update_shape)
register_op('IsVariableInitialized', inputs=['ref: Ref(dtype)'], outputs=['is_initialized: bool'],
            attrs={'dtype': 'type'}, shape_fn=lambda op: [tensor_shape.TensorShape([])], is_stateful=True)


def variable_op_v2(shape, dtype, name='Variable', container='', shared_name=''):
    g = _graph.get_default_graph()
    return g._create_op('VariableV2', [], {'shape': tensor_shape.as_shape(shape), 'dtype': dtypes.as_dtype(dtype),
                                           'container': container, 'shared_name': shared_name},
                        name=name)._outputs[0]


def _ref_of(ref):
    """The Ref tensor of a variable (or a Ref tensor itself)."""
    to_ref = getattr(ref, '_ref', None)
    return to_ref() if to_ref is not None else ref


def _update(op_type, ref, value, attrs, name):
    from sluice.ops import resource_variables  # it imports this module
    if resource_variables.is_resource_variable(ref):  # its own method, as TF's state_ops does
        method = {'Assign': ref.assign, 'AssignAdd': ref.assign_add, 'AssignSub': ref.assign_sub}[op_type]
        return method(value, name=name)
    ref = _ref_of(ref)
    if not isinstance(ref, _graph.Tensor) or not ref.dtype._is_ref_dtype:
        raise TypeError("'%s' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)" % op_type)
    g = _graph.graph_of([ref])
    with g.as_default():
        if not isinstance(value, _graph.Tensor):  # a tensor keeps its dtype: a mismatch is the op's TypeError
            value = _graph.convert_to_tensor(value, dtype=ref.dtype.base_dtype)
        return g._create_op(op_type, [ref, value], attrs, name=name or op_type)._outputs[0]


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Writes `value` into the variable `ref`; returns the variable's Ref after the write."""
    attrs = {}
    if validate_shape is not None:
        attrs['validate_shape'] = bool(validate_shape)
    if use_locking is not None:
        attrs['use_locking'] = bool(use_locking)
    return _update('Assign', ref, value, attrs, name)


def assign_add(ref, value, use_locking=None, name=None):
    return _update('AssignAdd', ref, value, {} if use_locking is None else {'use_locking': use_locking}, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _update('AssignSub', ref, value, {} if use_locking is None else {'use_locking': use_locking}, name)


def is_variable_initialized(variable):
    if hasattr(variable, 'is_initialized'):  # a resource variable: VarIsInitializedOp on its handle
        return variable.is_initialized()
    ref = _ref_of(variable)
    return _graph.graph_of([ref])._create_op('IsVariableInitialized', [ref], {}, name='IsVariableInitialized')._outputs[0]
