"""tf.data sources and transformations: values, order, nesting and static shapes, against TF where
the result is deterministic."""
import collections

import numpy as np
import pytest

import sluice as tf
from tests.data.pipelines import assert_same_elements, drain, reference

X = np.arange(24, dtype=np.float32).reshape(12, 2)
Y = np.arange(12, dtype=np.int64)

PIPELINES = {
    'slices': lambda t: t.data.Dataset.from_tensor_slices(X),
    'tuple_map': lambda t: t.data.Dataset.from_tensor_slices((X, Y)).map(lambda x, y: (x * 2.0, y + 1)),
    'dict': lambda t: t.data.Dataset.from_tensor_slices({'b': X, 'a': Y}).map(lambda d: {'s': d['b'][0], 'a': d['a']}),
    'tensors': lambda t: t.data.Dataset.from_tensors((X, Y)).repeat(3),
    'range_batch': lambda t: t.data.Dataset.range(3, 20, 2).batch(4),
    'batch_drop': lambda t: t.data.Dataset.from_tensor_slices(X).batch(5, drop_remainder=True),
    'filter': lambda t: t.data.Dataset.range(20).filter(lambda x: t.equal(x % 3, 0)),
    'take_skip': lambda t: t.data.Dataset.range(20).skip(3).take(5).repeat(2),
    'zip': lambda t: t.data.Dataset.zip((t.data.Dataset.range(5), t.data.Dataset.from_tensor_slices(X))),
    'concat': lambda t: t.data.Dataset.range(3).concatenate(t.data.Dataset.range(10, 13)),
    'flat_map': lambda t: t.data.Dataset.range(4).flat_map(lambda x: t.data.Dataset.range(x)),
    'interleave': lambda t: t.data.Dataset.range(1, 6).interleave(
        lambda x: t.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2),
    'padded_batch': lambda t: t.data.Dataset.range(1, 6).map(lambda x: t.fill([x], x)).padded_batch(
        2, padded_shapes=[None]),
    'padded_fixed': lambda t: t.data.Dataset.range(1, 4).map(lambda x: (t.fill([x], x), x)).padded_batch(
        2, padded_shapes=([5], []), padding_values=(t.constant(-1, t.int64), t.constant(0, t.int64))),
    'unbatch': lambda t: t.data.Dataset.from_tensor_slices(X).batch(5).unbatch(),
    'map_parallel': lambda t: t.data.Dataset.range(30).map(lambda x: x * x, num_parallel_calls=3).batch(7),
    'map_batch_vectorized': lambda t: t.data.Dataset.from_tensor_slices(X).map(
        lambda x: t.cast(x, t.int32) * 3 + 1).batch(5),
    'prefetch_cache': lambda t: t.data.Dataset.range(6).map(lambda x: x + 1).cache().repeat(2).prefetch(2),
    'strings': lambda t: t.data.Dataset.from_tensor_slices(np.array([b'a', b'bc', b'def'])).batch(2),
    'generator': lambda t: t.data.Dataset.from_generator(lambda: iter([(1, [1.0]), (2, [2.0, 3.0])]),
                                                         (t.int64, t.float32), (t.TensorShape([]),
                                                                                t.TensorShape([None]))),
    'list_is_atom': lambda t: t.data.Dataset.from_tensors([1, 2, 3]),
}


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(PIPELINES))
def test_matches_tensorflow(name):
    build = PIPELINES[name]
    expected = reference(build)
    ds = build(tf)
    assert_same_elements(drain(tf, ds), expected)


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(PIPELINES))
def test_static_structure_matches_tensorflow(name):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    build = PIPELINES[name]
    g = tf1.Graph()
    with g.as_default():
        ref = build(tf1)
        ref_types = tf1.data.get_output_types(ref)
        ref_shapes = tf1.data.get_output_shapes(ref)
    ds = build(tf)
    assert repr(ds.output_types) == repr(ref_types).replace('tf.', 'tf.')
    assert str(ds.output_shapes) == str(ref_shapes)


def test_values_without_tensorflow():
    assert [int(v) for v in drain(tf, tf.data.Dataset.range(2, 11, 3))] == [2, 5, 8]
    batches = drain(tf, tf.data.Dataset.from_tensor_slices((X, Y)).batch(5))
    assert [b[0].shape for b in batches] == [(5, 2), (5, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), Y)
    inter = drain(tf, tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2))
    assert [int(v) for v in inter] == [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5, 5]


