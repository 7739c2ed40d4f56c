"""tf.keras.Input / InputLayer: the entry point of a functional model (TF 1.15, graph mode).

An InputLayer owns one placeholder (named like the layer: 'input_1', 'input_2', ... per graph, or
'<first layer>_input' when Sequential makes it) or wraps a tensor the user gives. It records a Node with no
inbound layers whose output is that tensor, and tags the tensor with `_keras_history = (layer, 0, 0)`, so
layers called on it record their own Nodes and a Model can walk back to it.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.keras import backend
from sluice.keras.engine import node as node_module
from sluice.keras.engine.base_layer import Layer

__all__ = ['Input', 'InputLayer']


class InputLayer(Layer):
    """A layer whose output is a placeholder (or a given tensor) of `batch_input_shape`."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, sparse=False,
                 name=None, ragged=False, **kwargs):
        if 'batch_input_shape' in kwargs:
            batch_input_shape = kwargs.pop('batch_input_shape')
            if input_shape and batch_input_shape:
                raise ValueError('Only provide the input_shape OR batch_input_shape argument to InputLayer, '
                                 'not both at the same time.')
            batch_size = batch_input_shape[0]
            input_shape = batch_input_shape[1:]
        if kwargs:
            raise ValueError('Unrecognized keyword arguments:', list(kwargs))
        if ragged:
            raise NotImplementedError('sluice does not implement ragged Keras inputs yet')
        if not name:
            name = 'input_' + str(backend.get_uid('input'))
        if not dtype:
            dtype = backend.floatx() if input_tensor is None else input_tensor.dtype.base_dtype.name
        elif input_tensor is not None and input_tensor.dtype.base_dtype != dtypes.as_dtype(dtype):
            raise ValueError('`input_tensor.dtype` differs from `dtype`: %s vs. %s' %
                             (input_tensor.dtype, dtype))
        super().__init__(dtype=dtype, name=name)
        self.built = True
        self.sparse = bool(sparse)
        self.ragged = False
        self.supports_masking = True
        if input_tensor is None:
            batch_input_shape = (batch_size,) + tuple(input_shape) if input_shape is not None else None
            input_tensor = backend.placeholder(shape=batch_input_shape, dtype=dtype, sparse=self.sparse,
                                               name=self.name)
            self.is_placeholder = True
            self._batch_input_shape = batch_input_shape
        else:
            if not _graph.is_tensor(input_tensor):
                raise ValueError('You should not pass a non-symbolic tensor as `input_tensor`: %r' %
                                 (input_tensor,))
            self.is_placeholder = False
            self._batch_input_shape = tuple(input_tensor.shape.as_list()) \
                if input_tensor.shape.ndims is not None else None
        input_tensor._keras_mask = None
        node_module.Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
                         input_tensors=[input_tensor], output_tensors=[input_tensor])
        input_tensor._keras_history = node_module.KerasHistory(self, 0, 0)

    def get_config(self):
        return {'batch_input_shape': self._batch_input_shape, 'dtype': self.dtype, 'sparse': self.sparse,
                'ragged': self.ragged, 'name': self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None, ragged=False,
          **kwargs):
    """A symbolic input tensor: the output of a new InputLayer."""
    batch_shape = kwargs.pop('batch_shape', None)
    if kwargs:
        raise ValueError('Unrecognized keyword arguments:', list(kwargs))
    if shape is None and tensor is None and batch_shape is None:
        raise ValueError('Please provide to Input either a `shape` or a `tensor` argument. Note that `shape` does '
                         'not include the batch dimension.')
    if shape is not None and batch_shape is not None:
        raise ValueError('Only provide the shape OR batch_shape argument to Input, not both at the same time.')
    layer_kwargs = {'name': name, 'dtype': dtype, 'sparse': sparse, 'input_tensor': tensor, 'ragged': ragged}
    if batch_shape is not None:
        layer_kwargs['batch_input_shape'] = tuple(batch_shape)
    else:
        layer_kwargs['input_shape'] = None if shape is None else tuple(shape)
        layer_kwargs['batch_size'] = batch_size
    layer = InputLayer(**layer_kwargs)
    return layer._inbound_nodes[0].output_tensors[0]
