"""tf.variable_scope / tf.get_variable, the initializers and the regularizers, against TF 1.x behaviour.

Expected names, messages and constants were read from TensorFlow (compat.v1, graph mode); the
statistics of random initializers are checked against their distributions' formulas.
"""
import math
import threading

import numpy as np
import pytest

import sluice as tf
from sluice import initializers
from sluice.ops import init_ops, regularizers


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def _node(name):
    return tf.get_default_graph().get_operation_by_name(name)


def _const(name):
    return float(_node(name).get_attr('value'))


# -- names -----------------------------------------------------------------------------------------
def test_variable_and_initializer_node_names():
    with tf.variable_scope('foo'):
        v = tf.get_variable('v', [2, 3])
        z = tf.get_variable('z', [2], initializer=tf.zeros_initializer())
        k = tf.get_variable('k', [3], initializer=tf.constant_initializer(5))
        a = tf.get_variable('a', initializer=[1, 2, 3])
    assert v.name == 'foo/v:0' and v.dtype == tf.float32_ref
    names = [op.name for op in tf.get_default_graph().get_operations() if op.name.startswith('foo/v')]
    assert names == ['foo/v/Initializer/random_uniform/shape', 'foo/v/Initializer/random_uniform/min',
                     'foo/v/Initializer/random_uniform/max', 'foo/v/Initializer/random_uniform/RandomUniform',
                     'foo/v/Initializer/random_uniform/sub', 'foo/v/Initializer/random_uniform/mul',
                     'foo/v/Initializer/random_uniform', 'foo/v', 'foo/v/Assign', 'foo/v/read']
    assert z.initial_value.name == 'foo/z/Initializer/zeros:0'
    assert k.initial_value.name == 'foo/k/Initializer/Const:0'
    assert a.initial_value.name == 'foo/a/initial_value:0' and a.dtype == tf.int32_ref


def test_name_scope_and_variable_scope_interplay():
    with tf.variable_scope('conv1') as s1:
        w = tf.get_variable('w', [2, 3])
        assert tf.add(1., 2.).name == 'conv1/Add:0'
        assert (s1.name, s1.original_name_scope) == ('conv1', 'conv1/')
    with tf.variable_scope('conv1', reuse=True) as s2:
        assert tf.get_variable('w') is w
        # Same variable scope, a new name scope.
        assert tf.add(1., 2.).name == 'conv1_1/Add:0'
        assert (s2.name, s2.original_name_scope, s2.reuse) == ('conv1', 'conv1_1/', True)
        with tf.variable_scope('inner') as s3:
            assert (s3.reuse, s3.name, s3.original_name_scope) == (True, 'conv1/inner', 'conv1_1/inner/')
    # Entering a VariableScope object: its name and defaults, a fresh name scope, its own reuse.
    with tf.variable_scope(s1) as s4:
        assert tf.add(1., 2.).name == 'conv1_2/Add:0'
        assert (s4.name, s4.original_name_scope, s4.reuse) == ('conv1', 'conv1/', False)
        with tf.variable_scope('sub'):
            assert tf.add(1., 2.).name == 'conv1_2/sub/Add:0'
            assert tf.get_variable('b', [1]).name == 'conv1/sub/b:0'
    with tf.name_scope('ns'):
        with tf.variable_scope('vs'):
            v = tf.get_variable('v', [1])
            assert v.name == 'vs/v:0'  # variables ignore name scopes
            assert tf.add(1., 2.).name == 'ns/vs/Add:0'
            assert v.initializer.name == 'vs/v/Assign'
        with tf.variable_scope(s1):
            assert tf.add(1., 2.).name == 'ns/conv1/Add:0'
        with tf.variable_scope(s1, auxiliary_name_scope=False) as s5:
            assert tf.add(1., 2.).name == 'ns/Add:0'
            assert s5.original_name_scope == 'conv1/'
        with tf.variable_scope('aux', auxiliary_name_scope=False) as s6:
            assert tf.add(1., 2.).name == 'ns/Add_1:0'
            assert (s6.name, s6.original_name_scope) == ('aux', 'ns/')


