"""slim's tfexample_decoder: items decoded from a serialized tf.Example.

A TFExampleDecoder parses one serialized Example with its `keys_to_features` (FixedLenFeature values
are reshaped to the feature's shape) and builds each item with its ItemHandler from the parsed
tensors of the handler's keys: `Tensor` reads one feature (densifying a VarLenFeature with its
default value, reshaping to a fixed `shape` or to the values of `shape_keys` features), and
`ItemHandlerCallback` applies a function to its keys' tensors. TF's other handlers (Image,
BoundingBox, LookupTensor, BackupHandler, SparseTensor) are not implemented in sluice yet.
"""
from sluice.contrib.slim.data import data_decoder
from sluice.ops import array_ops, parsing_ops, sparse_ops
from sluice.ops.sparse_tensor import SparseTensor
from sluice.unimplemented import namespace_getattr


class ItemHandler:
    """Makes one item from the parsed tensors of `keys` (a key or a list of keys)."""

    def __init__(self, keys):
        self._keys = keys if isinstance(keys, (tuple, list)) else [keys]

    @property
    def keys(self):
        return self._keys

    def tensors_to_item(self, keys_to_tensors):
        raise NotImplementedError('%s must implement tensors_to_item' % type(self).__name__)


class ItemHandlerCallback(ItemHandler):
    """The item is `func(keys_to_tensors)`."""

    def __init__(self, keys, func):
        super().__init__(keys)
        self._func = func

    def tensors_to_item(self, keys_to_tensors):
        return self._func(keys_to_tensors)


class Tensor(ItemHandler):
    """The item is the feature `tensor_key`, densified and reshaped (see the module docstring)."""

    def __init__(self, tensor_key, shape_keys=None, shape=None, default_value=0):
        if shape_keys and shape is not None:
            raise ValueError('Cannot specify both shape_keys and shape parameters.')
        if shape_keys and not isinstance(shape_keys, list):
            shape_keys = [shape_keys]
        self._tensor_key = tensor_key
        self._shape_keys = shape_keys
        self._shape = shape
        self._default_value = default_value
        super().__init__([tensor_key] + (shape_keys or []))

    def tensors_to_item(self, keys_to_tensors):
        tensor = keys_to_tensors[self._tensor_key]
        shape = self._shape
        if self._shape_keys:
            dims = [sparse_ops.sparse_tensor_to_dense(d) if isinstance(d, SparseTensor) else d
                    for d in (keys_to_tensors[k] for k in self._shape_keys)]
            shape = array_ops.reshape(array_ops.stack(dims), [-1])
        if isinstance(tensor, SparseTensor):
            if shape is not None:
                tensor = sparse_ops.sparse_reshape(tensor, shape)
            return sparse_ops.sparse_tensor_to_dense(tensor, self._default_value)
        return tensor if shape is None else array_ops.reshape(tensor, shape)


class TFExampleDecoder(data_decoder.DataDecoder):
    """Decodes a serialized tf.Example into the items of `items_to_handlers`."""

    def __init__(self, keys_to_features, items_to_handlers):
        self._keys_to_features = keys_to_features
        self._items_to_handlers = items_to_handlers

    def list_items(self):
        return list(self._items_to_handlers.keys())

    def decode(self, serialized_example, items=None):
        """The tensors of `items` (every item when None), in that order."""
        example = parsing_ops.parse_single_example(serialized_example, self._keys_to_features)
        for key in sorted(self._keys_to_features):
            feature = self._keys_to_features[key]
            if isinstance(feature, parsing_ops.FixedLenFeature):
                example[key] = array_ops.reshape(example[key], feature.shape)
        outputs = []
        for item in items or self._items_to_handlers.keys():
            handler = self._items_to_handlers[item]
            outputs.append(handler.tensors_to_item({key: example[key] for key in handler.keys}))
        return outputs


__getattr__ = namespace_getattr(__name__, 'tf.contrib.slim.tfexample_decoder')
