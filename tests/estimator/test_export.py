"""Estimator.export_saved_model: a trained Estimator's PREDICT graph as a SavedModel that sluice's and
TensorFlow's loaders serve, giving what estimator.predict gives; signatures, directory layout and errors
as TF 1.15 (tensorflow_estimator export_lib / model_utils)."""
import os

import numpy as np
import pytest

import sluice as tf

Est = tf.estimator
RNG = np.random.RandomState(5)
X = RNG.randn(40, 3).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int32)
X_SERVE = RNG.randn(5, 3).astype(np.float32)


def model_fn(features, labels, mode, params):
    w = tf.get_variable('w', [3, 2], initializer=tf.constant_initializer([[1., -1.], [.5, .5], [-.2, .3]]))
    b = tf.get_variable('b', [2], initializer=tf.zeros_initializer())
    logits = tf.matmul(features['x'], w) + b
    probabilities = tf.nn.softmax(logits)
    predictions = {'classes': tf.argmax(logits, axis=1), 'probabilities': probabilities}
    if mode == Est.ModeKeys.PREDICT:
        export_outputs = None
        if params.get('outputs'):
            export_outputs = {
                'serving_default': Est.export.PredictOutput(predictions),
                'classify': Est.export.ClassificationOutput(scores=probabilities),
                'regress': Est.export.RegressionOutput(value=probabilities[:, 1])}
        return Est.EstimatorSpec(mode, predictions=predictions, export_outputs=export_outputs)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=tf.train.get_global_step())
    return Est.EstimatorSpec(mode, loss=loss, train_op=train_op)


def _trained(tmp_path, **params):
    est = Est.Estimator(model_fn, model_dir=str(tmp_path / 'model'), params=params)
    est.train(Est.inputs.numpy_input_fn({'x': X}, Y, batch_size=8, num_epochs=None, shuffle=False), steps=5)
    return est


def _predicted(est):
    out = est.predict(Est.inputs.numpy_input_fn({'x': X_SERVE}, shuffle=False, batch_size=5),
                      yield_single_examples=False)
    return next(iter(out))


def _raw_receiver():
    return Est.export.build_raw_serving_input_receiver_fn({'x': tf.placeholder(tf.float32, [None, 3], name='x')})


def _serve(module, export_dir, feeds_by_input, signature_key='serving_default'):
    with module.Graph().as_default(), module.Session() as sess:
        meta = module.saved_model.loader.load(sess, ['serve'], export_dir)
        signature = meta.signature_def[signature_key]
        feed = {signature.inputs[k].name: v for k, v in feeds_by_input.items()}
        names = sorted(signature.outputs)
        values = sess.run([signature.outputs[k].name for k in names], feed)
        return dict(zip(names, values)), meta


def test_export_layout_and_sluice_serving_equals_predict(tmp_path):
    est = _trained(tmp_path)
    base = str(tmp_path / 'export')
    path = est.export_saved_model(base, _raw_receiver())
    assert isinstance(path, bytes) and os.path.dirname(path) == base.encode()
    assert os.path.basename(path).isdigit()
    assert sorted(os.listdir(base)) == [os.path.basename(path).decode()]
    assert os.path.exists(os.path.join(path, b'saved_model.pb'))
    assert os.path.exists(os.path.join(path, b'variables', b'variables.index'))
    served, meta = _serve(tf, path, {'x': X_SERVE})
    assert list(meta.signature_def) == ['serving_default']
    assert meta.signature_def['serving_default'].method_name == 'tensorflow/serving/predict'
    expected = _predicted(est)
    np.testing.assert_allclose(served['probabilities'], expected['probabilities'], rtol=1e-6)
    np.testing.assert_array_equal(served['classes'], expected['classes'])
    # the restored weights are the trained ones, not the initial values
    np.testing.assert_allclose(est.get_variable_value('w'), tf.train.load_variable(
        os.path.join(path, b'variables', b'variables').decode(), 'w'))