def test_default_name_is_uniquified():
    seen = []
    for _ in range(3):
        with tf.variable_scope(None, default_name='dense') as s:
            seen.append((s.name, s.original_name_scope, tf.get_variable('k', [1]).name))
    assert seen == [('dense', 'dense/', 'dense/k:0'), ('dense_1', 'dense_1/', 'dense_1/k:0'),
                    ('dense_2', 'dense_2/', 'dense_2/k:0')]
    with tf.variable_scope('outer'):
        names = []
        for _ in range(2):
            with tf.variable_scope(None, default_name='dense') as s:
                names.append(s.name)
        assert names == ['outer/dense', 'outer/dense_1']
    # Counts of sub-scopes restart when the parent scope is opened again.
    with tf.variable_scope('outer'):
        with tf.variable_scope(None, default_name='dense') as s:
            assert (s.name, s.original_name_scope) == ('outer/dense', 'outer_1/dense/')


def test_reentering_the_same_variable_scope_object():
    vs = tf.variable_scope('re')
    with vs as q:
        assert (q.name, tf.add(1., 2.).name) == ('re', 're/Add:0')
    with vs as q:
        assert (q.name, tf.add(1., 2.).name) == ('re', 're_1/Add:0')


def test_root_scope():
    scope = tf.get_variable_scope()
    assert (scope.name, scope.reuse, scope.original_name_scope, scope.dtype, scope.initializer) == \
        ('', False, '', tf.float32, None)
    assert tf.get_variable('top', [1]).name == 'top:0'


# -- reuse -----------------------------------------------------------------------------------------
def test_reuse_errors_carry_tf_messages():
    with tf.variable_scope('foo'):
        tf.get_variable('v', [2])
        tf.get_variable('a', initializer=[1, 2, 3])
        with pytest.raises(ValueError) as e:
            tf.get_variable('v', [2])
        assert str(e.value).startswith('Variable foo/v already exists, disallowed. Did you mean to set reuse=True '
                                       'or reuse=tf.AUTO_REUSE in VarScope? Originally defined at:')
        assert 'test_variable_scope.py' in str(e.value)  # the creation traceback
    with tf.variable_scope('foo', reuse=True):
        with pytest.raises(ValueError, match=r'^Trying to share variable foo/v, but specified shape \(3,\) and '
                                             r'found shape \(2,\)\.$'):
            tf.get_variable('v', [3])
        with pytest.raises(ValueError, match='^Trying to share variable foo/v, but specified dtype int32 and found '
                                             'dtype float32_ref.$'):
            tf.get_variable('v', [2], dtype=tf.int32)
        with pytest.raises(ValueError, match='specified dtype float32 and found dtype int32_ref'):
            tf.get_variable('a')
        assert tf.get_variable('a', dtype=tf.int32).name == 'foo/a:0'
        with pytest.raises(ValueError, match=r'^Variable foo/zz does not exist, or was not created with '
                                             r'tf.get_variable\(\). Did you mean to set reuse=tf.AUTO_REUSE in '
                                             r'VarScope\?$'):
            tf.get_variable('zz', [3])
        assert tf.get_variable('v').name == 'foo/v:0'


def test_get_variable_argument_errors():
    with pytest.raises(ValueError, match='^If initializer is a constant, do not specify shape.$'):
        tf.get_variable('b', [2], initializer=tf.constant([1., 2.]))
    with pytest.raises(ValueError, match="^Initializer type '<dtype: 'float32'>' and explicit dtype "
                                         "'<dtype: 'int32'>' don't match.$"):
        tf.get_variable('b', initializer=tf.constant([1., 2.]), dtype=tf.int32)
    with pytest.raises(ValueError, match='^Variable c did not get an initializer, so its `shape` argument must '
                                         'be specified.$'):
        tf.get_variable('c')
    with pytest.raises(ValueError, match='^The initializer passed is not valid'):
        tf.get_variable('c', [None, 2])
    with pytest.raises(ValueError, match="^An initializer for variable d of <dtype: 'complex64'> is required$"):
        tf.get_variable('d', [2], dtype=tf.complex64)
    with pytest.raises(TypeError, match='^If default_name is None then name_or_scope is required$'):
        tf.variable_scope(None)
    with pytest.raises(ValueError, match='^The reuse parameter must be True or False or None.$'):
        tf.variable_scope('x', reuse=1)
    with pytest.raises(ValueError, match='^reuse=True cannot be used without a name_or_scope$'):
        with tf.variable_scope(None, default_name='q', reuse=True):
            pass
    with pytest.raises(TypeError, match='^VariableScope: name_or_scope must be a string or VariableScope.$'):
        with tf.variable_scope(3):
            pass
    # A failed entry leaves the scopes as they were.
    assert tf.get_variable_scope().name == '' and tf.add(1., 2.).name == 'Add:0'


