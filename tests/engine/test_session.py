"""Session: fetch structures, feeds, result types, defaults, make_callable, the plan cache, threads.

Expected values and messages come from TensorFlow 1.x (`tensorflow.compat.v1` with v2 behaviour
disabled). Where TF 2's compat layer rewords a message (the feed-shape ValueError, the fetch
TypeErrors), TF 1.15's wording is used, which is what sluice follows.
"""
import collections
import threading

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

ConfigProto = tf.ConfigProto


@pytest.fixture
def sess():
    s = tf.Session()
    yield s
    s.close()


# -- fetch structures ---------------------------------------------------------------------------------

def test_fetch_tensor_op_and_names(sess):
    a = tf.constant(2.0, name='a')
    n = tf.no_op(name='n')
    r = sess.run(a)
    assert r == 2.0 and type(r) is np.float32
    assert sess.run(n) is None
    assert sess.run('a:0') == 2.0
    assert sess.run('n') is None
    assert sess.run('a') is None  # an op name runs the op and fetches nothing


def test_fetch_list_tuple_dict(sess):
    a = tf.constant(2.0, name='a')
    b = tf.constant([1, 2], name='b')
    n = tf.no_op(name='n')
    r = sess.run([a, b, n])
    assert isinstance(r, list) and len(r) == 3
    assert r[0] == 2.0 and r[2] is None
    np.testing.assert_array_equal(r[1], [1, 2])
    assert r[1].dtype == np.int32
    t = sess.run((a, b))
    assert isinstance(t, tuple) and t[0] == 2.0
    d = sess.run({'k': a, 'j': [b, n]})
    assert set(d) == {'k', 'j'} and d['k'] == 2.0 and d['j'][1] is None
    np.testing.assert_array_equal(d['j'][0], [1, 2])
    assert sess.run([]) == []
    assert sess.run({}) == {}
    assert sess.run(()) == ()


def test_fetch_namedtuple_and_nested(sess):
    a = tf.constant(2.0, name='a')
    b = tf.constant([1, 2], name='b')
    NT = collections.namedtuple('NT', ['p', 'q'])
    r = sess.run(NT(a, b))
    assert type(r) is NT and r.p == 2.0
    np.testing.assert_array_equal(r.q, [1, 2])
    nested = sess.run([a, (b, {'z': [a]})])
    assert nested[0] == 2.0
    assert isinstance(nested[1], tuple)
    assert nested[1][1] == {'z': [2.0]}
    od = sess.run(collections.OrderedDict([('y', b), ('x', a)]))
    assert type(od) is collections.OrderedDict and list(od) == ['y', 'x']


def test_fetch_duplicates(sess):
    a = tf.constant(2.0, name='a')
    v = tf.Variable(0, name='v')
    inc = tf.assign_add(v, 1)
    sess.run(v.initializer)
    assert sess.run([a, a, 'a:0']) == [2.0, 2.0, 2.0]
    # A tensor or op fetched twice still runs once per step.
    assert sess.run([inc, inc]) == [1, 1]
    assert sess.run([inc, inc.op, inc.name]) == [2, None, 2]
    assert sess.run([v.initializer, v.initializer]) == [None, None]
    assert sess.run(v) == 0


def test_fetch_errors(sess):
    tf.constant(2.0, name='a')
    with pytest.raises(TypeError) as info:
        sess.run(None)
    assert str(info.value) == "Fetch argument None has invalid type <class 'NoneType'>"
    with pytest.raises(TypeError) as info:
        sess.run(5)
    assert str(info.value) == ("Fetch argument 5 has invalid type <class 'int'>, must be a string or Tensor. "
                               "(Can not convert a int into a Tensor or Operation.)")
    with pytest.raises(ValueError) as info:
        sess.run('nope:0')
    assert str(info.value) == ("Fetch argument 'nope:0' cannot be interpreted as a Tensor. (\"The name 'nope:0' "
                               "refers to a Tensor which does not exist. The operation, 'nope', does not exist "
                               'in the graph.")')
    with pytest.raises(ValueError) as info:
        sess.run('nope')
    assert str(info.value) == ("Fetch argument 'nope' cannot be interpreted as a Tensor. (\"The name 'nope' "
                               'refers to an Operation not in the graph.")')
    with pytest.raises(TypeError):
        sess.run([tf.constant(1.0), None])


