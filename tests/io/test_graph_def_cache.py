"""as_graph_def reuses each op's serialized NodeDef: every later change must still show in the export."""
import sluice as tf
from sluice.io.protos import GraphDef


def _node(graph_def, name):
    return next(n for n in graph_def.node if n.name == name)


def test_cached_export_equals_a_fresh_build_and_follows_changes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, name='x')
        y = tf.identity(x, name='y')
        z = tf.add(y, 1.0, name='z')
    first = g.as_graph_def()
    fresh = GraphDef()
    fresh.versions.CopyFrom(first.versions)
    for op in g.get_operations():
        fresh.node.add().CopyFrom(op.node_def)
    assert first == fresh
    assert g.as_graph_def().SerializeToString() == first.SerializeToString()

    y.op._set_attr('_custom', 7)
    y.op._set_device('/cpu:0')
    z.op._add_control_input(x.op)
    x.set_shape([2, 3])
    again = g.as_graph_def(add_shapes=True)
    assert _node(again, 'y').attr['_custom'].i == 7
    assert _node(again, 'y').device == '/device:CPU:0'
    assert list(_node(again, 'z').input) == ['y', 'z/y', '^x']
    assert [d.size for d in _node(again, 'x').attr['_output_shapes'].list.shape[0].dim] == [2, 3]
    assert 'x' in [n.name for n in again.node] and len(again.node) == len(g.get_operations())


def test_ops_added_after_an_export_appear_in_the_next():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name='a')
        g.as_graph_def()
        tf.negative(a, name='b')
    assert [n.name for n in g.as_graph_def().node] == ['a', 'b']


def test_written_node_defs_equal_the_proto_built_ones():
    """The NodeDef bytes the export writes field by field parse to what node_def_of builds, for every
    kind of attr (types, shapes, lists, tensors, strings, functions, colocation) and a device."""
    from sluice.io import graph_def
    from sluice.io.protos import NodeDef
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name='x')
        with tf.device('/cpu:0'):
            v = tf.Variable(tf.zeros([3]), name='v')
        with tf.colocate_with(v):
            tf.identity(v, name='near_v')
        y = tf.nn.relu(x + v, name='y')
        tf.cond(x[0, 0] > 0, lambda: y, lambda: -y)
        tf.strided_slice(x, [0, 1], [2, 3], [1, 1], shrink_axis_mask=2)
        tf.constant(['a', 'bc'], name='strings')
        tf.nn.conv2d(tf.zeros([1, 4, 4, 1]), tf.zeros([2, 2, 1, 1]), [1, 1, 1, 1], 'SAME')
        tf.train.Saver()
    for _ in range(2):  # the second pass reads the cached attr encodings
        for op in g.get_operations():
            assert NodeDef.FromString(graph_def._node_def_bytes(op)) == graph_def.node_def_of(op), op.name
