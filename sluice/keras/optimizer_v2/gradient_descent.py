"""tf.keras.optimizers.SGD: gradient descent, with (Nesterov) momentum when momentum > 0.

Without momentum: ResourceApplyGradientDescent (var -= lr * grad); a sparse gradient is one
ResourceScatterAdd of -lr * grad (duplicate indices add up). With momentum, slot 'momentum'
(TF's Keras momentum): accum = momentum * accum - lr * grad; var += accum, or with Nesterov
var += momentum * accum - lr * grad (ResourceApplyKerasMomentum / ResourceSparseApplyKerasMomentum).
"""
from sluice.engine import graph as _graph
from sluice.ops import graph_ops
from sluice.ops import resource_variable_ops
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['SGD']


class SGD(optimizer_v2.OptimizerV2):
    """Stochastic gradient descent and momentum optimizer."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name='SGD', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._momentum = _graph.is_tensor(momentum) or callable(momentum) or momentum > 0
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError('`momentum` must be between [0, 1].')
        self._set_hyper('momentum', momentum)
        self.nesterov = nesterov

    def _create_slots(self, var_list):
        if self._momentum:
            for var in var_list:
                self.add_slot(var, 'momentum')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        apply_state[(var_device, var_dtype)]['momentum'] = graph_ops.identity(self._get_hyper('momentum', var_dtype))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        coefficients = self._coefficients(var, apply_state)
        if self._momentum:
            return optimizer_v2.resource_apply(
                'ResourceApplyKerasMomentum', [var, self.get_slot(var, 'momentum')],
                [coefficients['lr_t'], grad, coefficients['momentum']], self._use_locking,
                use_nesterov=self.nesterov)
        return optimizer_v2.resource_apply('ResourceApplyGradientDescent', [var], [coefficients['lr_t'], grad],
                                           self._use_locking)

    def _resource_apply_sparse_duplicate_indices(self, grad, var, indices, apply_state=None):
        if self._momentum:
            return super()._resource_apply_sparse_duplicate_indices(grad, var, indices, apply_state=apply_state)
        coefficients = self._coefficients(var, apply_state)
        return resource_variable_ops.resource_scatter_add(var.handle, indices, -grad * coefficients['lr_t'])

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        coefficients = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply(
            'ResourceSparseApplyKerasMomentum', [var, self.get_slot(var, 'momentum')],
            [coefficients['lr_t'], grad, indices, coefficients['momentum']], self._use_locking,
            use_nesterov=self.nesterov)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'momentum': self._serialize_hyperparameter('momentum'),
                       'nesterov': self.nesterov})
        return config
