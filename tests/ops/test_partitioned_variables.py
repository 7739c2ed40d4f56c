"""Partitioned variables (get_variable's `partitioner=`): shards, lookups, training and checkpoints,
each program built once on sluice and once on tf.compat.v1 (`tf` marker) from the same builder."""
import numpy as np
import pytest

import sluice as tf

EMB = np.arange(70, dtype=np.float32).reshape(10, 7) / 10.0


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


def _in_graph(t, build):
    """Runs build(t) in a fresh graph of framework t; returns (graph, whatever build returned)."""
    g = t.Graph()
    with g.as_default():
        return g, build(t)


def _shards(t, name, shape, partitioner, **kwargs):
    def build(t):
        v = t.get_variable(name, shape, partitioner=partitioner(t), **kwargs)
        return [(x.name, x.shape.as_list(), x._save_slice_info.full_name, x._save_slice_info.var_offset,
                 x._save_slice_info.var_shape) for x in v]
    return _in_graph(t, build)[1]


PARTITIONERS = [
    ('fixed', [10, 7], lambda t: t.fixed_size_partitioner(3)),
    ('fixed_axis1', [4, 7], lambda t: t.fixed_size_partitioner(3, axis=1)),
    ('fixed_more_than_rows', [2, 3], lambda t: t.fixed_size_partitioner(5)),
    ('min_max', [100, 64], lambda t: t.min_max_variable_partitioner(max_partitions=6, min_slice_size=4 << 10)),
    ('min_max_capped', [100, 64], lambda t: t.min_max_variable_partitioner(max_partitions=3, min_slice_size=1 << 10)),
    ('axis_size', [9, 5], lambda t: t.variable_axis_size_partitioner(max_shard_bytes=50)),
    ('axis_size_max', [9, 5], lambda t: t.variable_axis_size_partitioner(max_shard_bytes=20, max_shards=4)),
    ('axis_size_axis1', [3, 11], lambda t: t.variable_axis_size_partitioner(max_shard_bytes=30, axis=1)),
]


@pytest.mark.tf
@pytest.mark.parametrize('name,shape,partitioner', PARTITIONERS, ids=[p[0] for p in PARTITIONERS])
def test_shard_names_and_shapes_are_tensorflows(tf1, name, shape, partitioner):
    assert _shards(tf, 'v', shape, partitioner) == _shards(tf1, 'v', shape, partitioner)


def test_shards_by_hand():
    with tf.variable_scope('s', partitioner=tf.fixed_size_partitioner(3)):
        v = tf.get_variable('emb', [10, 7])
    assert [x.name for x in tf.global_variables()] == ['s/emb/part_0:0', 's/emb/part_1:0', 's/emb/part_2:0']
    assert [x.shape.as_list() for x in v] == [[4, 7], [3, 7], [3, 7]]
    assert [x._save_slice_info.var_offset for x in v] == [[0, 0], [4, 0], [7, 0]]
    assert v.name == 's/emb' and v.get_shape().as_list() == [10, 7] and v.dtype == tf.float32
    assert v.get_partitions() == v._get_partitions() == [3, 1] and len(v) == 3
    assert list(v) == v.get_variable_list() == v._get_variable_list() == tf.trainable_variables()
    assert isinstance(tf.Variable.SaveSliceInfo('a', [2], [0], [2]), type(v._get_variable_list()[0]._save_slice_info))


@pytest.mark.tf
def test_create_partitioned_variables_is_tensorflows(tf1):
    def build(t):
        with t.variable_scope('outer'):
            parts = t.create_partitioned_variables([5, 4], [1, 2], t.constant(EMB[:5, :4]))
            named = t.create_partitioned_variables([6], [4], t.ones_initializer(), name='vec')
        return [(p.name, p.shape.as_list(), p._save_slice_info.full_name) for p in parts + named]
    assert _in_graph(tf, build)[1] == _in_graph(tf1, build)[1]
    with pytest.raises(ValueError, match="must have the length"):
        tf.create_partitioned_variables([5, 4], [2], tf.zeros_initializer())


