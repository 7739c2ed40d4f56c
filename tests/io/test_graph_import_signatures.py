"""import_graph_def's shared work: attrs decoded once per (op type, attr bytes) signature, one
traceback per import, the collector paused, no heap for a sorted GraphDef. Each test checks that
what nodes share never leaks from one op to another, and that what is done once still happens
for every node where TF does it per node (warnings, '_class', errors naming the node)."""
import gc
import logging

import numpy as np
import pytest

import sluice as tf
from sluice.io import node_signature
from sluice.io.protos import AttrValue, GraphDef, NodeDef


def identity_chain(n, **extra_attrs):
    """Const c -> Identity i0 -> i1 -> ... (n Identities), float32."""
    with tf.Graph().as_default() as g:
        y = tf.constant([1.0, 2.0], name='c')
        for i in range(n):
            y = tf.identity(y, name='i%d' % i)
    gd = g.as_graph_def()
    for node in gd.node:
        if node.op == 'Identity':
            for key, value in extra_attrs.items():
                node.attr[key].CopyFrom(value)
    return gd


def imported(gd, **kwargs):
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name='', **kwargs)
    return g


def test_ops_sharing_a_signature_get_their_own_attrs():
    gd = identity_chain(3, _output_shapes=AttrValue(list=AttrValue.ListValue(shape=[{'dim': [{'size': 2}]}])))
    g = imported(gd)
    a, b = g.get_operation_by_name('i0'), g.get_operation_by_name('i1')
    assert a._attrs == b._attrs and a._attrs is not b._attrs
    assert a.get_attr('_output_shapes') == b.get_attr('_output_shapes')
    assert a.get_attr('_output_shapes') is not b.get_attr('_output_shapes')  # lists: each op its own
    a._set_attr('T', tf.int32)
    assert b.get_attr('T') is tf.float32


def test_list_defaults_are_copies_of_the_op_defs():
    gd = GraphDef()
    for name in ('q1', 'q2'):
        gd.node.add(name=name, op='FIFOQueueV2').attr['component_types'].list.type.append(1)
    g = imported(gd)
    q1, q2 = g.get_operation_by_name('q1'), g.get_operation_by_name('q2')
    shapes1, shapes2 = q1.get_attr('shapes'), q2.get_attr('shapes')
    assert shapes1 == [] and shapes1 is not q1._op_def.attrs['shapes']
    assert shapes2 is not q2._op_def.attrs['shapes']


def test_class_is_read_per_node():
    with tf.Graph().as_default() as g:
        v1 = tf.Variable([1.0], name='v1')
        v2 = tf.Variable([2.0], name='v2')
    gd = g.as_graph_def()
    g2 = imported(gd)
    for v in ('v1', 'v2'):
        read = g2.get_operation_by_name('%s/read' % v)
        assert read.colocation_groups() == [b'loc:@%s' % v.encode()]
        assign = g2.get_operation_by_name('%s/Assign' % v)
        assert assign.colocation_groups() == [b'loc:@%s' % v.encode()]
    del v1, v2


def test_class_devices_follow_each_nodes_target():
    gd = GraphDef()
    for name, device in (('a', '/device:CPU:0'), ('b', '/device:CPU:1')):
        node = gd.node.add(name=name, op='Const', device=device)
        node.attr['dtype'].type = 1
        node.attr['value'].tensor.dtype = 1
        node.attr['value'].tensor.float_val.append(1.0)
    for name, target in (('ra', 'a'), ('rb', 'b')):
        node = gd.node.add(name=name, op='Identity', input=[target])
        node.attr['T'].type = 1
        node.attr['_class'].list.s.append(b'loc:@' + target.encode())
    g = imported(gd)
    assert g.get_operation_by_name('ra').device == '/device:CPU:0'
    assert g.get_operation_by_name('rb').device == '/device:CPU:1'


def test_unknown_attr_warns_at_every_node(caplog):
    gd = identity_chain(2, grad_z=AttrValue(i=7))
    with caplog.at_level(logging.WARNING, logger='sluice'):
        imported(gd)
    warned = [r.getMessage() for r in caplog.records if 'grad_z' in r.getMessage()]
    assert len(warned) == 2
    assert '{{node i0}}' in warned[0] and '{{node i1}}' in warned[1]


def test_input_count_error_at_a_later_node_of_a_signature_leaves_the_graph_untouched():
    gd = identity_chain(2)
    gd.node[2].input.append('c')  # i1 takes two inputs: same attrs as i0, which was fine
    g = tf.Graph()
    with g.as_default():
        tf.constant(0.0, name='before')
        with pytest.raises(ValueError, match=r"NodeDef expected inputs 'float' do not match 2 inputs specified.*"
                                             r"\{\{node import/i1\}\}"):
            tf.import_graph_def(gd)
    assert [op.name for op in g.get_operations()] == ['before']


