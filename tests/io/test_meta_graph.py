"""MetaGraphDef export and import (tf.train.export_meta_graph / import_meta_graph) and Saver's .meta.

Expected behaviour is TensorFlow 2.21's tf.compat.v1 (run by hand with the scratch TF).
tests/data/metagraph holds a MetaGraphDef and checkpoint TF wrote (make_golden.py there);
TF_META_* below are the values TF computed. Tests marked `tf` run TensorFlow itself on files
sluice wrote and are skipped when it does not import.
"""
import logging
import os

import numpy as np
import pytest
from google.protobuf import text_format

import sluice as tf
from sluice.engine.graph import GraphKeys
from sluice.io import meta_graph
from sluice.io.protos import MetaGraphDef, SaverDef, VariableDef

GOLDEN = os.path.join(os.path.dirname(__file__), 'data', 'metagraph')
X = np.array([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.25]], np.float32)
Y = np.array([[1.0], [-0.5], [2.0]], np.float32)
# What TF computed for the golden model (make_golden.py): after 3 steps, then after one more.
TF_META_W3 = np.array([[-0.29437232], [0.2829222]], np.float32)
TF_META_B3 = np.array([0.46808752], np.float32)
TF_META_PRED3 = np.array([[0.73955965], [0.03797916], [1.1275628]], np.float32)
TF_META_LOSS3 = np.float32(0.37279916)
TF_META_W4 = np.array([[-0.41126725], [0.3680535]], np.float32)
TF_META_B4 = np.array([0.5077474], np.float32)


def build_regression():
    """The golden model's graph, built with sluice: returns (train op, pred, loss)."""
    x = tf.placeholder(tf.float32, [None, 2], name='x')
    y = tf.placeholder(tf.float32, [None, 1], name='y')
    with tf.name_scope('layer'):
        w = tf.Variable([[0.5], [-0.25]], name='W')
        b = tf.Variable([0.1], name='b')
    pred = tf.add(tf.matmul(x, w), b, name='pred')
    loss = tf.reduce_mean(tf.square(pred - y), name='loss')
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step, name='train')
    tf.add_to_collection('outputs', pred)
    tf.add_to_collection('hyper', 0.1)
    tf.add_to_collection('steps', 3)
    tf.add_to_collection('steps', 7)
    tf.add_to_collection('note', b'golden')
    return train, pred, loss


def train_and_save(directory, steps=3):
    train, _, _ = build_regression()
    saver = tf.train.Saver()
    # Trains on the CPU, with no device in the graph: TF_META_* are TF's CPU numbers (a GPU's reductions
    # may round an ulp apart), so restored values must equal them exactly wherever the restore runs.
    with tf.Session(config=tf.ConfigProto(device_count={'GPU': 0})) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train, {'x:0': X, 'y:0': Y})
        return saver.save(sess, os.path.join(directory, 'model.ckpt'), global_step=steps)


def check_restored_model(saver, path, scope=''):
    """Restores `path` and checks the values, a prediction and one more training step (TF's numbers)."""
    g = tf.get_default_graph()
    with tf.Session() as sess:
        saver.restore(sess, path)
        w, b, step = sess.run([scope + 'layer/W:0', scope + 'layer/b:0', scope + 'global_step:0'])
        np.testing.assert_array_equal(w, TF_META_W3)
        np.testing.assert_array_equal(b, TF_META_B3)
        assert step == 3
        feed = {g.get_tensor_by_name(scope + 'x:0'): X, g.get_tensor_by_name(scope + 'y:0'): Y}
        pred, loss = sess.run([scope + 'pred:0', scope + 'loss:0'], feed)
        np.testing.assert_allclose(pred, TF_META_PRED3, rtol=1e-6)
        np.testing.assert_allclose(loss, TF_META_LOSS3, rtol=1e-6)
        sess.run(tf.get_collection(GraphKeys.TRAIN_OP)[0], feed)
        w, b, step = sess.run([scope + 'layer/W:0', scope + 'layer/b:0', scope + 'global_step:0'])
        np.testing.assert_allclose(w, TF_META_W4, rtol=1e-6)
        np.testing.assert_allclose(b, TF_META_B4, rtol=1e-6)
        assert step == 4


# ------------------------------------------------------------------------------------------
# Export.

