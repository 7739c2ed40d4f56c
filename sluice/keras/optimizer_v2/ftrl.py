"""tf.keras.optimizers.Ftrl: FTRL-proximal (TF 1.15's OptimizerV2 Ftrl).

Slots 'accumulator' (starting at initial_accumulator_value) and 'linear'; each step is
ResourceApplyFtrl, or ResourceApplyFtrlV2 when l2_shrinkage_regularization_strength > 0 (and
their sparse twins), with learning_rate_power, l1 and l2 as hyper variables.
"""
from sluice.ops import graph_ops
from sluice.ops import init_ops
from sluice.ops import math_ops
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Ftrl']


def _non_negative(name, value):
    if value < 0.0:
        raise ValueError('%s %f needs to be positive or zero' % (name, value))


class Ftrl(optimizer_v2.OptimizerV2):
    """Optimizer that implements the FTRL algorithm."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, name='Ftrl',
                 l2_shrinkage_regularization_strength=0.0, **kwargs):
        super().__init__(name, **kwargs)
        _non_negative('initial_accumulator_value', initial_accumulator_value)
        if learning_rate_power > 0.0:
            raise ValueError('learning_rate_power %f needs to be negative or zero' % learning_rate_power)
        _non_negative('l1_regularization_strength', l1_regularization_strength)
        _non_negative('l2_regularization_strength', l2_regularization_strength)
        _non_negative('l2_shrinkage_regularization_strength', l2_shrinkage_regularization_strength)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('learning_rate_power', learning_rate_power)
        self._set_hyper('l1_regularization_strength', l1_regularization_strength)
        self._set_hyper('l2_regularization_strength', l2_regularization_strength)
        self._initial_accumulator_value = initial_accumulator_value
        self._l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength

    def _create_slots(self, var_list):
        for var in var_list:
            init = init_ops.Constant(self._initial_accumulator_value, dtype=var.dtype.base_dtype)
            self.add_slot(var, 'accumulator', init)
            self.add_slot(var, 'linear')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        apply_state[(var_device, var_dtype)].update(
            learning_rate_power=graph_ops.identity(self._get_hyper('learning_rate_power', var_dtype)),
            l1_regularization_strength=graph_ops.identity(self._get_hyper('l1_regularization_strength', var_dtype)),
            l2_regularization_strength=graph_ops.identity(self._get_hyper('l2_regularization_strength', var_dtype)),
            l2_shrinkage_regularization_strength=math_ops.cast(self._l2_shrinkage_regularization_strength, var_dtype))

    def _apply(self, var, c, grad_and_indices, sparse):
        slots = [var, self.get_slot(var, 'accumulator'), self.get_slot(var, 'linear')]
        regularization = [c['l1_regularization_strength'], c['l2_regularization_strength']]
        prefix = 'ResourceSparseApply' if sparse else 'ResourceApply'
        if self._l2_shrinkage_regularization_strength <= 0.0:
            return optimizer_v2.resource_apply(
                prefix + 'Ftrl', slots, grad_and_indices + [c['lr_t']] + regularization + [c['learning_rate_power']],
                self._use_locking)
        return optimizer_v2.resource_apply(
            prefix + 'FtrlV2', slots, grad_and_indices + [c['lr_t']] + regularization
            + [c['l2_shrinkage_regularization_strength'], c['learning_rate_power']], self._use_locking)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        return self._apply(var, self._coefficients(var, apply_state), [grad], sparse=False)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        return self._apply(var, self._coefficients(var, apply_state), [grad, indices], sparse=True)

    def get_config(self):
        config = super().get_config()
        config.update({
            'learning_rate': self._serialize_hyperparameter('learning_rate'),
            'decay': self._serialize_hyperparameter('decay'),
            'initial_accumulator_value': self._initial_accumulator_value,
            'learning_rate_power': self._serialize_hyperparameter('learning_rate_power'),
            'l1_regularization_strength': self._serialize_hyperparameter('l1_regularization_strength'),
            'l2_regularization_strength': self._serialize_hyperparameter('l2_regularization_strength'),
            'l2_shrinkage_regularization_strength': self._l2_shrinkage_regularization_strength})
        return config