def test_namedtuple_and_dict_structures():
    Point = collections.namedtuple('Point', 'x y')
    ds = tf.data.Dataset.from_tensor_slices(Point(X, Y))
    assert isinstance(ds.output_types, Point)
    assert ds.output_shapes.x.as_list() == [2]
    nxt = ds.make_one_shot_iterator().get_next()
    assert isinstance(nxt, Point)
    d = tf.data.Dataset.from_tensor_slices({'img': X, 'label': Y}).batch(4, drop_remainder=True)
    assert d.output_shapes['img'].as_list() == [4, 2]
    assert d.output_classes == {'img': tf.Tensor, 'label': tf.Tensor}


def test_shuffle_is_a_permutation_and_deterministic_per_seed():
    def order(seed, graph_seed=None):
        tf.reset_default_graph()
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        return [int(v) for v in drain(tf, tf.data.Dataset.range(50).shuffle(10, seed=seed))]
    a, b = order(3), order(3)
    assert a == b and sorted(a) == list(range(50)) and a != list(range(50))
    assert order(4) != a
    assert order(None, 7) == order(None, 7)
    # the buffer: the first output is one of the first 10 elements, element i is never out before i - 9
    assert a[0] < 10 and all(v <= i + 9 for i, v in enumerate(a))


def test_reshuffle_each_iteration():
    ds = tf.data.Dataset.range(20)
    two = [int(v) for v in drain(tf, ds.shuffle(20, seed=1).repeat(2))]
    assert sorted(two[:20]) == sorted(two[20:]) == list(range(20)) and two[:20] != two[20:]
    same = [int(v) for v in drain(tf, ds.shuffle(20, seed=1, reshuffle_each_iteration=False).repeat(2))]
    assert same[:20] == same[20:]


def test_shuffle_batch_gathers_by_index():
    """from_tensor_slices -> shuffle -> repeat -> batch: rows of the source, each epoch a permutation."""
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(5, seed=2).repeat(2).batch(8)
    batches = drain(tf, ds)
    xs = np.concatenate([b[0] for b in batches])
    ys = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(xs, X[ys])
    assert sorted(ys[:12]) == list(range(12)) and sorted(ys[12:]) == list(range(12))
    elementwise = drain(tf, tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(5, seed=2).repeat(2))
    np.testing.assert_array_equal([int(e[1]) for e in elementwise], ys)


def test_vectorized_map_equals_per_element_map():
    fn = lambda x: (tf.cast(x, tf.int32) * 3 + 1, x * 0.5)  # noqa: E731
    batched = drain(tf, tf.data.Dataset.from_tensor_slices(X).map(fn).batch(5))
    single = drain(tf, tf.data.Dataset.from_tensor_slices(X).map(fn))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batched]), np.stack([s[0] for s in single]))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batched]), np.stack([s[1] for s in single]))


def test_map_captures_placeholder_and_variable():
    scale = tf.placeholder(tf.float32, [])
    v = tf.Variable(10.0)
    ds = tf.data.Dataset.from_tensor_slices(X[:, 0]).map(lambda x: x * scale + v)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(it.initializer, {scale: 2.0})
        assert sess.run(nxt) == 10.0 and sess.run(nxt) == 14.0


def test_batch_errors_and_bad_arguments():
    ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match='Cannot batch tensors with different shapes'):
        drain(tf, ds)
    with pytest.raises(ValueError, match='scalar boolean'):
        tf.data.Dataset.range(3).filter(lambda x: x)
    with pytest.raises(TypeError, match='must return a `Dataset`'):
        tf.data.Dataset.range(3).flat_map(lambda x: x)
    with pytest.raises(TypeError, match='different types'):
        tf.data.Dataset.range(3).concatenate(tf.data.Dataset.from_tensor_slices(X))


