"""tf.keras.optimizers: the OptimizerV2 family, TFOptimizer, and get/serialize/deserialize.

`get` accepts a Keras optimizer (returned as is), a tf.train.Optimizer (wrapped in a TFOptimizer,
which applies it with its own int64 'TFOptimizer/iterations' as the global step and has Keras's
session initialize the variables it creates), a config dict or a name ('adam', 'SGD', ...: names
match case-insensitively and build the class with its defaults); anything else is "Could not interpret optimizer identifier". An unknown name is
"Unknown optimizer: <name>". `Optimizer` is OptimizerV2, as tf.keras.optimizers exports it in
TF 1.15; Keras's older base class (TFOptimizer's, `Optimizer` in TF's private module) is `OptimizerV1`.
"""
from sluice.ops import clip_ops
from sluice.ops import gradients_impl
from sluice.ops import state_ops
from sluice.keras import backend
from sluice.keras.optimizer_v2 import learning_rate_schedule as schedules
from sluice.keras import serialization
from sluice.keras.optimizer_v2.adadelta import Adadelta
from sluice.keras.optimizer_v2.adagrad import Adagrad
from sluice.keras.optimizer_v2.adam import Adam
from sluice.keras.optimizer_v2.adamax import Adamax
from sluice.keras.optimizer_v2.ftrl import Ftrl
from sluice.keras.optimizer_v2.gradient_descent import SGD
from sluice.keras.optimizer_v2.nadam import Nadam
from sluice.keras.optimizer_v2.optimizer_v2 import OptimizerV2
from sluice.keras.optimizer_v2.rmsprop import RMSprop
from sluice.training import optimizer as _tf_optimizer
from sluice.unimplemented import namespace_getattr as _namespace_getattr

Optimizer = OptimizerV2
__getattr__ = _namespace_getattr(__name__, 'tf.keras.optimizers')

__all__ = ['Adadelta', 'Adagrad', 'Adam', 'Adamax', 'Ftrl', 'Nadam', 'RMSprop', 'SGD', 'Optimizer', 'OptimizerV1',
           'TFOptimizer', 'get', 'serialize', 'deserialize', 'schedules']


class OptimizerV1:
    """Keras's pre-OptimizerV2 base class (clipnorm/clipvalue, weights through the session)."""

    def __init__(self, **kwargs):
        for k in kwargs:
            if k not in ('clipnorm', 'clipvalue'):
                raise TypeError('Unexpected keyword argument passed to optimizer: ' + str(k))
            if kwargs[k] < 0:
                raise ValueError('Expected {} >= 0, received: {}'.format(k, kwargs[k]))
        self.__dict__.update(kwargs)
        self.updates = []
        self.weights = []

    def get_updates(self, loss, params):
        raise NotImplementedError

    def get_gradients(self, loss, params):
        grads = gradients_impl.gradients(loss, params)
        if None in grads:
            raise ValueError('An operation has `None` for gradient. Please make sure that all of your ops have a '
                             'gradient defined (i.e. are differentiable). Common ops without gradient: K.argmax, '
                             'K.round, K.eval.')
        if hasattr(self, 'clipnorm'):
            grads = [clip_ops.clip_by_norm(g, self.clipnorm) for g in grads]
        if hasattr(self, 'clipvalue'):
            grads = [clip_ops.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError('Length of the specified weight list (' + str(len(weights)) + ') does not match the '
                             'number of weights of the optimizer (' + str(len(params)) + ')')
        pairs = []
        for pv, p, w in zip(backend.batch_get_value(params), params, weights):
            if pv.shape != w.shape:
                raise ValueError('Optimizer weight shape ' + str(pv.shape) + ' not compatible with provided weight '
                                 'shape ' + str(w.shape))
            pairs.append((p, w))
        backend.batch_set_value(pairs)

    def get_weights(self):
        return backend.batch_get_value(self.weights)

    def get_config(self):
        config = {}
        if hasattr(self, 'clipnorm'):
            config['clipnorm'] = self.clipnorm
        if hasattr(self, 'clipvalue'):
            config['clipvalue'] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class TFOptimizer(OptimizerV1):
    """A tf.train.Optimizer used as a Keras optimizer (what compile() makes of one)."""

    def __init__(self, optimizer, iterations=None):  # no OptimizerV1.__init__: it takes no clip arguments
        self.optimizer = optimizer
        if iterations is None:
            with backend.name_scope(type(self).__name__):
                iterations = backend.variable(0, dtype='int64', name='iterations')
        self.iterations = iterations
        self.updates = []

    def apply_gradients(self, grads):
        self.optimizer.apply_gradients(grads, global_step=self.iterations)

    def get_grads(self, loss, params):
        return self.optimizer.compute_gradients(loss, params)

    def get_updates(self, loss, params):
        if not params:
            self.updates = [state_ops.assign_add(self.iterations, 1)]
            return self.updates
        grads = self.optimizer.compute_gradients(loss, params)
        self.updates = [self.optimizer.apply_gradients(grads, global_step=self.iterations)]
        # TF's get_session() initializes the variables of the tf.train optimizers Keras wraps
        for v in self.optimizer.variables():
            backend.track_variable(v)
        return self.updates

    @property
    def weights(self):
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError

    def from_config(self, config):
        raise NotImplementedError


_BY_NAME = {'adadelta': Adadelta, 'adagrad': Adagrad, 'adam': Adam, 'adamax': Adamax, 'nadam': Nadam,
            'rmsprop': RMSprop, 'sgd': SGD, 'ftrl': Ftrl}


def serialize(optimizer):
    return serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """The optimizer a {'class_name', 'config'} dict describes (built-in names match in any case)."""
    if config['class_name'].lower() in _BY_NAME:
        config = dict(config, class_name=config['class_name'].lower())
    return serialization.deserialize_keras_object(config, module_objects=_BY_NAME, custom_objects=custom_objects,
                                                  printable_module_name='optimizer')


def get(identifier):
    if isinstance(identifier, (OptimizerV1, OptimizerV2)):
        return identifier
    if isinstance(identifier, _tf_optimizer.Optimizer):
        return TFOptimizer(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({'class_name': str(identifier), 'config': {}})
    raise ValueError('Could not interpret optimizer identifier:', identifier)
