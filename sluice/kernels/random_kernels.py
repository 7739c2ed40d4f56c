"""Kernels of the random ops: every node draws from its own stream, kept per session.

A node's stream is made once per session by `ctx.op_state`, so every plan of the session that
runs the node (whatever the fetches) continues the same sequence, and each run draws the next
numbers. It is seeded from the node's (seed, seed2) attrs through NumPy's SeedSequence, so two
sessions of one seeded graph draw identical sequences; (0, 0) seeds it from OS entropy instead
(nondeterministic, as TF). A lock guards each stream: concurrent runs of a session may draw
from one node.

On the CPU (and the NumPy-backed fake GPU) a stream is a NumPy Generator (PCG64); on a real GPU
it is a CuPy RandomState (cuRAND) seeded with a 64-bit word derived from the same SeedSequence.
Host uniforms are made from raw 64-bit words
(`_uniform_from_bits`; the C loop bound by `native.pcg64_uniforms`, when built, makes the same
words and floats). Both expose the same small interface (`_HostStream`, `_DeviceStream`); each
kernel is written once against it and `ctx.xp`, and registered per device with that device's
stream (`_register_random`: the GPU registration is the only code that makes a cuRAND stream).

Algorithms: float16/bfloat16 normals are drawn in float32 and rounded; low-precision uniforms
are k / 2**mantissa_bits for a random integer k, so they stay in [0, 1) (as TF builds them from
mantissa bits). Truncated normals redraw the values with |x| >= 2 until none is left.
Multinomial turns each row of logits into a normalized CDF and finds uniform draws in it with
one searchsorted over all rows (row i is offset by i so the rows stay sorted).
"""
import threading

import numpy as np

from sluice.engine import errors
from sluice.kernels import native
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel

_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_TRUNCATE = 2.0  # TF's truncated normal keeps |x| < 2 standard deviations


def _mantissa_bits(np_dtype):
    return 10 if np.dtype(np_dtype) == np.float16 else 7  # float16 / bfloat16


def _seed_sequence(seed, seed2):
    mask = (1 << 64) - 1
    return np.random.SeedSequence([seed & mask, seed2 & mask])


# float32 / float64: (bit pattern of 1.0) | top mantissa bits of a random word, minus 1.0
_ONE_BITS = {np.dtype(np.float32): (np.uint32, 9, 0x3F800000),
             np.dtype(np.float64): (np.uint64, 12, 0x3FF0000000000000)}


