"""Kernels of resource variables: a handle's value is the session's VariableSlot of the variable.

VarHandleOp returns the slot a VariableV2 of the same (container, shared_name or node name) uses.
ReadVariableOp returns a copy of the stored array (TF's snapshot semantics: a write later in the
step never shows through a value already read), so its output is fresh. AssignVariableOp stores
its input without a copy only when the executor says the array is private to it; the in-place
updates (AssignAdd/Sub, scatters, ResourceApply*) then never write into a value anyone else holds.
The ResourceApply*/ResourceSparseApply* ops run the Apply kernels of training_kernels.py: those
take the variable's slots as their first inputs, which is what a handle is here.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels import training_kernels  # noqa: F401  (the Apply kernels, registered first)
from sluice.kernels.gpu_registration import cupyx_scatter_add, register_cupy_kernel
from sluice.kernels.registry import _KERNELS, KernelDef, register_kernel


def _shape_str(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _stored(op, slot):
    value = slot.value
    if value is None:
        raise errors.error_for_op(errors.FailedPreconditionError, op,
                                  'Error while reading resource variable %s. This could mean that the variable '
                                  'was uninitialized.' % slot.name)
    return value


@register_kernel('VarHandleOp')
def var_handle(op, ctx):
    container = op.get_attr('container')
    name = op.get_attr('shared_name') or op.name
    slot = ctx.resources.variable('%s/%s' % (container, name) if container else name,
                                  op.get_attr('dtype'), op.get_attr('shape'))
    return lambda: slot


@register_kernel('ReadVariableOp', fresh_output=True)
def read_variable(op, ctx):
    xp = ctx.xp
    wanted = np.dtype(op.get_attr('dtype').as_numpy_dtype)

    def run(slot):
        value = _stored(op, slot)
        if value.dtype != wanted:
            raise errors.error_for_op(errors.InvalidArgumentError, op,
                                      'Trying to read variable with wrong dtype. Expected %s got %s'
                                      % (op.get_attr('dtype').name, slot.dtype.name))
        return xp.array(value, copy=True)
    return run


@register_kernel('AssignVariableOp')
def assign_variable(op, ctx):
    xp = ctx.xp
    private = ctx.input_is_private(1)
    validate = op.get_attr('validate_shape')

    def run(slot, value):
        if np.dtype(value.dtype) != np.dtype(slot.dtype.as_numpy_dtype):
            raise errors.error_for_op(errors.InvalidArgumentError, op,
                                      'Trying to assign variable with wrong dtype. Expected %s got %s'
                                      % (slot.dtype.name, op.get_attr('dtype').name))
        old = slot.value
        if validate and old is not None and old.shape != value.shape:
            raise errors.error_for_op(errors.InvalidArgumentError, op,
                                      'Trying to assign to variable with tensor with wrong shape. Expected %s got %s'
                                      % (_shape_str(old.shape), _shape_str(value.shape)))
        slot.value = value if private else xp.array(value, copy=True)
    return run


def _updater(op, update):
    def run(slot, value):
        with slot.lock:
            old = _stored(op, slot)
            if old.shape != value.shape:
                raise errors.error_for_op(
                    errors.InvalidArgumentError, op, 'Cannot update variable with shape %s using a Tensor with shape '
                    '%s, shapes must be equal.' % (_shape_str(old.shape), _shape_str(value.shape)))
            update(old, value, out=old)
    return run


@register_kernel('AssignAddVariableOp')
def assign_add_variable(op, ctx):
    return _updater(op, ctx.xp.add)


@register_kernel('AssignSubVariableOp')
def assign_sub_variable(op, ctx):
    return _updater(op, ctx.xp.subtract)


@register_kernel('VarIsInitializedOp', fresh_output=True)
def var_is_initialized(op, ctx):
    xp = ctx.xp
    return lambda slot: xp.array(slot.value is not None)


@register_kernel('VariableShape', fresh_output=True, host_outputs=True)
def variable_shape(op, ctx):
    dtype = op.get_attr('out_type').as_numpy_dtype
    return lambda slot: np.array(_stored(op, slot).shape, dtype=dtype)


@register_kernel('DestroyResourceOp')
def destroy_resource(op, ctx):
    def run(slot):
        slot.value = None  # the storage goes; the (name-keyed) slot stays for a later VarHandleOp
    return run


def _bad_index(op, host, limit):
    bad = (host < 0) | (host >= limit)
    if not bad.any():
        return None
    i = int(np.argmax(bad.reshape(-1)))
    return errors.error_for_op(errors.InvalidArgumentError, op, 'indices[%d] = %d is not in [0, %d)'
                               % (i, int(host.reshape(-1)[i]), limit))


def _host(array):
    return array if isinstance(array, np.ndarray) else array.get()


@register_kernel('ResourceGather', fresh_output=True)
def resource_gather(op, ctx):
    xp = ctx.xp

    def run(slot, indices):
        params = _stored(op, slot)
        if params.ndim < 1:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'params must be at least 1 dimensional')
        error = _bad_index(op, _host(indices), params.shape[0])
        if error is not None:
            raise error
        return xp.asarray(xp.take(params, indices, axis=0))
    return run


def _scatter_builder(scatter):
    """variable[indices] (op)= updates, duplicates combining as scatter() does."""
    def build(op, ctx):
        def run(slot, indices, updates):
            with slot.lock:
                ref = _stored(op, slot)
                if ref.ndim < 1:
                    raise errors.error_for_op(errors.InvalidArgumentError, op, 'params must be at least 1 dimensional')
                expected = tuple(indices.shape) + tuple(ref.shape[1:])
                if updates.ndim != 0 and tuple(updates.shape) != expected:
                    raise errors.error_for_op(
                        errors.InvalidArgumentError, op, 'Must have updates.shape = indices.shape + params.shape[1:] '
                        'or updates.shape = [], got updates.shape %s, indices.shape %s, params.shape %s'
                        % (_shape_str(updates.shape), _shape_str(indices.shape), _shape_str(ref.shape)))
                flat = indices.reshape(-1)
                error = _bad_index(op, _host(flat), ref.shape[0])
                if error is not None:
                    raise error
                values = updates if updates.ndim == 0 else updates.reshape((flat.shape[0],) + ref.shape[1:])
                scatter(ref, flat, values)
        return run
    return build


def _assign_rows(ref, flat, values):
    ref[flat] = values  # the last of duplicates wins, as in TF


register_kernel('ResourceScatterUpdate')(_scatter_builder(_assign_rows))
register_kernel('ResourceScatterAdd', devices=('CPU',))(_scatter_builder(np.add.at))
register_kernel('ResourceScatterSub', devices=('CPU',))(_scatter_builder(np.subtract.at))
register_cupy_kernel('ResourceScatterAdd')(_scatter_builder(cupyx_scatter_add))
register_cupy_kernel('ResourceScatterSub')(_scatter_builder(lambda ref, flat, values: cupyx_scatter_add(ref, flat,
                                                                                                       -values)))


def _mirror_apply_kernels():
    """ResourceApplyX runs ApplyX's kernels, on every device type they serve."""
    for (op_type, device_type), kdef in list(_KERNELS.items()):
        if op_type.startswith(('Apply', 'SparseApply')):
            _KERNELS[('Resource' + op_type, device_type)] = KernelDef(
                'Resource' + op_type, device_type, kdef.builder, kdef.multi_output, kdef.host_inputs,
                kdef.fresh_output, kdef.host_outputs, kdef.specialized)


_mirror_apply_kernels()
