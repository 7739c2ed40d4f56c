"""tf.train.Saver (TF1, V2 checkpoint format) and tf.train's checkpoint-reading functions.

Building (once, in the constructor) adds TF's nodes under a 'save' name scope:

    save/filename/input   Const "model" (or `filename`)
    save/filename         PlaceholderWithDefault        the path fed at save/restore time
    save/Const            PlaceholderWithDefault        SaverDef.filename_tensor_name 'save/Const:0'
    save/SaveV2           SaveV2(save/Const, names, slices, <variable refs>)
    save/control_dependency  Identity(save/Const) after SaveV2   save_tensor_name
    save/RestoreV2        RestoreV2 on /device:CPU:0, one output per saved tensor
    save/Assign, save/Assign_1, ...   Assign of each variable (colocated with it)
    save/restore_all      NoOp after the Assigns               restore_op_name

sharded=True groups the variables by device: each group is saved with its own SaveV2 (on that
device's host CPU) to "<prefix>_temp_<uuid>/part-0000i-of-0000n", MergeV2Checkpoints joins
the shards into "<prefix>.index" + "<prefix>.data-0000i-of-0000n" (TF 1.x's graph), and
restore runs one 'restore_shard' group per device.  Variables are saved under their op names
(var_list as a list) or the dict's keys; partitioned variables (variables carrying a
_save_slice_info) are saved as slices of their full tensor, as TF does.

Saver.save runs the save tensor with the path fed, then records the path (`last_checkpoints`),
rewrites the `checkpoint` state file (sluice.io.checkpoint_state) and deletes the checkpoints
beyond max_to_keep, except one every keep_checkpoint_every_n_hours.  A crash while saving
leaves the previous checkpoints and the state file as they were (the bundle writer renames
complete files into place; the state file is written after, atomically).  The .meta file is
written through sluice.io.meta_graph.export_meta_graph when that module exists.

Saver.restore checks the checkpoint exists (ValueError), runs the restore op with the path fed,
and rewraps a NotFoundError (a variable missing from the checkpoint) or InvalidArgumentError
(dtype or shape mismatch) with TF's "Restoring from checkpoint failed..." preface, same class.

What gets saved (names, slices) is decided in saveables.py. NewCheckpointReader, load_checkpoint,
list_variables, load_variable and checkpoints_iterator (checkpoint_reader.py) read bundles
directly; init_from_checkpoint is in checkpoint_init.py. This module re-exports them all (tf.train).
Not supported: V1 checkpoints (write_version=V1 logs a warning and writes V2), object-based
(tf.train.Checkpoint) checkpoints, SaveableObjects other than variables.
"""
import contextlib
import importlib
import importlib.util
import numbers
import os
import re
import time
import uuid

import numpy as np

from sluice.engine import dtypes as _dtypes
from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine.device_spec import DeviceSpec
from sluice.engine.graph import GraphKeys
from sluice.engine.log import logger
from sluice.engine.tensor_shape import TensorShape
from sluice.io import checkpoint_state
from sluice.io.checkpoint_init import init_from_checkpoint
from sluice.io.checkpoint_reader import (CheckpointReader, NewCheckpointReader, checkpoints_iterator,  # noqa: F401
                                         list_variables, load_checkpoint, load_variable, wait_for_new_checkpoint)
from sluice.io.checkpoint_state import (checkpoint_exists, generate_checkpoint_state_proto, get_checkpoint_mtimes,
                                        get_checkpoint_state, latest_checkpoint, remove_checkpoint,
                                        update_checkpoint_state)
from sluice.io.protos import SaverDef
from sluice.io.saveables import all_saveable_objects, op_list_to_dict, validate_and_slice_inputs  # noqa: F401
from sluice.ops import array_ops
from sluice.ops import constant_op
from sluice.ops import graph_ops
from sluice.ops import io_ops
from sluice.ops import state_ops

__all__ = ['Saver', 'latest_checkpoint', 'get_checkpoint_state', 'update_checkpoint_state',
           'generate_checkpoint_state_proto', 'checkpoint_exists', 'get_checkpoint_mtimes', 'remove_checkpoint',
           'NewCheckpointReader', 'load_checkpoint', 'list_variables', 'load_variable', 'checkpoints_iterator',
           'init_from_checkpoint']

# ------------------------------------------------------------------------------------------
# The graph: TF's BulkSaverBuilder.

def _canonical_device(device):
    return DeviceSpec.from_string(device).to_string() if device else ''