def test_auto_reuse_and_reuse_variables():
    with tf.variable_scope('a', reuse=tf.AUTO_REUSE):
        x1 = tf.get_variable('x', [1])
        x2 = tf.get_variable('x', [1])
        assert x1 is x2 and tf.get_variable_scope().reuse is tf.AUTO_REUSE
        with tf.variable_scope('inner'):
            assert tf.get_variable('y', [1]) is tf.get_variable('y', [1])
    with tf.variable_scope('b') as scope:
        w = tf.get_variable('w', [1])
        scope.reuse_variables()
        assert tf.get_variable('w') is w
        with pytest.raises(ValueError, match='does not exist'):
            tf.get_variable('new', [1])
    # reuse=False inside a reusing scope still reuses (TF1: False means "inherit").
    with tf.variable_scope('b', reuse=True):
        with tf.variable_scope('c', reuse=False) as c:
            assert c.reuse is True
    assert len(tf.global_variables()) == 3


def test_var_store_belongs_to_the_graph():
    tf.get_variable('v', [1])
    g = tf.Graph()
    with g.as_default():
        v = tf.get_variable('v', [1])  # no clash: another graph, another store
        assert v.graph is g
        with tf.variable_scope('s'):
            assert tf.get_variable_scope().name == 's'
    assert tf.get_variable_scope().name == ''
    tf.reset_default_graph()
    assert tf.get_variable('v', [1]).name == 'v:0'


def test_scope_is_per_thread():
    seen = []
    with tf.variable_scope('main'):
        graph = tf.get_default_graph()

        def worker():
            with graph.as_default():
                seen.append(tf.get_variable_scope().name)
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == ['']


# -- inherited defaults ----------------------------------------------------------------------------
def test_inherited_initializer_dtype_and_regularizer():
    with tf.variable_scope('i', initializer=tf.constant_initializer(3.0), dtype=tf.float64,
                           regularizer=lambda t: tf.reduce_sum(t)):
        with tf.variable_scope('j'):
            c = tf.get_variable('c', [2])
            n = tf.get_variable('n', [2], dtype=tf.int32, initializer=tf.zeros_initializer())
    assert c.dtype == tf.float64_ref and c.initial_value.name == 'i/j/c/Initializer/Const:0'
    assert n.dtype == tf.int32_ref
    reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in reg] == ['i/j/c/Regularizer/Sum:0', 'i/j/n/Regularizer/Sum:0']
    with tf.variable_scope('k', regularizer=lambda t: tf.reduce_sum(t)):
        tf.get_variable('off', [1], regularizer=tf.no_regularizer)
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(c), [3., 3.])
        np.testing.assert_allclose(sess.run(reg), [6., 0.])


def test_scope_setters_and_scope_object_defaults():
    with tf.variable_scope('s') as s:
        s.set_initializer(tf.ones_initializer())
        s.set_dtype(tf.float64)
        v = tf.get_variable('v', [2])
    with tf.variable_scope(s):
        w = tf.get_variable('w', [2])
    assert v.dtype == tf.float64_ref and w.dtype == tf.float64_ref
    assert w.initial_value.name == 's/w/Initializer/ones:0'
    assert [x.name for x in s.global_variables()] == ['s/v:0', 's/w:0']
    assert [x.name for x in s.trainable_variables()] == ['s/v:0', 's/w:0']


def test_default_initializers_by_dtype():
    i = tf.get_variable('i', [2], dtype=tf.int32)
    b = tf.get_variable('b', [2], dtype=tf.bool)
    s = tf.get_variable('s', [2], dtype=tf.string)
    f = tf.get_variable('f', [50, 50])
    assert i.initial_value.name == 'i/Initializer/zeros:0'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        iv, bv, sv, fv = sess.run([i, b, s, f])
    assert iv.tolist() == [0, 0] and bv.tolist() == [False, False] and sv.tolist() == [b'', b'']
    limit = math.sqrt(6. / 100)
    assert fv.min() >= -limit and fv.max() <= limit and fv.std() > 0.8 * limit / math.sqrt(3)


