"""The Keras engine's structure: Input, functional Model (layers, depths, replay on new inputs, nesting),
Sequential (add/pop, deferred build), subclassed Model, summary text (TF 1.15's layout), configs and cloning."""
import json

import numpy as np
import pytest

import models_standins

models_standins.install()

import sluice as tf  # noqa: E402
from sluice import keras  # noqa: E402
from sluice.keras import backend as K  # noqa: E402

layers = keras.layers


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    yield
    K.clear_session()


def _run(tensor, feed):
    return K.get_session().run(tensor, feed)


def test_input_is_a_named_placeholder_with_history():
    x = keras.Input((784,))
    y = keras.Input(shape=(3,), batch_size=8, dtype='int32', name='ids')
    assert x.name == 'input_1:0' and x.op.type == 'Placeholder' and x.shape.as_list() == [None, 784]
    assert y.name == 'ids:0' and y.dtype == tf.int32 and y.shape.as_list() == [8, 3]
    layer, node_index, tensor_index = x._keras_history
    assert type(layer).__name__ == 'InputLayer' and (node_index, tensor_index) == (0, 0)
    assert layer.get_config() == {'batch_input_shape': (None, 784), 'dtype': 'float32', 'sparse': False,
                                  'ragged': False, 'name': 'input_1'}
    with pytest.raises(ValueError, match='either a `shape` or a `tensor`'):
        keras.Input()


def test_input_wraps_a_given_tensor():
    t = tf.placeholder(tf.float32, [None, 5], name='given')
    x = keras.Input(tensor=t)
    assert x is t and x._keras_history[0].is_placeholder is False


def test_functional_model_orders_layers_by_depth():
    inputs = keras.Input((4,))
    hidden = layers.Dense(5, name='d1')(inputs)
    a = layers.Dense(2)(hidden)
    b = layers.Dense(3)(hidden)
    model = keras.Model(inputs, [a, b])
    assert [layer.name for layer in model.layers] == ['input_1', 'd1', 'dense', 'dense_1']
    assert model.name == 'model' and model.input_names == ['input_1'] and model.output_names == ['dense', 'dense_1']
    assert [w.name for w in model.weights] == ['d1/kernel:0', 'd1/bias:0', 'dense/kernel:0', 'dense/bias:0',
                                               'dense_1/kernel:0', 'dense_1/bias:0']
    assert model.get_layer('d1') is model.layers[1] and model.get_layer(index=2).name == 'dense'
    with pytest.raises(ValueError, match='No such layer: nope'):
        model.get_layer('nope')
    assert model.count_params() == 25 + 12 + 18
    assert model.input_shape == (None, 4) and model.output_shape == [(None, 2), (None, 3)]


def test_graph_disconnected_and_duplicate_names_are_errors():
    a, b = keras.Input((2,)), keras.Input((2,), name='second')
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    with pytest.raises(ValueError, match='Graph disconnected: cannot obtain value for tensor .*second'):
        keras.Model(a, out)
    x = keras.Input((2,))
    y = layers.Dense(1, name='same')(layers.Dense(2, name='same')(x))
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model'):
        keras.Model(x, y)
    with pytest.raises(ValueError, match='must come from `tf.keras.Input`'):
        keras.Model(tf.placeholder(tf.float32, [None, 2]), y)


def test_calling_a_model_replays_its_layers_on_new_inputs():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, name='d')(inputs))
    other = keras.Input((3,))
    out = model(other)
    assert out is not model.output and out._keras_history[0] is model
    x = np.arange(6, dtype='float32').reshape(2, 3)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(_run(out, {other: x}), x @ kernel + bias, rtol=1e-5)
    outer = keras.Model(other, layers.Dense(1, name='head')(out))
    assert [layer.name for layer in outer.layers] == ['input_2', 'model', 'head']
    assert len(outer.weights) == 4 and outer.layers[1].get_layer('d') is model.get_layer('d')


def test_model_output_shape_on_other_input_shapes():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model.compute_output_shape((None, 3)) == (None, 2)
    assert model.compute_output_shape((7, 3)) == (7, 2)


def test_sequential_builds_from_the_first_layers_input_shape():
    model = keras.Sequential()
    model.add(layers.Dense(8, input_shape=(4,)))
    model.add(layers.Dense(3))
    assert model.name == 'sequential' and [layer.name for layer in model.layers] == ['dense', 'dense_1']
    assert model.inputs[0].name == 'dense_input:0' and model.outputs[0].shape.as_list() == [None, 3]
    assert model.layers[0].input_shape == (None, 4) and model.layers[1].output_shape == (None, 3)
    model.pop()
    assert [layer.name for layer in model.layers] == ['dense'] and model.outputs[0].shape.as_list() == [None, 8]
    with pytest.raises(TypeError, match='must be an instance of class Layer'):
        model.add('dense')


def test_sequential_without_input_shape_builds_later():
    model = keras.Sequential([layers.Dense(2)])
    assert not model.built and model.inputs == [] and model.weights == []
    with pytest.raises(ValueError, match='has not yet been built'):
        model.summary()
    model.build((None, 5))
    assert model.built and model.layers[0].kernel.shape.as_list() == [5, 2]
    lazy = keras.Sequential([layers.Dense(2)])
    out = lazy.predict(np.ones((3, 6), 'float32'))
    assert out.shape == (3, 2) and lazy.inputs[0].shape.as_list() == [None, 6]


