"""Network: a layer made of layers (TF 1.15's functional and subclassed models, graph mode).

Functional (`Network(inputs, outputs)`): the graph of layers is read back from the outputs' `_keras_history`.
1. Walk depth-first from each output through the Nodes that produced it (a Node already on the walk again is a
   cycle), numbering layers in the order first met and listing Nodes as they finish.
2. Depths: walking the finished Nodes from the outputs back, a Node sits one deeper than any Node that consumes
   its outputs, a layer at the deepest of its Nodes. Layers are ordered by decreasing depth, then first-met order.
3. Check that every Node's inputs are computable from the model's inputs ('Graph disconnected' otherwise) and that
   layer names are unique.
Calling the network on new tensors replays the Nodes from the deepest depth up, each layer called on the tensors
that replaced its Node's inputs (with the Node's call arguments), and returns what replaced the outputs.
Subclassed (`Network()` with a `call`): layers are the ones assigned as attributes; inputs and outputs are set by
the first call on tensors (or by `fit` from the arrays' shapes, through `_set_inputs`).
"""
import json

import numpy as np

from sluice.python.util import nest
from sluice.engine import graph as _graph
from sluice.keras import backend
from sluice.keras.engine import node as node_module
from sluice.keras.engine import saving
from sluice.keras.engine.base_layer import Layer
from sluice.keras.engine.input_layer import InputLayer
from sluice.keras.utils import tf_utils

__all__ = ['Network']


def _node_key(layer, node_index):
    return layer.name + '_ib-' + str(node_index)


