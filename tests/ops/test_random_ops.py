"""Random ops: TF's node structure and names, seeds, reproducibility, distributions, shapes, errors.

Expected names, op types, attrs and error classes come from TensorFlow (tf.compat.v1 graph mode),
except the op seed taken from a graph seed alone: that follows TF 1.x's rule (the id of the last
op created, `graph._last_id`), where TF 2's compat.v1 counts calls instead. Random values cannot
match TF's Philox streams; their checks are statistical (tolerances of several standard errors).
"""
import threading

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors, op_registry
from sluice.ops import random_ops




def _ops():
    return [(op.name, op.type, [t.name for t in op.inputs]) for op in tf.get_default_graph().get_operations()]


def _node(name):
    return tf.get_default_graph().get_operation_by_name(name)


def _seeds(name):
    op = _node(name)
    return op.get_attr('seed'), op.get_attr('seed2')


def _draws(tensor, runs=2, feed_dict=None):
    with tf.Session() as sess:
        return [sess.run(tensor, feed_dict) for _ in range(runs)]


# -- the program from the seed-style examples ---------------------------------------------------
def test_uniform_in_range_program(device):
    with tf.device(device):
        x = tf.random_uniform([2, 3], 10, 11)
    with tf.Session() as sess:
        value = sess.run(x)
    assert value.shape == (2, 3) and value.dtype == np.float32
    assert np.all(value >= 10) and np.all(value < 11)


# -- graph structure, as TF builds it ------------------------------------------------------------
def test_normal_structure_matches_tf():
    out = tf.random_normal([2, 3])
    trunc = tf.truncated_normal([2, 3], mean=1.0, stddev=2.0)
    assert out.name == 'random_normal:0' and trunc.name == 'truncated_normal:0'
    assert _ops() == [
        ('random_normal/shape', 'Const', []),
        ('random_normal/mean', 'Const', []),
        ('random_normal/stddev', 'Const', []),
        ('random_normal/RandomStandardNormal', 'RandomStandardNormal', ['random_normal/shape:0']),
        ('random_normal/mul', 'Mul', ['random_normal/RandomStandardNormal:0', 'random_normal/stddev:0']),
        ('random_normal', 'AddV2', ['random_normal/mul:0', 'random_normal/mean:0']),
        ('truncated_normal/shape', 'Const', []),
        ('truncated_normal/mean', 'Const', []),
        ('truncated_normal/stddev', 'Const', []),
        ('truncated_normal/TruncatedNormal', 'TruncatedNormal', ['truncated_normal/shape:0']),
        ('truncated_normal/mul', 'Mul', ['truncated_normal/TruncatedNormal:0', 'truncated_normal/stddev:0']),
        ('truncated_normal', 'AddV2', ['truncated_normal/mul:0', 'truncated_normal/mean:0'])]
    rnd = _node('random_normal/RandomStandardNormal')
    assert rnd.get_attr('dtype') == tf.float32 and rnd.get_attr('T') == tf.int32
    assert (rnd.get_attr('seed'), rnd.get_attr('seed2')) == (0, 0)
    assert out.shape.as_list() == [2, 3] and out.dtype == tf.float32
    assert tf.random_normal([2], name='foo').name == 'foo:0'


def test_uniform_float_structure_matches_tf():
    value = tf.random_uniform([2, 3], 10, 11)
    assert value.name == 'random_uniform:0'
    assert _ops() == [
        ('random_uniform/shape', 'Const', []),
        ('random_uniform/min', 'Const', []),
        ('random_uniform/max', 'Const', []),
        ('random_uniform/RandomUniform', 'RandomUniform', ['random_uniform/shape:0']),
        ('random_uniform/sub', 'Sub', ['random_uniform/max:0', 'random_uniform/min:0']),
        ('random_uniform/mul', 'Mul', ['random_uniform/RandomUniform:0', 'random_uniform/sub:0']),
        ('random_uniform', 'AddV2', ['random_uniform/mul:0', 'random_uniform/min:0'])]
    assert tf.random_uniform([3], 0, 5).name == 'random_uniform_1/Mul:0'
    assert tf.random_uniform([3], 0.0, 1.0).name == 'random_uniform_2:0'  # floats: the full structure


