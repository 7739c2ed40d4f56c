"""tf.train.Saver with V2 checkpoints, the checkpoint ops, and tf.train's checkpoint readers.

Expected graph names, SaverDefs, file names, error classes and messages are TensorFlow 2.21's
(tf.compat.v1, run by hand with the scratch TF); golden checkpoints in tests/data/checkpoint were
written by it (make_golden.py there).  Tests marked `tf` run TensorFlow itself on files sluice
wrote and are skipped when it does not import.
"""
import glob
import os
import time

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.io import checkpoint_bundle
from sluice.io.checkpoint_bundle import BundleReader, data_filename, index_filename
from sluice.io.protos import SaverDef
from sluice.ops import io_ops

GOLDEN = os.path.join(os.path.dirname(__file__), 'data', 'checkpoint')


def _strings(rows, shape=None):
    out = np.empty(len(rows), dtype=object)
    out[:] = rows
    return out if shape is None else out.reshape(shape)


def golden_saver(step):
    """The values of tests/data/checkpoint/saver/model.ckpt-<step> (see make_golden.py)."""
    weights = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1
    return {
        'counter': np.array(-1234567890123, np.int64),
        'cube': np.arange(24, dtype=np.float64).reshape(2, 3, 4) * np.pi,
        'global_step': np.array(step, np.int64),
        'layer1/biases': np.array([0.5, -0.25, 1e-3, 3e38], np.float32),
        'layer1/weights': weights + (1 if step == 7 else 0),
        'mask': np.array([True, False, True]),
        'vocab': _strings([b'alpha', b'', u'\u00fcn\u00ef'.encode(), b'\xff\x00bin'], (2, 2)),
    }


def assert_same(actual, expected):
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    if expected.dtype == object:
        assert actual.tolist() == expected.tolist()
    else:
        np.testing.assert_array_equal(actual, expected)


def read_file(path):
    with open(path, 'rb') as f:
        return f.read()


def zeros_like_value(value):
    if value.dtype == object:
        return _strings([b'?'] * value.size, value.shape)
    return np.zeros_like(value)


class SliceInfo:
    """What a partitioner attaches to each part (TF's Variable.SaveSliceInfo)."""

    def __init__(self, full_name, full_shape, var_offset, var_shape):
        self.full_name, self.full_shape, self.var_offset, self.var_shape = full_name, full_shape, var_offset, var_shape

    @property
    def spec(self):
        return (' '.join('%d' % d for d in self.full_shape) + ' '
                + ':'.join('%d,%d' % (o, s) for o, s in zip(self.var_offset, self.var_shape)))


def partitioned(name, value, parts):
    """A variable split into `parts` row blocks, as fixed_size_partitioner makes it."""
    rows = value.shape[0] // parts
    out = []
    for i in range(parts):
        v = tf.Variable(value[i * rows:(i + 1) * rows], name='%s/part_%d' % (name, i))
        v._set_save_slice_info(SliceInfo(name, list(value.shape), [i * rows, 0], [rows, value.shape[1]]))
        out.append(v)
    return out


# ------------------------------------------------------------------------------------------
# The graph the Saver builds.

