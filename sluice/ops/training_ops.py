"""The optimizers' update ops (Apply*, SparseApply*) and the scatter updates of variables.

Each Apply op takes the variable and its slots as Refs and writes them in place (TF1's fused
training ops); the scalars (learning rate, decay, ...) and the gradient are plain inputs of the
variable's dtype T, and the output `out` is the variable's Ref after the update. SparseApply ops
take a gradient for some rows (`grad` of shape [N] + var.shape[1:] and `indices` of shape [N]) and
update only those rows. Scatter* ops write `updates` into rows of a variable.

The shape functions follow TF's: the Refs and a dense gradient must have one shape, the scalars
must be rank 0, and a sparse gradient's trailing dimensions must match the variable's.
The public functions have the names and signatures of TF's generated `gen_training_ops` and
`state_ops` wrappers; the optimizers in sluice/training call them.
"""
from sluice.engine import op_builder
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape

__all__ = ['scatter_update', 'scatter_add', 'scatter_sub', 'scatter_mul', 'scatter_div', 'scatter_max',
           'scatter_min']

# -- shape functions -----------------------------------------------------------------------------------


def _dims_str(shape):
    dims = shape._dims
    if dims is None:
        return '?'
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _shape_error(op, message):
    shapes = ', '.join(_dims_str(t._shape) for t in op._inputs)
    return ValueError("%s for '%s' (op: '%s') with input shapes: %s." % (message, op.name, op.type, shapes))


def _merge(op, a, b):
    """TF's InferenceContext::Merge of two static shapes, with its messages."""
    if a._dims is None:
        return b
    if b._dims is None:
        return a
    if len(a._dims) != len(b._dims):
        raise _shape_error(op, 'Shapes must be equal rank, but are %d and %d' % (len(a._dims), len(b._dims)))
    dims = []
    for i, (x, y) in enumerate(zip(a._dims, b._dims)):
        if x is not None and y is not None and x != y:
            raise _shape_error(op, 'Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and '
                                   '%s.' % (i, x, y, _dims_str(a), _dims_str(b)))
        dims.append(x if x is not None else y)
    return TensorShape(dims)


def _with_rank(op, index, rank):
    dims = op._inputs[index]._shape._dims
    if dims is not None and len(dims) != rank:
        raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (rank, len(dims)))


def _apply_shape_fn(n_refs, scalars, grad_index, sparse):
    """Refs 0..n_refs-1 and the gradient share a shape; `scalars` are rank 0; output: that shape."""
    def shape_fn(op):
        s = op._inputs[0]._shape
        for i in range(1, n_refs):
            s = _merge(op, s, op._inputs[i]._shape)
        for i in scalars:
            _with_rank(op, i, 0)
        if grad_index is not None:
            grad = op._inputs[grad_index]._shape
            if sparse:
                _with_rank(op, grad_index + 1, 1)
                indices = op._inputs[grad_index + 1]._shape
                if grad._dims is not None and len(grad._dims) == 0:
                    raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
                if grad._dims is not None and indices._dims is not None:
                    n, m = grad._dims[0], indices._dims[0]
                    if n is not None and m is not None and n != m:
                        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (m, n))
                if grad._dims is not None:
                    s = _merge(op, s, TensorShape([None] + list(grad._dims[1:])))
            else:
                s = _merge(op, s, grad)
        return [s]
    return shape_fn


# -- op declarations -----------------------------------------------------------------------------------
# (type, ref args, plain args, extra attrs); a sparse op adds 'indices: Tindices' after its grad.

_LOCKING = ('bool', False)
_NESTEROV = ('bool', False)


def _declare(op_type, refs, plain, extra_attrs=None, sparse_name=None, grad='grad'):
    """Declares op_type (and its SparseApply twin when sparse_name is given) with TF's signature."""
    for name, sparse in ((op_type, False), (sparse_name, True)):
        if name is None:
            continue
        args = list(plain)
        if sparse:
            args.insert(args.index(grad) + 1, 'indices')
            args[args.index(grad)] = 'grad'
        inputs = ['%s: Ref(T)' % r for r in refs]
        for a in args:
            inputs.append('indices: Tindices' if a == 'indices' else
                          'global_step: int64' if a == 'global_step' else '%s: T' % a)
        attrs = {'T': 'type', 'use_locking': _LOCKING}
        if sparse:
            attrs['Tindices'] = 'type'
        attrs.update(extra_attrs or {})
        grad_index = len(refs) + args.index('grad' if sparse else grad)
        scalars = [len(refs) + i for i, a in enumerate(args) if a not in ('grad', 'delta', 'indices')]
        register_op(name, inputs=inputs, outputs=['out: Ref(T)'], attrs=attrs,
                    shape_fn=_apply_shape_fn(len(refs), scalars, grad_index, sparse))


