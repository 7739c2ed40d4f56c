"""The size of the BLAS thread pool NumPy's matrix products run on.

ConfigProto.intra_op_parallelism_threads maps onto it (the Session calls set_num_threads).
No dependency is added: after NumPy is imported its BLAS is already loaded in the process, so

  1. find it: the shared objects mapped into the process (/proc/self/maps on Linux) whose file
     name says OpenBLAS (NumPy 2.x wheels bundle it as libscipy_openblas64_), MKL or BLIS; where
     /proc is absent, the libraries shipped next to NumPy (numpy.libs, numpy/.dylibs) and the
     symbols already global in the process;
  2. open each with ctypes (the loader hands back the copy already mapped) and take the first
     (set, get) pair of symbols it exports, in the order of _APIS below: the scipy_openblas names
     with and without the 64-bit-integer suffix, plain OpenBLAS, MKL, BLIS.

`follow(listener)` hands each size set to sluice's own threaded loops, which split to match.
Every function returns quietly when no BLAS is found (set_num_threads returns False and logs at
debug level), since the thread count only tunes speed. The lookup runs once and is cached.

The default (ConfigProto.intra_op_parallelism_threads == 0, "the system picks"): threads follow the
cores that are actually free. OpenBLAS splits a product into equal parts, one per thread, and its
workers spin while they wait; when another process holds one of the cores, the part on that core
finishes late, every product waits for it and the spinning workers take CPU from the thread doing
the real work (measured: 6-10x slower steps with one competing process on two cores). So a
daemon thread (FreeCoreTracker) samples, every SAMPLE_SECONDS,

    others = (CPU time all CPUs were busy, from /proc/stat) - (this process's CPU time)
             ------------------------------------------------------------------------
                                     wall time of the interval

smooths it (exponential average) and sets the pool to round(cores - others), between 1 and the
pool's size at start (which already honours the CPU affinity mask). This process's own threads,
spinning or not, are left out of `others`, so the pool does not shrink because of itself.
The tracker is not started where the user fixed the count: a positive intra_op setting, or one of
the BLAS's environment variables (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS, ...),
nor where /proc/stat is absent (the pool then keeps the BLAS's own default).
"""
import ctypes
import glob
import logging
import os
import threading
import time

logger = logging.getLogger('sluice')

# (name, setter, getter); each takes/returns a C int.
_APIS = (
    ('scipy_openblas64', 'scipy_openblas_set_num_threads64_', 'scipy_openblas_get_num_threads64_'),
    ('scipy_openblas32', 'scipy_openblas_set_num_threads', 'scipy_openblas_get_num_threads'),
    ('openblas64', 'openblas_set_num_threads64_', 'openblas_get_num_threads64_'),
    ('openblas', 'openblas_set_num_threads', 'openblas_get_num_threads'),
    ('mkl', 'MKL_Set_Num_Threads', 'MKL_Get_Max_Threads'),
    ('blis', 'bli_thread_set_num_threads', 'bli_thread_get_num_threads'),
)
# Substrings of a library's file name that mark it as a BLAS worth opening.
_NAME_HINTS = ('openblas', 'mkl_rt', 'libmkl', 'blis')

_lock = threading.Lock()
_listeners = []  # functions told each pool size set through sluice (follow())
_found = []      # [] before the lookup; then [backend] or [None]
_pool_size = []  # [the pool's size when the BLAS was found]: the most threads the default uses


class _Backend:
    """One loaded BLAS with its thread-count setter and getter."""

    def __init__(self, api, path, setter, getter):
        self.api = api
        self.path = path
        self._set = setter
        self._get = getter

    def set(self, n):
        self._set(n)
        for listener in _listeners:
            listener(n)

    def get(self):
        return int(self._get())


def _mapped_libraries():
    """Paths of the BLAS-looking shared objects mapped into this process, in map order."""
    paths = []
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) < 6:
                    continue
                path = parts[5].strip()
                base = os.path.basename(path).lower()
                if path.startswith('/') and any(h in base for h in _NAME_HINTS) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    return paths


