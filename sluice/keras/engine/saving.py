"""Saving Keras models: configs (JSON/YAML), weights in TF's checkpoint format, HDF5 only with h5py.

- Config: a functional model is its layers ({'class_name', 'config', 'name', 'inbound_nodes'}, where each node
  is a list of [inbound layer name, node index, tensor index, call kwargs], node indices renumbered to count only
  the model's own nodes) plus 'input_layers'/'output_layers' as [name, node index, tensor index]. Rebuilding makes
  each layer from its config, then calls layers on their inbound nodes' outputs, deferring a node whose inputs
  are not made yet, until every node is made (TF 1.15's reconstruction order).
- Weights ('tf' format): one Saver over the model's weights keyed as TF 1.15's object-based checkpoints name
  them: '<path>/<weight name>/.ATTRIBUTES/VARIABLE_VALUE', the path 'layer_with_weights-<i>' per layer with
  weights of a functional or Sequential model (nested models nest), attribute names inside other layers and
  subclassed models. So sluice reads TF's checkpoints; TF's load_weights needs the object graph TF writes
  beside them, which sluice does not write, and the optimizer's state is not saved. The path is recorded in
  the directory's 'checkpoint' file.
- HDF5 ('.h5', '.keras', '.hdf5' or save_format='h5'): needs h5py, with TF 1.15's ImportError when it is absent;
  the layout is Keras's: attribute 'layer_names', one group per layer with 'weight_names' and datasets.
"""
import os

import numpy as np

from sluice.engine.tensor_shape import Dimension, TensorShape
from sluice.keras import backend

try:
    import h5py
except ImportError:  # h5py is optional, as in TF 1.15
    h5py = None

KERAS_VERSION = '2.2.4-tf'  # TF 1.15 (v1 behaviour) reports this version in saved configs


# -- configs ---------------------------------------------------------------------------------------------------
def json_default(obj):
    """What json.dumps writes for NumPy values, shapes and dimensions."""
    if isinstance(obj, TensorShape):
        return obj.as_list() if obj.ndims is not None else None
    if isinstance(obj, Dimension):
        return obj.value
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, 'name') and hasattr(obj, 'as_numpy_dtype'):
        return obj.name
    raise TypeError('Not JSON Serializable:', obj)


def model_metadata(model):
    return {'class_name': type(model).__name__, 'config': model.get_config(), 'keras_version': KERAS_VERSION,
            'backend': backend.backend()}


def network_config(network):
    """The functional network's layers, their inbound nodes and the input/output coordinates."""
    from sluice.keras.engine.network import _node_key
    conversion = {}  # (layer name, node index) -> index among the network's own nodes
    for layer in network.layers:
        kept = 0
        for original, node in enumerate(layer._inbound_nodes):
            if _node_key(layer, original) in network._network_nodes:
                conversion[_node_key(layer, original)] = kept
                kept += 1
    layer_configs = []
    for layer in network.layers:
        nodes = []
        for original, node in enumerate(layer._inbound_nodes):
            if _node_key(layer, original) not in network._network_nodes or not node.iterate_inbound():
                continue
            kwargs = {k: v for k, v in node.arguments.items() if k != '_positional'}
            nodes.append([[inbound.name, conversion.get(_node_key(inbound, index), 0), tensor_index, kwargs]
                          for inbound, index, tensor_index, _ in node.iterate_inbound()])
        layer_configs.append({'name': layer.name, 'class_name': type(layer).__name__, 'config': layer.get_config(),
                              'inbound_nodes': nodes})

    def coordinates(coords):
        return [[layer.name, conversion.get(_node_key(layer, index), 0), tensor_index]
                for layer, index, tensor_index in coords]
    return {'name': network.name, 'layers': layer_configs, 'input_layers': coordinates(network._input_coordinates),
            'output_layers': coordinates(network._output_coordinates)}


def layer_class(class_name, custom_objects=None):
    """The Keras layer (or model) class named `class_name`: custom objects first, then tf.keras.layers."""
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    from sluice.keras.engine import input_layer, network, sequential, training
    engine_classes = {'InputLayer': input_layer.InputLayer, 'Network': network.Network, 'Model': training.Model,
                      'Sequential': sequential.Sequential, 'Functional': training.Model}
    if class_name in engine_classes:
        return engine_classes[class_name]
    try:
        from sluice.keras import layers as layers_module
    except ImportError:
        layers_module = None
    cls = getattr(layers_module, class_name, None) if layers_module is not None else None
    if cls is None:
        raise ValueError('Unknown layer: ' + class_name)
    return cls


def deserialize_layer(config, custom_objects=None):
    cls = layer_class(config['class_name'], custom_objects)
    if hasattr(cls, 'from_config'):
        try:
            return cls.from_config(config['config'], custom_objects=custom_objects)
        except TypeError:
            return cls.from_config(config['config'])
    return cls(**config['config'])


