"""Graph building: default graphs, naming, lookups, collections, scopes, Tensor and Operation API.

Expected names, values, error classes and messages were taken from TensorFlow 1.x
(`tensorflow.compat.v1` with v2 behaviour disabled; where TF 2's compat layer rewords a
message, TF 1.15's wording is used and the test says so).
"""
import threading

import numpy as np
import pytest

import sluice as tf
from sluice.engine import tensor_shape



# -- the default graph -------------------------------------------------------------------------------

def test_default_graph_is_stable_until_reset():
    g = tf.get_default_graph()
    assert tf.get_default_graph() is g
    tf.reset_default_graph()
    g2 = tf.get_default_graph()
    assert g2 is not g
    assert isinstance(g2, tf.Graph)
    assert g2.get_operations() == []


def test_as_default_nesting_restores_outer_graph():
    outer = tf.get_default_graph()
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default() as entered:
        assert entered is g1
        assert tf.get_default_graph() is g1
        with g2.as_default():
            assert tf.get_default_graph() is g2
            c = tf.constant(1.0)
        assert tf.get_default_graph() is g1
        d = tf.constant(2.0)
    assert tf.get_default_graph() is outer
    assert c.graph is g2 and d.graph is g1
    assert g1.get_operations() == [d.op]


def test_reset_default_graph_inside_nesting_is_an_assertion_error():
    with tf.Graph().as_default():
        with pytest.raises(AssertionError, match='Do not use tf.reset_default_graph'):
            tf.reset_default_graph()


def test_reset_default_graph_inside_session_is_an_assertion_error():
    with tf.Session():
        with pytest.raises(AssertionError, match='Do not use tf.reset_default_graph'):
            tf.reset_default_graph()


def test_graph_pushed_in_one_thread_is_not_default_in_another():
    g = tf.Graph()
    seen = {}
    with g.as_default():
        t = threading.Thread(target=lambda: seen.setdefault('g', tf.get_default_graph()))
        t.start()
        t.join()
    assert seen['g'] is not g


def test_each_thread_has_its_own_global_default_graph():
    main = tf.get_default_graph()
    seen = {}
    t = threading.Thread(target=lambda: seen.setdefault('g', tf.get_default_graph()))
    t.start()
    t.join()
    assert seen['g'] is not main


def test_fresh_graph_properties():
    g = tf.Graph()
    assert g.version == 0
    assert not g.finalized
    assert not g.building_function
    assert g.seed is None
    with g.as_default():
        tf.constant(1.0)
        tf.constant(2.0)
    assert g.version == 2
    assert len(g.get_operations()) == 2


def test_op_takes_the_graph_of_its_input():
    # TF builds an op in the graph of its inputs, whatever the default graph is.
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(1.0, name='c')
    i = tf.identity(c)
    assert i.graph is g
    assert tf.get_default_graph().get_operations() == []


def test_inputs_from_two_graphs_are_a_value_error():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
    b = tf.constant(2.0)
    with pytest.raises(ValueError, match='must be from the same graph'):
        tf.add(a, b)


# -- naming -------------------------------------------------------------------------------------------

def test_default_names_are_made_unique():
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)
    assert (a.name, b.name, c.name) == ('Const:0', 'Const_1:0', 'Const_2:0')
    assert a.op.name == 'Const'


def test_name_scope_twice_gets_a_suffix():
    with tf.name_scope('conv1') as s1:
        w1 = tf.constant(1, name='weights')
    with tf.name_scope('conv1') as s2:
        w2 = tf.constant(1, name='weights')
    assert (s1, s2) == ('conv1/', 'conv1_1/')
    assert (w1.name, w2.name) == ('conv1/weights:0', 'conv1_1/weights:0')


def test_name_scope_with_trailing_slash_reenters_scope():
    with tf.name_scope('conv1'):
        tf.constant(1, name='weights')
    with tf.name_scope('conv1/') as s:
        w = tf.constant(1, name='weights')
    assert s == 'conv1/'
    assert w.name == 'conv1/weights_1:0'