def test_graph_nodes_and_saver_def():
    tf.Variable(np.zeros((2, 3), np.float32), name='a')
    tf.Variable(3, name='b')
    saver = tf.train.Saver()
    g = tf.get_default_graph()
    nodes = [(op.name, op.type) for op in g.get_operations() if op.name.startswith('save')]
    assert nodes == [  # TF 2.21's tf.compat.v1.train.Saver graph, node for node
        ('save/filename/input', 'Const'), ('save/filename', 'PlaceholderWithDefault'),
        ('save/Const', 'PlaceholderWithDefault'), ('save/SaveV2/tensor_names', 'Const'),
        ('save/SaveV2/shape_and_slices', 'Const'), ('save/SaveV2', 'SaveV2'),
        ('save/control_dependency', 'Identity'), ('save/RestoreV2/tensor_names', 'Const'),
        ('save/RestoreV2/shape_and_slices', 'Const'), ('save/RestoreV2', 'RestoreV2'),
        ('save/Assign', 'Assign'), ('save/Assign_1', 'Assign'), ('save/restore_all', 'NoOp')]
    save = g.get_operation_by_name('save/SaveV2')
    assert [t.name for t in save.inputs] == ['save/Const:0', 'save/SaveV2/tensor_names:0',
                                             'save/SaveV2/shape_and_slices:0', 'a:0', 'b:0']
    assert save.get_attr('dtypes') == [tf.float32, tf.int32]
    assert [c.name for c in g.get_operation_by_name('save/control_dependency').control_inputs] == ['save/SaveV2']
    restore = g.get_operation_by_name('save/RestoreV2')
    assert restore.device == '/device:CPU:0'
    assert [t.dtype for t in restore.outputs] == [tf.float32, tf.int32]
    assign = g.get_operation_by_name('save/Assign_1')
    assert [t.name for t in assign.inputs] == ['b:0', 'save/RestoreV2:1']
    assert assign.get_attr('_class') == [b'loc:@b']
    assert sorted(c.name for c in g.get_operation_by_name('save/restore_all').control_inputs) == \
        ['save/Assign', 'save/Assign_1']
    d = saver.saver_def
    assert saver.as_saver_def() is d
    assert isinstance(d, SaverDef) and isinstance(d, tf.train.SaverDef)
    assert (d.filename_tensor_name, d.save_tensor_name, d.restore_op_name) == \
        ('save/Const:0', 'save/control_dependency:0', 'save/restore_all')
    assert (d.max_to_keep, d.keep_checkpoint_every_n_hours, d.version, d.sharded) == (5, 10000.0, SaverDef.V2, False)
    second = tf.train.Saver([tf.global_variables()[0]], max_to_keep=None, filename='ckpt')
    assert second.saver_def.restore_op_name == 'save_1/restore_all'
    assert second.saver_def.max_to_keep == 0
    assert g.get_operation_by_name('save_1/filename/input').get_attr('value').item() == b'ckpt'


def test_sharded_graph_and_saver_def():
    tf.Variable([1.0], name='a')
    saver = tf.train.Saver(sharded=True, name='snap')
    d = saver.saver_def
    assert (d.filename_tensor_name, d.save_tensor_name, d.restore_op_name, d.sharded) == \
        ('snap/Const:0', 'snap/Identity:0', 'snap/restore_all', True)
    g = tf.get_default_graph()
    assert g.get_operation_by_name('snap/ShardedFilename').device == '/device:CPU:0'
    assert g.get_operation_by_name('snap/MergeV2Checkpoints').get_attr('delete_old_dirs') is True
    assert [c.name for c in g.get_operation_by_name('snap/restore_all').control_inputs] == ['snap/restore_shard']


# ------------------------------------------------------------------------------------------
# Saving and restoring.

def test_save_restore_round_trip(device, tmp_path):
    values = {'w': np.arange(12, dtype=np.float32).reshape(3, 4), 'scale': np.array(2.5, np.float64),
              'count': np.array([7, -8], np.int64), 'mask': np.array([True, False])}
    with tf.device(device):
        variables = {name: tf.Variable(v, name=name) for name, v in values.items()}
    words = tf.Variable(_strings([b'a', b'\xffb']), name='words')  # strings live on the host
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'model.ckpt'))
        assert path == str(tmp_path / 'model.ckpt')
        sess.run([v.assign(zeros_like_value(values[n])) for n, v in variables.items()] +
                 [words.assign(_strings([b'', b'']))])
        assert saver.restore(sess, path) is None
        got = sess.run({n: v for n, v in variables.items()})
        for name, value in values.items():
            assert_same(got[name], value)
        assert sess.run(words).tolist() == [b'a', b'\xffb']
    with BundleReader(path) as reader:
        assert reader.keys() == ['count', 'mask', 'scale', 'w', 'words']
        assert_same(reader.read('w'), values['w'])


def test_restore_into_fresh_graph_without_initializing(device, tmp_path):
    with tf.device(device):
        w = tf.Variable(np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3), name='layer/w')
        b = tf.Variable(np.float32(4.0), name='layer/b')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), global_step=1, write_meta_graph=False)
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    with tf.Graph().as_default():
        with tf.device(device):
            w2 = tf.Variable(tf.zeros([2, 3]), name='layer/w')
            b2 = tf.Variable(0.0, name='layer/b')
        saver2 = tf.train.Saver()
        with tf.Session() as sess:
            saver2.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
            got_w, got_b = sess.run([w2, b2])
    np.testing.assert_array_equal(got_w, np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3))
    assert got_b == 4.0
    del w, b