_declare('ApplyGradientDescent', ['var'], ['alpha', 'delta'], grad='delta')
_declare('ApplyProximalGradientDescent', ['var'], ['alpha', 'l1', 'l2', 'delta'], grad='delta',
         sparse_name='SparseApplyProximalGradientDescent')
_declare('ApplyMomentum', ['var', 'accum'], ['lr', 'grad', 'momentum'], {'use_nesterov': _NESTEROV},
         sparse_name='SparseApplyMomentum')
_declare('ApplyAdam', ['var', 'm', 'v'], ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'],
         {'use_nesterov': _NESTEROV})
_declare('ApplyAdagrad', ['var', 'accum'], ['lr', 'grad'], {'update_slots': ('bool', True)},
         sparse_name='SparseApplyAdagrad')
_declare('ApplyProximalAdagrad', ['var', 'accum'], ['lr', 'l1', 'l2', 'grad'],
         sparse_name='SparseApplyProximalAdagrad')
_declare('ApplyAdagradDA', ['var', 'gradient_accumulator', 'gradient_squared_accumulator'],
         ['grad', 'lr', 'l1', 'l2', 'global_step'], sparse_name='SparseApplyAdagradDA')
_declare('ApplyFtrl', ['var', 'accum', 'linear'], ['grad', 'lr', 'l1', 'l2', 'lr_power'],
         {'multiply_linear_by_lr': ('bool', False)}, sparse_name='SparseApplyFtrl')
_declare('ApplyFtrlV2', ['var', 'accum', 'linear'], ['grad', 'lr', 'l1', 'l2', 'l2_shrinkage', 'lr_power'],
         {'multiply_linear_by_lr': ('bool', False)}, sparse_name='SparseApplyFtrlV2')
_declare('ApplyRMSProp', ['var', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad'],
         sparse_name='SparseApplyRMSProp')
_declare('ApplyCenteredRMSProp', ['var', 'mg', 'ms', 'mom'], ['lr', 'rho', 'momentum', 'epsilon', 'grad'],
         sparse_name='SparseApplyCenteredRMSProp')
_declare('ApplyAdadelta', ['var', 'accum', 'accum_update'], ['lr', 'rho', 'epsilon', 'grad'],
         sparse_name='SparseApplyAdadelta')
# The Keras optimizers' updates (TF 1.15's optimizer_v2). TF declares ApplyKerasMomentum and
# ApplyAdamWithAmsgrad only in their Resource form; the Ref forms here are what that form mirrors.
_declare('ApplyAdaMax', ['var', 'm', 'v'], ['beta1_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'])
_declare('ApplyAdagradV2', ['var', 'accum'], ['lr', 'epsilon', 'grad'], {'update_slots': ('bool', True)},
         sparse_name='SparseApplyAdagradV2')
_declare('ApplyKerasMomentum', ['var', 'accum'], ['lr', 'grad', 'momentum'], {'use_nesterov': _NESTEROV},
         sparse_name='SparseApplyKerasMomentum')
_declare('ApplyAdamWithAmsgrad', ['var', 'm', 'v', 'vhat'],
         ['beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'])


def _scatter_shape(op):
    """updates must be scalar or of shape indices.shape + ref.shape[1:]; the output is ref's shape."""
    ref, indices, updates = (t._shape for t in op._inputs)
    if ref._dims is not None and len(ref._dims) == 0:
        raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
    if updates._dims is not None and len(updates._dims) == 0:
        return [ref]
    if ref._dims is not None and indices._dims is not None:
        _merge(op, updates, TensorShape(list(indices._dims) + list(ref._dims[1:])))
    return [ref]


for _name in ('ScatterUpdate', 'ScatterAdd', 'ScatterSub', 'ScatterMul', 'ScatterDiv', 'ScatterMax', 'ScatterMin'):
    register_op(_name, inputs=['ref: Ref(T)', 'indices: Tindices', 'updates: T'], outputs=['output_ref: Ref(T)'],
                attrs={'T': 'type', 'Tindices': 'type',
                       'use_locking': ('bool', _name == 'ScatterUpdate')},
                shape_fn=_scatter_shape)




# -- public functions (TF's generated wrappers) ---------------------------------------------------------

def _locking(use_locking):
    return None if use_locking is None else bool(use_locking)


def _is_resource(var):
    from sluice.ops import resource_variables  # it imports the ops this module declares
    return resource_variables.is_resource_variable(var)


def _update(op_type, inputs, attrs, name):
    """ApplyX on reference variables; ResourceApplyX on resource variables (then a read after it, the
    tensor TF's resource optimizers hand back)."""
    if not _is_resource(inputs[0]):
        return op_builder.output(op_type, inputs, attrs, name)
    from sluice.ops import resource_variable_ops
    return resource_variable_ops.apply_to_resource_variables(op_type, inputs, attrs, name)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    return _update('ApplyGradientDescent', [var, alpha, delta],
                             {'use_locking': _locking(use_locking)}, name)


def apply_proximal_gradient_descent(var, alpha, l1, l2, delta, use_locking=False, name=None):
    return _update('ApplyProximalGradientDescent', [var, alpha, l1, l2, delta],
                             {'use_locking': _locking(use_locking)},
                  name)


def sparse_apply_proximal_gradient_descent(var, alpha, l1, l2, grad, indices, use_locking=False, name=None):
    return _update('SparseApplyProximalGradientDescent', [var, alpha, l1, l2, grad, indices],
                             {'use_locking': _locking(use_locking)}, name)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False, name=None):
    return _update('ApplyMomentum', [var, accum, lr, grad, momentum],
                             {'use_locking': _locking(use_locking), 'use_nesterov': bool(use_nesterov)}, name)


