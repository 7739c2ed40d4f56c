"""GraphDef import (tf.import_graph_def), GraphDef round trips and graph files (write_graph).

Expected names, orders, error classes and messages are TensorFlow 2.21's (tf.compat.v1, run by
hand with the scratch TF). tests/data/graphdef holds GraphDefs TF wrote (make_golden.py there);
TF_GOLDEN_* below are the values TF computed on them. Tests marked `tf` run TensorFlow itself on
files sluice wrote and are skipped when it does not import.
"""
import logging
import os

import numpy as np
import pytest
from google.protobuf import text_format

import sluice as tf
from sluice.engine import errors
from sluice.io import graph_io
from sluice.io.graph_import import import_graph_def
from sluice.io.protos import AttrValue, GraphDef, OpList

GOLDEN = os.path.join(os.path.dirname(__file__), 'data', 'graphdef')
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)
TF_GOLDEN_H = np.array([[1.25, 1.5], [1.75, 0.875]], np.float32)
TF_GOLDEN_TOTAL = np.float32(5.375)
TF_GOLDEN_ROWS = np.array([[2.75], [2.625]], np.float32)
GOLDEN_OPS = ['x', 'w/initial_value', 'w', 'w/Assign', 'w/read', 'b', 'MatMul', 'add', 'h', 'Const', 'total',
              'rows/reduction_indices', 'rows', 'init']