def test_global_step_naming(tmp_path):
    v = tf.Variable(1.0, name='v')
    step = tf.Variable(np.int64(12), name='global_step', trainable=False)
    saver = tf.train.Saver([v], max_to_keep=10)
    padded = tf.train.Saver([v], pad_step_number=True)
    prefix = str(tmp_path / 'model.ckpt')
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert saver.save(sess, prefix, global_step=5) == prefix + '-5'
        assert saver.save(sess, prefix, global_step=np.int64(6)) == prefix + '-6'
        assert saver.save(sess, prefix, global_step=step) == prefix + '-12'   # a variable: its value
        assert saver.save(sess, prefix, global_step='global_step:0') == prefix + '-12'
        assert padded.save(sess, prefix, global_step=7) == prefix + '-00000007'
    assert os.path.exists(index_filename(prefix + '-12'))
    assert os.path.exists(data_filename(prefix + '-00000007'))
    assert saver.last_checkpoints == [prefix + '-5', prefix + '-6', prefix + '-12']


def test_max_to_keep_deletes_oldest(tmp_path):
    tf.Variable([1.0, 2.0], name='v')
    saver = tf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / 'model.ckpt')
    open(prefix + '-1.meta', 'w').close()  # a meta file goes with its checkpoint
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, 5):
            saver.save(sess, prefix, global_step=step, write_meta_graph=False)
    assert saver.last_checkpoints == [prefix + '-3', prefix + '-4']
    assert sorted(os.listdir(tmp_path)) == ['checkpoint', 'model.ckpt-3.data-00000-of-00001', 'model.ckpt-3.index',
                                            'model.ckpt-4.data-00000-of-00001', 'model.ckpt-4.index']
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefix + '-4'
    assert list(state.all_model_checkpoint_paths) == [prefix + '-3', prefix + '-4']
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + '-4'


def test_max_to_keep_zero_keeps_everything(tmp_path):
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver(max_to_keep=0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(3):
            saver.save(sess, str(tmp_path / 'm'), global_step=step, write_meta_graph=False)
    assert len(glob.glob(str(tmp_path / 'm-*.index'))) == 3
    assert saver.last_checkpoints == []
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == [str(tmp_path / 'm-2')]


def test_keep_checkpoint_every_n_hours(tmp_path):
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
    saver._next_checkpoint_time = time.time() - 1  # as if an hour of training had passed
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, 4):
            saver.save(sess, str(tmp_path / 'm'), global_step=step, write_meta_graph=False)
    # m-1 is past the hour mark, so kept for good; m-2 is deleted as usual.
    assert sorted(glob.glob(str(tmp_path / 'm-*.index'))) == [str(tmp_path / 'm-1.index'),
                                                              str(tmp_path / 'm-3.index')]
    assert saver.last_checkpoints == [str(tmp_path / 'm-3')]


def test_checkpoint_state_file_contents(tmp_path, monkeypatch):
    tf.Variable([1.0], name='v')
    absolute = tf.train.Saver()
    relative = tf.train.Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        absolute.save(sess, str(tmp_path / 'abs' / 'm'), global_step=1, write_meta_graph=False)
        absolute.save(sess, str(tmp_path / 'abs' / 'm'), global_step=2, write_meta_graph=False)
        relative.save(sess, str(tmp_path / 'rel' / 'm'), global_step=3, write_meta_graph=False)
        relative.save(sess, str(tmp_path / 'rel' / 'm'), global_step=4, latest_filename='latest',
                      write_meta_graph=False)
        monkeypatch.chdir(tmp_path)
        absolute.save(sess, os.path.join('cwd', 'm'), global_step=5, write_meta_graph=False)
    a = str(tmp_path / 'abs' / 'm')
    assert read_file(str(tmp_path / 'abs' / 'checkpoint')).decode() == (
        'model_checkpoint_path: "%s-2"\nall_model_checkpoint_paths: "%s-1"\n'
        'all_model_checkpoint_paths: "%s-2"\n' % (a, a, a))
    assert read_file(str(tmp_path / 'rel' / 'checkpoint')).decode() == (
        'model_checkpoint_path: "m-3"\nall_model_checkpoint_paths: "m-3"\n')
    assert read_file(str(tmp_path / 'rel' / 'latest')).decode() == (
        'model_checkpoint_path: "m-4"\nall_model_checkpoint_paths: "m-3"\nall_model_checkpoint_paths: "m-4"\n')
    assert tf.train.latest_checkpoint(str(tmp_path / 'rel'), 'latest') == str(tmp_path / 'rel' / 'm-4')
    # A relative save path: the state file's paths are relative to its folder (TF's rule).
    assert read_file(str(tmp_path / 'cwd' / 'checkpoint')).decode().startswith('model_checkpoint_path: "m-5"\n')
    assert tf.train.latest_checkpoint('cwd') == os.path.join('cwd', 'm-5')


