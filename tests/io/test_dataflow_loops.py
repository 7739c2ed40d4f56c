"""TF 1.x while loops (control flow v1 frames) imported as functional While (sluice/io/dataflow_loops.py),
with their gradients' stacks and TensorArrayV3s (kernels/dataflow_loop_kernels.py).

The golden files under data/tf1_while/ were written by TensorFlow (make_tf1_while_graphs.py there):
these tests read them without TensorFlow. Tests marked `tf` build graphs with TensorFlow and compare
again, and check that TensorFlow imports and runs what sluice exports.
"""
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')  # tf.compat.v1.nn.rnn_cell needs the legacy Keras cells
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sluice as tf  # noqa: E402
from sluice.engine import errors  # noqa: E402
from sluice.io import dataflow_loops  # noqa: E402
from sluice.io.protos import GraphDef  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'tf1_while')


def _golden(name):
    data = np.load(os.path.join(DATA, name + '.npz'))
    feeds = {k[5:]: data[k] for k in data.files if k.startswith('feed:')}
    fetches = {k[6:]: data[k] for k in data.files if k.startswith('fetch:')}
    return data, feeds, fetches


def _graph_def(name):
    with open(os.path.join(DATA, name + '.pb'), 'rb') as f:
        return GraphDef.FromString(f.read())


def _run_golden(name):
    _, feeds, fetches = _golden(name)
    with tf.Graph().as_default() as g:
        tf.import_graph_def(_graph_def(name), name='')
        with tf.Session() as sess:
            got = sess.run(list(fetches), feeds)
    return g, dict(zip(fetches, got)), fetches


@pytest.mark.parametrize('name', ['counter', 'several_vars', 'nested', 'cond_inside', 'map_and_scan'])
def test_golden_loops_and_their_gradients_give_tensorflows_values(name):
    _, got, want = _run_golden(name)
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize('prefix', ['', 'imported'])
def test_loop_assigning_to_a_ref_variable_writes_the_outer_variable(prefix):
    data, feeds, want = _golden('ref_assign_in_loop')
    scope = prefix + '/' if prefix else ''
    with tf.Graph().as_default() as g:
        tf.import_graph_def(_graph_def('ref_assign_in_loop'), name=prefix)
        body = g.get_operation_by_name(scope + 'while/While').get_attr('body')
        clone = body.get_operation_by_name('while/AssignAdd/RefEnter')
        assert clone.type == 'VariableV2' and clone.get_attr('shared_name') == scope + 'v'
        with tf.Session() as sess:
            sess.run(scope + data['init'].item().decode())
            (exit_name, value), = want.items()
            got = sess.run(scope + exit_name, {scope + name: v for name, v in feeds.items()})
            np.testing.assert_allclose(got, value, rtol=1e-6)
            np.testing.assert_allclose(sess.run(scope + 'v:0'), data['var:v'], rtol=1e-6)


def test_a_frame_becomes_a_while_whose_exits_keep_their_names():
    g, got, _ = _run_golden('several_vars')
    types = {op.type for op in g.get_operations()}
    assert not types & {'Enter', 'Exit', 'NextIteration', 'LoopCond'}
    loop = g.get_operation_by_name('while/While')
    assert loop.type == 'While'
    assert g.get_operation_by_name('gradients/while/While').type == 'While'
    exit_1 = g.get_tensor_by_name('while/Exit_1:0')
    assert exit_1.op.type == 'Identity' and exit_1.op.inputs[0] is loop.outputs[1]
    with pytest.raises(KeyError):
        g.get_operation_by_name('while/Tanh')  # a node of the loop lives in the body function
    body = loop.get_attr('body')
    assert 'while/Tanh' in [op.name for op in body.get_operations()]


def test_nested_frames_become_nested_whiles():
    g, _, _ = _run_golden('nested')
    outer = g.get_operation_by_name('while/While')
    inner = [op for op in outer.get_attr('body').get_operations() if op.type == 'While']
    assert [op.name for op in inner] == ['while/while/While']


def test_graph_without_frames_is_returned_unchanged():
    graph_def = GraphDef()
    graph_def.node.add(name='c', op='Const')
    assert dataflow_loops.raise_while_frames(graph_def) is graph_def


def test_the_callers_graph_def_is_left_as_it_was():
    graph_def = _graph_def('several_vars')
    before = graph_def.SerializeToString()
    raised = dataflow_loops.raise_while_frames(graph_def)
    assert graph_def.SerializeToString() == before
    assert {f.signature.name for f in raised.library.function} == {
        'while_while_context_cond', 'while_while_context_body',
        'gradients_while_while_context_cond', 'gradients_while_while_context_body'}