def test_export_meta_graph_contents(caplog):
    train, pred, loss = build_regression()
    saver = tf.train.Saver()
    tf.add_to_collection('unserializable', object())
    with caplog.at_level(logging.WARNING, logger='sluice'):
        meta = meta_graph.export_meta_graph(saver_def=saver.saver_def)
    assert isinstance(meta, MetaGraphDef)
    assert 'Issue encountered when serializing unserializable.' in caplog.text
    ops = [op.name for op in meta.meta_info_def.stripped_op_list.op]
    assert ops == sorted({n.op for n in meta.graph_def.node}) and 'ApplyGradientDescent' in ops
    matmul = [op for op in meta.meta_info_def.stripped_op_list.op if op.name == 'MatMul'][0]
    assert [a.name for a in matmul.input_arg] == ['a', 'b'] and matmul.input_arg[0].type_attr == 'T'
    attrs = {a.name: a for a in matmul.attr}
    assert attrs['transpose_a'].type == 'bool' and attrs['transpose_a'].default_value.b is False
    assert not attrs['T'].HasField('default_value')
    variable = [op for op in meta.meta_info_def.stripped_op_list.op if op.name == 'VariableV2'][0]
    assert variable.is_stateful and variable.output_arg[0].is_ref
    assert meta.saver_def == saver.saver_def
    assert meta.graph_def.node[0].attr['_output_shapes'].list.shape[0].dim[1].size == 2
    assert sorted(meta.collection_def) == ['global_step', 'hyper', 'note', 'outputs', 'steps', 'train_op',
                                           'trainable_variables', 'variables']
    w_def = VariableDef.FromString(meta.collection_def['variables'].bytes_list.value[0])
    assert w_def == VariableDef(variable_name='layer/W:0', initial_value_name='layer/W/initial_value:0',
                                initializer_name='layer/W/Assign', snapshot_name='layer/W/read:0', trainable=True)
    step_def = VariableDef.FromString(meta.collection_def['global_step'].bytes_list.value[0])
    assert step_def.variable_name == 'global_step:0' and not step_def.trainable
    assert list(meta.collection_def['train_op'].node_list.value) == ['train']
    assert list(meta.collection_def['outputs'].node_list.value) == ['pred:0']
    assert list(meta.collection_def['steps'].int64_list.value) == [3, 7]
    assert meta.collection_def['hyper'].float_list.value[0] == pytest.approx(0.1)
    assert list(meta.collection_def['note'].bytes_list.value) == [b'golden']
    only = meta_graph.export_meta_graph(collection_list=['steps'])
    assert list(only.collection_def) == ['steps'] and not only.HasField('saver_def')


def test_export_options(tmp_path):
    with tf.device('/cpu:0'):
        build_regression()
    tf.train.Saver()
    tf.train.Saver(name='other')
    meta = meta_graph.export_meta_graph(clear_devices=True)
    assert {n.device for n in meta.graph_def.node} == {''}
    kept = meta_graph.export_meta_graph(clear_extraneous_savers=True,
                                        saver_def=tf.train.Saver(name='third').saver_def)
    names = {n.name for n in kept.graph_def.node}
    assert 'third/SaveV2' in names and 'save/SaveV2' not in names and 'other/SaveV2' not in names
    stripped = meta_graph.export_meta_graph(strip_default_attrs=True)
    matmul = [n for n in stripped.graph_def.node if n.name == 'MatMul'][0]
    assert sorted(matmul.attr) == ['T', '_output_shapes'] and stripped.meta_info_def.stripped_default_attrs
    path = str(tmp_path / 'sub' / 'g.meta')
    written = meta_graph.export_meta_graph(filename=path, as_text=True, save_debug_info=True)
    assert text_format.Parse(open(path).read(), MetaGraphDef()) == written
    assert os.path.exists(str(tmp_path / 'sub' / 'g.debug'))