def test_name_scope_none_or_empty_resets_to_root():
    with tf.name_scope('outer'):
        with tf.name_scope(None):
            c1 = tf.constant(1, name='c')
        with tf.name_scope(''):
            c2 = tf.constant(1, name='c')
        c3 = tf.constant(1, name='c')
    assert (c1.name, c2.name, c3.name) == ('c:0', 'c_1:0', 'outer/c:0')


def test_nested_name_scopes_and_get_name_scope():
    g = tf.get_default_graph()
    assert g.get_name_scope() == ''
    with tf.name_scope('a'):
        with tf.name_scope('b') as s:
            assert s == 'a/b/'
            assert g.get_name_scope() == 'a/b'
            with tf.name_scope('a/') as s2:
                assert s2 == 'a/'
                assert tf.constant(1, name='q').name == 'a/q:0'
    assert g.get_name_scope() == ''


def test_name_scope_default_name():
    with tf.name_scope(None, 'def') as s1:
        pass
    with tf.name_scope(None, 'def') as s2:
        pass
    with tf.name_scope('named', 'def') as s3:
        pass
    assert (s1, s2, s3) == ('def/', 'def_1/', 'named/')


def test_unique_names_are_case_insensitive_and_keep_case():
    x = tf.constant(1, name='Foo')
    y = tf.constant(1, name='foo')
    z = tf.constant(1, name='FOO')
    assert (x.name, y.name, z.name) == ('Foo:0', 'foo_1:0', 'FOO_2:0')


def test_unique_name_skips_names_already_taken():
    p = tf.constant(1, name='a_1')
    q = tf.constant(1, name='a')
    r = tf.constant(1, name='a')
    assert (p.name, q.name, r.name) == ('a_1:0', 'a:0', 'a_2:0')


def test_graph_unique_name():
    g = tf.get_default_graph()
    for n in ('Foo', 'foo', 'FOO'):
        tf.constant(1, name=n)
    assert g.unique_name('foo', mark_as_used=False) == 'foo_3'
    assert g.unique_name('bar', mark_as_used=False) == 'bar'
    assert g.unique_name('bar') == 'bar'
    assert g.unique_name('bar') == 'bar_1'


def test_invalid_root_scope_name_is_a_value_error():
    # TF 1.15 wording: "'_bad' is not a valid scope name" (TF 2 adds the pattern).
    with pytest.raises(ValueError, match="'_bad' is not a valid"):
        with tf.name_scope('_bad'):
            pass


# -- lookups ------------------------------------------------------------------------------------------

@pytest.fixture
def small_graph():
    g = tf.get_default_graph()
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    return g, a, b


def test_get_tensor_and_operation_by_name(small_graph):
    g, a, b = small_graph
    assert g.get_tensor_by_name('Const:0') is a
    assert g.get_tensor_by_name('Const_1:0') is b
    assert g.get_operation_by_name('Const') is a.op
    assert g.as_graph_element('Const') is a.op
    assert g.as_graph_element('Const:0') is a
    assert g.as_graph_element(a) is a
    assert g.as_graph_element(a.op) is a.op
    assert [op.name for op in g.get_operations()] == ['Const', 'Const_1']


def test_get_tensor_by_name_errors(small_graph):
    g, _, _ = small_graph
    with pytest.raises(KeyError) as info:
        g.get_tensor_by_name('nope:0')
    assert info.value.args[0] == ("The name 'nope:0' refers to a Tensor which does not exist. The operation, "
                                  "'nope', does not exist in the graph.")
    with pytest.raises(KeyError) as info:
        g.get_tensor_by_name('Const:3')
    assert info.value.args[0] == ("The name 'Const:3' refers to a Tensor which does not exist. The operation, "
                                  "'Const', exists but only has 1 outputs.")
    with pytest.raises(ValueError) as info:
        g.get_tensor_by_name('Const')
    assert str(info.value) == ("The name 'Const' refers to an Operation, not a Tensor. Tensor names must be of "
                               'the form "<op_name>:<output_index>".')
    with pytest.raises(ValueError) as info:
        g.get_tensor_by_name('Const:x')
    assert str(info.value) == ("The name 'Const:x' looks a like a Tensor name, but is not a valid one. Tensor "
                               'names must be of the form "<op_name>:<output_index>".')
    with pytest.raises(TypeError) as info:
        g.get_tensor_by_name(5)
    assert str(info.value) == 'Tensor names are strings (or similar), not int.'


