"""Sequential: a linear stack of layers (TF 1.15, graph mode).

Adding the first layer: an InputLayer starts the graph (its own, or one named '<layer>_input' made from the
layer's `input_shape`/`batch_input_shape`); each later layer is called on the current output and the model is
rewired as a functional network over the stack. Without a known input shape the layers wait: `build(shape)`,
the first call on a tensor, or `fit`/`predict` (from the arrays' shapes, input named 'input_1') build them.
`layers` leaves out the InputLayer, as in TF 1.15.
"""
import numpy as np

from sluice.python.util import nest
from sluice.engine import graph as _graph
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend
from sluice.keras.engine.base_layer import Layer
from sluice.keras.engine.input_layer import Input, InputLayer
from sluice.keras.engine.training import Model
from sluice.keras.utils import tf_utils

__all__ = ['Sequential']


class Sequential(Model):
    """A Model whose layers each take the previous layer's single output."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self.supports_masking = True
        self._build_input_shape = None
        self._stack = []  # the user's layers, in order (the network's layers add the InputLayer)
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        if hasattr(layer, '_keras_history') and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]  # an Input tensor stands for its layer
        if not isinstance(layer, Layer):
            raise TypeError('The added layer must be an instance of class Layer. Found: ' + str(layer))
        tf_utils.assert_no_legacy_layers([layer])
        if any(layer.name == known.name for known in self._stack):
            raise ValueError('All layers added to a Sequential model should have unique names. Name "%s" is already '
                             'the name of a layer in this model. Update the `name` argument to pass a unique name.'
                             % (layer.name,))
        if isinstance(layer, InputLayer):
            if self._stack or self.outputs:
                raise ValueError('An InputLayer can only be the first layer of a Sequential model.')
            self._stack_input = layer.output
            self._rewire(layer.output, layer.output)
            return
        self._stack.append(layer)
        if self.outputs:
            self._rewire(self.inputs[0], self._call_single(layer, self.outputs[0]))
        elif getattr(layer, '_batch_input_shape', None) is not None and len(self._stack) == 1:
            x = Input(batch_shape=layer._batch_input_shape, dtype=layer.dtype, name=layer.name + '_input')
            self._rewire(x, self._call_single(layer, x))
        else:
            self._layers = list(self._stack)
            self.built = False

    def _call_single(self, layer, x):
        output = layer(x)
        if len(nest.flatten(output)) != 1:
            raise TypeError('All layers in a Sequential model should have a single output tensor. For multi-output '
                            'layers, use the functional API.')
        return nest.flatten(output)[0]

    def _rewire(self, inputs, outputs):
        self._wire_graph(inputs, outputs)
        self.train_function = self.test_function = self.predict_function = None
        if self._is_compiled and self._compile_spec is not None:
            self._compile_graph()

    def pop(self):
        if not self._stack:
            raise TypeError('There are no layers in the model.')
        self._stack.pop()
        if not self.inputs:
            self._layers = list(self._stack)
            return
        x = self.inputs[0]
        output = x
        for layer in self._stack:
            output = self._call_single(layer, output)
        self._rewire(x, output)

    def build(self, input_shape=None):
        if self._is_graph_network:
            return
        if input_shape is None:
            raise ValueError('You must provide an `input_shape` argument.')
        shape = TensorShape(input_shape)
        self._build_input_shape = tuple(shape.as_list())
        self._build_from(Input(batch_shape=self._build_input_shape))

    def _build_from(self, x):
        output = x
        for layer in self._stack:
            output = self._call_single(layer, output)
        self._rewire(x, output)

    def _set_inputs(self, inputs, outputs=None, training=None):
        if self._is_graph_network or self.inputs or outputs is not None:
            return
        x = nest.flatten(inputs)[0]
        if not _graph.is_tensor(x):
            x = np.asarray(x)
            dtype = backend.floatx() if x.dtype.kind == 'f' else x.dtype.name
            self._build_from(Input(batch_shape=(None,) + x.shape[1:], dtype=dtype))
        else:
            self._build_from(Input(tensor=x))

    def call(self, inputs, training=None, mask=None):
        if self._is_graph_network:
            return self._run_internal_graph(inputs, training=training, mask=mask)
        outputs = inputs
        for layer in self._stack:
            kwargs = {'training': training} if training is not None and layer._expects_training_arg else {}
            outputs = layer(outputs, **kwargs)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = {'name': self.name, 'layers': [{'class_name': type(layer).__name__, 'config': layer.get_config()}
                                                for layer in self._stack]}
        if self._build_input_shape is not None:
            config['build_input_shape'] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from sluice.keras.engine import saving
        if isinstance(config, list):  # Keras 2.0's form: the layers only
            config = {'name': None, 'layers': config}
        model = cls(name=config.get('name'))
        for layer_config in config['layers']:
            model.add(saving.deserialize_layer(layer_config, custom_objects))
        if not model.inputs and config.get('build_input_shape'):
            model.build(config['build_input_shape'])
        return model
