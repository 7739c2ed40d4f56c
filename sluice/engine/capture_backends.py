"""How a captured plan (`engine/graph_capture.py`) is recorded and replayed on each kind of GPU.

A backend gives the capture pass its fixed buffers and records it:
  input_buffer(value, executing)  the fixed device buffer a fed value is copied into at every replay
                        (holding the value when the pass executes);
  upload(host value)    a host value's device copy, made once, outside the graph;
  capture(pass, registers, recorded) -> (graph, None) or (None, reason): runs the pass, which fills
                        `registers` with every value and `recorded` with the device steps
                        (fn, input registers, output registers, multi_output);
  executes_capture      whether the pass itself ran the steps (then it is the run) or only recorded them;
  warms_before_capture  whether the run before the capture runs the pass for real through warm(pass),
                        with the capture's allocation pattern; host_copier() then copies its fetches.
The graph it returns has launch([(input buffer, fed value)]) and copy_out(device buffers) -> host copies.

CudaGraphBackend (CuPy on a real GPU): the pass runs under stream capture on a blocking stream of
its own (blocking streams are ordered with CuPy's legacy default stream, where the plain path runs).
Every device allocation made during the pass goes through an allocator that keeps it for the
program's life: a temporary freed inside a kernel goes back to no pool while the graph may write
it. cuBLAS gets this stream's workspace before capture (a warm-up product on the stream and
cublasSetWorkspace), since allocating it under capture is not allowed. Feeds are staged in pinned
host buffers and copied on a copy stream that waits for the previous launch; the compute stream
waits for the copies. Fetches are copied into pinned buffers on the compute stream and one
synchronize of that stream (not of the device) ends the run; the staging buffers are reused, so
the next replay's staging waits (on an event) only for the previous copies.

ReplayBackend (NumPy-backed fake GPUs): the pass runs the steps for real and keeps their arrays as
the fixed buffers; a replay copies the feeds into the input buffers and calls the recorded step
functions on the fixed buffers, writing each result into its step's captured output buffer, as a
graph's kernels write their captured addresses. So capturability, buffer reuse, feeds into fixed
buffers, fetch copies, variable identity and the fallbacks are tested where no GPU is.
"""
import threading

import numpy as np

from sluice.engine import feed_staging
from sluice.engine.resources import VariableSlot

CUBLAS_WORKSPACE_BYTES = 32 * 1024 * 1024  # cuBLAS's recommendation for Hopper; 4 MiB would do before it
_MEMCPY_HOST_TO_DEVICE, _MEMCPY_DEVICE_TO_HOST = 1, 2
_backends = {}
_lock = threading.Lock()


def for_device(device):
    """(backend, None) for the GPU `device`, or (None, the reason it cannot capture)."""
    if device.fake:
        return ReplayBackend(), None
    cp = device.xp
    if not hasattr(cp.cuda.Stream, 'begin_capture') or getattr(cp.cuda.runtime, 'is_hip', False):
        return None, 'this CuPy build cannot capture streams'
    with _lock:
        backend = _backends.get(device.physical_index)
        if backend is None:
            try:
                backend = _backends[device.physical_index] = CudaGraphBackend(device)
            except Exception as e:  # no stream for us: the plan runs plain
                return None, 'no capture stream (%s: %s)' % (type(e).__name__, e)
    return backend, None


# -- fake GPUs ---------------------------------------------------------------------------------------

class ReplayBackend:
    executes_capture = True
    warms_before_capture = False

    def input_buffer(self, value, executing=True):
        return np.array(value, copy=True)

    def upload(self, value):
        return np.array(value, copy=True)

    def capture(self, capture_pass, registers, recorded):
        capture_pass()
        entries = []
        for fn, ins, outs, multi in recorded:
            out_buffers = tuple(None if r is None else registers[r] for r in outs)
            for b in out_buffers:
                if b is not None and not isinstance(b, (np.ndarray, VariableSlot)):
                    return None, 'a step returned %s, which a replay cannot write into' % type(b).__name__
            entries.append((fn, tuple(registers[r] for r in ins), out_buffers, multi))
        return ClosureReplay(entries, registers), None


class ClosureReplay:
    """The fake GPU's graph: the device steps' functions over their captured buffers."""

    def __init__(self, entries, registers):
        self.entries = entries
        self.registers = registers  # keeps every captured value alive, as the real graph's memory

    def launch(self, inputs):
        for buffer, value in inputs:
            np.copyto(buffer, value)
        for fn, args, outs, multi in self.entries:
            result = fn(*args)
            for buffer, value in zip(outs, result if multi else (result,)):
                if value is buffer or buffer is None:
                    continue
                if not isinstance(buffer, np.ndarray) or value.shape != buffer.shape or value.dtype != buffer.dtype:
                    raise RuntimeError('a replayed step gave %r where its capture gave %r' % (value, buffer))
                np.copyto(buffer, value)

    def copy_out(self, buffers):
        return [np.array(b, copy=True) for b in buffers]


# -- real GPUs ---------------------------------------------------------------------------------------

