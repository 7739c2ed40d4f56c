"""Kernels of the linear-algebra ops (ops/linalg_ops.py), one ctx.xp body for CPU and GPU: MatrixBandPart,
MatrixDiagPartV3, MatrixDiagV3 and MatrixSetDiagV3 (single diagonals), Diag and DiagPart (through the
flattened [n, n] matrix, n = the diagonal's size), Cross, Einsum, MatrixInverse, MatrixDeterminant.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel
from sluice.ops.linalg_ops import parse_equation


# -- band and diagonals ----------------------------------------------------------------------------------
@register_kernel('Diag', fresh_output=True)
def tensor_diag(op, ctx):
    xp = ctx.xp

    def run(x):
        if x.ndim == 0:
            raise _invalid(op, 'Input must be at least rank 1, got 0')
        n = x.size
        out = xp.zeros((n, n), dtype=x.dtype)
        out.reshape(-1)[::n + 1] = x.reshape(-1)
        return out.reshape(x.shape * 2)
    return run


@register_kernel('DiagPart', fresh_output=True)
def tensor_diag_part(op, ctx):
    xp = ctx.xp

    def run(x):
        half = x.ndim // 2
        if x.ndim == 0 or x.ndim % 2:
            raise _invalid(op, 'The rank of the tensor should be even and positive, got shape %s' % _dims(x.shape))
        for i in range(half):
            if x.shape[i] != x.shape[i + half]:
                raise _invalid(op, 'Invalid shape %s: dimensions %d and %d do not match.'
                               % (_dims(x.shape), i, i + half))
        n = int(np.prod(x.shape[:half], dtype=np.int64))
        return xp.array(x.reshape(n, n).diagonal()).reshape(x.shape[:half])
    return run


@register_kernel('MatrixBandPart', host_inputs=(1, 2), fresh_output=True)
def matrix_band_part(op, ctx):
    xp = ctx.xp

    def run(x, lower, upper):
        lower, upper = int(lower), int(upper)
        rows, cols = x.shape[-2:]
        if lower > rows:
            raise _invalid(op, 'num_lower must be negative or less or equal to number of rows (%d) got: %d'
                           % (rows, lower))
        if upper > cols:
            raise _invalid(op, 'num_upper must be negative or less or equal to number of columns (%d) got: %d'
                           % (cols, upper))
        i = xp.arange(rows).reshape(-1, 1)
        j = xp.arange(cols).reshape(1, -1)
        keep = xp.ones((rows, cols), dtype=bool)
        if lower >= 0:
            keep &= (i - j) <= lower
        if upper >= 0:
            keep &= (j - i) <= upper
        return xp.where(keep, x, xp.zeros((), dtype=x.dtype))
    return run


@register_kernel('MatrixDiagPartV3', host_inputs=(1,), fresh_output=True)
def matrix_diag_part(op, ctx):
    xp = ctx.xp

    def run(x, k, padding_value):
        k = np.asarray(k)
        if k.size != 1:
            raise errors.error_for_op(errors.UnimplementedError, op, 'sluice supports a single diagonal only')
        k = int(k.reshape(-1)[0])
        rows, cols = x.shape[-2:]
        n = max(0, min(rows + min(k, 0), cols - max(k, 0)))
        i = xp.arange(n)
        return xp.array(x[..., i + max(-k, 0), i + max(k, 0)], copy=True)
    return run


def _scalar_k(op, k):
    k = np.asarray(k)
    if k.size != 1:
        raise errors.error_for_op(errors.UnimplementedError, op, 'sluice supports a single diagonal (scalar k) only')
    return int(k.reshape(-1)[0])


def _diag_positions(xp, k, n, rows, cols):
    i = xp.arange(n)
    r, c = i + max(-k, 0), i + max(k, 0)
    keep = (r < rows) & (c < cols)
    return i[keep], r[keep], c[keep]


@register_kernel('MatrixDiagV3', host_inputs=(1, 2, 3), fresh_output=True)
def matrix_diag(op, ctx):
    xp = ctx.xp

    def run(diagonal, k, num_rows, num_cols, padding_value):
        k = _scalar_k(op, k)
        n = diagonal.shape[-1]
        rows, cols = int(num_rows), int(num_cols)
        rows = n + max(-k, 0) if rows < 0 else rows
        cols = n + max(k, 0) if cols < 0 else cols
        out = xp.full(diagonal.shape[:-1] + (rows, cols), padding_value.item(), dtype=diagonal.dtype)
        i, r, c = _diag_positions(xp, k, n, rows, cols)
        out[..., r, c] = diagonal[..., i]
        return out
    return run


@register_kernel('MatrixSetDiagV3', host_inputs=(2,), fresh_output=True)
def matrix_set_diag(op, ctx):
    xp = ctx.xp

    def run(x, diagonal, k):
        k = _scalar_k(op, k)
        rows, cols = x.shape[-2:]
        n = min(rows + min(k, 0), cols - max(k, 0))
        if diagonal.shape[-1] != n or diagonal.shape[:-1] != x.shape[:-2]:
            raise _invalid(op, 'diagonal must have shape %s, but got %s'
                           % (_dims(x.shape[:-2] + (n,)), _dims(diagonal.shape)))
        out = xp.array(x, copy=True)
        i, r, c = _diag_positions(xp, k, n, rows, cols)
        out[..., r, c] = diagonal[..., i]
        return out
    return run


# -- products and inverses -------------------------------------------------------------------------------
@register_kernel('Cross', fresh_output=True)
def cross(op, ctx):
    xp = ctx.xp

    def run(a, b):
        if a.shape != b.shape:
            raise _invalid(op, 'Both inputs must be of same shape: %s vs. %s' % (_dims(a.shape), _dims(b.shape)))
        if a.ndim < 1 or a.shape[-1] != 3:
            raise _invalid(op, 'Trailing dimension must be 3 but is %d' % (a.shape[-1] if a.ndim else 0))
        a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
        b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
        return xp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return run


@register_kernel('Einsum', fresh_output=True)
def einsum(op, ctx):
    xp = ctx.xp
    inputs, rhs = parse_equation(op.get_attr('equation'), op.get_attr('N'))
    equation = ','.join(s.replace('.', '...') for s in inputs) + '->' + rhs.replace('.', '...')

    def run(*arrays):
        try:
            out = xp.einsum(equation, *arrays)
        except ValueError as e:
            raise _invalid(op, str(e)) from None
        return xp.asarray(out, dtype=arrays[0].dtype)
    return run


def _work_dtype(x):
    return np.float32 if x.dtype == np.float16 else x.dtype


@register_kernel('MatrixInverse', fresh_output=True)
def matrix_inverse(op, ctx):
    xp = ctx.xp
    adjoint = op.get_attr('adjoint')

    def run(x):
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise _invalid(op, 'Input matrices must be squares, got%s' % _dims(x.shape[-2:]))
        a = x.astype(_work_dtype(x), copy=False)
        if adjoint:
            a = xp.conj(xp.swapaxes(a, -1, -2))
        if a.size == 0:
            return xp.array(x, copy=True)
        try:
            out = xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _invalid(op, 'Input is not invertible.') from None
        return out.astype(x.dtype, copy=False)
    return run


@register_cupy_kernel('MatrixInverse', fresh_output=True)
def matrix_inverse_gpu(op, ctx):
    """CuPy's inv gives inf/nan for a singular matrix where NumPy raises: the result is checked."""
    run, xp = matrix_inverse(op, ctx), ctx.xp

    def checked(x):
        out = run(x)
        if not bool(xp.isfinite(out).all()) and bool(xp.isfinite(x).all()):
            raise _invalid(op, 'Input is not invertible.')
        return out
    return checked


@register_kernel('MatrixDeterminant', fresh_output=True)
def matrix_determinant(op, ctx):
    xp = ctx.xp

    def run(x):
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise _invalid(op, 'Input matrices must be squares, got%s' % _dims(x.shape[-2:]))
        if x.shape[-1] == 0:
            return xp.ones(x.shape[:-2], dtype=x.dtype)
        return xp.asarray(xp.linalg.det(x.astype(_work_dtype(x), copy=False)), dtype=x.dtype)
    return run