def test_uniform_default_and_int_structure_matches_tf():
    default = tf.random_uniform([2, 3])
    ints = tf.random_uniform([2, 3], maxval=10, dtype=tf.int32)
    named = tf.random_uniform([2], maxval=4, dtype=tf.int64, name='foo')
    assert default.name == 'random_uniform/RandomUniform:0' and default.dtype == tf.float32
    assert ints.name == 'random_uniform_1:0' and ints.dtype == tf.int32 and ints.shape.as_list() == [2, 3]
    assert named.name == 'foo:0' and named.dtype == tf.int64
    assert _ops()[:6] == [
        ('random_uniform/shape', 'Const', []),
        ('random_uniform/RandomUniform', 'RandomUniform', ['random_uniform/shape:0']),
        ('random_uniform_1/shape', 'Const', []),
        ('random_uniform_1/min', 'Const', []),
        ('random_uniform_1/max', 'Const', []),
        ('random_uniform_1', 'RandomUniformInt',
         ['random_uniform_1/shape:0', 'random_uniform_1/min:0', 'random_uniform_1/max:0'])]
    op = ints.op
    assert op.get_attr('Tout') == tf.int32 and op.get_attr('T') == tf.int32


def test_shuffle_and_multinomial_structure_matches_tf():
    shuffled = tf.random_shuffle([1, 2, 3])
    samples = tf.multinomial([[1., 2.]], 5)
    cat = random_ops.categorical([[1., 2.]], 5, dtype=tf.int32)
    assert shuffled.name == 'RandomShuffle:0' and shuffled.shape.as_list() == [3]
    assert samples.name == 'multinomial/Multinomial:0' and samples.dtype == tf.int64
    assert samples.shape.as_list() == [1, 5]
    assert cat.name == 'categorical/Multinomial:0' and cat.dtype == tf.int32
    assert _ops()[:5] == [
        ('RandomShuffle/value', 'Const', []),
        ('RandomShuffle', 'RandomShuffle', ['RandomShuffle/value:0']),
        ('multinomial/logits', 'Const', []),
        ('multinomial/Multinomial/num_samples', 'Const', []),
        ('multinomial/Multinomial', 'Multinomial', ['multinomial/logits:0', 'multinomial/Multinomial/num_samples:0'])]
    assert tf.random_shuffle([1, 2], name='foo').name == 'foo:0'
    assert tf.multinomial([[1., 2.]], 3, name='bar').name == 'bar/Multinomial:0'


def test_poisson_structure_matches_tf():
    value = tf.random_poisson(2.0, [3])
    assert value.name == 'random_poisson/RandomPoissonV2:0' and value.dtype == tf.float32
    assert value.shape.as_list() == [3]
    assert _ops() == [
        ('random_poisson/shape', 'Const', []),
        ('random_poisson/RandomPoissonV2/rate', 'Const', []),
        ('random_poisson/RandomPoissonV2', 'RandomPoissonV2',
         ['random_poisson/shape:0', 'random_poisson/RandomPoissonV2/rate:0'])]
    assert value.op.get_attr('R') == tf.float32 and value.op.get_attr('S') == tf.int32
    assert tf.random_poisson([1., 2.], [4, 5]).shape.as_list() == [4, 5, 2]


# -- seeds --------------------------------------------------------------------------------------
def test_get_seed_rules():
    assert random_ops.get_seed(None) == (None, None)
    assert random_ops.get_seed(5) == (87654321, 5)
    assert random_ops.get_seed(2 ** 31 + 4) == (87654321, 5)  # reduced modulo 2**31 - 1
    tf.set_random_seed(3)
    assert random_ops.get_seed(7) == (3, 7)
    tf.constant(1.0)
    tf.constant(2.0)
    assert random_ops.get_seed(None) == (3, 2)  # the id of the last op
    tf.set_random_seed(0)
    assert random_ops.get_seed(0) == (0, 2 ** 31 - 1)  # never (0, 0): that means nondeterministic
    tf.set_random_seed(2 ** 32 + 7)
    assert random_ops.get_seed(9) == (9, 9)


def test_seed_attrs_on_nodes():
    tf.random_shuffle([1, 2], seed=5)
    assert _seeds('RandomShuffle') == (87654321, 5)
    tf.set_random_seed(3)
    tf.random_shuffle([1, 2])      # seeds are taken before the value's Const is made: 2 ops so far
    tf.random_shuffle([1, 2])
    tf.random_uniform([2], maxval=3, dtype=tf.int32, seed=11)
    assert _seeds('RandomShuffle_1') == (3, 2)
    assert _seeds('RandomShuffle_2') == (3, 4)
    assert _seeds('random_uniform') == (3, 11)