def test_get_operation_by_name_errors(small_graph):
    g, _, _ = small_graph
    with pytest.raises(ValueError) as info:
        g.get_operation_by_name('Const:0')
    assert str(info.value) == "Name 'Const:0' appears to refer to a Tensor, not a Operation."
    with pytest.raises(KeyError) as info:
        g.get_operation_by_name('nope')
    assert info.value.args[0] == "The name 'nope' refers to an Operation not in the graph."
    with pytest.raises(TypeError) as info:
        g.get_operation_by_name(5)
    assert str(info.value) == 'Operation names are strings (or similar), not int.'


def test_as_graph_element_errors(small_graph):
    g, a, _ = small_graph
    with pytest.raises(TypeError) as info:
        g.as_graph_element(5)
    assert str(info.value) == 'Can not convert a int into a Tensor or Operation.'
    with pytest.raises(TypeError) as info:
        g.as_graph_element(5, allow_operation=False)
    assert str(info.value) == 'Can not convert a int into a Tensor.'
    with pytest.raises(TypeError) as info:
        g.as_graph_element(a.op, allow_operation=False)
    assert str(info.value) == 'Can not convert a Operation into a Tensor.'
    with pytest.raises(TypeError) as info:
        g.as_graph_element(a, allow_tensor=False)
    assert str(info.value) == 'Can not convert a Tensor into a Operation.'
    with pytest.raises(KeyError):
        g.as_graph_element('nope')
    other = tf.Graph()
    with other.as_default():
        o = tf.constant(3)
    with pytest.raises(ValueError) as info:
        g.as_graph_element(o)
    assert str(info.value) == 'Tensor Tensor("Const:0", shape=(), dtype=int32) is not an element of this graph.'
    with pytest.raises(ValueError, match='is not an element of this graph'):
        g.as_graph_element(o.op)


# -- collections --------------------------------------------------------------------------------------

def test_graph_keys_values():
    k = tf.GraphKeys
    assert k.GLOBAL_VARIABLES == 'variables'
    assert k.VARIABLES == 'variables'
    assert k.TRAINABLE_VARIABLES == 'trainable_variables'
    assert k.LOCAL_VARIABLES == 'local_variables'
    assert k.MODEL_VARIABLES == 'model_variables'
    assert k.UPDATE_OPS == 'update_ops'
    assert k.LOSSES == 'losses'
    assert k.REGULARIZATION_LOSSES == 'regularization_losses'
    assert k.SUMMARIES == 'summaries'
    assert k.QUEUE_RUNNERS == 'queue_runners'
    assert k.GLOBAL_STEP == 'global_step'
    assert k.TRAIN_OP == 'train_op'
    assert k.INIT_OP == 'init_op'
    assert k.LOCAL_INIT_OP == 'local_init_op'
    assert k.READY_OP == 'ready_op'
    assert k.SUMMARY_OP == 'summary_op'
    assert k.SAVERS == 'savers'
    assert k.TABLE_INITIALIZERS == 'table_initializer'
    assert k.MOVING_AVERAGE_VARIABLES == 'moving_average_variables'
    assert k.ACTIVATIONS == 'activations'
    assert k.WEIGHTS == 'weights'
    assert k.BIASES == 'biases'


def test_get_collection_with_scope_regex():
    a = tf.constant(1, name='a')
    with tf.name_scope('s1'):
        b = tf.constant(2, name='b')
    with tf.name_scope('s10'):
        c = tf.constant(2, name='c')
    for item in (a, b, c, 5):
        tf.add_to_collection('my', item)
    assert tf.get_collection('my') == [a, b, c, 5]
    assert tf.get_collection('my', 's1') == [b, c]       # re.match: a prefix
    assert tf.get_collection('my', 's1/') == [b]
    assert tf.get_collection('my', '.*b') == [b]
    assert tf.get_collection('my', 'b') == []            # matched at the start only
    assert tf.get_collection('nope') == []
    assert tf.get_collection('nope', 'x') == []


