"""Reading checkpoints directly: tf.train.NewCheckpointReader, load_checkpoint, list_variables,
load_variable, and the polling helpers wait_for_new_checkpoint and checkpoints_iterator.

A CheckpointReader opens a V2 bundle (`<prefix>.index` + data files, sluice.io.checkpoint_bundle)
and reads tensors by name as NumPy values; a directory stands for its latest checkpoint (the
`checkpoint` state file). V1 checkpoints are not supported: opening one is TF's DataLossError.
"""
import os
import time

from sluice.engine import errors
from sluice.engine.log import logger
from sluice.io import checkpoint_bundle
from sluice.io.checkpoint_state import latest_checkpoint


class CheckpointReader:
    """TF's CheckpointReader over a V2 checkpoint: tensors by name, as NumPy values."""

    def __init__(self, filepattern):
        prefix = os.fsdecode(os.fspath(filepattern)) if not isinstance(filepattern, str) else filepattern
        if not os.path.exists(checkpoint_bundle.index_filename(prefix)):
            if os.path.isdir(prefix):
                raise errors.DataLossError(
                    'Unable to open table file %s: FAILED_PRECONDITION: %s; Is a directory: perhaps your file is '
                    'in a different file format and you need to use a different restore operator?' % (prefix, prefix))
            if os.path.exists(prefix):
                raise errors.DataLossError(
                    'Unable to open table file %s: DATA_LOSS: not a V2 checkpoint (V1 checkpoints are not supported '
                    'by sluice): perhaps your file is in a different file format and you need to use a different '
                    'restore operator?' % prefix)
            raise errors.NotFoundError('Unsuccessful TensorSliceReader constructor: Failed to find any matching '
                                       'files for %s' % prefix)
        self._reader = checkpoint_bundle.BundleReader(prefix)
        self._reader.close()  # reopened per read: no file stays open between calls

    def has_tensor(self, name):
        return self._reader.has_tensor(name)

    def get_tensor(self, name):
        """The tensor `name` (0-d ones as NumPy scalars, strings as bytes); NotFoundError if absent."""
        try:
            value = self._reader.read(name)
        finally:
            self._reader.close()
        return value[()] if value.ndim == 0 else value

    def get_variable_to_shape_map(self):
        return self._reader.get_variable_to_shape_map()

    def get_variable_to_dtype_map(self):
        return self._reader.get_variable_to_dtype_map()

    def debug_string(self):
        return self._reader.debug_string().encode()


def NewCheckpointReader(filepattern):  # noqa: N802 (TF's name)
    """A CheckpointReader of the checkpoint `filepattern` (a prefix such as 'dir/model.ckpt-5')."""
    return CheckpointReader(filepattern)


def checkpoint_filename(ckpt_dir_or_file):
    ckpt_dir_or_file = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(ckpt_dir_or_file):
        return latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file):
    """A CheckpointReader of a checkpoint prefix, or of the latest checkpoint of a directory."""
    filename = checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s" % ckpt_dir_or_file)
    return NewCheckpointReader(filename)


def list_variables(ckpt_dir_or_file):
    """[(name, shape list)] of the checkpoint's tensors, sorted by name."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


def load_variable(ckpt_dir_or_file, name):
    """The value of tensor `name` ('v' or 'v:0') in the checkpoint."""
    if name.endswith(':0'):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1, timeout=None):
    """The latest checkpoint of `checkpoint_dir` once it differs from `last_checkpoint`; None on timeout."""
    logger.info('Waiting for new checkpoint at %s', checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        path = latest_checkpoint(checkpoint_dir)
        if path is None or path == last_checkpoint:
            if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
                return None
            time.sleep(seconds_to_sleep)
        else:
            logger.info('Found new checkpoint at %s', path)
            return path


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yields each new checkpoint of `checkpoint_dir` as it appears (TF's polling loop)."""
    path = None
    while True:
        new_path = wait_for_new_checkpoint(checkpoint_dir, path, timeout=timeout)
        if new_path is None:
            if not timeout_fn:
                logger.info('Timed-out waiting for a checkpoint.')
                return
            if timeout_fn():
                return
            continue
        start = time.time()
        path = new_path
        yield path
        wait = start + min_interval_secs - time.time()
        if wait > 0:
            time.sleep(wait)
