"""tf.keras.optimizers.RMSprop (TF 1.15's OptimizerV2 RMSprop; RMSProp is the same class).

rms = rho rms + (1 - rho) g^2; centered: mg = rho mg + (1 - rho) g, denominator rms - mg^2.
With momentum (a tensor, a callable or > 0): mom = momentum mom + lr g / sqrt(denominator + epsilon);
var -= mom (ResourceApplyRMSProp / ResourceApplyCenteredRMSProp and their sparse twins). Without:
var -= lr g / (sqrt(denominator) + epsilon), composed of assigns as TF 1.15 does (epsilon outside
the square root there, inside it in the fused ops). Slots 'rms', 'momentum', 'mg'.
"""
import numpy as np

from sluice.engine import graph as _graph
from sluice.ops import graph_ops
from sluice.ops import indexing_ops
from sluice.ops import math_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['RMSprop', 'RMSProp']


class RMSprop(optimizer_v2.OptimizerV2):
    """Optimizer that implements the RMSprop algorithm."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name='RMSprop',
                 **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('rho', rho)
        self._momentum = _graph.is_tensor(momentum) or callable(momentum) or momentum > 0
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError('`momentum` must be between [0, 1].')
        self._set_hyper('momentum', momentum)
        self.epsilon = epsilon or backend.epsilon()
        self.centered = centered

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'rms')
        if self._momentum:
            for var in var_list:
                self.add_slot(var, 'momentum')
        if self.centered:
            for var in var_list:
                self.add_slot(var, 'mg')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        coefficients = apply_state[(var_device, var_dtype)]
        rho = graph_ops.identity(self._get_hyper('rho', var_dtype))
        coefficients.update(neg_lr_t=-coefficients['lr_t'], epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype),
                            rho=rho, momentum=graph_ops.identity(self._get_hyper('momentum', var_dtype)),
                            one_minus_rho=1. - rho)

    def _fused(self, var, c, grad_and_indices, sparse):
        prefix = 'ResourceSparseApply' if sparse else 'ResourceApply'
        rms, mom = self.get_slot(var, 'rms'), self.get_slot(var, 'momentum')
        scalars = [c['lr_t'], c['rho'], c['momentum'], c['epsilon']] + grad_and_indices
        if self.centered:
            return optimizer_v2.resource_apply(prefix + 'CenteredRMSProp', [var, self.get_slot(var, 'mg'), rms, mom],
                                               scalars, self._use_locking)
        return optimizer_v2.resource_apply(prefix + 'RMSProp', [var, rms, mom], scalars, self._use_locking)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        if self._momentum:
            return self._fused(var, c, [grad], sparse=False)
        rms = self.get_slot(var, 'rms')
        rms_t = rms.assign(c['rho'] * rms + c['one_minus_rho'] * math_ops.square(grad))
        denom_t = rms_t
        if self.centered:
            mg = self.get_slot(var, 'mg')
            mg_t = mg.assign(c['rho'] * mg + c['one_minus_rho'] * grad)
            denom_t = rms_t - math_ops.square(mg_t)
        var_t = var - c['lr_t'] * grad / (math_ops.sqrt(denom_t) + c['epsilon'])
        return var.assign(var_t, read_value=False)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        if self._momentum:
            return self._fused(var, c, [grad, indices], sparse=True)
        g = _graph.get_default_graph()
        rms = self.get_slot(var, 'rms')
        rms_t = rms.assign(rms * c['rho'])
        with g.control_dependencies([rms_t]):
            rms_t = self._resource_scatter_add(rms, indices, (grad * grad) * c['one_minus_rho'])
            rms_slice = indexing_ops.gather(rms_t, indices)
        denom_slice = rms_slice
        if self.centered:
            mg = self.get_slot(var, 'mg')
            mg_t = mg.assign(mg * c['rho'])
            with g.control_dependencies([mg_t]):
                mg_t = self._resource_scatter_add(mg, indices, grad * c['one_minus_rho'])
                denom_slice = rms_slice - math_ops.square(indexing_ops.gather(mg_t, indices))
        var_update = self._resource_scatter_add(
            var, indices, c['neg_lr_t'] * grad / (math_ops.sqrt(denom_slice) + c['epsilon']))
        if self.centered:
            return graph_ops.group(var_update, rms_t, mg_t)
        return graph_ops.group(var_update, rms_t)

    def set_weights(self, weights):
        # weights saved without the iteration counter (Keras 2.2) get one of 0
        if len(self.weights) == len(weights) + 1:
            weights = [np.array(0)] + list(weights)
        super().set_weights(weights)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'rho': self._serialize_hyperparameter('rho'),
                       'momentum': self._serialize_hyperparameter('momentum'),
                       'epsilon': self.epsilon, 'centered': self.centered})
        return config


RMSProp = RMSprop
