"""tf.estimator.Estimator: an MNIST-style classifier on small synthetic data trains, evaluates, predicts and
resumes from its model_dir; the files land where TF 1.15 writes them; the numbers equal the same model
trained in a plain Session on the same batches.
"""
import os

import numpy as np
import pytest

import sluice as tf

Est = tf.estimator
N_CLASSES, SIDE = 4, 6


def _data(n=96, seed=0):
    """Images whose class is the quadrant holding a bright square, plus noise."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, N_CLASSES, size=n).astype(np.int32)
    images = rng.rand(n, SIDE, SIDE, 1).astype(np.float32) * 0.2
    half = SIDE // 2
    for i, c in enumerate(labels):
        r, col = (c // 2) * half, (c % 2) * half
        images[i, r:r + half, col:col + half, 0] += 1.0
    return images, labels


_INIT = np.random.RandomState(42)
CONV_W = (_INIT.randn(3, 3, 1, 4) * 0.3).astype(np.float32)
DENSE_W = (_INIT.randn(3 * 3 * 4, N_CLASSES) * 0.3).astype(np.float32)


def _logits(images):
    conv_w = tf.get_variable('conv/w', initializer=tf.constant(CONV_W))
    conv_b = tf.get_variable('conv/b', [4], initializer=tf.zeros_initializer())
    net = tf.nn.relu(tf.nn.conv2d(images, conv_w, [1, 1, 1, 1], 'SAME') + conv_b)
    net = tf.nn.max_pool(net, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
    net = tf.reshape(net, [-1, 3 * 3 * 4])
    dense_w = tf.get_variable('dense/w', initializer=tf.constant(DENSE_W))
    dense_b = tf.get_variable('dense/b', [N_CLASSES], initializer=tf.zeros_initializer())
    return tf.matmul(net, dense_w) + dense_b


def model_fn(features, labels, mode, params):
    logits = _logits(features['image'])
    classes = tf.argmax(logits, axis=1)
    if mode == Est.ModeKeys.PREDICT:
        return Est.EstimatorSpec(mode, predictions={'classes': classes, 'probabilities': tf.nn.softmax(logits)})
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(params['learning_rate']).minimize(
        loss, global_step=tf.train.get_global_step())
    metrics = {'accuracy': tf.metrics.accuracy(labels=labels, predictions=classes)}
    return Est.EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops=metrics)


def _train_input(images, labels, batch_size=16):
    return Est.inputs.numpy_input_fn({'image': images}, labels, batch_size=batch_size, num_epochs=None,
                                     shuffle=False)


def _eval_input(images, labels):
    return Est.inputs.numpy_input_fn({'image': images}, labels, batch_size=32, num_epochs=1, shuffle=False)


def _events(path):
    """{tag: [(step, value)]} of the scalar summaries in the event files under `path`."""
    found = {}
    for name in sorted(os.listdir(path)):
        if name.startswith('events.out.tfevents.'):
            for event in tf.train.summary_iterator(os.path.join(path, name)):
                for value in event.summary.value:
                    found.setdefault(value.tag, []).append((event.step, value))
    return found


@pytest.fixture
def estimator(tmp_path):
    config = Est.RunConfig(save_checkpoints_steps=20, save_summary_steps=10, log_step_count_steps=10)
    return Est.Estimator(model_fn, model_dir=str(tmp_path / 'model'), config=config,
                         params={'learning_rate': 0.5})


def test_train_evaluate_predict_and_file_layout(estimator):
    images, labels = _data()
    assert estimator.train(_train_input(images, labels), steps=40) is estimator
    model_dir = estimator.model_dir
    files = sorted(os.listdir(model_dir))
    for step in (0, 20, 40):
        for suffix in ('data-00000-of-00001', 'index', 'meta'):
            assert 'model.ckpt-%d.%s' % (step, suffix) in files
    assert 'checkpoint' in files and 'graph.pbtxt' in files
    assert any(f.startswith('events.out.tfevents.') for f in files)
    with open(os.path.join(model_dir, 'checkpoint')) as f:
        assert f.readline().strip() == 'model_checkpoint_path: "model.ckpt-40"'  # relative, as save_relative_paths
    assert estimator.latest_checkpoint() == os.path.join(model_dir, 'model.ckpt-40')
    train_events = _events(model_dir)
    assert [s for s, _ in train_events['loss']] == [1, 11, 21, 31]
    assert 'global_step/sec' in train_events

    results = estimator.evaluate(_eval_input(images, labels))
    assert set(results) == {'accuracy', 'loss', 'global_step'}
    assert results['global_step'] == 40
    assert results['accuracy'] > 0.9
    eval_events = _events(os.path.join(model_dir, 'eval'))
    assert eval_events['accuracy'][0][0] == 40
    assert eval_events['accuracy'][0][1].simple_value == pytest.approx(float(results['accuracy']))
    assert eval_events['loss'][0][1].simple_value == pytest.approx(float(results['loss']))
    path = eval_events['checkpoint_path'][0][1].tensor.string_val[0].decode()
    assert path == os.path.join(model_dir, 'model.ckpt-40')

    predictions = list(estimator.predict(Est.inputs.numpy_input_fn({'image': images[:10]}, shuffle=False)))
    assert len(predictions) == 10 and set(predictions[0]) == {'classes', 'probabilities'}
    assert predictions[0]['probabilities'].shape == (N_CLASSES,)
    assert np.mean([p['classes'] for p in predictions] == labels[:10]) >= 0.9

    batches = list(estimator.predict(Est.inputs.numpy_input_fn({'image': images[:10]}, batch_size=4,
                                                               shuffle=False),
                                     predict_keys=['classes'], yield_single_examples=False))
    assert [set(b) for b in batches] == [{'classes'}] * 3 and [len(b['classes']) for b in batches] == [4, 4, 2]


def test_resumes_from_model_dir_and_max_steps(estimator, tmp_path):
    images, labels = _data()
    estimator.train(_train_input(images, labels), max_steps=15)
    assert estimator.get_variable_value('global_step') == 15
    again = Est.Estimator(model_fn, model_dir=estimator.model_dir, config=estimator.config,
                          params={'learning_rate': 0.5})
    again.train(_train_input(images, labels), steps=5)
    assert again.get_variable_value('global_step') == 20
    before = again.get_variable_value('dense/w')
    again.train(_train_input(images, labels), max_steps=20)  # already there: skipped
    np.testing.assert_array_equal(again.get_variable_value('dense/w'), before)
    assert sorted(again.get_variable_names()) == ['conv/b', 'conv/w', 'dense/b', 'dense/w', 'global_step']


def test_numbers_equal_a_plain_session(estimator):
    """The Estimator's weights after 25 steps, and its eval loss, against the same training in a Session."""
    images, labels = _data()
    steps, batch = 25, 16
    estimator.train(_train_input(images, labels, batch), steps=steps)
    results = estimator.evaluate(_eval_input(images, labels))

    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, SIDE, SIDE, 1])
    y = tf.placeholder(tf.int32, [None])
    logits = _logits(x)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            rows = np.arange(step * batch, (step + 1) * batch) % len(images)  # the FIFO order, wrapping
            sess.run(train_op, {x: images[rows], y: labels[rows]})
        values = sess.run({v.op.name: v for v in tf.global_variables()})
        batch_losses = [sess.run(loss, {x: images[i:i + 32], y: labels[i:i + 32]}) for i in range(0, 96, 32)]
    for name in ('conv/w', 'conv/b', 'dense/w', 'dense/b'):
        np.testing.assert_allclose(estimator.get_variable_value(name), values[name], rtol=1e-5, atol=1e-6)
    assert float(results['loss']) == pytest.approx(np.mean(batch_losses), rel=1e-5)