def test_seed_attrs_of_random_normal():
    tf.set_random_seed(3)
    tf.random_normal([2])
    tf.random_normal([2])
    assert _seeds('random_normal/RandomStandardNormal') == (3, 3)    # shape, mean, stddev made first
    assert _seeds('random_normal_1/RandomStandardNormal') == (3, 9)


@pytest.mark.parametrize('graph_seed,op_seed', [(7, None), (None, 7), (7, 9)])
def test_seeded_sessions_repeat_the_sequence(device, graph_seed, op_seed):
    if graph_seed is not None:
        tf.set_random_seed(graph_seed)
    with tf.device(device):
        value = tf.random_uniform([6], seed=op_seed)
    first, second = _draws(value), _draws(value)
    assert not np.array_equal(first[0], first[1])  # each run draws the next numbers
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_unseeded_sessions_differ(device):
    with tf.device(device):
        value = tf.random_uniform([6])
    assert not np.array_equal(_draws(value, 1)[0], _draws(value, 1)[0])


def test_same_op_seed_gives_same_values_and_graph_seed_changes_them():
    a = tf.random_uniform([6], seed=1)
    b = tf.random_uniform([6], seed=1)
    c = tf.random_uniform([6], seed=2)
    with tf.Session() as sess:
        va, vb, vc = sess.run([a, b, c])
    np.testing.assert_array_equal(va, vb)  # as TF: identical seeds, identical streams
    assert not np.array_equal(va, vc)
    with tf.Graph().as_default():
        tf.set_random_seed(123)
        other = tf.random_uniform([6], seed=1)
        with tf.Session() as sess:
            assert not np.array_equal(sess.run(other), va)


def test_plans_of_one_session_share_the_stream(device):
    tf.set_random_seed(1)
    with tf.device(device):
        value = tf.random_uniform([4])
        other = tf.random_uniform([4])
    with tf.Session() as sess:
        x1 = sess.run(value)
        x2, _ = sess.run([value, other])   # another signature, another plan: same stream
        x3 = sess.run(value)
    expected = _draws(value, 3)
    for got, want in zip((x1, x2, x3), expected):
        np.testing.assert_array_equal(got, want)


def test_concurrent_runs_draw_distinct_values():
    tf.set_random_seed(5)
    value = tf.random_uniform([3])
    results, lock = [], threading.Lock()
    with tf.Session() as sess:
        def worker():
            for _ in range(25):
                v = sess.run(value)
                with lock:
                    results.append(tuple(v))
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    sequential = [tuple(v) for v in _draws(value, 100)]
    assert sorted(results) == sorted(sequential)  # each draw whole, none lost or repeated


# -- distributions ------------------------------------------------------------------------------
def test_normal_distribution(device):
    tf.set_random_seed(11)
    with tf.device(device):
        value = tf.random_normal([20000], mean=2.0, stddev=3.0)
    with tf.Session() as sess:
        x, raw = sess.run([value, 'random_normal/RandomStandardNormal:0'])
    assert x.dtype == np.float32 and x.shape == (20000,)
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    np.testing.assert_allclose(x, raw * 3.0 + 2.0, rtol=1e-5, atol=1e-5)


def test_truncated_normal_distribution(device):
    tf.set_random_seed(12)
    with tf.device(device):
        standard = tf.truncated_normal([20000])
        scaled = tf.truncated_normal([5000], mean=5.0, stddev=2.0)
    with tf.Session() as sess:
        x, y = sess.run([standard, scaled])
    assert np.abs(x).max() < 2.0
    assert abs(x.mean()) < 0.03
    assert abs(x.std() - 0.8796) < 0.02   # std of N(0, 1) truncated to (-2, 2)
    assert y.min() >= 1.0 and y.max() <= 9.0


def test_uniform_float_distribution(device):
    tf.set_random_seed(13)
    with tf.device(device):
        value = tf.random_uniform([20000], dtype=tf.float64)
    x = _draws(value, 1)[0]
    assert x.dtype == np.float64 and x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005


@pytest.mark.parametrize('dtype', [tf.int32, tf.int64])
def test_uniform_int_distribution(device, dtype):
    tf.set_random_seed(14)
    with tf.device(device):
        value = tf.random_uniform([5000], minval=-3, maxval=4, dtype=dtype)
    x = _draws(value, 1)[0]
    assert x.dtype == dtype.as_numpy_dtype
    assert set(np.unique(x).tolist()) == set(range(-3, 4))
    assert abs(x.mean()) < 0.15