def test_get_collection_returns_a_copy_and_ref_is_live():
    ref = tf.get_collection_ref('ref')
    ref.append(1)
    ref.append(2)
    assert tf.get_collection('ref') == [1, 2]
    copy = tf.get_collection('ref')
    copy.append(3)
    assert tf.get_collection('ref') == [1, 2]
    assert tf.get_collection_ref('ref') is ref
    del ref[:]
    assert tf.get_collection('ref') == []


def test_add_to_collections_deduplicates_names():
    a = tf.constant(1)
    tf.add_to_collections(['x', 'y', 'x'], a)
    assert tf.get_collection('x') == [a]
    assert tf.get_collection('y') == [a]
    tf.add_to_collections('z', a)  # a single name
    assert tf.get_collection('z') == [a]
    g = tf.get_default_graph()
    assert sorted(g.get_all_collection_keys()) == ['x', 'y', 'z']
    g.clear_collection('z')
    assert tf.get_collection('z') == []


def test_collections_are_per_graph():
    tf.add_to_collection('k', 1)
    g = tf.Graph()
    assert g.get_collection('k') == []
    with g.as_default():
        tf.add_to_collection('k', 2)
        assert tf.get_collection('k') == [2]
    assert tf.get_collection('k') == [1]


# -- control dependencies -----------------------------------------------------------------------------

def _names(ops):
    return [op.name for op in ops]


def test_control_dependencies_nest_and_none_clears():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    z = tf.constant(3., name='z')
    with tf.control_dependencies([x]):
        d1 = tf.identity(y, name='d1')
        with tf.control_dependencies([y.op]):
            d2 = tf.identity(z, name='d2')
            with tf.control_dependencies(None):
                d3 = tf.identity(z, name='d3')
                with tf.control_dependencies([z]):
                    d4 = tf.identity(y, name='d4')
        d6 = tf.constant(0, name='d6')
    with tf.control_dependencies([]):
        d7 = tf.identity(x, name='d7')
    assert _names(d1.op.control_inputs) == ['x']
    assert sorted(_names(d2.op.control_inputs)) == ['x', 'y']
    assert _names(d3.op.control_inputs) == []
    assert _names(d4.op.control_inputs) == ['z']
    assert _names(d6.op.control_inputs) == ['x']
    assert _names(d7.op.control_inputs) == []
    assert x.op._control_outputs == [d1.op, d2.op, d6.op]


def test_control_inputs_order_outer_scope_first():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    with tf.control_dependencies([x]):
        with tf.control_dependencies([y]):
            d = tf.constant(0, name='d')
    assert _names(d.op.control_inputs) == ['x', 'y']


def test_control_dependency_on_an_input_is_not_added():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    with tf.control_dependencies([x]):
        i = tf.identity(x, name='i')
        j = tf.identity(y, name='j')
    assert i.op.control_inputs == []
    assert _names(j.op.control_inputs) == ['x']


def test_control_dependencies_accept_tensors_ops_names_and_deduplicate():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    with tf.control_dependencies([x, x.op, y, 'x']):
        d = tf.constant(0, name='d')
    assert _names(d.op.control_inputs) == ['x', 'y']


def test_control_dependencies_on_a_variable_use_its_op():
    v = tf.Variable(1.0, name='v')
    with tf.control_dependencies([v]):
        k = tf.constant(1., name='k')
    with tf.control_dependencies([v.initializer]):
        k2 = tf.constant(1., name='k2')
    assert _names(k.op.control_inputs) == ['v']
    assert _names(k2.op.control_inputs) == ['v/Assign']


def test_control_dependencies_bad_element_is_a_type_error():
    # TF: 'Can not convert a int into a Tensor or Operation.'
    with pytest.raises(TypeError, match='Can not convert a int into'):
        with tf.control_dependencies([5]):
            pass


def test_control_dependencies_on_another_graph_is_a_value_error():
    g = tf.Graph()
    with g.as_default():
        o = tf.constant(1., name='o')
    with pytest.raises(ValueError, match='is not an element of this graph'):
        with tf.control_dependencies([o]):
            pass


def test_add_control_input_later():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    i = tf.identity(x, name='i')
    i.op._add_control_input(y.op)
    i.op._add_control_input(y.op)
    assert _names(i.op.control_inputs) == ['y']