def test_evaluate_steps_and_name(estimator):
    images, labels = _data()
    estimator.train(_train_input(images, labels), steps=5)
    results = estimator.evaluate(_train_input(images, labels, 8), steps=3, name='train_data')
    assert results['global_step'] == 5
    assert os.path.isdir(os.path.join(estimator.model_dir, 'eval_train_data'))
    assert estimator.eval_dir('train_data') == os.path.join(estimator.model_dir, 'eval_train_data')


def test_model_fn_gets_only_the_arguments_it_takes(tmp_path):
    seen = {}

    def minimal_model_fn(features, labels):
        seen['args'] = (features.dtype, labels.dtype)
        w = tf.get_variable('w', [], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(features - w))
        return Est.EstimatorSpec(Est.ModeKeys.TRAIN, loss=loss, train_op=tf.train.GradientDescentOptimizer(0.1)
                                 .minimize(loss, global_step=tf.train.get_global_step()))

    e = Est.Estimator(minimal_model_fn, model_dir=str(tmp_path))
    e.train(lambda: (tf.constant([1.0, 3.0]), tf.constant([0, 1])), steps=30)
    assert seen['args'] == (tf.float32, tf.int32)
    assert e.get_variable_value('w') == pytest.approx(2.0, abs=0.01)


def test_dataset_like_input(tmp_path):
    """An input_fn may return an object with make_one_shot_iterator() (tf.data's duck type)."""
    images, labels = _data()

    class Iterator:
        def get_next(self):
            return _eval_input(images, labels)()

    class Dataset:
        def make_one_shot_iterator(self):
            return Iterator()

    e = Est.Estimator(model_fn, model_dir=str(tmp_path), params={'learning_rate': 0.5})
    results = e.evaluate(lambda: Dataset())
    assert results['global_step'] == 0  # no checkpoint: evaluated freshly initialized


