"""The BLAS thread-pool control behind ConfigProto.intra_op_parallelism_threads."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import blas_threads
from sluice.io.protos import config_pb2

needs_blas = pytest.mark.skipif(blas_threads.get_num_threads() is None,
                                reason='no BLAS with a thread-count API found in this process')


@pytest.fixture
def restore_threads():
    before = blas_threads.get_num_threads()
    yield
    if before is not None:
        blas_threads.set_num_threads(before)   # also stops a tracker the test started


@needs_blas
def test_set_get_round_trip(restore_threads):
    for n in (1, 2, 3, 1):
        assert blas_threads.set_num_threads(n) is True
        assert blas_threads.get_num_threads() == n
    # Matrix products still work after resizing the pool.
    a = np.arange(64 * 64, dtype=np.float64).reshape(64, 64) / 100.
    blas_threads.set_num_threads(2)
    two = a @ a
    blas_threads.set_num_threads(1)
    np.testing.assert_allclose(a @ a, two)


@needs_blas
def test_info_names_the_library():
    info = blas_threads.blas_info()
    assert info['api'] in {api for api, _, _ in blas_threads._APIS}
    assert info['path']


@needs_blas
def test_non_positive_count_leaves_pool(restore_threads):
    blas_threads.set_num_threads(2)
    assert blas_threads.set_num_threads(0) is False
    assert blas_threads.set_num_threads(-3) is False
    assert blas_threads.get_num_threads() == 2


@needs_blas
def test_session_config_sets_threads(restore_threads):
    blas_threads.set_num_threads(2)
    x = tf.constant([1.0, 2.0])
    config = config_pb2.ConfigProto(intra_op_parallelism_threads=1)
    with tf.Session(config=config) as sess:
        assert blas_threads.get_num_threads() == 1
        np.testing.assert_array_equal(sess.run(x), [1.0, 2.0])
    assert not blas_threads.adapting()


def test_no_blas_is_a_quiet_no_op(monkeypatch):
    monkeypatch.setattr(blas_threads, '_found', [None])
    assert blas_threads.set_num_threads(4) is False
    assert blas_threads.get_num_threads() is None
    assert blas_threads.blas_info() is None


class _FakeLib:
    """A library object exporting only the given symbols, as ctypes' getattr would."""

    def __init__(self, **symbols):
        self.__dict__.update(symbols)


def test_binds_first_matching_api():
    state = {'n': 1}

    def mkl_set(n):
        state['n'] = n

    def mkl_get():
        return state['n']

    def lone_openblas_set(n):  # a setter without its getter is not used
        raise AssertionError('bound a half API')

    lib = _FakeLib(openblas_set_num_threads=lone_openblas_set, MKL_Set_Num_Threads=mkl_set,
                   MKL_Get_Max_Threads=mkl_get)
    backend = blas_threads._bind(lib, '/fake/libmkl_rt.so')
    assert backend.api == 'mkl'
    backend.set(5)
    assert backend.get() == 5
    assert blas_threads._bind(_FakeLib(), '/fake/libnothing.so') is None


# -- the default: the pool follows the cores other processes leave free --
@needs_blas
@pytest.mark.skipif(blas_threads.busy_cpu_seconds() is None or blas_threads._pool_size[0] < 2,
                    reason='needs /proc/stat and a BLAS pool of 2 or more threads')
def test_default_config_follows_free_cores(restore_threads, monkeypatch):
    for name in blas_threads._USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    blas_threads.set_num_threads(1)
    assert not blas_threads.adapting()
    with tf.Session():
        assert blas_threads.adapting()
    with tf.Session(config=config_pb2.ConfigProto(intra_op_parallelism_threads=1)):
        assert not blas_threads.adapting() and blas_threads.get_num_threads() == 1
    tracker = blas_threads.configure(0)
    assert blas_threads.adapting() and tracker.limit == blas_threads._pool_size[0]


@needs_blas
def test_blas_environment_variable_keeps_its_count(restore_threads, monkeypatch):
    blas_threads.set_num_threads(1)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    assert blas_threads.configure(0) is None
    assert not blas_threads.adapting()


class _FakeBackend:
    def __init__(self, n):
        self.n, self.sets = n, []

    def get(self):
        return self.n

    def set(self, n):
        self.n = n
        self.sets.append(n)


class _FakeMachine:
    """Two CPUs: each tick, `others` cores are busy with other processes and `ours` with this one."""

    def __init__(self):
        self.t = self.busy = self.own = 0.0

    def tick(self, others, ours, seconds=0.5):
        self.t += seconds
        self.busy += (others + ours) * seconds
        self.own += ours * seconds


def _tracker(machine, backend, limit=2):
    return blas_threads.FreeCoreTracker(backend, limit, read_busy=lambda: (machine.busy, 2),
                                        read_own=lambda: machine.own, clock=lambda: machine.t)


def test_tracker_shrinks_the_pool_when_another_process_computes():
    machine, backend = _FakeMachine(), _FakeBackend(2)
    tracker = _tracker(machine, backend)
    machine.tick(others=0.0, ours=2.0)          # alone: both cores ours, spinning or not
    assert tracker.update() == 2 and backend.sets == []
    for _ in range(3):                          # a competitor takes its core
        machine.tick(others=0.9, ours=1.1)
        tracker.update()
    assert backend.n == 1
    machine.tick(others=0.9, ours=1.0)
    assert tracker.update() == 1 and backend.sets == [1]
    for _ in range(4):                          # it ends: the pool grows back
        machine.tick(others=0.05, ours=1.0)
        tracker.update()
    assert backend.n == 2 and backend.sets == [1, 2]


def test_tracker_never_goes_below_one_or_above_its_limit():
    machine, backend = _FakeMachine(), _FakeBackend(2)
    tracker = _tracker(machine, backend)
    for _ in range(4):
        machine.tick(others=2.0, ours=0.0)
        assert tracker.update() == 1
    assert blas_threads.threads_for(0.0, 8, limit=4) == 4
    assert blas_threads.threads_for(3.2, 8, limit=8) == 5
    assert blas_threads.threads_for(7.9, 8, limit=8) == 1


def test_tracker_without_proc_stat_does_nothing():
    backend = _FakeBackend(2)
    tracker = blas_threads.FreeCoreTracker(backend, 2, read_busy=lambda: None)
    assert tracker.update() is None and backend.sets == []


def test_busy_seconds_reads_the_cpus_in_the_mask(tmp_path):
    stat = tmp_path / 'stat'
    stat.write_text('cpu  300 0 100 500 10 0 0 0 0 0\n'
                    'cpu0 100 0 50 200 5 0 0 0 0 0\n'
                    'cpu1 200 0 50 300 5 0 0 0 0 0\n'
                    'intr 12345\n')
    ticks = blas_threads._ticks_per_second()
    assert blas_threads.busy_cpu_seconds(str(stat), cpus={0, 1}) == (400 / ticks, 2)
    assert blas_threads.busy_cpu_seconds(str(stat), cpus={1}) == (250 / ticks, 1)
    assert blas_threads.busy_cpu_seconds(str(tmp_path / 'absent')) is None
