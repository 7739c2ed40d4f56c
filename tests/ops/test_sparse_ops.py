"""SparseTensor ops beyond their op records (tests/op_records_sparse.py): TF's errors for bad indices,
feeding a SparseTensor (sparse_placeholder), parse_example's VarLen features made dense, the functions
TF 1.15 writes in Python (retain, transpose, from_dense, expand_dims, eye, to_indicator), the sparse
embedding lookups, SparseTensor's graph API, and a GCN-style training step."""
import os
import re

import numpy as np
import pytest

import sluice as tf


def _run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def _tf1():
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    return tf1


def _sp(module):
    return module.SparseTensor([[0, 0], [0, 2], [2, 1]], [1., -2., 3.], [3, 4])


@pytest.mark.parametrize('indices,message', [
    ([[1], [0]], 'indices[1] = [0] is out of order. Many sparse ops require sorted indices.'),
    ([[1], [1]], 'indices[1] = [1] is repeated'),
    ([[1], [5]], 'indices[1] = [5] is out of bounds: need 0 <= index < [3]'),
    ([[-1], [1]], 'indices[0] = [-1] is out of bounds: need 0 <= index < [3]'),
])
def test_sparse_to_dense_rejects_bad_indices_as_tf(indices, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(message)) as info:
        _run(tf.sparse_to_dense(indices, [3], [1., 2.]))
    assert 'node SparseToDense' in str(info.value)


def test_sparse_to_dense_without_validation_still_checks_bounds():
    unordered = tf.sparse_to_dense([[2], [0]], [3], [1., 2.], validate_indices=False)
    assert _run(unordered).tolist() == [2., 0., 1.]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r'Indices are not valid \(out of bounds\)'):
        _run(tf.sparse_to_dense([[1], [5]], [3], [1., 2.], validate_indices=False))


