"""CPU kernels of the checkpoint ops: SaveV2, RestoreV2, MergeV2Checkpoints, ShardedFilename, StringJoin.

They touch files, so they exist for the CPU only: a variable on a GPU reaches SaveV2 through the
executor's device-to-host copy, and a restored value reaches a GPU variable's Assign through a
host-to-device copy.  The file format is sluice.io.checkpoint_bundle's (TF's tensor bundle):

  * SaveV2 streams every tensor into a BundleWriter, which writes temporary files and renames
    them into place only when all tensors are written: a failure part way leaves whatever was
    under the prefix before untouched.  As TF's BundleWriter, it creates the prefix's directory
    but not its parent ("<dir>; No such file or directory" otherwise).
  * RestoreV2 opens the bundle's index once per run and reads each tensor with one read,
    checking its dtype against the op's `dtypes` as TF does.
  * MergeV2Checkpoints is TF's merge step of a sharded save: one index over the shards' data
    files (renamed, not copied), then, with delete_old_dirs, the shards' directories removed.
String tensors are NumPy object arrays of bytes.
"""
import os

import numpy as np

from sluice.engine import errors
from sluice.io import checkpoint_bundle
from sluice.kernels.graph_kernels import tf_type_name
from sluice.kernels.registry import register_kernel
from sluice.ops.io_ops import parse_shape_and_slice


def _text(value):
    """A scalar string tensor's value as str (paths, names)."""
    item = value.item() if isinstance(value, np.ndarray) else value
    return os.fsdecode(item) if isinstance(item, (bytes, bytearray)) else str(item)


def _texts(value):
    return [_text(v) for v in np.asarray(value, dtype=object).reshape(-1).tolist()]


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _scalar_prefix(op, value, what='prefix'):
    if np.ndim(value) != 0:
        raise _invalid(op, 'Input %s should be a scalar tensor, got shape %s' % (what, list(np.shape(value))))
    return _text(value)


def _check_parent(op, prefix):
    """TF's BundleWriter makes the prefix's directory, one level: its parent must exist."""
    folder = os.path.dirname(prefix)
    if folder and not os.path.isdir(folder) and not os.path.isdir(os.path.dirname(folder) or '.'):
        raise errors.error_for_op(errors.NotFoundError, op, '%s; No such file or directory' % folder)


@register_kernel('SaveV2', devices=('CPU',))
def save_v2(op, ctx):
    dtypes = list(op.get_attr('dtypes'))
    const_names, const_specs = ctx.constant_input(1), ctx.constant_input(2)
    fixed_names = None if const_names is None else _texts(const_names)
    fixed_specs = None if const_specs is None else _texts(const_specs)

    def run(prefix, names, specs, *tensors):
        prefix = _scalar_prefix(op, prefix)
        names = fixed_names if fixed_names is not None else _texts(names)
        specs = fixed_specs if fixed_specs is not None else _texts(specs)
        if len(names) != len(tensors) or len(specs) != len(tensors):
            raise _invalid(op, 'Got %d tensor_names, %d shape_and_slices and %d tensors; they must be equal'
                           % (len(names), len(specs), len(tensors)))
        _check_parent(op, prefix)
        # Temp files renamed into place: a process that dies mid-save leaves the previous checkpoint
        # intact. No fsync, as TF: a power cut may lose the newest checkpoint, not an older one.
        with checkpoint_bundle.BundleWriter(prefix, sync=False) as writer:
            for name, spec, tensor, dtype in zip(names, specs, tensors, dtypes):
                if not spec:
                    writer.add(name, tensor, dtype)
                    continue
                try:
                    full, part = parse_shape_and_slice(spec)
                except ValueError as e:
                    raise _invalid(op, str(e)) from None
                writer.add_slice(name, full, part, tensor, dtype)
    return run


def _missing_checkpoint(op, prefix):
    # TF falls back to the V1 reader when prefix.index is absent; this is its message.
    return errors.error_for_op(errors.NotFoundError, op, 'Unsuccessful TensorSliceReader constructor: Failed to '
                               'find any matching files for %s' % prefix)


def _slice_matches(op, name, entry_shape, full):
    if list(entry_shape) != list(full):
        raise _invalid(op, 'tensor_name = %s; shape in shape_and_slice spec %s does not match the shape stored in '
                       'checkpoint: %s' % (name, '[%s]' % ','.join(map(str, full)),
                                           '[%s]' % ','.join(map(str, entry_shape))))