def test_fetch_from_another_graph_is_a_value_error(sess):
    g = tf.Graph()
    with g.as_default():
        k = tf.constant(1, name='k')
    with pytest.raises(ValueError, match='is not an element of this graph'):
        sess.run(k)


# -- result types -------------------------------------------------------------------------------------

def test_result_types(sess):
    cases = [
        (tf.constant(3), np.int32, 3),
        (tf.constant(True), np.bool_, True),
        (tf.constant(3.0, tf.float64), np.float64, 3.0),
        (tf.constant(2.5), np.float32, 2.5),
        (tf.constant(7, tf.int64), np.int64, 7),
        (tf.constant(7, tf.uint8), np.uint8, 7),
    ]
    for t, np_type, value in cases:
        r = sess.run(t)
        assert type(r) is np_type, t
        assert r == value
    s = sess.run(tf.constant('hi'))
    assert s == b'hi' and type(s) is bytes
    sv = sess.run(tf.constant(['x', 'yz']))
    assert isinstance(sv, np.ndarray) and sv.dtype == object
    assert sv.tolist() == [b'x', b'yz']
    iv = sess.run(tf.constant([3], tf.int64))
    assert isinstance(iv, np.ndarray) and iv.dtype == np.int64
    e = sess.run(tf.constant(np.zeros((0, 3), np.float32)))
    assert e.shape == (0, 3) and e.dtype == np.float32


# -- feeds --------------------------------------------------------------------------------------------

def test_feed_with_tensor_and_string_keys(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    ix = tf.identity(x, name='ix')
    r = sess.run(ix, {x: [[1, 2]]})
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, [[1, 2]])
    np.testing.assert_array_equal(sess.run(ix, {'x:0': np.ones((1, 2))}), [[1, 1]])
    with pytest.raises(TypeError) as info:
        sess.run(ix, {'x': np.ones((1, 2))})
    assert str(info.value) == ("Cannot interpret feed_dict key as Tensor: The name 'x' refers to an Operation, "
                               'not a Tensor. Tensor names must be of the form "<op_name>:<output_index>".')
    with pytest.raises(TypeError) as info:
        sess.run(ix, {5: np.ones((1, 2))})
    assert str(info.value) == 'Cannot interpret feed_dict key as Tensor: Can not convert a int into a Tensor.'


def test_feed_tuple_key_feeds_its_leaves(sess):
    # TF flattens feed_dict (nest.flatten_dict_items): an LSTMStateTuple of placeholders is fed the
    # state tuple a previous run returned.
    State = collections.namedtuple('State', 'c h')
    state = State(tf.placeholder(tf.float32, [None, 2]), tf.placeholder(tf.float32, [None, 2]))
    pair = (tf.placeholder(tf.int32, []), (tf.placeholder(tf.int32, []),))
    total = tf.reduce_sum(state.c) + 10 * tf.reduce_sum(state.h)
    fed = State(np.ones((1, 2), np.float32), np.full((1, 2), 2, np.float32))
    assert sess.run(total, {state: fed}) == 42
    assert sess.run(pair[0] - pair[1][0], {pair: [5, [3]]}) == 2
    with pytest.raises(ValueError) as info:
        sess.run(total, {state: (np.ones((1, 2)),)})
    assert str(info.value).startswith('Could not flatten dictionary. Key had 2 elements, but value had 1 elements.')


def test_feed_key_from_another_graph_is_a_type_error():
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    g = tf.Graph()
    with g.as_default():
        k = tf.constant(1, name='k')
    with tf.Session(graph=g) as s:
        with pytest.raises(TypeError) as info:
            s.run(k, {x: [[1, 2]]})
    assert str(info.value) == ('Cannot interpret feed_dict key as Tensor: Tensor Tensor("x:0", shape=(?, 2), '
                               'dtype=float32) is not an element of this graph.')