def _bundled_libraries():
    """BLAS libraries shipped with the NumPy wheel (for systems without /proc)."""
    import numpy
    root = os.path.dirname(numpy.__file__)
    paths = []
    for pattern in (os.path.join(root, os.pardir, 'numpy.libs', '*'), os.path.join(root, '.dylibs', '*'),
                    os.path.join(root, os.pardir, 'scipy_openblas*', 'lib', '*')):
        for path in sorted(glob.glob(pattern)):
            if any(h in os.path.basename(path).lower() for h in _NAME_HINTS) and path not in paths:
                paths.append(os.path.normpath(path))
    return paths


def _bind(lib, path):
    for api, set_name, get_name in _APIS:
        setter = getattr(lib, set_name, None)
        getter = getattr(lib, get_name, None)
        if setter is None or getter is None:
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        getter.argtypes = []
        getter.restype = ctypes.c_int
        return _Backend(api, path, setter, getter)
    return None


def _lookup():
    import numpy  # noqa: F401  (loads NumPy's BLAS into the process)
    for path in _mapped_libraries() + _bundled_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            logger.debug('blas_threads: cannot open %s: %s', path, e)
            continue
        backend = _bind(lib, path)
        if backend is not None:
            return backend
    try:  # a BLAS linked into the executable or loaded with RTLD_GLOBAL
        return _bind(ctypes.CDLL(None), '<process>')
    except OSError:
        return None


def _backend():
    if not _found:
        with _lock:
            if not _found:
                backend = _lookup()
                if backend is None:
                    logger.debug('blas_threads: no BLAS library with a thread-count API found')
                else:
                    logger.debug('blas_threads: %s from %s', backend.api, backend.path)
                    _pool_size.append(backend.get())
                    for listener in _listeners:
                        listener(_pool_size[0])
                _found.append(backend)
    return _found[0]


def follow(listener):
    """Calls listener(n) with the pool's size now (when the BLAS was found already), when it is
    found, and whenever sluice sets it: other CPU loops (kernels/native.py) split over as many
    threads as the GEMMs use."""
    _listeners.append(listener)
    if _found and _found[0] is not None:
        listener(_found[0].get())


def blas_info():
    """{'api': ..., 'path': ...} of the BLAS whose threads are controlled, or None."""
    backend = _backend()
    return None if backend is None else {'api': backend.api, 'path': backend.path}


def set_num_threads(n):
    """Sets the BLAS thread pool to `n` threads; False when nothing was set.

    n <= 0 leaves the pool as it is (TF: 0 means "the system picks"), as does a process with no
    BLAS found. A count set here is kept: the pool stops following the free cores.
    """
    n = int(n)
    backend = _backend()
    if backend is None or n < 1:
        logger.debug('blas_threads: set_num_threads(%d) ignored (%s)', n,
                     'no BLAS found' if backend is None else 'not a positive count')
        return False
    _stop_tracker()
    with _lock:
        backend.set(n)
    return True


def get_num_threads():
    """The BLAS thread pool's size, or None when no BLAS was found."""
    backend = _backend()
    return None if backend is None else backend.get()


# -- the default: follow the free cores --
SAMPLE_SECONDS = 0.5
_SMOOTHING = 0.5          # weight of the newest sample in the running average of `others`
_USER_VARIABLES = ('OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS',
                   'BLIS_NUM_THREADS')
_STAT = '/proc/stat'


