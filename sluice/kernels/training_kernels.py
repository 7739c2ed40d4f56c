"""Kernels of the optimizers' update ops and of the scatter updates: in place on variable storage.

An Apply kernel receives the variable and its slots as VariableSlots (Ref inputs) and rewrites
their arrays in place; it returns the variable's slot (the `out` Ref). Each update is declared once
in optimizer_updates.py (NumPy, C and CUDA bodies side by side) and registered here for its Apply
op and its SparseApply twin, in up to three registrations that share `_build` (checks, locking,
sparse rounds) and differ only in the dense update they bind:

  shared (CPU and GPU): the NumPy body through ctx.xp, writing into the refs or into work arrays
      kept per node between steps (allocating a fresh multi-MB temporary each step costs page
      faults); small arrays allocate instead of reusing.
  CPU, where the update has a C loop: the loop bound by kernels/native.py (one pass instead of
      nine to eleven; the NumPy body for arrays the loop cannot take). Without the loops, or for a
      T other than float32/float64, the shared kernel. ApplyGradientDescent has its own CPU step.
  GPU, where the update has a CUDA body: one fused CuPy ElementwiseKernel reading the gradient and
      the scalars once. CuPy compiles it on first use; if that fails the node falls back, once and
      for good, to the NumPy body. Other dtypes get the shared kernel; a fake GPU the CPU one.

Sparse updates (SparseApply*): the rows named by `indices` are gathered, updated by the same
dense update and written back. A row named twice is updated twice in order, as TF's kernels do:
the indices are split into rounds that each name a row at most once. Scatter* ops use ufunc.at
on the CPU and cupyx.scatter_* on a GPU (a gather-combine-scatter per round where CuPy has no
scatter), so duplicate indices accumulate.
"""
import contextlib
import logging
import threading

import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine import op_registry
from sluice.kernels import native
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.optimizer_updates import CUDA_PREAMBLE, GRADIENT_DESCENT, UPDATES, cuda_source
from sluice.kernels.registry import register_kernel

_log = logging.getLogger('sluice')
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# -- shared plumbing -----------------------------------------------------------------------------------

