"""Output collections of contrib layers: `outputs_collections=` adds a layer's output to collections and
records the layer's scope name as an alias of the tensor (TF sets `tensor.aliases`; sluice's Tensor has
fixed slots, so the aliases live in a weak map read through `get_tensor_aliases`).
This module is `contrib.layers.utils`; it re-exports that module's shape checks from shape_dimensions.
"""
import collections as _collections
import weakref

from sluice.contrib.layers.shape_dimensions import (channel_dimension, first_dimension,  # noqa: F401
                                                    last_dimension, two_element_tuple)
from sluice.engine import graph as _graph

__all__ = ['collect_named_outputs', 'append_tensor_alias', 'get_tensor_aliases', 'gather_tensors_aliases',
           'convert_collection_to_dict', 'get_variable_collections', 'first_dimension', 'last_dimension',
           'channel_dimension', 'two_element_tuple']

_ALIASES = weakref.WeakKeyDictionary()


def append_tensor_alias(tensor, alias):
    """Appends `alias` (without a trailing '/') to the aliases of `tensor`; returns the tensor."""
    if alias.endswith('/'):
        alias = alias[:-1]
    _ALIASES.setdefault(tensor, []).append(alias)
    return tensor


def get_tensor_aliases(tensor):
    """The aliases of `tensor` (its op name when it has none)."""
    return list(_ALIASES.get(tensor, ())) or [tensor.op.name]


def gather_tensors_aliases(tensors):
    return [alias for t in tensors for alias in get_tensor_aliases(t)]


def collect_named_outputs(collections, alias, outputs):
    """Adds `outputs`, aliased `alias`, to `collections` (a name or list; nothing if None)."""
    if collections:
        append_tensor_alias(outputs, alias)
        _graph.get_default_graph().add_to_collections(collections, outputs)
    return outputs


def convert_collection_to_dict(collection, clear_collection=False):
    """{alias: tensor} for the tensors of `collection` (e.g. a network's end points)."""
    g = _graph.get_default_graph()
    output = _collections.OrderedDict((alias, t) for t in g.get_collection(collection)
                                      for alias in get_tensor_aliases(t))
    if clear_collection:
        g.clear_collection(collection)
    return output


def get_variable_collections(variables_collections, name):
    """The collections for variable `name`: a dict's entry, or the list itself."""
    if isinstance(variables_collections, dict):
        return variables_collections.get(name, None)
    return variables_collections