def test_sequential_starting_with_an_input_tensor():
    model = keras.Sequential([keras.Input((3,), name='start'), layers.Dense(1)])
    assert model.inputs[0].name == 'start:0' and [layer.name for layer in model.layers] == ['dense']


class TwoLayers(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(4, name='hidden')
        self.out = layers.Dense(1, name='out')

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_model_tracks_layers_and_sets_inputs_on_first_call():
    model = TwoLayers()
    assert model.name == 'two_layers' and [layer.name for layer in model.layers] == ['hidden', 'out']
    x = tf.placeholder(tf.float32, [None, 3])
    y = model(x)
    assert y.shape.as_list() == [None, 1] and model.inputs == [x] and model.outputs == [y]
    assert [w.name for w in model.weights] == ['two_layers/hidden/kernel:0', 'two_layers/hidden/bias:0',
                                               'two_layers/out/kernel:0', 'two_layers/out/bias:0']
    with pytest.raises(NotImplementedError, match='cannot serialize subclassed models'):
        model.get_config()


def test_subclassed_model_builds_from_arrays_in_fit():
    model = TwoLayers()
    model.compile('sgd', 'mse')
    model.fit(np.ones((4, 3), 'float32'), np.zeros((4, 1), 'float32'), verbose=0)
    assert model.input_names == ['input_1'] and model.output_names == ['output_1']
    assert model.predict(np.ones((2, 3), 'float32')).shape == (2, 1)


class _Lines(list):
    def __call__(self, line):
        self.append(line)


def test_summary_of_a_sequential_model_is_tf_1_15s_table():
    model = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(3)])
    lines = _Lines()
    model.summary(print_fn=lines)
    # TF 1.15's layout (utils/layer_utils.print_summary): 65 columns at [.45, .85, 1.].
    assert lines == [
        'Model: "sequential"',
        '_' * 65,
        'Layer (type)                 Output Shape              Param #   ',
        '=' * 65,
        'dense (Dense)                (None, 8)                 40        ',
        '_' * 65,
        'dense_1 (Dense)              (None, 3)                 27        ',
        '=' * 65,
        'Total params: 67',
        'Trainable params: 67',
        'Non-trainable params: 0',
        '_' * 65]


def test_summary_of_a_branching_model_lists_connections():
    a, b = keras.Input((4,)), keras.Input((2,), name='other')
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    model.layers[-1].trainable = False
    lines = _Lines()
    model.summary(print_fn=lines)
    assert lines[2] == 'Layer (type)                    Output Shape         Param #     Connected to' + ' ' * 21
    assert lines[4].startswith('input_1 (InputLayer)            [(None, 4)]          0')
    assert lines[8].rstrip() == 'concatenate (Concatenate)       (None, 6)            0           input_1[0][0]'
    assert lines[9].rstrip() == ' ' * 65 + 'other[0][0]'
    assert lines[-4:-1] == ['Total params: 7', 'Trainable params: 0', 'Non-trainable params: 7']


def test_functional_config_round_trips_through_json():
    inputs = keras.Input((4,), name='features')
    hidden = layers.Dense(5, activation='relu', name='hidden')(inputs)
    model = keras.Model(inputs, [layers.Dense(2, name='a')(hidden), layers.Dense(1, name='b')(hidden)])
    config = json.loads(model.to_json())
    assert config['class_name'] == 'Model' and config['keras_version'] == '2.2.4-tf'
    assert config['config']['input_layers'] == [['features', 0, 0]]
    assert config['config']['output_layers'] == [['a', 0, 0], ['b', 0, 0]]
    assert config['config']['layers'][2]['inbound_nodes'] == [[['hidden', 0, 0, {}]]]
    rebuilt = keras.models.model_from_json(model.to_json())
    assert [layer.name for layer in rebuilt.layers] == ['features', 'hidden', 'a', 'b']
    assert rebuilt.layers[1].get_config() == model.layers[1].get_config()
    rebuilt.set_weights(model.get_weights())
    x = np.random.RandomState(0).rand(3, 4).astype('float32')
    for ours, theirs in zip(rebuilt.predict(x), model.predict(x)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_sequential_config_round_trips():
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name='first'), layers.Dense(1, name='second')])
    config = model.get_config()
    assert config['name'] == 'sequential'
    assert [entry['class_name'] for entry in config['layers']] == ['Dense', 'Dense']
    rebuilt = keras.Sequential.from_config(config)
    assert [layer.name for layer in rebuilt.layers] == ['first', 'second'] and rebuilt.inputs[0].shape.as_list() == [None, 2]


def test_clone_model_makes_new_layers_of_the_same_graph():
    inputs = keras.Input((4,))
    hidden = layers.Dense(5, name='hidden')
    model = keras.Model(inputs, layers.Concatenate()([hidden(inputs), hidden(inputs)]))
    clone = keras.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert len(clone.weights) == 2 and clone.outputs[0].shape.as_list() == [None, 10]
    seq = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    seq_clone = keras.models.clone_model(seq)
    assert isinstance(seq_clone, keras.Sequential) and seq_clone.layers[0] is not seq.layers[0]
    given = keras.Input((3,), name='given')
    assert keras.models.clone_model(seq, input_tensors=given).inputs[0] is given