def test_group_and_tuple():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    g = tf.group(x, y)
    assert (g.name, g.type) == ('group_deps', 'NoOp')
    assert sorted(_names(g.control_inputs)) == ['x', 'y']
    assert tf.group(x, y, name='gg').name == 'gg'
    empty = tf.group()
    assert (empty.name, empty.type) == ('group_deps_1', 'NoOp')
    assert empty.control_inputs == []
    t = tf.tuple([x, y])
    assert len(t) == 2
    assert _names(t[0].op.control_inputs) == ['tuple/group_deps']
    assert t[0].op.inputs[0] is x and t[1].op.inputs[0] is y
    with tf.Session() as sess:
        assert sess.run(g) is None
        assert sess.run(t) == [1.0, 2.0]


def test_tuple_output_names():
    x = tf.constant(1., name='x')
    y = tf.constant(2., name='y')
    t = tf.tuple([x, y])
    assert [a.name for a in t] == ['tuple/control_dependency:0', 'tuple/control_dependency_1:0']


# -- colocation ---------------------------------------------------------------------------------------

def test_colocate_with_overrides_device_scopes():
    with tf.device('/gpu:1'):
        v = tf.Variable(1.0, name='v')
    with tf.device('/cpu:0'):
        with tf.colocate_with(v):
            a = tf.constant(1.0, name='a')
            with tf.device('/gpu:3'):
                a2 = tf.constant(1.0, name='a2')
    assert a.device == '/device:GPU:1'
    assert a2.device == '/device:GPU:1'
    assert v.initializer.device == '/device:GPU:1'
    assert v.value().device == '/device:GPU:1'


def test_colocate_with_records_loc_class_names():
    v = tf.Variable(1.0, name='v')
    with tf.colocate_with(v):
        a = tf.constant(1.0, name='a')
    with tf.colocate_with(a.op):
        b = tf.constant(1.0, name='b')  # follows a's group, which is v's
    c0 = tf.constant(1.0, name='c0')
    with tf.colocate_with(c0, ignore_existing=True):
        b3 = tf.constant(1.0, name='b3')
    with tf.colocate_with(v):
        with tf.colocate_with(None, ignore_existing=True):
            b4 = tf.constant(1.0, name='b4')
    as_text = lambda attr: [x.decode() if isinstance(x, bytes) else x for x in attr]  # noqa: E731
    assert as_text(a.op.get_attr('_class')) == ['loc:@v']
    assert as_text(b.op.get_attr('_class')) == ['loc:@v']
    assert as_text(b3.op.get_attr('_class')) == ['loc:@c0']
    with pytest.raises(ValueError) as info:
        b4.op.get_attr('_class')
    assert str(info.value) == "Operation 'b4' has no attr named '_class'."
    with pytest.raises(ValueError):
        v.op.get_attr('_class')


def test_colocation_class_attr_is_bytes():
    v = tf.Variable(1.0, name='v')
    assert v.initializer.get_attr('_class') == [b'loc:@v']
    assert v.value().op.get_attr('_class') == [b'loc:@v']


def test_nested_colocation_groups_are_sorted():
    v = tf.Variable(1.0, name='v')
    c0 = tf.constant(1.0, name='c0')
    with tf.colocate_with(v):
        with tf.colocate_with(c0):
            b = tf.constant(1.0, name='b')
    assert [x.decode() if isinstance(x, bytes) else x for x in b.op.get_attr('_class')] == ['loc:@c0', 'loc:@v']


def test_operation_colocation_groups_public_form():
    t = tf.constant(1.0, name='t')
    assert t.op.colocation_groups() == [b'loc:@t']


# -- device scopes ------------------------------------------------------------------------------------

def _device_of(device, make=lambda: tf.constant(0.)):
    with tf.device(device):
        return make().device


def test_device_strings_are_canonicalized():
    assert _device_of('/cpu:0') == '/device:CPU:0'
    assert _device_of('/gpu:0') == '/device:GPU:0'
    assert _device_of('gpu:0') == '/device:GPU:0'
    assert _device_of('/device:GPU:1') == '/device:GPU:1'
    assert _device_of('') == ''
    assert tf.constant(0.).device == ''