def test_collections_trainable_and_local():
    t = tf.get_variable('t', [1])
    n = tf.get_variable('n', [1], trainable=False)
    c = tf.get_variable('c', [1], collections=['mine'])
    loc = tf.get_local_variable('loc', [1])
    assert tf.global_variables() == [t, n]
    assert tf.trainable_variables() == [t, c]
    assert tf.get_collection('mine') == [c]
    assert tf.local_variables() == [loc] and loc not in tf.trainable_variables()


def test_custom_getters_compose():
    calls = []

    def suffix(getter, name, *args, **kwargs):
        calls.append('suffix')
        return getter(name + '_suffix', *args, **kwargs)

    def untrainable(getter, *args, **kwargs):
        calls.append('untrainable')
        kwargs['trainable'] = False
        return getter(*args, **kwargs)
    with tf.variable_scope('cg', custom_getter=suffix):
        with tf.variable_scope('in', custom_getter=untrainable):
            v = tf.get_variable('v', [1])
    assert v.name == 'cg/in/v_suffix:0' and calls == ['untrainable', 'suffix']
    assert v not in tf.trainable_variables()
    with pytest.raises(ValueError, match='not callable'):
        tf.get_variable('w', [1], custom_getter=3)


def test_variable_creation_ignores_control_dependencies():
    with tf.control_dependencies([tf.no_op(name='dep')]):
        v = tf.get_variable('cd', [1], regularizer=lambda t: tf.reduce_sum(t))
    assert v.initializer.control_inputs == []
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)[0].op.control_inputs == []


def test_partitioner_makes_shards():  # more in tests/ops/test_partitioned_variables.py
    p = tf.get_variable('p', [4, 2], partitioner=lambda shape, dtype: [2, 1])
    assert [v.name for v in p] == ['p/part_0:0', 'p/part_1:0']
    with pytest.raises(ValueError, match='Partitioner must be callable'):
        tf.get_variable('q', [4, 2], partitioner=3)


# -- initializers ----------------------------------------------------------------------------------
def _run_init(initializer, shape, dtype=None):
    with tf.Session() as sess:
        return sess.run(initializer(shape, dtype=dtype))


