"""tf.keras.optimizers.Adamax: Adam with the infinity norm (TF 1.15's OptimizerV2 Adamax).

t = iterations + 1; m = beta_1 m + (1 - beta_1) g; v = max(beta_2 v, |g|);
var -= lr / (1 - beta_1^t) * m / (v + epsilon): ResourceApplyAdaMax. Sparse: the rows present are
gathered, updated and scattered back (ResourceScatterUpdate, then ResourceScatterAdd into the
variable), as TF 1.15 composes it. Slots 'm' and 'v'.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import filling_ops
from sluice.ops import graph_ops
from sluice.ops import indexing_ops
from sluice.ops import math_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Adamax']


class Adamax(optimizer_v2.OptimizerV2):
    """Optimizer that implements the Adamax algorithm."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name='Adamax', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.epsilon = epsilon or backend.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'm')
        for var in var_list:
            self.add_slot(var, 'v')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        coefficients = apply_state[(var_device, var_dtype)]
        local_step = math_ops.cast(self.iterations + 1, var_dtype)
        beta_1_t = graph_ops.identity(self._get_hyper('beta_1', var_dtype))
        beta_2_t = graph_ops.identity(self._get_hyper('beta_2', var_dtype))
        beta_1_power = math_ops.pow(beta_1_t, local_step)
        coefficients.update(neg_scaled_lr=-coefficients['lr_t'] / (1 - beta_1_power),
                            epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype), beta_1_t=beta_1_t,
                            beta_1_power=beta_1_power, one_minus_beta_1_t=1 - beta_1_t, beta_2_t=beta_2_t,
                            zero=filling_ops.zeros((), dtype=dtypes.int64))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        return optimizer_v2.resource_apply(
            'ResourceApplyAdaMax', [var, self.get_slot(var, 'm'), self.get_slot(var, 'v')],
            [c['beta_1_power'], c['lr_t'], c['beta_1_t'], c['beta_2_t'], c['epsilon'], grad], self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        g = _graph.get_default_graph()
        m = self.get_slot(var, 'm')
        m_t_slice = indexing_ops.gather(m, indices, axis=c['zero']) * c['beta_1_t'] + grad * c['one_minus_beta_1_t']
        with g.control_dependencies([m_t_slice]):
            m_t = self._resource_scatter_update(m, indices, m_t_slice)
        v = self.get_slot(var, 'v')
        v_t_slice = math_ops.maximum(indexing_ops.gather(v, indices, axis=c['zero']) * c['beta_2_t'],
                                     math_ops.abs(grad))
        with g.control_dependencies([v_t_slice]):
            v_t = self._resource_scatter_update(v, indices, v_t_slice)
        var_slice = c['neg_scaled_lr'] * (m_t_slice / (v_t_slice + c['epsilon']))
        with g.control_dependencies([var_slice]):
            var_update = self._resource_scatter_add(var, indices, var_slice)
        return graph_ops.group(var_update, m_t, v_t)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'beta_1': self._serialize_hyperparameter('beta_1'),
                       'beta_2': self._serialize_hyperparameter('beta_2'),
                       'epsilon': self.epsilon})
        return config
