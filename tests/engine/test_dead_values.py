"""TF 1.x conditionals (Switch/Merge graphs written by TF with control flow v1) imported, run,
differentiated and exported by sluice, against TensorFlow on the same GraphDef."""
import numpy as np
import pytest

import sluice as tf

tf1 = pytest.importorskip('tensorflow.compat.v1')
tf1.disable_v2_behavior()
tf1.disable_control_flow_v2()


def _tf_graph(build):
    """(GraphDef bytes, TF's results for each feed) of build(tf1) -> (feeds, fetches)."""
    with tf1.Graph().as_default() as g:
        feeds, fetches = build(tf1)
        assert any(op.type == 'Switch' for op in g.get_operations())
        return g.as_graph_def().SerializeToString(), [f.name for f in feeds], [f.name for f in fetches]


def _run(module, graph_bytes, feed_names, fetch_names, values, init=None):
    with module.Graph().as_default(), module.Session() as sess:
        graph_def = module.GraphDef.FromString(graph_bytes)
        module.import_graph_def(graph_def, name='')
        if init:
            sess.run(init)
        return sess.run(fetch_names, dict(zip(feed_names, values)))


def _cond_model(t):
    x = t.placeholder(t.float32, [3], name='x')
    p = t.placeholder(t.bool, [], name='p')
    y = t.cond(p, lambda: t.square(x) * 2.0, lambda: t.sin(x) - 1.0)
    consts = t.cond(p, lambda: t.constant(10.0), lambda: t.constant(-10.0))
    nested = t.cond(p, lambda: t.cond(x[0] > 0, lambda: x + 1.0, lambda: x - 1.0), lambda: x * 3.0)
    loss = t.reduce_sum(y * nested) + consts
    grad_x = t.gradients(loss, x)[0]
    return [x, p], [y, consts, nested, loss, grad_x]


@pytest.mark.parametrize('pred', [True, False])
@pytest.mark.parametrize('x0', [0.5, -0.5])
def test_imported_conditionals_run_as_in_tensorflow(pred, x0):
    graph, feeds, fetches = _tf_graph(_cond_model)
    values = [np.array([x0, 1.5, -2.0], np.float32), pred]
    ours = _run(tf, graph, feeds, fetches, values)
    theirs = _run(tf1, graph, feeds, fetches, values)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sluice_gradients_through_imported_conditionals_equal_tensorflows():
    graph, feeds, fetches = _tf_graph(_cond_model)
    for pred in (True, False):
        values = [np.array([0.5, 1.5, -2.0], np.float32), pred]
        with tf.Graph().as_default() as g, tf.Session() as sess:
            tf.import_graph_def(tf.GraphDef.FromString(graph), name='')
            x, loss = g.get_tensor_by_name('x:0'), g.get_tensor_by_name(fetches[3])
            ours = sess.run(tf.gradients(loss, x)[0], dict(zip(feeds, values)))
        theirs = _run(tf1, graph, feeds, [fetches[4]], values)[0]
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_a_branch_not_taken_has_no_side_effects_and_a_dead_fetch_fails():
    def build(t):
        v = t.Variable(0.0, name='v')
        p = t.placeholder(t.bool, [], name='p')
        out = t.cond(p, lambda: t.assign_add(v, 1.0), lambda: t.identity(v))
        return [p], [out, v]
    graph, feeds, fetches = _tf_graph(build)
    with tf.Graph().as_default() as g, tf.Session() as sess:
        tf.import_graph_def(tf.GraphDef.FromString(graph), name='')
        sess.run(g.get_operation_by_name('v/Assign'))
        assert sess.run(fetches, {feeds[0]: False}) == [0.0, 0.0]
        assert sess.run(fetches, {feeds[0]: True})[0] == 1.0
        assert sess.run('v:0') == 1.0
        switch = [op for op in g.get_operations() if op.type == 'Switch'][0]
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Retval\[0\] does not have value'):
            sess.run(switch.outputs[1], {feeds[0]: False})


def test_graphs_with_switch_and_merge_export_back_to_tensorflow():
    graph, feeds, fetches = _tf_graph(_cond_model)
    with tf.Graph().as_default() as g:
        tf.import_graph_def(tf.GraphDef.FromString(graph), name='')
        exported = g.as_graph_def().SerializeToString()
    values = [np.array([0.5, 1.5, -2.0], np.float32), False]
    for a, b in zip(_run(tf1, exported, feeds, fetches, values), _run(tf1, graph, feeds, fetches, values)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_on_a_fake_gpu():
    graph, feeds, fetches = _tf_graph(_cond_model)
    from sluice.engine import devices
    with devices.fake_gpus(1):
        with tf.Graph().as_default():
            with tf.device('/gpu:0'):
                tf.import_graph_def(tf.GraphDef.FromString(graph), name='')
            with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
                values = [np.array([0.5, 1.5, -2.0], np.float32), True]
                ours = sess.run(fetches, dict(zip(feeds, values)))
    theirs = _run(tf1, graph, feeds, fetches, values)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