def test_feed_shape_mismatch_is_a_value_error(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    ix = tf.identity(x)
    # TF 1.15 wording (TF 2's compat layer drops the quotes).
    with pytest.raises(ValueError) as info:
        sess.run(ix, {x: [1., 2., 3.]})
    assert str(info.value) == "Cannot feed value of shape (3,) for Tensor 'x:0', which has shape '(?, 2)'"
    with pytest.raises(ValueError) as info:
        sess.run(ix, {x: np.ones((2, 3))})
    assert str(info.value) == "Cannot feed value of shape (2, 3) for Tensor 'x:0', which has shape '(?, 2)'"
    with pytest.raises(ValueError) as info:
        sess.run(ix, {x: 1.0})
    assert str(info.value) == "Cannot feed value of shape () for Tensor 'x:0', which has shape '(?, 2)'"


def test_unfed_placeholder_is_an_invalid_argument_error(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    pu = tf.placeholder(tf.float32, name='pu')
    pi = tf.placeholder(tf.int32, shape=[3], name='pi3')
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(tf.identity(x))
    assert info.value.message.startswith(
        "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,2]")
    assert info.value.op is x.op
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(x)
    assert "placeholder tensor 'x'" in info.value.message
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(pu)
    assert info.value.message.startswith("You must feed a value for placeholder tensor 'pu' with dtype float")
    assert 'shape' not in info.value.message.split('\n')[0]
    with pytest.raises(errors.InvalidArgumentError) as info:
        sess.run(pi)
    assert info.value.message.startswith(
        "You must feed a value for placeholder tensor 'pi3' with dtype int32 and shape [3]")


def test_feed_dtype_conversion(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    r = sess.run(tf.identity(x), {x: [[1, 2]]})
    assert r.dtype == np.float32
    pi = tf.placeholder(tf.int32, name='pi')
    r = sess.run(tf.identity(pi), {pi: [1.7, 2.2]})
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r, [1, 2])
    pd = tf.placeholder(tf.float64, shape=[], name='pd')
    r = sess.run(tf.identity(pd), {pd: np.float32(0.5)})
    assert type(r) is np.float64 and r == 0.5
    ps = tf.placeholder(tf.string, name='ps')
    r = sess.run(tf.identity(ps), {ps: ['a', b'b']})
    assert r.tolist() == [b'a', b'b']
    with pytest.raises(ValueError):
        sess.run(tf.identity(x), {x: [['a', 'b']]})


def test_feed_value_that_is_a_tensor_is_a_type_error(sess):
    a = tf.constant(2.0, name='a')
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    with pytest.raises(TypeError) as info:
        sess.run(tf.identity(x), {x: a})
    # TF 1.15 wording.
    assert str(info.value) == (
        'The value of a feed cannot be a tf.Tensor object. Acceptable feed values include Python scalars, '
        'strings, lists, numpy ndarrays, or TensorHandles. For reference, the tensor object was '
        'Tensor("a:0", shape=(), dtype=float32) which was passed to the feed with key '
        'Tensor("x:0", shape=(?, 2), dtype=float32).')


def test_fetch_a_fed_tensor(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name='x')
    r = sess.run(x, {x: [[1, 2]]})
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, [[1, 2]])
    feed = np.array([[3, 4]], np.float32)
    assert sess.run(x, {x: feed}) is feed  # TF hands back the fed array itself
    p0 = tf.placeholder(tf.float32, shape=[], name='p0')
    r = sess.run(tf.identity(p0), {p0: 3})
    assert type(r) is np.float32 and r == 3.0


def test_fetch_a_fed_scalar_is_the_fed_array(sess):
    p0 = tf.placeholder(tf.float32, shape=[], name='p0')
    r = sess.run(p0, {p0: 3})
    assert type(r) is np.ndarray and r.shape == () and r.dtype == np.float32


def test_feed_a_non_placeholder_tensor_cuts_its_producer(sess):
    c = tf.constant(5.0, name='c')
    d = tf.identity(c, name='d')
    assert sess.run(d, {c: 7.0}) == 7.0
    assert sess.run(d) == 5.0
    with pytest.raises(ValueError) as info:
        sess.run(d, {c: [7.0]})
    assert str(info.value) == "Cannot feed value of shape (1,) for Tensor 'c:0', which has shape '()'"
    # The producer of a fed tensor does not run: neither the unfed placeholder nor the uninitialized variable.
    p = tf.placeholder(tf.float32, name='p')
    i = tf.identity(p, name='i')
    j = tf.identity(i, name='j')
    assert sess.run(j, {i: 1.5}) == 1.5
    v = tf.Variable(1.0, name='v')
    w = tf.identity(v.value(), name='w')
    assert sess.run(w, {v.value(): 4.0}) == 4.0


def test_placeholder_with_default(sess):
    pwd = tf.placeholder_with_default(tf.constant([1., 2.]), shape=[None], name='pwd')
    np.testing.assert_array_equal(sess.run(pwd), [1., 2.])
    np.testing.assert_array_equal(sess.run(pwd, {pwd: [1., 2., 3.]}), [1., 2., 3.])
    with pytest.raises(ValueError) as info:
        sess.run(pwd, {pwd: [[1.]]})
    assert str(info.value) == "Cannot feed value of shape (1, 1) for Tensor 'pwd:0', which has shape '(?,)'"
    assert pwd.op.type == 'PlaceholderWithDefault'
    assert pwd.shape.as_list() == [None]


# -- session lifetime and defaults --------------------------------------------------------------------

def test_closed_session_refuses_to_run():
    a = tf.constant(1.0)
    s = tf.Session()
    assert s.run(a) == 1.0
    s.close()
    with pytest.raises(RuntimeError) as info:
        s.run(a)
    assert str(info.value) == 'Attempted to use a closed Session.'
    s.close()  # closing twice is fine


def test_with_session_is_default_and_closes():
    a = tf.constant(1.0)
    g = tf.get_default_graph()
    other = tf.Graph()
    with other.as_default():
        k = tf.constant(3, name='k')
    with tf.Session() as s:
        assert tf.get_default_session() is s
        assert s.graph is g
        assert tf.get_default_graph() is g
    assert tf.get_default_session() is None
    with pytest.raises(RuntimeError, match='closed Session'):
        s.run(a)
    with tf.Session(graph=other) as s2:
        assert tf.get_default_graph() is other
        assert s2.run(k) == 3
    assert tf.get_default_graph() is g


def test_session_as_default_does_not_close():
    a = tf.constant(1.0)
    s = tf.Session()
    with s.as_default():
        assert tf.get_default_session() is s
        assert a.eval() == 1.0
    assert tf.get_default_session() is None
    assert s.run(a) == 1.0
    s.close()


def test_default_session_is_per_thread():
    s = tf.Session()
    seen = {}
    with s.as_default():
        t = threading.Thread(target=lambda: seen.setdefault('s', tf.get_default_session()))
        t.start()
        t.join()
    assert seen['s'] is None
    s.close()


def test_session_graph_argument_must_be_a_graph():
    with pytest.raises(TypeError, match='graph must be a tf.Graph'):
        tf.Session(graph=5)


def test_interactive_session():
    x = tf.placeholder(tf.float32, [2], name='x')
    isess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is isess
        np.testing.assert_array_equal(tf.identity(x).eval(feed_dict={x: [1, 2]}), [1, 2])
    finally:
        isess.close()
    assert tf.get_default_session() is None


def test_list_devices_and_graph_def(sess):
    devs = sess.list_devices()
    assert [d.name for d in devs][:1] == ['/job:localhost/replica:0/task:0/device:CPU:0']
    assert devs[0].device_type == 'CPU'
    tf.constant(1.0, name='c')
    assert type(sess.graph_def).__name__ == 'GraphDef'
    assert [n.name for n in sess.graph_def.node] == ['c']


def test_list_devices_cpu_memory_limit(sess):
    assert sess.list_devices()[0].memory_limit_bytes > 0


def test_list_devices_with_two_cpus():
    with tf.Session(config=ConfigProto(device_count={'CPU': 2})) as s:
        devs = s.list_devices()
        assert [d.name for d in devs if d.device_type == 'CPU'] == ['/job:localhost/replica:0/task:0/device:CPU:0',
                                                                    '/job:localhost/replica:0/task:0/device:CPU:1']
        assert [d.device_type for d in devs[2:]] == ['GPU'] * (len(devs) - 2)  # GPUs (as TF) follow the CPUs
        with tf.device('/cpu:1'):
            c = tf.constant(1.0)
        assert s.run(c) == 1.0


# -- make_callable ------------------------------------------------------------------------------------

def test_make_callable_with_feed_list(sess):
    x = tf.placeholder(tf.float32, shape=[2], name='x')
    y = tf.placeholder(tf.float32, shape=[2], name='y')
    ix, iy = tf.identity(x), tf.identity(y)
    f = sess.make_callable([ix, iy], feed_list=[x, y])
    for i in range(5):
        rx, ry = f([i, 2], np.full(2, i + 1))
        np.testing.assert_array_equal(rx, [i, 2])
        np.testing.assert_array_equal(ry, [i + 1, i + 1])
        assert rx.dtype == np.float32
    with pytest.raises(ValueError) as info:
        f([1, 2, 3], [1, 2])
    assert str(info.value) == "Cannot feed value of shape (3,) for Tensor 'x:0', which has shape '(2,)'"
    assert sess.make_callable(tf.no_op())() is None
    np.testing.assert_array_equal(sess.make_callable(ix, feed_list=['x:0'])([5, 6]), [5, 6])
    d = sess.make_callable({'a': ix}, feed_list=[x])([5, 6])
    assert list(d) == ['a']
    np.testing.assert_array_equal(d['a'], [5, 6])


def test_make_callable_runs_stateful_ops_each_call(sess):
    v = tf.Variable(0, name='v')
    inc = tf.assign_add(v, 1)
    sess.run(v.initializer)
    f = sess.make_callable(inc)
    assert [f() for _ in range(4)] == [1, 2, 3, 4]


def test_make_callable_on_closed_session():
    a = tf.constant(1.0)
    s = tf.Session()
    f = s.make_callable(a)
    assert f() == 1.0
    s.close()
    with pytest.raises(RuntimeError, match='closed Session'):
        f()


# -- the plan cache -----------------------------------------------------------------------------------

def test_same_signature_gives_fresh_results(sess):
    x = tf.placeholder(tf.float32, shape=[3], name='x')
    ix = tf.identity(x)
    v = tf.Variable(0, name='v')
    inc = tf.assign_add(v, 1)
    sess.run(v.initializer)
    for i in range(50):
        np.testing.assert_array_equal(sess.run(ix, {x: [i, i, i]}), [i, i, i])
        assert sess.run(inc) == i + 1
    assert sess.run(v) == 50


def test_fetched_arrays_are_not_aliased_by_later_runs(sess):
    c = tf.constant([1.0, 2.0], name='c')
    ic = tf.identity(c)
    v = tf.Variable([1.0, 2.0], name='v')
    sess.run(v.initializer)
    for t in (c, ic, v, v.value()):
        r1 = sess.run(t)
        r1[0] = 100.0
        r2 = sess.run(t)
        np.testing.assert_array_equal(r2, [1.0, 2.0])
        assert r2 is not r1
    # Writing the variable does not change an array fetched earlier.
    before = sess.run(v)
    sess.run(tf.assign(v, [5.0, 6.0]))
    np.testing.assert_array_equal(before, [1.0, 2.0])
    after_assign_add = sess.run(tf.assign_add(v, [1.0, 1.0]))
    np.testing.assert_array_equal(after_assign_add, [6.0, 7.0])
    sess.run(tf.assign_add(v, [1.0, 1.0]))
    np.testing.assert_array_equal(after_assign_add, [6.0, 7.0])


def test_fed_array_is_not_written_by_the_run(sess):
    x = tf.placeholder(tf.float32, shape=[2], name='x')
    v = tf.Variable([0.0, 0.0], name='v')
    sess.run(v.initializer)
    feed = np.array([1.0, 2.0], np.float32)
    sess.run(tf.assign(v, x), {x: feed})
    sess.run(tf.assign_add(v, [10.0, 10.0]))
    np.testing.assert_array_equal(feed, [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(v), [11.0, 12.0])


def test_run_after_graph_changes(sess):
    x = tf.placeholder(tf.float32, shape=[2], name='x')
    ix = tf.identity(x, name='ix')
    np.testing.assert_array_equal(sess.run(ix, {x: [1, 2]}), [1, 2])
    z = tf.identity(ix, name='z')
    np.testing.assert_array_equal(sess.run(z, {x: [3, 4]}), [3, 4])
    r = sess.run([z, ix], {x: [5, 6]})
    np.testing.assert_array_equal(r[0], [5, 6])
    np.testing.assert_array_equal(sess.run(ix, {x: [7, 8]}), [7, 8])


def test_control_input_added_after_a_run_is_honoured(sess):
    v = tf.Variable(0, name='v')
    inc = tf.assign_add(v, 1)
    n = tf.no_op(name='n')
    sess.run(v.initializer)
    sess.run(n)
    assert sess.run(v) == 0
    n._add_control_input(inc.op)
    sess.run(n)
    assert sess.run(v) == 1


def test_run_arithmetic(sess):
    a = tf.constant(2.0)
    b = tf.constant(3.0)
    assert sess.run(tf.add(a, b)) == 5.0


# -- threads ------------------------------------------------------------------------------------------

def test_many_threads_run_one_session():
    v = tf.Variable(0, name='counter')
    inc = tf.assign_add(v, 1, use_locking=True)
    x = tf.placeholder(tf.int32, shape=[], name='x')
    ix = tf.identity(x)
    n_threads, n_runs = 8, 200
    failures = []
    with tf.Session() as s:
        s.run(v.initializer)

        def work(k):
            try:
                for i in range(n_runs):
                    s.run(inc)
                    if s.run(ix, {x: k * 1000 + i}) != k * 1000 + i:
                        failures.append((k, i))
            except Exception as e:  # noqa: BLE001 (reported below)
                failures.append(e)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads), 'threads hung'
        assert failures == []
        assert s.run(v) == n_threads * n_runs


@pytest.mark.tf
def test_feed_key_that_is_a_nested_tuple_feeds_its_leaves():
    # char-rnn's sampler: feed_dict={cell.zero_state(...): state}, a tuple of LSTMStateTuples.
    def run(tfm):
        pair = collections.namedtuple('pair', 'c h')
        with tfm.Graph().as_default():
            state = (pair(tfm.placeholder(tfm.float32, [1, 2]), tfm.placeholder(tfm.float32, [1, 2])),
                     pair(tfm.zeros([1, 2]), tfm.placeholder(tfm.float32, [1, 2])))
            total = tfm.add_n([state[0].c, 2 * state[0].h, 3 * state[1].c, 4 * state[1].h])
            fed = (pair(np.ones((1, 2)), np.full((1, 2), 2.0)), pair(np.full((1, 2), 3.0), np.array([[4.0, 5.0]])))
            with tfm.Session() as sess:
                out = [sess.run(total, {state: fed}), sess.run(total, {state[0]: fed[0], state[1].h: [[0.0, 1.0]]})]
                with pytest.raises(ValueError, match='not unique'):
                    sess.run(total, {state: fed, state[1].h: [[0.0, 1.0]]})
                with pytest.raises(ValueError, match='Key had 4 elements, but value had 3'):
                    sess.run(total, {state: (fed[0], np.ones((1, 2)))})
        return out
    ours = run(tf)
    np.testing.assert_allclose(ours[0], [[30.0, 34.0]])
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    for a, b in zip(ours, run(tf1)):
        np.testing.assert_allclose(a, b)