def reconstruct_graph(config, custom_objects=None):
    """(inputs, outputs, name) of the functional network `config` describes, its layers made anew."""
    layers, pending = {}, {}
    for layer_data in config['layers']:
        layer = deserialize_layer(layer_data, custom_objects)
        layers[layer_data['name']] = layer
        pending[layer] = list(layer_data['inbound_nodes'])

    def process_node(layer, node_data):
        inputs = []
        for inbound_name, node_index, tensor_index, *rest in node_data:
            inbound = layers[inbound_name]
            if len(inbound._inbound_nodes) <= node_index:
                return False
            outputs = inbound._inbound_nodes[node_index].output_tensors
            inputs.append((outputs if isinstance(outputs, (list, tuple)) else [outputs])[tensor_index])
        kwargs = rest[0] if rest else {}
        layer(inputs[0] if len(inputs) == 1 else inputs, **kwargs)
        return True

    while any(pending.values()):
        progressed = False
        for layer_data in config['layers']:
            layer = layers[layer_data['name']]
            while pending[layer] and process_node(layer, pending[layer][0]):
                pending[layer].pop(0)
                progressed = True
        if not progressed:
            raise ValueError('Cannot rebuild the model from its config: some layers\' inputs are never made.')

    def tensors(coords):
        out = []
        for name, node_index, tensor_index in coords:
            produced = layers[name]._inbound_nodes[node_index].output_tensors
            out.append((produced if isinstance(produced, (list, tuple)) else [produced])[tensor_index])
        return out
    inputs, outputs = tensors(config['input_layers']), tensors(config['output_layers'])
    return (inputs[0] if len(inputs) == 1 else inputs), (outputs[0] if len(outputs) == 1 else outputs), \
        config.get('name')


def model_from_config(config, custom_objects=None):
    if isinstance(config, list):
        raise TypeError('`model_from_config` expects a dictionary, not a list. Maybe you meant to use '
                        '`Sequential.from_config(config)`?')
    return deserialize_layer(config, custom_objects)


# -- weights ---------------------------------------------------------------------------------------------------
def _is_hdf5(filepath):
    return str(filepath).endswith(('.h5', '.keras', '.hdf5'))


def _save_format(filepath, save_format):
    if save_format is None:
        return 'h5' if _is_hdf5(filepath) else 'tf'
    fmt = save_format.lower().strip()
    if fmt in ('tensorflow', 'tf'):
        if _is_hdf5(filepath):
            raise ValueError('save_weights got save_format="tf"/"tensorflow", but the filepath ("%s") looks like '
                             'an HDF5 file. Omit the ".h5"/".keras" when saving in TensorFlow format.' % filepath)
        return 'tf'
    if fmt in ('hdf5', 'h5', 'keras'):
        return 'h5'
    raise ValueError('Unknown format "%s". Was expecting one of {"tf", "h5"}.' % (save_format,))


def _weight_key(variable):
    """The name a layer gave add_weight: the last component of the variable's name."""
    return variable.name.split(':')[0].split('/')[-1]


def _object_keys(obj, prefix, out):
    """TF 1.15's trackable paths: a functional/Sequential network's layers as 'layer_with_weights-<i>', other
    layers' sublayers by attribute name (lists as '<name>/<i>'), weights by their add_weight name."""
    from sluice.keras.engine.base_layer import Layer
    from sluice.keras.engine.network import Network
    for w in obj._trainable_weights + obj._non_trainable_weights:
        out.setdefault(prefix + _weight_key(w), w)
    if isinstance(obj, Network) and obj._is_graph_network:
        index = 0
        for layer in obj.layers:
            if layer.weights:
                _object_keys(layer, prefix + 'layer_with_weights-%d/' % index, out)
                index += 1
        return
    for name, value in vars(obj).items():
        if name.startswith('_'):
            continue
        if isinstance(value, Layer):
            _object_keys(value, prefix + name + '/', out)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, Layer):
                    _object_keys(item, '%s%s/%d/' % (prefix, name, i), out)


def checkpoint_keys(model):
    """{checkpoint key: variable} as TF 1.15's object-based checkpoints name a model's weights."""
    paths = {}
    _object_keys(model, '', paths)
    keys = {path + '/.ATTRIBUTES/VARIABLE_VALUE': w for path, w in paths.items()}
    missing = [w.name for w in model.weights if not any(w is v for v in keys.values())]
    if missing:
        raise ValueError('sluice cannot name these weights in a TF-format checkpoint (they belong to no layer '
                         'attribute): %s' % missing)
    return keys


def _weights_saver(model):
    from sluice.io.saver import Saver
    keys = checkpoint_keys(model)
    signature = tuple((k, id(v)) for k, v in keys.items())
    cached = getattr(model, '_keras_weights_saver', None)
    if cached is None or cached[0] != signature:
        with backend.get_graph().as_default():
            cached = (signature, Saver(var_list=keys, max_to_keep=None))
        model._keras_weights_saver = cached
    return cached[1]