def test_a_node_reading_into_a_loop_without_enter_is_refused():
    graph_def = _graph_def('counter')
    add = next(n for n in graph_def.node if n.name == 'while/add')
    add.input[1] = 'n'  # the placeholder outside the loop, read without an Enter
    with pytest.raises(ValueError, match="while/add.*reads 'n' from outside its while loop frame"):
        dataflow_loops.raise_while_frames(graph_def)


def test_unregistered_op_inside_a_loop_is_named():
    graph_def = _graph_def('several_vars')
    next(n for n in graph_def.node if n.name == 'while/Tanh').op = 'NoSuchOp'
    with pytest.raises(errors.NotFoundError, match="'NoSuchOp'.*node 'while/Tanh' inside a TF 1.x while loop"):
        with tf.Graph().as_default():
            tf.import_graph_def(graph_def, name='')


def test_frame_without_loop_cond_is_refused():
    graph_def = _graph_def('counter')
    kept = [n for n in graph_def.node if n.op != 'LoopCond']
    del graph_def.node[:]
    graph_def.node.extend(kept)
    with pytest.raises(ValueError, match='LoopCond'):
        dataflow_loops.raise_while_frames(graph_def)


@pytest.mark.parametrize('name', ['lstm_training', 'gru_training'])
def test_dynamic_rnn_training_step_written_by_tensorflow_trains_as_in_tensorflow(name):
    data, feeds, fetches = _golden(name)
    with tf.Graph().as_default() as g:
        saver = tf.train.import_meta_graph(os.path.join(DATA, name + '.meta'))
        with tf.Session() as sess:
            saver.restore(sess, os.path.join(DATA, name + '.ckpt'))
            out, = fetches
            np.testing.assert_allclose(sess.run(out, feeds), fetches[out], rtol=1e-5, atol=1e-6)
            train, loss = g.get_operation_by_name('train'), g.get_tensor_by_name('loss:0')
            losses = [sess.run([loss, train], feeds)[0] for _ in data['losses']]
            np.testing.assert_allclose(losses, data['losses'], rtol=1e-5, atol=1e-6)
            for key in data.files:
                if key.startswith('var:'):
                    np.testing.assert_allclose(sess.run(key[4:] + ':0'), data[key], rtol=1e-5, atol=1e-6,
                                               err_msg=key)


# -- the stack and TensorArrayV3 kernels ---------------------------------------------------------

def _apply(op_type, inputs, attrs, n_out=1):
    op = tf.get_default_graph()._create_op(op_type, inputs, attrs, name=op_type)
    return op.outputs if n_out != 1 else (op.outputs[0] if op.outputs else op)


def test_stack_pops_last_pushed_first_and_an_empty_pop_fails():
    handle = _apply('StackV2', [tf.constant(-1)], {'elem_type': tf.float32, 'stack_name': 'acc'})
    a = _apply('StackPushV2', [handle, tf.constant(1.0)], {'T': tf.float32})
    with tf.control_dependencies([a]):
        b = _apply('StackPushV2', [handle, tf.constant(2.0)], {'T': tf.float32})
    with tf.control_dependencies([b]):
        first = _apply('StackPopV2', [handle], {'elem_type': tf.float32})
    with tf.control_dependencies([first]):
        second = _apply('StackPopV2', [handle], {'elem_type': tf.float32})
    with tf.control_dependencies([second]):
        third = _apply('StackPopV2', [handle], {'elem_type': tf.float32})
    with tf.Session() as sess:
        assert sess.run([first, second]) == [2.0, 1.0]
        with pytest.raises(errors.InvalidArgumentError, match=r'Stack\[acc\] is empty'):
            sess.run(third)


def test_stack_overflowing_max_size_fails():
    handle = _apply('StackV2', [tf.constant(1)], {'elem_type': tf.float32, 'stack_name': 's'})
    a = _apply('StackPushV2', [handle, tf.constant(1.0)], {'T': tf.float32})
    with tf.control_dependencies([a]):
        b = _apply('StackPushV2', [handle, tf.constant(2.0)], {'T': tf.float32})
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match=r'overflowed its max_size \(1\)'):
            sess.run(b)


def _tensor_array(size, **attrs):
    attrs = dict({'dtype': tf.float32}, **attrs)
    return _apply('TensorArrayV3', [tf.constant(size)], attrs, n_out=2)