def busy_cpu_seconds(path=_STAT, cpus=None):
    """(seconds the CPUs this process may run on spent busy since boot, how many they are) from
    /proc/stat, or None. `cpus`: the CPU numbers (default: the process's affinity mask)."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    if cpus is None:
        cpus = os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity') else None
    busy, count = 0, 0
    for line in lines[1:]:
        name, _, rest = line.partition(' ')
        if not (name.startswith('cpu') and name[3:].isdigit()):
            continue
        if cpus is not None and int(name[3:]) not in cpus:
            continue
        # user nice system idle iowait irq softirq steal guest guest_nice (USER_HZ ticks);
        # guest time is already inside user time
        fields = [int(v) for v in rest.split()[:8]]
        busy += sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)
        count += 1
    return (busy / _ticks_per_second(), count) if count else None


def _ticks_per_second():
    try:
        return os.sysconf('SC_CLK_TCK')
    except (ValueError, OSError, AttributeError):
        return 100


def threads_for(others, cpus, limit):
    """The pool size for `others` cores busy with other processes: the free cores, rounded, in [1, limit]."""
    return max(1, min(limit, int(cpus - others + 0.5)))


class FreeCoreTracker:
    """Samples how busy the other processes keep the CPUs and sizes the BLAS pool to the cores left.

    update() takes one sample and applies it; run() calls it every `interval` seconds until stop().
    `read_busy` and `read_own` are /proc/stat's busy seconds and this process's CPU seconds (swapped
    in tests).
    """

    def __init__(self, backend, limit, interval=SAMPLE_SECONDS, read_busy=busy_cpu_seconds,
                 read_own=time.process_time, clock=time.monotonic):
        self._backend = backend
        self.limit = limit
        self.interval = interval
        self._read_busy, self._read_own, self._clock = read_busy, read_own, clock
        self.others = None          # smoothed cores busy with other processes
        self._last = self._sample()
        self._stop = threading.Event()

    def _sample(self):
        busy = self._read_busy()
        return None if busy is None else (self._clock(), busy[0], busy[1], self._read_own())

    def update(self):
        """One sample: returns the pool size chosen (None when /proc/stat could not be read)."""
        now = self._sample()
        last, self._last = self._last, now
        if now is None or last is None or now[0] <= last[0]:
            return None
        wall = now[0] - last[0]
        others = max(0.0, ((now[1] - last[1]) - (now[3] - last[3])) / wall)
        self.others = others if self.others is None else (
            _SMOOTHING * others + (1 - _SMOOTHING) * self.others)
        want = threads_for(self.others, now[2], self.limit)
        if want != self._backend.get():
            with _lock:
                if self._stop.is_set():  # a count was fixed while this sample was taken: it stays
                    return None
                self._backend.set(want)
            logger.debug('blas_threads: %.2f cores busy elsewhere, %d BLAS threads', self.others, want)
        return want

    def run(self):
        while not self._stop.wait(self.interval):
            try:
                self.update()
            except Exception as e:  # never let speed tuning kill the process's threads
                logger.debug('blas_threads: tracker stopped: %s', e)
                return

    def stop(self):
        self._stop.set()


_tracker = []    # [FreeCoreTracker] while the default is in force


def user_fixed_threads():
    """The environment variable that fixes the BLAS's thread count, or None."""
    for name in _USER_VARIABLES:
        if os.environ.get(name, '').strip():
            return name
    return None


def configure(intra_op_threads):
    """Applies ConfigProto.intra_op_parallelism_threads: n > 0 fixes the pool at n; 0 (or less) picks
    the default, the pool following the free cores (see the module docstring). Returns the tracker in
    force, or None."""
    backend = _backend()
    if backend is None:
        return None
    limit = _pool_size[0]
    if intra_op_threads and intra_op_threads > 0:
        set_num_threads(intra_op_threads)
        return None
    if _tracker or user_fixed_threads() or limit <= 1 or busy_cpu_seconds() is None:
        return _tracker[0] if _tracker else None
    with _lock:
        if not _tracker:
            tracker = FreeCoreTracker(backend, limit)
            threading.Thread(target=tracker.run, name='sluice-blas-threads', daemon=True).start()
            _tracker.append(tracker)
    return _tracker[0]


def adapting():
    """True while the pool follows the free cores."""
    return bool(_tracker)


def _stop_tracker():
    with _lock:
        while _tracker:
            _tracker.pop().stop()


def _forget_tracker():
    """In a forked child the tracker's thread is gone (and may have held the lock); the next Session
    starts a new one."""
    global _lock
    _lock = threading.Lock()
    del _tracker[:]


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_forget_tracker)