def test_device_spec_and_function():
    assert _device_of(tf.DeviceSpec(device_type='GPU', device_index=2)) == '/device:GPU:2'
    pick = lambda op: '/device:CPU:0' if op.type == 'Const' else '/device:GPU:0'  # noqa: E731
    with tf.device(pick):
        c = tf.constant(1.0)
        i = tf.identity(c)
    assert (c.device, i.device) == ('/device:CPU:0', '/device:GPU:0')


def test_device_function_result_kept_as_given():
    assert _device_of(lambda op: '/cpu:0') == '/cpu:0'


def test_device_scopes_merge():
    with tf.device('/job:worker'):
        assert tf.constant(0.).device == '/job:worker'
        with tf.device('/gpu:0'):
            assert tf.constant(0.).device == '/job:worker/device:GPU:0'
        with tf.device('/job:ps/task:1'):
            assert tf.constant(0.).device == '/job:ps/task:1'
        with tf.device(None):
            assert tf.constant(0.).device == ''
            with tf.device('/cpu:0'):
                assert tf.constant(0.).device == '/device:CPU:0'
    with tf.device('/job:worker/replica:2/task:3/device:CPU:1'):
        with tf.device('/gpu:0'):
            assert tf.constant(0.).device == '/job:worker/replica:2/task:3/device:GPU:0'
        with tf.device('/device:GPU:*'):
            assert tf.constant(0.).device == '/job:worker/replica:2/task:3/device:GPU:1'


def test_device_function_inside_string_scope():
    with tf.device('/gpu:0'):
        with tf.device(lambda op: '/cpu:1'):
            assert tf.constant(0.).device == '/device:CPU:1'
        with tf.device(lambda op: 'gpu:1'):
            assert tf.constant(0.).device == '/device:GPU:1'
    with tf.device(lambda op: '/job:w'):
        with tf.device('/gpu:0'):
            assert tf.constant(0.).device == '/job:w'


def test_bad_device_string_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown attribute"):
        with tf.device('/nope:0'):
            tf.constant(0.)


def test_set_device_on_op():
    t = tf.constant(1.)
    t.op._set_device('/device:CPU:0')
    assert t.device == '/device:CPU:0'
    t.op._set_device(None)
    assert t.device == ''


# -- finalize -----------------------------------------------------------------------------------------

def test_finalized_graph_refuses_new_ops():
    g = tf.get_default_graph()
    c = tf.constant(1.0)
    g.finalize()
    assert g.finalized
    with pytest.raises(RuntimeError, match='Graph is finalized and cannot be modified.'):
        tf.constant(2.0)
    with tf.Session() as sess:  # running a finalized graph is fine
        assert sess.run(c) == 1.0
    g._unsafe_unfinalize()
    tf.constant(2.0)


# -- Tensor API ---------------------------------------------------------------------------------------

def test_tensor_properties():
    x = tf.placeholder(tf.float32, shape=[None, 3], name='x')
    assert x.name == 'x:0'
    assert x.op.name == 'x'
    assert x.op.type == 'Placeholder'
    assert x.dtype == tf.float32
    assert x.value_index == 0
    assert x.graph is tf.get_default_graph()
    assert x.device == ''
    assert isinstance(x.shape, tf.TensorShape)
    assert x.shape.as_list() == [None, 3]
    assert x.get_shape() == x.shape
    assert str(x.shape) == '(?, 3)'
    assert x.op.outputs[0] is x
    assert x.op.values()[0] is x


def test_tensor_repr_and_str():
    x = tf.placeholder(tf.float32, shape=[None, 3], name='x')
    c = tf.constant([[1, 2], [3, 4]], name='c')
    s = tf.constant('hi')
    assert repr(x) == "<tf.Tensor 'x:0' shape=(?, 3) dtype=float32>"
    assert str(x) == 'Tensor("x:0", shape=(?, 3), dtype=float32)'
    assert repr(c) == "<tf.Tensor 'c:0' shape=(2, 2) dtype=int32>"
    assert str(c) == 'Tensor("c:0", shape=(2, 2), dtype=int32)'
    assert repr(s) == "<tf.Tensor 'Const:0' shape=() dtype=string>"
    assert str(s) == 'Tensor("Const:0", shape=(), dtype=string)'
    u = tf.placeholder(tf.int32, name='u')
    assert repr(u) == "<tf.Tensor 'u:0' shape=<unknown> dtype=int32>"


