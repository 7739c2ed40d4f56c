"""The argument forms Keras layers accept and how their configs write them back (TF 1.15's
activations.get/serialize and serialize_keras_object).

- activations: None (the `linear` identity), a callable, or a name ('relu', 'softmax', 'hard_sigmoid', ...);
  serialized as the function's name.
- initializers, regularizers, constraints: resolved by tf.keras.initializers / regularizers / constraints
  `get` (a config dict: its class from those modules, then tf's init_ops / the tf.layers regularizer);
  serialized as {'class_name': <class name>, 'config': obj.get_config()}, None as None.
"""
from sluice.keras import constraints, initializers, regularizers
from sluice.layers import arguments
from sluice.ops import clip_ops, init_ops, math_ops, nn_activation


def linear(x):
    return x


def softmax(x, axis=-1):
    return nn_activation.softmax(x, axis=axis)


def hard_sigmoid(x):
    return clip_ops.clip_by_value(0.2 * x + 0.5, 0., 1.)


def exponential(x):
    return math_ops.exp(x)


_KERAS_ACTIVATIONS = {'linear': linear, 'softmax': softmax, 'hard_sigmoid': hard_sigmoid,
                      'exponential': exponential}


def activation(identifier):
    """The function Keras's activations.get(identifier) gives (None is `linear`)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str) and identifier in _KERAS_ACTIVATIONS:
        return _KERAS_ACTIVATIONS[identifier]
    return arguments.activation(identifier)


def serialize_activation(fn):
    return getattr(fn, '__name__', None) or serialize(fn)


# Keras's names for its uniform and normal initializers (scale 0.05), which tf.layers' names lack
_KERAS_INITIALIZERS = {'uniform': lambda: init_ops.RandomUniform(-0.05, 0.05),
                       'normal': lambda: init_ops.RandomNormal(0.0, 0.05)}


def _from_config(config, *namespaces):
    """The object a {'class_name', 'config'} dict describes, its class from the first namespace holding it."""
    name = config['class_name']
    for namespace in namespaces:
        cls = getattr(namespace, name, None)
        if isinstance(cls, type):
            return cls.from_config(config['config']) if hasattr(cls, 'from_config') else cls(**config['config'])
    raise ValueError('Unknown ' + namespaces[0].__name__.rsplit('.', 1)[-1] + ': ' + str(name))


def initializer(identifier):
    if isinstance(identifier, str) and identifier in _KERAS_INITIALIZERS:
        return _KERAS_INITIALIZERS[identifier]()
    if isinstance(identifier, dict):
        return _from_config(identifier, initializers, init_ops)
    return initializers.get(identifier)


def regularizer(identifier):
    if isinstance(identifier, dict):
        return _from_config(identifier, regularizers, arguments)
    return regularizers.get(identifier)


def constraint(identifier):
    if isinstance(identifier, dict):
        return _from_config(identifier, constraints)
    return constraints.get(identifier)


def serialize(instance):
    """Keras's serialize_keras_object: None, or {'class_name': ..., 'config': get_config()}."""
    if instance is None:
        return None
    if hasattr(instance, 'get_config'):
        return {'class_name': type(instance).__name__, 'config': instance.get_config()}
    if hasattr(instance, '__name__'):
        return instance.__name__
    raise ValueError('Cannot serialize', instance)