class Network(Layer):
    """A directed acyclic graph of layers (functional), or a layer whose `call` uses attribute layers."""

    def __init__(self, *args, **kwargs):
        if (len(args) == 2 or len(args) == 1 and 'outputs' in kwargs or 'inputs' in kwargs and
                'outputs' in kwargs):
            self._init_graph_network(*args, **kwargs)
            tf_utils.assert_no_legacy_layers(self.layers)
        else:
            self._init_subclassed_network(**kwargs)

    def _base_init(self, name=None, trainable=True, dtype=None, **kwargs):
        self._is_graph_network = False
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self._nodes_by_depth = {}
        self._network_nodes = set()
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self.optimizer = None

    def _init_set_name(self, name, zero_based=True):
        # Unnamed networks are 'model', 'model_1', ... (TF 1.15 names Model and Network alike).
        if not name:
            base = 'sequential' if type(self).__name__ == 'Sequential' else \
                ('model' if type(self).__name__ in ('Model', 'Network') else None)
            if base is not None:
                self._name = backend.unique_object_name(base, zero_based=zero_based)
                return
        super()._init_set_name(name, zero_based)

    def _init_subclassed_network(self, name=None, **kwargs):
        self._base_init(name=name, **kwargs)
        self.built = False

    # -- the functional graph ----------------------------------------------------------------------------------
    def _init_graph_network(self, inputs, outputs, name=None, **kwargs):
        self._base_init(name=name, **kwargs)
        self._wire_graph(inputs, outputs)

    def _wire_graph(self, inputs, outputs):
        """Reads the graph of layers between `inputs` and `outputs` (Sequential rewires as layers come)."""
        self._is_graph_network = True
        self._network_nodes = set()
        self._inbound_nodes = []
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = list(nest.flatten(inputs)), list(nest.flatten(outputs))
        for x in self.inputs + self.outputs:
            if not hasattr(x, '_keras_history'):
                raise ValueError('Input tensors to a ' + type(self).__name__ + ' must come from `tf.keras.Input`. '
                                 'Received: ' + str(x) + ' (missing previous layer metadata).')
        self._input_layers, self._output_layers = [], []
        self._input_coordinates, self._output_coordinates = [], []
        for x in self.outputs:
            layer, node_index, tensor_index = x._keras_history
            self._output_layers.append(layer)
            self._output_coordinates.append((layer, node_index, tensor_index))
        for x in self.inputs:
            layer, node_index, tensor_index = x._keras_history
            if not isinstance(layer, InputLayer) or node_index or tensor_index:
                raise ValueError('Input tensors to a ' + type(self).__name__ + ' must come from '
                                 '`tf.keras.Input`. Received: ' + str(x) + ' (missing previous layer metadata).')
            self._input_layers.append(layer)
            self._input_coordinates.append((layer, node_index, tensor_index))
        self._map_graph_network()
        self.built = True
        self.input_names = [layer.name for layer in self._input_layers]
        self.output_names = [layer.name for layer in self._output_layers]
        self._feed_input_names, self._feed_inputs, self._feed_input_shapes = [], [], []
        for layer in self._input_layers:
            if layer.is_placeholder:
                self._feed_input_names.append(layer.name)
                self._feed_inputs.append(layer.output)
                self._feed_input_shapes.append(backend.int_shape(layer.output))
        node_module.Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
                         input_tensors=self._nested_inputs, output_tensors=self._nested_outputs)

    def _map_graph_network(self):
        finished, in_progress, order, layer_indices = set(), set(), [], {}

        def visit(layer, node_index):
            node = layer._inbound_nodes[node_index]
            if node in in_progress:
                raise ValueError('The tensor ' + str(layer.name) + ' at layer "' + layer.name +
                                 '" is part of a cycle.')
            if node in finished:
                return
            self._network_nodes.add(_node_key(layer, node_index))
            layer_indices.setdefault(layer, len(layer_indices))
            in_progress.add(node)
            for inbound_layer, inbound_index, _, _ in node.iterate_inbound():
                visit(inbound_layer, inbound_index)
            finished.add(node)
            in_progress.discard(node)
            order.append(node)

        for layer, node_index, _ in self._output_coordinates:
            visit(layer, node_index)
        node_depths, layer_depths = {}, {}
        for node in reversed(order):
            depth = max(node_depths.setdefault(node, 0), layer_depths.get(node.outbound_layer, 0))
            layer_depths[node.outbound_layer] = depth
            node_depths[node] = depth
            for inbound_layer, inbound_index, _, _ in node.iterate_inbound():
                inbound = inbound_layer._inbound_nodes[inbound_index]
                node_depths[inbound] = max(depth + 1, node_depths.get(inbound, 0))
        nodes_by_depth, layers_by_depth = {}, {}
        for node, depth in node_depths.items():
            nodes_by_depth.setdefault(depth, []).append(node)
        for layer, depth in layer_depths.items():
            layers_by_depth.setdefault(depth, []).append(layer)
        layers = []
        for depth in sorted(layers_by_depth, reverse=True):
            layers.extend(sorted(layers_by_depth[depth], key=layer_indices.get))
        self._check_connected(nodes_by_depth)
        names = [layer.name for layer in layers]
        for name in names:
            if names.count(name) != 1:
                raise ValueError('The name "' + name + '" is used ' + str(names.count(name)) + ' times in the '
                                 'model. All layer names should be unique.')
        self._nodes_by_depth, self._layers_by_depth = nodes_by_depth, layers_by_depth
        self._layers = layers

    def _check_connected(self, nodes_by_depth):
        computable = set(id(x) for x in self.inputs)
        seen_layers = []
        for depth in sorted(nodes_by_depth, reverse=True):
            for node in nodes_by_depth[depth]:
                layer = node.outbound_layer
                if isinstance(layer, InputLayer) and not nest.flatten(node.inbound_layers):
                    if any(x is layer.output for x in self.inputs):
                        continue
                for x in nest.flatten(node.input_tensors):
                    if id(x) not in computable:
                        raise ValueError('Graph disconnected: cannot obtain value for tensor ' + str(x) +
                                         ' at layer "' + layer.name + '". The following previous layers were '
                                         'accessed without issue: ' + str(seen_layers))
                computable.update(id(x) for x in nest.flatten(node.output_tensors))
                seen_layers.append(layer.name)

    # -- layers and weights --------------------------------------------------------------------------------------
    @property
    def layers(self):
        return [layer for layer in self._layers if isinstance(layer, Layer)]

    def get_layer(self, name=None, index=None):
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError('Was asked to retrieve layer at index ' + str(index) + ' but model only has ' +
                                 str(len(self.layers)) + ' layers.')
            return self.layers[index]
        if not name:
            raise ValueError('Provide either a layer name or layer index.')
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError('No such layer: ' + name)

    @property
    def state_updates(self):
        return [u for layer in self.layers if getattr(layer, 'stateful', False) for u in layer.updates]

    def reset_states(self):
        for layer in self.layers:
            if hasattr(layer, 'reset_states') and getattr(layer, 'stateful', False):
                layer.reset_states()

    @property
    def input_spec(self):
        if not self._is_graph_network:
            return None
        specs = []
        for layer in self._input_layers:
            spec = layer.input_spec
            specs.extend(spec if isinstance(spec, list) else [spec])
        return specs[0] if len(specs) == 1 else specs

    @input_spec.setter
    def input_spec(self, value):
        pass  # a network's spec is its input layers'

    # -- calling ---------------------------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError('When subclassing the `Model` class, you should implement a `call` method.')
        return self._run_internal_graph(inputs, training=training, mask=mask)

    def _run_internal_graph(self, inputs, training=None, mask=None):
        inputs = nest.flatten(inputs)
        masks = [None] * len(inputs) if mask is None else nest.flatten(mask)
        replaced = {}
        for x, y, m in zip(self.inputs, inputs, masks):
            if m is not None:
                y._keras_mask = m
            replaced[id(x)] = y
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                layer = node.outbound_layer
                flat_inputs = nest.flatten(node.input_tensors)
                if isinstance(layer, InputLayer) or not all(id(x) in replaced for x in flat_inputs):
                    continue
                computed = nest.pack_sequence_as(node.input_tensors, [replaced[id(x)] for x in flat_inputs])
                kwargs = dict(node.arguments)
                args = kwargs.pop('_positional', ())
                if training is not None and layer._expects_training_arg and 'training' not in kwargs:
                    kwargs['training'] = training
                outputs = layer(computed, *args, **kwargs)
                for x, y in zip(nest.flatten(node.output_tensors), nest.flatten(outputs)):
                    replaced[id(x)] = y
        outputs = []
        for x in self.outputs:
            if id(x) not in replaced:
                raise ValueError('Could not compute output ' + str(x))
            outputs.append(replaced[id(x)])
        return nest.pack_sequence_as(self._nested_outputs, outputs)

    def compute_output_shape(self, input_shape):
        """Each layer's compute_output_shape, walked through the Nodes as `call` walks tensors."""
        if not self._is_graph_network:
            return super().compute_output_shape(input_shape)
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        known = {id(x): tuple(s) for x, s in zip(self.inputs, shapes)}
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                layer = node.outbound_layer
                flat = nest.flatten(node.input_tensors)
                if isinstance(layer, InputLayer) or not all(id(x) in known for x in flat):
                    continue
                given = [known[id(x)] for x in flat]
                out = layer.compute_output_shape(given[0] if len(given) == 1 else given)
                out = out if isinstance(out, list) else [out]
                for x, shape in zip(nest.flatten(node.output_tensors), out):
                    known[id(x)] = tuple(shape.as_list()) if hasattr(shape, 'as_list') else tuple(shape)
        out = [known[id(x)] for x in self.outputs]
        return out[0] if len(out) == 1 else out

    def _set_inputs(self, inputs, outputs=None, training=None):
        """Subclassed networks: the tensors (or placeholders shaped like the arrays) of the first call."""
        if self._is_graph_network or self.inputs:
            return
        if outputs is None:
            flat = nest.flatten(inputs)
            placeholders = []
            for i, x in enumerate(flat):
                if _graph.is_tensor(x):
                    placeholders.append(x)
                    continue
                x = np.asarray(x)
                placeholders.append(backend.placeholder(shape=(None,) + x.shape[1:], name='input_' + str(i + 1),
                                                        dtype=backend.floatx() if x.dtype.kind == 'f' else
                                                        x.dtype.name))
            inputs = nest.pack_sequence_as(inputs, placeholders)
            kwargs = {'training': training} if training is not None and self._expects_training_arg else {}
            self(inputs, **kwargs)  # Layer.__call__ comes back here with the outputs
            return
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = list(nest.flatten(inputs)), list(nest.flatten(outputs))
        self.input_names = ['input_' + str(i + 1) for i in range(len(self.inputs))]
        self.output_names = ['output_' + str(i + 1) for i in range(len(self.outputs))]
        self._feed_inputs = [x for x in self.inputs if backend.is_placeholder(x)]
        self._feed_input_names = [n for n, x in zip(self.input_names, self.inputs) if backend.is_placeholder(x)]
        self._feed_input_shapes = [backend.int_shape(x) for x in self._feed_inputs]
        self.built = True
        if hasattr(self, '_on_inputs_set'):
            self._on_inputs_set()

    # -- config and serialization ----------------------------------------------------------------------------------
    def get_config(self):
        if not self._is_graph_network:
            raise NotImplementedError('sluice (like TF 1.15) cannot serialize subclassed models: override '
                                      '`get_config` in ' + type(self).__name__)
        return saving.network_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        inputs, outputs, name = saving.reconstruct_graph(config, custom_objects)
        return cls(inputs=inputs, outputs=outputs, name=name)

    def to_json(self, **kwargs):
        return json.dumps(saving.model_metadata(self), default=saving.json_default, **kwargs)

    def to_yaml(self, **kwargs):
        try:
            import yaml
        except ImportError:
            raise ImportError('Requires yaml module installed (`pip install pyyaml`).')
        return yaml.dump(json.loads(self.to_json()), **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        saving.save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False):
        return saving.load_weights(self, filepath, by_name=by_name)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None):
        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                          save_format=save_format)

    def summary(self, line_length=None, positions=None, print_fn=None):
        if not self.built:
            raise ValueError('This model has not yet been built. Build the model first by calling `build()` or '
                             'calling `fit()` with some data, or specify an `input_shape` argument in the first '
                             'layer(s) for automatic build.')
        from sluice.keras.engine import summary
        summary.print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    def _unique_trainable_weights(self):
        return self.trainable_weights
