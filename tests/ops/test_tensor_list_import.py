"""TF2's TensorList ops, which sluice's tf.TensorArray is written in, both ways with TensorFlow: graphs TF
builds from the raw ops (push/pop accumulators, from_tensor, element_shape, the ZerosLike/AddN of
lists its gradients use, ConcatOffset of ConcatV2's gradient) import into sluice and give TF's values;
sluice's TensorArray graphs (with their gradients, outside loops) import into TF and give sluice's."""
import numpy as np
import pytest

import sluice as tf

tf1 = pytest.importorskip('tensorflow.compat.v1')
tf1.disable_v2_behavior()
raw = pytest.importorskip('tensorflow').raw_ops
pytestmark = pytest.mark.tf

X = np.arange(12, dtype=np.float32).reshape(3, 4) / 7.0


def _tf_graph(build):
    """(graph_def bytes, fetch names, TF's values) of `build()` -> list of tensors."""
    with tf1.Graph().as_default() as g:
        fetches = build()
        with tf1.Session() as sess:
            values = sess.run(fetches)
        return g.as_graph_def().SerializeToString(), [t.name for t in fetches], values


def _sluice_run(graph_def, names):
    with tf.Graph().as_default():
        tf.import_graph_def(tf.GraphDef.FromString(graph_def), name='')
        with tf.Session() as sess:
            return sess.run(names)


def _assert_same(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-6)
        assert np.asarray(a).dtype == np.asarray(e).dtype


def test_push_pop_accumulators_from_tensorflow():
    def build():
        shape = tf1.constant([4], tf1.int32)
        acc = raw.EmptyTensorList(element_shape=shape, max_num_elements=-1, element_dtype=tf1.float32)
        for i in range(3):
            acc = raw.TensorListPushBack(input_handle=acc, tensor=tf1.constant(X[i]) * (i + 1))
        acc, last = raw.TensorListPopBack(input_handle=acc, element_shape=shape, element_dtype=tf1.float32)
        length = raw.TensorListLength(input_handle=acc)
        stacked = raw.TensorListStack(input_handle=acc, element_shape=shape, element_dtype=tf1.float32)
        return [last, length, stacked, raw.TensorListElementShape(input_handle=acc, shape_type=tf1.int32)]
    graph_def, names, expected = _tf_graph(build)
    _assert_same(_sluice_run(graph_def, names), expected)


def test_from_tensor_zeros_like_and_add_n_of_lists_from_tensorflow():
    def build():
        shape = tf1.constant([-1], tf1.int32)
        a = raw.TensorListFromTensor(tensor=tf1.constant(X), element_shape=shape)
        b = raw.TensorListSetItem(input_handle=tf1.zeros_like(a), index=1, item=tf1.constant(X[2]))
        total = tf1.add_n([a, b])
        get = raw.TensorListGetItem(input_handle=total, index=1, element_shape=shape, element_dtype=tf1.float32)
        gather = raw.TensorListGather(input_handle=total, indices=[2, 0], element_shape=shape,
                                      element_dtype=tf1.float32)
        return [get, gather]
    graph_def, names, expected = _tf_graph(build)
    _assert_same(_sluice_run(graph_def, names), expected)


def test_concat_offset_from_tensorflow():
    def build():
        return list(raw.ConcatOffset(concat_dim=1, shape=[tf1.constant([2, 3, 5]), tf1.constant([2, 4, 5]),
                                                          tf1.constant([2, 1, 5])]))
    graph_def, names, expected = _tf_graph(build)
    _assert_same(_sluice_run(graph_def, names), expected)


def test_concat_offset_rejects_mismatched_shapes_as_tensorflow():
    with tf.Graph().as_default():
        from sluice.engine import op_builder
        offsets = op_builder.apply('ConcatOffset', [1, [tf.constant([2, 3]), tf.constant([3, 3])]]).outputs
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                                 match='All dimensions except 1 must match'):
            sess.run(offsets)


def test_sluice_tensor_array_graph_with_gradients_runs_in_tensorflow():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [3, 4], name='x')
        ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(tf.sin(x))
        out = tf.TensorArray(tf.float32, size=2).write(0, ta.read(2) * 2.0).write(1, ta.read(0))
        y = tf.identity(out.stack() * ta.gather([1, 1]), name='y')
        dx = tf.identity(tf.gradients(tf.reduce_sum(y * y), x)[0], name='dx')
        size = tf.identity(ta.size(), name='size')
        with tf.Session() as sess:
            expected = sess.run([y, dx, size], {x: X})
        graph_def = g.as_graph_def().SerializeToString()
    with tf1.Graph().as_default() as tg:
        tf1.import_graph_def(tf1.GraphDef.FromString(graph_def), name='')
        with tf1.Session() as sess:
            actual = sess.run(['y:0', 'dx:0', 'size:0'], {'x:0': X})
    assert any(op.type == 'TensorListReserve' for op in tg.get_operations())
    _assert_same(actual, expected)
