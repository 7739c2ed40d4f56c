"""The `tensorflow.python.*` module paths TF1 programs import, served as `sluice.python.*`: thin
re-exports of the public objects, plus nest and deprecation; and the refusal of eager execution."""
import collections
import importlib
import logging
import pkgutil
import types

import pytest

import sluice as tf
import sluice.python

_OWN_SUBPACKAGES = ('client', 'debug', 'tools')  # served by other modules, with their own tests
_IMPLEMENTED_HERE = ('sluice.python.util.', 'sluice.python.framework.function', 'sluice.python.framework.test_util',
                     'sluice.python.framework.tensor_util', 'sluice.python.framework.smart_cond',
                     'sluice.python.layers.layer_arguments')


def _path_modules():
    names = []
    for info in pkgutil.walk_packages(sluice.python.__path__, 'sluice.python.'):
        if info.name.split('.')[2] not in _OWN_SUBPACKAGES:
            names.append(info.name)
    return sorted(names)


def _public_objects():
    """ids of every object reachable from the public namespaces (two levels: tf.nn.rnn_cell, ...)."""
    ids, seen = set(), set()

    def walk(module, depth):
        if id(module) in seen:
            return
        seen.add(id(module))
        for name, value in vars(module).items():
            if name.startswith('_'):
                continue
            if isinstance(value, types.ModuleType):
                if depth and value.__name__.startswith('sluice') and not value.__name__.startswith('sluice.python'):
                    walk(value, depth - 1)
            else:
                ids.add(id(value))
    walk(tf, 2)
    return ids


def test_every_path_module_imports():
    modules = _path_modules()
    assert 'sluice.python.framework.ops' in modules and 'sluice.python.util.nest' in modules
    for name in modules:
        importlib.import_module(name)


@pytest.mark.parametrize('module_name', [m for m in _path_modules() if not m.startswith(_IMPLEMENTED_HERE)])
def test_path_modules_only_re_export_public_objects(module_name):
    public = _public_objects()
    module = importlib.import_module(module_name)
    copies = [name for name, value in vars(module).items()
              if not name.startswith('_') and not isinstance(value, types.ModuleType) and id(value) not in public
              and not isinstance(value, (int, str))]
    assert not copies, '%s defines objects that are not sluice\'s public ones: %s' % (module_name, copies)


def test_identity_with_public_objects():
    from sluice.python.framework import constant_op, dtypes, errors, errors_impl, graph_util, ops, tensor_shape
    from sluice.python.ops import (array_ops, control_flow_ops, gen_math_ops, init_ops, math_ops, nn, nn_ops,
                                   random_ops, state_ops, variable_scope, variables)
    from sluice.python.platform import app, flags, gfile, test, tf_logging
    from sluice.python.training import moving_averages, optimizer, saver, session_run_hook, training_util
    pairs = [(ops.Graph, tf.Graph), (ops.Tensor, tf.Tensor), (ops.Operation, tf.Operation),
             (ops.get_default_graph, tf.get_default_graph), (ops.name_scope, tf.name_scope),
             (ops.convert_to_tensor, tf.convert_to_tensor), (ops.GraphKeys, tf.GraphKeys),
             (ops.RegisterGradient, tf.RegisterGradient), (ops.control_dependencies, tf.control_dependencies),
             (ops.device, tf.device), (dtypes.float32, tf.float32), (dtypes.as_dtype, tf.as_dtype),
             (dtypes.DType, tf.DType), (tensor_shape.TensorShape, tf.TensorShape),
             (tensor_shape.Dimension, tf.Dimension), (constant_op.constant, tf.constant),
             (graph_util.convert_variables_to_constants, tf.graph_util.convert_variables_to_constants),
             (errors.OpError, tf.errors.OpError), (errors_impl.NotFoundError, tf.errors.NotFoundError),
             (array_ops.reshape, tf.reshape), (array_ops.placeholder, tf.placeholder), (array_ops.tile, tf.tile),
             (math_ops.matmul, tf.matmul), (math_ops.reduce_sum, tf.reduce_sum), (math_ops.add, tf.add),
             (gen_math_ops.add, tf.add), (nn.relu, tf.nn.relu), (nn_ops.conv2d, tf.nn.conv2d),
             (init_ops.glorot_uniform_initializer, tf.glorot_uniform_initializer),
             (variables.Variable, tf.Variable), (variables.global_variables_initializer,
                                                 tf.global_variables_initializer),
             (variable_scope.get_variable, tf.get_variable), (variable_scope.variable_scope, tf.variable_scope),
             (control_flow_ops.cond, tf.cond), (control_flow_ops.while_loop, tf.while_loop),
             (state_ops.assign, tf.assign), (random_ops.random_normal, tf.random_normal),
             (gfile.GFile, tf.gfile.GFile), (tf_logging.info, tf.logging.info), (test.TestCase, tf.test.TestCase),
             (flags.FLAGS, tf.flags.FLAGS), (app.run, tf.app.run), (saver.Saver, tf.train.Saver),
             (saver.latest_checkpoint, tf.train.latest_checkpoint), (optimizer.Optimizer, tf.train.Optimizer),
             (moving_averages.ExponentialMovingAverage, tf.train.ExponentialMovingAverage),
             (session_run_hook.SessionRunHook, tf.train.SessionRunHook),
             (training_util.get_or_create_global_step, tf.train.get_or_create_global_step)]
    for ours, public in pairs:
        assert ours is public, (ours, public)


