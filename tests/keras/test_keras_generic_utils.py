"""tf.keras.utils' registry, serialization and Progbar, against TF 1.15's behaviour (tf_keras where it
still has it; Progbar's lines as TF 1.15's generic_utils writes them, with the clock fixed)."""
import io
import sys
import types

import numpy as np
import pytest

from sluice.keras.utils import generic_utils, layer_utils, np_utils


class Thing(object):
    def __init__(self, size=1):
        self.size = size

    def get_config(self):
        return {'size': self.size}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def relu6(x):
    return min(max(x, 0), 6)


def test_serialize_object_and_function():
    assert generic_utils.serialize_keras_object(Thing(3)) == {'class_name': 'Thing', 'config': {'size': 3}}
    assert generic_utils.serialize_keras_object(relu6) == 'relu6'
    assert generic_utils.serialize_keras_object(None) is None
    with pytest.raises(ValueError, match='Cannot serialize'):
        generic_utils.serialize_keras_object(3)


def test_deserialize_looks_in_custom_then_global_then_module_objects():
    config = {'class_name': 'Thing', 'config': {'size': 4}}
    assert generic_utils.deserialize_keras_object(config, module_objects={'Thing': Thing}).size == 4
    with pytest.raises(ValueError, match='Unknown layer: Thing'):
        generic_utils.deserialize_keras_object(config, printable_module_name='layer')
    with generic_utils.custom_object_scope({'Thing': Thing, 'relu6': relu6}):
        assert generic_utils.deserialize_keras_object(config).size == 4
        assert generic_utils.deserialize_keras_object('relu6') is relu6
        assert isinstance(generic_utils.deserialize_keras_object('Thing'), Thing)  # a class name: no arguments
    assert 'Thing' not in generic_utils.get_custom_objects()
    assert generic_utils.deserialize_keras_object('relu6', custom_objects={'relu6': relu6}) is relu6
    with pytest.raises(ValueError, match='Improper config format'):
        generic_utils.deserialize_keras_object({'config': {}})


def test_deserialize_passes_custom_objects_to_from_config_that_takes_them():
    seen = {}

    class Holder(object):
        @classmethod
        def from_config(cls, config, custom_objects=None):
            seen.update(custom_objects)
            return cls()

    generic_utils.deserialize_keras_object({'class_name': 'Holder', 'config': {}},
                                           custom_objects={'Holder': Holder, 'relu6': relu6})
    assert seen['relu6'] is relu6


def test_scope_undoes_what_the_block_added():
    with generic_utils.CustomObjectScope({'a': 1}):
        generic_utils.get_custom_objects()['b'] = 2
        assert generic_utils.get_custom_objects() == {'a': 1, 'b': 2}
    assert generic_utils.get_custom_objects() == {}


@pytest.mark.parametrize('name, snake', [('Dense', 'dense'), ('BatchNormalization', 'batch_normalization'),
                                         ('Conv2D', 'conv2d'), ('GRUCell', 'gru_cell'), ('_Private', 'private__private'),
                                         ('ReLU', 're_lu'), ('MyHTTPLayer', 'my_http_layer')])
def test_to_snake_case(name, snake):
    assert generic_utils.to_snake_case(name) == snake


def test_func_dump_and_load_round_trip():
    offset = 3

    def shifted(x, scale=2):
        return x * scale + offset

    restored = generic_utils.func_load(generic_utils.func_dump(shifted))
    assert restored(5) == 13 and restored(5, scale=1) == 8


def test_has_arg():
    def f(a, *, b=1, **kw):
        pass
    assert generic_utils.has_arg(f, 'a') and generic_utils.has_arg(f, 'b')
    assert not generic_utils.has_arg(f, 'c') and generic_utils.has_arg(f, 'c', accept_all=True)


def test_structure_and_keyword_checks():
    a, b = object(), object()
    assert generic_utils.object_list_uid([a, (b,)]) == '%d, %d' % (id(a), id(b))
    assert generic_utils.is_all_none([None, (None,)]) and not generic_utils.is_all_none([None, 0])
    with pytest.raises(ValueError, match=r"Unknown entries in loss dictionary: \['x'\]"):
        generic_utils.check_for_unexpected_keys('loss', {'x': 1, 'y': 2}, ['y'])
    generic_utils.validate_kwargs({'name': 1}, {'name', 'dtype'})
    with pytest.raises(TypeError, match='Keyword argument not understood'):
        generic_utils.validate_kwargs({'nme': 1}, {'name'})


def test_batches_and_slices():
    assert generic_utils.make_batches(5, 2) == [(0, 2), (2, 4), (4, 5)]
    x, y = np.arange(6), np.arange(6) * 10
    np.testing.assert_array_equal(generic_utils.slice_arrays([x, y], 2, 4)[1], [20, 30])
    np.testing.assert_array_equal(generic_utils.slice_arrays(x, [0, 5]), [0, 5])
    assert generic_utils.to_list(1) == [1] and generic_utils.to_list([1]) == [1]