def test_recover_last_checkpoints(tmp_path):
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        paths = [saver.save(sess, str(tmp_path / 'm'), global_step=i, write_meta_graph=False) for i in (1, 2)]
        restarted = tf.train.Saver(max_to_keep=2)
        restarted.recover_last_checkpoints(paths + [str(tmp_path / 'm-99')])  # a missing one is skipped
        assert restarted.last_checkpoints == paths
        restarted.save(sess, str(tmp_path / 'm'), global_step=3, write_meta_graph=False)
    assert not tf.train.checkpoint_exists(paths[0])
    assert tf.train.checkpoint_exists(paths[1])
    assert len(tf.train.get_checkpoint_mtimes(paths)) == 1
    restarted.set_last_checkpoints_with_time([('x', 1.0)])
    assert restarted.last_checkpoints == ['x']
    restarted.set_last_checkpoints(['y'])
    assert restarted.last_checkpoints == ['y']


def test_var_list_dict_renames(tmp_path):
    w = tf.Variable([1.0, 2.0], name='w')
    other = tf.Variable([0.0, 0.0], name='other')
    saver = tf.train.Saver({'model/weights': w})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), write_meta_graph=False)
        assert tf.train.list_variables(path) == [('model/weights', [2])]
        tf.train.Saver({'model/weights': other}).restore(sess, path)  # restored under another variable
        np.testing.assert_array_equal(sess.run(other), [1.0, 2.0])


def test_var_list_tuple_and_nested_list_sorted_by_name(tmp_path):
    b = tf.Variable([1], name='b')
    a = tf.Variable([2], name='a')
    tf.train.Saver((b, [a]))
    save = tf.get_default_graph().get_operation_by_name('save/SaveV2')
    assert save.get_attr('dtypes') == [tf.int32, tf.int32]
    assert [t.name for t in save.inputs[3:]] == ['a:0', 'b:0']


def test_reshape_restores_into_other_shape(tmp_path):
    tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name='v')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), write_meta_graph=False)
    with tf.Graph().as_default():
        v = tf.Variable(tf.zeros([3, 2]), name='v')
        saver = tf.train.Saver(reshape=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(v), np.arange(6, dtype=np.float32).reshape(3, 2))


def test_sharded_save_restore(device, tmp_path):
    with tf.device(device):
        a = tf.Variable(np.arange(4, dtype=np.float32), name='a')
    with tf.device('/cpu:0'):
        b = tf.Variable(np.int64(9), name='b')
    c = tf.Variable([[1.5]], name='c')
    saver = tf.train.Saver(sharded=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), global_step=2, write_meta_graph=False)
        sess.run([a.assign(np.zeros(4, np.float32)), b.assign(0), c.assign([[0.0]])])
        saver.restore(sess, path)
        got = sess.run([a, b, c])
    assert path == str(tmp_path / 'm-2')
    np.testing.assert_array_equal(got[0], np.arange(4))
    assert got[1] == 9 and got[2][0, 0] == 1.5
    shards = 3 if device == '/gpu:0' else 2  # one per device: '', CPU:0 and (here) GPU:0
    assert sorted(os.listdir(tmp_path)) == sorted(['checkpoint', 'm-2.index'] + [
        'm-2.data-%05d-of-%05d' % (i, shards) for i in range(shards)])  # the _temp folder is gone
    with BundleReader(path) as reader:
        assert reader.header.num_shards == shards
        assert reader.keys() == ['a', 'b', 'c']