def test_uniform_int64_wide_range():
    value = tf.random_uniform([1000], minval=-2 ** 40, maxval=2 ** 40, dtype=tf.int64)
    x = _draws(value, 1)[0]
    assert x.dtype == np.int64 and x.min() >= -2 ** 40 and x.max() < 2 ** 40
    assert np.abs(x).max() > 2 ** 39


@pytest.mark.parametrize('dtype', [tf.float16, tf.float32, tf.float64])
def test_float_dtypes(device, dtype):
    tf.set_random_seed(15)
    with tf.device(device):
        uniform = tf.random_uniform([4000], dtype=dtype)
    u = _draws(uniform, 1)[0]
    assert u.dtype == dtype.as_numpy_dtype and u.min() >= 0 and u.max() < 1
    if dtype == tf.float16:
        np.testing.assert_array_equal(u * 1024, np.round(u * 1024))  # 10 random mantissa bits, as TF
    with tf.device(device):
        normal = tf.random_normal([4000], dtype=dtype)
        trunc = tf.truncated_normal([4000], dtype=dtype)
    n, t = _draws([normal, trunc], 1)[0]
    assert n.dtype == t.dtype == dtype.as_numpy_dtype
    assert abs(float(n.mean())) < 0.1 and abs(float(n.std()) - 1) < 0.1
    assert np.abs(t.astype(np.float64)).max() <= 2.0


def test_shuffle_is_a_permutation(device):
    with tf.device(device):
        rows = tf.random_shuffle(np.arange(20).reshape(10, 2))
        flat = tf.random_shuffle(np.arange(100, dtype=np.int32))
        scalar = tf.random_shuffle(7)
        single = tf.random_shuffle([[1, 2, 3]])
    with tf.Session() as sess:
        draws = [sess.run([rows, flat, scalar, single]) for _ in range(3)]
    for r, f, s, one in draws:
        assert r.shape == (10, 2) and r.dtype == np.int64
        np.testing.assert_array_equal(r[:, 1] - r[:, 0], 1)     # rows move whole
        np.testing.assert_array_equal(np.sort(r[:, 0]), np.arange(0, 20, 2))
        np.testing.assert_array_equal(np.sort(f), np.arange(100))
        assert s == 7
        np.testing.assert_array_equal(one, [[1, 2, 3]])
    assert any(not np.array_equal(f, np.arange(100)) for _, f, _, _ in draws)
    assert not np.array_equal(draws[0][1], draws[1][1])


def test_shuffle_fed_value():
    p = tf.placeholder(tf.float32, [None, 2])
    out = tf.random_shuffle(p)
    assert out.shape.as_list() == [None, 2]
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    value = _draws(out, 1, {p: data})[0]
    np.testing.assert_array_equal(value[np.argsort(value[:, 0])], data)


def test_multinomial_frequencies(device):
    tf.set_random_seed(16)
    logits = np.array([[np.log(0.2), np.log(0.8), -np.inf], np.log([0.5, 0.25, 0.25])], np.float32)
    with tf.device(device):
        samples = tf.multinomial(logits, 4000)
        small = random_ops.categorical(logits, 3, dtype=tf.int32)
        none = tf.multinomial(logits, 0)
    s, c, n = _draws([samples, small, none], 1)[0]
    assert s.shape == (2, 4000) and s.dtype == np.int64
    assert c.shape == (2, 3) and c.dtype == np.int32
    assert n.shape == (2, 0)
    assert not np.any(s[0] == 2)
    assert abs(np.mean(s[0] == 1) - 0.8) < 0.03
    np.testing.assert_allclose(np.bincount(s[1], minlength=3) / 4000, [0.5, 0.25, 0.25], atol=0.03)


def test_poisson_distribution(device):
    tf.set_random_seed(17)
    with tf.device(device):
        value = tf.random_poisson([1.0, 10.0], [4000])
        ints = tf.random_poisson(3.0, [10], dtype=tf.int32)
    x, i = _draws([value, ints], 1)[0]
    assert x.shape == (4000, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x.mean(axis=0), [1.0, 10.0], atol=0.2)
    assert i.dtype == np.int32 and i.min() >= 0