def test_tensor_str_unknown_shape_and_device():
    u = tf.placeholder(tf.int32, name='u')
    with tf.device('/gpu:0'):
        t = tf.constant(1., name='t')
    assert str(u) == 'Tensor("u:0", dtype=int32)'
    assert str(t) == 'Tensor("t:0", shape=(), dtype=float32, device=/device:GPU:0)'


def test_set_shape_merges():
    x = tf.placeholder(tf.float32, shape=[None, 3], name='x')
    x.set_shape([2, None])
    assert x.shape.as_list() == [2, 3]
    x.set_shape(None)
    assert x.shape.as_list() == [2, 3]
    u = tf.placeholder(tf.int32)
    u.set_shape([None, 5])
    assert u.shape.as_list() == [None, 5]
    u.set_shape(tf.TensorShape([4, None]))
    assert u.shape.as_list() == [4, 5]


def test_set_shape_incompatible_is_a_value_error():
    x = tf.placeholder(tf.float32, shape=[2, 3])
    with pytest.raises(ValueError):
        x.set_shape([3, 3])
    with pytest.raises(ValueError):
        x.set_shape([2])
    assert x.shape.as_list() == [2, 3]


def test_set_shape_error_messages():
    x = tf.placeholder(tf.float32, shape=[2, 3])
    with pytest.raises(ValueError) as info:
        x.set_shape([3, 3])
    assert str(info.value) == ('Dimension 0 in both shapes must be equal, but are 2 and 3. '
                               'Shapes are [2,3] and [3,3].')
    with pytest.raises(ValueError) as info:
        x.set_shape([2])
    assert str(info.value) == 'Shapes must be equal rank, but are 2 and 1'


def test_tensor_hash_and_identity_equality():
    a = tf.constant(1.0)
    b = tf.constant(1.0)
    assert a == a and not (a != a)
    assert not (a == b) and a != b
    assert hash(a) == hash(a)
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2
    assert len({a, b, a}) == 2


def test_tensor_bool_is_a_type_error():
    x = tf.constant(1.0)
    with pytest.raises(TypeError) as info:
        bool(x)
    assert str(info.value) == ('Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` '
                               'instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as '
                               'tf.cond to execute subgraphs conditioned on the value of a tensor.')
    with pytest.raises(TypeError):
        if x:
            pass


def test_tensor_len_is_a_type_error():
    x = tf.placeholder(tf.float32, [None, 3], name='x')
    with pytest.raises(TypeError) as info:
        len(x)
    # TF 1.15 wording.
    assert str(info.value) == ('len is not well defined for symbolic Tensors. (x:0) Please call `x.shape` rather '
                               'than `len(x)` for shape information.')


def test_tensor_iteration_of_unknown_shape_is_a_type_error():
    with pytest.raises(TypeError):
        iter(tf.placeholder(tf.float32))
    with pytest.raises(TypeError):
        iter(tf.constant(1.0))


def test_tensor_iteration_is_refused_in_graph_mode():
    with pytest.raises(TypeError, match='only iterable when eager execution is enabled'):
        iter(tf.constant([1.0, 2.0]))


def test_tensor_consumers():
    c = tf.constant([1, 2], name='c')
    i1 = tf.identity(c, name='i1')
    i2 = tf.identity(c, name='i2')
    assert c.consumers() == [i1.op, i2.op]
    assert i2.consumers() == []


# -- Operation API ------------------------------------------------------------------------------------

def test_operation_properties():
    c = tf.constant([[1, 2], [3, 4]], name='c')
    i = tf.identity(c, name='i')
    op = i.op
    assert op.name == 'i'
    assert op.type == 'Identity'
    assert op.graph is tf.get_default_graph()
    assert op.device == ''
    assert list(op.inputs) == [c]
    assert op.outputs == [i]
    assert op.values() == (i,)
    assert op.control_inputs == []
    assert op.get_attr('T') == tf.int32
    assert c.op.get_attr('dtype') == tf.int32
    assert repr(op) == "<tf.Operation 'i' type=Identity>"
    assert str(tf.no_op(name='nn')).startswith('name: "nn"\nop: "NoOp"\n')


