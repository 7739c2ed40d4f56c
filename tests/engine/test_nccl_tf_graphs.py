"""GraphDefs written by TF's own `nccl_ops` (TF 2.21's tensorflow.python.ops.nccl_ops: one
NcclAllReduce node per device, joined by shared_name) import into sluice and run on 2 fake GPUs and
on 2 CPU devices, giving the NumPy sums; so do their gradients (TF's `_grad` all-reduces), a
NcclReduce and a NcclBroadcast. TF builds these graphs without a GPU; only running needs one,
so the values are compared with NumPy."""
import contextlib

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices

pytestmark = pytest.mark.tf

_VALUES = [np.arange(6, dtype=np.float32).reshape(2, 3) * (i + 1) - i for i in range(2)]
_WEIGHTS = [np.float32(3.), np.float32(5.)]


def _tf_graph(kind):
    """TF's GraphDef bytes of all_sum (and its gradients), reduce_sum and broadcast over /kind:0, /kind:1."""
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    from tensorflow.python.ops import nccl_ops
    graph = tf1.Graph()
    with graph.as_default():
        xs = []
        for i, v in enumerate(_VALUES):
            with tf1.device('/%s:%d' % (kind, i)):
                xs.append(tf1.placeholder(tf1.float32, [2, 3], name='x%d' % i))
        summed = nccl_ops.all_sum(xs)
        losses = []
        for i, (s, w) in enumerate(zip(summed, _WEIGHTS)):
            with tf1.device('/%s:%d' % (kind, i)):
                losses.append(tf1.reduce_sum(s * w))
        grads = tf1.gradients(tf1.add_n(losses), xs, colocate_gradients_with_ops=True)
        with tf1.device('/%s:1' % kind):
            reduced = nccl_ops.reduce_sum(xs)
        sent = nccl_ops.broadcast(xs[0])
        with tf1.device('/%s:1' % kind):
            received = tf1.identity(sent * 2., name='received')
    names = [t.name for t in summed + grads + [reduced, received]]
    return graph.as_graph_def().SerializeToString(), names


@contextlib.contextmanager
def _session(kind, graph):
    config = tf.ConfigProto(device_count={'CPU': 2 if kind == 'cpu' else 1})
    with devices.fake_gpus(2) if kind == 'gpu' else contextlib.nullcontext():
        with tf.Session(graph=graph, config=config) as sess:
            yield sess


@pytest.mark.parametrize('kind', ['gpu', 'cpu'])
def test_a_graph_written_by_tf_nccl_ops_imports_and_runs(kind):
    graph_bytes, names = _tf_graph(kind)
    graph_def = tf.GraphDef()
    graph_def.ParseFromString(graph_bytes)
    nodes = [n for n in graph_def.node if n.op == 'NcclAllReduce']
    assert len(nodes) == 4 and all(len(n.input) == 1 for n in nodes)  # TF's shape: a node per device
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name='')
        fetches = [graph.get_tensor_by_name(n) for n in names]
        xs = [graph.get_tensor_by_name('x%d:0' % i) for i in range(2)]
    with _session(kind, graph) as sess:
        got = sess.run(fetches, dict(zip(xs, _VALUES)))
        placed = [sess._placer.device_of(graph.get_operation_by_name(n.name)).name for n in nodes]
    assert [p.split('device:')[-1] for p in placed] == ['%s:%d' % (kind.upper(), i) for i in (0, 1, 0, 1)]
    total = _VALUES[0] + _VALUES[1]
    summed, grads, (reduced, received) = got[:2], got[2:4], got[4:]
    for s in summed:
        np.testing.assert_array_equal(s, total)
    for g in grads:  # each x's gradient: the all-sum of the members' output gradients
        np.testing.assert_array_equal(g, np.full((2, 3), sum(_WEIGHTS), np.float32))
    np.testing.assert_array_equal(reduced, total)
    np.testing.assert_array_equal(received, _VALUES[0] * 2)


def test_sluice_writes_tf_s_nodes():
    """sluice's all_sum writes the nodes TF's does: one input each, the same attrs."""
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    from tensorflow.python.ops import nccl_ops

    def nodes(module, all_sum):
        with module.Graph().as_default() as g:
            xs = []
            for i in range(2):
                with module.device('/cpu:%d' % i):
                    xs.append(module.placeholder(module.float32, [3], name='x%d' % i))
            all_sum(xs)
        return [(n.name, n.op, list(n.input), n.device, sorted(n.attr)) for n in g.as_graph_def().node
                if n.op == 'NcclAllReduce']
    ours, theirs = nodes(tf, tf.contrib.nccl.all_sum), nodes(tf1, nccl_ops.all_sum)
    assert ours == theirs