def save_weights(model, filepath, overwrite=True, save_format=None):
    fmt = _save_format(filepath, save_format)
    if fmt == 'h5':
        if h5py is None:
            raise ImportError('`save_weights` requires h5py when saving in hdf5.')
        with h5py.File(filepath, 'w') as f:
            save_weights_to_hdf5_group(f, model.layers)
        return
    if not overwrite and os.path.isfile(filepath + '.index'):
        return
    from sluice.io import checkpoint_state
    _weights_saver(model).save(backend.get_session(), filepath, write_meta_graph=False)
    checkpoint_state.update_checkpoint_state_internal(
        save_dir=os.path.dirname(filepath) or '.', model_checkpoint_path=filepath, save_relative_paths=True,
        all_model_checkpoint_paths=[filepath])


def load_weights(model, filepath, by_name=False):
    if _is_hdf5(filepath):
        if h5py is None:
            raise ImportError('`load_weights` requires h5py when loading weights from HDF5.')
        with h5py.File(filepath, 'r') as f:
            if 'layer_names' not in f.attrs and 'model_weights' in f:
                f = f['model_weights']
            load_weights_from_hdf5_group(f, model.layers, by_name=by_name)
        return None
    if by_name:
        raise NotImplementedError('Weights may only be loaded based on topology into Models when loading '
                                  'TensorFlow-formatted weights (got by_name=True to load_weights).')
    _weights_saver(model).restore(backend.get_session(), filepath)
    return None


def save_weights_to_hdf5_group(f, layers):
    f.attrs['layer_names'] = [layer.name.encode('utf8') for layer in layers]
    f.attrs['backend'] = backend.backend().encode('utf8')
    f.attrs['keras_version'] = KERAS_VERSION.encode('utf8')
    for layer in layers:
        group = f.create_group(layer.name)
        weights = layer.weights
        values = backend.batch_get_value(weights)
        group.attrs['weight_names'] = [w.name.encode('utf8') for w in weights]
        for w, value in zip(weights, values):
            dataset = group.create_dataset(w.name, value.shape, dtype=value.dtype)
            dataset[...] = value if value.shape else value


def load_weights_from_hdf5_group(f, layers, by_name=False):
    def names(attrs, key):
        return [n.decode('utf8') if isinstance(n, bytes) else str(n) for n in attrs[key]]
    stored = {}
    order = []
    for name in names(f.attrs, 'layer_names'):
        group = f[name]
        values = [np.asarray(group[w]) for w in names(group.attrs, 'weight_names')]
        if values:
            stored[name] = values
            order.append(name)
    pairs = []
    if by_name:
        for layer in layers:
            if layer.name in stored:
                pairs += _weight_pairs(layer, stored[layer.name])
    else:
        with_weights = [layer for layer in layers if layer.weights]
        if len(with_weights) != len(order):
            raise ValueError('You are trying to load a weight file containing ' + str(len(order)) + ' layers into '
                             'a model with ' + str(len(with_weights)) + ' layers.')
        for layer, name in zip(with_weights, order):
            pairs += _weight_pairs(layer, stored[name])
    backend.batch_set_value(pairs)


def _weight_pairs(layer, values):
    if len(values) != len(layer.weights):
        raise ValueError('Layer ' + layer.name + ' expects ' + str(len(layer.weights)) + ' weights, but the saved '
                         'weights have ' + str(len(values)) + ' elements.')
    return list(zip(layer.weights, values))


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """The whole model as HDF5 (TF 1.15's only format in graph mode): config, weights, training config."""
    if h5py is None:
        raise ImportError('`save_model` requires h5py.')
    if save_format not in (None, 'h5'):
        raise NotImplementedError('sluice saves whole Keras models only as HDF5 (save_format="h5"); the '
                                  'SavedModel route is not implemented yet')
    import json
    with h5py.File(filepath, 'w') as f:
        f.attrs['keras_version'] = KERAS_VERSION.encode('utf8')
        f.attrs['backend'] = backend.backend().encode('utf8')
        f.attrs['model_config'] = json.dumps(model_metadata(model), default=json_default).encode('utf8')
        if include_optimizer and getattr(model, '_compile_args', None):
            f.attrs['training_config'] = json.dumps(model._compile_args, default=json_default).encode('utf8')
        save_weights_to_hdf5_group(f.create_group('model_weights'), model.layers)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002 (TF's argument name)
    if h5py is None:
        raise ImportError('`load_model` requires h5py.')
    import json
    with h5py.File(filepath, 'r') as f:
        config = f.attrs.get('model_config')
        if config is None:
            raise ValueError('No model found in config file.')
        config = json.loads(config.decode('utf8') if isinstance(config, bytes) else config)
        model = model_from_config(config, custom_objects=custom_objects)
        load_weights_from_hdf5_group(f['model_weights'], model.layers)
        training_config = f.attrs.get('training_config')
        if compile and training_config is not None:
            args = json.loads(training_config.decode('utf8') if isinstance(training_config, bytes)
                              else training_config)
            model.compile(**args)
    return model
