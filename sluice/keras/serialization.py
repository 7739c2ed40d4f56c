"""Keras object (de)serialization as TF 1.15's generic_utils does it: an object serializes to
{'class_name': ..., 'config': get_config()} when it has get_config, else to its __name__; a name or a
config comes back through, in order, the call's custom_objects, the global custom objects (extended by
custom_object_scope) and the module's own names. Classes named by a bare string are instantiated with no
arguments; functions are returned as they are.
"""
import inspect

_GLOBAL_CUSTOM_OBJECTS = {}


class CustomObjectScope:
    """Within the scope the given {name: object} dicts join the global custom objects; they leave after."""

    def __init__(self, *args):
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = _GLOBAL_CUSTOM_OBJECTS.copy()
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *exc_info):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self.backup)


def custom_object_scope(*args):
    return CustomObjectScope(*args)


def get_custom_objects():
    """The global {name: object} dict itself (edits persist)."""
    return _GLOBAL_CUSTOM_OBJECTS


def serialize_keras_class_and_config(cls_name, cls_config):
    return {'class_name': cls_name, 'config': cls_config}


def serialize_keras_object(instance):
    if instance is None:
        return None
    if hasattr(instance, 'get_config'):
        return serialize_keras_class_and_config(instance.__class__.__name__, instance.get_config())
    if hasattr(instance, '__name__'):
        return instance.__name__
    raise ValueError('Cannot serialize', instance)


def _lookup(name, module_objects, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    return (module_objects or {}).get(name)


def class_and_config_for_serialized_keras_object(config, module_objects=None, custom_objects=None,
                                                 printable_module_name='object'):
    if not isinstance(config, dict) or 'class_name' not in config or 'config' not in config:
        raise ValueError('Improper config format: ' + str(config))
    cls = _lookup(config['class_name'], module_objects, custom_objects)
    if cls is None:
        raise ValueError('Unknown ' + printable_module_name + ': ' + config['class_name'])
    return cls, config['config']


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None, printable_module_name='object'):
    if identifier is None:
        return None
    custom_objects = custom_objects or {}
    if isinstance(identifier, dict):
        cls, cls_config = class_and_config_for_serialized_keras_object(
            identifier, module_objects, custom_objects, printable_module_name)
        if not hasattr(cls, 'from_config'):
            # a function returning an object: the config holds its keyword arguments
            with CustomObjectScope(custom_objects):
                return cls(**cls_config)
        if 'custom_objects' in inspect.signature(cls.from_config).parameters:
            return cls.from_config(cls_config, custom_objects=dict(_GLOBAL_CUSTOM_OBJECTS, **custom_objects))
        with CustomObjectScope(custom_objects):
            return cls.from_config(cls_config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            # TF 1.15 writes no space after the colon here (the config path above has one)
            raise ValueError('Unknown ' + printable_module_name + ':' + identifier)
        return obj() if inspect.isclass(obj) else obj
    raise ValueError('Could not interpret serialized ' + printable_module_name + ': ' + str(identifier))
