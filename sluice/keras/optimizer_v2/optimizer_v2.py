"""tf.keras.optimizers.Optimizer: TF 1.15's OptimizerV2 in graph mode.

Hyper-parameters (learning_rate, decay, beta_1, ...) are kept in `_hyper` as given; the first
apply_gradients (or get_updates) turns each Python number among them into a non-trainable float32
resource variable '<name>/<hyper>' (created in sorted order), so `K.set_value(opt.lr, 0.01)`
changes the rate of a built graph. Tensors, callables and LearningRateSchedules stay as given.
`opt.lr` is `opt.learning_rate`; reading a hyper gives its value or variable, assigning one writes
the variable once it exists.

apply_gradients(grads_and_vars) drops pairs without a gradient, then, in name scope '<name>':
creates (outside control dependencies) the int64 step counter '<name>/iter', the hyper
variables and the slots ('<name>/<var>/<slot>', zeros unless the optimizer says otherwise);
converts the hypers once per (device, dtype) of the variables (_prepare_local, the learning
rate divided by 1 + decay * iterations when decay > 0, or a schedule called on iterations); adds
one update per variable under '<name>/update_<var>' colocated with it (dense: the optimizer's
ResourceApply* op or its TF 1.15 composition; IndexedSlices: summed over duplicate indices,
then the sparse update), applies the variable's constraint after a dense update, and returns the
op that increments `iterations` after all the updates. get_gradients clips by `clipnorm` (each
gradient's norm) and `clipvalue` when given. `weights` are the iteration counter then the
slots, in creation order (hyper variables are not weights), as TF 1.15 lists them.
"""
import re

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.ops import clip_ops
from sluice.ops import graph_ops
from sluice.ops import gradients_impl
from sluice.ops import math_ops
from sluice.ops import resource_variable_ops
from sluice.ops import resource_variables
from sluice.ops import variables
from sluice.ops.indexed_slices import IndexedSlices
from sluice.keras import backend
from sluice.keras import initializers
from sluice.keras.optimizer_v2 import learning_rate_schedule
from sluice.tf_logging import warning as _warning
from sluice.training.optimizer import deduplicate_indexed_slices

__all__ = ['OptimizerV2']

_ALLOWED_KWARGS = ('clipnorm', 'clipvalue', 'lr', 'decay')
_VALID_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