def _shape_str(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _value(op, slot):
    value = slot.value
    if value is None:
        raise errors.error_for_op(errors.FailedPreconditionError, op,
                                  'Attempting to use uninitialized value %s' % slot.name)
    return value


def _host(array):
    """The array as NumPy (CuPy arrays are copied from the device)."""
    return array if isinstance(array, np.ndarray) else array.get()


class _Scratch:
    """Work arrays of one node, reused between steps; a concurrent step gets fresh ones."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buffers = {}

    @contextlib.contextmanager
    def session(self, xp, like):
        """Yields take(): each call gives another work array shaped like `like`."""
        owned = self.lock.acquire(blocking=False)
        count = [0]

        def take():
            if not owned:
                return xp.empty_like(like)
            key = (like.shape, like.dtype.str, count[0])
            count[0] += 1
            buf = self.buffers.get(key)
            if buf is None:
                buf = self.buffers[key] = xp.empty_like(like)
            return buf
        try:
            yield take
        finally:
            if owned:
                self.lock.release()


_SMALL = 65536  # elements: below this a step allocates its work arrays instead of reusing kept ones


def _fresh_scratch(xp, like):
    return lambda: xp.empty_like(like)


def _layout(op):
    """Positions of the Refs, the scalars (in order), the gradient and the indices among the inputs."""
    args = op._op_def.inputs
    refs = [i for i, a in enumerate(args) if a.is_ref or a.fixed_dtype is dtypes.resource]  # ResourceApply*
    grad = next(i for i, a in enumerate(args) if a.name in ('grad', 'delta'))
    indices = next((i for i, a in enumerate(args) if a.name == 'indices'), None)
    scalars = [i for i, a in enumerate(args) if i not in refs and i not in (grad, indices)]
    return refs, scalars, grad, indices


def _scalar_converter(op, name, dtype, host):
    """0-d input -> a scalar of the variable's dtype (host: NumPy would broadcast a 0-d array through
    every ufunc call) or the 0-d array itself (device: reading it would wait for the device)."""
    cast = np.dtype(dtype).type if name != 'global_step' else np.int64

    def convert(value):
        if value.ndim != 0:
            raise _invalid(op, '%s is not a scalar: %s' % (name, _shape_str(value.shape)))
        return cast(value) if host else value
    return convert


def _attr_values(update, op):
    return tuple(op.get_attr(name) for name in update.attrs)


def _numpy_body(update, op, ctx):
    """The update's NumPy body, or the variant its choose_numpy picks for this node's Const inputs."""
    if update.choose_numpy is None:
        return update.numpy
    position = {a.name: i for i, a in enumerate(op._op_def.inputs)}
    chosen = update.choose_numpy(lambda name: ctx.constant_input(position[name]))
    return chosen or update.numpy


# -- the dense update a kernel binds: apply(ref arrays, scalar values, grad, tmp) ----------------------
# tmp makes work arrays; None for a dense step, which may use the node's kept ones.

def _numpy_apply(body, xp, scratch, attrs):
    def apply(arrays, values, grad, tmp=None):
        if tmp is not None:
            body(xp, tmp, *arrays, *values, grad, *attrs)
        elif arrays[0].size <= _SMALL:  # allocating is cheaper than the scratch bookkeeping
            body(xp, _fresh_scratch(xp, arrays[0]), *arrays, *values, grad, *attrs)
        else:
            with scratch.session(xp, arrays[0]) as take:
                body(xp, take, *arrays, *values, grad, *attrs)
    return apply


def _loop_apply(loop, attrs):
    """A C loop (native.optimizer_update) needs no work arrays; its NumPy fallback gets fresh ones."""
    def apply(arrays, values, grad, tmp=None):
        loop(np, tmp or _fresh_scratch(np, arrays[0]), *arrays, *values, grad, *attrs)
    return apply


_cuda_kernels = {}      # (in, out, body) -> ElementwiseKernel
_cuda_broken = set()    # sources that failed to compile: their nodes use the NumPy body


def _cuda_apply(xp, op_type, source, fallback):
    def apply(arrays, values, grad, tmp=None):
        if source in _cuda_broken:
            return fallback(arrays, values, grad, tmp)
        kernel = _cuda_kernels.get(source)
        try:
            if kernel is None:
                kernel = _cuda_kernels[source] = xp.ElementwiseKernel(
                    source[0], source[1], source[2], 'sluice_' + op_type.lower(), preamble=CUDA_PREAMBLE)
            kernel(*values, grad, *arrays)
        except Exception as e:  # a CUDA compile error is a bug here, not the user's: keep training
            if kernel is not None and not _is_compile_error(e):
                raise
            _cuda_broken.add(source)
            _log.warning('Fused CUDA kernel for %s unavailable (%s); using the unfused update', op_type, e)
            fallback(arrays, values, grad, tmp)
    return apply


def _is_compile_error(exc):
    return 'Compile' in type(exc).__name__ or 'compil' in str(exc).lower()


# -- the kernel around a dense update -------------------------------------------------------------------

def _build(op, ctx, apply, host_scalars):
    """The step function of an Apply or SparseApply node that updates through `apply`."""
    xp = ctx.xp
    refs, scalars, grad_pos, indices_pos = _layout(op)
    names = [a.name for a in op._op_def.inputs]
    dtype = op.get_attr('T').as_numpy_dtype
    converters = [_scalar_converter(op, names[i], dtype, host_scalars) for i in scalars]
    locking = op.get_attr('use_locking')
    ref_names = [names[i] for i in refs]
    n_refs = len(refs)

    def arrays_of(args):
        if n_refs == 1:
            return args[:1], [_value(op, args[0])]
        slots = args[:n_refs]
        arrays = [_value(op, s) for s in slots]
        var = arrays[0]
        for name, a in zip(ref_names[1:], arrays[1:]):
            if a.shape != var.shape:
                raise _invalid(op, 'var and %s do not have the same shape%s %s'
                               % (name, _shape_str(var.shape), _shape_str(a.shape)))
        return slots, arrays

    if indices_pos is None:
        def run(*args):
            slots, arrays = arrays_of(args)
            grad = args[grad_pos]
            if grad.shape != arrays[0].shape:
                raise _invalid(op, 'var and %s do not have the same shape%s %s'
                               % (names[grad_pos], _shape_str(arrays[0].shape), _shape_str(grad.shape)))
            values = [c(args[i]) for c, i in zip(converters, scalars)]
            if locking:
                with slots[0].lock:
                    apply(arrays, values, grad)
            else:
                apply(arrays, values, grad)
            return slots[0]
        return run

    def run_sparse(*args):
        slots, arrays = arrays_of(args)
        grad, indices = args[grad_pos], args[indices_pos]
        values = [c(args[i]) for c, i in zip(converters, scalars)]
        host_indices = _check_sparse(op, arrays[0], grad, indices)
        with slots[0].lock if locking else contextlib.nullcontext():
            for positions in _rounds(host_indices):
                rows = xp.asarray(host_indices if positions is None else host_indices[positions])
                part = grad if positions is None else grad[xp.asarray(positions)]
                gathered = [a[rows] for a in arrays]
                apply(gathered, values, part, _fresh_scratch(xp, gathered[0]))
                for a, g in zip(arrays, gathered):
                    a[rows] = g
        return slots[0]
    return run_sparse


def _check_sparse(op, var, grad, indices):
    """Validates a sparse update (TF's messages); returns the indices on the host, flat."""
    if indices.ndim != 1:
        raise _invalid(op, 'indices must be one-dimensional')
    if var.ndim < 1:
        raise _invalid(op, 'var must be at least 1 dimensional')
    if grad.ndim < 1 or grad.shape[0] != indices.shape[0]:
        raise _invalid(op, 'grad must be the same size as indices in the first dimension.')
    for d in range(1, var.ndim):
        if grad.ndim != var.ndim or grad.shape[d] != var.shape[d]:
            raise _invalid(op, 'var and grad must match in dimension %d' % d)
    host = _host(indices)
    if host.size:
        bad = (host < 0) | (host >= var.shape[0])
        if bad.any():
            i = int(np.argmax(bad))
            raise _invalid(op, 'Index %d at offset %d in indices is out of range' % (host[i], i))
    return host


def _rounds(indices):
    """Positions of `indices` split so that no round names a row twice, each row's uses in order.

    [None] when the indices are distinct (one round of everything).
    """
    n = indices.shape[0]
    if n == 0:
        return []
    order = np.argsort(indices, kind='stable')
    ordered = indices[order]
    first = np.ones(n, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    if first.all():
        return [None]
    # rank of each use among the uses of its row: position minus the position its run starts at
    starts = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank = np.arange(n) - starts
    return [np.sort(order[rank == k]) for k in range(int(rank.max()) + 1)]


# -- registering each declared update ---------------------------------------------------------------------

def _op_types(update):
    """The update's Apply op and its SparseApply twin, where one is declared."""
    sparse = 'Sparse' + update.op_type
    try:
        op_registry.get_op_def(sparse)
    except errors.NotFoundError:
        return (update.op_type,)
    return update.op_type, sparse


def _register(update):
    op_types = _op_types(update)

    def shared(op, ctx):
        apply = _numpy_apply(_numpy_body(update, op, ctx), ctx.xp, ctx.op_state(_Scratch), _attr_values(update, op))
        return _build(op, ctx, apply, host_scalars=ctx.xp is np)  # np: a CPU or a fake GPU
    shared.__name__ = update.op_type
    register_kernel(op_types)(shared)

    if update.c_loop is not None:
        @register_kernel(op_types, devices=('CPU',))
        def c_loop(op, ctx):
            loop = native.optimizer_update(update.c_loop, op.get_attr('T').as_numpy_dtype,
                                           _numpy_body(update, op, ctx))
            if loop is None:
                return shared(op, ctx)
            return _build(op, ctx, _loop_apply(loop, _attr_values(update, op)), host_scalars=True)

    if update.cuda is not None:
        @register_cupy_kernel(op_types)
        def fused(op, ctx):
            if np.dtype(op.get_attr('T').as_numpy_dtype) not in _FLOATS:
                return shared(op, ctx)
            attrs = _attr_values(update, op)
            source = cuda_source(update, op._op_def, dict(zip(update.attrs, attrs)))
            fallback = _numpy_apply(_numpy_body(update, op, ctx), ctx.xp, ctx.op_state(_Scratch), attrs)
            return _build(op, ctx, _cuda_apply(ctx.xp, op.type, source, fallback), host_scalars=False)


for _update in UPDATES:
    _register(_update)


@register_kernel(GRADIENT_DESCENT.op_type, devices=('CPU',))
def gradient_descent_step(op, ctx):
    """ApplyGradientDescent on the CPU, the hottest update of small models, with nothing else around
    it: var -= alpha * delta in one temporary, alpha read once when it is a constant."""
    convert_alpha = _scalar_converter(op, 'alpha', op.get_attr('T').as_numpy_dtype, True)
    constant = ctx.constant_input(1)
    fixed_alpha = None if constant is None else convert_alpha(constant)
    locking = op.get_attr('use_locking')
    multiply, subtract = np.multiply, np.subtract

    def run(slot, alpha, delta):
        var = slot.value
        if var is None:
            var = _value(op, slot)
        if delta.shape != var.shape:
            raise _invalid(op, 'var and delta do not have the same shape%s %s'
                           % (_shape_str(var.shape), _shape_str(delta.shape)))
        step = multiply(delta, fixed_alpha if fixed_alpha is not None else convert_alpha(alpha))
        if locking:
            with slot.lock:
                subtract(var, step, out=var)
        else:
            subtract(var, step, out=var)
        return slot
    return run


# -- scatter updates -----------------------------------------------------------------------------------

def _scatter_builder(scatter):
    """ref[indices] (op)= updates through scatter(xp, ref, flat indices, host indices, values)."""
    def build(op, ctx):
        xp = ctx.xp
        locking = op.get_attr('use_locking')

        def run(slot, indices, updates):
            ref = _value(op, slot)
            if ref.ndim < 1:
                raise _invalid(op, 'Parameter must be at least 1-D')
            expected = tuple(indices.shape) + tuple(ref.shape[1:])
            if updates.ndim != 0 and tuple(updates.shape) != expected:
                raise _invalid(op, 'Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = '
                                   '[], got updates.shape %s, indices.shape %s, params.shape %s'
                               % (_shape_str(updates.shape), _shape_str(indices.shape), _shape_str(ref.shape)))
            flat = indices.reshape(-1)
            host = _host(flat)
            if host.size:
                bad = (host < 0) | (host >= ref.shape[0])
                if bad.any():
                    i = int(np.argmax(bad))
                    raise _invalid(op, 'indices[%d] = %d is not in [0, %d)' % (i, host[i], ref.shape[0]))
            values = updates if updates.ndim == 0 else updates.reshape((flat.shape[0],) + ref.shape[1:])
            with slot.lock if locking else contextlib.nullcontext():
                scatter(xp, ref, flat, host, values)
            return slot
        return run
    return build


def _assign(xp, ref, flat, host, values):
    ref[flat] = values  # the last of duplicates wins, as in TF


def _ufunc_at(ufunc):
    return lambda xp, ref, flat, host, values: ufunc.at(ref, flat, values)


def _cupyx_scatter(name, negate=False):
    def scatter(xp, ref, flat, host, values):
        import cupyx
        getattr(cupyx, name)(ref, flat, -values if negate else values)
    return scatter


def _scatter_in_rounds(combine):
    """Where CuPy has no scatter primitive: one gather-combine-scatter per round of distinct rows."""
    def scatter(xp, ref, flat, host, values):
        for positions in _rounds(host):
            rows = flat if positions is None else flat[xp.asarray(positions)]
            part = values if positions is None or values.ndim == 0 else values[xp.asarray(positions)]
            ref[rows] = combine(ref[rows], part)
    return scatter


register_kernel('ScatterUpdate')(_scatter_builder(_assign))
# op type: (CPU, the NumPy ufunc whose .at accumulates duplicates; GPU, the CuPy scatter)
_SCATTERS = {
    'ScatterAdd': (np.add, _cupyx_scatter('scatter_add')),
    'ScatterSub': (np.subtract, _cupyx_scatter('scatter_add', negate=True)),
    'ScatterMul': (np.multiply, _scatter_in_rounds(lambda a, b: a * b)),
    'ScatterDiv': (np.divide, _scatter_in_rounds(lambda a, b: a / b)),
    'ScatterMax': (np.maximum, _cupyx_scatter('scatter_max')),
    'ScatterMin': (np.minimum, _cupyx_scatter('scatter_min')),
}
for _op_type, (_ufunc, _gpu_scatter) in _SCATTERS.items():
    register_kernel(_op_type, devices=('CPU',))(_scatter_builder(_ufunc_at(_ufunc)))
    register_cupy_kernel(_op_type)(_scatter_builder(_gpu_scatter))