def test_errors_as_tf(estimator, tmp_path):
    images, labels = _data()
    with pytest.raises(ValueError, match='Can not provide both steps and max_steps.'):
        estimator.train(_train_input(images, labels), steps=1, max_steps=2)
    with pytest.raises(ValueError, match=r'Must specify steps > 0, given: 0'):
        estimator.train(_train_input(images, labels), steps=0)
    with pytest.raises(ValueError, match=r'Must specify max_steps > 0, given: -1'):
        estimator.train(_train_input(images, labels), max_steps=-1)
    with pytest.raises(TypeError, match='Hooks must be a SessionRunHook'):
        estimator.train(_train_input(images, labels), hooks=[object()], steps=1)
    with pytest.raises(ValueError, match='Could not find trained model in model_dir'):
        estimator.get_variable_value('dense/w')
    with pytest.raises(ValueError, match='must include features argument'):
        Est.Estimator(lambda x, labels: None)
    with pytest.raises(ValueError, match='does not include params argument, but params'):
        Est.Estimator(lambda features: None, params={'a': 1})
    with pytest.raises(ValueError, match=r"has following not expected args: \['extra'\]"):
        Est.Estimator(lambda features, extra: None)
    with pytest.raises(ValueError, match='model_fn does not take labels, but input_fn returns labels.'):
        Est.Estimator(lambda features: None, model_dir=str(tmp_path / 'x')).train(
            lambda: (tf.constant([1.0]), tf.constant([1])), steps=1)
    with pytest.raises(ValueError, match='model_fn should return an EstimatorSpec.'):
        Est.Estimator(lambda features: None, model_dir=str(tmp_path / 'y')).train(
            lambda: tf.constant([1.0]), steps=1)
    with pytest.raises(ValueError, match='input_fn should return \\(features, labels\\) as a len 2 tuple.'):
        estimator.train(lambda: (1, 2, 3), steps=1)
    with pytest.raises(ValueError, match='An input_receiver_fn must be defined.'):
        estimator.export_saved_model('/tmp/x', None)


def test_temporary_model_dir_is_made_and_logged(caplog):
    e = Est.Estimator(model_fn, params={'learning_rate': 0.1})
    assert os.path.isdir(e.model_dir)
    assert any('Using temporary folder as model directory: %s' % e.model_dir in r.getMessage()
               for r in caplog.records)


def test_initializable_dataset_like_input_is_initialized_by_a_hook(tmp_path):
    """An object with make_initializable_iterator(): its initializer runs once the session exists."""
    images, labels = _data(8)

    class Iterator:
        def __init__(self):
            self.offset = tf.Variable(0.0, trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES],
                                      name='offset')
            self.initializer = tf.assign(self.offset, 100.0)

        def get_next(self):
            features = Est.inputs.numpy_input_fn({'image': images}, batch_size=8, shuffle=False)()
            return {'image': features['image'] + self.offset}

    class Dataset:
        def make_initializable_iterator(self):
            return Iterator()

    def shift_model_fn(features, mode):
        return Est.EstimatorSpec(mode, predictions=tf.reduce_min(features['image'], axis=[1, 2, 3]))

    e = Est.Estimator(shift_model_fn, model_dir=str(tmp_path))
    values = list(e.predict(lambda: Dataset()))
    assert len(values) == 8 and min(values) >= 100.0
