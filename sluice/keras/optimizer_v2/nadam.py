"""tf.keras.optimizers.Nadam: Adam with Nesterov momentum (TF 1.15's OptimizerV2 Nadam).

Dozat's schedule: mu_t = beta_1 (1 - 0.5 * 0.96^(decay * t)) with t = iterations + 1 and decay
the `schedule_decay` argument (0.004); the product of the mu's lives in the non-slot weight
'<name>/momentum_cache' (float, starts at 1). Per variable: g' = g / (1 - prod_t);
m = beta_1 m + (1 - beta_1) g; m' = m / (1 - prod_t mu_{t+1}); v = beta_2 v + (1 - beta_2) g^2;
v' = v / (1 - beta_2^t); var -= lr ((1 - mu_t) g' + mu_{t+1} m') / (sqrt(v') + epsilon), composed of
assigns (sparse: scatter-adds of the rows present). The learning rate is not decayed.
"""
from sluice.engine import graph as _graph
from sluice.ops import graph_ops
from sluice.ops import indexing_ops
from sluice.ops import math_ops
from sluice.keras.optimizer_v2 import learning_rate_schedule
from sluice.keras import backend
from sluice.keras.optimizer_v2 import optimizer_v2

__all__ = ['Nadam']


class Nadam(optimizer_v2.OptimizerV2):
    """Optimizer that implements the NAdam algorithm."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name='Nadam', **kwargs):
        # Keras 2's Nadam calls its momentum-schedule decay `schedule_decay`: it becomes `decay`
        kwargs['decay'] = kwargs.pop('schedule_decay', 0.004)
        learning_rate = kwargs.get('lr', learning_rate)
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            raise ValueError('The Nadam optimizer does not support tf.keras.optimizers.LearningRateSchedules as the '
                             'learning rate.')
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.epsilon = epsilon or backend.epsilon()
        self._m_cache = None
        self._m_cache_read = None

    def _create_slots(self, var_list):
        var_dtype = var_list[0].dtype.base_dtype
        if self._m_cache is None:
            self._m_cache = self.add_weight('momentum_cache', shape=[], dtype=var_dtype, initializer='ones',
                                            trainable=False)
            self._weights.append(self._m_cache)
        for var in var_list:
            self.add_slot(var, 'm')
        for var in var_list:
            self.add_slot(var, 'v')

    def _prepare(self, var_list):
        self._m_cache_read = graph_ops.identity(self._m_cache)
        return super()._prepare(var_list)

    def _prepare_local(self, var_device, var_dtype, apply_state):
        lr_t = graph_ops.identity(self._get_hyper('learning_rate', var_dtype))
        beta_1_t = graph_ops.identity(self._get_hyper('beta_1', var_dtype))
        beta_2_t = graph_ops.identity(self._get_hyper('beta_2', var_dtype))
        local_step = math_ops.cast(self.iterations + 1, var_dtype)
        next_step = math_ops.cast(self.iterations + 2, var_dtype)
        decay_base = math_ops.cast(0.96, var_dtype)
        m_t = beta_1_t * (1. - 0.5 * (math_ops.pow(decay_base, self._initial_decay * local_step)))
        m_t_1 = beta_1_t * (1. - 0.5 * (math_ops.pow(decay_base, self._initial_decay * next_step)))
        m_schedule_new = math_ops.cast(self._m_cache_read, var_dtype) * m_t
        if var_dtype == self._m_cache.dtype.base_dtype:
            m_schedule_new = graph_ops.identity(self._m_cache.assign(m_schedule_new))
        m_schedule_next = m_schedule_new * m_t_1
        apply_state[(var_device, var_dtype)] = dict(
            lr_t=lr_t, neg_lr_t=-lr_t, epsilon=_graph.convert_to_tensor(self.epsilon, var_dtype), beta_1_t=beta_1_t,
            beta_2_t=beta_2_t, m_t=m_t, m_t_1=m_t_1, one_minus_beta_1_t=1 - beta_1_t,
            one_minus_beta_2_t=1 - beta_2_t, one_minus_m_t=1. - m_t, one_minus_m_schedule_new=1. - m_schedule_new,
            one_minus_m_schedule_next=1. - m_schedule_next,
            v_t_prime_denominator=1. - math_ops.pow(beta_2_t, local_step))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        c = self._coefficients(var, apply_state)
        m, v = self.get_slot(var, 'm'), self.get_slot(var, 'v')
        g_prime = grad / c['one_minus_m_schedule_new']
        m_t = m.assign(c['beta_1_t'] * m + c['one_minus_beta_1_t'] * grad)
        m_t_prime = m_t / c['one_minus_m_schedule_next']
        v_t = v.assign(c['beta_2_t'] * v + c['one_minus_beta_2_t'] * math_ops.square(grad))
        v_t_prime = v_t / c['v_t_prime_denominator']
        m_t_bar = c['one_minus_m_t'] * g_prime + c['m_t_1'] * m_t_prime
        var_t = var - c['lr_t'] * m_t_bar / (math_ops.sqrt(v_t_prime) + c['epsilon'])
        return var.assign(var_t, read_value=False)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        c = self._coefficients(var, apply_state)
        g = _graph.get_default_graph()
        m, v = self.get_slot(var, 'm'), self.get_slot(var, 'v')
        g_prime = grad / c['one_minus_m_schedule_new']
        m_t = m.assign(m * c['beta_1_t'])
        with g.control_dependencies([m_t]):
            m_t = self._resource_scatter_add(m, indices, grad * c['one_minus_beta_1_t'])
            m_t_slice = indexing_ops.gather(m_t, indices)
        m_t_prime = m_t_slice / c['one_minus_m_schedule_next']
        m_t_bar = c['one_minus_m_t'] * g_prime + c['m_t_1'] * m_t_prime
        v_t = v.assign(v * c['beta_2_t'])
        with g.control_dependencies([v_t]):
            v_t = self._resource_scatter_add(v, indices, (grad * grad) * c['one_minus_beta_2_t'])
            v_t_slice = indexing_ops.gather(v_t, indices)
        v_t_prime = v_t_slice / c['v_t_prime_denominator']
        var_update = self._resource_scatter_add(
            var, indices, c['neg_lr_t'] * m_t_bar / (math_ops.sqrt(v_t_prime) + c['epsilon']))
        return graph_ops.group(var_update, m_t_bar, v_t)

    def get_config(self):
        config = super().get_config()
        config.update({'learning_rate': self._serialize_hyperparameter('learning_rate'),
                       'decay': self._serialize_hyperparameter('decay'),
                       'beta_1': self._serialize_hyperparameter('beta_1'),
                       'beta_2': self._serialize_hyperparameter('beta_2'),
                       'epsilon': self.epsilon})
        return config