def test_generator_checks_what_it_yields():
    ds = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [1, 2, 3]]), tf.int64, tf.TensorShape([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match='yielded an element of shape'):
        drain(tf, ds)
    bad = tf.data.Dataset.from_generator(lambda: iter(['x']), tf.int64)
    with pytest.raises(tf.errors.InvalidArgumentError, match='could not be converted'):
        drain(tf, bad)


def test_apply_options_and_experimental():
    ds = tf.data.Dataset.range(10).apply(tf.data.experimental.shuffle_and_repeat(4, count=2, seed=1))
    vals = [int(v) for v in drain(tf, ds)]
    assert sorted(vals[:10]) == list(range(10)) and len(vals) == 20
    mb = tf.data.Dataset.range(10).apply(tf.data.experimental.map_and_batch(lambda x: x * 2, 4, drop_remainder=True))
    assert mb.output_shapes.as_list() == [4]
    assert [b.tolist() for b in drain(tf, mb)] == [[0, 2, 4, 6], [8, 10, 12, 14]]
    opts = tf.data.Options()
    opts.experimental_deterministic = True
    assert tf.data.Dataset.range(3).with_options(opts).options().experimental_deterministic is True
    assert tf.contrib.data.map_and_batch is tf.data.experimental.map_and_batch
    assert tf.data.experimental.AUTOTUNE == -1
    with pytest.raises(AttributeError, match='sluice does not implement tf.data.experimental.SqlDataset'):
        tf.data.experimental.SqlDataset


def test_ignore_errors_skips_failing_elements():
    ds = tf.data.Dataset.from_tensor_slices(np.array([1.0, 0.0, 2.0], np.float32)).map(
        lambda x: tf.check_numerics(1.0 / x, 'inf')).apply(tf.data.experimental.ignore_errors())
    assert [float(v) for v in drain(tf, ds)] == [1.0, 0.5]


def test_cache_to_file(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        yield from [b'x', b'yz']
    path = str(tmp_path / 'cache')
    ds = tf.data.Dataset.from_generator(gen, tf.string).cache(path).repeat(2)
    assert drain(tf, ds) == [b'x', b'yz', b'x', b'yz']
    assert len(calls) == 1
    again = tf.data.Dataset.from_generator(gen, tf.string).cache(path)
    assert drain(tf, again) == [b'x', b'yz'] and len(calls) == 1


def test_vectorized_map_errors_are_the_per_element_ones():
    raw = np.array([b'abcd', b'efgh', b'ij'], dtype=object)
    ds = tf.data.Dataset.from_tensor_slices(raw).map(lambda s: tf.decode_raw(s, tf.uint8)).batch(3)
    with pytest.raises(tf.errors.InvalidArgumentError, match='Cannot batch tensors with different shapes'):
        drain(tf, ds)
    ok = drain(tf, tf.data.Dataset.from_tensor_slices(raw[:2]).map(lambda s: tf.decode_raw(s, tf.uint8)).batch(3))
    assert ok[0].tolist() == [[97, 98, 99, 100], [101, 102, 103, 104]]


def test_contrib_data_and_experimental_helpers():
    ds = tf.data.Dataset.range(5).apply(tf.contrib.data.batch_and_drop_remainder(2))
    assert ds.output_shapes.as_list() == [2] and len(drain(tf, ds)) == 2
    pairs = drain(tf, tf.data.Dataset.from_tensor_slices(np.array([b'a', b'b'])).apply(
        tf.data.experimental.enumerate_dataset(start=3)))
    assert [(int(i), s) for i, s in pairs] == [(3, b'a'), (4, b'b')]
    counted = drain(tf, tf.data.experimental.Counter(2, 3, tf.int32).take(3))
    assert [int(v) for v in counted] == [2, 5, 8] and counted[0].dtype == np.int32
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.data.SqlDataset'):
        tf.contrib.data.SqlDataset


def test_get_single_element():
    x, y = tf.data.experimental.get_single_element(tf.data.Dataset.from_tensors((X, Y)))
    assert x.shape.as_list() == [12, 2]
    with tf.Session() as sess:
        xv, yv = sess.run([x, y])
        np.testing.assert_array_equal(xv, X)
        with pytest.raises(tf.errors.InvalidArgumentError, match='more than one element'):
            sess.run(tf.data.experimental.get_single_element(tf.data.Dataset.range(2)))
        with pytest.raises(tf.errors.InvalidArgumentError, match='Dataset was empty'):
            sess.run(tf.contrib.data.get_single_element(tf.data.Dataset.range(0)))


@pytest.mark.tf
def test_generator_args_reach_the_generator_as_tensorflow_passes_them():
    # Kyubyong/transformer passes lists of sentences and a file name: TF hands the generator an object
    # array of bytes, bytes for a string scalar and a NumPy scalar for a number.
    seen = []

    def build(tfm):
        def gen(sents, path, extra):
            seen.append((type(sents), sents.dtype, type(path), type(extra)))
            for s in sents:
                yield len(s) + extra + len(path)
        return tfm.data.Dataset.from_generator(gen, tfm.int64, tfm.TensorShape([]), args=(['ab', 'cde'], 'xy', 3))
    ours = drain(tf, build(tf))
    assert_same_elements(ours, reference(build))
    assert [int(v) for v in ours] == [7, 8]
    assert seen[0] == seen[1] == (np.ndarray, np.dtype(object), bytes, np.int32)


def test_generator_args_are_evaluated_when_the_iterator_starts():
    p = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.from_generator(lambda k: iter(range(k)), tf.int64, args=(p,))
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        for k in (3, 1):
            sess.run(it.initializer, {p: k})
            got = [int(sess.run(nxt)) for _ in range(k)]
            assert got == list(range(k))
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(nxt)
