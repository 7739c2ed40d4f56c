"""Shape-specialized plans (engine/shape_folding.py): which steps a variant leaves out, and that a
specialized plan gives the plain plan's values, bit for bit, whatever the fed shapes do.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import executor, shape_folding
from sluice.io.protos import RewriterConfig

# One BLAS thread: a product's last bits depend on how many threads share it, which varies with load.
ON = tf.ConfigProto(intra_op_parallelism_threads=1)
OFF = tf.ConfigProto(intra_op_parallelism_threads=1,
                     graph_options=tf.GraphOptions(rewrite_options=RewriterConfig(constant_folding=RewriterConfig.OFF)))


def _specializer(sess, fetches, feeds=()):
    """The plan's ShapeSpecializedRun, or None when its runs are plain."""
    owner = getattr(sess._signature(fetches, tuple(feeds)).plan.run, '__self__', None)
    return owner if isinstance(owner, shape_folding.ShapeSpecializedRun) else None


def _mlp(device='/cpu:0'):
    """The MNIST MLP training step (784-625-625-10, dropout fed keep probabilities, RMSProp)."""
    graph = tf.Graph()
    with graph.as_default(), tf.device(device):
        tf.set_random_seed(7)
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        keep_in, keep = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
        ws = [tf.Variable(tf.random_normal(s, stddev=0.01)) for s in ([784, 625], [625, 625], [625, 10])]
        h = tf.nn.relu(tf.matmul(tf.nn.dropout(x, keep_in), ws[0]))
        h2 = tf.nn.relu(tf.matmul(tf.nn.dropout(h, keep), ws[1]))
        logits = tf.matmul(tf.nn.dropout(h2, keep), ws[2])
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
        train = tf.train.RMSPropOptimizer(0.001, 0.9).minimize(loss)
        init = tf.global_variables_initializer()
    return graph, (x, y, keep_in, keep), loss, train, init, ws


def _batch(n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 784)).astype(np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]


def _train(config, sizes, device='/cpu:0'):
    """(losses, final weights, the train plan's specializer) of one step per batch size in `sizes`."""
    graph, (x, y, keep_in, keep), loss, train, init, ws = _mlp(device)
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        losses = []
        for k, n in enumerate(sizes):
            a, b = _batch(n, k)
            losses.append(sess.run([loss, train], {x: a, y: b, keep_in: 0.8, keep: 0.5})[0])
        return losses, sess.run(ws), _specializer(sess, [loss, train], (x, y, keep_in, keep))


def _assert_same(a, b):
    for u, v in zip(a, b):
        assert np.asarray(u).dtype == np.asarray(v).dtype
        assert np.array_equal(u, v)


def test_mlp_training_equals_the_plain_plan_bit_for_bit(device):
    sizes = [128] * 7
    losses, weights, specializer = _train(ON, sizes, device)
    plain_losses, plain_weights, plain = _train(OFF, sizes, device)
    assert plain is None and specializer is not None
    assert list(specializer.variants) == [((128, 784), (128, 10), (), ())]
    # the shape arithmetic of dropout's, the cross-entropy's and the mean's gradients
    assert len(specializer._foldable) >= 35
    _assert_same(losses, plain_losses)
    _assert_same(weights, plain_weights)


def test_changing_fed_shapes_specialize_again_and_keep_values():
    sizes = [32, 32, 64, 64, 64, 32, 16, 16, 16, 8, 8, 8, 4, 4, 4, 32]
    losses, weights, specializer = _train(ON, sizes)
    plain_losses, plain_weights, _ = _train(OFF, sizes)
    _assert_same(losses, plain_losses)
    _assert_same(weights, plain_weights)
    # a key's second run builds its variant; keys past MAX_VARIANTS run plain
    assert [k[0][0] for k in specializer.variants] == [32, 64, 16, 8][:shape_folding.MAX_VARIANTS]


def test_environment_switch_turns_it_off(monkeypatch):
    monkeypatch.setenv('SLUICE_SHAPE_FOLDING', '0')
    _, _, specializer = _train(ON, [16, 16, 16])
    assert specializer is None


def test_plans_measuring_no_shape_keep_the_plain_function():
    x = tf.placeholder(tf.float32, [])
    y = x * 2.0 + 1.0
    with tf.Session() as sess:
        run = sess.make_callable(y, [x])
        assert [run(1.0) for _ in range(3)] == [3.0, 3.0, 3.0]
        assert not hasattr(sess._signature(y, (x,)).plan.run, '__self__')


def test_data_dependent_shapes_are_not_folded():
    x = tf.placeholder(tf.int32, [None])
    u, _ = tf.unique(x)
    n = tf.shape(u)[0] * 10 + tf.size(x) + tf.shape(x)[0] * 0 + tf.rank(x) * 0
    with tf.Session() as sess:
        for values in ([1, 1, 1, 1], [1, 2, 3, 4], [5, 5, 6, 6], [1, 2, 3, 3], [7, 7, 7, 7]):
            assert sess.run(n, {x: values}) == len(set(values)) * 10 + 4
        specializer = _specializer(sess, n, (x,))
        folded = [specializer._plan.steps[i].op for i in specializer._foldable]
    measured = {op.inputs[0] for op in folded if op.type in ('Shape', 'Size')}
    assert specializer.variants and x in measured and u not in measured


