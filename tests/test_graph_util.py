"""tf.graph_util against TensorFlow: the same GraphDef in, the same GraphDef out."""
import numpy as np
import pytest

import sluice as tf
from sluice.io.protos import GraphDef

tf1 = pytest.importorskip('tensorflow.compat.v1')
tf1.disable_v2_behavior()


def _build(module):
    x = module.placeholder(module.float32, [None, 2], name='x')
    w = module.Variable([[1.0, -2.0], [0.5, 3.0]], name='w')
    b = module.Variable([0.25, -0.5], name='b')
    h = module.identity(module.matmul(x, w) + b, name='h')
    checked = module.check_numerics(h, 'h is finite', name='checked')
    y = module.identity(module.nn.relu(checked), name='y')
    module.add(y, 1.0, name='unused')
    with module.control_dependencies([y]):
        module.identity(x, name='after_y')
    return w


def _freeze(module, graph_util):
    with module.Graph().as_default() as g, module.Session() as sess:
        w = _build(module)
        sess.run(module.global_variables_initializer())
        sess.run(w.assign([[2.0, 0.0], [0.0, 2.0]]))
        return graph_util.convert_variables_to_constants(sess, g.as_graph_def(), ['y'])


def _tf_graph_def(sluice_graph_def):
    return tf1.GraphDef.FromString(sluice_graph_def.SerializeToString())


def test_frozen_graphs_equal_tensorflows():
    ours, theirs = _freeze(tf, tf.graph_util), _freeze(tf1, tf1.graph_util)
    # TF 2.x rewrote the freezer and lists the nodes in another order (TF 1.15 kept the graph's, as sluice)
    assert sorted((n.name, n.op, tuple(n.input)) for n in ours.node) == \
        sorted((n.name, n.op, tuple(n.input)) for n in theirs.node)
    x = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)
    outputs = []
    for module, graph_def in ((tf, ours), (tf1, _tf_graph_def(ours)), (tf1, theirs)):
        with module.Graph().as_default(), module.Session() as sess:
            module.import_graph_def(graph_def, name='')
            outputs.append(sess.run('y:0', {'x:0': x}))
    for out in outputs:
        np.testing.assert_allclose(out, np.maximum(x @ np.array([[2, 0], [0, 2]]) + [0.25, -0.5], 0))


def test_extract_and_remove_training_nodes_equal_tensorflows():
    with tf.Graph().as_default() as g:
        _build(tf)
    graph_def = g.as_graph_def()
    tf_graph_def = _tf_graph_def(graph_def)
    for dest in (['y'], ['h', 'after_y'], ['unused']):
        ours = tf.graph_util.extract_sub_graph(graph_def, dest)
        assert _tf_graph_def(ours) == tf1.graph_util.extract_sub_graph(tf_graph_def, dest)
    for protected in (None, ['h'], ['checked', 'y']):
        ours = tf.graph_util.remove_training_nodes(graph_def, protected)
        theirs = tf1.graph_util.remove_training_nodes(tf_graph_def, protected)
        assert _tf_graph_def(ours) == theirs
    with pytest.raises(TypeError, match='dest_nodes must be a list'):
        tf.graph_util.extract_sub_graph(graph_def, 'y')
    with pytest.raises(TypeError, match='graph_def must be a graph_pb2.GraphDef proto'):
        tf.graph_util.extract_sub_graph(b'', ['y'])
    with pytest.raises(AssertionError, match='nope is not in graph'):
        tf.graph_util.extract_sub_graph(graph_def, ['nope'])
    assert isinstance(tf.graph_util.extract_sub_graph(graph_def, ['y']), GraphDef)


def test_must_run_on_cpu_and_shapes():
    with tf.Graph().as_default() as g:
        a = tf.constant([1, 2], name='a')
        f = tf.constant([1.0], name='f')
        tf.cast(a, tf.float32, name='c')
    assert tf.graph_util.must_run_on_cpu(a.op) and not tf.graph_util.must_run_on_cpu(f.op)
    assert tf.graph_util.must_run_on_cpu(g.get_operation_by_name('c'))
    assert tf.graph_util.tensor_shape_from_node_def_name(g, 'a').as_list() == [2]
