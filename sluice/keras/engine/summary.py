"""Model.summary(): TF 1.15's table of layers, output shapes and parameter counts.

A Sequential model, a subclassed one, or a functional one whose depths each hold one Node with one inbound
layer (and no layer called twice) prints three columns in 65 characters at [.45, .85, 1.]; other functional
models add 'Connected to' ('layer[node][tensor]' per input, one per line) in 98 characters at
[.33, .55, .67, 1.]. Each field is cut to its column; rows are separated by '_' lines, the header and the
last row by '='. A layer never called shows 'multiple' as its output shape.
"""
import numpy as np

from sluice.python.util import nest

__all__ = ['print_summary']


def _sequential_like(model):
    if type(model).__name__ == 'Sequential' or not model._is_graph_network:
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or len(depth_nodes) == 1 and len(nest.flatten(depth_nodes[0].inbound_layers)) > 1:
            return False
        nodes += depth_nodes
    for layer in model.layers:
        if sum(1 for node in layer._inbound_nodes if node in nodes) > 1:
            return False
    return True


def _count(weights):
    return int(sum(np.prod(w.shape.as_list()) for w in {id(w): w for w in weights}.values()))


def print_summary(model, line_length=None, positions=None, print_fn=None):
    print_fn = print if print_fn is None else print_fn
    sequential_like = _sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        header = ['Layer (type)', 'Output Shape', 'Param #']
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to']
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    relevant = [node for nodes in model._nodes_by_depth.values() for node in nodes]

    def row(fields):
        line = ''
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + ' '
            line = (line + str(field))[:positions[i]]
            line += ' ' * (positions[i] - len(line))
        print_fn(line)

    def layer_rows(layer):
        try:
            output_shape = layer.output_shape
        except AttributeError:
            output_shape = 'multiple'
        fields = [layer.name + ' (' + type(layer).__name__ + ')', output_shape, layer.count_params()]
        if sequential_like:
            row(fields)
            return
        connections = ['{}[{}][{}]'.format(inbound.name, node_index, tensor_index)
                       for node in layer._inbound_nodes if not relevant or node in relevant
                       for inbound, node_index, tensor_index, _ in node.iterate_inbound()]
        row(fields + [connections[0] if connections else ''])
        for connection in connections[1:]:
            row(['', '', '', connection])

    print_fn('Model: "{}"'.format(model.name))
    print_fn('_' * line_length)
    row(header)
    print_fn('=' * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        layer_rows(layer)
        print_fn(('=' if i == len(layers) - 1 else '_') * line_length)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    print_fn('Total params: {:,}'.format(trainable + non_trainable))
    print_fn('Trainable params: {:,}'.format(trainable))
    print_fn('Non-trainable params: {:,}'.format(non_trainable))
    print_fn('_' * line_length)
