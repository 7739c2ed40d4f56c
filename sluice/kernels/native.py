"""The optional C loops (`_cpu_fused` and `_cpu_conv`, built from _cpu_fused.c and _cpu_conv.c by
setup.py when a C compiler is present): the only module that knows about them.

`loops` is the extension module, or None when it was not built or SLUICE_NATIVE=0 turns it off.
Kernels never call it directly: they bind one function per loop here when their plan is built
(`optimizer_update`, `select_zero`, `relu_grad`, `pcg64_uniforms`). A binding returns None, or the
caller's NumPy function, when the loops are off or the dtype is not one the loop handles; the
bound function checks at each call what only the arrays can tell (C-contiguous, not empty) and
runs the NumPy fallback it was given when the loop does not apply. Every loop gives the same
values as its fallback (bit for bit, except the optimizer updates, which follow TF's expression
term by term where the NumPy sequences round differently, and the convolutions, whose sums run in
another order than a BLAS GEMM's: they agree to rounding). Large optimizer updates and uniform
fills split over as many threads as the BLAS pool has (blas_threads.follow), in contiguous parts,
so their values do not depend on the thread count.

`conv_loops` is the convolution and pooling module (`conv_loop` binds one of its loops); kernels/
nn_conv_pool_cpu_kernels.py checks the arrays before each call.
"""
import importlib
import os
import sys

import numpy as np

from sluice.engine import blas_threads

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _load(name):
    if os.environ.get('SLUICE_NATIVE', '1') == '0' or sys.byteorder != 'little':
        return None
    try:
        return importlib.import_module('sluice.kernels.' + name)
    except ImportError:
        return None


loops = _load('_cpu_fused')
conv_loops = _load('_cpu_conv')
if loops is not None and hasattr(loops, 'set_threads'):
    # the updates and uniforms split over the threads the BLAS pool has: the free cores
    blas_threads.follow(loops.set_threads)


def loop_splitter():
    """The address of _cpu_fused's run_split(part, job, n, align) for generated C loops
    (kernels/fused_elementwise.py), or None when the loops are not built or are off."""
    address = getattr(loops, 'split_address', None) if loops is not None else None
    return None if address is None else address()


def _contiguous(arrays):
    """True when every array argument (0-d scalars aside) is C-contiguous."""
    for a in arrays:
        if isinstance(a, np.ndarray) and a.ndim and not a.flags.c_contiguous:
            return False
    return True


def optimizer_update(name, dtype, fallback):
    """The C loop `name` as an optimizer update, or None (loops off, no such loop, dtype not float32/64).

    The update has the NumPy bodies' signature, update(xp, tmp, *refs, *scalars, grad, *attrs), and
    the loop takes the same arguments after the element count: loop(n, *refs, *scalars, grad, *attrs).
    Empty or non-contiguous arrays go to fallback (the NumPy body) with the same arguments.
    """
    loop = getattr(loops, name, None) if loops is not None else None
    if loop is None or np.dtype(dtype) not in _FLOATS:
        return None

    def update(xp, tmp, var, *args):
        if not var.size or not var.flags.c_contiguous or not _contiguous(args):
            return fallback(xp, tmp, var, *args)
        loop(var.size, var, *args)
    return update


def select_zero(fallback):
    """f(cond, t, keep) -> cond ? t : +0 (keep) or cond ? +0 : t, as bit patterns, in one C pass
    over C-contiguous arrays of one shape; fallback(cond, t, keep) otherwise. The fallback itself
    when the loops are off."""
    loop = getattr(loops, 'select_zero', None) if loops is not None else None
    if loop is None:
        return fallback

    def select(cond, t, keep):
        if not t.size or not (t.flags.c_contiguous and cond.flags.c_contiguous) or t.dtype.itemsize not in (2, 4, 8):
            return fallback(cond, t, keep)
        out = np.empty(t.shape, t.dtype)
        loop(t.size, cond, t, out, keep)
        return out
    return select


def relu_grad(dtype, fallback):
    """f(g, x, out) -> out = g * (x > 0) as TF computes it, in one C pass over C-contiguous float32/64
    arrays of one shape; fallback(g, x, out) otherwise. The fallback itself when the loops are off
    or dtype is another."""
    loop = getattr(loops, 'relu_grad', None) if loops is not None else None
    if loop is None or np.dtype(dtype) not in _FLOATS:
        return fallback

    def run(g, x, out):
        if not g.size or not _contiguous((g, x, out)) or g.shape != x.shape:
            return fallback(g, x, out)
        loop(g.size, g, x, out)
        return out
    return run


class _Pcg64Uniforms:
    """Uniform float32/float64 in [0, 1) from a PCG64 stream, one C loop per draw: the same 64-bit
    words as `Generator.bit_generator.random_raw` and the same floats as random_kernels'
    `_uniform_from_bits`. The loop owns the stream from then on (its state is copied out here)."""

    def __init__(self, loop, bit_generator):
        self._loop = loop
        state = bit_generator.state['state']
        mask = (1 << 64) - 1
        # uint64[4] = state hi, lo, increment hi, lo: the loop's layout of the 128-bit LCG
        self._words = np.array([state['state'] >> 64, state['state'] & mask, state['inc'] >> 64,
                                state['inc'] & mask], np.uint64)

    def fill(self, out):
        """Fills the C-contiguous float32/float64 array `out` with the stream's next uniforms."""
        self._loop(self._words, out, out.size, out.dtype.itemsize)
        return out


def pcg64_uniforms(bit_generator):
    """A `_Pcg64Uniforms` continuing bit_generator's stream, or None when the loop is not built."""
    loop = getattr(loops, 'pcg64_uniform', None) if loops is not None else None
    return None if loop is None else _Pcg64Uniforms(loop, bit_generator)


def conv_loop(name, dtype):
    """The convolution or pooling loop `name` of _cpu_conv.c (conv2d, conv2d_backprop_input,
    conv2d_backprop_filter, depthwise_forward, depthwise_backprop_input, depthwise_backprop_filter,
    max_pool, max_pool_grad, avg_pool, avg_pool_grad) for dtype, or None:
    not built, turned off, or a dtype other than float32/float64. It takes (geo, arrays...), geo =
    (itemsize, n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pad_top, pad_left), the arrays
    C-contiguous NHWC of those sizes, the last one written."""
    if conv_loops is None or np.dtype(dtype) not in _FLOATS:
        return None
    return getattr(conv_loops, name, None)