def test_tensor_array_v3_write_read_gather_and_its_errors():
    handle, flow = _tensor_array(2, element_shape=tf.TensorShape([2]), clear_after_read=False)
    flow = _apply('TensorArrayWriteV3', [handle, tf.constant(1), tf.constant([3.0, 4.0]), flow], {'T': tf.float32})
    read = _apply('TensorArrayReadV3', [handle, tf.constant(1), flow], {'dtype': tf.float32})
    gathered = _apply('TensorArrayGatherV3', [handle, tf.constant([1, 0]), flow], {'dtype': tf.float32})
    again = _apply('TensorArrayWriteV3', [handle, tf.constant(1), tf.constant([5.0, 6.0]), flow], {'T': tf.float32})
    past = _apply('TensorArrayWriteV3', [handle, tf.constant(2), tf.constant([5.0, 6.0]), flow], {'T': tf.float32})
    with tf.Session() as sess:
        r, gath = sess.run([read, gathered])
        np.testing.assert_array_equal(r, [3.0, 4.0])
        np.testing.assert_array_equal(gath, [[3.0, 4.0], [0.0, 0.0]])  # unwritten, shape known: zeros
        with pytest.raises(errors.InvalidArgumentError, match='already been written to'):
            sess.run(again)
        with pytest.raises(errors.InvalidArgumentError, match='not resizeable and size is: 2'):
            sess.run(past)


def test_tensor_array_v3_gradient_array_adds_writes_to_one_index():
    handle, flow = _tensor_array(1, element_shape=tf.TensorShape([2]))
    grad, gflow = _apply('TensorArrayGradV3', [handle, flow], {'source': 'gradients'}, n_out=2)
    w1 = _apply('TensorArrayWriteV3', [grad, tf.constant(0), tf.constant([1.0, 2.0]), gflow], {'T': tf.float32})
    w2 = _apply('TensorArrayWriteV3', [grad, tf.constant(0), tf.constant([10.0, 20.0]), w1], {'T': tf.float32})
    read = _apply('TensorArrayReadV3', [grad, tf.constant(0), w2], {'dtype': tf.float32})
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(read), [11.0, 22.0])


def test_concat_offset():
    offsets = _apply('ConcatOffset', [tf.constant(1), [tf.constant([2, 3]), tf.constant([2, 5])]], {'N': 2}, n_out=2)
    with tf.Session() as sess:
        a, b = sess.run(offsets)
    np.testing.assert_array_equal(a, [0, 0])
    np.testing.assert_array_equal(b, [0, 3])


# -- against TensorFlow ------------------------------------------------------------------------

def _tf1():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    tf1.disable_control_flow_v2()
    tf1.disable_resource_variables()
    return tf1


def _loop_with_variable(t):
    x = t.placeholder(t.float32, [2, 3], name='x')
    w = t.get_variable('w', initializer=t.constant([[0.5, -0.25, 1.0], [0.1, 0.2, 0.3], [1.0, 0.0, -1.0]]))

    def body(i, h):
        return i + 1, t.tanh(t.matmul(h, w) + x)
    _, h = t.while_loop(lambda i, h: i < 3, body, [t.constant(0), t.zeros([2, 3])])
    loss = t.reduce_sum(h * h)
    grad, = t.gradients(loss, [w])
    init = t.global_variables_initializer()
    return x, [h, loss, grad], init


