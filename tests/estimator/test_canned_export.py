"""A canned classifier exported with a parsing serving input (make_parse_example_spec) serves the same
probabilities as Estimator.predict, loaded by sluice and by TF."""
import numpy as np
import pytest

import sluice as tf
from canned_reference import full_batch

X = np.array([[1., 2.], [-1., 0.5], [0., 3.]], np.float32)
C = np.array([['a'], ['b'], ['zz']])


def _examples():
    out = []
    for x, c in zip(X, C):
        feature = {'x': tf.train.Feature(float_list=tf.train.FloatList(value=list(x))),
                   'c': tf.train.Feature(bytes_list=tf.train.BytesList(value=[c[0].encode()]))}
        out.append(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    return out


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    fc = tf.feature_column
    color = fc.categorical_column_with_vocabulary_list('c', ['a', 'b'], num_oov_buckets=1)
    cols = [fc.numeric_column('x', shape=(2,)), fc.embedding_column(color, 2)]
    est = tf.estimator.DNNLinearCombinedClassifier(
        model_dir=str(tmp_path_factory.mktemp('model')), linear_feature_columns=[color], dnn_feature_columns=cols,
        dnn_hidden_units=[3], label_vocabulary=['no', 'yes'])
    est.train(full_batch({'x': X, 'c': C}, np.array([['yes'], ['no'], ['yes']])), steps=3)
    expected = np.array([p['probabilities'] for p in est.predict(full_batch({'x': X, 'c': C}, epochs=1))])
    receiver = tf.estimator.export.build_parsing_serving_input_receiver_fn(
        fc.make_parse_example_spec(cols + [color]))
    path = est.export_saved_model(str(tmp_path_factory.mktemp('export')), receiver)
    return (path.decode() if isinstance(path, bytes) else path), expected


def _serve(m, path):
    with m.Graph().as_default(), m.Session() as sess:
        meta = m.saved_model.loader.load(sess, ['serve'], path)
        assert {'serving_default', 'classification', 'regression', 'predict'} <= set(meta.signature_def)
        predict = meta.signature_def['predict']
        classify = meta.signature_def['classification']
        return sess.run([predict.outputs['probabilities'].name, classify.outputs['classes'].name],
                        {predict.inputs['examples'].name: _examples(),
                         classify.inputs['inputs'].name: _examples()})


def test_sluice_serves_the_predictions(exported):
    path, expected = exported
    probabilities, classes = _serve(tf, path)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    np.testing.assert_array_equal(classes, [[b'no', b'yes']] * 3)


@pytest.mark.tf
def test_tensorflow_serves_the_predictions(exported):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    path, expected = exported
    probabilities, classes = _serve(tf1, path)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    np.testing.assert_array_equal(classes, [[b'no', b'yes']] * 3)