def test_constant_initializer_shapes():
    init = tf.constant_initializer([0, 1, 2, 3, 4, 5, 6, 7])
    np.testing.assert_array_equal(_run_init(init, [2, 4]), [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(_run_init(init, [3, 4]), [[0, 1, 2, 3], [4, 5, 6, 7], [7, 7, 7, 7]])
    np.testing.assert_array_equal(_run_init(tf.constant_initializer(2.5), [2, 2]), np.full([2, 2], 2.5))
    np.testing.assert_array_equal(_run_init(tf.constant_initializer(np.arange(6).reshape(2, 3)), [3, 2]),
                                  [[0, 1], [2, 3], [4, 5]])
    assert _run_init(tf.constant_initializer(3), [2], tf.int64).dtype == np.int64
    with pytest.raises((TypeError, ValueError), match='Too many elements provided'):
        init([2, 3])
    with pytest.raises(TypeError, match=r"^Expected Tensor's shape: \(2, 3\)"):
        tf.constant_initializer([1, 2, 3, 4, 5, 6], verify_shape=True)([2, 3])
    with pytest.raises(TypeError, match='Invalid type for initial value'):
        tf.constant_initializer({})
    assert init.get_config() == {'value': [0, 1, 2, 3, 4, 5, 6, 7], 'dtype': 'float32'}


def test_zeros_and_ones():
    np.testing.assert_array_equal(_run_init(tf.zeros_initializer(), [2, 3]), np.zeros([2, 3]))
    ones = _run_init(tf.ones_initializer(dtype=tf.int32), [4])
    assert ones.tolist() == [1, 1, 1, 1] and ones.dtype == np.int32
    assert tf.zeros_initializer().get_config() == {'dtype': 'float32'}


def test_random_initializer_statistics():
    n = 40000
    tf.set_random_seed(7)
    tensors = {
        'uniform': tf.random_uniform_initializer(-2., 3.)([n]),
        'normal': tf.random_normal_initializer(mean=1.0, stddev=2.0)([n]),
        'truncated': tf.truncated_normal_initializer(mean=-1.0, stddev=0.5)([n]),
        'int': tf.random_uniform_initializer(0, 10, dtype=tf.int32)([n]),
    }
    with tf.Session() as sess:
        v = sess.run(tensors)
    u = v['uniform']
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05 and abs(u.std() - 5 / math.sqrt(12)) < 0.03
    assert abs(v['normal'].mean() - 1.0) < 0.05 and abs(v['normal'].std() - 2.0) < 0.05
    t = v['truncated']
    assert t.min() >= -2.0 and t.max() <= 0.0  # within two stddevs of the mean
    assert abs(t.mean() + 1.0) < 0.02 and abs(t.std() - 0.5 * 0.87962566103423978) < 0.01
    assert v['int'].dtype == np.int32 and v['int'].min() == 0 and v['int'].max() == 9
    with pytest.raises(ValueError, match='^Must specify maxval for integer dtype'):
        tf.get_variable('ru', [2], dtype=tf.int32, initializer=tf.random_uniform_initializer())


def test_variance_scaling_constants_match_tf():
    # (name, shape, initializer, node holding the scale, value from TF)
    cases = [
        ('gu', [4, 6], tf.glorot_uniform_initializer(), 'random_uniform/max', 0.7745966911315918),
        ('gn', [4, 6], tf.glorot_normal_initializer(), 'truncated_normal/stddev', 0.508413553237915),
        ('vs1', [3, 3, 4, 5], tf.variance_scaling_initializer(scale=2.0, mode='fan_in', distribution='normal'),
         'truncated_normal/stddev', 0.2679574489593506),
        ('vs2', [3, 3, 4, 5], tf.variance_scaling_initializer(scale=2.0, mode='fan_out',
                                                              distribution='untruncated_normal'),
         'random_normal/stddev', 0.21081851422786713),
        ('vs3', [3, 3, 4, 5], tf.variance_scaling_initializer(scale=0.5, mode='fan_avg', distribution='uniform'),
         'random_uniform/max', 0.19245009124279022),
        ('vs4', [7], tf.variance_scaling_initializer(), 'truncated_normal/stddev', 0.42968785762786865),
        ('vs5', [], tf.variance_scaling_initializer(distribution='uniform'), 'random_uniform/max',
         1.7320507764816284),
        ('uus', [5, 3], tf.uniform_unit_scaling_initializer(factor=1.5), 'random_uniform/max', 1.1618950366973877),
    ]
    for name, shape, init, node, expected in cases:
        tf.get_variable(name, shape, initializer=init)
        assert _const(name + '/Initializer/' + node) == pytest.approx(expected, rel=1e-6), name
    assert _const('gu/Initializer/random_uniform/min') == pytest.approx(-0.7745966911315918)


def test_variance_scaling_sample_std():
    tf.set_random_seed(3)
    w = tf.variance_scaling_initializer(scale=2.0, mode='fan_in')([200, 300])
    u = tf.glorot_uniform_initializer()([200, 300])
    with tf.Session() as sess:
        wv, uv = sess.run([w, u])
    assert abs(wv.std() - math.sqrt(2.0 / 200)) < 0.003  # the truncation correction keeps the variance
    limit = math.sqrt(6.0 / 500)
    assert uv.min() >= -limit and uv.max() <= limit and abs(uv.std() - limit / math.sqrt(3)) < 0.002


def test_initializer_errors_and_configs():
    with pytest.raises(ValueError, match="^Argument `dtype` is expected to be floating point. Received: "
                                         "<dtype: 'int32'>.$"):
        tf.random_normal_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match='^Argument `scale` must be a positive float. Received: -1$'):
        tf.variance_scaling_initializer(scale=-1)
    with pytest.raises(ValueError, match='^Argument `mode` should be one of'):
        tf.variance_scaling_initializer(mode='x')
    with pytest.raises(ValueError, match='^Argument `distribution` should be one of'):
        tf.variance_scaling_initializer(distribution='x')
    assert tf.variance_scaling_initializer().get_config() == {
        'scale': 1.0, 'mode': 'fan_in', 'distribution': 'truncated_normal', 'seed': None, 'dtype': 'float32'}
    assert tf.random_uniform_initializer().get_config() == {'minval': 0.0, 'maxval': None, 'seed': None,
                                                           'dtype': 'float32'}
    assert tf.glorot_uniform_initializer(seed=3).get_config() == {'seed': 3, 'dtype': 'float32'}
    again = tf.random_normal_initializer.from_config(tf.random_normal_initializer(2., 3.).get_config())
    assert (again.mean, again.stddev) == (2., 3.)


def test_initializer_class_and_plain_function_initializers():
    v = tf.get_variable('cls', [2], initializer=tf.ones_initializer)  # a class: instantiated
    f = tf.get_variable('fn', [2], initializer=lambda shape, dtype: tf.fill(shape, 4.0))
    t = tf.get_variable('nullary', initializer=lambda: tf.constant([1., 2., 3.]))
    assert t.shape.as_list() == [3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v).tolist() == [1., 1.] and sess.run(f).tolist() == [4., 4.]


def test_identity_initializer():
    np.testing.assert_array_equal(_run_init(init_ops.identity_initializer(gain=2.0), [2, 3]),
                                  [[2, 0, 0], [0, 2, 0]])
    with pytest.raises(ValueError):
        init_ops.identity_initializer()([2, 2, 2])


def test_initializers_namespace():
    assert initializers.zeros is tf.zeros_initializer and initializers.variance_scaling is \
        tf.variance_scaling_initializer
    assert initializers.glorot_uniform is tf.glorot_uniform_initializer
    v = tf.get_variable('v', [1], initializer=initializers.he_normal())
    assert initializers.global_variables().type == 'NoOp' and v.initializer in \
        initializers.variables([v]).control_inputs


def test_contrib_xavier_and_variance_scaling():
    tf.get_variable('x', [4, 6], initializer=init_ops.xavier_initializer())
    tf.get_variable('xn', [4, 6], initializer=init_ops.xavier_initializer(uniform=False))
    tf.get_variable('h', [3, 3, 4, 8], initializer=init_ops.contrib_variance_scaling_initializer())
    assert _const('x/Initializer/random_uniform/max') == pytest.approx(math.sqrt(3.0 / 5.0))
    assert _const('xn/Initializer/truncated_normal/stddev') == pytest.approx(math.sqrt(1.3 / 5.0))
    assert _const('h/Initializer/truncated_normal/stddev') == pytest.approx(math.sqrt(1.3 * 2.0 / 36.0))
    with pytest.raises(TypeError):
        init_ops.xavier_initializer(dtype=tf.int32)


# -- regularizers ----------------------------------------------------------------------------------
def test_l1_l2_regularizers():
    w = tf.constant([[1., -2.], [3., 0.5]])
    l1 = regularizers.l1_regularizer(0.1)(w)
    l2 = regularizers.l2_regularizer(0.5)(w)
    both = regularizers.l1_l2_regularizer(0.1, 0.5)(w)
    assert l1.name == 'l1_regularizer:0' and l2.name == 'l2_regularizer:0'
    assert regularizers.l2_regularizer(0.0)(w) is None
    with pytest.raises(ValueError, match='^scale cannot be an integer: 1$'):
        regularizers.l2_regularizer(1)
    with pytest.raises(ValueError, match='^Setting a scale less than 0 on a regularizer: -0.5.$'):
        regularizers.l1_regularizer(-0.5)
    with tf.Session() as sess:
        a, b, c = sess.run([l1, l2, both])
    assert a == pytest.approx(0.65) and b == pytest.approx(0.5 * 14.25 / 2) and c == pytest.approx(0.65 + 3.5625)


def test_regularizer_through_get_variable():
    with tf.variable_scope('layer', regularizer=regularizers.l2_regularizer(0.01)):
        tf.get_variable('w', initializer=tf.constant([3., 4.]))
    (loss,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert loss.name == 'layer/w/Regularizer/l2_regularizer:0'
    total = regularizers.apply_regularization(regularizers.l1_regularizer(1.0), [tf.constant([1., -1.])])
    assert total.name == 'get_regularization_penalty:0'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(loss) == pytest.approx(0.125)
        assert sess.run(total) == pytest.approx(2.0)
