"""Public names TF1 programs use: the tf.io namespace, tf.TensorSpec, tf.arg_max / tf.arg_min and
tf.train.SummaryWriter."""
import os
import pickle

import numpy as np
import pytest

import sluice as tf
from sluice.tf_io import IO_NAMES


def _tf1():
    tf_real = pytest.importorskip('tensorflow')
    return tf_real.compat.v1


# -- tf.io -----------------------------------------------------------------------------------------
@pytest.mark.tf
def test_io_names_are_tensorflows():
    theirs = {n for n in dir(_tf1().io) if not n.startswith('_')}
    assert set(IO_NAMES) <= theirs
    # names TF 2.21's compat.v1.io gained after 1.15
    assert theirs - set(IO_NAMES) <= {'RaggedFeature', 'encode_png', 'decode_webp', 'decode_jxl'} | {
        n for n in theirs if n.startswith('experimental')}


def test_io_names_resolve_to_their_tf1_homes():
    assert tf.io.TFRecordWriter is tf.python_io.TFRecordWriter
    assert tf.io.tf_record_iterator is tf.python_io.tf_record_iterator
    assert tf.io.parse_example is tf.parse_example and tf.io.FixedLenFeature is tf.FixedLenFeature
    assert tf.io.decode_raw is tf.decode_raw and tf.io.read_file is tf.read_file
    assert tf.io.write_graph is tf.train.write_graph and tf.io.RandomShuffleQueue is tf.RandomShuffleQueue
    listed = dir(tf.io)
    assert 'gfile' in listed and 'TFRecordWriter' in listed


def test_io_names_sluice_lacks_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.io.encode_proto yet'):
        tf.io.encode_proto  # noqa: B018
    with pytest.raises(AttributeError, match='sluice does not implement tf.io.not_a_name yet'):
        tf.io.not_a_name  # noqa: B018
    assert not hasattr(tf.io, 'decode_proto')


def test_io_is_still_sluices_io_package():
    from sluice.io import saver  # noqa: F401  (internal submodules import as before)
    import sluice.io.protos
    assert sluice.io.protos.GraphDef is tf.GraphDef