def _run_progbar(monkeypatch, verbose, updates, target=4, dynamic=False, **kwargs):
    clock = iter(np.arange(0, 100, 0.5))   # every time.time() call advances half a second
    monkeypatch.setattr(generic_utils, 'time', types.SimpleNamespace(time=lambda: next(clock)))
    out = io.StringIO()
    monkeypatch.setattr(sys, 'stdout', out)
    bar = generic_utils.Progbar(target, verbose=verbose, **kwargs)
    bar._dynamic_display = dynamic
    for current, values in updates:
        bar.update(current, values)
    return out.getvalue()


def test_progbar_verbose_1_lines(monkeypatch):
    text = _run_progbar(monkeypatch, 1, [(2, [('loss', 0.5), ('acc', 0.25)]), (4, [('loss', 0.25), ('acc', 0.75)])])
    # start at t=0; the update at 2 reads t=0.5 (0.25 s/step: ETA 0s), the one at 4 reads t=1.0
    assert text == ('\n2/4 [==============>...............] - ETA: 0s - loss: 0.5000 - acc: 0.2500'
                    '\n4/4 [==============================] - 1s 250ms/step - loss: 0.3750 - acc: 0.5000\n')


def test_progbar_verbose_1_redraws_in_place_and_pads(monkeypatch):
    text = _run_progbar(monkeypatch, 1, [(1, [('loss', 12.5)]), (4, [('loss', 0.0001)])], dynamic=True)
    first = '1/4 [======>.......................] - ETA: 1s - loss: 12.5000'
    assert text.startswith('\r' + first + '\b' * len(first) + '\r4/4 [')
    assert text.endswith(' - loss: 3.1251\n')


def test_progbar_verbose_2_prints_only_the_last_line(monkeypatch):
    text = _run_progbar(monkeypatch, 2, [(2, [('loss', 0.5)]), (4, [('loss', 0.0)])], unit_name='sample')
    assert text == '4/4 - 1s - loss: 0.2500\n'
    text = _run_progbar(monkeypatch, 2, [(4, [('loss', -2.0)])])
    assert text == '4/4 - 0s - loss: -2.0000e+00\n'   # TF 1.15 picks the notation by the signed value


def test_progbar_stateful_metrics_and_unknown_target(monkeypatch):
    text = _run_progbar(monkeypatch, 1, [(2, [('auc', 0.5)]), (3, [('auc', 0.9)])], target=None,
                        stateful_metrics=['auc'], interval=0)
    assert text == '\n      2/Unknown - 0s 250ms/step - auc: 0.5000\n      3/Unknown - 1s 333ms/step - auc: 0.9000'


def test_to_categorical_and_normalize_as_tf_keras():
    tf_keras = pytest.importorskip('tf_keras')
    for y, n in [([0, 2, 1], None), (np.array([[1], [3]]), 5), (np.array([[0, 1], [2, 0]]), 3)]:
        expected = tf_keras.utils.to_categorical(y, n)
        got = np_utils.to_categorical(y, n)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    for axis, order in [(-1, 2), (0, 1)]:
        np.testing.assert_allclose(np_utils.normalize(x, axis, order), tf_keras.utils.normalize(x, axis, order),
                                   rtol=1e-6)


class _Shape(object):
    def __init__(self, dims):
        self.dims = dims

    def as_list(self):
        return list(self.dims)


class _Weight(object):
    def __init__(self, *dims):
        self.shape = _Shape(dims)


def test_count_params_counts_each_weight_once():
    w = _Weight(3, 4)
    assert layer_utils.count_params([w, w, _Weight(4)]) == 16


class _Layer(object):
    def __init__(self, name, kind, shape, params):
        self.name, self.output_shape, self._params = name, shape, params
        self.__class__ = type(kind, (_Layer,), {})

    def count_params(self):
        return self._params


def test_print_summary_of_a_chain():
    class Sequential(object):
        name = 'sequential'
        _is_graph_network, _nodes_by_depth = True, {}
        layers = [_Layer('dense', 'Dense', (None, 4), 12), _Layer('dense_1', 'Dense', (None, 1), 5)]
        trainable_weights = [_Weight(2, 4), _Weight(4), _Weight(4, 1), _Weight(1)]
        non_trainable_weights = [_Weight(1000)]

    lines = []
    layer_utils.print_summary(Sequential(), print_fn=lines.append)
    assert lines == ['Model: "sequential"', '_' * 65,
                     'Layer (type)                 Output Shape              Param #   ', '=' * 65,
                     'dense (Dense)                (None, 4)                 12        ', '_' * 65,
                     'dense_1 (Dense)              (None, 1)                 5         ', '=' * 65,
                     'Total params: 1,017', 'Trainable params: 17', 'Non-trainable params: 1,000', '_' * 65]