@pytest.mark.tf
def test_tensorflow_written_loop_with_variable_runs_and_exports_back_to_tensorflow():
    tf1 = _tf1()
    with tf1.Graph().as_default() as g:
        x, fetches, init = _loop_with_variable(tf1)
        graph_def = g.as_graph_def()
        value = np.random.RandomState(1).randn(2, 3).astype(np.float32)
        with tf1.Session() as sess:
            sess.run(init)
            want = sess.run(fetches, {x: value})
    names = [t.name for t in fetches]
    with tf.Graph().as_default() as g:
        tf.import_graph_def(GraphDef.FromString(graph_def.SerializeToString()), name='')
        with tf.Session() as sess:
            sess.run(init.name)
            got = sess.run(names, {'x:0': value})
        exported = g.as_graph_def().SerializeToString()
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with tf1.Graph().as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(exported), name='')
        with tf1.Session() as sess:
            sess.run(init.name)
            again = sess.run(names, {'x:0': value})
    for a, b in zip(again, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.tf
@pytest.mark.parametrize('name', ['several_vars', 'nested', 'cond_inside', 'map_and_scan', 'ref_assign_in_loop'])
def test_exported_raised_loops_import_and_run_in_tensorflow(name):
    tf1 = _tf1()
    data, feeds, want = _golden(name)
    with tf.Graph().as_default() as g:
        tf.import_graph_def(_graph_def(name), name='')
        exported = g.as_graph_def().SerializeToString()
    with tf1.Graph().as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(exported), name='')
        with tf1.Session() as sess:
            if 'init' in data.files:
                sess.run(data['init'].item().decode())
            got = sess.run(list(want), feeds)
            if 'var:v' in data.files:  # the loop assigned to the variable v
                np.testing.assert_allclose(sess.run('v:0'), data['var:v'], rtol=1e-6)
    for key, value in zip(want, got):
        np.testing.assert_allclose(value, want[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.tf
def test_training_graph_exported_after_import_trains_in_tensorflow(tmp_path):
    tf1 = _tf1()
    data, feeds, fetches = _golden('lstm_training')
    with tf.Graph().as_default():
        tf.train.import_meta_graph(os.path.join(DATA, 'lstm_training.meta'))
        meta = tf.train.export_meta_graph(str(tmp_path / 'exported.meta'))
    assert 'while_context' not in meta.collection_def  # the frames it described were raised
    with tf1.Graph().as_default() as g:
        saver = tf1.train.import_meta_graph(str(tmp_path / 'exported.meta'))
        assert 'Enter' not in {op.type for op in g.get_operations()}
        with tf1.Session() as sess:
            saver.restore(sess, os.path.join(DATA, 'lstm_training.ckpt'))
            out, = fetches
            np.testing.assert_allclose(sess.run(out, feeds), fetches[out], rtol=1e-5, atol=1e-6)
            losses = [sess.run(['loss:0', 'train'], feeds)[0] for _ in data['losses']]
    np.testing.assert_allclose(losses, data['losses'], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['several_vars', 'map_and_scan'])
def test_imported_loops_run_on_each_device(device, name):
    _, feeds, want = _golden(name)
    with tf.Graph().as_default():
        with tf.device(device):
            tf.import_graph_def(_graph_def(name), name='')
        with tf.Session() as sess:
            got = sess.run(list(want), feeds)
    for key, value in zip(want, got):
        np.testing.assert_allclose(value, want[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_gradient_through_imported_tensor_array_v3_is_refused():
    with tf.Graph().as_default() as g:
        tf.import_graph_def(_graph_def('map_and_scan'), name='')
        mapped = g.get_tensor_by_name('map/TensorArrayStack/TensorArrayGatherV3:0')
        with pytest.raises(LookupError, match='TensorArray'):
            tf.gradients(tf.reduce_sum(mapped), g.get_tensor_by_name('x:0'))


@pytest.mark.tf
def test_sluice_differentiates_a_raised_forward_loop_as_tensorflow():
    tf1 = _tf1()

    def build(t):
        x = t.placeholder(t.float32, [3], name='x')
        _, y = t.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, t.sin(y) * 2.0 + x), [0, x])
        return x, y
    value = np.array([0.5, -1.0, 2.0], np.float32)
    with tf1.Graph().as_default() as g:
        x, y = build(tf1)
        forward = g.as_graph_def().SerializeToString()
        grad, = tf1.gradients(tf1.reduce_sum(y * y), x)
        with tf1.Session() as sess:
            want = sess.run(grad, {x: value})
    with tf.Graph().as_default() as g:
        tf.import_graph_def(GraphDef.FromString(forward), name='')
        y = g.get_tensor_by_name(y.name)
        grad, = tf.gradients(tf.reduce_sum(y * y), g.get_tensor_by_name('x:0'))
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(grad, {'x:0': value}), want, rtol=1e-5)


# TF 1.x programs: build(tf1, rng) -> (feeds, fetches); TF runs them, then sluice runs TF's GraphDef
# with the variables TF initialized.
def _rnn_with_lengths(t, rng):
    x, lengths = t.placeholder(t.float32, [3, 4, 2]), t.placeholder(t.int32, [3])
    cell = t.nn.rnn_cell.MultiRNNCell([t.nn.rnn_cell.LSTMCell(3), t.nn.rnn_cell.GRUCell(3)])
    out, _ = t.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=t.float32)
    grads = t.gradients(t.reduce_sum(out * out), t.trainable_variables() + [x])
    return {x: rng.randn(3, 4, 2).astype(np.float32), lengths: np.array([4, 2, 0], np.int32)}, [out] + grads