def test_saver_from_saver_def_and_import_scope(tmp_path):
    with tf.name_scope('imported'):
        v = tf.Variable([3.0, 4.0], name='v')
        original = tf.train.Saver()
    assert original.saver_def.filename_tensor_name == 'imported/save/Const:0'
    exported = original.to_proto(export_scope='imported')
    assert (exported.filename_tensor_name, exported.save_tensor_name, exported.restore_op_name) == \
        ('save/Const:0', 'save/control_dependency:0', 'save/restore_all')
    assert original.to_proto(export_scope='elsewhere') is None
    rebuilt = tf.train.Saver.from_proto(exported, import_scope='imported')
    assert rebuilt.saver_def.restore_op_name == 'imported/save/restore_all'
    same = tf.train.Saver(saver_def=original.saver_def)
    zero, init = v.assign([0.0, 0.0]), tf.global_variables_initializer()
    ops_before = len(tf.get_default_graph().get_operations())
    with tf.Session() as sess:
        sess.run(init)
        path = rebuilt.save(sess, str(tmp_path / 'm'), write_meta_graph=False)
        assert tf.train.list_variables(path) == [('imported/v', [2])]
        sess.run(zero)
        same.restore(sess, path)
        np.testing.assert_array_equal(sess.run(v), [3.0, 4.0])
    assert len(tf.get_default_graph().get_operations()) == ops_before  # nothing new was built
    with pytest.raises(ValueError, match='save_tensor_name'):
        tf.train.Saver(saver_def=SaverDef(restore_op_name='x'))


def test_partitioned_variables_save_and_restore_as_tensorflow(tmp_path):
    emb_value = np.arange(24, dtype=np.float32).reshape(6, 4)
    parts = partitioned('emb', emb_value, 3)
    plain = tf.Variable(np.array([7, 8], np.int32), name='plain')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'model.ckpt'), write_meta_graph=False)
        golden = os.path.join(GOLDEN, 'partitioned', 'model.ckpt')
        # Same tensors in the same order as TF's Saver: the very same bytes.
        assert read_file(index_filename(path)) == read_file(index_filename(golden))
        assert read_file(data_filename(path)) == read_file(data_filename(golden))
        sess.run([p.assign(np.zeros((2, 4), np.float32)) for p in parts] + [plain.assign([0, 0])])
        saver.restore(sess, golden)
        got = sess.run(parts + [plain])
    np.testing.assert_array_equal(np.concatenate(got[:3]), emb_value)
    np.testing.assert_array_equal(got[3], [7, 8])
    assert tf.train.load_variable(path, 'emb').shape == (6, 4)


def test_restores_tensorflow_checkpoint_and_rewrites_it_identically(tmp_path):
    expected = golden_saver(7)
    variables = {name: tf.Variable(zeros_like_value(value), name=name) for name, value in expected.items()}
    saver = tf.train.Saver()
    golden = os.path.join(GOLDEN, 'saver', 'model.ckpt-7')
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(os.path.join(GOLDEN, 'saver')))
        got = sess.run(variables)
        for name, value in expected.items():
            assert_same(got[name], value)
        path = saver.save(sess, str(tmp_path / 'model.ckpt'), global_step=7, write_meta_graph=False)
    assert read_file(index_filename(path)) == read_file(index_filename(golden))
    assert read_file(data_filename(path)) == read_file(data_filename(golden))


def test_restores_tensorflow_checkpoint_on_device(device):
    expected = golden_saver(5)
    with tf.device(device):
        w = tf.Variable(tf.zeros([3, 4]), name='layer1/weights')
        b = tf.Variable(tf.zeros([4]), name='layer1/biases')
        cube = tf.Variable(tf.zeros([2, 3, 4], tf.float64), name='cube')
    saver = tf.train.Saver([w, b, cube])
    with tf.Session() as sess:
        saver.restore(sess, os.path.join(GOLDEN, 'saver', 'model.ckpt-5'))
        got = sess.run([w, b, cube])
    for value, name in zip(got, ['layer1/weights', 'layer1/biases', 'cube']):
        assert_same(value, expected[name])


# ------------------------------------------------------------------------------------------
# Errors (TF's classes and messages).

def test_constructor_errors():
    with pytest.raises(ValueError, match='^No variables to save$'):
        tf.train.Saver()
    a = tf.Variable(np.ones((2, 3), np.int32), name='a')
    with pytest.raises(ValueError, match='^At least two variables have the same name: a$'):
        tf.train.Saver([a, a])
    with pytest.raises(ValueError, match='^The same saveable will be restored with two names: y$'):
        tf.train.Saver({'x': a, 'y': a})
    with pytest.raises(TypeError, match='^Variable to save is not a Variable: '):
        tf.train.Saver([tf.constant(1)])
    with pytest.raises(TypeError, match='^names_to_saveables must be a dict mapping string names to Tensors/'
                                        'Variables. Not a variable: '):
        tf.train.Saver({'x': tf.constant(1)})
    with pytest.raises(TypeError, match='Name is not a string: 1'):
        tf.train.Saver({1: a})
    with pytest.raises(TypeError, match='^Variables to save should be passed in a dict or a list. Got '):
        tf.train.Saver(a)
    with pytest.raises(ValueError, match='build cannot be deferred'):
        tf.train.Saver([a], defer_build=True)
    deferred = tf.train.Saver(defer_build=True)
    with tf.Session() as sess:
        with pytest.raises(RuntimeError, match='`build\\(\\)` should be called before save'):
            deferred.save(sess, 'x')
    deferred.build()
    assert deferred.saver_def.restore_op_name == 'save/restore_all'