@register_kernel('RestoreV2', devices=('CPU',), multi_output=True, fresh_output=True)
def restore_v2(op, ctx):
    dtypes = [d.base_dtype for d in op.get_attr('dtypes')]
    const_names, const_specs = ctx.constant_input(1), ctx.constant_input(2)
    fixed_names = None if const_names is None else _texts(const_names)
    fixed_specs = None if const_specs is None else _texts(const_specs)

    def run(prefix, names, specs):
        prefix = _scalar_prefix(op, prefix)
        names = fixed_names if fixed_names is not None else _texts(names)
        specs = fixed_specs if fixed_specs is not None else _texts(specs)
        if len(names) != len(dtypes) or len(specs) != len(dtypes):
            raise _invalid(op, 'Got %d tensor_names and %d shape_and_slices for %d dtypes; they must be equal'
                           % (len(names), len(specs), len(dtypes)))
        if not os.path.exists(checkpoint_bundle.index_filename(prefix)):
            raise _missing_checkpoint(op, prefix)
        with checkpoint_bundle.BundleReader(prefix) as reader:
            out = []
            for name, spec, dtype in zip(names, specs, dtypes):
                stored, shape = reader.dtype_and_shape(name)  # NotFoundError "Key ... not found in checkpoint"
                if stored.base_dtype != dtype:
                    raise _invalid(op, 'tensor_name = %s; expected dtype %s does not equal original dtype %s'
                                   % (name, tf_type_name(dtype), tf_type_name(stored)))
                if not spec:
                    out.append(reader.read(name))
                    continue
                try:
                    full, part = parse_shape_and_slice(spec)
                except ValueError as e:
                    raise _invalid(op, str(e)) from None
                _slice_matches(op, name, shape.as_list(), full)
                out.append(reader.read_slice(name, part))
        return out
    return run


@register_kernel('MergeV2Checkpoints', devices=('CPU',))
def merge_v2_checkpoints(op, ctx):
    delete_old_dirs = op.get_attr('delete_old_dirs')
    allow_missing = op.get_attr('allow_missing_files')

    def run(prefixes, destination):
        destination = _scalar_prefix(op, destination, 'destination_prefix')
        sources = _texts(prefixes)
        if allow_missing:
            sources = [p for p in sources if os.path.exists(checkpoint_bundle.index_filename(p))]
        for p in sources:
            if not os.path.exists(checkpoint_bundle.index_filename(p)):
                raise errors.error_for_op(errors.NotFoundError, op, '%s; No such file or directory'
                                          % checkpoint_bundle.index_filename(p))
        checkpoint_bundle.merge_bundles(sources, destination)
        if delete_old_dirs:
            merged_dir = os.path.dirname(destination)
            for p in sources:
                folder = os.path.dirname(p)
                if folder != merged_dir:
                    try:
                        os.rmdir(folder)  # the first shard's removal empties it; the others find it gone
                    except OSError:
                        pass
    return run


@register_kernel('ShardedFilename', devices=('CPU',), fresh_output=True)
def sharded_filename(op, ctx):
    def run(basename, shard, num_shards):
        name = '%s-%05d-of-%05d' % (_scalar_prefix(op, basename, 'basename'), int(shard), int(num_shards))
        return np.array(os.fsencode(name), dtype=object)
    return run


@register_kernel('StringJoin', devices=('CPU',), fresh_output=True)
def string_join(op, ctx):
    separator = op.get_attr('separator')
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)

    def as_bytes(v):
        return v if isinstance(v, bytes) else v.encode() if isinstance(v, str) else bytes(v)

    def run(*inputs):
        arrays = [np.asarray(x, dtype=object) for x in inputs]
        shape = None
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                continue
            if shape is None:
                shape = a.shape
            elif a.shape != shape:
                raise _invalid(op, 'Input shapes do not match: %s vs. %s'
                               % ('[%s]' % ','.join(map(str, shape)), '[%s]' % ','.join(map(str, a.shape))))
        if shape is None:
            return np.array(sep.join(as_bytes(a.item()) for a in arrays), dtype=object)
        columns = [[a.item()] * int(np.prod(shape)) if a.ndim == 0 else a.reshape(-1).tolist() for a in arrays]
        out = np.empty(len(columns[0]) if columns else 0, dtype=object)
        out[:] = [sep.join(as_bytes(v) for v in row) for row in zip(*columns)]
        return out.reshape(shape)
    return run
