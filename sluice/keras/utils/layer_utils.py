"""Layer and model bookkeeping for tf.keras.utils (TF 1.15's layer_utils): parameter counts of unique
weights, the Input tensors a tensor is computed from, and print_summary (the engine's Model.summary
table, sluice.keras.engine.summary, re-exported under TF 1.15's path).
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


# Model.summary's table is the engine's (one implementation); tf.keras.utils.print_summary is the same function.
from sluice.keras.engine.summary import print_summary  # noqa: E402,F401
