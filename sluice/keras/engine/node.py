"""A Node: one call of a layer on tensors that came from other layers (or Inputs).

Calling a layer on tensors that all carry `_keras_history` records a Node on the layer (`inbound_nodes`)
and on each layer that produced an input (`outbound_nodes`), and tags each output with
`KerasHistory(layer, node_index, tensor_index)`. The functional Model walks these back from its outputs.
"""
import collections

from sluice.python.util import nest
from sluice.keras import backend

KerasHistory = collections.namedtuple('KerasHistory', ['layer', 'node_index', 'tensor_index'])


class Node:
    """`outbound_layer` called on `input_tensors` (from `inbound_layers` at `node_indices`/`tensor_indices`)."""

    def __init__(self, outbound_layer, inbound_layers, node_indices, tensor_indices, input_tensors,
                 output_tensors, arguments=None):
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.input_shapes = nest.map_structure(backend.int_shape, input_tensors)
        self.output_shapes = nest.map_structure(backend.int_shape, output_tensors)
        self.arguments = arguments or {}
        for layer in nest.flatten(inbound_layers):
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    def iterate_inbound(self):
        """(inbound_layer, node_index, tensor_index, tensor) for each input."""
        return list(zip(nest.flatten(self.inbound_layers), nest.flatten(self.node_indices),
                        nest.flatten(self.tensor_indices), nest.flatten(self.input_tensors)))

    def get_config(self):
        return {'outbound_layer': self.outbound_layer.name,
                'inbound_layers': nest.map_structure(lambda layer: layer.name if layer else None, self.inbound_layers),
                'node_indices': self.node_indices, 'tensor_indices': self.tensor_indices}