def _uniform_from_bits(bit_generator, dims, dt):
    """Uniform floats in [0, 1) from raw 64-bit words, the way TF builds them (random mantissa bits
    under exponent 0, minus 1): 23 bits for float32, 52 for float64. Each 64-bit word gives two float32s;
    about twice as fast as Generator.random, which draws and converts one value per call."""
    n = 1
    for d in dims:
        n *= d
    word_type, shift, one = _ONE_BITS[dt]
    per_word = 8 // dt.itemsize
    words = bit_generator.random_raw((n + per_word - 1) // per_word).view(word_type)[:n]
    words >>= word_type(shift)
    words |= word_type(one)
    out = words.view(dt)
    out -= dt.type(1.0)
    return out.reshape(dims)


class _HostStream:
    """A NumPy Generator behind a lock."""

    def __init__(self, seed, seed2):
        self.lock = threading.Lock()
        if seed == 0 and seed2 == 0:
            self._rng = np.random.default_rng()  # fresh OS entropy
        else:
            self._rng = np.random.Generator(np.random.PCG64(_seed_sequence(seed, seed2)))
        # The C loop, when built, owns the stream from here on: a node's stream serves one kernel,
        # so one kind of draw, and the loop's uniforms are the words random_raw would give.
        self._uniforms = native.pcg64_uniforms(self._rng.bit_generator)

    def normal(self, dims, np_dtype):
        if np.dtype(np_dtype) in _NATIVE_FLOATS:
            return self._rng.standard_normal(dims, dtype=np_dtype)
        return self._rng.standard_normal(dims, dtype=np.float32).astype(np_dtype)

    def uniform(self, dims, np_dtype):
        dt = np.dtype(np_dtype)
        if dt in _NATIVE_FLOATS:
            if self._uniforms is not None:  # the same words and floats, in one C loop
                return self._uniforms.fill(np.empty(dims, dt))
            return _uniform_from_bits(self._rng.bit_generator, dims, dt)
        bits = _mantissa_bits(np_dtype)
        k = self._rng.integers(0, 1 << bits, size=dims, dtype=np.int32)
        return (k.astype(np.float32) * (1.0 / (1 << bits))).astype(np_dtype)

    def integers(self, low, high, dims, np_dtype):
        return self._rng.integers(low, high, size=dims, dtype=np_dtype)

    def permutation(self, n):
        return self._rng.permutation(n)

    def gamma(self, alpha, dims, np_dtype):
        work = np_dtype if np.dtype(np_dtype) in _NATIVE_FLOATS else np.float32
        out = self._rng.standard_gamma(alpha.astype(work), size=tuple(dims) + alpha.shape, dtype=work)
        return out.astype(np_dtype, copy=False)

    def poisson(self, rate, dims):
        return self._rng.poisson(rate.astype(np.float64), size=tuple(dims) + rate.shape)


class _DeviceStream:
    """A CuPy RandomState (on the device current when it is made) behind a lock."""

    def __init__(self, cp, seed, seed2):
        self.lock = threading.Lock()
        self._cp = cp
        if seed == 0 and seed2 == 0:
            self._rs = cp.random.RandomState()  # seeded from os.urandom
        else:
            self._rs = cp.random.RandomState(np.uint64(_seed_sequence(seed, seed2).generate_state(1, np.uint64)[0]))

    def normal(self, dims, np_dtype):
        if np.dtype(np_dtype) in _NATIVE_FLOATS:
            return self._rs.standard_normal(dims, dtype=np_dtype)
        return self._rs.standard_normal(dims, dtype=np.float32).astype(np_dtype)

    def uniform(self, dims, np_dtype):
        if np.dtype(np_dtype) in _NATIVE_FLOATS:
            return self._rs.random_sample(dims, dtype=np_dtype)
        bits = _mantissa_bits(np_dtype)
        k = self._rs.randint(0, 1 << bits, size=dims, dtype=np.int32)
        return (k.astype(np.float32) * (1.0 / (1 << bits))).astype(np_dtype)

    def integers(self, low, high, dims, np_dtype):
        return self._rs.randint(low, high, size=dims, dtype=np_dtype)

    def permutation(self, n):
        return self._rs.permutation(n)

    def gamma(self, alpha, dims, np_dtype):
        work = np_dtype if np.dtype(np_dtype) in _NATIVE_FLOATS else np.float32
        out = self._rs.standard_gamma(alpha.astype(work), size=tuple(dims) + alpha.shape, dtype=work)
        return out.astype(np_dtype, copy=False)

    def poisson(self, rate, dims):
        return self._rs.poisson(rate.astype(np.float64), size=tuple(dims) + rate.shape, dtype=np.int64)


def _seeds(op):
    return int(op.get_attr('seed')), int(op.get_attr('seed2'))


def _register_random(op_type, **options):
    """Decorator: build(op, ctx, stream) serves op_type on each device with the node's stream in this
    session (made on first use): a NumPy Generator on the CPU, cuRAND on a GPU (a fake GPU runs the
    CPU registration). Options as for register_kernel."""
    def decorate(build):
        def on_host(op, ctx):
            seed, seed2 = _seeds(op)
            return build(op, ctx, ctx.op_state(lambda: _HostStream(seed, seed2)))

        def on_device(op, ctx):
            seed, seed2 = _seeds(op)
            return build(op, ctx, ctx.op_state(lambda: _DeviceStream(ctx.xp, seed, seed2)))
        on_host.__name__ = on_device.__name__ = build.__name__
        register_kernel(op_type, devices=('CPU',), **options)(on_host)
        register_cupy_kernel(op_type, **options)(on_device)
        return build
    return decorate


def _shape_str(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _checked_dims(op, shape):
    """A shape input's value as a tuple of Python ints, as TF's kernels check it."""
    shape = np.asarray(shape)
    if shape.ndim != 1 or shape.dtype.kind not in 'iu':
        raise errors.error_for_op(errors.InvalidArgumentError, op, 'shape must be a vector of {int32,int64}, got '
                                  'shape %s' % _shape_str(shape.shape))
    dims = tuple(int(d) for d in shape)
    for d in dims:
        if d < 0:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'Dimension %d must be >= 0' % d)
    return dims


def _dims_getter(op, ctx, index):
    """shape input -> dims; a Const shape is checked once, when the plan is built."""
    const = ctx.constant_input(index)
    if const is not None:
        dims = _checked_dims(op, const)
        return lambda shape: dims
    return lambda shape: _checked_dims(op, shape)


def _sampler(draw):
    """Builder of the ops with one shape input and a float `dtype` attr."""
    def build(op, ctx, stream):
        np_dtype = op.get_attr('dtype').as_numpy_dtype
        dims_of = _dims_getter(op, ctx, 0)
        xp = ctx.xp

        def run(shape):
            dims = dims_of(shape)
            with stream.lock:
                return draw(stream, xp, dims, np_dtype)
        return run
    return build


def _truncated(stream, xp, dims, np_dtype):
    out = stream.normal(dims, np_dtype)
    flat = out.reshape(-1)
    redo = xp.nonzero(xp.abs(flat) >= _TRUNCATE)[0]
    while redo.size:  # about 4.6% of the values each round
        fresh = stream.normal((int(redo.size),), np_dtype)
        flat[redo] = fresh
        redo = redo[xp.abs(fresh) >= _TRUNCATE]
    return out


_register_random('RandomStandardNormal', host_inputs=(0,), fresh_output=True)(
    _sampler(lambda stream, xp, dims, np_dtype: stream.normal(dims, np_dtype)))
_register_random('RandomUniform', host_inputs=(0,), fresh_output=True)(
    _sampler(lambda stream, xp, dims, np_dtype: stream.uniform(dims, np_dtype)))
_register_random('TruncatedNormal', host_inputs=(0,), fresh_output=True)(_sampler(_truncated))


def _scalar_bound(op, ctx, index, arg):
    def check(value):
        value = np.asarray(value)
        if value.ndim != 0:
            raise errors.error_for_op(errors.InvalidArgumentError, op, '%s must be 0-D, got shape %s'
                                      % (arg, _shape_str(value.shape)))
        return int(value)
    const = ctx.constant_input(index)
    if const is not None:
        bound = check(const)
        return lambda value: bound
    return check


@_register_random('RandomUniformInt', host_inputs=(0, 1, 2), fresh_output=True)
def random_uniform_int(op, ctx, stream):
    np_dtype = op.get_attr('Tout').as_numpy_dtype
    dims_of = _dims_getter(op, ctx, 0)
    low_of = _scalar_bound(op, ctx, 1, 'minval')
    high_of = _scalar_bound(op, ctx, 2, 'maxval')
    xp = ctx.xp

    def run(shape, minval, maxval):
        dims = dims_of(shape)
        low, high = low_of(minval), high_of(maxval)
        if 0 in dims:  # TF returns an empty output before comparing the bounds
            return xp.zeros(dims, dtype=np_dtype)
        if low >= high:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'Need minval < maxval, got %d >= %d'
                                      % (low, high))
        with stream.lock:
            return stream.integers(low, high, dims, np_dtype)
    return run