def test_equal_constants_build_their_own_arrays():
    gd = GraphDef()
    for name in ('a', 'b'):
        node = gd.node.add(name=name, op='Const')
        node.attr['dtype'].type = 1
        node.attr['value'].tensor.dtype = 1
        node.attr['value'].tensor.tensor_shape.dim.add(size=2)
        node.attr['value'].tensor.float_val.extend([3.0, 4.0])
    g = imported(gd)
    a, b = g.get_operation_by_name('a'), g.get_operation_by_name('b')
    va = a.get_attr('value')
    va[0] = -1.0
    np.testing.assert_array_equal(b.get_attr('value'), [3.0, 4.0])
    with tf.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run('b:0'), [3.0, 4.0])


def test_unsorted_graph_def_keeps_tfs_order():
    gd = identity_chain(3)
    nodes = list(gd.node)
    del gd.node[:]
    gd.node.extend(reversed(nodes))  # i2, i1, i0, c: each reads a later node
    g = imported(gd)
    assert [op.name for op in g.get_operations()] == ['c', 'i0', 'i1', 'i2']


def test_imported_ops_have_the_callers_traceback():
    g = imported(identity_chain(2))
    for op in g.get_operations():
        assert op.traceback and op.traceback[-1][0] == __file__
        assert op.traceback[-1][2] == 'imported'
    assert g.get_operations()[0].traceback is not g.get_operations()[1].traceback
    with tf.Graph().as_default():  # ops made after an import record their own frames again
        c = tf.constant(1.0)
    assert c.op.traceback[-1][2] == 'test_imported_ops_have_the_callers_traceback'


@pytest.mark.parametrize('enabled', [True, False])
def test_collector_state_is_restored(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        imported(identity_chain(2))
        assert gc.isenabled() is enabled
        bad = identity_chain(2)
        bad.node[1].input[0] = 'missing'
        with pytest.raises(ValueError, match='Unknown input node'):
            imported(bad)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# -- node_signature ----------------------------------------------------------------------------

def signature_of(node):
    return node_signature.signature(node, node.name, node.op, list(node.input), node.device)


def test_signature_is_the_attr_bytes_whatever_the_other_fields():
    assert node_signature.supported()
    a = NodeDef(name='a', op='Identity', input=['x', '^y'], device='/cpu:0')
    b = NodeDef(name='a_much_longer_name' * 10, op='Identity', input=['z:1'])
    for node in (a, b):
        node.attr['T'].type = 1
    assert signature_of(a) == signature_of(b)
    assert signature_of(a)[0] == NodeDef(attr={'T': AttrValue(type=1)}).SerializeToString(deterministic=True)
    b.attr['T'].type = 2
    assert signature_of(a) != signature_of(b)


def test_signature_cuts_only_the_class_entry():
    text = b'x\n\x06_class\x12y'  # the bytes of a '_class' key inside another attr's value
    a = NodeDef(name='a', op='Identity')
    a.attr['a'].s = text
    key, cut = signature_of(a)
    assert cut == () and key == NodeDef(attr={'a': AttrValue(s=text)}).SerializeToString(deterministic=True)
    b = NodeDef(name='b', op='Identity')
    b.attr['a'].s = text
    b.attr['_class'].list.s.append(b'loc:@somewhere')
    assert signature_of(b) == (key, ("_class",))
    c = NodeDef(name='c', op='Identity')
    c.attr['_class'].list.s.append(b'loc:@elsewhere')
    c.attr['a'].s = b'other'
    assert signature_of(c)[0] != key


def const_node(gd, name, values, dims=None):
    node = gd.node.add(name=name, op='Const')
    node.attr['dtype'].type = 1
    node.attr['value'].tensor.dtype = 1
    for d in (len(values),) if dims is None else dims:
        node.attr['value'].tensor.tensor_shape.dim.add(size=d)
    node.attr['value'].tensor.float_val.extend(values)
    return node


def test_constants_of_one_signature_keep_their_own_values():
    gd = GraphDef()
    for i in range(3):
        const_node(gd, 'c%d' % i, [float(i), float(i) + 0.5])
    g = imported(gd)
    assert g.get_operation_by_name('c1').node_def.attr['value'] == gd.node[1].attr['value']  # still the proto
    with tf.Session(graph=g) as sess:
        for i in range(3):
            np.testing.assert_array_equal(sess.run('c%d:0' % i), [i, i + 0.5])


def test_a_bad_constant_after_good_ones_is_named():
    gd = GraphDef()
    const_node(gd, 'good', [1.0])
    const_node(gd, 'bad', [1.0], dims=[-1])
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(ValueError, match=r"Shape \[\?\] is not fully defined for '\{\{node bad\}\}"):
            tf.import_graph_def(gd, name='')
    assert g.get_operations() == []


def test_tensor_attrs_are_decoded_per_node():
    with tf.Graph().as_default() as g:
        images = tf.zeros([1, 2, 2, 3])
        tf.summary.image('a', images)
        tf.summary.image('b', images)
    g2 = imported(g.as_graph_def())
    s1, s2 = [op for op in g2.get_operations() if op.type == 'ImageSummary']
    assert s1.get_attr('bad_color') is not s2.get_attr('bad_color')
    np.testing.assert_array_equal(s1.get_attr('bad_color'), s2.get_attr('bad_color'))