def test_empty_saver(tmp_path):
    saver = tf.train.Saver(allow_empty=True)
    assert saver.saver_def is None
    with tf.Session() as sess:
        assert saver.save(sess, str(tmp_path / 'e'), write_meta_graph=False) is None
        assert saver.restore(sess, str(tmp_path / 'e')) is None
    assert os.listdir(tmp_path) == []


def test_save_argument_errors(tmp_path):
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="'latest_filename' must not contain path components"):
            saver.save(sess, str(tmp_path / 'm'), latest_filename='a/b')
        with pytest.raises(ValueError, match="'latest_filename' collides with 'save_path'"):
            saver.save(sess, str(tmp_path / 'checkpoint'))
        with pytest.raises(ValueError, match="^Parent directory of .*/missing/deeper/m doesn't exist, can't save."):
            saver.save(sess, str(tmp_path / 'missing' / 'deeper' / 'm'))
        with pytest.raises(TypeError, match="'sess' must be a Session"):
            saver.save(object(), str(tmp_path / 'm'))
        # One missing level is created, as TF's bundle writer does.
        assert saver.save(sess, str(tmp_path / 'new' / 'm'), write_meta_graph=False) == str(tmp_path / 'new' / 'm')


def test_restore_errors(tmp_path):
    tf.Variable(np.ones((2, 3), np.float32), name='a')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), write_meta_graph=False)
        with pytest.raises(ValueError, match="^Can't load save_path when it is None.$"):
            saver.restore(sess, None)
        with pytest.raises(ValueError, match='^The passed save_path is not a valid checkpoint: .*nothere$'):
            saver.restore(sess, str(tmp_path / 'nothere'))
    with tf.Graph().as_default():
        a = tf.Variable(np.ones(3, np.float32), name='a')
        b = tf.Variable(np.ones(3, np.float32), name='b')
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(errors.NotFoundError) as info:
                tf.train.Saver([b]).restore(sess, path)
            message = str(info.value)
            assert message.startswith('Restoring from checkpoint failed. This is most likely due to a Variable name '
                                      'or other graph key that is missing from the checkpoint.')
            assert 'Key b not found in checkpoint' in message and 'save/RestoreV2' in message
            with pytest.raises(errors.InvalidArgumentError) as info:
                tf.train.Saver([a]).restore(sess, path)
            message = str(info.value)
            assert message.startswith('Restoring from checkpoint failed. This is most likely due to a mismatch '
                                      'between the current graph and the graph from the checkpoint.')
            assert 'Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [2,3]' in message
            assert info.value.op.name == 'save_1/Assign'
    with tf.Graph().as_default():
        tf.Variable(np.ones((2, 3), np.int32), name='a')
        with tf.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError,
                               match='tensor_name = a; expected dtype int32 does not equal original dtype float'):
                tf.train.Saver().restore(sess, path)


def test_failed_save_leaves_previous_checkpoint(tmp_path, monkeypatch):
    v = tf.Variable(np.arange(3, dtype=np.float32), name='v')
    tf.Variable(np.ones((2, 2), np.float64), name='w')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = saver.save(sess, str(tmp_path / 'm'), global_step=1, write_meta_graph=False)
        before = sorted(os.listdir(tmp_path))
        sess.run(v.assign([9.0, 9.0, 9.0]))
        real_add = checkpoint_bundle.BundleWriter.add

        def failing_add(self, name, value, dtype=None):
            if name == 'w':  # the disk fills up after the first tensor
                raise OSError(28, 'No space left on device')
            return real_add(self, name, value, dtype)
        monkeypatch.setattr(checkpoint_bundle.BundleWriter, 'add', failing_add)
        with pytest.raises(errors.OpError, match='No space left on device'):
            saver.save(sess, str(tmp_path / 'm'), global_step=2, write_meta_graph=False)
        with pytest.raises(errors.OpError):  # over the same prefix: the old files stay whole
            saver.save(sess, first, write_meta_graph=False)
        monkeypatch.undo()
        assert sorted(os.listdir(tmp_path)) == before  # no new, partial or temporary file
        assert tf.train.latest_checkpoint(str(tmp_path)) == first
        saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
        np.testing.assert_array_equal(sess.run(v), [0.0, 1.0, 2.0])


