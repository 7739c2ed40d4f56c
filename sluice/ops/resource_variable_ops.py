"""Resource variables' ops: a VarHandleOp names a variable's storage, the other ops read and write it.

A resource handle (dtype `resource`) is, at run time, the session's VariableSlot of the variable
(the slot a VariableV2 of the same name would use), so checkpoints and initializers meet the same
storage whatever kind of node reaches it. Unlike a Ref, a handle is a plain value: ReadVariableOp
takes a snapshot of the variable, the Assign*VariableOp ops have no outputs, and every op taking a
handle is colocated with the VarHandleOp by the placer (as it is with queue handles).

Gradients follow TF's: ReadVariableOp passes its gradient to the handle (tf.gradients with respect
to a resource variable is with respect to its handle), ResourceGather's is an IndexedSlices over
the variable's rows. The ResourceApply*/ResourceSparseApply* ops are the Apply ops of
ops/training_ops.py with resource handles in place of the Refs and no output.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import op_registry
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import training_ops  # noqa: F401  (declares the Apply ops mirrored below)

__all__ = ['var_handle_op', 'read_variable_op', 'assign_variable_op', 'assign_add_variable_op',
           'assign_sub_variable_op', 'var_is_initialized_op', 'resource_gather', 'resource_scatter_add',
           'resource_scatter_sub', 'resource_scatter_update', 'variable_shape', 'destroy_resource_op']


def _handle_shape(handle):
    """The variable's declared shape when the handle comes from a VarHandleOp (else unknown)."""
    op = handle._op
    if op._op_def.type == 'VarHandleOp':
        return op._attrs['shape']
    return tensor_shape.unknown_shape()


def _scalar(op):
    return [TensorShape([])]


def _no_outputs(op):
    return []


def _gather_shape(op):
    params, indices = _handle_shape(op._inputs[0]), op._inputs[1]._shape
    if params._dims is None or indices._dims is None:
        return [tensor_shape.unknown_shape()]
    return [TensorShape(list(indices._dims) + list(params._dims[1:]))]


def _variable_shape_shape(op):
    dims = _handle_shape(op._inputs[0])._dims
    return [TensorShape([None if dims is None else len(dims)])]


# allowed_devices and debug_name are TF 2.x's; TF 2.x's compat.v1 graphs carry them.
register_op('VarHandleOp', outputs=['resource: resource'],
            attrs={'container': ('string', ''), 'shared_name': ('string', ''), 'dtype': 'type', 'shape': 'shape',
                   'allowed_devices': ('list(string)', []), 'debug_name': ('string', '')},
            shape_fn=_scalar, is_stateful=True)
register_op('ReadVariableOp', inputs=['resource: resource'], outputs=['value: dtype'], attrs={'dtype': 'type'},
            shape_fn=lambda op: [_handle_shape(op._inputs[0])], is_stateful=True)
register_op('AssignVariableOp', inputs=['resource: resource', 'value: dtype'],
            attrs={'dtype': 'type', 'validate_shape': ('bool', False)}, shape_fn=_no_outputs, is_stateful=True)
for _name in ('AssignAddVariableOp', 'AssignSubVariableOp'):
    register_op(_name, inputs=['resource: resource', 'value: dtype'], attrs={'dtype': 'type'},
                shape_fn=_no_outputs, is_stateful=True)
register_op('VarIsInitializedOp', inputs=['resource: resource'], outputs=['is_initialized: bool'],
            shape_fn=_scalar, is_stateful=True)
register_op('VariableShape', inputs=['input: resource'], outputs=['output: out_type'],
            attrs={'out_type': ('type', dtypes.int32)}, shape_fn=_variable_shape_shape, is_stateful=True)
register_op('ResourceGather', inputs=['resource: resource', 'indices: Tindices'], outputs=['output: dtype'],
            attrs={'batch_dims': ('int', 0), 'validate_indices': ('bool', True), 'dtype': 'type', 'Tindices': 'type'},
            shape_fn=_gather_shape, is_stateful=True)