def _bidirectional_rnn(t, rng):
    x = t.placeholder(t.float32, [2, 5, 3])
    (fw, bw), _ = t.nn.bidirectional_dynamic_rnn(t.nn.rnn_cell.BasicRNNCell(4), t.nn.rnn_cell.BasicRNNCell(4), x,
                                                 dtype=t.float32)
    return {x: rng.randn(2, 5, 3).astype(np.float32)}, [fw, bw] + t.gradients(t.reduce_sum(fw * bw), [x])


def _maximum_iterations(t, rng):
    x = t.placeholder(t.float32, [2])
    _, y = t.while_loop(lambda i, y: i < 100, lambda i, y: [i + 1, y * 0.9 + 1.0], [0, x], maximum_iterations=5)
    return {x: rng.randn(2).astype(np.float32)}, [y, t.gradients(y, x)[0]]


def _foldl(t, rng):
    x = t.placeholder(t.float32, [5, 2])
    f = t.foldl(lambda a, r: a * r + 1.0, x, initializer=t.ones([2]))
    return {x: rng.randn(5, 2).astype(np.float32)}, [f, t.gradients(f, x)[0]]


def _dynamic_size_tensor_array(t, rng):
    n = t.placeholder(t.int32, [])
    ta = t.TensorArray(t.float32, size=0, dynamic_size=True)
    _, ta = t.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, t.cast(i, t.float32) ** 2)), [0, ta])
    return {n: np.int32(4)}, [ta.stack(), ta.size()]


def _loop_in_cond(t, rng, taken=True):
    x, p = t.placeholder(t.float32, [2]), t.placeholder(t.bool, [])

    def loop():
        return t.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, t.sin(y) + x), [0, x])[1]
    y = t.cond(p, loop, lambda: x * 2.0)
    return {x: rng.randn(2).astype(np.float32), p: taken}, [y, t.gradients(t.reduce_sum(y), x)[0]]


def _loop_in_untaken_cond(t, rng):
    return _loop_in_cond(t, rng, taken=False)


@pytest.mark.tf
@pytest.mark.parametrize('build', [_rnn_with_lengths, _bidirectional_rnn, _maximum_iterations, _foldl,
                                   _dynamic_size_tensor_array, _loop_in_cond, _loop_in_untaken_cond])
def test_tensorflow_written_loop_programs_run_as_in_tensorflow(build):
    tf1 = _tf1()
    with tf1.Graph().as_default() as g:
        tf1.set_random_seed(0)
        feeds, fetches = build(tf1, np.random.RandomState(0))
        init = tf1.global_variables_initializer()
        graph_def = g.as_graph_def().SerializeToString()
        with tf1.Session() as sess:
            sess.run(init)
            initial = {v.op.name: sess.run(v) for v in tf1.global_variables()}
            want = sess.run(fetches, feeds)
    feeds = {t.name: v for t, v in feeds.items()}
    with tf.Graph().as_default() as g:
        tf.import_graph_def(GraphDef.FromString(graph_def), name='')
        with tf.Session() as sess:
            for name, value in initial.items():
                assign = g.get_operation_by_name(name + '/Assign')
                sess.run(assign, {assign.inputs[1]: value})
            got = sess.run([t.name for t in fetches], feeds)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_damaged_loop_graphs_fail_with_tensorflows_error_classes():
    """Mutated golden graphs (inputs dropped or added, op types and attrs changed): the import either
    works or raises ValueError / TypeError / an OpError, never an internal IndexError or KeyError."""
    import random
    rng = random.Random(0)
    bases = [_graph_def(name) for name in ('several_vars', 'nested', 'cond_inside')]
    for _ in range(120):
        graph_def = GraphDef()
        graph_def.CopyFrom(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            node = rng.choice(graph_def.node)
            kind = rng.randint(0, 3)
            if kind == 0 and node.input:
                del node.input[rng.randrange(len(node.input))]
            elif kind == 1:
                node.input.append(rng.choice(graph_def.node).name + rng.choice(['', ':1', ':5']))
            elif kind == 2:
                node.op = rng.choice(['Enter', 'Exit', 'Merge', 'Switch', 'NextIteration', 'LoopCond', 'Identity'])
            elif kind == 3 and node.attr:
                del node.attr[rng.choice(sorted(node.attr))]
        try:
            with tf.Graph().as_default():
                tf.import_graph_def(graph_def, name='')
        except (ValueError, TypeError, errors.OpError):
            pass