def small_graph():
    """x -> relu(x @ w + 1) -> s, and a NoOp 'n' after s; returns its GraphDef."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name='x')
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) - 2, name='w')
        y = tf.nn.relu(tf.matmul(x, w) + 1.0, name='y')
        s = tf.reduce_sum(y, name='s')
        with tf.control_dependencies([s]):
            tf.no_op(name='n')
    return g.as_graph_def()


def node(gd, name):
    return [n for n in gd.node if n.name == name][0]


def op_names(graph=None):
    return [op.name for op in (graph or tf.get_default_graph()).get_operations()]


# ------------------------------------------------------------------------------------------
# Round trips.

def test_round_trip_runs_the_same_and_exports_the_same_graph_def():
    x = tf.placeholder(tf.float32, [None, 4, 4, 2], name='x')
    k = tf.Variable(tf.truncated_normal([3, 3, 2, 3], stddev=0.1, seed=1), name='k')
    conv = tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding='SAME')
    pooled = tf.reshape(tf.nn.max_pool(conv, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'), [-1, 12], name='flat')
    parts = tf.concat(tf.split(pooled, 3, axis=1)[::-1], 1, name='parts')
    labels = tf.placeholder(tf.int32, [None], name='labels')
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=parts[:, :5]),
                          name='loss')
    train = tf.train.AdamOptimizer(0.01).minimize(loss, name='train')
    tf.constant(['a', 'bc'], name='strs')
    init = tf.global_variables_initializer()
    gd = tf.get_default_graph().as_graph_def()
    feed_x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(2, 4, 4, 2)
    feed = {'x:0': feed_x, 'labels:0': [1, 3]}

    def run(graph):
        with tf.Session(graph=graph) as sess:
            sess.run(init.name)
            sess.run(train.name, feed)
            return sess.run(['loss:0', 'parts:0', 'strs:0'], feed)

    expected = run(tf.get_default_graph())
    g2 = tf.Graph()
    with g2.as_default():
        assert import_graph_def(gd, name='') is None
    assert g2.as_graph_def() == gd  # node for node, attrs included
    for got, want in zip(run(g2), expected):
        if want.dtype == object:
            assert got.tolist() == want.tolist()
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6)


def test_session_graph_def_imports():
    tf.Variable(3, name='v')
    with tf.Session() as sess:
        gd = sess.graph_def
    with tf.Graph().as_default() as g:
        import_graph_def(gd, name='copy')
        assert op_names(g) == ['copy/v/initial_value', 'copy/v', 'copy/v/Assign', 'copy/v/read']
        with tf.Session() as sess:
            sess.run('copy/v/Assign')
            assert sess.run('copy/v:0') == 3


def test_imported_shapes_come_from_the_shape_functions():
    gd = small_graph()
    x, y, s = import_graph_def(gd, return_elements=['x:0', 'y:0', 's:0'])
    assert x.shape.as_list() == [None, 3] and y.shape.as_list() == [None, 2] and s.shape.as_list() == []
    (y2,) = import_graph_def(gd, input_map={'x:0': tf.zeros([5, 3])}, return_elements=['y:0'])
    assert y2.shape.as_list() == [5, 2]


def test_add_shapes_only_on_ops_with_outputs():
    import_graph_def(small_graph(), name='')
    gd = tf.get_default_graph().as_graph_def(add_shapes=True)
    assert '_output_shapes' not in node(gd, 'n').attr
    shapes = node(gd, 'y').attr['_output_shapes'].list.shape
    assert [[d.size for d in s.dim] for s in shapes] == [[-1, 2]]


# ------------------------------------------------------------------------------------------
# Names, scopes, control inputs, colocation and devices.

def test_prefix_is_import_made_unique_and_empty_name_uniquifies_nodes():
    gd = small_graph()
    import_graph_def(gd)
    import_graph_def(gd)
    import_graph_def(gd, name='')
    import_graph_def(gd, name='')
    names = op_names()
    assert names[:2] == ['import/x', 'import/w/initial_value'] and 'import_1/s' in names
    tail = names[-24:]
    assert tail[:12] == ['x', 'w/initial_value', 'w', 'w/Assign', 'w/read', 'MatMul', 'add/y', 'add', 'y', 'Const',
                         's', 'n']
    assert tail[12:] == ['x_1', 'w/initial_value_1', 'w_1', 'w/Assign_1', 'w/read_1', 'MatMul_1', 'add/y_1',
                         'add_1', 'y_1', 'Const_1', 's_1', 'n_1']
    # imported names count as used, as in TF
    assert tf.constant(1.0, name='import').name == 'import_2:0'
    assert tf.constant(1.0, name='x').name == 'x_2:0'
    with tf.name_scope('outer'):
        (a,) = import_graph_def(gd, return_elements=['y:0'])
        (b,) = import_graph_def(gd, return_elements=['y:0'], name='n/')
    assert a.name == 'outer/import/y:0' and b.name == 'n/y:0'


def test_control_inputs_kept_and_control_dependencies_in_force_added():
    gd = small_graph()
    c = tf.constant(1.0, name='c')
    with tf.control_dependencies([c]):
        n, s = import_graph_def(gd, return_elements=['n', 's'])
    assert [o.name for o in n.control_inputs] == ['import/s', 'c']
    assert [o.name for o in s.control_inputs] == ['c']
    g = tf.get_default_graph()
    assert all(g.get_operation_by_name(name).control_inputs == [c.op] for name in ['import/x', 'import/w/Assign'])
    (n2,) = import_graph_def(gd, input_map={'^s': c}, return_elements=['n'])
    assert n2.control_inputs == [c.op]


def test_colocation_rewritten_with_prefix_and_devices_kept():
    gd = small_graph()
    node(gd, 'w').device = '/device:CPU:0'
    node(gd, 'MatMul').device = '/job:foo/task:3/device:GPU:1'
    assign, read, matmul = import_graph_def(gd, return_elements=['w/Assign', 'w/read', 'MatMul'], name='p')
    assert assign.get_attr('_class') == [b'loc:@p/w'] and assign.colocation_groups() == [b'loc:@p/w']
    assert assign.device == read.device == '/device:CPU:0'  # colocated ops take w's device
    assert matmul.device == '/job:foo/task:3/device:GPU:1'
    with tf.device('/gpu:0'):
        ops = import_graph_def(small_graph(), return_elements=['x', 'w', 'w/Assign'], name='dev')
    assert [op.device for op in ops] == ['/device:GPU:0'] * 3
    c = tf.constant(1.0, name='c')
    with tf.colocate_with(c):
        (y,) = import_graph_def(small_graph(), return_elements=['y'], name='col')
    assert y.get_attr('_class') == [b'loc:@c']


def test_nodes_listed_consumers_first_are_created_in_tensorflows_order():
    gd = small_graph()
    reversed_gd = GraphDef()
    reversed_gd.node.extend(reversed(gd.node))
    (s,) = import_graph_def(reversed_gd, name='rev', return_elements=['s:0'])
    assert op_names() == ['rev/' + n for n in ['Const', 'add/y', 'w', 'w/read', 'w/initial_value', 'w/Assign',
                                                 'x', 'MatMul', 'add', 'y', 's', 'n']]
    with tf.Session() as sess:
        sess.run('rev/w/Assign')
        assert sess.run(s, {'rev/x:0': X}) == 31.5


# ------------------------------------------------------------------------------------------
# input_map and return_elements.

def test_input_map_replaces_inputs():
    gd = small_graph()
    c = tf.constant(X, name='c')
    s, x, xt, matmul = import_graph_def(gd, input_map={'x:0': c}, return_elements=['s:0', 'x', 'x:0', 'MatMul'])
    assert matmul.inputs[0] is c and xt is c  # a remapped tensor returns its replacement
    assert x.type == 'Placeholder' and x.outputs[0].consumers() == []
    (s2,) = import_graph_def(gd, input_map={b'x': X}, return_elements=[b's:0'], name='m')
    assert op_names()[-13:-11] == ['m/_inputs/Const', 'm/x']
    with tf.Session() as sess:
        sess.run(['import/w/Assign', 'm/w/Assign'])
        assert sess.run([s, s2]) == [31.5, 31.5]
    import_graph_def(gd, input_map={'s:0': c})  # an output nobody reads is still a known key


@pytest.mark.parametrize('kwargs, cls, message', [
    (dict(input_map={'nope:0': 'c'}), ValueError, 'Attempted to map inputs that were not found in graph_def: [nope:0]'),
    (dict(input_map={'x:5': 'c'}), ValueError, 'Attempted to map inputs that were not found in graph_def: [x:5]'),
    (dict(input_map={'^zz': 'c'}), ValueError, 'Attempted to map inputs that were not found in graph_def: [^zz]'),
    (dict(input_map={'x:0': 1.0}, name=''), ValueError,
     'tf.import_graph_def() requires a non-empty `name` if `input_map` contains non-Tensor values.'),
    (dict(input_map={1: 'c'}), TypeError, 'All keys for argument `input_map` must be strings. Obtained keys: [1]'),
    (dict(input_map=['c']), TypeError, 'Argument `input_map` must be a dictionary. Obtained list'),
    (dict(return_elements=[1]), TypeError, 'Argument `return_elements` must be a list of strings. Obtained [1].'),
    (dict(return_elements=['nope:0']), ValueError, "Requested return tensor 'nope:0' not found in graph def"),
    (dict(return_elements=['nope']), ValueError, "Requested return node 'nope' not found in graph def"),
    (dict(return_elements=['s:3']), ValueError, "Invalid return output 3 of node 's', which has 1 output(s)"),
    (dict(input_map={'x:0': 'int'}), ValueError,
     'Input 0 of node import/MatMul was passed int32 from int:0 incompatible with expected float.'),
])
def test_argument_errors(kwargs, cls, message):
    consts = {'c': tf.constant(X, name='c'), 'int': tf.constant(np.ones((2, 3), np.int32), name='int')}
    if 'input_map' in kwargs and isinstance(kwargs['input_map'], dict):
        kwargs['input_map'] = {k: consts.get(v, v) for k, v in kwargs['input_map'].items()}
    elif 'input_map' in kwargs:
        kwargs['input_map'] = [consts['c']]
    with pytest.raises(cls) as info:
        import_graph_def(small_graph(), **kwargs)
    assert message in str(info.value)


def test_input_map_tensor_of_another_graph():
    c = tf.constant(X, name='c')
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"node 'c' in input_map does not exist in graph \(input_map entry: "
                                             r"x:0->c:0\)"):
            import_graph_def(small_graph(), input_map={'x:0': c})


def test_not_a_graph_def():
    with pytest.raises(TypeError, match='Argument `graph_def` must be a GraphDef proto.'):
        import_graph_def('abc')


# ------------------------------------------------------------------------------------------
# Bad GraphDefs: TF's error classes and messages; the graph is left as it was.

def _with_node(name, op, inputs=(), dtype=None):
    gd = small_graph()
    n = gd.node.add(name=name, op=op, input=list(inputs))
    if dtype is not None:
        n.attr['T'].type = dtype
    return gd


@pytest.mark.parametrize('gd, message', [
    (_with_node('bad', 'Identity', ['zzz'], 1), "Node 'bad': Unknown input node 'zzz'"),
    (_with_node('bad', 'Identity', ['s', '^zzz'], 1), "Node 'bad': Unknown input node '^zzz'"),
    (_with_node('bad', 'Identity', ['s:4'], 1),
     "Node 'bad': Connecting to invalid output 4 of source node s which has 1 outputs."),
    (_with_node('bad', 'Identity', ['s'], 3),
     'Input 0 of node import/bad was passed float from import/s:0 incompatible with expected int32.'),
    (_with_node('bad', 'Identity', ['s', 'x'], 1),
     "NodeDef expected inputs 'float' do not match 2 inputs specified; Op<name=Identity; signature=input:T -> "
     "output:T; attr=T:type>; NodeDef: {{node import/bad}}"),
    (_with_node('bad', 'Identity', ['s']),
     "NodeDef missing attr 'T' from Op<name=Identity; signature=input:T -> output:T; attr=T:type>; NodeDef: "
     "{{node import/bad}}"),
    (_with_node('s', 'Identity', ['x'], 1), "Node 's' is not unique"),
    (_with_node('bad', 'Assign', ['MatMul', 'w/initial_value'], 1),
     'Input 0 of node import/bad was passed float from import/MatMul:0 incompatible with expected float_ref.'),
])
def test_bad_graph_defs(gd, message):
    with pytest.raises(ValueError) as info:
        import_graph_def(gd)
    assert str(info.value) == message
    assert op_names() == []


def test_bad_attr_kind_and_cycle():
    gd = small_graph()
    node(gd, 'MatMul').attr['transpose_a'].i = 3
    with pytest.raises(ValueError, match=r"^AttrValue had value with type 'int' when 'bool' expected\n\t for attr "
                                         r"'transpose_a'\n\t; NodeDef: \{\{node import/MatMul\}\}; Op<name=MatMul"):
        import_graph_def(gd)
    cycle = GraphDef()
    for name, source in [('a', 'b'), ('b', 'a')]:
        cycle.node.add(name=name, op='Identity', input=[source]).attr['T'].type = 1
    with pytest.raises(ValueError, match='^2 nodes in a cycle$'):
        import_graph_def(cycle)
    gd = small_graph()
    node(gd, 'w/read').attr['_class'].list.s[:] = [b'loc:@nothere']
    with pytest.raises(ValueError, match="^Node 'w/read' expects to be colocated with unknown node 'nothere'$"):
        import_graph_def(gd)


def test_unregistered_op_is_not_found_error():
    gd = _with_node('bad', 'FooBar')
    with pytest.raises(errors.NotFoundError) as info:
        import_graph_def(gd)
    assert info.value.message.startswith("Op type not registered 'FooBar' in binary running on sluice. Make sure "
                                         'the Op and Kernel are registered in the binary running in this process.')


def test_failure_while_creating_removes_the_new_ops():
    c = tf.constant(np.ones((2, 4), np.float32), name='c')
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 4 and 3'):
        import_graph_def(small_graph(), input_map={'x:0': c})
    assert op_names() == ['c'] and c.consumers() == []


def test_function_library_is_not_imported():
    gd = small_graph()
    gd.library.function.add().signature.name = 'my_fn'
    gd.node.add(name='call', op='my_fn')
    with pytest.raises(errors.UnimplementedError, match="Node 'call' calls function 'my_fn'"):
        import_graph_def(gd)


# ------------------------------------------------------------------------------------------
# Attrs.

def test_attrs_decoded_by_kind_defaults_filled_underscore_kept():
    gd = small_graph()
    del node(gd, 'MatMul').attr['transpose_a']   # an older producer: the default applies
    node(gd, 'MatMul').attr['_foo'].i = 3
    node(gd, 'MatMul').attr['_note'].s = b'\xff'
    x, w, assign, matmul, s = import_graph_def(gd, return_elements=['x', 'w', 'w/Assign', 'MatMul', 's'])
    assert matmul.get_attr('transpose_a') is False and matmul.get_attr('_foo') == 3
    assert matmul.get_attr('_note') == b'\xff'  # unknown string attrs stay bytes (TF's get_attr)
    assert x.get_attr('dtype') is tf.float32 and x.get_attr('shape').as_list() == [None, 3]
    assert w.get_attr('container') == '' and isinstance(w.get_attr('shared_name'), str)
    assert assign.get_attr('use_locking') is True
    init = assign.inputs[1].op.get_attr('value')
    assert isinstance(init, np.ndarray) and init.dtype == np.float32 and init.shape == (3, 2)
    assert s.get_attr('Tidx') is tf.int32


def test_newer_tensorflow_attrs(caplog):
    gd = small_graph()
    attrs = node(gd, 'MatMul').attr
    attrs['grad_a'].b = True         # a hint TF 2.x sets on gradient MatMuls: dropped silently
    attrs['grad_b'].b = False
    attrs['grad_c'].i = 7            # unknown and not a known default: dropped with TF's warning
    with caplog.at_level(logging.WARNING, logger='sluice'):
        (matmul,) = import_graph_def(gd, return_elements=['MatMul'])
    assert sorted(matmul._attrs) == ['T', 'transpose_a', 'transpose_b']
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and warnings[0].startswith('NodeDef mentions attribute grad_c which is not in the op '
                                                         'definition: Op<name=MatMul;')
    assert 'Unknown attributes will be ignored. NodeDef: {{node import/MatMul}}' in warnings[0]
    caplog.clear()
    producer = OpList()
    producer.op.add(name='MatMul').attr.add(name='grad_c', type='int', default_value=AttrValue(i=7))
    with caplog.at_level(logging.WARNING, logger='sluice'):
        import_graph_def(gd, producer_op_list=producer)
    assert caplog.records == []


# ------------------------------------------------------------------------------------------
# GraphDefs TensorFlow wrote.

@pytest.mark.parametrize('filename', ['graph.pb', 'graph.pbtxt'])
def test_tensorflow_golden_graph_defs(filename):
    gd = graph_io.read_graph_def(os.path.join(GOLDEN, filename))
    assert gd.versions.producer == 2474
    h, total, rows, init = import_graph_def(gd, name='', return_elements=['h:0', 'total:0', 'rows:0', 'init'])
    assert op_names() == GOLDEN_OPS
    assert h.shape.as_list() == [None, 2] and rows.shape.as_list() == [None, 1]
    if filename.endswith('pbtxt'):  # written with add_shapes: '_output_shapes' kept as an attr
        assert h.op.get_attr('_output_shapes')[0].as_list() == [None, 2]
    with tf.Session() as sess:
        sess.run(init)
        got = sess.run([h, total, rows], {'x:0': X})
    np.testing.assert_array_equal(got[0], TF_GOLDEN_H)
    assert got[1] == TF_GOLDEN_TOTAL
    np.testing.assert_array_equal(got[2], TF_GOLDEN_ROWS)


# ------------------------------------------------------------------------------------------
# write_graph and reading graph files.

def test_write_graph_text_and_binary(tmp_path):
    tf.Variable(0, name='my_variable')
    graph = tf.get_default_graph()
    text_path = graph_io.write_graph(graph, str(tmp_path / 'a' / 'b'), 'train.pbtxt')
    assert text_path == str(tmp_path / 'a' / 'b' / 'train.pbtxt')
    parsed = text_format.Parse(open(text_path).read(), GraphDef())
    assert parsed == graph.as_graph_def()
    binary_path = graph_io.write_graph(graph.as_graph_def(), str(tmp_path), 'train.pb', as_text=False)
    with open(binary_path, 'rb') as f:
        data = f.read()
    assert data == graph.as_graph_def().SerializeToString(deterministic=True)
    again = GraphDef()
    again.ParseFromString(data)
    assert again == parsed == graph_io.read_graph_def(binary_path) == graph_io.read_graph_def(text_path)
    assert sorted(os.listdir(tmp_path)) == ['a', 'train.pb']  # no temporary files left
    with pytest.raises(IOError, match='does not exist'):
        graph_io.read_graph_def(str(tmp_path / 'missing.pb'))


def test_gfile(tmp_path):
    path = str(tmp_path / 'd' / 'f.txt')
    graph_io.MakeDirs(os.path.dirname(path))
    with graph_io.GFile(path, 'w') as f:
        f.write('hi')
    with graph_io.FastGFile(path, 'rb') as f:
        assert f.read() == b'hi'
    assert graph_io.Exists(path) and graph_io.IsDirectory(os.path.dirname(path))
    assert graph_io.ListDirectory(os.path.dirname(path)) == ['f.txt'] and graph_io.Stat(path).length == 2
    with pytest.raises(errors.NotFoundError):
        graph_io.GFile(str(tmp_path / 'nope'), 'r')


# ------------------------------------------------------------------------------------------
# TensorFlow reads what sluice wrote.

@pytest.fixture(scope='module')
def real_tf():
    real = pytest.importorskip('tensorflow.compat.v1')
    real.disable_v2_behavior()
    return real


@pytest.mark.tf
@pytest.mark.parametrize('as_text', [False, True])
def test_tensorflow_imports_sluice_graph_def(tmp_path, real_tf, as_text):
    x = tf.placeholder(tf.float32, [None, 3], name='x')
    w = tf.Variable((np.arange(6, dtype=np.float32).reshape(3, 2) / 4 - 0.5), name='w')
    h = tf.nn.relu(tf.matmul(x, w) + tf.constant([0.25, -1.0], name='b'), name='h')
    tf.reduce_sum(h, name='total')
    tf.reduce_sum(h, axis=1, keepdims=True, name='rows')
    tf.global_variables_initializer()
    path = graph_io.write_graph(tf.get_default_graph(), str(tmp_path), 'g.pbtxt' if as_text else 'g.pb',
                                as_text=as_text)
    gd = real_tf.GraphDef()
    with open(path, 'rb') as f:
        if as_text:
            text_format.Merge(f.read().decode(), gd)
        else:
            gd.ParseFromString(f.read())
    with real_tf.Graph().as_default():
        real_tf.import_graph_def(gd, name='')
        with real_tf.Session() as sess:
            sess.run('init')
            got = sess.run(['h:0', 'total:0', 'rows:0'], {'x:0': X})
    np.testing.assert_array_equal(got[0], TF_GOLDEN_H)
    assert got[1] == TF_GOLDEN_TOTAL
    np.testing.assert_array_equal(got[2], TF_GOLDEN_ROWS)