@pytest.mark.tf
def test_tensorflow_serves_the_export(tmp_path):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    est = _trained(tmp_path)
    path = est.export_savedmodel(str(tmp_path / 'export'), _raw_receiver())
    served, _ = _serve(tf1, path, {'x': X_SERVE})
    expected = _predicted(est)
    np.testing.assert_allclose(served['probabilities'], expected['probabilities'], rtol=1e-6)
    np.testing.assert_array_equal(served['classes'], expected['classes'])


def _examples(x):
    return [tf.train.Example(features=tf.train.Features(feature={
        'x': tf.train.Feature(float_list=tf.train.FloatList(value=row))})).SerializeToString() for row in x]


def test_parsing_receiver_with_classify_regress_and_predict_signatures(tmp_path):
    est = _trained(tmp_path, outputs=True)
    receiver_fn = Est.export.build_parsing_serving_input_receiver_fn({'x': tf.FixedLenFeature([3], tf.float32)})
    path = est.export_saved_model(str(tmp_path / 'export'), receiver_fn)
    expected = _predicted(est)
    served, meta = _serve(tf, path, {'examples': _examples(X_SERVE)})
    assert sorted(meta.signature_def) == ['classify', 'regress', 'serving_default']
    assert meta.signature_def['classify'].inputs['inputs'].name == 'input_example_tensor:0'
    np.testing.assert_allclose(served['probabilities'], expected['probabilities'], rtol=1e-6)
    scores, _ = _serve(tf, path, {'inputs': _examples(X_SERVE)}, 'classify')
    np.testing.assert_allclose(scores['scores'], expected['probabilities'], rtol=1e-6)
    values, _ = _serve(tf, path, {'inputs': _examples(X_SERVE)}, 'regress')
    np.testing.assert_allclose(values['outputs'], expected['probabilities'][:, 1], rtol=1e-6)


def test_signatures_that_cannot_be_served_are_left_out(tmp_path):
    est = _trained(tmp_path, outputs=True)
    path = est.export_saved_model(str(tmp_path / 'export'), _raw_receiver())  # a float input: no classify/regress
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ['serve'], path)
    assert list(meta.signature_def) == ['serving_default']


def test_receivers_wrap_single_tensors_and_check_types():
    x = tf.placeholder(tf.float32, [None, 2])
    receiver = Est.export.ServingInputReceiver(x, x)
    assert receiver.features == {'feature': x} and receiver.receiver_tensors == {'input': x}
    assert Est.export.TensorServingInputReceiver(x, x).features is x
    with pytest.raises(ValueError, match='receiver_tensor input must be a Tensor or SparseTensor'):
        Est.export.ServingInputReceiver(x, [1.0])
    with pytest.raises(ValueError, match='features must be defined'):
        Est.export.ServingInputReceiver(None, x)
    raw = Est.export.build_raw_serving_input_receiver_fn({'a': x}, default_batch_size=4)()
    assert raw.receiver_tensors['a'].shape.as_list() == [4, 2] and raw.receiver_tensors['a'].op.type == 'Placeholder'


def test_assets_extra_and_errors(tmp_path):
    est = Est.Estimator(model_fn, model_dir=str(tmp_path / 'model'), params={})
    with pytest.raises(ValueError, match="Couldn't find trained model"):
        est.export_saved_model(str(tmp_path / 'export'), _raw_receiver())
    est.train(Est.inputs.numpy_input_fn({'x': X}, Y, batch_size=8, num_epochs=None, shuffle=False), steps=1)
    source = tmp_path / 'vocab.txt'
    source.write_text('a\nb\n')
    path = est.export_saved_model(str(tmp_path / 'export'), _raw_receiver(),
                                  assets_extra={'sub/vocab.txt': str(source)}, as_text=True)
    assert open(os.path.join(path, b'assets.extra', b'sub', b'vocab.txt')).read() == 'a\nb\n'
    assert os.path.exists(os.path.join(path, b'saved_model.pbtxt'))