def test_operation_get_attr_missing_is_a_value_error():
    c = tf.constant(1.0, name='c0')
    with pytest.raises(ValueError) as info:
        c.op.get_attr('nope')
    assert str(info.value) == "Operation 'c0' has no attr named 'nope'."


def test_no_op_has_no_outputs():
    n = tf.no_op()
    assert n.name == 'NoOp'
    assert n.type == 'NoOp'
    assert n.outputs == []
    assert n.values() == ()
    assert list(n.inputs) == []


# -- eval and run with the default session ------------------------------------------------------------

def test_eval_and_run_without_default_session():
    c = tf.constant(1.0)
    n = tf.no_op()
    with pytest.raises(ValueError) as info:
        c.eval()
    assert str(info.value) == ('Cannot evaluate tensor using `eval()`: No default session is registered. Use '
                               '`with sess.as_default()` or pass an explicit session to `eval(session=sess)`')
    with pytest.raises(ValueError, match='No default session is registered'):
        n.run()


def test_operation_run_without_default_session_message():
    with pytest.raises(ValueError) as info:
        tf.no_op().run()
    assert str(info.value) == ('Cannot execute operation using `run()`: No default session is registered. Use '
                               '`with sess.as_default():` or pass an explicit session to `run(session=sess)`')


def test_eval_and_run_with_default_session():
    c = tf.constant([[1, 2], [3, 4]])
    x = tf.placeholder(tf.float32, [None, 3])
    v = tf.Variable(5.0)
    with tf.Session() as sess:
        assert tf.get_default_session() is sess
        np.testing.assert_array_equal(c.eval(), [[1, 2], [3, 4]])
        assert x.eval(feed_dict={x: np.ones((2, 3))}).shape == (2, 3)
        assert v.initializer.run() is None
        assert v.eval() == 5.0
    sess2 = tf.Session()
    assert c.eval(session=sess2)[0, 0] == 1
    assert tf.get_default_session() is None
    with sess2.as_default():
        assert c.eval()[1, 1] == 4
    sess2.close()


def test_eval_in_a_session_of_another_graph_is_a_value_error():
    g = tf.Graph()
    with g.as_default():
        k = tf.constant(1)
    with tf.Session() as sess:
        with pytest.raises(ValueError, match="graph is different from the session's graph"):
            k.eval()
        with pytest.raises(ValueError, match="graph is different from the session's graph"):
            k.eval(session=sess)


def test_eval_with_default_session_of_another_graph_message():
    g = tf.Graph()
    with g.as_default():
        k = tf.constant(1)
    with tf.Session() as sess:
        with pytest.raises(ValueError) as info:
            k.eval()
        assert str(info.value) == ("Cannot use the default session to evaluate tensor: the tensor's graph is "
                                   "different from the session's graph. Pass an explicit session to "
                                   "`eval(session=sess)`.")
        with pytest.raises(ValueError) as info:
            k.eval(session=sess)
        assert str(info.value) == ("Cannot use the given session to evaluate tensor: the tensor's graph is "
                                   "different from the session's graph.")


def test_tensor_shape_module_is_the_public_one():
    assert tensor_shape.TensorShape is tf.TensorShape


def test_a_symbolic_tensor_does_not_become_a_numpy_array():
    t = tf.constant(1.0)
    with pytest.raises(NotImplementedError, match='Cannot convert a symbolic Tensor'):
        np.array(t)


def test_op_whose_shape_check_fails_is_not_added():
    # TF: the node is dropped, its name stays taken, the Const built for the shape argument stays.
    g = tf.Graph()
    with g.as_default():
        c = tf.constant([1, 2, 3])
        with pytest.raises(ValueError, match='Reshape'):
            tf.reshape(c, [2, 2])
        assert [op.name for op in g.get_operations()] == ['Const', 'Reshape/shape']
        assert c.consumers() == []
        assert tf.reshape(c, [3]).name == 'Reshape_1:0'
