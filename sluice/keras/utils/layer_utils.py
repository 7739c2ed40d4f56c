"""Layer and model bookkeeping for tf.keras: parameter counts, source inputs, and Model.summary's table.

print_summary follows TF 1.15: a model whose graph is a chain (one node per depth, one inbound layer
per node, no shared layer) prints three columns (Layer (type), Output Shape, Param #; 65 characters
at [.45, .85, 1.]), any other graph network adds 'Connected to' ('<layer>[<node>][<tensor>]' per
inbound tensor; 98 characters at [.33, .55, .67, 1.]). Each field is cut to its column. The footer
counts parameters of the unique trainable and non-trainable weights, with thousands separators.
"""
import numpy as np


def count_params(weights):
    """The number of scalars in `weights` (each variable counted once, by identity)."""
    unique = {id(w): w for w in weights}
    return int(sum(np.prod(w.shape.as_list()) for w in unique.values()))


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors `tensor` is computed from, following `_keras_history` back through the nodes."""
    if not hasattr(tensor, '_keras_history'):
        return tensor
    if layer is None or node_index:
        layer, node_index, _ = tensor._keras_history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if not node.inbound_layers:
        return list(_flatten(node.input_tensors))
    sources = []
    for inbound_layer, inbound_index, _, inbound_tensor in _inbound(node):
        for x in get_source_inputs(inbound_tensor, inbound_layer, inbound_index):
            if all(x is not t for t in sources):
                sources.append(x)
    return sources


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _flatten(item)
    elif isinstance(structure, dict):
        for key in sorted(structure):
            yield from _flatten(structure[key])
    else:
        yield structure


def _inbound(node):
    """(inbound layer, node index, tensor index, tensor) for each input of a Node."""
    if hasattr(node, 'iterate_inbound'):
        return list(node.iterate_inbound())
    return list(zip(_flatten(node.inbound_layers), _flatten(node.node_indices),
                    _flatten(node.tensor_indices), _flatten(node.input_tensors)))


def _is_sequential_like(model):
    if model.__class__.__name__ == 'Sequential' or not getattr(model, '_is_graph_network', False):
        return True   # a subclassed model is listed as a sequence of layers
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1
                                    and len(list(_flatten(depth_nodes[0].inbound_layers))) > 1):
            return False
        nodes += depth_nodes
    for layer in model.layers:   # a layer called twice within the model is shared
        if sum(1 for node in layer._inbound_nodes if node in nodes) > 1:
            return False
    return True


def _output_shape(layer):
    try:
        return layer.output_shape
    except AttributeError:
        return 'multiple'
    except RuntimeError:
        return '?'


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the model's layers, output shapes and parameter counts (Model.summary)."""
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        header = ['Layer (type)', 'Output Shape', 'Param #']
        relevant_nodes = []
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to']
        relevant_nodes = [node for nodes in model._nodes_by_depth.values() for node in nodes]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ''
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + ' '
            line = (line + str(field))[:positions[i]]
            line += ' ' * (positions[i] - len(line))
        print_fn(line)

    print_fn('Model: "{}"'.format(model.name))
    print_fn('_' * line_length)
    print_row(header)
    print_fn('=' * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        fields = ['%s (%s)' % (layer.name, layer.__class__.__name__), _output_shape(layer), layer.count_params()]
        if sequential_like:
            print_row(fields)
        else:
            connections = ['{}[{}][{}]'.format(inbound.name, node_index, tensor_index)
                           for node in layer._inbound_nodes if not relevant_nodes or node in relevant_nodes
                           for inbound, node_index, tensor_index, _ in _inbound(node)]
            print_row(fields + [connections[0] if connections else ''])
            for connection in connections[1:]:
                print_row(['', '', '', connection])
        print_fn(('=' if i == len(layers) - 1 else '_') * line_length)
    trainable = getattr(model, '_collected_trainable_weights', None)
    trainable_count = count_params(model.trainable_weights if trainable is None else trainable)
    non_trainable_count = count_params(model.non_trainable_weights)
    print_fn('Total params: {:,}'.format(trainable_count + non_trainable_count))
    print_fn('Trainable params: {:,}'.format(trainable_count))
    print_fn('Non-trainable params: {:,}'.format(non_trainable_count))
    print_fn('_' * line_length)
