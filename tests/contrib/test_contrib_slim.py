"""tf.contrib.slim: the seed tutorial's arg_scope and batch-norm fragments run unchanged and train,
slim.losses (contrib's argument order and weighting), slim.learning.create_train_op, the variable
helpers, and a slim model's checkpoint restored in TensorFlow (a graph of tf.get_variable with the same
names) to the same outputs, and back."""
import threading

import numpy as np
import pytest

import sluice as tf

slim = tf.contrib.slim
RNG = np.random.RandomState(7)


def test_seed_fragments_run_unchanged():
    # The seed's own lines (002): its arg_scope over conv2d/fully_connected with a user activation, its
    # batch-normalized conv with the UPDATE_OPS dependency, and slim.losses' add_loss/get_total_loss.
    def leaky_relu(alpha):
        return lambda x: tf.maximum(alpha * x, x)
    alpha = 0.1
    x = tf.placeholder(tf.float32, [None, 12, 12, 1])
    y = tf.placeholder(tf.float32, [None, 3])
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        activation_fn=leaky_relu(alpha),
                        weights_initializer=tf.truncated_normal_initializer(0.0, 0.01),
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        net = slim.conv2d(x, 8, 3, scope='conv0')
        net = slim.conv2d(net, 32, 5, padding='SAME', activation_fn=tf.nn.relu, normalizer_fn=slim.batch_norm,
                          scope='conv1')
        net = slim.fully_connected(slim.flatten(net), 3, activation_fn=None, scope='logits')
    slim.losses.add_loss(tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=net)))
    total_loss = slim.losses.get_total_loss()

    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train_step = tf.train.GradientDescentOptimizer(0.01).minimize(total_loss)

    assert len(update_ops) == 2
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 3
    assert [v.op.name for v in slim.get_model_variables()] == [
        'conv0/weights', 'conv0/biases', 'conv1/weights', 'conv1/BatchNorm/beta', 'conv1/BatchNorm/moving_mean',
        'conv1/BatchNorm/moving_variance', 'logits/weights', 'logits/biases']
    conv0 = tf.get_default_graph().get_operation_by_name('conv0/BiasAdd').outputs[0]
    assert net.op.type == 'BiasAdd'
    xs = RNG.rand(16, 12, 12, 1).astype(np.float32)
    ys = np.eye(3)[RNG.randint(0, 3, 16)]
    moving_mean = slim.get_variables_by_name('moving_mean')[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        pre, activated = sess.run([conv0, tf.get_default_graph().get_tensor_by_name('conv0/Maximum:0')], {x: xs})
        np.testing.assert_allclose(activated, np.maximum(0.1 * pre, pre), rtol=1e-6)
        losses = [sess.run([total_loss, train_step], {x: xs, y: ys})[0] for _ in range(15)]
        assert losses[-1] < losses[0]
        assert np.abs(sess.run(moving_mean)).sum() > 0


def test_losses_take_predictions_first_and_weight_leading_axes():
    logits = tf.constant(RNG.randn(4, 3).astype(np.float32))
    onehot = tf.constant(np.eye(3, dtype=np.float32)[[0, 2, 1, 1]])
    xent = slim.losses.softmax_cross_entropy(logits, onehot, weights=tf.constant([1.0, 0.0, 2.0, 1.0]))
    sparse = slim.losses.sparse_softmax_cross_entropy(logits, tf.constant([0, 2, 1, 1]))
    pred = tf.constant(RNG.randn(4, 2).astype(np.float32))
    target = tf.constant(RNG.randn(4, 2).astype(np.float32))
    mse = slim.losses.mean_squared_error(pred, target, weights=tf.constant([1.0, 0.0, 1.0, 3.0]))
    hinge = slim.losses.hinge_loss(pred, tf.constant([[0.0, 1.0]] * 4))
    assert slim.losses.get_losses() == [xent, sparse, mse]
    w = tf.get_variable('w', [2], regularizer=slim.l2_regularizer(0.5))
    total = slim.losses.get_total_loss()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        lv, ov, pv, tv, wv = sess.run([logits, onehot, pred, target, w])
        x, s, m, h, t = sess.run([xent, sparse, mse, hinge, total])
    per = -np.sum(ov * (lv - np.log(np.exp(lv).sum(1, keepdims=True))), 1)
    np.testing.assert_allclose(x, (per * [1, 0, 2, 1]).sum() / 3, rtol=1e-5)
    np.testing.assert_allclose(s, per.mean(), rtol=1e-5)
    sq = (pv - tv) ** 2 * np.array([1, 0, 1, 3.0])[:, None]
    np.testing.assert_allclose(m, sq.sum() / 6, rtol=1e-5)
    np.testing.assert_allclose(h, np.maximum(0, 1 - np.array([-1.0, 1.0]) * pv), rtol=1e-6)
    np.testing.assert_allclose(t, x + s + m + 0.5 * np.sum(wv ** 2) / 2, rtol=1e-5)


def test_create_train_op_waits_for_updates_and_steps():
    x = tf.placeholder(tf.float32, [8, 5])
    net = slim.fully_connected(x, 4, normalizer_fn=slim.batch_norm, normalizer_params={'decay': 0.5})
    loss = tf.reduce_mean(tf.square(slim.fully_connected(net, 1, activation_fn=None) - 1.0))
    train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.1), clip_gradient_norm=1.0,
                                             gradient_multipliers={'fully_connected/weights': 0.0},
                                             summarize_gradients=True)
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP)[-1] is train_op  # after the optimizer's own op, as in TF
    assert tf.get_default_graph().get_operation_by_name('update_barrier').type == 'NoOp'
    frozen = slim.get_unique_variable('fully_connected/weights')
    moving = slim.get_variables('fully_connected/BatchNorm', suffix='moving_mean')[0]
    value = RNG.randn(8, 5).astype(np.float32) + 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(frozen)
        losses = [sess.run(train_op, {x: value}) for _ in range(10)]
        assert losses[-1] < losses[0]
        np.testing.assert_array_equal(sess.run(frozen), before)   # multiplier 0
        assert np.abs(sess.run(moving)).sum() > 0
        assert sess.run(tf.train.get_global_step()) == 10