def _set_cpu0(device):
    """The CPU:0 of the task that `device` belongs to (TF's saveable_object_util.set_cpu0)."""
    spec = DeviceSpec.from_string(device or '')
    spec = spec.replace(device_type='CPU', device_index=0)
    return spec.to_string()


def _with_dependencies(g, dependencies, tensor):
    """Identity of `tensor` that runs after `dependencies` ('control_dependency', colocated with it)."""
    with g.name_scope('control_dependency') as scope:
        with g.colocate_with(tensor.op), g.control_dependencies(dependencies):
            return graph_ops.identity(tensor, name=scope)


class BaseSaverBuilder:
    """Adds the save and restore ops of a Saver (TF's BulkSaverBuilder: one RestoreV2 for all)."""

    def __init__(self, write_version=SaverDef.V2):
        self._write_version = write_version

    def save_op(self, filename_tensor, saveables):
        return io_ops.save_v2(filename_tensor, [s.name for s in saveables], [s.slice_spec for s in saveables],
                              [s.value() for s in saveables])

    def bulk_restore(self, filename_tensor, saveables):
        g = filename_tensor.graph
        with g.device('/device:CPU:0'):  # restored on the host; Assign copies to the variable's device
            return io_ops.restore_v2(filename_tensor, [s.name for s in saveables],
                                     [s.slice_spec for s in saveables], [s.dtype for s in saveables])

    def _add_save_ops(self, filename_tensor, saveables):
        save = self.save_op(filename_tensor, saveables)
        return _with_dependencies(filename_tensor.graph, [save], filename_tensor)

    def _add_restore_ops(self, filename_tensor, saveables, reshape, name='restore_all'):
        g = filename_tensor.graph
        restored = self.bulk_restore(filename_tensor, saveables)
        assigns = []
        for saveable, tensor in zip(saveables, restored):
            shape = saveable.shape
            if reshape:
                target = shape.as_list() if shape.is_fully_defined() else array_ops.shape(saveable.value())
                tensor = array_ops.reshape(tensor, target)
            assigns.append(saveable.restore(tensor, validate_shape=not reshape and shape.is_fully_defined()))
        return graph_ops.group(*assigns, name=name)

    @staticmethod
    def _group_by_devices(saveables):
        per_device = {}
        for saveable in saveables:
            per_device.setdefault(_canonical_device(saveable.device), []).append(saveable)
        return sorted(per_device.items(), key=lambda item: item[0])

    def _add_sharded_save_ops(self, checkpoint_prefix, per_device):
        g = checkpoint_prefix.graph
        # Shards go to "<prefix>_temp_<uuid>/part-*" and are merged under the prefix at the end.
        tmp_prefix = io_ops.string_join([checkpoint_prefix, '_temp_%s/part' % uuid.uuid4().hex])
        num_shards = constant_op.constant(len(per_device), name='num_shards')
        saves, prefixes = [], []
        last_device = None
        for shard, (device, saveables) in enumerate(per_device):
            last_device = device
            with g.device(_set_cpu0(device)):
                filename = io_ops.sharded_filename(tmp_prefix, shard, num_shards)
                prefixes.append(filename)
                saves.append(self._add_save_ops(filename, saveables))
        with g.control_dependencies([t.op for t in saves]), g.device(_set_cpu0(last_device)):
            merge = io_ops.merge_v2_checkpoints(prefixes, checkpoint_prefix, delete_old_dirs=True)
            with g.control_dependencies([merge]):
                return graph_ops.identity(checkpoint_prefix)

    def _add_sharded_restore_ops(self, filename_tensor, per_device, reshape):
        g = filename_tensor.graph
        shards = []
        for device, saveables in per_device:
            with g.device(device) if device else contextlib.nullcontext():
                shards.append(self._add_restore_ops(filename_tensor, saveables, reshape, name='restore_shard'))
        return graph_ops.group(*shards, name='restore_all')

    def _build_internal(self, names_to_saveables, reshape=False, sharded=False, max_to_keep=5,
                        keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                        filename='model', build_save=True, build_restore=True):
        if not build_save or not build_restore:
            raise ValueError('save and restore operations need to be built together  when eager execution is '
                             'not enabled.')
        saveables = validate_and_slice_inputs(names_to_saveables)
        if max_to_keep is None:
            max_to_keep = 0
        with _graph.name_scope(name, 'save', [s.op for s in saveables]):
            g = _graph.get_default_graph()
            with g.name_scope('filename') as scope:
                default = constant_op.constant(filename or 'model', dtype=_dtypes.string, name='input')
                filename_tensor = g._create_op('PlaceholderWithDefault', [default],
                                               {'dtype': _dtypes.string, 'shape': TensorShape([])},
                                               name=scope)._outputs[0]
            with g.name_scope('Const') as scope:  # kept as "Const" for compatibility, as TF does
                filename_tensor = g._create_op('PlaceholderWithDefault', [filename_tensor],
                                               {'dtype': _dtypes.string, 'shape': TensorShape([])},
                                               name=scope)._outputs[0]
            if sharded:
                per_device = self._group_by_devices(saveables)
                save_tensor = self._add_sharded_save_ops(filename_tensor, per_device)
                restore_op = self._add_sharded_restore_ops(filename_tensor, per_device, reshape)
            else:
                save_tensor = self._add_save_ops(filename_tensor, saveables)
                restore_op = self._add_restore_ops(filename_tensor, saveables, reshape)
        return SaverDef(filename_tensor_name=filename_tensor.name, save_tensor_name=save_tensor.name,
                        restore_op_name=restore_op.name, max_to_keep=max_to_keep, sharded=sharded,
                        keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours, version=self._write_version)