class CudaGraphBackend:
    executes_capture = False
    warms_before_capture = True

    def __init__(self, device):
        cp = self.cp = device.xp
        self.device = device
        with device.context():
            self.stream = cp.cuda.Stream()        # blocking: ordered with the plain path's legacy stream
            self.copy_stream = cp.cuda.Stream()
            self.side_stream = cp.cuda.Stream(non_blocking=True)  # uploads during a capture
        self._workspace = None

    def input_buffer(self, value, executing):
        return self.cp.asarray(value) if executing else self.cp.empty(value.shape, value.dtype)

    def upload(self, value):
        with self.side_stream:
            array = self.cp.asarray(value)
        self.side_stream.synchronize()
        return array

    def _keeping_allocator(self, kept):
        allocate = self.cp.cuda.get_allocator()

        def malloc(size):
            memory = allocate(size)
            kept.append(memory)  # not back to the pool while the pass (or the graph) lives
            return memory
        return self.cp.cuda.using_allocator(malloc)

    def warm(self, warm_pass):
        """Runs the pass for real on the capture stream, keeping every block it allocates until it
        ends: the stream's pool then holds cached what the capture will ask for, so the capture
        needs no cudaMalloc (nor the cudaFree of a pool retrying after one failed)."""
        kept = []
        with self.device.context(), self.stream, self._keeping_allocator(kept):
            warm_pass()

    def host_copier(self):
        return _HostCopier(self)

    def capture(self, capture_pass, registers, recorded):
        cp, stream = self.cp, self.stream
        kept = []
        with self.device.context():
            self._prepare_cublas()
            with stream, self._keeping_allocator(kept):
                stream.begin_capture()
                try:
                    capture_pass()
                except BaseException:
                    _end_quietly(stream)
                    raise
                graph = stream.end_capture()
            graph.upload(stream)
        return CudaGraph(self, graph, kept, registers), None

    def _prepare_cublas(self):
        """Gives cuBLAS its workspace on the capture stream before capture."""
        cp, stream = self.cp, self.stream
        with stream:
            a = cp.ones((16, 16), cp.float32)
            cp.matmul(a, a)  # cuBLAS sets up this stream's default workspace now, outside the capture
        try:
            from cupy_backends.cuda.libs import cublas
        except ImportError:  # older layouts
            from cupy.cuda import cublas
        set_workspace = getattr(cublas, 'setWorkspace', None)
        if set_workspace is not None:
            if self._workspace is None:
                self._workspace = cp.cuda.alloc(CUBLAS_WORKSPACE_BYTES)
            handle = cp.cuda.device.get_cublas_handle()
            cublas.setStream(handle, stream.ptr)
            set_workspace(handle, self._workspace.ptr, CUBLAS_WORKSPACE_BYTES)
        stream.synchronize()


class _HostCopier:
    """copy_out for the warm-up run's fetches: copies on the capture stream, then waits for it."""

    def __init__(self, backend):
        self.backend = backend

    def copy_out(self, buffers):
        b = self.backend
        with b.device.context():
            copies = [b.cp.asnumpy(buffer, stream=b.stream) for buffer in buffers]
            b.stream.synchronize()
        return copies


def _end_quietly(stream):
    try:
        stream.end_capture()
    except Exception:  # an invalidated capture ends with an error of its own: the first one is the story
        pass


class CudaGraph:
    """One instantiated graph with its memory, its pinned staging buffers and its ordering events."""

    def __init__(self, backend, graph, kept, registers):
        self.backend, self.graph, self.kept, self.registers = backend, graph, kept, registers
        self._in_staging, self._out_staging = {}, {}
        self._copied = self._launched = None

    def launch(self, inputs):
        b = self.backend
        cp = b.cp
        memcpy = cp.cuda.runtime.memcpyAsync
        with b.device.context():
            if self._copied is not None:
                self._copied.synchronize()  # the previous replay's copies have left the staging buffers
            staged = []
            for k, (buffer, value) in enumerate(inputs):
                pinned = self._in_staging.get(k)
                if pinned is None:
                    pinned = self._in_staging[k] = feed_staging.pinned_array(cp, buffer.shape, buffer.dtype)
                np.copyto(pinned, value)  # overlaps the previous launch, still running on the device
                staged.append((buffer, pinned))
            if self._launched is not None:
                b.copy_stream.wait_event(self._launched)  # it still reads the input buffers
            for buffer, pinned in staged:
                memcpy(buffer.data.ptr, pinned.ctypes.data, pinned.nbytes, _MEMCPY_HOST_TO_DEVICE, b.copy_stream.ptr)
            self._copied = b.copy_stream.record()
            b.stream.wait_event(self._copied)
            self.graph.launch(b.stream)
            self._launched = b.stream.record()

    def copy_out(self, buffers):
        b = self.backend
        cp = b.cp
        copies = []
        with b.device.context(), b.stream:
            for k, buffer in enumerate(buffers):
                if not buffer.flags.c_contiguous:
                    buffer = cp.ascontiguousarray(buffer)  # on the compute stream, after the graph
                pinned = self._out_staging.get(k)
                if pinned is None or pinned.shape != buffer.shape:
                    pinned = self._out_staging[k] = feed_staging.pinned_array(cp, buffer.shape, buffer.dtype)
                cp.cuda.runtime.memcpyAsync(pinned.ctypes.data, buffer.data.ptr, pinned.nbytes,
                                            _MEMCPY_DEVICE_TO_HOST, b.stream.ptr)
                copies.append(pinned)
            b.stream.synchronize()  # this stream only: a fetched scalar is one small copy and this wait
        return [p.copy() for p in copies]