def test_export_scope_and_unbound_inputs():
    x = tf.placeholder(tf.float32, [None, 2], name='x')
    with tf.name_scope('net'):
        w = tf.Variable(np.ones((2, 1), np.float32), name='w')
        out = tf.matmul(x, w, name='out')
    tf.add_to_collection('outputs', out)
    meta = meta_graph.export_meta_graph(export_scope='net')
    assert [n.name for n in meta.graph_def.node] == ['w/initial_value', 'w', 'w/Assign', 'w/read', 'out']
    out_node = meta.graph_def.node[-1]
    assert list(out_node.input) == ['$unbound_inputs_x', 'w/read']
    assert list(meta.collection_def['unbound_inputs'].bytes_list.value) == [b'$unbound_inputs_x']
    assert list(meta.collection_def['outputs'].node_list.value) == ['out:0']
    assert VariableDef.FromString(meta.collection_def['variables'].bytes_list.value[0]).variable_name == 'w:0'
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r'Graph contains unbound inputs: \$unbound_inputs_x. Must provide these '
                                             'inputs through input_map.'):
            meta_graph.import_scoped_meta_graph(meta)
        feed = tf.constant([[1.0, 2.0]], name='feed')
        variables = meta_graph.import_scoped_meta_graph(meta, import_scope='copy',
                                                        input_map={'$unbound_inputs_x': feed})
        assert list(variables) == ['w:0'] and variables['w:0'].name == 'copy/w:0'
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert sess.run(tf.get_collection('outputs')[0]).tolist() == [[3.0]]


# ------------------------------------------------------------------------------------------
# Import.

def test_saver_writes_meta_and_a_new_program_restores_it(tmp_path):
    path = train_and_save(str(tmp_path))
    assert os.path.exists(path + '.meta')
    with tf.Graph().as_default():
        saver = meta_graph.import_meta_graph(path + '.meta')
        assert isinstance(saver, tf.train.Saver)
        check_restored_model(saver, path)


def test_collections_restored(tmp_path):
    path = train_and_save(str(tmp_path))
    with tf.Graph().as_default() as g:
        meta_graph.import_meta_graph(path + '.meta')
        variables = tf.global_variables()
        assert [v.name for v in variables] == ['layer/W:0', 'layer/b:0', 'global_step:0']
        assert isinstance(variables[0], tf.Variable) and variables[0].initializer.name == 'layer/W/Assign'
        assert variables[0].value().name == 'layer/W/read:0'
        assert variables[0].initial_value.name == 'layer/W/initial_value:0'
        assert tf.trainable_variables() == variables[:2]   # the same objects in both collections
        assert tf.get_collection(GraphKeys.GLOBAL_STEP) == variables[2:] and not variables[2].trainable
        assert [op.name for op in tf.get_collection(GraphKeys.TRAIN_OP)] == ['train']
        assert tf.get_collection('outputs') == [g.get_tensor_by_name('pred:0')]
        assert tf.get_collection('steps') == [3, 7] and tf.get_collection('note') == [b'golden']
        assert tf.get_collection('hyper') == [pytest.approx(0.1)]


def test_import_scope(tmp_path):
    path = train_and_save(str(tmp_path))
    with tf.Graph().as_default():
        tf.constant(0, name='before')
        saver = meta_graph.import_meta_graph(path + '.meta', import_scope='imp')
        assert [v.name for v in tf.global_variables()] == ['imp/layer/W:0', 'imp/layer/b:0', 'imp/global_step:0']
        assert saver.saver_def.restore_op_name == 'imp/save/restore_all'
        check_restored_model(saver, path, scope='imp/')


def test_text_meta_and_clear_devices(tmp_path):
    with tf.device('/cpu:0'):
        build_regression()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), write_meta_graph=False)
    meta_graph.export_meta_graph(filename=path + '.meta', as_text=True, saver_def=saver.saver_def)
    assert open(path + '.meta').read().startswith('meta_info_def {')
    with tf.Graph().as_default() as g:
        meta_graph.import_meta_graph(path + '.meta', clear_devices=True)
        assert {op.device for op in g.get_operations() if op.name.startswith('layer/')} == {''}
    with tf.Graph().as_default() as g:
        meta_graph.import_meta_graph(path + '.meta')
        assert g.get_operation_by_name('layer/W').device == '/device:CPU:0'


def test_saver_returned_only_when_there_is_something_to_restore():
    tf.placeholder(tf.float32, name='x')
    meta = meta_graph.export_meta_graph()
    with tf.Graph().as_default():
        assert meta_graph.import_meta_graph(meta) is None
    with tf.Graph().as_default():
        tf.Variable(1.0, name='v')
        meta = meta_graph.export_meta_graph()   # variables but no saver_def: a new Saver (TF1)
    with tf.Graph().as_default() as g:
        saver = meta_graph.import_meta_graph(meta)
        assert isinstance(saver, tf.train.Saver) and 'save/restore_all' in [op.name for op in g.get_operations()]