BulkSaverBuilder = BaseSaverBuilder


# ------------------------------------------------------------------------------------------
# Saver.

def _prepend_name_scope(name, import_scope):
    if not import_scope:
        return name
    import_scope = import_scope[:-1] if import_scope.endswith('/') else import_scope
    return re.sub(r'([\^]|loc:@|^)(.*)', r'\g<1>' + import_scope.replace('\\', r'\\') + r'/\g<2>', name, count=1)


def _strip_name_scope(name, export_scope):
    if not export_scope:
        return name
    export_scope = export_scope[:-1] if export_scope.endswith('/') else export_scope
    return re.sub(r'([\^]|loc:@|^)' + re.escape(export_scope) + r'[\/]+(.*)', r'\1\2', name, count=1)


def _wrap_restore_error(err, what):
    message = ('Restoring from checkpoint failed. This is most likely due to %s from the checkpoint. Please ensure '
               'that you have not altered the graph expected based on the checkpoint. Original error:\n\n%s'
               % (what, err.message))
    wrapped = type(err)(None, err.op, message)
    wrapped._node_def = err._node_def
    return wrapped


_META_GRAPH_WARNED = []


def _meta_graph_module():
    """sluice.io.meta_graph when it exists (it is written separately), else None."""
    try:
        if importlib.util.find_spec('sluice.io.meta_graph') is None:
            return None
    except (ImportError, ValueError):
        return None
    return importlib.import_module('sluice.io.meta_graph')


def _is_empty(var_list):
    # A Variable refuses bool(); TF's `not var_list` takes one as non-empty (then rejects it).
    return var_list is None or (isinstance(var_list, (list, tuple, dict, set)) and not var_list)