def sparse_apply_momentum(var, accum, lr, grad, indices, momentum, use_locking=False, use_nesterov=False, name=None):
    return _update('SparseApplyMomentum', [var, accum, lr, grad, indices, momentum],
                             {'use_locking': _locking(use_locking), 'use_nesterov': bool(use_nesterov)}, name)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, use_locking=False,
               use_nesterov=False, name=None):
    return _update('ApplyAdam', [var, m, v, beta1_power, beta2_power, lr, beta1,
                   beta2, epsilon, grad],
                             {'use_locking': _locking(use_locking), 'use_nesterov': bool(use_nesterov)}, name)


def apply_adagrad(var, accum, lr, grad, use_locking=False, update_slots=True, name=None):
    return _update('ApplyAdagrad', [var, accum, lr, grad],
                             {'use_locking': _locking(use_locking), 'update_slots': bool(update_slots)}, name)


def sparse_apply_adagrad(var, accum, lr, grad, indices, use_locking=False, update_slots=True, name=None):
    return _update('SparseApplyAdagrad', [var, accum, lr, grad, indices],
                             {'use_locking': _locking(use_locking), 'update_slots': bool(update_slots)}, name)


def apply_proximal_adagrad(var, accum, lr, l1, l2, grad, use_locking=False, name=None):
    return _update('ApplyProximalAdagrad', [var, accum, lr, l1, l2, grad],
                             {'use_locking': _locking(use_locking)}, name)


def sparse_apply_proximal_adagrad(var, accum, lr, l1, l2, grad, indices, use_locking=False, name=None):
    return _update('SparseApplyProximalAdagrad', [var, accum, lr, l1, l2, grad, indices],
                             {'use_locking': _locking(use_locking)}, name)


def apply_adagrad_da(var, gradient_accumulator, gradient_squared_accumulator, grad, lr, l1, l2, global_step,
                     use_locking=False, name=None):
    return _update('ApplyAdagradDA', [var, gradient_accumulator,
                                     gradient_squared_accumulator, grad, lr, l1, l2, global_step],
                             {'use_locking': _locking(use_locking)}, name)


def sparse_apply_adagrad_da(var, gradient_accumulator, gradient_squared_accumulator, grad, indices, lr, l1, l2,
                            global_step, use_locking=False, name=None):
    return _update('SparseApplyAdagradDA', [var, gradient_accumulator,
                                           gradient_squared_accumulator, grad, indices, lr, l1, l2,
                   global_step], {'use_locking': _locking(use_locking)}, name)