def test_matmul_errors_name_the_operands():
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 4 and 3'):
        tf.sparse_tensor_dense_matmul(_sp(tf), tf.ones([3, 2]))
    bad = tf.SparseTensor([[0, 7]], [1.], [3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r'k \(7\) from index\[0,1\] out of bounds \(>=4\)'):
        _run(tf.sparse_tensor_dense_matmul(bad, tf.ones([4, 2])))


def test_shape_errors_of_reshape_reduce_softmax_and_broadcast():
    with pytest.raises(ValueError, match=r'Cannot reshape a tensor with 12 elements to shape \[5, None\]'):
        tf.sparse.reshape(_sp(tf), [5, -1])
    with pytest.raises(ValueError, match='At most one dimension can be inferred'):
        tf.sparse.reshape(_sp(tf), [-1, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match='Invalid reduction dimension 5, for input with 2'):
        _run(tf.sparse_reduce_sum(_sp(tf), 5))
    with pytest.raises(tf.errors.InvalidArgumentError, match='Input should have rank >= 2'):
        _run(tf.sparse.softmax(tf.SparseTensor([[0]], [1.], [3])).values)
    with pytest.raises(tf.errors.InvalidArgumentError, match='broadcasts dense to sparse only'):
        _run((_sp(tf) * tf.ones([5])).values)
    with pytest.raises(tf.errors.InvalidArgumentError, match='Input shapes must match: expected 4 for dimension 1'):
        _run(tf.sparse.concat(0, [_sp(tf), tf.SparseTensor([[0, 0]], [1.], [2, 3])]))


def test_sparse_placeholder_is_three_placeholders_fed_with_a_value_or_tuple():
    sp = tf.sparse_placeholder(tf.float32, name='p')
    assert [t.name for t in (sp.indices, sp.values, sp.dense_shape)] == ['p/indices:0', 'p/values:0', 'p/shape:0']
    assert sp.indices.shape.as_list() == [None, None] and sp.dense_shape.shape.as_list() == [None]
    total, dense = tf.sparse_reduce_sum(sp), tf.sparse_tensor_to_dense(sp)
    with tf.Session() as sess:
        value = tf.SparseTensorValue([[0, 1], [1, 1]], [2., 3.], [2, 3])
        assert sess.run(total, {sp: value}) == 5.
        assert sess.run(dense, {sp: ([[1, 2]], [4.], [2, 3])}).tolist() == [[0, 0, 0], [0, 0, 4.]]
        fetched = sess.run(sp, {sp: value})
        assert isinstance(fetched, tf.SparseTensorValue) and fetched.values.tolist() == [2., 3.]
        call = sess.make_callable(total, [sp])
        assert call(value) == 5.
        with pytest.raises(TypeError, match='SparseTensorValue or a 3-tuple'):
            sess.run(total, {sp: [1., 2.]})
    known = tf.sparse_placeholder(tf.float32, [3, 4])
    assert known.dense_shape.op.type == 'Const' and known.indices.shape.as_list() == [None, 2]
    assert _run(tf.sparse.to_dense(known), {known: ([[2, 3]], [1.], [3, 4])})[2, 3] == 1.
    partial = tf.sparse.placeholder(tf.int64, [None, 5])
    assert partial.dense_shape.op.type == 'Placeholder' and partial.dense_shape.shape.as_list() == [2]


def test_sparse_tensor_graph_api():
    sp = _sp(tf)
    assert sp.op is sp.values.op and sp.graph is tf.get_default_graph()
    assert sp.get_shape().as_list() == [3, 4] and sp.shape.as_list() == [3, 4]
    with tf.Session().as_default():
        value = sp.eval()
    assert value.indices.tolist() == [[0, 0], [0, 2], [2, 1]] and value.dense_shape.tolist() == [3, 4]
    assert tf.sparse.SparseTensor is tf.SparseTensor


def test_var_len_features_made_dense():
    def example(values):
        return tf.train.Example(features=tf.train.Features(feature={
            'ids': tf.train.Feature(int64_list=tf.train.Int64List(value=values))})).SerializeToString()
    serialized = tf.placeholder(tf.string, [None])
    parsed = tf.parse_example(serialized, {'ids': tf.VarLenFeature(tf.int64)})['ids']
    dense = tf.sparse_tensor_to_dense(parsed, default_value=-1)
    got = _run(dense, {serialized: [example([3, 4]), example([]), example([5, 6, 7])]})
    assert got.tolist() == [[3, 4, -1], [-1, -1, -1], [5, 6, 7]]


def _composites(module):
    sp = _sp(module)
    ids = module.SparseTensor([[0, 0], [0, 1], [1, 0]], module.constant([2, 0, 3], module.int64), [2, 2])
    parts = []
    for st in (module.sparse.retain(sp, [True, False, True]), module.sparse_transpose(sp),
               module.sparse.transpose(sp, [1, 0]), module.sparse.from_dense([[0, 1.], [2, 0]]),
               module.sparse.expand_dims(sp, -1), module.sparse.expand_dims(sp, 1), module.sparse.eye(3, 2),
               module.sparse.eye(2, dtype=module.int32), module.sparse.fill_empty_rows(sp, 9.)[0],
               module.sparse.reset_shape(sp), module.sparse_reset_shape(sp, [5, 6]),
               module.sparse.reset_shape(sp, module.placeholder_with_default(module.constant([4, 4], module.int64),
                                                                             [2]))):
        parts += [st.indices, st.values, st.dense_shape]
    return parts + [module.sparse.to_indicator(ids, 4), module.sparse_to_indicator(ids, 5)]


@pytest.mark.tf
def test_functions_over_other_ops_match_tf():
    tf1 = _tf1()
    with tf1.Graph().as_default():
        expected = tf1.Session().run(_composites(tf1))
    for got, want in zip(_run(_composites(tf)), expected):
        np.testing.assert_array_equal(got, want)


def test_reset_shape_refuses_a_smaller_shape():
    with pytest.raises(ValueError, match='Requested new_shape should have dimension sizes >= sp_input.shape'):
        tf.sparse.reset_shape(_sp(tf), [2, 4])
    smaller = tf.sparse.reset_shape(_sp(tf), tf.placeholder_with_default(tf.constant([2, 4], tf.int64), [2]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        _run(smaller.dense_shape)


def test_sparse_dense_cwise_ops_and_their_gradients():
    values = tf.constant([1., -2., 3.])
    dense = tf.constant([[1., 2., 3., 4.]])
    sp = tf.SparseTensor([[0, 0], [0, 2], [2, 1]], values, [3, 4])
    scale = tf.constant(2.5)
    out = [(sp * dense).values, (sp / dense).values, (sp * scale).values,
           tf.sparse.softmax(sp).values]
    got = _run(out)
    np.testing.assert_allclose(got[0], [1., -6., 6.])
    np.testing.assert_allclose(got[1], [1., -2. / 3, 1.5])
    np.testing.assert_allclose(got[2], [2.5, -5., 7.5])
    with tf.Session() as sess, sess.as_default():
        for x, shape in ((values, [3]), (scale, [])):
            err = tf.test.compute_gradient_error(x, shape, tf.concat(out[:3], 0), [9])
            assert err < 1e-2


def _embeddings(module):
    params = module.constant(np.arange(24, dtype=np.float32).reshape(6, 4) / 10)
    rows = [[0, 0], [0, 1], [1, 0], [3, 2]]
    ids = module.SparseTensor(rows, module.constant([1, 3, 3, 5], module.int64), [4, 3])
    weights = module.SparseTensor(rows, [2., 0.5, 1., 3.], [4, 3])
    ids3 = module.SparseTensor([[0, 0, 0], [0, 1, 1], [1, 0, 0], [1, 1, 2]], module.constant([1, -1, 4, 2],
                                                                                           module.int64), [2, 2, 3])
    outs = []
    for combiner in ('sum', 'mean', 'sqrtn'):
        outs += [module.nn.embedding_lookup_sparse(params, ids, None, combiner=combiner),
                 module.nn.safe_embedding_lookup_sparse(params, ids, weights, combiner=combiner),
                 module.nn.safe_embedding_lookup_sparse(params, ids3, None, combiner=combiner, default_id=2),
                 module.nn.safe_embedding_lookup_sparse([params[:3], params[3:]], ids3, None, combiner=combiner)]
    outs.append(module.nn.embedding_lookup_sparse(params, ids, weights, combiner='sum'))
    return outs + [module.gradients(module.add_n([module.reduce_sum(o * o) for o in outs]), params)[0]]


@pytest.mark.tf
def test_sparse_embedding_lookups_match_tf():
    tf1 = _tf1()
    with tf1.Graph().as_default():
        outs = _embeddings(tf1)
        expected = tf1.Session().run([tf1.convert_to_tensor(o) for o in outs])
    got = _run([tf.convert_to_tensor(o) for o in _embeddings(tf)])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_weighted_mean_of_an_empty_row_is_nan_as_in_tf115():
    # TF 1.15 divides by the (zero) weight sum; TF 2.x changed to div_no_nan.
    params = tf.constant(np.eye(3, dtype=np.float32))
    ids = tf.SparseTensor([[0, 0], [2, 0]], tf.constant([1, 2], tf.int64), [3, 1])
    weights = tf.SparseTensor([[0, 0], [2, 0]], [2., 1.], [3, 1])
    got = _run(tf.nn.embedding_lookup_sparse(params, ids, weights, combiner='mean'))
    assert got[0].tolist() == [0, 1, 0] and np.isnan(got[1]).all() and got[2].tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
        tf.nn.embedding_lookup_sparse(params, ids, None, combiner='max')


def test_gcn_layer_trains_through_sparse_dense_matmul(device):
    rng = np.random.RandomState(0)
    adjacency = tf.SparseTensorValue(np.array([[0, 1], [1, 0], [1, 2], [2, 1], [3, 3]]),
                                     np.full(5, 0.5, np.float32), np.array([4, 4]))
    with tf.device(device):
        a = tf.sparse_placeholder(tf.float32, [4, 4])
        features = tf.constant(rng.rand(4, 3).astype(np.float32))
        w = tf.Variable(rng.rand(3, 2).astype(np.float32))
        hidden = tf.sparse_tensor_dense_matmul(a, tf.matmul(features, w))
        loss = tf.reduce_sum(tf.square(hidden - 1.0))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {a: adjacency})
        for _ in range(20):
            sess.run(step, {a: adjacency})
        assert sess.run(loss, {a: adjacency}) < 0.5 * first


@pytest.mark.parametrize('ids', [[0, 0, 1, 3, 3, 3], [3, 0, 3, 1, 0, 3], [2], [4, 4, 4, 4, 4, 4]])
def test_rows_add_sums_like_add_at(ids):
    from sluice.kernels.sparse_kernels import rows_add
    ids = np.array(ids, np.int64)
    rows = np.random.RandomState(len(ids)).rand(ids.size, 3).astype(np.float32)
    got, expected = np.ones((5, 3), np.float32), np.ones((5, 3), np.float32)
    rows_add(got, ids, rows)
    np.add.at(expected, ids, rows)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
