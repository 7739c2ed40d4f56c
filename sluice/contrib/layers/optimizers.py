"""contrib.layers.optimize_loss: one call from a loss to a training tensor (TF 1.15's contract).

In variable scope `name` ('OptimizeLoss'): the loss waits for UPDATE_OPS (or `update_ops`); a float
learning rate becomes a non-trainable variable 'learning_rate' (a scalar tensor is used as is), optionally
decayed by learning_rate_decay_fn(lr, global_step); the optimizer is a name of OPTIMIZER_CLS_NAMES, an
Optimizer subclass or instance, or a function of the learning rate; gradients may get noise, multipliers
and clipping (a float: by global norm; a function of the (gradient, variable) list); summaries as listed
in `summaries` (default loss, learning_rate, global_gradient_norm); the result is the loss after the
update ('train' op, incrementing global_step when asked).
"""
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import clip_ops, control_flow_ops, init_ops, math_ops, random_ops, summary_ops
from sluice.ops import variable_scope as vs
from sluice.ops import variables as _variables
from sluice.ops.indexed_slices import IndexedSlices
from sluice import training as train

__all__ = ['optimize_loss', 'OPTIMIZER_CLS_NAMES', 'OPTIMIZER_SUMMARIES']

OPTIMIZER_CLS_NAMES = {
    'Adagrad': train.AdagradOptimizer,
    'Adam': train.AdamOptimizer,
    'Ftrl': train.FtrlOptimizer,
    'Momentum': lambda learning_rate: train.MomentumOptimizer(learning_rate, momentum=0.9),
    'RMSProp': train.RMSPropOptimizer,
    'SGD': train.GradientDescentOptimizer,
}
OPTIMIZER_SUMMARIES = ['learning_rate', 'loss', 'gradients', 'gradient_norm', 'global_gradient_norm']


def _learning_rate(learning_rate):
    if learning_rate is None:
        return None
    if isinstance(learning_rate, _graph.Tensor) and learning_rate.get_shape().ndims == 0:
        return learning_rate
    if isinstance(learning_rate, float):
        if learning_rate < 0.0:
            raise ValueError('Invalid learning_rate %s.' % learning_rate)
        return vs.get_variable('learning_rate', [], trainable=False,
                               initializer=init_ops.constant_initializer(learning_rate))
    raise ValueError('Learning rate should be 0d Tensor or float. Got %s of type %s'
                     % (str(learning_rate), str(type(learning_rate))))


def _optimizer(optimizer, lr, learning_rate):
    if isinstance(optimizer, str):
        if lr is None:
            raise ValueError('Learning rate is None, but should be specified if optimizer is string (%s).'
                             % optimizer)
        if optimizer not in OPTIMIZER_CLS_NAMES:
            raise ValueError('Optimizer name should be one of [%s], you provided %s.'
                             % (', '.join(OPTIMIZER_CLS_NAMES), optimizer))
        return OPTIMIZER_CLS_NAMES[optimizer](learning_rate=lr)
    if isinstance(optimizer, type) and issubclass(optimizer, train.Optimizer):
        if lr is None:
            raise ValueError('Learning rate is None, but should be specified if optimizer is class (%s).'
                             % optimizer)
        return optimizer(learning_rate=lr)
    if isinstance(optimizer, train.Optimizer):
        return optimizer
    if callable(optimizer):
        opt = optimizer(lr) if learning_rate is not None else optimizer()
        if not isinstance(opt, train.Optimizer):
            raise ValueError('Unrecognized optimizer: function should return subclass of Optimizer. Got %s.'
                             % str(opt))
        return opt
    raise ValueError('Unrecognized optimizer: should be string, subclass of Optimizer, instance of subclass of '
                     'Optimizer or function with one argument. Got %s.' % str(optimizer))


def _values(gradient):
    return gradient.values if isinstance(gradient, IndexedSlices) else gradient


def _with_noise(grads_and_vars, scale):
    noisy = []
    for gradient, var in grads_and_vars:
        if gradient is not None:
            shape = gradient.dense_shape if isinstance(gradient, IndexedSlices) else gradient.get_shape()
            gradient = gradient + random_ops.truncated_normal(shape) * scale
        noisy.append((gradient, var))
    return noisy