def test_savers_collection_round_trip():
    tf.Variable(1.0, name='v')
    saver = tf.train.Saver()
    tf.add_to_collection(GraphKeys.SAVERS, saver)
    meta = meta_graph.export_meta_graph()
    assert SaverDef.FromString(meta.collection_def['savers'].bytes_list.value[0]) == saver.saver_def
    with tf.Graph().as_default():
        meta_graph.import_meta_graph(meta, import_scope='s')
        (restored,) = tf.get_collection(GraphKeys.SAVERS)
        assert restored.saver_def.restore_op_name == 's/save/restore_all'


def test_variable_to_and_from_proto():
    with tf.name_scope('outer'):
        v = tf.Variable([1.0, 2.0], name='v', trainable=False)
    proto = meta_graph.variable_to_proto(v)
    assert proto.variable_name == 'outer/v:0' and proto.snapshot_name == 'outer/v/read:0' and not proto.trainable
    scoped = meta_graph.variable_to_proto(v, export_scope='outer')
    assert scoped.variable_name == 'v:0' and scoped.initializer_name == 'v/Assign'
    assert meta_graph.variable_to_proto(v, export_scope='elsewhere') is None
    again = meta_graph.variable_from_proto(scoped, import_scope='outer')
    assert again.op is v.op and again.initializer is v.initializer and not again.trainable


def test_read_errors(tmp_path):
    with pytest.raises(IOError, match='File does not exist. Received: '):
        meta_graph.read_meta_graph_file(str(tmp_path / 'nope.meta'))
    bad = tmp_path / 'bad.meta'
    bad.write_bytes(b'this is { not a proto')
    with pytest.raises(IOError, match='Cannot parse file'):
        meta_graph.read_meta_graph_file(str(bad))


# ------------------------------------------------------------------------------------------
# TensorFlow's files.

def test_tensorflow_golden_meta_graph_and_checkpoint(caplog):
    path = os.path.join(GOLDEN, 'model.ckpt-3')
    with caplog.at_level(logging.WARNING, logger='sluice'):
        saver = meta_graph.import_meta_graph(path + '.meta')
    assert caplog.records == []  # TF 2.x's grad_a/grad_b hints are dropped silently
    assert [v.name for v in tf.global_variables()] == ['layer/W:0', 'layer/b:0', 'global_step:0']
    assert [v.name for v in tf.trainable_variables()] == ['layer/W:0', 'layer/b:0']
    assert [op.name for op in tf.get_collection(GraphKeys.TRAIN_OP)] == ['train', 'train']
    assert tf.get_collection('steps') == [3, 7] and tf.get_collection('note') == [b'golden']
    assert [t.name for t in tf.get_collection('outputs')] == ['pred:0']
    check_restored_model(saver, path)


@pytest.fixture(scope='module')
def real_tf():
    real = pytest.importorskip('tensorflow.compat.v1')
    real.disable_v2_behavior()
    return real


@pytest.mark.tf
def test_tensorflow_imports_sluice_meta_graph_and_restores(tmp_path, real_tf):
    path = train_and_save(str(tmp_path))
    with real_tf.Graph().as_default() as g:
        saver = real_tf.train.import_meta_graph(path + '.meta')
        assert [v.name for v in real_tf.trainable_variables()] == ['layer/W:0', 'layer/b:0']
        assert real_tf.get_collection('steps') == [3, 7]
        with real_tf.Session() as sess:
            saver.restore(sess, path)
            w, b, pred = sess.run(['layer/W:0', 'layer/b:0', 'pred:0'], {'x:0': X})
            np.testing.assert_array_equal(w, TF_META_W3)
            np.testing.assert_array_equal(b, TF_META_B3)
            np.testing.assert_allclose(pred, TF_META_PRED3, rtol=1e-6)
            sess.run(g.get_collection('train_op')[0], {'x:0': X, 'y:0': Y})
            np.testing.assert_allclose(sess.run('layer/W:0'), TF_META_W4, rtol=1e-6)
