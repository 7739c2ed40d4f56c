"""GraphDefs whose sizes and attrs cannot be trusted: constants stay protos until they run,
element counts are checked against the data before allocating, and malformed nodes are refused
with TF's error classes and messages (cases checked against TensorFlow 2.21 where it imports)."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sluice as tf
from sluice.io.protos import GraphDef

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def const_graph_def(shape, dtype_enum=1, attr_dtype=1, name='c', **fields):
    """A one-Const GraphDef whose value claims `shape` and holds `fields` (float_val=[...])."""
    gd = GraphDef()
    node = gd.node.add(name=name, op='Const')
    if attr_dtype is not None:
        node.attr['dtype'].type = attr_dtype
    else:
        node.attr['dtype'].SetInParent()
    value = node.attr['value'].tensor
    value.dtype = dtype_enum
    for d in shape:
        value.tensor_shape.dim.add(size=d)
    for field, items in fields.items():
        if field == 'tensor_content':
            value.tensor_content = items
        else:
            getattr(value, field).extend(items)
    return gd


def import_and_run(gd, module=tf):
    """('import', error) or ('run', error) or ('ok', array): what importing and running 'c' gives."""
    with module.Graph().as_default():
        try:
            module.import_graph_def(gd, name='')
        except Exception as e:
            return 'import', e
        with module.Session() as sess:
            try:
                return 'ok', sess.run(gd.node[0].name + ':0')
            except Exception as e:
                return 'run', e


# (name, graph def kwargs, stage of failure or 'ok', error class name, message fragment)
CASES = [
    ('negative dim', dict(shape=[-1], float_val=[1.0]), 'import', 'ValueError', 'Shape [?] is not fully defined'),
    ('short content', dict(shape=[4], tensor_content=b'\0' * 8), 'run', 'InvalidArgumentError',
     'Cannot parse tensor from proto'),
    ('long content', dict(shape=[1], tensor_content=b'\0' * 8), 'run', 'InvalidArgumentError',
     'Cannot parse tensor from proto'),
    ('type mismatch', dict(shape=[2], dtype_enum=3, int_val=[1]), 'run', 'InvalidArgumentError',
     'Type mismatch between value (int32) and dtype (float)'),
    ('bad tensor dtype', dict(shape=[], dtype_enum=99), 'run', 'InvalidArgumentError',
     'Cannot parse tensor from proto'),
    ('bad dtype attr', dict(shape=[], attr_dtype=99, float_val=[1.0]), 'import', 'ValueError',
     'AttrValue has invalid DataType enum: 99'),
    ('empty dtype attr', dict(shape=[], attr_dtype=None, float_val=[1.0]), 'import', 'ValueError',
     "AttrValue missing value with expected type 'type'"),
    ('invalid name', dict(shape=[], name='c!x', float_val=[1.0]), 'import', 'ValueError',
     "Node 'c!x': Node name contains invalid characters"),
    ('huge splat', dict(shape=[10 ** 12], float_val=[1.0]), 'run', 'InvalidArgumentError',
     'Cannot parse tensor from proto'),
    ('too many values', dict(shape=[2], float_val=[1.0, 2.0, 3.0]), 'ok', None, None),
    ('no values', dict(shape=[3]), 'ok', None, None),
]


@pytest.mark.parametrize('name,kwargs,stage,error,fragment', CASES, ids=[c[0] for c in CASES])
def test_malformed_const_as_tf(name, kwargs, stage, error, fragment):
    got_stage, got = import_and_run(const_graph_def(**kwargs))
    assert got_stage == stage, (got_stage, got)
    if stage == 'ok':
        assert got.dtype == np.float32 and got.shape == tuple(kwargs['shape'])
        return
    assert type(got).__name__ == error
    assert fragment in str(got)
    if stage == 'run':
        assert "'c'" in str(got) or 'node c' in str(got)


@pytest.mark.tf
@pytest.mark.parametrize('name,kwargs,stage,error,fragment', CASES, ids=[c[0] for c in CASES])
def test_tensorflow_agrees(name, kwargs, stage, error, fragment):
    real = pytest.importorskip('tensorflow.compat.v1')
    from tensorflow.core.framework import graph_pb2
    real.disable_v2_behavior()
    gd = graph_pb2.GraphDef.FromString(const_graph_def(**kwargs).SerializeToString())
    got_stage, got = import_and_run(gd, real)
    assert got_stage == stage
    if stage != 'ok':
        assert type(got).__name__ == error
        assert fragment in str(got)


def test_splat_values_and_round_trip():
    gd = const_graph_def(shape=[2, 3], float_val=[1.0, 2.0])
    stage, value = import_and_run(gd)
    assert stage == 'ok'
    np.testing.assert_array_equal(value, [[1, 2, 2], [2, 2, 2]])
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name='')
        # Export before the value was built: the proto as read, not an expanded array.
        assert g.as_graph_def().node[0].attr['value'].tensor == gd.node[0].attr['value'].tensor
        assert g.get_tensor_by_name('c:0').shape.as_list() == [2, 3]
        np.testing.assert_array_equal(g.get_operation_by_name('c').get_attr('value'), value)


def test_imported_small_const_folds_into_shapes():
    with tf.Graph().as_default() as g:
        gd = const_graph_def(shape=[2], dtype_enum=3, attr_dtype=3, name='shape', int_val=[3, 4])
        tf.import_graph_def(gd, name='')
        x = tf.zeros([12])
        assert tf.reshape(x, g.get_tensor_by_name('shape:0')).shape.as_list() == [3, 4]


def _peak_rss_mb(code):
    """Peak resident memory (MB) a child Python grows by while it runs `code`."""
    script = '\n'.join([
        'import resource, sys',
        'sys.path.insert(0, %r)' % ROOT,
        'import sluice as tf',
        'from sluice.io.protos import GraphDef',
        'before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss',
        textwrap.dedent(code),
        'print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0)'])
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(out.stdout.split()[-1])


def test_huge_claimed_constant_imports_in_little_memory():
    # Before: 1.9 GB at import for this 55-byte GraphDef (the array was built, twice over).
    grown = _peak_rss_mb('''
        gd = GraphDef()
        node = gd.node.add(name='c', op='Const')
        node.attr['dtype'].type = 1
        value = node.attr['value'].tensor
        value.dtype = 1
        value.tensor_shape.dim.add(size=250000000)
        value.float_val.append(1.0)
        tf.import_graph_def(gd, name='')
    ''')
    assert grown < 64


def _with_add_n(n_attr, inputs=('c',)):
    gd = const_graph_def(shape=[], float_val=[1.0])
    add = gd.node.add(name='a', op='AddN')
    add.input.extend(inputs)
    add.attr['N'].i = n_attr
    add.attr['T'].type = 1
    return gd


def test_add_n_count_checked_against_inputs_before_allocating():
    # Before: a list of 10^9 dtypes was built (MemoryError('') or many GB, minutes).
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="NodeDef expected inputs '1000000000 inputs' do not match 1 inputs "
                                             "specified.*node a"):
            tf.import_graph_def(_with_add_n(10 ** 9), name='')
        with pytest.raises(ValueError, match="NodeDef expected inputs 'float, float, float' do not match 1"):
            tf.import_graph_def(_with_add_n(3), name='')
        with pytest.raises(ValueError, match="Value for attr 'N' of -1 must be at least minimum"):
            tf.import_graph_def(_with_add_n(-1), name='')


def test_undecodable_underscore_attrs_are_carried_as_tf_does():
    # TF imports, runs and re-exports these; sluice raised TypeError / an invalid-enum error.
    gd = const_graph_def(shape=[], float_val=[1.0])
    gd.node[0].attr['_hole'].placeholder = 'T'
    gd.node[0].attr['_kind'].type = 99
    gd.node[0].attr['_kinds'].list.type.append(99)
    stage, value = import_and_run(gd)
    assert stage == 'ok' and value == 1.0
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name='')
        exported = g.as_graph_def().node[0]
        for key in ('_hole', '_kind', '_kinds'):
            assert exported.attr[key] == gd.node[0].attr[key]


def test_fetch_copy_out_of_memory_is_resource_exhausted():
    # The copy of a fetched constant runs after the plan's steps; its MemoryError escaped Session.run.
    code = '''
import numpy as np
c = tf.constant(np.ones(25000000, np.float32), name='big')
with tf.Session() as sess:
    sess.run(c[:1])
    vm = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (vm + 40 * 2 ** 20, resource.getrlimit(resource.RLIMIT_AS)[1]))
    for call in (lambda: sess.run(c), sess.make_callable(c)):
        try:
            call()
        except tf.errors.ResourceExhaustedError as e:
            assert 'big:0' in str(e) and 'OOM' in str(e), e
        else:
            raise AssertionError('no error')
'''
    _peak_rss_mb(code)
