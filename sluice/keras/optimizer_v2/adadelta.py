"""tf.keras.optimizers.Adadelta (TF 1.15's OptimizerV2 Adadelta).

accum_grad = rho accum_grad + (1 - rho) g^2; update = sqrt(accum_var + eps) / sqrt(accum_grad + eps) g;
var -= lr update; accum_var = rho accum_var + (1 - rho) update^2: ResourceApplyAdadelta and
ResourceSparseApplyAdadelta. Slots 'accum_grad' and 'accum_var'.
"""
import numpy as np

from sluice.engine import graph as _graph
from sluice.ops import graph_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Adadelta']


class Adadelta(optimizer_v2.OptimizerV2):
    """Optimizer that implements the Adadelta algorithm."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name='Adadelta', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('rho', rho)
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'accum_grad')
        for var in var_list:
            self.add_slot(var, 'accum_var')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        apply_state[(var_device, var_dtype)].update(epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype),
                                                    rho=graph_ops.identity(self._get_hyper('rho', var_dtype)))

    def set_weights(self, weights):
        # weights saved without the iteration counter (Keras 2.2) get one of 0
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    def _slots_of(self, var):
        return [var, self.get_slot(var, 'accum_grad'), self.get_slot(var, 'accum_var')]

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply('ResourceApplyAdadelta', self._slots_of(var),
                                           [c['lr_t'], c['rho'], c['epsilon'], grad], self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply('ResourceSparseApplyAdadelta', self._slots_of(var),
                                           [c['lr_t'], c['rho'], c['epsilon'], grad, indices], self._use_locking)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'rho': self._serialize_hyperparameter('rho'),
                       'epsilon': self.epsilon})
        return config