def test_a_variable_that_an_assignment_may_reshape_is_measured_each_run():
    v = tf.Variable(np.zeros((2, 3), np.float32))
    new = tf.placeholder(tf.float32, [None, None])
    reshape = tf.assign(v, new, validate_shape=False)
    w = tf.Variable(np.zeros((4,), np.float32))
    # (ShapeN, since tf.shape of a static shape is a Const, in TF too)
    measured = tf.identity(tf.concat([tf.shape_n([v])[0] * 100, tf.shape_n([tf.identity(v)])[0]], 0))
    sizes = tf.shape_n([w, w])
    wsize = tf.reduce_prod(sizes[0]) + tf.reduce_prod(sizes[1]) * 2 + tf.size(sizes[0]) * 4
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for shape in ((2, 3), (5, 1), (1, 7), (4, 4), (3, 3)):
            sess.run(reshape, {new: np.ones(shape, np.float32)})
            for _ in range(3):
                assert sess.run(measured).tolist() == [d * 100 for d in shape] + list(shape)
                assert sess.run(wsize) == 4 * 3 + 1 * 4
        assert _specializer(sess, measured) is not None and _specializer(sess, measured).off
        assert _specializer(sess, wsize).variants  # w's static shape holds: folded


def test_a_value_written_in_place_is_not_folded():
    """Mul may write into its private first input: the Cast feeding it must stay a fresh array."""
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable([2.0, 3.0])
    scaled = tf.cast(tf.shape(x), tf.float32) * w
    other = tf.reshape(tf.shape(x), [1, 2]) + tf.shape(x)[0] + tf.size(x) + tf.rank(x)
    with tf.Session() as sess:
        sess.run(w.initializer)
        for _ in range(5):
            got, o = sess.run([scaled, other], {x: np.zeros((4, 3), np.float32)})
            assert got.tolist() == [8.0, 9.0] and o.tolist() == [[4 + 4 + 12 + 2, 3 + 4 + 12 + 2]]
        specializer = _specializer(sess, [scaled, other], (x,))
        folded = {specializer._plan.steps[i].op.type for i in specializer._foldable}
    assert specializer.variants and 'Cast' not in folded and 'Shape' in folded


def test_fetched_shapes_are_fresh_arrays_each_run():
    x = tf.placeholder(tf.float32, [None, 2])
    s = tf.shape(x)
    t = tf.shape(x) + tf.size(x) + tf.rank(x) + tf.shape(x) * 2 + tf.size(x) * 3
    with tf.Session() as sess:
        for _ in range(4):
            a, b = sess.run([s, t], {x: np.zeros((3, 2), np.float32)})
            assert a.tolist() == [3, 2] and b.tolist() == [3 + 6 + 2 + 6 + 18, 2 + 6 + 2 + 4 + 18]
            a[:] = -1  # the caller's array: the next run's value is unchanged
            b[:] = -1
        assert _specializer(sess, [s, t], (x,)).variants


def test_errors_name_the_failing_node_in_a_variant():
    x = tf.placeholder(tf.float32, [None, 4])
    d = tf.placeholder(tf.int32, [])
    y = tf.reshape(x, tf.stack([tf.shape(x)[0] * d, -1])) + tf.cast(tf.size(x) + tf.rank(x), tf.float32)
    with tf.Session() as sess:
        for _ in range(3):
            sess.run(y, {x: np.zeros((2, 4), np.float32), d: 2})
        assert _specializer(sess, y, (x, d)).variants
        with pytest.raises(tf.errors.InvalidArgumentError, match='Reshape'):
            sess.run(y, {x: np.zeros((2, 4), np.float32), d: 3})


def test_chunked_plans_are_specialized(monkeypatch):
    monkeypatch.setattr(executor, '_CHUNK_STEPS', 4)
    x = tf.placeholder(tf.float32, [None, 3])
    y = x
    for _ in range(6):
        y = tf.reshape(y * 2.0, tf.shape(y) + tf.size(y) * 0)
    with tf.Session() as sess:
        feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
        got = [sess.run(y, feed) for _ in range(4)]
        specializer = _specializer(sess, y, (x,))
        assert specializer.variants and 'part1' in specializer.variants[((2, 3),)].source
    for g in got:
        assert np.array_equal(g, feed[x] * 64)


def _reduction_model(config, sizes):
    """A dense layer on [batch, 20, 8] and means over axis 1 (Adam): the mean's gradient computes
    its reduced shape with integer arithmetic that fusion groups. (losses, weights, specializer)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [None, 20, 8])
        h = tf.layers.dense(x, 4)
        m = tf.reduce_mean(h * tf.reduce_sum(x, axis=2, keepdims=True), axis=1)
        loss = tf.reduce_mean(tf.square(m - 1.0))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        init = tf.global_variables_initializer()
        weights = tf.trainable_variables()
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        losses = [sess.run([loss, train], {x: np.random.default_rng(k).uniform(size=(n, 20, 8)).astype(np.float32)})[0]
                  for k, n in enumerate(sizes)]
        return losses, sess.run(weights), _specializer(sess, [loss, train], (x,))


def test_fused_integer_shape_arithmetic_is_folded():
    sizes = [16, 16, 16, 8, 8, 8, 16]
    losses, weights, specializer = _reduction_model(ON, sizes)
    plain_losses, plain_weights, _ = _reduction_model(OFF, sizes)
    _assert_same(losses, plain_losses)
    _assert_same(weights, plain_weights)
    steps = specializer._plan.steps
    assert any(steps[i].kind == 'fused' and steps[i].op.outputs[0].dtype == tf.int32 for i in specializer._foldable)
    assert len(specializer.variants) == 2
