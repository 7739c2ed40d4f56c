"""Batches assembled in page-locked host memory for GPU consumers (queue dequeues feeding GPU steps).

A kernel that builds its outputs in host memory (QueueDequeueManyV2/UpToV2: the batches of
tf.train.batch, shuffle_batch and queue runners) asks its KernelContext for `pinned_batches()` at
plan time. The plan gives it a `PinnedBatches` pool when every output of the node is read only by
steps on one GPU (not fetched, not fed, not read in host memory), and the copy steps of those outputs
become the pool's `upload`. Each run:
  1. the kernel writes the batch straight into `acquire(output, shape, dtype)`: a buffer of a ring
     kept per (output, shape, dtype) whose last copy to the device has completed; a new buffer is
     made while the ring holds fewer than `depth`, else the oldest copy is waited for (host side);
  2. the copy step calls `upload(value)`: for one of the pool's buffers it queues the host-to-device
     copy on the device's copy stream (`feed_staging.upload_async`: after the work already queued
     on the current stream, which the current stream then waits for) and gives the buffer back to
     its ring with the copy's event: the buffer is reused only once that event has completed, so a
     batch is never overwritten while its copy still reads it. Any other value (a padded batch,
     strings) is copied as before.
The Python thread thus never waits for a batch's copy: it queues the step's kernels and assembles
the next batch while the device copies and computes. On NumPy-backed fake GPUs, and where pinned
memory cannot be had, the same steps run with NumPy buffers and a plain copy (an event that has
always completed); `copies` takes another backend (the tests' deferred copies). A buffer whose batch
is never uploaded (a run failing between the dequeue and its copy) stays out of its ring.
SLUICE_PINNED_BATCHES=0, read when a plan is made, turns this off (plain synchronous copies).
"""
import os
import threading

import numpy as np

from sluice.engine import feed_staging


def enabled():
    """Whether plans may give kernels pinned batch pools (SLUICE_PINNED_BATCHES is not 0)."""
    return os.environ.get('SLUICE_PINNED_BATCHES', '1') != '0'


class HostCopies:
    """Buffers in ordinary host memory, copied with the device's plain copy (complete on return)."""

    def __init__(self, device):
        self.device = device

    def allocate(self, shape, dtype):
        return np.empty(shape, dtype)

    def copy(self, buffer):
        return self.device.from_host(buffer), None

    def done(self, event):
        return True

    def wait(self, event):
        pass


class StreamCopies(HostCopies):
    """Page-locked buffers (CuPy's pinned pool) copied asynchronously on the device's copy stream."""

    def allocate(self, shape, dtype):
        return feed_staging.pinned_array(self.device.xp, shape, dtype)

    def copy(self, buffer):
        with self.device.context():
            return feed_staging.upload_async(self.device.xp, self.device, buffer)

    def done(self, event):
        return event is None or event.done

    def wait(self, event):
        if event is not None:
            event.synchronize()


class _Slot:
    __slots__ = ('array', 'event', 'held', 'used')

    def __init__(self, array):
        self.array, self.event, self.held, self.used = array, None, False, 0


class PinnedBatches:
    """The ring of host buffers of one node's outputs bound for `device` (see the module docstring).

    Counters (for tests and benchmarks): allocated, reused, waited (acquires that had to wait for a
    copy), uploaded (batches copied from a pool buffer), passed (other values copied plainly)."""

    def __init__(self, device, depth=3, copies=None):
        self.device, self.depth = device, depth
        self.copies = copies or (HostCopies(device) if device.fake else StreamCopies(device))
        self._rings = {}    # (output, shape, dtype) -> [_Slot]
        self._held = {}     # id(array) -> _Slot handed to the kernel, not uploaded yet
        self._lock = threading.Lock()   # runs of one plan may come from several threads
        self._clock = 0
        self.allocated = self.reused = self.waited = self.uploaded = self.passed = 0

    def acquire(self, output, shape, dtype):
        """A host buffer of `shape` and `dtype` for output `output` that no copy is reading."""
        key = (output, tuple(shape), np.dtype(dtype).str)
        with self._lock:
            ring = self._rings.setdefault(key, [])
            free = [s for s in ring if not s.held and self.copies.done(s.event)]
            if free:
                slot = min(free, key=lambda s: s.used)
                self.reused += 1
            elif sum(not s.held for s in ring) < self.depth:
                slot = self._new_slot(ring, shape, dtype)
            else:   # every buffer is being copied: wait for the oldest copy
                slot = min((s for s in ring if not s.held), key=lambda s: s.used)
                self.copies.wait(slot.event)
                self.waited += 1
                self.reused += 1
            slot.held, slot.event = True, None
            self._clock += 1
            slot.used = self._clock
            self._held[id(slot.array)] = slot
            return slot.array

    def _new_slot(self, ring, shape, dtype):
        try:
            array = self.copies.allocate(shape, dtype)
        except Exception:  # no pinned memory here: ordinary buffers and plain copies from now on
            self.copies = HostCopies(self.device)
            array = self.copies.allocate(shape, dtype)
        slot = _Slot(array)
        ring.append(slot)
        self.allocated += 1
        return slot

    def upload(self, value):
        """The device copy of `value`; a pool buffer goes back to its ring with its copy's event."""
        with self._lock:
            slot = self._held.get(id(value))
            if slot is None or slot.array is not value:
                self.passed += 1
                slot = None
            else:
                del self._held[id(value)]
        if slot is None:
            return self.device.from_host(value)
        try:
            out, event = self.copies.copy(value)
        except BaseException:
            with self._lock:
                slot.held = False
            raise
        with self._lock:    # the event and the buffer's return to the ring together
            slot.event, slot.held = event, False
            self.uploaded += 1
        return out

    def buffers(self):
        """The pool's host buffers, in rings (for tests)."""
        with self._lock:
            return [s.array for ring in self._rings.values() for s in ring]
