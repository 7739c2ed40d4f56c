"""tf.keras.models: Model, Sequential, cloning, configs and whole-model saving (TF 1.15, graph mode).

clone_model makes new layers from each layer's config (or `clone_function`) and calls them as the original
graph was called: Inputs made anew (or around `input_tensors`), then the Nodes from the deepest depth up, a
shared layer cloned once. Weights are not copied (TF 1.15 neither: the clones are freshly initialized).
"""
import json

from sluice.python.util import nest
from sluice.keras.engine import saving
from sluice.keras.engine.input_layer import Input, InputLayer
from sluice.keras.engine.sequential import Sequential
from sluice.keras.engine.training import Model

__all__ = ['Model', 'Sequential', 'clone_model', 'model_from_config', 'model_from_json', 'model_from_yaml',
           'save_model', 'load_model']

model_from_config = saving.model_from_config
save_model = saving.save_model
load_model = saving.load_model


def model_from_json(json_string, custom_objects=None):
    return saving.deserialize_layer(json.loads(json_string), custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    try:
        import yaml
    except ImportError:
        raise ImportError('Requires yaml module installed (`pip install pyyaml`).')
    return saving.deserialize_layer(yaml.safe_load(yaml_string), custom_objects)


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def _new_input(layer, tensor=None):
    if tensor is None:
        return Input(batch_shape=layer._batch_input_shape, dtype=layer.dtype, sparse=layer.sparse, name=layer.name)
    if hasattr(tensor, '_keras_history'):
        return tensor
    return Input(tensor=tensor, name='input_wrapper_for_' + layer.name)


def _clone_functional_model(model, input_tensors=None, clone_function=None):
    clone_function = clone_function or _clone_layer
    if input_tensors is not None:
        input_tensors = nest.flatten(input_tensors)
        if len(input_tensors) != len(model._input_layers):
            raise ValueError('To clone the model, please pass one input tensor per model input: the model has %d '
                             'inputs, got %d' % (len(model._input_layers), len(input_tensors)))
    replaced, layer_map = {}, {}
    for i, (layer, x) in enumerate(zip(model._input_layers, model.inputs)):
        replaced[id(x)] = _new_input(layer, None if input_tensors is None else input_tensors[i])
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            layer = node.outbound_layer
            if isinstance(layer, InputLayer):
                continue
            if layer not in layer_map:
                layer_map[layer] = clone_function(layer)
            flat = nest.flatten(node.input_tensors)
            if not all(id(x) in replaced for x in flat):
                continue
            kwargs = dict(node.arguments)
            args = kwargs.pop('_positional', ())
            outputs = layer_map[layer](nest.pack_sequence_as(node.input_tensors, [replaced[id(x)] for x in flat]),
                                       *args, **kwargs)
            for x, y in zip(nest.flatten(node.output_tensors), nest.flatten(outputs)):
                replaced[id(x)] = y
    inputs = [replaced[id(x)] for x in model.inputs]
    outputs = [replaced[id(x)] for x in model.outputs]
    return Model(nest.pack_sequence_as(model._nested_inputs, inputs),
                 nest.pack_sequence_as(model._nested_outputs, outputs), name=model.name)


def _clone_sequential_model(model, input_tensors=None, clone_function=None):
    clone_function = clone_function or _clone_layer
    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is None:
        return Sequential(layers=layers, name=model.name)
    x = nest.flatten(input_tensors)
    if len(x) != 1:
        raise ValueError('To clone a `Sequential` model, we expect  at most one tensor as part of `input_tensors`.')
    x = x[0] if hasattr(x[0], '_keras_history') else Input(tensor=x[0], name='input_wrapper_for_' + model.name)
    return Sequential(layers=[x._keras_history[0]] + layers, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same architecture, with new (freshly initialized) layers."""
    if isinstance(model, Sequential):
        return _clone_sequential_model(model, input_tensors, clone_function)
    if not getattr(model, '_is_graph_network', False):
        raise ValueError('Expected `model` argument to be a functional `Model` instance, but got a subclass model '
                         'instead.')
    return _clone_functional_model(model, input_tensors, clone_function)