@_register_random('RandomShuffle', fresh_output=True)
def random_shuffle(op, ctx, stream):

    def run(value):
        if value.ndim == 0 or value.shape[0] <= 1:
            return value.copy()
        with stream.lock:
            order = stream.permutation(value.shape[0])
        return value[order]
    return run


@_register_random('Multinomial', host_inputs=(1,), fresh_output=True)
def multinomial(op, ctx, stream):
    np_dtype = op.get_attr('output_dtype').as_numpy_dtype
    xp = ctx.xp

    def run(logits, num_samples):
        if logits.ndim != 2:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'logits should be a matrix, got shape %s'
                                      % _shape_str(logits.shape))
        count = int(num_samples)
        if count < 0:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'num_samples should be nonnegative, got %d'
                                      % count)
        batch, classes = logits.shape
        if classes == 0 and batch > 0:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'num_classes should be positive, got 0')
        if batch == 0 or count == 0:
            return xp.zeros((batch, count), dtype=np_dtype)
        x = logits.astype(np.float64)
        probs = xp.exp(x - x.max(axis=1, keepdims=True))
        cdf = xp.cumsum(probs, axis=1)
        cdf /= cdf[:, -1:]
        rows = xp.arange(batch, dtype=np.float64)[:, None]
        with stream.lock:
            u = stream.uniform((batch, count), np.float64)
        found = xp.searchsorted((cdf + rows).reshape(-1), (u + rows).reshape(-1), side='right')
        index = found.reshape(batch, count) - (rows.astype(np.int64) * classes)
        return xp.clip(index, 0, classes - 1).astype(np_dtype)
    return run


@_register_random('RandomGamma', host_inputs=(0,), fresh_output=True)
def random_gamma(op, ctx, stream):
    np_dtype = op.get_attr('T').as_numpy_dtype
    dims_of = _dims_getter(op, ctx, 0)

    def run(shape, alpha):
        dims = dims_of(shape)
        with stream.lock:
            return stream.gamma(alpha, dims, np_dtype)
    return run


@_register_random('RandomPoissonV2', host_inputs=(0,), fresh_output=True)
def random_poisson(op, ctx, stream):
    np_dtype = op.get_attr('dtype').as_numpy_dtype
    dims_of = _dims_getter(op, ctx, 0)

    def run(shape, rate):
        dims = dims_of(shape)
        with stream.lock:
            counts = stream.poisson(rate, dims)
        return counts.astype(np_dtype, copy=False)
    return run