def test_variable_helpers():
    with tf.variable_scope('net'):
        slim.conv2d(tf.placeholder(tf.float32, [1, 4, 4, 2]), 3, 3, scope='conv1')
        slim.fully_connected(tf.placeholder(tf.float32, [1, 3]), 2, scope='logits')
    slim.variable('plain', [1], collections=['mine'])
    local = slim.local_variable([1.0], name='counter')
    names = lambda vs: [v.op.name for v in vs]  # noqa: E731
    assert names(slim.get_variables_to_restore(exclude=['net/logits'])) == ['net/conv1/weights', 'net/conv1/biases']
    assert names(slim.get_variables_to_restore(include=['net/logits'])) == ['net/logits/weights', 'net/logits/biases']
    assert names(slim.get_variables_by_name('biases')) == ['net/conv1/biases', 'net/logits/biases']
    assert names(slim.get_variables_by_suffix('weights', scope='net/conv')) == ['net/conv1/weights']
    assert names(slim.get_trainable_variables('net/logits')) == ['net/logits/weights', 'net/logits/biases']
    assert names(tf.get_collection('mine')) == ['plain'] and slim.get_model_variables('plain') == []
    assert slim.get_local_variables() == [local]
    assert names(slim.filter_variables(tf.global_variables(), include_patterns=['conv'],
                                       exclude_patterns=['biases'])) == ['net/conv1/weights']
    with pytest.raises(TypeError, match='include is provided but is not a list or a tuple'):
        slim.get_variables_to_restore(include='net')
    with pytest.raises(ValueError, match="Couldn't find variable"):
        slim.get_unique_variable('nothing')


def _slim_net(images, is_training):
    with slim.arg_scope([slim.conv2d, slim.fully_connected], weights_regularizer=slim.l2_regularizer(1e-4)):
        net = slim.conv2d(images, 4, 3, normalizer_fn=slim.batch_norm,
                          normalizer_params={'is_training': is_training, 'scale': True, 'decay': 0.5},
                          scope='conv1')
        net = slim.max_pool2d(net, 2)
        net = slim.conv2d(net, 6, 3, scope='conv2')
        return slim.fully_connected(slim.flatten(net), 5, activation_fn=None, scope='logits')


_SHAPES = {'conv1/weights': [3, 3, 1, 4], 'conv1/BatchNorm/gamma': [4], 'conv1/BatchNorm/beta': [4],
           'conv1/BatchNorm/moving_mean': [4], 'conv1/BatchNorm/moving_variance': [4],
           'conv2/weights': [3, 3, 4, 6], 'conv2/biases': [6], 'logits/weights': [54, 5], 'logits/biases': [5]}


