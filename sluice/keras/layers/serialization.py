"""tf.keras.layers.serialize / deserialize: a layer as {'class_name': ..., 'config': layer.get_config()} and
back, the class looked up in custom_objects, then tf.keras.layers, then the Keras engine (Model classes)."""


def serialize(layer):
    return {'class_name': type(layer).__name__, 'config': layer.get_config()}


def _find_class(class_name, custom_objects):
    from sluice.keras import engine, layers
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    for namespace in (layers, engine):
        cls = namespace.__dict__.get(class_name)
        if cls is not None:
            return cls
    raise ValueError('Unknown layer: ' + str(class_name))


def deserialize(config, custom_objects=None):
    """The layer a serialize() dict describes (from_config gets custom_objects when it takes them)."""
    if not isinstance(config, dict) or 'class_name' not in config or 'config' not in config:
        raise ValueError('Improper config format: ' + str(config))
    cls = _find_class(config['class_name'], custom_objects)
    import inspect
    if 'custom_objects' in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config['config'], custom_objects=custom_objects)
    return cls.from_config(config['config'])
