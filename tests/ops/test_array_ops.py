"""Array ops: node names, op types, attrs and static shapes as TF 1.x builds them, values against
NumPy, StridedSlice masks for NumPy-style indexing, and TF's graph-time / run-time errors.

Expected names, types, attrs, static shapes and error messages were read from TensorFlow's
compat.v1 graph mode (scratch TF 2.21, `tf.disable_v2_behavior()`); expected values are NumPy's
unless a comment says they came from TF.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

from conftest import assert_allclose, run_graph

X = np.arange(6, dtype=np.float32).reshape(2, 3)
X3 = np.arange(120, dtype=np.float32).reshape(4, 5, 6)


def node(t):
    """(name, type, static shape as list or None) of a tensor."""
    return t.name, t.op.type, t.shape.as_list() if t.shape.rank is not None else None


def input_names(t):
    return [i.name for i in t.op.inputs]


# ---------------------------------------------------------------------------------------------
# Graph building: names, op types, attrs, static shapes (from TF)
# ---------------------------------------------------------------------------------------------
def test_shape_size_rank_fold_to_constants_when_static():
    x = tf.placeholder(tf.float32, [2, 3])
    p = tf.placeholder(tf.float32, [None, 3])
    assert node(tf.shape(x)) == ('Shape:0', 'Const', [2])
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    assert node(tf.rank(x)) == ('Rank:0', 'Const', [])
    assert node(tf.size(x)) == ('Size:0', 'Const', [])
    assert node(tf.shape(p)) == ('Shape_2:0', 'Shape', [2])
    assert node(tf.size(p)) == ('Size_1:0', 'Size', [])
    assert node(tf.rank(tf.placeholder(tf.float32))) == ('Rank_1:0', 'Rank', [])
    assert node(tf.shape(tf.placeholder(tf.float32))) == ('Shape_3:0', 'Shape', [None])
    s0, s1 = tf.shape_n([x, p])
    assert (s0.name, s1.name, s0.op.type, s0.op.get_attr('N')) == ('ShapeN:0', 'ShapeN:1', 'ShapeN', 2)


def test_reshape_expand_squeeze_nodes():
    x = tf.placeholder(tf.float32, [2, 3])
    p = tf.placeholder(tf.float32, [None, 3])
    r = tf.reshape(x, [3, 2])
    assert node(r) == ('Reshape:0', 'Reshape', [3, 2])
    assert input_names(r) == ['Placeholder:0', 'Reshape/shape:0']
    assert r.op.get_attr('Tshape') == tf.int32
    assert node(tf.reshape(p, [-1])) == ('Reshape_1:0', 'Reshape', [None])
    assert node(tf.reshape(x, [-1, 2])) == ('Reshape_2:0', 'Reshape', [3, 2])
    i = tf.placeholder(tf.int32, [2])
    packed = tf.reshape(x, [i[0], 3])  # the shape list is auto-packed; TF still infers (2, 3)
    assert node(packed)[1:] == ('Reshape', [2, 3])
    assert packed.op.inputs[1].op.type == 'Pack' and packed.op.inputs[1].name == 'Reshape_3/shape:0'
    assert node(tf.reshape(x, [i[0], -1]))[2] == [None, None]
    e = tf.expand_dims(x, 1)
    assert node(e) == ('ExpandDims:0', 'ExpandDims', [2, 1, 3]) and input_names(e)[1] == 'ExpandDims/dim:0'
    assert node(tf.expand_dims(x, dim=-1))[2] == [2, 3, 1]
    assert node(tf.expand_dims(p, 0))[2] == [1, None, 3]
    z = tf.zeros([1, 2, 1])
    assert node(tf.squeeze(z)) == ('Squeeze:0', 'Squeeze', [2])
    s = tf.squeeze(z, [0])
    assert s.op.get_attr('squeeze_dims') == [0] and s.shape.as_list() == [2, 1]
    assert tf.squeeze(z, axis=2).shape.as_list() == [1, 2]
    assert tf.squeeze(z, squeeze_dims=[2]).shape.as_list() == [1, 2]
    assert tf.squeeze(p).shape.rank is None


def test_concat_stack_unstack_split_nodes():
    x = tf.placeholder(tf.float32, [2, 3])
    p = tf.placeholder(tf.float32, [None, 3])
    c = tf.concat([x, x], 0)
    assert node(c) == ('concat:0', 'ConcatV2', [4, 3]) and input_names(c)[2] == 'concat/axis:0'
    assert (c.op.get_attr('N'), c.op.get_attr('Tidx')) == (2, tf.int32)
    assert node(tf.concat([x], 0)) == ('concat_1/concat:0', 'Identity', [2, 3])
    assert node(tf.concat([x, p], 0))[2] == [None, 3]
    assert node(tf.concat([x, p], 1))[2] == [2, 6]
    assert node(tf.concat([x, x], -1))[2] == [2, 6]
    s = tf.stack([x, x])
    assert node(s) == ('stack:0', 'Pack', [2, 2, 3]) and s.op.get_attr('axis') == 0
    assert node(tf.stack([x, x], axis=-1)) == ('stack_1:0', 'Pack', [2, 3, 2])
    assert node(tf.stack([1, 2])) == ('stack_2:0', 'Const', [2])
    u = tf.unstack(x)
    assert [node(t) for t in u] == [('unstack:0', 'Unpack', [3]), ('unstack:1', 'Unpack', [3])]
    assert (u[0].op.get_attr('num'), u[0].op.get_attr('axis')) == (2, 0)
    assert [t.shape.as_list() for t in tf.unstack(x, axis=1)] == [[2]] * 3
    parts = tf.split(x, 3, 1)
    assert [node(t) for t in parts] == [('split:%d' % k, 'Split', [2, 1]) for k in range(3)]
    assert input_names(parts[0]) == ['split/split_dim:0', 'Placeholder:0']
    v = tf.split(x, [1, -1], 1)
    assert [node(t) for t in v] == [('split_1:0', 'SplitV', [2, 1]), ('split_1:1', 'SplitV', [2, 2])]
    assert input_names(v[0]) == ['Placeholder:0', 'Const:0', 'split_1/split_dim:0']
    assert v[0].op.get_attr('Tlen') == tf.int32


def test_slice_gather_transpose_tile_pad_nodes():
    x = tf.placeholder(tf.float32, [2, 3])
    p = tf.placeholder(tf.float32, [None, 3])
    i = tf.placeholder(tf.int32, [2])
    s = tf.slice(x, [0, 1], [-1, 2])
    assert node(s) == ('Slice:0', 'Slice', [2, 2])
    assert input_names(s)[1:] == ['Slice/begin:0', 'Slice/size:0']
    assert node(tf.slice(p, [0, 1], [1, -1]))[2] == [1, 2]
    g = tf.gather(x, [1, 0])
    assert node(g) == ('GatherV2:0', 'GatherV2', [2, 3])
    assert input_names(g)[1:] == ['GatherV2/indices:0', 'GatherV2/axis:0'] and g.op.get_attr('batch_dims') == 0
    assert node(tf.gather(x, i, axis=1))[2] == [2, 2]
    big = tf.gather(tf.placeholder(tf.float32, [5, 6, 7]), tf.placeholder(tf.int32, [2, 3]), axis=1)
    assert big.shape.as_list() == [5, 2, 3, 7]
    assert node(tf.gather_nd(x, [[0, 1]])) == ('GatherNd:0', 'GatherNd', [1])
    t = tf.transpose(x)
    assert node(t) == ('transpose:0', 'Transpose', [3, 2]) and input_names(t)[1] == 'transpose/perm:0'
    assert node(tf.transpose(p))[2] == [3, None]
    assert tf.transpose(tf.placeholder(tf.float32)).shape.rank is None
    ct = tf.transpose(tf.placeholder(tf.complex64, [2, 3]), conjugate=True)
    assert node(ct)[1:] == ('ConjugateTranspose', [3, 2])
    assert node(tf.tile(x, [2, 1])) == ('Tile:0', 'Tile', [4, 3])
    assert node(tf.tile(p, [2, 2]))[2] == [None, 6]
    assert node(tf.pad(x, [[1, 1], [0, 2]])) == ('Pad:0', 'Pad', [4, 5])
    v2 = tf.pad(x, [[1, 1], [0, 2]], constant_values=3)
    assert node(v2) == ('PadV2:0', 'PadV2', [4, 5]) and input_names(v2)[2] == 'PadV2/constant_values:0'
    m = tf.pad(x, [[1, 1], [0, 2]], mode='reflect')
    assert node(m) == ('MirrorPad:0', 'MirrorPad', [4, 5]) and m.op.get_attr('mode') in ('REFLECT', b'REFLECT')
    assert tf.pad(x, [[1, 1], [0, 2]], mode='Symmetric').op.get_attr('mode') in ('SYMMETRIC', b'SYMMETRIC')


def test_fill_zeros_ones_nodes():
    i = tf.placeholder(tf.int32, [2])
    x = tf.placeholder(tf.float32, [2, 3])
    p = tf.placeholder(tf.float32, [None, 3])
    f = tf.fill([2, 3], 1.0)
    assert node(f) == ('Fill:0', 'Fill', [2, 3]) and input_names(f) == ['Fill/dims:0', 'Fill/value:0']
    assert node(tf.fill(i, 1.0))[2] == [None, None]
    assert node(tf.zeros([2, 3])) == ('zeros:0', 'Const', [2, 3])
    z = tf.zeros(i)
    assert node(z) == ('zeros_1:0', 'Fill', [None, None]) and input_names(z) == ['Placeholder:0', 'zeros_1/Const:0']
    assert node(tf.ones([2, 3], tf.int32)) == ('ones:0', 'Const', [2, 3])
    assert tf.ones([2, 3], tf.int32).dtype == tf.int32
    big = tf.zeros([1000, 1000])  # not small: a Fill, so GraphDefs stay small
    assert node(big) == ('zeros_2:0', 'Fill', [1000, 1000])
    assert input_names(big) == ['zeros_2/shape_as_tensor:0', 'zeros_2/Const:0']
    assert node(tf.zeros([tf.constant(2), 3]))[1:] == ('Fill', [2, 3])
    assert node(tf.zeros_like(x)) == ('zeros_like:0', 'Const', [2, 3])
    assert node(tf.ones_like(x)) == ('ones_like:0', 'Fill', [2, 3])
    assert node(tf.zeros_like(p)) == ('zeros_like_1:0', 'ZerosLike', [None, 3])
    assert node(tf.ones_like(p)) == ('ones_like_1:0', 'Fill', [None, 3])
    assert tf.zeros_like(x, dtype=tf.int32).dtype == tf.int32
    assert tf.ones_like(p, dtype=tf.int32).dtype == tf.int32


def test_range_linspace_one_hot_nodes():
    r = tf.range(5)
    assert node(r) == ('range:0', 'Range', [5]) and r.dtype == tf.int32
    assert input_names(r) == ['range/start:0', 'range/limit:0', 'range/delta:0']
    assert node(tf.range(1, 5, 2))[2] == [2]
    assert tf.range(1., 5).dtype == tf.float32 and tf.range(1., 5).shape.as_list() == [4]
    assert tf.range(0, 5, 0.5).shape.as_list() == [10]
    assert tf.range(3, dtype=tf.int64).dtype == tf.int64
    assert tf.range(5, dtype=tf.float32).dtype == tf.float32
    i = tf.placeholder(tf.int32, [])
    assert tf.range(i).shape.as_list() == [None]
    ls = tf.linspace(0., 1., 5)
    assert node(ls) == ('LinSpace:0', 'LinSpace', [5]) and tf.lin_space is tf.linspace
    oh = tf.one_hot([0, 2], 3)
    assert node(oh) == ('one_hot:0', 'OneHot', [2, 3]) and oh.op.get_attr('axis') == -1
    assert input_names(oh) == ['one_hot/indices:0', 'one_hot/depth:0', 'one_hot/on_value:0', 'one_hot/off_value:0']
    idx = tf.placeholder(tf.int32, [2])
    assert tf.one_hot(idx, 4, axis=0).shape.as_list() == [4, 2]
    assert tf.one_hot(idx, 4, on_value=5, off_value=1).dtype == tf.int32
    assert tf.one_hot(idx, 4, dtype=tf.int64).dtype == tf.int64


def test_where_select_reverse_misc_nodes():
    x = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.bool, [2, 3])
    w = tf.where(b)
    assert node(w) == ('Where:0', 'Where', [None, 2]) and w.dtype == tf.int64
    assert node(tf.where(b, x, x)) == ('Select:0', 'Select', [2, 3])
    assert node(tf.where(tf.placeholder(tf.bool, [2]), x, x)) == ('Select_1:0', 'Select', [2, 3])
    v2 = tf.where_v2(b, x, 1.)
    assert node(v2) == ('SelectV2:0', 'SelectV2', [2, 3]) and input_names(v2)[2] == 'SelectV2/e:0'
    assert node(tf.where_v2(tf.placeholder(tf.bool, [3]), tf.placeholder(tf.float32, [2, 1]), 0.))[2] == [2, 3]
    assert node(tf.reverse(x, [1])) == ('ReverseV2:0', 'ReverseV2', [2, 3])
    assert tf.reverse_v2 is tf.reverse
    n = tf.identity_n([x, tf.placeholder(tf.int32, [2])])
    assert [node(t) for t in n] == [('IdentityN:0', 'IdentityN', [2, 3]), ('IdentityN:1', 'IdentityN', [2])]
    assert node(tf.stop_gradient(x)) == ('StopGradient:0', 'StopGradient', [2, 3])
    assert tf.newaxis is None
    m = tf.boolean_mask(x, b)
    assert node(m) == ('boolean_mask/GatherV2:0', 'GatherV2', [None])
    assert tf.boolean_mask(x, tf.constant([True, False])).shape.as_list() == [None, 3]


def test_autopacking_lists_of_tensors():
    x = tf.placeholder(tf.float32, [2, 3])
    packed = tf.convert_to_tensor([[1, x[0, 0]], [2., 3.]])
    assert node(packed) == ('packed:0', 'Pack', [2, 2])
    assert input_names(packed) == ['packed/0:0', 'packed/1_1:0']  # TF's names, scope clash included
    assert tf.convert_to_tensor([1, 2]).op.type == 'Const'


def test_clip_by_value_builds_minimum_then_maximum():
    x = tf.placeholder(tf.float32, [2, 3])
    c = tf.clip_by_value(x, 0., 1.)
    assert node(c) == ('clip_by_value:0', 'Maximum', [2, 3])
    assert input_names(c) == ['clip_by_value/Minimum:0', 'clip_by_value/y:0']
    assert input_names(c.op.inputs[0]) == ['Placeholder:0', 'clip_by_value/Minimum/y:0']
    assert_allclose(run_graph(c, {x: X - 2.5}), np.clip(X - 2.5, 0, 1))


# ---------------------------------------------------------------------------------------------
# Strided slicing: masks as TF builds them, values as NumPy computes them
# ---------------------------------------------------------------------------------------------
# index -> (begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask, static shape) from TF
SLICES = [
    ('x[1]', lambda x: x[1], lambda a: a[1], (0, 0, 0, 0, 1), [5, 6]),
    ('x[-1]', lambda x: x[-1], lambda a: a[-1], (0, 0, 0, 0, 1), [5, 6]),
    ('x[1:]', lambda x: x[1:], lambda a: a[1:], (0, 1, 0, 0, 0), [3, 5, 6]),
    ('x[:,1]', lambda x: x[:, 1], lambda a: a[:, 1], (1, 1, 0, 0, 2), [4, 6]),
    ('x[...,1]', lambda x: x[..., 1], lambda a: a[..., 1], (0, 0, 1, 0, 2), [4, 5]),
    ('x[None,:,0]', lambda x: x[None, :, 0], lambda a: a[None, :, 0], (2, 2, 0, 1, 4), [1, 4, 6]),
    ('x[::-1]', lambda x: x[::-1], lambda a: a[::-1], (1, 1, 0, 0, 0), [4, 5, 6]),
    ('x[1:3:2,newaxis]', lambda x: x[1:3:2, tf.newaxis], lambda a: a[1:3:2, None], (0, 0, 0, 2, 0), [1, 1, 5, 6]),
    ('x[:,::2]', lambda x: x[:, ::2], lambda a: a[:, ::2], (3, 3, 0, 0, 0), [4, 3, 6]),
    ('x[...,None]', lambda x: x[..., None], lambda a: a[..., None], (0, 0, 1, 2, 0), [4, 5, 6, 1]),
    ('x[None,...,1:2]', lambda x: x[None, ..., 1:2], lambda a: a[None, ..., 1:2], (0, 0, 2, 1, 0), [1, 4, 5, 1]),
    ('x[-3:-1,...,-1]', lambda x: x[-3:-1, ..., -1], lambda a: a[-3:-1, ..., -1], (0, 0, 2, 0, 4), [2, 5]),
    ('x[1,2,3]', lambda x: x[1, 2, 3], lambda a: a[1, 2, 3], (0, 0, 0, 0, 7), []),
    ('x[()]', lambda x: x[()], lambda a: a[()], (0, 0, 0, 0, 0), [4, 5, 6]),
    ('x[2:1]', lambda x: x[2:1], lambda a: a[2:1], (0, 0, 0, 0, 0), [0, 5, 6]),
    ('x[10:]', lambda x: x[10:], lambda a: a[10:], (0, 1, 0, 0, 0), [0, 5, 6]),
    ('x[:,-10:2]', lambda x: x[:, -10:2], lambda a: a[:, -10:2], (1, 1, 0, 0, 0), [4, 2, 6]),
    ('x[1,...,None,2]', lambda x: x[1, ..., None, 2], lambda a: a[1, ..., None, 2], (0, 0, 2, 4, 9), [5, 1]),
    ('x[[0,1]]', lambda x: x[[0, 1]], lambda a: a[0, 1], (0, 0, 0, 0, 3), [6]),
    ('x[3:0:-2,:,-2:]', lambda x: x[3:0:-2, :, -2:], lambda a: a[3:0:-2, :, -2:], (2, 6, 0, 0, 0), [2, 5, 2]),
]
_MASK_NAMES = ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')


def test_getitem_builds_tf_masks_and_static_shapes():
    x = tf.placeholder(tf.float32, [4, 5, 6])
    for k, (label, index, _, masks, static) in enumerate(SLICES):
        t = index(x)
        assert t.op.type == 'StridedSlice', label
        assert t.name == ('strided_slice:0' if k == 0 else 'strided_slice_%d:0' % k), label
        assert tuple(t.op.get_attr(m) for m in _MASK_NAMES) == masks, label
        assert t.shape.as_list() == static, label
    first = SLICES[0][1](x)
    assert [i.name for i in first.op.inputs[1:]] == ['strided_slice_20/stack:0', 'strided_slice_20/stack_1:0',
                                                     'strided_slice_20/stack_2:0']


def test_getitem_values(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32, [4, 5, 6])
        fetches = [index(x) for _, index, _, _, _ in SLICES]
    results = run_graph(fetches, {x: X3})
    for (label, _, numpy_index, _, _), got in zip(SLICES, results):
        want = numpy_index(X3)
        assert np.shape(got) == np.shape(want), label
        np.testing.assert_array_equal(got, want, err_msg=label)


def test_getitem_with_tensor_indices(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32, [4, 5, 6])
        i = tf.placeholder(tf.int32, [])
        by_tensor = x[i]
        from_tensor = x[i:]
        packed = x[1:i, i]
    assert by_tensor.shape.as_list() == [5, 6] and by_tensor.op.get_attr('shrink_axis_mask') == 1
    assert by_tensor.op.inputs[1].op.type == 'Pack' and by_tensor.op.inputs[1].name == 'strided_slice/stack:0'
    assert from_tensor.shape.as_list() == [None, 5, 6] and from_tensor.op.get_attr('end_mask') == 1
    assert packed.shape.as_list() == [None, 6]
    got = run_graph([by_tensor, from_tensor, packed], {x: X3, i: 2})
    for g, w in zip(got, [X3[2], X3[2:], X3[1:2, 2]]):
        np.testing.assert_array_equal(g, w)
    v = tf.Variable(X)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(v[1, ::-1]), X[1, ::-1])


def test_strided_slice_function(device):
    with tf.device(device):
        x = tf.constant(X3)
        s = tf.strided_slice(x, [0, 1], [3, 5], [2, 2])
        d = tf.strided_slice(x, [1], [2])
        m = tf.strided_slice(x, [0, 0, 0], [0, 0, 0], [1, 1, 1], begin_mask=5, end_mask=5, shrink_axis_mask=2)
    assert s.name == 'StridedSlice:0' and s.shape.as_list() == [2, 2, 6]
    assert d.shape.as_list() == [1, 5, 6]  # default strides: ones_like(begin), folded statically
    assert m.shape.as_list() == [4, 6]
    got = run_graph([s, d, m])
    np.testing.assert_array_equal(got[0], X3[0:3:2, 1:5:2])
    np.testing.assert_array_equal(got[1], X3[1:2])
    np.testing.assert_array_equal(got[2], X3[:, 0, :])


def test_getitem_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match='slice index 5 of dimension 0 out of bounds'):
        x[5]
    with pytest.raises(ValueError, match='Index out of range using input dim 2; input has only 2 dims'):
        x[1, 2, 3]
    with pytest.raises(ValueError, match='Multiple ellipses in slice spec not allowed'):
        x[..., ...]
    with pytest.raises(TypeError, match='Only integers, slices'):
        x[1.5]
    with pytest.raises(TypeError, match='Only integers, slices'):
        x[tf.placeholder(tf.int32, [2])]
    i = tf.placeholder(tf.int32, [])
    for index, message in ((7, 'slice index 7 of dimension 0 out of bounds.'),
                           (-3, 'slice index -1 of dimension 0 out of bounds.')):
        with pytest.raises(errors.InvalidArgumentError, match=message):
            run_graph(x[i], {x: X, i: index})
    with pytest.raises(errors.InvalidArgumentError, match='strides\\[0\\] must be non-zero'):
        run_graph(tf.strided_slice(x, [0], [1], i[None]), {x: X, i: 0})


# ---------------------------------------------------------------------------------------------
# Kernels: values against NumPy on every device
# ---------------------------------------------------------------------------------------------
def test_shape_reshape_squeeze_values(device):
    with tf.device(device):
        p = tf.placeholder(tf.float32, [None, 3])
        shape_t = tf.placeholder(tf.int32, [None])
        unranked = tf.placeholder_with_default(X, None)
        fetches = [tf.shape(p), tf.shape(p, out_type=tf.int64), tf.size(p), tf.rank(unranked),
                   tf.shape_n([p, tf.transpose(p)]), tf.reshape(p, [-1]), tf.reshape(p, shape_t),
                   tf.expand_dims(p, 0), tf.expand_dims(p, -1), tf.squeeze(tf.reshape(p, [1, -1, 1, 3])),
                   tf.squeeze(tf.reshape(p, [1, 6, 1]), axis=[-1])]
    got = run_graph(fetches, {p: X, shape_t: [3, -1]})
    assert got[0].dtype == np.int32 and got[1].dtype == np.int64 and got[2].dtype == np.int32
    np.testing.assert_array_equal(got[0], [2, 3])
    assert got[2] == 6 and got[3] == 2
    np.testing.assert_array_equal(got[4][1], [3, 2])
    np.testing.assert_array_equal(got[5], X.reshape(-1))
    np.testing.assert_array_equal(got[6], X.reshape(3, 2))
    assert got[7].shape == (1, 2, 3) and got[8].shape == (2, 3, 1)
    assert got[9].shape == (2, 3) and got[10].shape == (1, 6)


def test_concat_stack_split_values(device):
    with tf.device(device):
        p = tf.placeholder(tf.float32, [2, 3])
        axis = tf.placeholder(tf.int32, [])
        fetches = [tf.concat([p, tf.zeros([2, 3])], 1), tf.concat([p, p], axis),
                   tf.stack([p, p], axis=1), tf.unstack(p, axis=1), tf.split(p, 3, axis=1),
                   tf.split(p, [1, -1], axis=1), tf.split(p, [2], axis=0)]
    got = run_graph(fetches, {p: X, axis: 0})
    assert got[0].shape == (2, 6)
    np.testing.assert_array_equal(got[1], np.concatenate([X, X], 0))
    np.testing.assert_array_equal(got[2], np.stack([X, X], 1))
    for g, w in zip(got[3], [X[:, 0], X[:, 1], X[:, 2]]):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(got[4], np.split(X, 3, axis=1)):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(got[5][1], X[:, 1:])
    assert len(got[6]) == 1 and got[6][0].shape == (2, 3)


def test_slice_gather_values(device):
    params = np.arange(24, dtype=np.float32).reshape(4, 6)
    with tf.device(device):
        p = tf.placeholder(tf.float32, [4, 6])
        idx = tf.placeholder(tf.int32, [2, 2])
        fetches = [tf.slice(p, [1, 2], [-1, 3]), tf.gather(p, [3, 0]), tf.gather(p, idx, axis=1),
                   tf.gather(p, 2), tf.gather(tf.constant([1, 2, 3]), tf.constant([2], tf.int64)),
                   tf.gather_nd(p, [[1, 0], [3, 5]]), tf.gather_nd(p, [[2]])]
    got = run_graph(fetches, {p: params, idx: [[0, 5], [1, 1]]})
    np.testing.assert_array_equal(got[0], params[1:, 2:5])
    np.testing.assert_array_equal(got[1], params[[3, 0]])
    np.testing.assert_array_equal(got[2], np.take(params, [[0, 5], [1, 1]], axis=1))
    np.testing.assert_array_equal(got[3], params[2])
    np.testing.assert_array_equal(got[4], [3])
    np.testing.assert_array_equal(got[5], [params[1, 0], params[3, 5]])
    np.testing.assert_array_equal(got[6], params[[2]])


def test_transpose_tile_pad_reverse_values(device):
    x3 = X3[:2, :3, :4]
    with tf.device(device):
        p = tf.placeholder(tf.float32, [2, 3])
        q = tf.placeholder(tf.float32, None)
        perm = tf.placeholder(tf.int32, [3])
        c = tf.placeholder(tf.complex64, [2])
        fetches = [tf.transpose(p), tf.transpose(q), tf.transpose(q, perm), tf.tile(p, [2, 3]),
                   tf.pad(p, [[1, 0], [2, 1]]), tf.pad(p, [[1, 1], [0, 2]], constant_values=7.),
                   tf.pad(p, [[1, 1], [2, 2]], mode='REFLECT'), tf.pad(p, [[1, 1], [2, 2]], mode='symmetric'),
                   tf.reverse(p, [1]), tf.reverse(p, [-1, 0]), tf.transpose(c[None], conjugate=True)]
    got = run_graph(fetches, {p: X, q: x3, perm: [1, 2, 0], c: [1 + 2j, 3 - 1j]})
    np.testing.assert_array_equal(got[0], X.T)
    np.testing.assert_array_equal(got[1], x3.transpose())
    np.testing.assert_array_equal(got[2], x3.transpose(1, 2, 0))
    np.testing.assert_array_equal(got[3], np.tile(X, [2, 3]))
    np.testing.assert_array_equal(got[4], np.pad(X, [[1, 0], [2, 1]]))
    np.testing.assert_array_equal(got[5], np.pad(X, [[1, 1], [0, 2]], constant_values=7))
    np.testing.assert_array_equal(got[6], np.pad(X, [[1, 1], [2, 2]], mode='reflect'))
    np.testing.assert_array_equal(got[7], np.pad(X, [[1, 1], [2, 2]], mode='symmetric'))
    np.testing.assert_array_equal(got[8], X[:, ::-1])
    np.testing.assert_array_equal(got[9], X[::-1, ::-1])
    np.testing.assert_array_equal(got[10], np.conj([[1 + 2j], [3 - 1j]]))


def test_fill_zeros_ones_range_values(device):
    with tf.device(device):
        dims = tf.placeholder(tf.int32, [2])
        p = tf.placeholder(tf.float32, [None, 3])
        n = tf.placeholder(tf.int32, [])
        fetches = [tf.fill([2, 3], 9), tf.fill(dims, 1.5), tf.zeros(dims, tf.int64), tf.ones([2, 2], tf.bool),
                   tf.zeros([1000, 2]), tf.zeros_like(p), tf.ones_like(p), tf.zeros_like(p, dtype=tf.int32),
                   tf.range(n), tf.range(10, 1, -3), tf.range(0., 1., 0.1), tf.range(1, n, 2, dtype=tf.int64),
                   tf.linspace(0., 1., 5), tf.linspace(1., 1., 1), tf.lin_space(-1., 2., n)]
    got = run_graph(fetches, {dims: [3, 1], p: X, n: 4})
    np.testing.assert_array_equal(got[0], np.full([2, 3], 9, np.int32))
    assert got[1].shape == (3, 1) and got[1].dtype == np.float32
    assert got[2].dtype == np.int64 and got[3].all() and got[4].shape == (1000, 2)
    np.testing.assert_array_equal(got[5], np.zeros_like(X))
    np.testing.assert_array_equal(got[6], np.ones_like(X))
    assert got[7].dtype == np.int32
    np.testing.assert_array_equal(got[8], np.arange(4, dtype=np.int32))
    np.testing.assert_array_equal(got[9], [10, 7, 4])  # from TF
    assert got[10].dtype == np.float32 and got[10].shape == (10,)
    assert_allclose(got[10][-1], 0.90000004)  # from TF: start + i * delta in float32
    assert got[11].dtype == np.int64 and list(got[11]) == [1, 3]
    assert_allclose(got[12], [0., 0.25, 0.5, 0.75, 1.])
    assert_allclose(got[13], [1.])
    assert_allclose(got[14], np.linspace(-1, 2, 4))


def test_one_hot_where_select_values(device):
    cond = np.array([[True, False, True], [False, False, True]])
    with tf.device(device):
        i = tf.placeholder(tf.int32, [4])
        b = tf.placeholder(tf.bool, [2, 3])
        rows = tf.placeholder(tf.bool, [2])
        p = tf.placeholder(tf.float32, [2, 3])
        fetches = [tf.one_hot(i, 3), tf.one_hot(i, 3, axis=0), tf.one_hot(i, 3, on_value=5, off_value=-1),
                   tf.where(b), tf.where(b, p, -p), tf.where(rows, p, -p), tf.where_v2(b, p, 100.),
                   tf.where_v2(rows[:, None], 1., p), tf.boolean_mask(p, b), tf.boolean_mask(p, rows),
                   tf.identity_n([p, i]), tf.stop_gradient(p)]
    got = run_graph(fetches, {i: [0, -1, 5, 2], b: cond, rows: [False, True], p: X})
    eye = np.eye(3, dtype=np.float32)
    want = np.stack([eye[0], np.zeros(3), np.zeros(3), eye[2]])  # from TF: out-of-range rows are all off
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], want.T)
    assert got[2].dtype == np.int32 and list(got[2][0]) == [5, -1, -1]
    assert got[3].dtype == np.int64
    np.testing.assert_array_equal(got[3], np.argwhere(cond))
    np.testing.assert_array_equal(got[4], np.where(cond, X, -X))
    np.testing.assert_array_equal(got[5], np.stack([-X[0], X[1]]))
    np.testing.assert_array_equal(got[6], np.where(cond, X, 100))
    np.testing.assert_array_equal(got[7], np.stack([X[0], np.ones(3)]))
    np.testing.assert_array_equal(got[8], X[cond])
    np.testing.assert_array_equal(got[9], X[[1]])
    np.testing.assert_array_equal(got[10][0], X)
    np.testing.assert_array_equal(got[11], X)


def test_const_inputs_are_read_at_plan_time_and_fed_ones_are_not():
    p = tf.placeholder(tf.float32, [None])
    r = tf.reshape(p, [2, -1])
    t = tf.tile(p, [2])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(r, {p: np.arange(6.)}), np.arange(6.).reshape(2, 3))
        np.testing.assert_array_equal(sess.run(r, {p: np.arange(4.)}), np.arange(4.).reshape(2, 2))
        shape_const = r.op.inputs[1]
        np.testing.assert_array_equal(sess.run(r, {p: np.arange(4.), shape_const: [4, 1]}),
                                      np.arange(4.).reshape(4, 1))
        np.testing.assert_array_equal(sess.run(t, {p: [1., 2.]}), [1, 2, 1, 2])


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------
def test_graph_time_value_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    cases = [
        (lambda: tf.reshape(x, [4]), 'Cannot reshape a tensor with 6 elements to shape \\[4\\] \\(4 elements\\)'),
        (lambda: tf.reshape(x, [-1, 4]), 'Dimension size must be evenly divisible by 4 but is 6'),
        (lambda: tf.concat([x, tf.zeros([2, 2])], 0), 'Dimension 0 in both shapes must be equal, but are 3 and 2'),
        (lambda: tf.concat([x, tf.zeros([2])], 0), 'Shape must be rank 2 but is rank 1'),
        (lambda: tf.concat([x, x], 2), 'Shape must be at least rank 3 but is rank 2'),
        (lambda: tf.stack([x, tf.zeros([2, 2])]), 'Dimension 1 in both shapes must be equal, but are 3 and 2'),
        (lambda: tf.stack([x, x], axis=4), 'axis = 4 not in \\[-3, 3\\)'),
        (lambda: tf.unstack(x, axis=2), 'axis = 2 not in \\[-2, 2\\)'),
        (lambda: tf.unstack(tf.placeholder(tf.float32, [None])), 'Cannot infer num from shape'),
        (lambda: tf.split(x, 2, axis=1), 'Dimension size must be evenly divisible by 2 but is 3'),
        (lambda: tf.split(x, [1, 1], axis=1), "can't split axis of size 3 into pieces of size \\[1,1\\]"),
        (lambda: tf.split(x, [-1, -1], axis=1), 'size_splits can only have one -1'),
        (lambda: tf.tile(x, [1]), 'Shape must be rank 2 but is rank 1'),
        (lambda: tf.transpose(x, [0, 1, 2]), 'Dimension must be 2 but is 3'),
        (lambda: tf.expand_dims(x, 5), 'dim 5 not in the interval \\[-3, 2\\]'),
        (lambda: tf.squeeze(x, [0]), 'Can not squeeze dim\\[0\\], expected a dimension of 1, got 2'),
        (lambda: tf.squeeze(x, [3]), 'squeeze_dims\\[0\\] not in \\[-2,2\\)'),
        (lambda: tf.gather(x, [0], axis=3), 'Shape must be at least rank 4 but is rank 2'),
        (lambda: tf.gather_nd(x, [[0, 1, 2]]), 'indices.shape\\[-1\\] must be <= params.rank'),
        (lambda: tf.pad(x, [[1, 1]]), 'Shape must be rank 1 but is rank 2'),
        (lambda: tf.pad(x, [[2, 2], [0, 0]], 'foo'), 'Unknown padding mode: FOO'),
        (lambda: tf.where(tf.placeholder(tf.bool, [3]), x, x), 'Dimension 0 in both shapes must be equal'),
        (lambda: tf.where(tf.placeholder(tf.bool, [2, 2]), x, x), 'Dimension 1 in both shapes must be equal'),
        (lambda: tf.where_v2(tf.placeholder(tf.bool, [4]), x, x), 'Dimensions must be equal, but are'),
        (lambda: tf.where(tf.placeholder(tf.bool, [2, 3]), x), 'x and y must both be non-None or both be None'),
        (lambda: tf.reverse(x, [3]), "'axis'\\[0\\] = 3 is out of valid range \\[0, 1"),
        (lambda: tf.reverse(x, [1, 1]), 'axis 1 specified more than once'),
        (lambda: tf.one_hot([1], 3, axis=-2), 'axis must be >= -1'),
        (lambda: tf.one_hot([1], -2), 'must be non-negative but is -2'),
        (lambda: tf.fill([2, -1], 1.0), 'Fill dimensions must be >= 0'),
        (lambda: tf.zeros([-1]), 'Fill dimensions must be >= 0'),
        (lambda: tf.range(5, 1), 'Requires start <= limit when delta > 0: 5/1'),
        (lambda: tf.range(0, 5, 0), 'Requires delta != 0'),
        (lambda: tf.linspace(0., 1., 0), 'Requires num > 0: 0'),
        (lambda: tf.expand_dims(x), 'Must specify an axis argument'),
        (lambda: tf.boolean_mask(x, True), 'mask cannot be scalar'),
    ]
    for build, message in cases:
        with pytest.raises(ValueError, match=message):
            build()
    where = "for 'Reshape_\\d+' \\(op: 'Reshape'\\) with input shapes: \\[2,3\\], \\[1\\]"
    with pytest.raises(ValueError, match=where):
        tf.reshape(x, [5])


def test_graph_time_type_errors():
    x = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(TypeError):
        tf.concat([x, tf.placeholder(tf.int32, [2, 3])], 0)
    with pytest.raises(TypeError, match='does not match dtype parameter'):
        tf.one_hot([1], 3, on_value=1.5, dtype=tf.int32)
    assert tf.one_hot([1], 3, on_value=1, dtype=tf.float32).dtype == tf.float32
    with pytest.raises(TypeError, match='does not match dtype'):
        tf.one_hot([1], 3, on_value=1., off_value=0)


def test_run_time_invalid_argument_errors(device):
    xv = X
    with tf.device(device):
        x = tf.placeholder(tf.float32, None)
        i = tf.placeholder(tf.int32, None)
        cases = [
            (tf.reshape(x, i), [4], 'Input to reshape is a tensor with 6 values, but the requested shape has 4'),
            (tf.reshape(x, i), [-1, 4], 'but the requested shape requires a multiple of 4'),
            (tf.reshape(x, i), [-1, -1], 'Only one input size may be -1, not both 0 and 1'),
            (tf.gather(tf.constant([1, 2, 3, 4, 5]), i), [0, 7], 'indices\\[1\\] = 7 is not in \\[0, 5\\)'),
            (tf.gather(x, i, axis=1), [0, 3], 'indices\\[1\\] = 3 is not in \\[0, 3\\)'),
            (tf.gather(x, i), [[0], [-1]], 'indices\\[1,0\\] = -1 is not in \\[0, 2\\)'),
            (tf.concat([x, tf.zeros([2, 2])], i), 0, 'ConcatOp : Dimension 1 in both shapes must be equal: '
                                                     'shape\\[0\\] = \\[2,3\\] vs. shape\\[1\\] = \\[2,2\\]'),
            (tf.stack([x, tf.zeros([2, 2])]), 0, 'Shapes of all inputs must match: values\\[0\\].shape = \\[2,3\\] '
                                                 '!= values\\[1\\].shape = \\[2,2\\]'),
            (tf.split(x, 2, axis=i)[0], 1, 'Number of ways to split should evenly divide the split dimension, but '
                                           'got split_dim 1 \\(size = 3\\) and num_split 2'),
            (tf.slice(x, [0, 0], i), [3, 1], 'Expected size\\[0\\] in \\[0, 2\\], but got 3'),
            (tf.tile(x, i), [1], 'Expected multiples argument to be a vector of length 2 but got length 1'),
            (tf.transpose(x, i), [0, 0], '1 is missing from \\{0,0\\}.'),
            (tf.expand_dims(x, i), 5, 'Tried to expand dim index 5 for tensor with 2 dimensions.'),
            (tf.fill(i, 1.0), [-1, 2], 'Dimension -1 must be >= 0'),
            (tf.pad(x, i), [[1, 1]], 'The first dimension of paddings must be the rank of inputs\\[1,2\\] \\[2,3\\]'),
            (tf.pad(x, i, 'REFLECT'), [[2, 2], [0, 0]],
             'paddings must be less than the dimension size: 2, 2 not less than 2'),
            (tf.range(i, 1), 5, 'Requires start <= limit when delta > 0: 5/1'),
            (tf.range(0, 5, i), 0, 'Requires delta != 0: 0'),
            (tf.where(tf.placeholder_with_default([True, False, True], [3]), x, x), 0,
             "Number of batches of 'then' must match size of 'cond', but saw: 2 vs. 3"),
            (tf.reverse(x, i), [3], "'axis'\\[0\\] = 3 is out of valid range \\[0, 1"),
            (tf.squeeze(x, [0]), 0, 'Can not squeeze dim\\[0\\], expected a dimension of 1, got 2'),
        ]
    for fetch, value, message in cases:
        with pytest.raises(errors.InvalidArgumentError, match=message) as info:
            run_graph(fetch, {x: xv, i: value})
        assert info.value.op is fetch.op or info.value.op is not None


def test_select_on_large_inputs_picks_exact_bits(device):
    # Large float inputs take the bit-blend path on NumPy: NaN and -0.0 must come through bit for bit.
    rng = np.random.default_rng(3)
    t_val = rng.standard_normal(6000).astype(np.float32)
    t_val[::7] = np.nan
    t_val[1::7] = -0.0
    e_val = rng.standard_normal(6000).astype(np.float32)
    c_val = rng.random(6000) < 0.5
    with tf.device(device):
        picked = tf.where(tf.constant(c_val), tf.constant(t_val), tf.constant(e_val))
        picked_v2 = tf.where_v2(tf.constant(c_val), tf.constant(t_val), 0.0)
    with tf.Session() as sess:
        got, got_v2 = sess.run([picked, picked_v2])
    np.testing.assert_array_equal(got.view(np.int32), np.where(c_val, t_val, e_val).view(np.int32))
    np.testing.assert_array_equal(got_v2.view(np.int32), np.where(c_val, t_val, np.float32(0)).view(np.int32))


def test_one_hot_indices_must_be_integers_as_in_tf():
    with pytest.raises(TypeError, match="parameter 'indices' has DataType float32 not in list of allowed values"):
        tf.one_hot(tf.constant([1.0]), 3)