def test_gen_wrappers_only_where_arguments_agree():
    from sluice.python.ops import gen_array_ops
    # TF's gen ConcatV2 is concat_v2(values, axis); gen Concat is concat(concat_dim, values): not tf.concat
    assert 'concat' not in vars(gen_array_ops)
    with pytest.raises(AttributeError, match='sluice does not implement tensorflow.python.ops.gen_array_ops.concat'):
        gen_array_ops.concat


def test_missing_names_say_so():
    from sluice.python.framework import ops
    with pytest.raises(AttributeError, match='sluice does not implement tensorflow.python.framework.ops.no_such'):
        ops.no_such


def test_test_util_and_function():
    from sluice.python.framework import function, test_util
    assert test_util.TensorFlowTestCase is tf.test.TestCase
    assert test_util.assert_equal_graph_def is tf.test.assert_equal_graph_def

    @test_util.run_deprecated_v1
    def body():
        return 3
    assert body() == 3 and test_util.deprecated_graph_mode_only()(body) is body
    with pytest.raises(NotImplementedError, match='function.Defun'):
        @function.Defun(tf.float32)
        def f(x):
            return x


# --- nest -------------------------------------------------------------------------------------------------

Point = collections.namedtuple('Point', ['x', 'y'])
_STRUCTURES = [
    3, 'text', None, [1, 2], (1, [2, (3,)]), {'b': 1, 'a': [2, 3]}, Point(1, {'z': 2, 'y': (3, 4)}),
    collections.OrderedDict([('z', 1), ('a', 2)]), [{'k': Point((1,), [2])}, ()], {'x': []},
]


@pytest.mark.parametrize('structure', _STRUCTURES, ids=range(len(_STRUCTURES)))
def test_nest_round_trip(structure):
    from sluice.python.util import nest
    labels = ['leaf %d' % i for i in range(len(nest.flatten(structure)))]
    packed = nest.pack_sequence_as(structure, labels)
    assert nest.flatten(packed) == labels
    nest.assert_same_structure(structure, nest.map_structure(lambda v: v, structure))
    assert type(packed) is type(structure) or not nest.is_sequence(structure)


@pytest.mark.tf
@pytest.mark.parametrize('structure', _STRUCTURES, ids=range(len(_STRUCTURES)))
def test_nest_matches_tensorflow(structure):
    real = pytest.importorskip('tensorflow')
    from sluice.python.util import nest
    assert nest.flatten(structure) == real.nest.flatten(structure)
    flat = list(range(len(nest.flatten(structure))))
    assert nest.pack_sequence_as(structure, flat) == real.nest.pack_sequence_as(structure, flat)
    assert nest.is_sequence(structure) == real.nest.is_nested(structure)


def test_nest_errors():
    from sluice.python.util import nest
    assert tf.nest is nest
    assert nest.flatten({'b': 1, 'a': 2}) == [2, 1]
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        nest.assert_same_structure([1, 2], (1, 2))
    nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(ValueError, match="don't have the same set of keys"):
        nest.assert_same_structure({'a': 1}, {'b': 1})
    with pytest.raises(ValueError, match='Structure had 2 elements, but flat_sequence had 3'):
        nest.pack_sequence_as([1, 2], [1, 2, 3])
    with pytest.raises(TypeError, match='sortable keys'):
        nest.flatten({1: 1, 'a': 2})
    assert nest.map_structure(lambda a, b: a + b, Point(1, [2]), Point(10, [20])) == Point(11, [22])
    assert nest.flatten_up_to([1, (2, 3)], [[5, 6], (7, [8])]) == [[5, 6], 7, [8]]
    assert nest.map_structure_up_to((1, 2), len, ([1], [2, 3])) == (1, 2)


# --- deprecation --------------------------------------------------------------------------------------------