def _concat_and_lookup(t, strategy, shards=3):
    emb = t.get_variable('emb', initializer=t.constant(EMB), partitioner=t.fixed_size_partitioner(shards))
    ids = t.constant([[9, 0, 4], [4, 7, 2]], dtype=t.int64)
    looked = t.nn.embedding_lookup(emb, ids, partition_strategy=strategy)
    weights = t.constant(np.linspace(-1, 1, 42).reshape(2, 3, 7).astype(np.float32))
    loss = t.reduce_sum(looked * weights)
    grads = t.gradients(loss, list(emb))
    dense = [t.convert_to_tensor(g) for g in grads]  # IndexedSlices -> their dense sum
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        return sess.run([t.convert_to_tensor(emb) * 1.0, looked, dense])


@pytest.mark.tf
@pytest.mark.parametrize('strategy', ['mod', 'div'])
def test_embedding_lookup_values_and_gradients_are_tensorflows(tf1, strategy):
    ours = _in_graph(tf, lambda t: _concat_and_lookup(t, strategy))[1]
    theirs = _in_graph(tf1, lambda t: _concat_and_lookup(t, strategy))[1]
    np.testing.assert_array_equal(ours[0], EMB)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_embedding_lookup_by_strategy_in_numpy():
    ours = _in_graph(tf, lambda t: _concat_and_lookup(t, 'div'))[1]
    np.testing.assert_array_equal(ours[1], EMB[[[9, 0, 4], [4, 7, 2]]])  # div keeps row order
    ours = _in_graph(tf, lambda t: _concat_and_lookup(t, 'mod'))[1]
    shards = [EMB[:4], EMB[4:7], EMB[7:]]  # mod: id i is row i // 3 of shard i % 3
    expected = [[shards[i % 3][i // 3] for i in row] for row in [[9, 0, 4], [4, 7, 2]]]
    np.testing.assert_array_equal(ours[1], expected)


def _sparse_lookup(t, combiner, weighted):
    emb = t.get_variable('emb', initializer=t.constant(EMB), partitioner=t.fixed_size_partitioner(4))
    sp_ids = t.SparseTensor([[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]], t.constant([1, 9, 3, 3, 0, 1], t.int64),
                            [3, 3])
    sp_w = t.SparseTensor(sp_ids.indices, [0.5, 2.0, 1.0, -1.5, 3.0, 0.25], [3, 3]) if weighted else None
    out = t.nn.embedding_lookup_sparse(emb, sp_ids, sp_w, partition_strategy='div', combiner=combiner)
    grads = [t.convert_to_tensor(g) for g in t.gradients(t.reduce_sum(out * out), list(emb))]
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        return sess.run([out, grads])


@pytest.mark.tf
@pytest.mark.parametrize('combiner', ['sum', 'mean', 'sqrtn'])
@pytest.mark.parametrize('weighted', [False, True])
def test_embedding_lookup_sparse_is_tensorflows(tf1, combiner, weighted):
    ours = _in_graph(tf, lambda t: _sparse_lookup(t, combiner, weighted))[1]
    theirs = _in_graph(tf1, lambda t: _sparse_lookup(t, combiner, weighted))[1]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_embedding_lookup_sparse_in_numpy():
    out = _in_graph(tf, lambda t: _sparse_lookup(t, 'mean', True))[1][0]
    w = [0.5, 2.0, 1.0, -1.5, 3.0, 0.25]
    expected = [(w[0] * EMB[1] + w[1] * EMB[9]) / (w[0] + w[1]), EMB[3],
                (w[3] * EMB[3] + w[4] * EMB[0] + w[5] * EMB[1]) / (w[3] + w[4] + w[5])]
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    with pytest.raises(TypeError, match='sp_ids must be SparseTensor'):
        tf.nn.embedding_lookup_sparse(tf.constant(EMB), tf.constant([1]), None)


def _adam_steps(t, steps=3, use_resource=False):
    emb = t.get_variable('emb', initializer=t.constant(EMB), partitioner=t.fixed_size_partitioner(3),
                         use_resource=use_resource)
    w = t.get_variable('w', initializer=t.constant(np.linspace(-1, 1, 14).reshape(7, 2).astype(np.float32)),
                       partitioner=t.fixed_size_partitioner(2))
    ids = t.constant([3, 8, 3, 0])
    logits = t.matmul(t.nn.embedding_lookup(emb, ids, partition_strategy='div'), w)
    loss = t.reduce_mean(t.square(logits - 1.0))
    train = t.train.AdamOptimizer(0.05).minimize(loss)
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
        return {v.op.name: sess.run(v) for v in t.global_variables()}


@pytest.mark.tf
@pytest.mark.parametrize('use_resource', [False, True])
def test_adam_on_partitioned_embedding_is_tensorflows(tf1, use_resource):
    ours = _in_graph(tf, lambda t: _adam_steps(t, use_resource=use_resource))[1]
    theirs = _in_graph(tf1, lambda t: _adam_steps(t, use_resource=use_resource))[1]
    assert sorted(ours) == sorted(theirs)
    assert 'emb/part_2/Adam_1' in ours
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_slots_are_slices_of_the_full_slot():
    emb = tf.get_variable('emb', [6, 2], partitioner=tf.fixed_size_partitioner(2))
    tf.train.AdamOptimizer().minimize(tf.reduce_sum(tf.nn.embedding_lookup(emb, [1, 4])))
    slot = tf.get_default_graph().get_tensor_by_name('emb/part_1/Adam_1:0')
    info = [v for v in tf.global_variables() if v.name == slot.name][0]._save_slice_info
    assert (info.full_name, info.full_shape, info.var_offset, info.var_shape) == ('emb/Adam_1', [6, 2], [3, 0], [3, 2])


# -- checkpoints ----------------------------------------------------------------------------------
def _save(t, prefix, shards, value):
    t.get_variable('emb', initializer=t.constant(value), partitioner=t.fixed_size_partitioner(shards))
    t.get_variable('plain', initializer=t.constant([1.0, 2.0]))
    saver = t.train.Saver()
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        saver.save(sess, prefix)


def _restore(t, prefix, shards, shape):
    emb = t.get_variable('emb', shape, partitioner=t.fixed_size_partitioner(shards))
    t.get_variable('plain', [2])
    saver = t.train.Saver()
    with t.Session() as sess:
        saver.restore(sess, prefix)
        return sess.run(t.convert_to_tensor(emb)), [sess.run(v) for v in emb]


@pytest.mark.tf
@pytest.mark.parametrize('save_shards,restore_shards', [(3, 3), (3, 2), (2, 5), (1, 4), (4, 1)])
def test_checkpoints_both_ways_across_shard_counts(tf1, tmp_path, save_shards, restore_shards):
    for writer, reader in ((tf, tf1), (tf1, tf), (tf, tf)):
        prefix = str(tmp_path / ('%s_%s' % (writer.__name__, reader.__name__)) / 'model.ckpt')
        _in_graph(writer, lambda t: _save(t, prefix, save_shards, EMB))
        full, parts = _in_graph(reader, lambda t: _restore(t, prefix, restore_shards, [10, 7]))[1]
        np.testing.assert_array_equal(full, EMB)
        assert len(parts) == min(restore_shards, 10)


@pytest.mark.tf
def test_checkpoint_entries_are_tensorflows(tf1, tmp_path):
    for t in (tf, tf1):
        _in_graph(t, lambda t: _save(t, str(tmp_path / t.__name__ / 'model.ckpt'), 3, EMB))
    ours = tf.train.NewCheckpointReader(str(tmp_path / tf.__name__ / 'model.ckpt'))
    theirs = tf1.train.NewCheckpointReader(str(tmp_path / tf1.__name__ / 'model.ckpt'))
    assert ours.get_variable_to_shape_map() == theirs.get_variable_to_shape_map() == {'emb': [10, 7], 'plain': [2]}
    np.testing.assert_array_equal(theirs.get_tensor('emb'), EMB)


@pytest.mark.tf
def test_saver_var_list_dict_names_the_partitioned_variable(tf1, tmp_path):
    def save(t):
        emb = t.get_variable('emb', initializer=t.constant(EMB), partitioner=t.fixed_size_partitioner(3),
                             use_resource=True)
        with t.Session() as sess:
            sess.run(t.global_variables_initializer())
            t.train.Saver({'table': emb}).save(sess, str(tmp_path / 'model.ckpt'))
    _in_graph(tf, save)
    reader = tf1.train.NewCheckpointReader(str(tmp_path / 'model.ckpt'))
    assert reader.get_variable_to_shape_map() == {'table': [10, 7]}
    np.testing.assert_array_equal(reader.get_tensor('table'), EMB)


def test_saver_names_the_full_variable():
    tf.get_variable('emb', [10, 7], partitioner=tf.fixed_size_partitioner(3))
    saver = tf.train.Saver()
    g = tf.get_default_graph()
    names = g.get_operation_by_name('save/SaveV2/tensor_names').get_attr('value')
    slices = g.get_operation_by_name('save/SaveV2/shape_and_slices').get_attr('value')
    assert [s.decode() for s in names.ravel()] == ['emb'] * 3
    assert [s.decode() for s in slices.ravel()] == ['10 7 0,4:0,7', '10 7 4,3:0,7', '10 7 7,3:0,7']
    assert saver.saver_def.filename_tensor_name == 'save/Const:0'


# -- meta graphs --------------------------------------------------------------------------------------
def _export(t, path):
    with t.variable_scope('m', partitioner=t.fixed_size_partitioner(2)):
        t.get_variable('emb', initializer=t.constant(EMB))
    saver = t.train.Saver()
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        saver.save(sess, path)


def _import(t, path):
    saver = t.train.import_meta_graph(path + '.meta')
    shards = t.global_variables()
    infos = [(v.name, v._save_slice_info.full_name, v._save_slice_info.full_shape, v._save_slice_info.var_offset,
              v._save_slice_info.var_shape) for v in shards]
    with t.Session() as sess:
        saver.restore(sess, path)
        return infos, [sess.run(v) for v in shards]


@pytest.mark.tf
def test_meta_graph_round_trip_keeps_save_slice_info(tf1, tmp_path):
    for writer, reader in ((tf, tf1), (tf1, tf), (tf, tf)):
        path = str(tmp_path / ('%s_%s' % (writer.__name__, reader.__name__)) / 'model')
        _in_graph(writer, lambda t: _export(t, path))
        infos, values = _in_graph(reader, lambda t: _import(t, path))[1]
        assert infos == [('m/emb/part_0:0', 'm/emb', [10, 7], [0, 0], [5, 7]),
                         ('m/emb/part_1:0', 'm/emb', [10, 7], [5, 0], [5, 7])]
        np.testing.assert_array_equal(np.concatenate(values), EMB)


# -- layers ---------------------------------------------------------------------------------------------
def test_dense_and_fully_connected_under_a_partitioned_scope():
    x = tf.constant(np.ones((2, 6), np.float32))
    with tf.variable_scope('d', partitioner=tf.fixed_size_partitioner(2)):
        layer = tf.layers.Dense(4, kernel_initializer=tf.ones_initializer(), bias_initializer=tf.ones_initializer(),
                                kernel_regularizer=tf.nn.l2_loss)
        y = layer(x)
    # TF 1.15 (and 2.21's legacy layers) file a partitioned weight's shards as non-trainable weights
    assert layer.trainable_weights == [] and [v.name for v in layer.non_trainable_weights] == [
        'd/dense/kernel/part_0:0', 'd/dense/kernel/part_1:0', 'd/dense/bias/part_0:0', 'd/dense/bias/part_1:0']
    assert [t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)] == [
        'd/dense/kernel/Regularizer/L2Loss:0', 'd/dense/kernel/Regularizer_1/L2Loss:0']
    assert len(tf.trainable_variables()) == 4
    with tf.variable_scope('fc', partitioner=tf.fixed_size_partitioner(3)):
        z = tf.contrib.layers.fully_connected(x, 5, weights_initializer=tf.ones_initializer())
    assert [v.name for v in tf.model_variables()][:3] == ['fc/fully_connected/weights/part_%d:0' % i
                                                          for i in range(3)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        y_value, z_value = sess.run([y, z])
    np.testing.assert_array_equal(y_value, np.full((2, 4), 7.0))
    np.testing.assert_array_equal(z_value, np.full((2, 5), 6.0))


# -- API and errors ---------------------------------------------------------------------------------
def test_as_tensor_assign_and_reuse():
    v = tf.get_variable('v', initializer=tf.constant(EMB[:5, :2]), partitioner=tf.fixed_size_partitioner(2))
    with tf.control_dependencies([tf.no_op(name='dep')]):
        t = v.as_tensor()
        c = v._concat()
    assert t.op.name == 'v' and t.op.inputs[0].op.name == 'v/ConcatPartitions/concat' and c.op.name == 'v_1'
    g = tf.get_default_graph()
    assert g.get_operation_by_name('v/ConcatPartitions/concat/axis').control_inputs == []
    assert [o.name for o in g.get_operation_by_name('v/ConcatPartitions/concat_1/axis').control_inputs] == ['dep']
    assign = v.assign(np.zeros((5, 2), np.float32))
    with tf.variable_scope('', reuse=True):
        assert tf.get_variable('v') is v
    with pytest.raises(ValueError, match='Partitioned variable with name v already exists'):
        tf.get_variable('v', [5, 2], partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(ValueError, match='specified partitions \\[3, 1\\] and found partitions \\[2, 1\\]'):
        with tf.variable_scope('', reuse=True):
            tf.get_variable('v', [5, 2], partitioner=tf.fixed_size_partitioner(3))
    with pytest.raises(NotImplementedError, match="doesn't support being used as a reference"):
        tf.convert_to_tensor(v, as_ref=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(t), EMB[:5, :2])
        sess.run(assign)
        np.testing.assert_array_equal(sess.run(t), np.zeros((5, 2)))


def test_bad_partitioners_say_what_is_wrong():
    with pytest.raises(ValueError, match='Can only slice a variable along one dimension'):
        tf.get_variable('a', [4, 4], partitioner=lambda shape, dtype: [2, 2])
    with pytest.raises(ValueError, match='does not match the Variable\'s rank'):
        tf.get_variable('b', [4, 4], partitioner=lambda shape, dtype: [2])
    with pytest.raises(ValueError, match='zero partitions'):
        tf.get_variable('c', [4, 4], partitioner=lambda shape, dtype: [0, 1])
    with pytest.raises(ValueError, match='must be fully defined'):
        tf.get_variable('d', [None, 4], partitioner=tf.fixed_size_partitioner(2))
    tf.get_variable('e', [4, 4])
    with pytest.raises(ValueError, match='unpartitioned version of the variable was found: e'):
        tf.get_variable('e', [4, 4], partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(ValueError, match='max_shard_bytes and bytes_per_string_element must be positive'):
        tf.variable_axis_size_partitioner(0)
    assert tf.get_variable('scalar', [], partitioner=tf.fixed_size_partitioner(2)).shape.as_list() == []


def test_initializers_see_the_full_shape():
    v = tf.get_variable('g', [400, 10], partitioner=tf.fixed_size_partitioner(4),
                        initializer=tf.glorot_uniform_initializer(seed=3))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        full = sess.run(tf.convert_to_tensor(v))
    limit = np.sqrt(6.0 / (400 + 10))  # the full variable's fans, not a shard's
    assert np.abs(full).max() <= limit and np.abs(full).max() > 0.9 * limit


def _sampled_softmax(t, loss_fn):
    weights = t.get_variable('w', initializer=t.constant(EMB), partitioner=t.fixed_size_partitioner(3))
    biases = t.get_variable('b', initializer=t.constant(np.linspace(-1, 1, 10).astype(np.float32)),
                            partitioner=t.fixed_size_partitioner(2))
    inputs = t.constant(np.linspace(-2, 2, 21).reshape(3, 7).astype(np.float32))
    labels = t.constant([[1], [7], [4]], t.int64)
    sampled = (t.constant([0, 9, 4, 2], t.int64), t.constant([0.2, 0.3, 0.4], shape=[3, 1]),
               t.constant([0.1, 0.2, 0.3, 0.4]))
    loss = getattr(t.nn, loss_fn)(weights, biases, labels, inputs, 4, 10, sampled_values=sampled,
                                  partition_strategy='div')
    grads = [t.convert_to_tensor(g) for g in t.gradients(t.reduce_sum(loss), list(weights) + list(biases))]
    with t.Session() as sess:
        sess.run(t.global_variables_initializer())
        return sess.run([loss, grads])


@pytest.mark.tf
@pytest.mark.parametrize('loss_fn', ['sampled_softmax_loss', 'nce_loss'])
def test_sampled_losses_on_partitioned_weights_are_tensorflows(tf1, loss_fn):
    ours = _in_graph(tf, lambda t: _sampled_softmax(t, loss_fn))[1]
    theirs = _in_graph(tf1, lambda t: _sampled_softmax(t, loss_fn))[1]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_lookup_and_training_step_on_each_device(device):
    with tf.device(device):
        emb = tf.get_variable('emb', initializer=tf.constant(EMB), partitioner=tf.fixed_size_partitioner(3))
        rows = tf.nn.embedding_lookup(emb, [[9, 1], [4, 4]], partition_strategy='div')
        train = tf.train.GradientDescentOptimizer(1.0).minimize(tf.reduce_sum(rows))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(rows), EMB[[[9, 1], [4, 4]]])
        sess.run(train)
        expected = EMB.copy()
        np.subtract.at(expected, [9, 1, 4, 4], 1.0)
        np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(emb)), expected)


def test_init_from_checkpoint_into_another_shard_count(tmp_path):
    prefix = str(tmp_path / 'model.ckpt')
    _in_graph(tf, lambda t: _save(t, prefix, 3, EMB))

    def warm_start(t):
        emb = t.get_variable('table', [10, 7], partitioner=t.fixed_size_partitioner(4))
        t.train.init_from_checkpoint(prefix, {'emb': 'table'})
        with t.Session() as sess:
            sess.run(t.global_variables_initializer())
            return sess.run(t.convert_to_tensor(emb))
    np.testing.assert_array_equal(_in_graph(tf, warm_start)[1], EMB)


@pytest.mark.tf
def test_regularizer_and_reuse_are_tensorflows(tf1):
    def build(t):
        with t.variable_scope('s', partitioner=t.fixed_size_partitioner(2), regularizer=t.nn.l2_loss):
            v = t.get_variable('w', [5, 3], initializer=t.ones_initializer())
        with t.variable_scope('s', reuse=True):
            again = t.get_variable('w')
        losses = t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)
        with t.Session() as sess:
            sess.run(t.global_variables_initializer())
            return again is v, [x.name for x in losses], sess.run(losses)
    assert _in_graph(tf, build)[1] == _in_graph(tf1, build)[1]