def _multiplied(grads_and_vars, multipliers):
    result = []
    for gradient, var in grads_and_vars:
        key = var if var in multipliers else var.name
        if gradient is not None and key in multipliers:
            factor = multipliers[key]
            if isinstance(gradient, IndexedSlices):
                gradient = IndexedSlices(gradient.values * factor, gradient.indices, gradient.dense_shape)
            else:
                gradient = gradient * math_ops.cast(factor, gradient.dtype)
        result.append((gradient, var))
    return result


def _global_norm(grads_and_vars):
    return clip_ops.global_norm([g for g, _ in grads_and_vars])


def optimize_loss(loss, global_step, learning_rate, optimizer, gradient_noise_scale=None,
                  gradient_multipliers=None, clip_gradients=None, learning_rate_decay_fn=None, update_ops=None,
                  variables=None, name=None, summaries=None, colocate_gradients_with_ops=False,
                  increment_global_step=True):
    """The training tensor: `loss` evaluated after one optimizer step (see the module docstring)."""
    loss = _graph.convert_to_tensor(loss)
    if loss.get_shape().ndims not in (None, 0):
        raise ValueError('Expected scalar shape for %s, saw shape: %s.' % (loss.name, loss.get_shape()))
    if global_step is None:
        global_step = train.get_global_step()
    else:
        train.assert_global_step(global_step)
    with vs.variable_scope(name, 'OptimizeLoss', [loss, global_step]):
        if update_ops is None:
            update_ops = set(_graph.get_default_graph().get_collection(GraphKeys.UPDATE_OPS))
        if update_ops:
            loss = control_flow_ops.with_dependencies(list(update_ops), loss)
        lr = _learning_rate(learning_rate)
        if summaries is None:
            summaries = ['loss', 'learning_rate', 'global_gradient_norm']
        for summ in summaries:
            if summ not in OPTIMIZER_SUMMARIES:
                raise ValueError('Summaries should be one of [%s], you provided %s.'
                                 % (', '.join(OPTIMIZER_SUMMARIES), summ))
        if learning_rate is not None and learning_rate_decay_fn is not None:
            if global_step is None:
                raise ValueError('global_step is required for learning_rate_decay_fn.')
            lr = learning_rate_decay_fn(lr, global_step)
        if lr is not None and 'learning_rate' in summaries:
            summary_ops.scalar('learning_rate', lr)
        opt = _optimizer(optimizer, lr, learning_rate)
        if variables is None:
            variables = _variables.trainable_variables()
        gradients = opt.compute_gradients(loss, variables, colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gradient_noise_scale is not None:
            gradients = _with_noise(gradients, gradient_noise_scale)
        if gradient_multipliers is not None:
            gradients = _multiplied(gradients, gradient_multipliers)
            if not gradients:
                raise ValueError('Empty list of (gradient, var) pairs encountered. This is most likely to be '
                                 'caused by an improper value of gradient_multipliers.')
        norms = 'global_gradient_norm' in summaries or 'gradient_norm' in summaries
        if norms:
            summary_ops.scalar('global_norm/gradient_norm', _global_norm(gradients))
        if isinstance(clip_gradients, float):
            clipped, _ = clip_ops.clip_by_global_norm([g for g, _ in gradients], clip_gradients)
            gradients = list(zip(clipped, [v for _, v in gradients]))
        elif callable(clip_gradients):
            gradients = clip_gradients(gradients)
        elif clip_gradients is not None:
            raise ValueError('Unknown type %s for clip_gradients' % type(clip_gradients))
        if 'loss' in summaries:
            summary_ops.scalar('loss', loss)
        for gradient, var in gradients:
            values = _values(gradient)
            if values is not None:
                var_name = var.name.replace(':', '_')
                if 'gradients' in summaries:
                    summary_ops.histogram('gradients/%s' % var_name, values)
                if 'gradient_norm' in summaries:
                    summary_ops.scalar('gradient_norm/%s' % var_name, clip_ops.global_norm([values]))
        if clip_gradients is not None and norms:
            summary_ops.scalar('global_norm/clipped_gradient_norm', _global_norm(gradients))
        grad_updates = opt.apply_gradients(gradients, global_step=global_step if increment_global_step else None,
                                           name='train')
        return control_flow_ops.with_dependencies([grad_updates], loss)