def apply_ftrl(var, accum, linear, grad, lr, l1, l2, lr_power, use_locking=False, multiply_linear_by_lr=False,
               name=None):
    return _update('ApplyFtrl', [var, accum, linear, grad, lr, l1, l2, lr_power],
                             {'use_locking': _locking(use_locking),
                              'multiply_linear_by_lr': bool(multiply_linear_by_lr)}, name)


def sparse_apply_ftrl(var, accum, linear, grad, indices, lr, l1, l2, lr_power, use_locking=False,
                      multiply_linear_by_lr=False, name=None):
    return _update('SparseApplyFtrl', [var, accum, linear, grad, indices, lr, l1, l2, lr_power],
                             {'use_locking': _locking(use_locking),
                              'multiply_linear_by_lr': bool(multiply_linear_by_lr)}, name)


def apply_ftrl_v2(var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power, use_locking=False,
                  multiply_linear_by_lr=False, name=None):
    return _update('ApplyFtrlV2', [var, accum, linear, grad, lr, l1, l2, l2_shrinkage,
                   lr_power],
                             {'use_locking': _locking(use_locking),
                              'multiply_linear_by_lr': bool(multiply_linear_by_lr)}, name)


def sparse_apply_ftrl_v2(var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage, lr_power, use_locking=False,
                         multiply_linear_by_lr=False, name=None):
    return _update('SparseApplyFtrlV2', [var, accum, linear, grad, indices, lr, l1, l2,
                   l2_shrinkage, lr_power],
                             {'use_locking': _locking(use_locking),
                              'multiply_linear_by_lr': bool(multiply_linear_by_lr)}, name)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None):
    return _update('ApplyRMSProp', [var, ms, mom, lr, rho, momentum, epsilon, grad],
                             {'use_locking': _locking(use_locking)}, name)


def sparse_apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, indices, use_locking=False, name=None):
    return _update('SparseApplyRMSProp', [var, ms, mom, lr, rho, momentum, epsilon, grad,
                   indices], {'use_locking': _locking(use_locking)}, name)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False, name=None):
    return _update('ApplyCenteredRMSProp', [var, mg, ms, mom, lr, rho, momentum, epsilon, grad],
                             {'use_locking': _locking(use_locking)}, name)


def sparse_apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices, use_locking=False,
                                   name=None):
    return _update('SparseApplyCenteredRMSProp', [var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                   indices], {'use_locking': _locking(use_locking)}, name)


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False, name=None):
    return _update('ApplyAdadelta', [var, accum, accum_update, lr, rho, epsilon, grad],
                             {'use_locking': _locking(use_locking)}, name)


def sparse_apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, indices, use_locking=False, name=None):
    return _update('SparseApplyAdadelta', [var, accum, accum_update, lr, rho, epsilon, grad, indices],
                             {'use_locking': _locking(use_locking)}, name)


# -- scatter updates (tf.scatter_*) ---------------------------------------------------------------------

def _scatter(op_type, ref, indices, updates, use_locking, name):
    if _is_resource(ref):
        from sluice.ops import resource_variable_ops
        return resource_variable_ops.scatter_resource_variable(op_type, ref, indices, updates, name)
    return op_builder.output(op_type, [ref, indices, updates], {'use_locking': _locking(use_locking)}, name)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """ref[indices, ...] = updates; returns ref after the update."""
    return _scatter('ScatterUpdate', ref, indices, updates, use_locking, name)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """ref[indices, ...] += updates (duplicate indices add up)."""
    return _scatter('ScatterAdd', ref, indices, updates, use_locking, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """ref[indices, ...] -= updates (duplicate indices add up)."""
    return _scatter('ScatterSub', ref, indices, updates, use_locking, name)


def scatter_mul(ref, indices, updates, use_locking=False, name=None):
    return _scatter('ScatterMul', ref, indices, updates, use_locking, name)


def scatter_div(ref, indices, updates, use_locking=False, name=None):
    return _scatter('ScatterDiv', ref, indices, updates, use_locking, name)


def scatter_max(ref, indices, updates, use_locking=False, name=None):
    return _scatter('ScatterMax', ref, indices, updates, use_locking, name)


def scatter_min(ref, indices, updates, use_locking=False, name=None):
    return _scatter('ScatterMin', ref, indices, updates, use_locking, name)