for _name in ('ResourceScatterAdd', 'ResourceScatterSub', 'ResourceScatterUpdate'):
    register_op(_name, inputs=['resource: resource', 'indices: Tindices', 'updates: dtype'],
                attrs={'dtype': 'type', 'Tindices': 'type'}, shape_fn=_no_outputs, is_stateful=True)
register_op('DestroyResourceOp', inputs=['resource: resource'], attrs={'ignore_lookup_error': ('bool', True)},
            shape_fn=_no_outputs, is_stateful=True)


def _declare_resource_apply(apply_type):
    """ResourceApplyX from ApplyX: the same inputs with the Refs as handles, no output."""
    apply_def = op_registry.get_op_def(apply_type)
    inputs = []
    for arg in apply_def.inputs:
        if arg.is_ref:
            inputs.append('%s: resource' % arg.name)
        else:
            inputs.append('%s: %s' % (arg.name, arg.type_attr or arg.fixed_dtype.name))
    attrs = {name: (apply_def.attr_kinds[name], default) if default is not op_registry.REQUIRED
             else apply_def.attr_kinds[name] for name, default in apply_def.attrs.items()}
    register_op('Resource' + apply_type, inputs=inputs, attrs=attrs, shape_fn=_no_outputs, is_stateful=True,
                allowed=apply_def.allowed)
    no_gradient('Resource' + apply_type)


RESOURCE_APPLY_TYPES = []
for _name in op_registry.registered_op_types():
    if _name.startswith(('Apply', 'SparseApply')):
        _declare_resource_apply(_name)
        RESOURCE_APPLY_TYPES.append('Resource' + _name)


# -- gradients ---------------------------------------------------------------------------------------

@register_gradient('ReadVariableOp')
def _read_grad(op, grad):
    return grad


@register_gradient('ResourceGather')
def _resource_gather_grad(op, grad):
    """IndexedSlices of the rows gathered, over the variable's shape (TF's _GatherGrad)."""
    from sluice.ops import array_ops
    from sluice.ops.indexed_slices import IndexedSlices
    handle, indices = op.inputs
    with op.graph.colocate_with(handle.op):
        params_shape = variable_shape(handle)
    size = array_ops.expand_dims(array_ops.size(indices), 0)
    values_shape = array_ops.concat([size, params_shape[1:]], 0)
    values = array_ops.reshape(grad, values_shape)
    return [IndexedSlices(values, array_ops.reshape(indices, size), params_shape), None]


for _name in ('VarHandleOp', 'AssignVariableOp', 'AssignAddVariableOp', 'AssignSubVariableOp', 'VarIsInitializedOp',
              'VariableShape', 'ResourceScatterAdd', 'ResourceScatterSub', 'ResourceScatterUpdate',
              'DestroyResourceOp'):
    no_gradient(_name)


# -- the generated wrappers (gen_resource_variable_ops) -------------------------------------------------

def var_handle_op(dtype, shape, container='', shared_name='', name=None):
    return op_builder.output('VarHandleOp', [], {'dtype': dtypes.as_dtype(dtype), 'shape': tensor_shape.as_shape(shape),
                                                 'container': container, 'shared_name': shared_name},
                             name=name, default_name='VarHandleOp')


def _dtype_of(handle, value):
    if isinstance(value, _graph.Tensor):
        return value.dtype.base_dtype
    declared = getattr(handle, '_sluice_var_dtype', None)
    if declared is None and handle.op.type == 'VarHandleOp':
        declared = handle.op.get_attr('dtype')
    return declared


def read_variable_op(resource, dtype, name=None):
    return op_builder.output('ReadVariableOp', [resource], {'dtype': dtypes.as_dtype(dtype)}, name=name,
                             default_name='ReadVariableOp')


def _write(op_type, resource, value, name):
    dtype = _dtype_of(resource, value)
    value = _graph.convert_to_tensor(value, dtype=dtype, name='value')
    return op_builder.apply(op_type, [resource, value], {'dtype': value.dtype.base_dtype}, name=name,
                            default_name=op_type)