# ------------------------------------------------------------------------------------------
# Reading checkpoints: NewCheckpointReader, list_variables, load_variable, init_from_checkpoint.

def test_checkpoint_reader_on_tensorflow_checkpoint():
    reader = tf.train.NewCheckpointReader(os.path.join(GOLDEN, 'saver', 'model.ckpt-7'))
    expected = golden_saver(7)
    assert reader.get_variable_to_shape_map() == {name: list(v.shape) for name, v in expected.items()}
    assert reader.get_variable_to_dtype_map() == {
        'vocab': tf.string, 'layer1/weights': tf.float32, 'global_step': tf.int64, 'cube': tf.float64,
        'mask': tf.bool, 'layer1/biases': tf.float32, 'counter': tf.int64}
    assert reader.debug_string() == (  # TF's bytes, verbatim
        b'counter (DT_INT64) []\ncube (DT_DOUBLE) [2,3,4]\nglobal_step (DT_INT64) []\nlayer1/biases (DT_FLOAT) '
        b'[4]\nlayer1/weights (DT_FLOAT) [3,4]\nmask (DT_BOOL) [3]\nvocab (DT_STRING) [2,2]\n')
    assert reader.has_tensor('counter') and not reader.has_tensor('nope')
    counter = reader.get_tensor('counter')
    assert isinstance(counter, np.int64) and counter == -1234567890123  # 0-d: a NumPy scalar
    assert_same(reader.get_tensor('vocab'), expected['vocab'])
    with pytest.raises(errors.NotFoundError, match='^Key nope not found in checkpoint$'):
        reader.get_tensor('nope')
    with pytest.raises(errors.NotFoundError, match='^Unsuccessful TensorSliceReader constructor: Failed to find '
                                                   'any matching files for .*nothere$'):
        tf.train.NewCheckpointReader(os.path.join(GOLDEN, 'saver', 'nothere'))
    with pytest.raises(errors.DataLossError, match='Is a directory'):
        tf.train.NewCheckpointReader(os.path.join(GOLDEN, 'saver'))


def test_list_and_load_variables():
    folder = os.path.join(GOLDEN, 'saver')
    assert tf.train.list_variables(folder) == [
        ('counter', []), ('cube', [2, 3, 4]), ('global_step', []), ('layer1/biases', [4]),
        ('layer1/weights', [3, 4]), ('mask', [3]), ('vocab', [2, 2])]
    assert_same(tf.train.load_variable(folder, 'layer1/biases:0'), golden_saver(7)['layer1/biases'])
    assert tf.train.load_variable(os.path.join(folder, 'model.ckpt-5'), 'global_step') == 5
    assert tf.train.load_checkpoint(folder).has_tensor('mask')
    with pytest.raises(ValueError, match="^Couldn't find 'checkpoint' file or checkpoints in given directory"):
        tf.train.list_variables(os.path.dirname(__file__))


def test_checkpoints_iterator(tmp_path):
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), global_step=1, write_meta_graph=False)
    assert list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0.01)) == [path]


def test_init_from_checkpoint():
    folder = os.path.join(GOLDEN, 'saver')
    w = tf.Variable(tf.zeros([3, 4]), name='net/layer1/weights')
    b = tf.Variable(tf.zeros([4]), name='net/layer1/biases')
    counter = tf.Variable(np.int64(0), name='my_counter')
    untouched = tf.Variable(1.0, name='elsewhere')
    tf.train.init_from_checkpoint(folder, {'layer1/': 'net/layer1/', 'counter': counter})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run([w, b, counter, untouched])
    expected = golden_saver(7)
    assert_same(got[0], expected['layer1/weights'])
    assert_same(got[1], expected['layer1/biases'])
    assert got[2] == -1234567890123 and got[3] == 1.0
    with pytest.raises(ValueError, match='Tensor nope is not found in'):
        tf.train.init_from_checkpoint(folder, {'nope': w})
    with pytest.raises(ValueError, match="Shape of variable elsewhere:0 .* doesn't match"):
        tf.train.init_from_checkpoint(folder, {'layer1/biases': untouched})


