"""tf.keras.optimizers.Adam (TF 1.15's OptimizerV2 Adam, with AMSGrad).

t = iterations + 1; lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t); m = beta_1 m + (1 - beta_1) g;
v = beta_2 v + (1 - beta_2) g^2; var -= lr_t * m / (sqrt(v) + epsilon), with AMSGrad
vhat = max(vhat, v) in place of v in the denominator. The powers are computed from `iterations`
(no beta-power variables). Dense: ResourceApplyAdam / ResourceApplyAdamWithAmsgrad. Sparse: m and
v decayed whole with an assign, the rows present added with ResourceScatterAdd, then the
variable assigned, as TF 1.15 composes it. Slots 'm', 'v' (and 'vhat').
"""
from sluice.engine import graph as _graph
from sluice.ops import graph_ops
from sluice.ops import math_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Adam']

class Adam(optimizer_v2.OptimizerV2):
    """Optimizer that implements the Adam algorithm."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name='Adam',
                 **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.epsilon = epsilon or backend.epsilon()
        self.amsgrad = amsgrad

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'm')
        for var in var_list:
            self.add_slot(var, 'v')
        if self.amsgrad:
            for var in var_list:
                self.add_slot(var, 'vhat')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        coefficients = apply_state[(var_device, var_dtype)]
        local_step = math_ops.cast(self.iterations + 1, var_dtype)
        beta_1_t = graph_ops.identity(self._get_hyper('beta_1', var_dtype))
        beta_2_t = graph_ops.identity(self._get_hyper('beta_2', var_dtype))
        beta_1_power = math_ops.pow(beta_1_t, local_step)
        beta_2_power = math_ops.pow(beta_2_t, local_step)
        lr = coefficients['lr_t'] * (math_ops.sqrt(1 - beta_2_power) / (1 - beta_1_power))
        coefficients.update(lr=lr, epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype), beta_1_t=beta_1_t,
                            beta_1_power=beta_1_power, one_minus_beta_1_t=1 - beta_1_t, beta_2_t=beta_2_t,
                            beta_2_power=beta_2_power, one_minus_beta_2_t=1 - beta_2_t)

    def set_weights(self, weights):
        # Keras 2.2's Adam had a vhat per variable even without AMSGrad: drop those extra weights
        params = self.weights
        num_vars = int((len(params) - 1) / 2)
        if len(weights) == 3 * num_vars + 1:
            weights = weights[:len(params)]
        super().set_weights(weights)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        slots = [var, self.get_slot(var, 'm'), self.get_slot(var, 'v')]
        scalars = [c['beta_1_power'], c['beta_2_power'], c['lr_t'], c['beta_1_t'], c['beta_2_t'], c['epsilon'], grad]
        if not self.amsgrad:
            return optimizer_v2.resource_apply('ResourceApplyAdam', slots, scalars, self._use_locking)
        return optimizer_v2.resource_apply('ResourceApplyAdamWithAmsgrad', slots + [self.get_slot(var, 'vhat')],
                                           scalars, self._use_locking)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        g = _graph.get_default_graph()
        m = self.get_slot(var, 'm')
        m_t = m.assign(m * c['beta_1_t'])
        with g.control_dependencies([m_t]):
            m_t = self._resource_scatter_add(m, indices, grad * c['one_minus_beta_1_t'])
        v = self.get_slot(var, 'v')
        v_t = v.assign(v * c['beta_2_t'])
        with g.control_dependencies([v_t]):
            v_t = self._resource_scatter_add(v, indices, (grad * grad) * c['one_minus_beta_2_t'])
        if not self.amsgrad:
            var_update = var.assign_sub(c['lr'] * m_t / (math_ops.sqrt(v_t) + c['epsilon']))
            return graph_ops.group(var_update, m_t, v_t)
        v_hat = self.get_slot(var, 'vhat')
        v_hat_t = math_ops.maximum(v_hat, v_t)
        with g.control_dependencies([v_hat_t]):
            v_hat_t = v_hat.assign(v_hat_t)
        var_update = var.assign_sub(c['lr'] * m_t / (math_ops.sqrt(v_hat_t) + c['epsilon']))
        return graph_ops.group(var_update, m_t, v_t, v_hat_t)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'beta_1': self._serialize_hyperparameter('beta_1'),
                       'beta_2': self._serialize_hyperparameter('beta_2'),
                       'epsilon': self.epsilon, 'amsgrad': self.amsgrad})
        return config
