"""tf.keras.optimizers.Adagrad (TF 1.15's OptimizerV2 Adagrad).

accum += g^2; var -= lr g / (sqrt(accum) + epsilon): ResourceApplyAdagradV2 and
ResourceSparseApplyAdagradV2 (TF 1.15 past its 2019-08-20 forward-compatibility date). Slot
'accumulator' starts at initial_accumulator_value (0.1).
"""
import numpy as np

from sluice.engine import graph as _graph
from sluice.ops import init_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Adagrad']


class Adagrad(optimizer_v2.OptimizerV2):
    """Optimizer that implements the Adagrad algorithm."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name='Adagrad', **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError('initial_accumulator_value must be non-negative: %s' % initial_accumulator_value)
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            init = init_ops.Constant(self._initial_accumulator_value, dtype=var.dtype.base_dtype)
            self.add_slot(var, 'accumulator', init)

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        coefficients = apply_state[(var_device, var_dtype)]
        coefficients.update(epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype), neg_lr_t=-coefficients['lr_t'])

    def set_weights(self, weights):
        # weights saved without the iteration counter (Keras 2.2) get one of 0
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.setdefault('initial_accumulator_value', 0.)
        if 'lr' in config:
            config['learning_rate'] = config.pop('lr')
        return cls(**config)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply('ResourceApplyAdagradV2', [var, self.get_slot(var, 'accumulator')],
                                           [c['lr_t'], c['epsilon'], grad], self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply('ResourceSparseApplyAdagradV2', [var, self.get_slot(var, 'accumulator')],
                                           [c['lr_t'], c['epsilon'], grad, indices], self._use_locking)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'initial_accumulator_value': self._initial_accumulator_value,
                       'epsilon': self.epsilon})
        return config