def test_meta_graph_written_when_available(tmp_path):
    from sluice.io import saver as saver_module
    tf.Variable([1.0], name='v')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'm'), global_step=3)
    assert os.path.exists(path + '.meta') == (saver_module._meta_graph_module() is not None)


# ------------------------------------------------------------------------------------------
# The ops on their own.

def test_string_join_and_sharded_filename():
    joined = io_ops.string_join(['a', tf.constant(['x', 'yz']), 'b'], separator='-')
    assert joined.shape.as_list() == [2]
    name = io_ops.sharded_filename('dir/part', 3, 12)
    assert name.shape.as_list() == []
    with tf.Session() as sess:
        got_joined, got_name = sess.run([joined, name])
    assert got_joined.tolist() == [b'a-x-b', b'a-yz-b']
    assert got_name == b'dir/part-00003-of-00012'
    with pytest.raises(ValueError):
        io_ops.string_join([tf.constant(['a', 'b']), tf.constant(['a', 'b', 'c'])])


def test_raw_save_and_restore_slices(tmp_path):
    prefix = str(tmp_path / 'raw')
    full = np.arange(12, dtype=np.int32).reshape(4, 3)
    save = io_ops.save_v2(prefix, ['x', 'x', 'y'], ['4 3 0,2:-', '4 3 2,2:-', ''],
                          [tf.constant(full[:2]), tf.constant(full[2:]), tf.constant('text')])
    restored = io_ops.restore_v2(prefix, ['x', 'x', 'y'], ['', '4 3 1,2:0,2', ''], [tf.int32, tf.int32, tf.string])
    assert restored[0].shape.dims is None and restored[1].shape.as_list() == [2, 2]
    bad = io_ops.restore_v2(prefix, ['y'], [''], [tf.float32])
    missing = io_ops.restore_v2(str(tmp_path / 'none'), ['y'], [''], [tf.string])
    with tf.Session() as sess:
        sess.run(save)
        whole, part, text = sess.run(restored)
        np.testing.assert_array_equal(whole, full)
        np.testing.assert_array_equal(part, full[1:3, :2])
        assert text == b'text'
        with pytest.raises(errors.InvalidArgumentError, match='tensor_name = y; expected dtype float does not equal '
                                                              'original dtype string'):
            sess.run(bad)
        with pytest.raises(errors.NotFoundError, match='Failed to find any matching files for .*none'):
            sess.run(missing)
    with pytest.raises(ValueError, match='rank 0'):
        io_ops.save_v2(['a', 'b'], ['x'], [''], [tf.constant(1)])


def test_merge_v2_checkpoints(tmp_path):
    parts = [str(tmp_path / 'tmp' / ('part-%d' % i)) for i in range(2)]
    saves = [io_ops.save_v2(parts[i], ['t%d' % i], [''], [tf.constant([i, i])]) for i in range(2)]
    with tf.control_dependencies(saves):
        merge = io_ops.merge_v2_checkpoints(parts, str(tmp_path / 'merged'))
    with tf.Session() as sess:
        sess.run(merge)
    assert sorted(os.listdir(tmp_path)) == ['merged.data-00000-of-00002', 'merged.data-00001-of-00002',
                                            'merged.index']  # the shards' folder is removed
    assert tf.train.load_variable(str(tmp_path / 'merged'), 't1').tolist() == [1, 1]


# ------------------------------------------------------------------------------------------
# TensorFlow reads what sluice wrote.

@pytest.fixture(scope='module')
def real_tf():
    real = pytest.importorskip('tensorflow.compat.v1')
    real.disable_v2_behavior()
    return real


@pytest.mark.tf
@pytest.mark.parametrize('sharded', [False, True])
def test_tensorflow_restores_sluice_checkpoint(tmp_path, real_tf, sharded):
    values = golden_saver(3)
    for name, value in values.items():
        tf.Variable(value, name=name)
    saver = tf.train.Saver(sharded=sharded)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / 'model.ckpt'), global_step=3, write_meta_graph=False)
    reader = real_tf.train.NewCheckpointReader(path)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(values)
    graph = real_tf.Graph()
    with graph.as_default():
        variables = {name: real_tf.Variable(zeros_like_value(value), name=name) for name, value in values.items()}
        tf_saver = real_tf.train.Saver()
        with real_tf.Session() as sess:
            tf_saver.restore(sess, real_tf.train.latest_checkpoint(str(tmp_path)))
            got = sess.run(variables)
    for name, value in values.items():
        assert_same(got[name], value)
