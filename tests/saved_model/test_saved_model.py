"""SavedModels: sluice writes what TF loads and serves, and loads what TF writes (tf.compat.v1)."""
import os

import numpy as np
import pytest

import sluice as tf

_X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], np.float32)


def _model(tf_module):
    x = tf_module.placeholder(tf_module.float32, [None, 3], name='x')
    w = tf_module.get_variable('w', initializer=np.arange(6, dtype=np.float32).reshape(3, 2) / 7.0)
    b = tf_module.get_variable('b', initializer=np.array([0.5, -0.25], np.float32))
    y = tf_module.nn.relu(tf_module.matmul(x, w) + b, name='y')
    return x, y, [w, b]


def _expected():
    w = np.arange(6, dtype=np.float32).reshape(3, 2) / 7.0
    return np.maximum(_X @ w + np.array([0.5, -0.25], np.float32), 0)


def _sluice_export(export_dir, **kw):
    g = tf.Graph()
    with g.as_default(), tf.Session() as sess:
        x, y, variables = _model(tf)
        sess.run(tf.global_variables_initializer())
        sess.run(variables[1].assign([1.5, -0.25]))  # trained values, not the initial ones, must travel
        tf.saved_model.simple_save(sess, export_dir, inputs={'x': x}, outputs={'y': y}, **kw)


def _trained():
    return np.maximum(_X @ (np.arange(6, dtype=np.float32).reshape(3, 2) / 7.0) + np.array([1.5, -0.25]), 0)


def test_layout_and_round_trip_in_sluice(tmp_path):
    export_dir = str(tmp_path / 'model')
    _sluice_export(export_dir)
    assert sorted(os.listdir(export_dir)) == ['saved_model.pb', 'variables']
    assert sorted(os.listdir(os.path.join(export_dir, 'variables'))) == [
        'variables.data-00000-of-00001', 'variables.index']
    g = tf.Graph()
    with g.as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
        signature = meta.signature_def['serving_default']
        assert signature.method_name == 'tensorflow/serving/predict'
        x = tf.saved_model.utils.get_tensor_from_tensor_info(signature.inputs['x'])
        y = tf.saved_model.utils.get_tensor_from_tensor_info(signature.outputs['y'])
        np.testing.assert_allclose(sess.run(y, {x: _X}), _trained(), rtol=1e-6)
        assert tf.saved_model.signature_def_utils.is_valid_signature(signature)


def test_errors_as_tf(tmp_path):
    export_dir = str(tmp_path / 'model')
    _sluice_export(export_dir)
    with pytest.raises(AssertionError, match="Export directory already exists, and isn't empty"):
        tf.saved_model.builder.SavedModelBuilder(export_dir)
    with tf.Graph().as_default(), tf.Session() as sess:
        with pytest.raises(RuntimeError, match="MetaGraphDef associated with tags 'train' could not be found"):
            tf.saved_model.loader.load(sess, ['train'], export_dir)
    with pytest.raises(IOError, match='SavedModel file does not exist at'):
        tf.saved_model.loader.load(tf.Session(graph=tf.Graph()), ['serve'], str(tmp_path))
    with pytest.raises(ValueError, match='Prediction inputs cannot be None or empty.'):
        tf.saved_model.signature_def_utils.predict_signature_def({}, {'y': 1})
    assert not tf.saved_model.loader.maybe_saved_model_directory(str(tmp_path))
    assert tf.saved_model.loader.maybe_saved_model_directory(export_dir)


def test_main_op_and_assets(tmp_path):
    vocab = tmp_path / 'vocab.txt'
    vocab.write_text('a\nb\n')
    export_dir = str(tmp_path / 'model')
    g = tf.Graph()
    with g.as_default(), tf.Session() as sess:
        x, y, _ = _model(tf)
        counter = tf.get_variable('counter', initializer=0, trainable=False,
                                  collections=[tf.GraphKeys.LOCAL_VARIABLES])
        path = tf.constant(str(vocab), name='vocab_path')
        tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, path)
        sess.run(tf.global_variables_initializer())
        builder = tf.saved_model.builder.SavedModelBuilder(export_dir)
        builder.add_meta_graph_and_variables(sess, ['serve'], main_op=tf.saved_model.main_op.main_op(),
                                             assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS))
        builder.add_meta_graph(['eval'])
        builder.save()
    assert (tmp_path / 'model' / 'assets' / 'vocab.txt').read_text() == 'a\nb\n'
    for tags in (['serve'], ['eval']):
        with tf.Graph().as_default() as g2, tf.Session() as sess:
            tf.saved_model.loader.load(sess, tags, export_dir)
            assert sess.run(g2.get_tensor_by_name('counter:0')) == 0  # the main op ran
            np.testing.assert_allclose(sess.run('y:0', {'x:0': _X}), _expected(), rtol=1e-6)


@pytest.mark.tf
def test_tensorflow_loads_a_sluice_saved_model(tmp_path):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    export_dir = str(tmp_path / 'model')
    _sluice_export(export_dir)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        meta = tf1.saved_model.loader.load(sess, ['serve'], export_dir)
        signature = meta.signature_def['serving_default']
        out = sess.run(signature.outputs['y'].name, {signature.inputs['x'].name: _X})
    np.testing.assert_allclose(out, _trained(), rtol=1e-6)


@pytest.mark.tf
def test_sluice_loads_a_tensorflow_saved_model(tmp_path):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    export_dir = str(tmp_path / 'model')
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x, y, variables = _model(tf1)
        sess.run(tf1.global_variables_initializer())
        sess.run(variables[1].assign([1.5, -0.25]))
        tf1.saved_model.simple_save(sess, export_dir, inputs={'x': x}, outputs={'y': y})
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ['serve'], export_dir)
        signature = meta.signature_def['serving_default']
        out = sess.run(signature.outputs['y'].name, {signature.inputs['x'].name: _X})
    np.testing.assert_allclose(out, _trained(), rtol=1e-6)
