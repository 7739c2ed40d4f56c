"""Keras's object serialization as the optimizers and schedules use it: an object is
{'class_name': <class name>, 'config': obj.get_config()}; deserializing looks the class name up in
`custom_objects`, then in the module's table, and builds the object with `from_config(config)`
(passing custom_objects when from_config takes them). A string names a class built with no
arguments. (The same protocol as keras.utils.serialize_keras_object / deserialize_keras_object.)
"""
import inspect

__all__ = ['serialize_keras_object', 'deserialize_keras_object']


def serialize_keras_object(instance):
    if instance is None:
        return None
    if hasattr(instance, 'get_config'):
        return {'class_name': type(instance).__name__, 'config': instance.get_config()}
    if hasattr(instance, '__name__'):
        return instance.__name__
    raise ValueError('Cannot serialize', instance)


def _lookup(name, module_objects, custom_objects, printable_module_name, separator):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    found = (module_objects or {}).get(name)
    if found is None:
        raise ValueError('Unknown ' + printable_module_name + separator + name)
    return found


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None, printable_module_name='object'):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if 'class_name' not in identifier or 'config' not in identifier:
            raise ValueError('Improper config format: ' + str(identifier))
        cls = _lookup(identifier['class_name'], module_objects, custom_objects, printable_module_name, ': ')
        config = identifier['config']
        if hasattr(cls, 'from_config'):
            if 'custom_objects' in inspect.signature(cls.from_config).parameters:
                return cls.from_config(config, custom_objects=dict(custom_objects or {}))
            return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        found = _lookup(identifier, module_objects, custom_objects, printable_module_name, ':')
        return found() if inspect.isclass(found) else found
    raise ValueError('Could not interpret serialized ' + printable_module_name + ': ' + str(identifier))