def test_gamma_distribution(device):
    tf.set_random_seed(18)
    with tf.device(device):
        value = tf.random_gamma([4000], [2.0, 5.0], beta=2.0)
    assert value.name == 'random_gamma/Maximum:0'
    x = _draws(value, 1)[0]
    assert x.shape == (4000, 2) and x.dtype == np.float32 and x.min() > 0
    np.testing.assert_allclose(x.mean(axis=0), [1.0, 2.5], atol=0.1)


# -- shapes -------------------------------------------------------------------------------------
def test_shapes_from_fed_and_constant_tensors(device):
    with tf.device(device):
        p = tf.placeholder(tf.int32, [2])
        fed = tf.random_uniform(p)
        q = tf.placeholder(tf.int32, [None])
        unknown = tf.random_uniform(q)
        wide = tf.random_uniform(np.array([2, 3], np.int64))
        scalar = tf.random_uniform([])
        empty = tf.random_uniform([0, 3])
        from_shape = tf.random_uniform(tf.TensorShape([3, 1]))
    assert fed.shape.as_list() == [None, None]
    assert unknown.shape.rank is None
    assert wide.shape.as_list() == [2, 3] and wide.op.get_attr('T') == tf.int64
    assert scalar.shape.as_list() == [] and empty.shape.as_list() == [0, 3]
    with tf.Session() as sess:
        a, b = sess.run([fed, unknown], {p: [3, 4], q: [2, 2, 2]})
        c, d, e, f = sess.run([wide, scalar, empty, from_shape])
    assert a.shape == (3, 4) and b.shape == (2, 2, 2)
    assert c.shape == (2, 3) and np.shape(d) == () and e.shape == (0, 3) and f.shape == (3, 1)
    assert isinstance(d, np.float32)


def test_shape_errors():
    with pytest.raises(ValueError, match='Invalid value in tensor used for shape: -2'):
        tf.random_uniform([-2, 3])
    with pytest.raises(ValueError, match='Shape must be rank 1 but is rank 2'):
        tf.random_uniform([[2, 3]])
    with pytest.raises(TypeError, match="parameter 'shape'"):
        tf.random_uniform([2.0, 3.0])
    p = tf.placeholder(tf.int32, [2])
    value = tf.random_uniform(p)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='Dimension -1 must be >= 0'):
            sess.run(value, {p: [-1, 2]})


# -- argument errors ----------------------------------------------------------------------------
def test_uniform_argument_errors():
    with pytest.raises(ValueError, match='Must specify maxval for integer dtype tf.int32'):
        tf.random_uniform([2], dtype=tf.int32)
    with pytest.raises(ValueError, match='Argument `dtype` got invalid value'):
        tf.random_uniform([2], maxval=3, dtype=tf.int8)
    with pytest.raises(ValueError, match='minval must be a scalar'):
        tf.random_uniform([2], minval=[1, 2], maxval=5, dtype=tf.int32)
    bad = tf.random_uniform([2], minval=5, maxval=3, dtype=tf.int32)
    nothing = tf.random_uniform([0], minval=5, maxval=3, dtype=tf.int32)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='Need minval < maxval, got 5 >= 3'):
            sess.run(bad)
        assert sess.run(nothing).shape == (0,)  # TF returns empty outputs before checking the bounds


def test_dtype_errors():
    with pytest.raises(TypeError):
        tf.random_normal([2], dtype=tf.int32)  # mean 0.0 does not convert to int32
    with pytest.raises(TypeError, match="parameter 'dtype' has DataType int32"):
        tf.random_normal([2], mean=0, stddev=1, dtype=tf.int32)
    with pytest.raises(ValueError, match='Accepted dtypes are'):
        tf.multinomial([[1., 2.]], 3, output_dtype=tf.float32)


def test_multinomial_errors():
    with pytest.raises(ValueError, match='Shape must be rank 2 but is rank 1'):
        tf.multinomial([1., 2.], 3)
    with pytest.raises(ValueError, match='must be non-negative but is -1'):
        tf.multinomial([[1., 2.]], -1)
    logits = tf.placeholder(tf.float32, [None, None])
    value = tf.multinomial(logits, 3)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='num_classes should be positive, got 0'):
            sess.run(value, {logits: np.zeros((2, 0), np.float32)})


def test_missing_math_ops_are_reported(monkeypatch):
    monkeypatch.delitem(op_registry._REGISTRY, 'Mul', raising=False)
    with pytest.raises(NotImplementedError, match="'Mul'"):
        tf.random_normal([2])
    assert tf.get_default_graph().get_operations() == []  # nothing half-built
    tf.random_uniform([2])  # the default [0, 1) range needs no arithmetic