class Saver:
    """Saves and restores variables in TF's V2 checkpoint format (tf.compat.v1.train.Saver)."""

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False, write_version=SaverDef.V2,
                 pad_step_number=False, save_relative_paths=False, filename=None):
        if defer_build and not _is_empty(var_list):
            raise ValueError('If `var_list` is provided then build cannot be deferred. Either set '
                             'defer_build=False or var_list=None.')
        if write_version != SaverDef.V2:
            logger.warning('sluice writes only the V2 checkpoint format; write_version=%s is written as V2.',
                           SaverDef.CheckpointFormatVersion.Name(write_version)
                           if write_version in SaverDef.CheckpointFormatVersion.values() else write_version)
            write_version = SaverDef.V2
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self._name = name
        self._restore_sequentially = restore_sequentially
        self.saver_def = saver_def
        self._builder = builder
        self._is_built = False
        self._allow_empty = allow_empty
        self._is_empty = None
        self._write_version = write_version
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._last_checkpoints = []
        self._checkpoints_to_be_deleted = []
        if not defer_build:
            self.build()
        if self.saver_def:
            self._check_saver_def()
            self._write_version = self.saver_def.version
        self._save_relative_paths = save_relative_paths

    # -- building --
    def build(self):
        self._build(self._filename)

    def _build(self, checkpoint_path):
        if self._is_built:
            return
        self._is_built = True
        if not self.saver_def:
            if self._builder is None:
                self._builder = BulkSaverBuilder(self._write_version)
            if self._var_list is None:
                self._var_list = all_saveable_objects()
            if _is_empty(self._var_list):
                if self._allow_empty:
                    self._is_empty = True
                    return
                raise ValueError('No variables to save')
            self._is_empty = False
            self.saver_def = self._builder._build_internal(
                self._var_list, reshape=self._reshape, sharded=self._sharded, max_to_keep=self._max_to_keep,
                keep_checkpoint_every_n_hours=self._keep_checkpoint_every_n_hours, name=self._name,
                restore_sequentially=self._restore_sequentially, filename=checkpoint_path)
        elif self._name:
            # With a saver_def, `name` is the scope the graph was imported under.
            d = self.saver_def
            d.filename_tensor_name = _prepend_name_scope(d.filename_tensor_name, self._name)
            d.save_tensor_name = _prepend_name_scope(d.save_tensor_name, self._name)
            d.restore_op_name = _prepend_name_scope(d.restore_op_name, self._name)
        self._check_saver_def()
        self._next_checkpoint_time = time.time() + self.saver_def.keep_checkpoint_every_n_hours * 3600

    def _check_saver_def(self):
        if not isinstance(self.saver_def, SaverDef):
            raise ValueError('saver_def must be a saver_pb2.SaverDef: %s' % self.saver_def)
        if not self.saver_def.save_tensor_name:
            raise ValueError('saver_def must specify the save_tensor_name: %s' % str(self.saver_def))
        if not self.saver_def.restore_op_name:
            raise ValueError('saver_def must specify the restore_op_name: %s' % str(self.saver_def))

    def as_saver_def(self):
        return self.saver_def

    def to_proto(self, export_scope=None):
        """The SaverDef, with `export_scope` stripped from its names (None if they are outside it)."""
        if export_scope is None:
            return self.saver_def
        d = self.saver_def
        if not (d.filename_tensor_name.startswith(export_scope) and d.save_tensor_name.startswith(export_scope)
                and d.restore_op_name.startswith(export_scope)):
            return None
        out = SaverDef()
        out.CopyFrom(d)
        out.filename_tensor_name = _strip_name_scope(out.filename_tensor_name, export_scope)
        out.save_tensor_name = _strip_name_scope(out.save_tensor_name, export_scope)
        out.restore_op_name = _strip_name_scope(out.restore_op_name, export_scope)
        return out

    @staticmethod
    def from_proto(saver_def, import_scope=None):
        return Saver(saver_def=saver_def, name=import_scope)

    # -- bookkeeping of the checkpoints kept --
    @property
    def last_checkpoints(self):
        """The checkpoint prefixes not deleted yet, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        """DEPRECATED (TF): use set_last_checkpoints_with_time."""
        assert isinstance(last_checkpoints, list)
        self._last_checkpoints = [(s, np.inf) for s in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        """Sets the list of (prefix, timestamp) pairs the Saver keeps track of."""
        assert isinstance(last_checkpoints_with_time, list)
        self._last_checkpoints = last_checkpoints_with_time

    def recover_last_checkpoints(self, checkpoint_paths):
        """Tracks the existing checkpoints among `checkpoint_paths`, timed by their files' mtimes."""
        with_times = []
        for path in checkpoint_paths:
            mtime = get_checkpoint_mtimes([path])
            if mtime:
                with_times.append((path, mtime[0]))
        self.set_last_checkpoints_with_time(with_times)

    def _record_last_checkpoint(self, latest_save_path):
        if not self.saver_def.max_to_keep:
            return
        self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != latest_save_path]
        self._last_checkpoints.append((latest_save_path, time.time()))
        if len(self._last_checkpoints) > self.saver_def.max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix='meta'):
        if not self._checkpoints_to_be_deleted:
            return
        path, stamp = self._checkpoints_to_be_deleted.pop(0)
        # Keep one checkpoint every keep_checkpoint_every_n_hours.
        if stamp > self._next_checkpoint_time:
            self._next_checkpoint_time += self.saver_def.keep_checkpoint_every_n_hours * 3600
            return
        try:
            remove_checkpoint(path, self.saver_def.version, meta_graph_suffix)
        except Exception as e:  # deleting is best effort, as in TF
            logger.warning('Ignoring: %s', e)

    # -- saving and restoring --
    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix='meta',
             write_meta_graph=True, write_state=True, strip_default_attrs=False, save_debug_info=False):
        """Saves the variables; returns the checkpoint prefix ('dir/model.ckpt-5'), None if empty."""
        if not self._is_built:
            raise RuntimeError('`build()` should be called before save if defer_build==True')
        if latest_filename is None:
            latest_filename = 'checkpoint'
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fsdecode(os.fspath(save_path))
        if global_step is not None:
            if not isinstance(global_step, (numbers.Integral, np.integer)):
                global_step = int(sess.run(global_step))
            checkpoint_file = '%s-%d' % (save_path, global_step)
            if self._pad_step_number:
                checkpoint_file = '%s-%s' % (save_path, '{:08d}'.format(global_step))
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename and not self._sharded:
                raise ValueError("'latest_filename' collides with 'save_path': '%s' and '%s'"
                                 % (latest_filename, save_path))
        if not callable(getattr(sess, 'run', None)):
            raise TypeError("'sess' must be a Session; %s" % (sess,))
        save_path_parent = os.path.dirname(save_path)
        model_checkpoint_path = None
        if not self._is_empty:
            try:
                model_checkpoint_path = sess.run(self.saver_def.save_tensor_name,
                                                 {self.saver_def.filename_tensor_name: checkpoint_file})
                if isinstance(model_checkpoint_path, bytes):
                    model_checkpoint_path = model_checkpoint_path.decode()
                model_checkpoint_path = str(model_checkpoint_path)
                if write_state:
                    self._record_last_checkpoint(model_checkpoint_path)
                    checkpoint_state.update_checkpoint_state_internal(
                        save_dir=save_path_parent, model_checkpoint_path=model_checkpoint_path,
                        all_model_checkpoint_paths=self.last_checkpoints, latest_filename=latest_filename,
                        save_relative_paths=self._save_relative_paths)
                    self._maybe_delete_old_checkpoints(meta_graph_suffix=meta_graph_suffix)
            except (errors.FailedPreconditionError, errors.NotFoundError) as exc:
                if not os.path.isdir(save_path_parent or '.'):
                    raise ValueError("Parent directory of {} doesn't exist, can't save.".format(save_path)) from exc
                raise
        if write_meta_graph:
            filename = checkpoint_state.meta_graph_filename(checkpoint_file, meta_graph_suffix=meta_graph_suffix)
            with sess.graph.as_default():
                self.export_meta_graph(filename, strip_default_attrs=strip_default_attrs,
                                       save_debug_info=save_debug_info)
        return model_checkpoint_path

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False, export_scope=None,
                          clear_devices=False, clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False):
        """Writes the default graph with this Saver's SaverDef as a MetaGraphDef (sluice.io.meta_graph)."""
        module = _meta_graph_module()
        if module is None:
            if not _META_GRAPH_WARNED:
                _META_GRAPH_WARNED.append(True)
                logger.warning('sluice.io.meta_graph is not available: the MetaGraphDef (%s) is not written.',
                               filename)
            return None
        kwargs = dict(filename=filename, graph=_graph.get_default_graph(), saver_def=self.saver_def)
        options = dict(collection_list=collection_list, as_text=as_text, export_scope=export_scope,
                       clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
                       strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info)
        kwargs.update({k: v for k, v in options.items() if v})  # only what differs from the defaults
        return module.export_meta_graph(**kwargs)

    def restore(self, sess, save_path):
        """Restores the variables from the checkpoint `save_path` (they need not be initialized)."""
        if self._is_empty:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        prefix = os.fsdecode(os.fspath(save_path))
        if not checkpoint_exists(prefix):
            raise ValueError('The passed save_path is not a valid checkpoint: ' + prefix)
        logger.info('Restoring parameters from %s', prefix)
        try:
            sess.run(self.saver_def.restore_op_name, {self.saver_def.filename_tensor_name: prefix})
        except errors.NotFoundError as err:
            raise _wrap_restore_error(err, 'a Variable name or other graph key that is missing') from None
        except errors.InvalidArgumentError as err:
            raise _wrap_restore_error(err, 'a mismatch between the current graph and the graph') from None


def _get_saver_or_default():
    """The Saver of the SAVERS collection, or a new sharded one added there (for Scaffold and hooks)."""
    savers = _graph.get_default_graph().get_collection(GraphKeys.SAVERS)
    if savers:
        if len(savers) > 1:
            raise RuntimeError('More than one item in collection {}. Please indicate which one to use by passing '
                               'it to the constructor.'.format(GraphKeys.SAVERS))
        return savers[0]
    saver = Saver(sharded=True, allow_empty=True)
    _graph.get_default_graph().add_to_collection(GraphKeys.SAVERS, saver)
    return saver
