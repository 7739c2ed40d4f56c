"""_cpu_fused's split loops: the optimizer updates and PCG64 uniforms give the same values in
one part or several (parts are contiguous ranges; each uniform part jumps the stream ahead),
the thread count follows the BLAS pool, and a forked child still runs them."""
import os

import numpy as np
import pytest

from sluice.engine import blas_threads
from sluice.kernels import native
from sluice.kernels.random_kernels import _uniform_from_bits

loops = native.loops
pytestmark = pytest.mark.skipif(loops is None or not hasattr(loops, 'set_threads'),
                                reason='the C loops are not built here')

SIZES = [1, 2, 7, 255, 4097, 65535, 65536 * 2 + 3, 300001]


@pytest.fixture
def threads():
    before = loops.get_threads()

    def set_to(n):
        loops.set_threads(n)
        assert loops.get_threads() == n
    yield set_to
    loops.set_threads(before)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('parts', [1, 2, 3])
def test_uniforms_are_the_streams_words_in_any_split(threads, dtype, parts):
    threads(parts)
    for n in SIZES:
        looped = native.pcg64_uniforms(np.random.PCG64(n))
        raw = np.random.PCG64(n)
        for size in (n, 13):  # the stream goes on where the split fill left it
            got = looped.fill(np.empty(size, dtype))
            np.testing.assert_array_equal(got, _uniform_from_bits(raw, (size,), np.dtype(dtype)), err_msg=str(n))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_rms_prop_split_equals_one_part(threads, dtype):
    rng = np.random.default_rng(0)
    n = 200003
    start = [rng.uniform(0.1, 1, n).astype(dtype) for _ in range(4)]
    results = []
    for parts in (1, 2, 4):
        threads(parts)
        var, ms, mom, grad = (a.copy() for a in start)
        loops.rms_prop(n, var, ms, mom, 0.001, 0.9, 0.5, 1e-10, grad)
        results.append((var, ms, mom))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_thread_count_is_clamped(threads):
    threads(1)
    loops.set_threads(0)
    assert loops.get_threads() == 1
    loops.set_threads(100)
    assert loops.get_threads() == 8


def test_loops_follow_the_blas_pool(threads):
    backend = blas_threads._backend()
    if backend is None:
        pytest.skip('no BLAS with a thread-count API')
    before = backend.get()
    try:
        backend.set(1)
        assert loops.get_threads() == 1
        backend.set(2)
        assert loops.get_threads() == 2
    finally:
        backend.set(before)


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='no fork')
def test_a_forked_child_splits_with_fresh_helpers(threads):
    threads(2)
    out = native.pcg64_uniforms(np.random.PCG64(3)).fill(np.empty(200000, np.float32))  # helpers started
    pid = os.fork()
    if pid == 0:  # the child: its helpers are gone; the pool starts new ones
        try:
            again = native.pcg64_uniforms(np.random.PCG64(3)).fill(np.empty(200000, np.float32))
            os._exit(0 if np.array_equal(again, out) else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
