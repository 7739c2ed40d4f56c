"""Fed values into GPU memory through pinned staging buffers on a copy stream (the plain path's feeds).

A host array in pageable memory is copied to a GPU synchronously: the Python thread waits for the
device to finish the work before it and the copy. Staged through a page-locked buffer, the copy is
asynchronous: `FeedUploader(device)` is the copy step of one fed value; each call
  1. waits (on an event, host side) until its previous copy has left the staging buffer,
  2. copies the value into the staging buffer (host memory speed) and allocates the device array,
  3. queues the host-to-device copy on the device's copy stream after the work queued so far on the
     current stream (whose freed blocks the new array may reuse), and makes the current stream wait
     for the copy before the step's kernels,
so the thread goes on queueing kernels while the copy runs. Where pinned memory cannot be had, or on a
NumPy-backed fake GPU, the same steps run with a NumPy staging buffer and the copy is a plain one.
The captured path (`engine/capture_backends.py`) stages its fixed input buffers the same way, and
batches a queue dequeue builds for a GPU consumer are uploaded by `upload_async` (engine/pinned_batches.py).
"""
import threading

import numpy as np

_MEMCPY_HOST_TO_DEVICE = 1
_copy_streams = {}
_lock = threading.Lock()


class FeedUploader:
    """The copy step of one fed value to `device` (a GPU)."""

    def __init__(self, device):
        self.device = device
        self._staging = None
        self._copied = None   # event: the last copy out of the staging buffer is done
        self._pinned = not device.fake
        self._lock = threading.Lock()  # runs of one plan may come from several threads

    def __call__(self, value):
        if not isinstance(value, np.ndarray) or value.dtype == object:
            return self.device.from_host(value)
        with self._lock:
            if not self._pinned:
                return np.array(self._stage(value, np.empty), copy=True)
            try:
                return self._upload(value)
            except Exception:  # no pinned memory or no stream here: copy as a plain feed does, from now on
                self._pinned = False
                return self.device.from_host(value)

    def _stage(self, value, allocate):
        staging = self._staging
        if staging is None or staging.shape != value.shape or staging.dtype != value.dtype:
            staging = self._staging = allocate(value.shape, value.dtype)
        np.copyto(staging, value)
        return staging

    def _upload(self, value):
        cp = self.device.xp
        with self.device.context():
            if self._copied is not None:
                self._copied.synchronize()
            staging = self._stage(value, lambda shape, dtype: pinned_array(cp, shape, dtype))
            out, self._copied = upload_async(cp, self.device, staging)
        return out


def upload_async(cp, device, staging):
    """(device array, event): steps 2-3 above for a pinned host array `staging`, under device's context.
    The caller must not write `staging` again before the event has completed."""
    out = cp.empty(staging.shape, staging.dtype)
    current = cp.cuda.get_current_stream()
    copy_stream = _copy_stream(cp, device)
    copy_stream.wait_event(current.record())
    if staging.nbytes:
        cp.cuda.runtime.memcpyAsync(out.data.ptr, staging.ctypes.data, staging.nbytes,
                                    _MEMCPY_HOST_TO_DEVICE, copy_stream.ptr)
    copied = copy_stream.record()
    current.wait_event(copied)
    return out, copied


def _copy_stream(cp, device):
    with _lock:
        stream = _copy_streams.get(device.physical_index)
        if stream is None:
            stream = _copy_streams[device.physical_index] = cp.cuda.Stream(non_blocking=True)
        return stream


def pinned_array(cp, shape, dtype):
    """A NumPy array in page-locked host memory (CuPy's pinned pool), for asynchronous copies."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    memory = cp.cuda.alloc_pinned_memory(max(count * dtype.itemsize, 1))
    return np.frombuffer(memory, dtype, count).reshape(shape)