def _tf_net(tf1, images):
    """The same network in TensorFlow's core ops, inference mode, over tf.get_variable's variables."""
    v = {name: tf1.get_variable(name, shape, initializer=tf1.random_uniform_initializer(0.5, 1.5))
         for name, shape in _SHAPES.items()}
    net = tf1.nn.conv2d(images, v['conv1/weights'], [1, 1, 1, 1], 'SAME')
    net = tf1.nn.batch_normalization(net, v['conv1/BatchNorm/moving_mean'], v['conv1/BatchNorm/moving_variance'],
                                     v['conv1/BatchNorm/beta'], v['conv1/BatchNorm/gamma'], 0.001)
    net = tf1.nn.max_pool(tf1.nn.relu(net), [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
    net = tf1.nn.relu(tf1.nn.bias_add(tf1.nn.conv2d(net, v['conv2/weights'], [1, 1, 1, 1], 'SAME'),
                                      v['conv2/biases']))
    net = tf1.reshape(net, [-1, 54])
    return tf1.matmul(net, v['logits/weights']) + v['logits/biases']


@pytest.mark.tf
def test_slim_checkpoint_restores_in_tensorflow_and_back(tmp_path):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    images = RNG.rand(3, 6, 6, 1).astype(np.float32)
    # sluice trains (so the moving statistics move) and saves
    training = tf.placeholder_with_default(True, [])
    ours = _slim_net(tf.constant(images), training)
    train = slim.learning.create_train_op(tf.reduce_sum(tf.square(ours)), tf.train.GradientDescentOptimizer(0.01))
    saver = tf.train.Saver(slim.get_model_variables())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        ours_value = sess.run(ours, {training: False})
        path = saver.save(sess, str(tmp_path / 'slim.ckpt'))
    g = tf1.Graph()
    with g.as_default():
        theirs = _tf_net(tf1, tf1.constant(images))
        with tf1.Session(graph=g) as sess:
            tf1.train.Saver().restore(sess, path)
            np.testing.assert_allclose(sess.run(theirs), ours_value, rtol=1e-4, atol=1e-5)
            # and back: TensorFlow's own values, saved by TensorFlow, restored by slim
            sess.run(tf1.global_variables_initializer())
            theirs_value = sess.run(theirs)
            tf_path = tf1.train.Saver().save(sess, str(tmp_path / 'tf.ckpt'))
    tf.reset_default_graph()
    restored = _slim_net(tf.constant(images), False)
    restore = slim.assign_from_checkpoint_fn(tf_path, slim.get_variables_to_restore())
    with tf.Session() as sess:
        restore(sess)
        np.testing.assert_allclose(sess.run(restored), theirs_value, rtol=1e-4, atol=1e-5)
    assign_op, feed = slim.assign_from_checkpoint(tf_path, slim.get_model_variables('conv2'))
    assert len(feed) == 2


def test_assign_from_checkpoint_fn_ignores_missing_variables(tmp_path):
    a = tf.get_variable('a', [2], initializer=tf.constant_initializer(3.0))
    with tf.Session() as sess:
        sess.run(a.initializer)
        path = tf.train.Saver([a]).save(sess, str(tmp_path / 'a.ckpt'))
    tf.reset_default_graph()
    a = tf.get_variable('a', [2])
    b = tf.get_variable('b', [2])
    with pytest.raises(ValueError, match='Checkpoint is missing variable'):
        slim.assign_from_checkpoint(path, [a, b])
    restore = slim.assign_from_checkpoint_fn(path, [a, b], ignore_missing_vars=True)
    assign_op, feed = slim.assign_from_values({'b': np.array([7.0, 8.0], np.float32)})
    with tf.Session() as sess:
        restore(sess)
        sess.run(assign_op, feed)
        assert sess.run(a).tolist() == [3.0, 3.0] and sess.run(b).tolist() == [7.0, 8.0]
    assert slim.assign_from_checkpoint_fn(path, [b], ignore_missing_vars=True) is None


def test_missing_slim_names_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.slim.evaluation'):
        slim.evaluation
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.nothing_here'):
        tf.contrib.nothing_here


def test_prefetch_queue_prefetches_named_tensors():
    images = tf.random_uniform([4, 2])
    queue = slim.prefetch_queue.prefetch_queue({'labels': tf.range(4), 'images': images}, capacity=3,
                                               num_threads=2)
    out = queue.dequeue()
    assert out['images'].get_shape().as_list() == [4, 2] and out['labels'].dtype == tf.int32
    assert [t.op.name for t in tf.get_collection(tf.GraphKeys.SUMMARIES)] == ['prefetch_queue/fraction_of_3_full']
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert sess.run(out)['labels'].tolist() == [0, 1, 2, 3]
        coord.request_stop()
        sess.run(queue.close(cancel_pending_enqueues=True))
        coord.join(threads)


def test_end_points_through_outputs_collections():
    collection = 'net_end_points'
    with slim.arg_scope([slim.conv2d, slim.max_pool2d], outputs_collections=collection):
        net = slim.conv2d(tf.placeholder(tf.float32, [1, 8, 8, 3]), 4, 3, scope='conv1')
        net = slim.max_pool2d(net, 2, scope='pool1')
    end_points = slim.utils.convert_collection_to_dict(collection)
    assert list(end_points) == ['conv1', 'pool1'] and end_points['pool1'] is net


def test_slim_model_on_each_device_matches_the_cpu(device):
    images = RNG.rand(2, 6, 6, 1).astype(np.float32)

    def run(where):
        g = tf.Graph()
        with g.as_default(), tf.device(where):
            tf.set_random_seed(11)
            training = tf.placeholder(tf.bool, [])
            logits = _slim_net(tf.constant(images), training)
            grads = tf.gradients(tf.reduce_sum(logits * logits), tf.trainable_variables())
            updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                out = sess.run([logits, grads, updates], {training: True})
                return out + [sess.run(logits, {training: False})]
    ours, cpu = run(device), run('/cpu:0')
    np.testing.assert_allclose(ours[0], cpu[0], rtol=1e-4, atol=1e-5)
    for a, b in zip(ours[1] + ours[2], cpu[1] + cpu[2]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours[3], cpu[3], rtol=1e-4, atol=1e-5)


def test_missing_learning_names_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.slim.learning.train_loop'):
        slim.learning.train_loop


def _regression_train_op():
    rng = np.random.RandomState(0)  # the same data in both runs
    x = tf.constant(rng.randn(32, 3).astype(np.float32))
    y = tf.constant(rng.randn(32, 1).astype(np.float32))
    pred = slim.fully_connected(x, 1, activation_fn=None, normalizer_fn=slim.batch_norm,
                                normalizer_params={'scale': True})
    slim.losses.mean_squared_error(pred, y)
    total = slim.losses.get_total_loss()
    tf.summary.scalar('total_loss', total)
    return slim.learning.create_train_op(total, tf.train.GradientDescentOptimizer(0.1))


def test_learning_train_runs_saves_and_resumes(tmp_path):
    logdir = str(tmp_path / 'train')
    calls = []
    first = slim.learning.train(_regression_train_op(), logdir, number_of_steps=5, log_every_n_steps=2,
                                init_fn=lambda sess: calls.append(sess))
    assert len(calls) == 1 and isinstance(first, np.floating)
    assert tf.train.latest_checkpoint(logdir).endswith('model.ckpt-5')
    assert any(name.startswith('events.out.tfevents') for name in __import__('os').listdir(logdir))
    tf.reset_default_graph()
    second = slim.learning.train(_regression_train_op(), logdir, number_of_steps=9,
                                 init_fn=lambda sess: calls.append(sess))
    assert len(calls) == 1  # restored from the checkpoint instead of initialized
    assert tf.train.latest_checkpoint(logdir).endswith('model.ckpt-9')
    assert second < first
    with pytest.raises(ValueError, match='`number_of_steps` must be either None or a positive number'):
        slim.learning.train(tf.no_op(), logdir, number_of_steps=0)


def test_learning_train_stops_when_the_input_queue_runs_out(tmp_path):
    data = RNG.randn(12, 3).astype(np.float32)
    (row,) = tf.train.slice_input_producer([tf.constant(data)], num_epochs=2, shuffle=False)
    batch = tf.train.batch([row], batch_size=4)
    loss = tf.reduce_mean(tf.square(slim.fully_connected(batch, 1, activation_fn=None)))
    train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.01))
    before = set(threading.enumerate())
    slim.learning.train(train_op, str(tmp_path), save_summaries_secs=0.0)
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive() and 'blas' not in t.name]
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith('model.ckpt-6')  # 2 epochs of 3 batches