def assign_variable_op(resource, value, name=None):
    return _write('AssignVariableOp', resource, value, name)


def assign_add_variable_op(resource, value, name=None):
    return _write('AssignAddVariableOp', resource, value, name)


def assign_sub_variable_op(resource, value, name=None):
    return _write('AssignSubVariableOp', resource, value, name)


def var_is_initialized_op(resource, name=None):
    return op_builder.output('VarIsInitializedOp', [resource], name=name, default_name='VarIsInitializedOp')


def variable_shape(input, out_type=dtypes.int32, name=None):  # noqa: A002  (TF's argument name)
    return op_builder.output('VariableShape', [input], {'out_type': dtypes.as_dtype(out_type)}, name=name,
                             default_name='VariableShape')


def resource_gather(resource, indices, dtype, batch_dims=0, validate_indices=True, name=None):
    if batch_dims:
        raise NotImplementedError('sluice does not implement ResourceGather with batch_dims != 0 yet')
    return op_builder.output('ResourceGather', [resource, indices],
                             {'dtype': dtypes.as_dtype(dtype), 'validate_indices': validate_indices}, name=name,
                             default_name='ResourceGather')


def _scatter(op_type, resource, indices, updates, name):
    updates = _graph.convert_to_tensor(updates, dtype=_dtype_of(resource, updates), name='updates')
    return op_builder.apply(op_type, [resource, indices, updates], {'dtype': updates.dtype.base_dtype}, name=name,
                            default_name=op_type)


def resource_scatter_add(resource, indices, updates, name=None):
    return _scatter('ResourceScatterAdd', resource, indices, updates, name)


def resource_scatter_sub(resource, indices, updates, name=None):
    return _scatter('ResourceScatterSub', resource, indices, updates, name)


def resource_scatter_update(resource, indices, updates, name=None):
    return _scatter('ResourceScatterUpdate', resource, indices, updates, name)


def destroy_resource_op(resource, ignore_lookup_error=True, name=None):
    return op_builder.apply('DestroyResourceOp', [resource], {'ignore_lookup_error': ignore_lookup_error}, name=name,
                            default_name='DestroyResourceOp')


# -- the reference-variable update functions, given resource variables (as TF's state_ops dispatch) ----

def apply_to_resource_variables(op_type, inputs, attrs, name):
    """ResourceApplyX over the handles of the resource variables among `inputs`; returns a read of
    the variable that runs after the update."""
    handles = [getattr(x, 'handle', None) for x in inputs]
    arg_defs = op_registry.get_op_def('Resource' + op_type).inputs
    args = []
    for x, h, arg in zip(inputs, handles, arg_defs):
        if arg.fixed_dtype is dtypes.resource and h is None:
            raise TypeError("'%s' needs resource variables for all of its variable inputs; %s is not one"
                            % ('Resource' + op_type, arg.name))
        args.append(h if arg.fixed_dtype is dtypes.resource else x)
    var = inputs[0]
    if 'T' not in attrs:
        attrs = dict(attrs, T=var.dtype)
    op = op_builder.apply('Resource' + op_type, args, attrs, name=name)
    with op.graph.control_dependencies([op]):
        return read_variable_op(var.handle, var.dtype)


_RESOURCE_SCATTERS = {'ScatterAdd': 'ResourceScatterAdd', 'ScatterSub': 'ResourceScatterSub',
                      'ScatterUpdate': 'ResourceScatterUpdate'}


def scatter_resource_variable(op_type, var, indices, updates, name):
    """A Scatter* of a resource variable: its Resource twin, then a read that runs after it."""
    if op_type not in _RESOURCE_SCATTERS:
        raise NotImplementedError('sluice does not implement %s of a resource variable yet' % op_type)
    op = _scatter(_RESOURCE_SCATTERS[op_type], var.handle, indices, updates, name)
    with op.graph.control_dependencies([op]):
        return read_variable_op(var.handle, var.dtype)