def test_deprecation_warns_once(caplog):
    from sluice.python.util import deprecation

    @deprecation.deprecated('2019-01-01', 'Use g instead.')
    def f(x):
        return x + 1

    @deprecation.deprecated_args(None, 'Use axis.', 'dim')
    def h(x, axis=None, dim=None):
        return x

    with caplog.at_level(logging.WARNING, logger='tensorflow'):
        assert f(1) == 2 and f(2) == 3
        h(1, axis=0)
        h(1, dim=0)
        with deprecation.silence():
            h(1, 0, 1)
    messages = [r.getMessage() for r in caplog.records]
    assert sum('is deprecated and will be removed after 2019-01-01' in m for m in messages) == 1
    assert any('test_python_module_paths.py' in m and 'Use g instead.' in m for m in messages)
    assert sum('with dim is deprecated' in m for m in messages) == 1
    with pytest.raises(ValueError, match='YYYY-MM-DD'):
        deprecation.deprecated('soon', 'x')
    assert deprecation.deprecated_argument_lookup('axis', None, 'dim', 2) == 2


# --- eager execution ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('switch', ['enable_eager_execution', 'enable_v2_behavior'])
def test_eager_switches_refuse(switch):
    with pytest.raises(NotImplementedError, match=r'tf\.%s\(\).*graph mode only' % switch):
        getattr(tf, switch)()
    with pytest.raises(NotImplementedError):
        getattr(tf.compat.v1, switch)()
    assert tf.executing_eagerly() is False
    tf.disable_eager_execution()
    tf.disable_v2_behavior()


def test_contrib_eager_is_missing():
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.eager yet'):
        tf.contrib.eager


def test_python_paths_are_attributes_as_in_tf1():
    """`tf.python.framework.tensor_util` and kin resolve as attributes (TF 1.x imports them eagerly)."""
    from sluice.python.framework import tensor_util
    assert tf.python.framework.tensor_util is tensor_util
    assert tf.python.util.compat.as_bytes('x') == b'x' and tf.python.util.compat.as_text(b'y') == 'y'
    assert tf.python.ops.array_ops.reshape is tf.reshape
    with pytest.raises(AttributeError, match='sluice does not implement tensorflow.python.framework.nope yet'):
        tf.python.framework.nope


@pytest.mark.tf
def test_tensor_util_matches_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    from tensorflow.python.framework import tensor_util as tf_tensor_util
    from sluice.python.framework import tensor_util
    import numpy as np

    def cases(lib):
        with lib.Graph().as_default():
            x = lib.placeholder(lib.float32, [2, None])
            return [lib.constant([[1, 2], [3, 4]]), lib.shape(lib.zeros([2, 3])), lib.identity(lib.constant(2.5)),
                    lib.shape(x), x + 1.0, 7]
    mine = [tensor_util.constant_value(t) for t in cases(tf)]
    theirs = [tf_tensor_util.constant_value(t) for t in cases(tf1)]
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_array_equal(a, b)
            assert np.asarray(a).dtype == np.asarray(b).dtype
    with tf.Graph().as_default():
        assert tensor_util.constant_value_as_shape(tf.shape(tf.zeros([2, 3]))).as_list() == [2, 3]
    proto = tf.make_tensor_proto(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(tf_tensor_util.MakeNdarray(tf1.make_tensor_proto(np.arange(3))),
                                  tensor_util.MakeNdarray(tf.make_tensor_proto(np.arange(3))))
    assert proto.SerializeToString() == tf1.make_tensor_proto(
        np.arange(6, dtype=np.float32).reshape(2, 3)).SerializeToString()


def test_module_paths_google_seq2seq_imports():
    # seq2seq's decoders, hooks and encoders import these paths at package import
    from sluice.python.ops import tensor_array_ops
    from sluice.python.training import session_manager
    assert tensor_array_ops.TensorArray is tf.TensorArray
    assert session_manager.SessionManager is tf.train.SessionManager
    rnn_paths = tf.contrib.rnn.python.ops
    assert rnn_paths.rnn.stack_bidirectional_dynamic_rnn is tf.contrib.rnn.stack_bidirectional_dynamic_rnn
    assert rnn_paths.core_rnn_cell.LSTMCell is tf.nn.rnn_cell.LSTMCell
    assert tf.contrib.slim.python.slim.data.tfexample_decoder is tf.contrib.slim.tfexample_decoder
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        with tf.Session() as sess:
            ready = tf.report_uninitialized_variables()
            assert session_manager._ready(ready, sess, 'msg') == (False, 'Variables not initialized: Variable')
            sess.run(v.initializer)
            assert session_manager._ready(ready, sess, 'msg') == (True, None)