def test_tfrecords_through_tf_io(tmp_path):
    path = str(tmp_path / 'r.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for record in (b'a', b'bc'):
            writer.write(record)
    assert list(tf.io.tf_record_iterator(path)) == [b'a', b'bc']


def _tree(root, walk):
    return [(os.path.relpath(d, root), sorted(sub), sorted(files)) for d, sub, files in walk]


def test_io_gfile(tmp_path):
    gfile = tf.io.gfile
    root = str(tmp_path)
    gfile.makedirs(os.path.join(root, 'a', 'b'))
    gfile.mkdir(os.path.join(root, 'c'))
    with gfile.GFile(os.path.join(root, 'a', 'f.txt'), 'w') as f:
        f.write('hello')
    gfile.copy(os.path.join(root, 'a', 'f.txt'), os.path.join(root, 'c', 'g.txt'))
    gfile.rename(os.path.join(root, 'c', 'g.txt'), os.path.join(root, 'c', 'h.txt'))
    assert gfile.exists(os.path.join(root, 'c', 'h.txt')) and gfile.isdir(os.path.join(root, 'a'))
    assert gfile.listdir(root) == ['a', 'c'] and gfile.stat(os.path.join(root, 'a', 'f.txt')).length == 5
    assert gfile.glob(os.path.join(root, '*', '*.txt')) == [os.path.join(root, 'a', 'f.txt'),
                                                            os.path.join(root, 'c', 'h.txt')]
    assert _tree(root, gfile.walk(root)) == [('.', ['a', 'c'], []), ('a', ['b'], ['f.txt']), ('a/b', [], []),
                                             ('c', [], ['h.txt'])]
    assert [d for d, _, _ in _tree(root, gfile.walk(root, topdown=False))] == ['a/b', 'a', 'c', '.']
    errors = []
    assert list(gfile.walk(os.path.join(root, 'missing'), onerror=errors.append)) == []
    assert isinstance(errors[0], tf.errors.NotFoundError)
    gfile.remove(os.path.join(root, 'c', 'h.txt'))
    gfile.rmtree(os.path.join(root, 'a'))
    assert gfile.listdir(root) == ['c']


@pytest.mark.tf
def test_io_gfile_walk_as_tensorflow(tmp_path):
    theirs = pytest.importorskip('tensorflow').io.gfile
    root = str(tmp_path)
    for sub in ('x/y', 'x/z', 'w'):
        os.makedirs(os.path.join(root, sub))
    open(os.path.join(root, 'x', 'f'), 'w').close()
    for topdown in (True, False):
        # TF lists directories in file-system order; compare the entries
        assert sorted(_tree(root, tf.io.gfile.walk(root, topdown))) == sorted(_tree(root, theirs.walk(root, topdown)))


# -- tf.TensorSpec ---------------------------------------------------------------------------------
def test_tensor_spec():
    spec = tf.TensorSpec([2, None], tf.int32, name='x')
    assert (spec.shape.as_list(), spec.dtype, spec.name) == ([2, None], tf.int32, 'x')
    assert repr(spec) == "TensorSpec(shape=(2, ?), dtype=tf.int32, name='x')"  # TF 1.15 prints '?'
    assert spec == tf.TensorSpec([2, None], tf.int32, 'x') and spec != tf.TensorSpec([2, None], tf.int32)
    assert hash(spec) == hash(tf.TensorSpec([2, None], tf.int32))
    assert tf.TensorSpec(None).shape.ndims is None and tf.TensorSpec([]).dtype == tf.float32
    assert spec.is_compatible_with(tf.TensorSpec([2, 5], tf.int32))
    assert not spec.is_compatible_with(tf.TensorSpec([3, 5], tf.int32))
    assert not spec.is_compatible_with(tf.TensorSpec([2, 5], tf.float32))
    assert spec.is_compatible_with(tf.placeholder(tf.int32, [None, 4]))
    joined = tf.TensorSpec([2, 3]).most_specific_compatible_type(tf.TensorSpec([2, 4]))
    assert joined == tf.TensorSpec([2, None])
    with pytest.raises(ValueError, match='Types are not compatible'):
        spec.most_specific_compatible_type(tf.TensorSpec([2, 3]))
    c = tf.constant([1.0, 2.0], name='c')
    assert tf.TensorSpec.from_tensor(c) == tf.TensorSpec([2], tf.float32, 'c')
    assert tf.TensorSpec.from_spec(spec, name='y') == tf.TensorSpec([2, None], tf.int32, 'y')
    with pytest.raises(ValueError, match='`tensor` should be a tf.Tensor'):
        tf.TensorSpec.from_tensor(3)
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert spec._batch(4) == tf.TensorSpec([4, 2, None], tf.int32) and spec._unbatch() == tf.TensorSpec([None],
                                                                                                        tf.int32)


@pytest.mark.tf
def test_tensor_spec_equality_as_tensorflow():
    T = _tf1()
    pairs = [(([2, None], 'int32', 'x'), ([2, None], 'int32', 'x')),
             (([2, None], 'int32', 'x'), ([2, 3], 'int32', 'x')),
             (([2], 'float32', None), ([2], 'float32', 'n')), ((None, 'float32', None), (None, 'float32', None))]
    for a, b in pairs:
        ours = tf.TensorSpec(*a) == tf.TensorSpec(*b)
        theirs = T.TensorSpec(*a) == T.TensorSpec(*b)
        assert ours == theirs, (a, b)
        assert tf.TensorSpec(*a).is_compatible_with(tf.TensorSpec(*b)) == T.TensorSpec(*a).is_compatible_with(
            T.TensorSpec(*b))


# -- tf.arg_max / tf.arg_min, tf.train.SummaryWriter ------------------------------------------------
@pytest.mark.tf
def test_arg_max_arg_min_as_tensorflow():
    T = _tf1()
    x = np.array([[1., 5., 2.], [7., 0., 3.]], np.float32)
    ours = tf.Session().run([tf.arg_max(x, 1), tf.arg_min(x, 0), tf.arg_max(x, 0, output_type=tf.int32)])
    with T.Graph().as_default(), T.Session() as sess:
        theirs = sess.run([T.arg_max(x, 1), T.arg_min(x, 0), T.arg_max(x, 0, output_type=T.int32)])
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert tf.arg_max(x, 1).op.type == 'ArgMax' and tf.arg_min(x, 1).op.type == 'ArgMin'


def test_summary_writer_is_file_writer(tmp_path):
    assert tf.train.SummaryWriter is tf.summary.FileWriter
    writer = tf.train.SummaryWriter(str(tmp_path))
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag='t', simple_value=1.0)]), 3)
    writer.close()
    assert any(name.startswith('events.out.tfevents.') for name in os.listdir(str(tmp_path)))