def _snake_case(name):
    """Keras's object-name rule: 'RMSprop' -> 'rm_sprop', 'SGD' -> 'sgd' (then unique per graph)."""
    words = re.sub(r'(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    snake = re.sub(r'([a-z])([A-Z])', r'\1_\2', words).lower()
    return 'private' + snake if snake.startswith('_') else snake


def var_key(var):
    """A trained variable's key for its slots: its handle's shared name (its op name in graph mode)."""
    return var.op.name


def resource_apply(op_type, updated, inputs, use_locking, **attrs):
    """A ResourceApply* node over the handles of the `updated` variables (the trained one, then its
    slots) and the plain `inputs`; returns the op."""
    for v in updated:
        if not resource_variables.is_resource_variable(v):
            raise TypeError("%s updates resource variables (use_resource=True, as Keras layers create them); "
                            "'%s' is a reference variable" % (op_type, v.name))
    return op_builder.apply(op_type, [v.handle for v in updated] + list(inputs),
                            dict(attrs, use_locking=use_locking, T=updated[0].dtype.base_dtype))


def _on_values(grad, clip):
    if grad is None:
        return None
    if isinstance(grad, IndexedSlices):
        return IndexedSlices(clip(grad.values), grad.indices, grad.dense_shape)
    return clip(grad)


def _filter_grads(grads_and_vars):
    grads_and_vars = tuple(grads_and_vars)
    if not grads_and_vars:
        return grads_and_vars
    filtered = tuple((g, v) for g, v in grads_and_vars if g is not None)
    if not filtered:
        raise ValueError('No gradients provided for any variable: %s.' % ([v.name for _, v in grads_and_vars],))
    missing = [v.name for g, v in grads_and_vars if g is None]
    if missing:
        _warning('Gradients do not exist for variables %s when minimizing the loss.', missing)
    return filtered


class OptimizerV2:
    """The base class of the Keras optimizers (tf.keras.optimizers.Optimizer)."""

    def __init__(self, name, **kwargs):
        for k in kwargs:
            if k not in _ALLOWED_KWARGS:
                raise TypeError('Unexpected keyword argument passed to optimizer: ' + str(k))
            if kwargs[k] < 0:
                raise ValueError('Expected {} >= 0, received: {}'.format(k, kwargs[k]))
        self._use_locking = True
        self._name = name or backend.unique_object_name(_snake_case(type(self).__name__), zero_based=True)
        self._hyper = {}
        self._slots = {}          # var key -> {slot name: variable}
        self._slot_names = []
        self._weights = []
        self._iterations = None
        self._hypers_created = False
        decay = kwargs.pop('decay', 0.0)
        if decay < 0.:
            raise ValueError('decay cannot be less than 0: {}'.format(decay))
        self._initial_decay = decay
        if 'clipnorm' in kwargs:
            self.clipnorm = kwargs.pop('clipnorm')
        if 'clipvalue' in kwargs:
            self.clipvalue = kwargs.pop('clipvalue')

    # -- hyper-parameters ---------------------------------------------------------------------------

    def _set_hyper(self, name, value):
        """A number, tensor, callable or schedule; a hyper already made a variable is written in place."""
        previous = self._hyper.get(name)
        if (name not in self._hyper or callable(previous) or isinstance(previous, (_graph.Tensor, int, float))
                or isinstance(value, learning_rate_schedule.LearningRateSchedule)):
            self._hyper[name] = value
        else:
            backend.set_value(previous, value)

    def _get_hyper(self, name, dtype=None):
        if not self._hypers_created:
            self._create_hypers()
        value = self._hyper[name]
        if isinstance(value, learning_rate_schedule.LearningRateSchedule):
            return value
        if callable(value):
            value = value()
        return math_ops.cast(value, dtype) if dtype else value

    def __getattr__(self, name):
        # only called when normal lookup fails: the hypers, and 'lr' for 'learning_rate'
        if name.startswith('__') or name == '_hyper':
            raise AttributeError(name)
        hyper = self.__dict__.get('_hyper', {})
        key = 'learning_rate' if name == 'lr' else name
        if key in hyper:
            return self._get_hyper(key)
        raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))

    def __setattr__(self, name, value):
        key = 'learning_rate' if name == 'lr' else name
        if key in self.__dict__.get('_hyper', {}):
            self._set_hyper(key, value)
        else:
            object.__setattr__(self, name, value)

    def _create_hypers(self):
        if self._hypers_created:
            return
        for name, value in sorted(self._hyper.items()):
            if isinstance(value, (_graph.Tensor, variables.Variable)) or callable(value):
                continue
            self._hyper[name] = self.add_weight(name, shape=[], trainable=False, initializer=value)
        self._hypers_created = True

    def _serialize_hyperparameter(self, name):
        value = self._hyper[name]
        if isinstance(value, learning_rate_schedule.LearningRateSchedule):
            return learning_rate_schedule.serialize(value)
        if callable(value):
            return value()
        if isinstance(value, (_graph.Tensor, variables.Variable)):
            return backend.get_value(value)
        return value

    def _decayed_lr(self, var_dtype):
        lr_t = self._get_hyper('learning_rate', var_dtype)
        if isinstance(lr_t, learning_rate_schedule.LearningRateSchedule):
            local_step = math_ops.cast(self.iterations, var_dtype)
            lr_t = math_ops.cast(lr_t(local_step), var_dtype)
        if self._initial_decay > 0.:
            local_step = math_ops.cast(self.iterations, var_dtype)
            decay_t = self._get_hyper('decay', var_dtype)
            lr_t = lr_t / (1. + decay_t * local_step)
        return lr_t

    # -- variables ----------------------------------------------------------------------------------

    def add_weight(self, name, shape, dtype=None, initializer='zeros', trainable=None, synchronization=None,
                   aggregation=None):
        """A resource variable '<current scope>/<name>' (non-slot state such as 'iter' or a hyper)."""
        dtype = dtypes.as_dtype(dtype or dtypes.float32)
        initial_value = self._initial_value(initializer, shape, dtype)
        variable = resource_variables.ResourceVariable(initial_value=initial_value, name=name, dtype=dtype,
                                                       trainable=bool(trainable), shape=shape)
        backend.track_variable(variable)
        return variable

    @staticmethod
    def _initial_value(initializer, shape, dtype):
        """A Keras initializer (or its name) called at creation, or the initial value itself."""
        if isinstance(initializer, str) or callable(initializer):
            initializer = initializers.get(initializer)
            return lambda: initializer(shape, dtype=dtype)
        return initializer

    @property
    def iterations(self):
        """The int64 variable counting the steps this optimizer has applied ('<name>/iter')."""
        if self._iterations is None:
            self._iterations = self.add_weight('iter', shape=[], dtype=dtypes.int64, trainable=False)
            self._weights.append(self._iterations)
        return self._iterations

    @iterations.setter
    def iterations(self, variable):
        if self._iterations is not None:
            raise RuntimeError('Cannot set `iterations` to a new Variable after the Optimizer weights have been '
                               'created')
        self._iterations = variable
        self._weights.append(variable)

    def get_slot_names(self):
        return self._slot_names

    def add_slot(self, var, slot_name, initializer='zeros'):
        """The slot '<var>/<slot_name>' of `var` (in the current scope), created once."""
        if slot_name not in self._slot_names:
            self._slot_names.append(slot_name)
        slot_dict = self._slots.setdefault(var_key(var), {})
        weight = slot_dict.get(slot_name)
        if weight is None:
            initial_value = self._initial_value(initializer, var.shape, var.dtype.base_dtype)
            with var.graph.colocate_with(var.op):
                weight = resource_variables.ResourceVariable(
                    initial_value=initial_value, name='%s/%s' % (var_key(var), slot_name),
                    dtype=var.dtype.base_dtype, trainable=False)
            backend.track_variable(weight)
            slot_dict[slot_name] = weight
            self._weights.append(weight)
        return weight

    def get_slot(self, var, slot_name):
        return self._slots[var_key(var)][slot_name]

    def variables(self):
        return self._weights

    @property
    def weights(self):
        return self._weights

    def get_weights(self):
        return backend.batch_get_value(self.weights)

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError('You called `set_weights(weights)` on optimizer ' + self._name + ' with a  weight list '
                             'of length ' + str(len(weights)) + ', but the optimizer was expecting '
                             + str(len(params)) + ' weights. Provided weights: ' + str(weights)[:50] + '...')
        if not params:
            return
        pairs = []
        for pv, p, w in zip(backend.batch_get_value(params), params, weights):
            if pv.shape != w.shape:
                raise ValueError('Optimizer weight shape ' + str(pv.shape) + ' not compatible with provided weight '
                                 'shape ' + str(w.shape))
            pairs.append((p, w))
        backend.batch_set_value(pairs)

    # -- gradients and updates ----------------------------------------------------------------------

    def _clip(self, grads):
        """Each gradient clipped by norm (clipnorm) then by value (clipvalue); None stays None, and an
        IndexedSlices has its values clipped as they are (duplicate rows not summed first), as in TF."""
        if hasattr(self, 'clipnorm'):
            grads = [_on_values(g, lambda t: clip_ops.clip_by_norm(t, self.clipnorm)) for g in grads]
        if hasattr(self, 'clipvalue'):
            grads = [_on_values(g, lambda t: clip_ops.clip_by_value(t, -self.clipvalue, self.clipvalue))
                     for g in grads]
        return grads

    def minimize(self, loss, var_list, grad_loss=None, name=None):
        """apply_gradients of the gradients of `loss` (a tensor, or a callable giving it)."""
        return self.apply_gradients(self._compute_gradients(loss, var_list, grad_loss), name=name)

    def _compute_gradients(self, loss, var_list, grad_loss=None):
        loss_value = loss() if callable(loss) else loss
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        with _graph.name_scope(self._name + '/gradients'):
            grads = gradients_impl.gradients(loss_value, var_list, grad_ys=grad_loss)
            grads = self._clip(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def get_gradients(self, loss, params):
        """The gradients of `loss` with respect to `params`, clipped; a missing one is a ValueError."""
        params = list(params)
        with _graph.name_scope(self._name + '/gradients'):
            grads = gradients_impl.gradients(loss, params)
            for grad, param in zip(grads, params):
                if grad is None:
                    raise ValueError('Variable {} has `None` for gradient. Please make sure that all of your ops '
                                     'have a gradient defined (i.e. are differentiable). Common ops without '
                                     'gradient: K.argmax, K.round, K.eval.'.format(param))
            return self._clip(grads)

    def get_updates(self, loss, params):
        grads_and_vars = list(zip(self.get_gradients(loss, params), params))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return [self.apply_gradients(grads_and_vars)]

    def apply_gradients(self, grads_and_vars, name=None):
        """One update per (gradient, variable) with a gradient, then iterations += 1; returns that op."""
        grads_and_vars = _filter_grads(grads_and_vars)
        var_list = [v for _, v in grads_and_vars]
        g = _graph.get_default_graph()
        with _graph.name_scope(self._name):
            with g.control_dependencies(None):  # TF's init_scope: the optimizer's state waits for nothing
                _ = self.iterations
                self._create_hypers()
                self._create_slots(var_list)
            apply_state = self._prepare(var_list)
            return self._apply_all(grads_and_vars, name, apply_state)

    def _apply_all(self, grads_and_vars, name, apply_state):
        g = _graph.get_default_graph()
        update_ops = []
        with _graph.name_scope(name or self._name):
            for grad, var in grads_and_vars:
                with _graph.name_scope('update_' + var.op.name), g.colocate_with(var.op):
                    update_ops.append(self._apply_one(grad, var, apply_state))
            with g.control_dependencies(update_ops):
                return self._iterations.assign_add(1, read_value=False)

    def _apply_one(self, grad, var, apply_state):
        if isinstance(var, _graph.Tensor):
            raise NotImplementedError('Trying to update a Tensor ', var)
        if isinstance(grad, IndexedSlices):
            if var.constraint is not None:
                raise RuntimeError('Cannot use a constraint function on a sparse variable.')
            return self._resource_apply_sparse_duplicate_indices(grad.values, var, grad.indices,
                                                                 apply_state=apply_state)
        update_op = self._resource_apply_dense(grad, var, apply_state=apply_state)
        if var.constraint is None:
            return update_op
        with _graph.get_default_graph().control_dependencies([update_op]):
            return var.assign(var.constraint(var))

    def _prepare(self, var_list):
        keys = []
        for var in var_list:
            key = (var.device, var.dtype.base_dtype)
            if key not in keys:
                keys.append(key)
        apply_state = {}
        g = _graph.get_default_graph()
        for var_device, var_dtype in keys:
            apply_state[(var_device, var_dtype)] = {}
            with g.device(var_device):
                self._prepare_local(var_device, var_dtype, apply_state)
        return apply_state

    def _prepare_local(self, var_device, var_dtype, apply_state):
        if 'learning_rate' in self._hyper:
            apply_state[(var_device, var_dtype)]['lr_t'] = graph_ops.identity(self._decayed_lr(var_dtype))

    def _fallback_apply_state(self, var_device, var_dtype):
        apply_state = {(var_device, var_dtype): {}}
        self._prepare_local(var_device, var_dtype, apply_state)
        return apply_state[(var_device, var_dtype)]

    def _coefficients(self, var, apply_state):
        key = (var.device, var.dtype.base_dtype)
        return (apply_state or {}).get(key) or self._fallback_apply_state(*key)

    def _create_slots(self, var_list):
        pass

    def _resource_apply_dense(self, grad, var, apply_state=None):
        raise NotImplementedError('%s does not implement dense updates' % type(self).__name__)

    def _resource_apply_sparse_duplicate_indices(self, grad, var, indices, apply_state=None):
        summed_grad, unique_indices = deduplicate_indexed_slices(grad, indices)
        return self._resource_apply_sparse(summed_grad, var, unique_indices, apply_state=apply_state)

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        raise NotImplementedError('%s does not implement sparse updates' % type(self).__name__)

    @staticmethod
    def _resource_scatter_add(x, i, v):
        """x[i] += v; returns a read of x after it."""
        with _graph.get_default_graph().control_dependencies(
                [resource_variable_ops.resource_scatter_add(x.handle, i, v)]):
            return resource_variable_ops.read_variable_op(x.handle, x.dtype.base_dtype)

    @staticmethod
    def _resource_scatter_update(x, i, v):
        """x[i] = v; returns a read of x after it."""
        with _graph.get_default_graph().control_dependencies(
                [resource_variable_ops.resource_scatter_update(x.handle, i, v)]):
            return resource_variable_ops.read_variable_op(x.handle, x.dtype.base_dtype)

    def _assert_valid_dtypes(self, tensors):
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in _VALID_DTYPES:
                raise ValueError('Invalid type %r for %s, expected: %s.' % (dtype, t.name, list(_VALID_DTYPES)))

    # -- configuration ------------------------------------------------------------------------------

    def get_config(self):
        config = {'name': self._name}
        if hasattr(self, 'clipnorm'):
            config['clipnorm'] = self.clipnorm
        if hasattr(self, 'clipvalue'):
            config['clipvalue'] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if 'lr' in config:
            config['learning_rate'] = config.pop('lr')
        if isinstance(config.get('learning_rate'), dict):
            config['learning_rate'] = learning_rate_schedule.deserialize(config['learning_rate'],
                                                                         custom_objects=custom_objects)
        return cls(**config)
