"""The elementwise table (sluice/ops/elementwise_ops.py), row by row.

1. Each row's scalar C expression, compiled by the system C compiler into a small harness and
   loaded with ctypes, agrees with the row's NumPy expression on random inputs and on edge values
   (0, -0.0, +-inf, nan, huge, tiny): bitwise for exact rows, within a few ulps for the rows whose
   value comes from libm (NumPy's SIMD exp/log/... and glibc's differ in the last bits); NaN-ness
   and the sign of zero always agree.
2. Each row's forward value and gradient agree with TensorFlow's op of the same type, on "/cpu:0"
   and the fake GPU (the `device` fixture).
Every row must have a record in RECORDS below: adding an op is one row and one record.
"""
import ctypes
import functools
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

import sluice as tf
from sluice.engine import dtypes, op_builder
from sluice.ops import elementwise_ops  # noqa: F401  (declares the rows)
from sluice.ops.elementwise import BOOL, C_PRELUDE, ROWS
from tests.conftest import run_graph

# -- records: how to draw inputs for each row (low, high) per input; 'bool' for logical rows --
_ANY, _POS, _UNIT, _NONZERO = (-2.0, 2.0), (0.2, 3.0), (-0.9, 0.9), 'nonzero'
RECORDS = {
    'Add': [_ANY, _ANY], 'AddV2': [_ANY, _ANY], 'Sub': [_ANY, _ANY], 'Mul': [_ANY, _ANY], 'Div': [_ANY, _NONZERO],
    'RealDiv': [_ANY, _NONZERO], 'FloorDiv': [_ANY, _NONZERO], 'TruncateDiv': [_ANY, _NONZERO],
    'FloorMod': [_ANY, _NONZERO], 'TruncateMod': [_ANY, _NONZERO], 'Pow': [_POS, _ANY], 'Maximum': [_ANY, _ANY],
    'Minimum': [_ANY, _ANY], 'SquaredDifference': [_ANY, _ANY], 'DivNoNan': [_ANY, _NONZERO], 'Atan2': [_ANY, _ANY],
    'Xlogy': ['zeros', _POS], 'Xdivy': ['zeros', _NONZERO],
    'Less': [_ANY, _ANY], 'LessEqual': [_ANY, _ANY], 'Greater': [_ANY, _ANY], 'GreaterEqual': [_ANY, _ANY],
    'Equal': [_ANY, _ANY], 'NotEqual': [_ANY, _ANY], 'LogicalAnd': ['bool', 'bool'], 'LogicalOr': ['bool', 'bool'],
    'LogicalNot': ['bool'], 'IsNan': [_ANY], 'IsInf': [_ANY], 'IsFinite': [_ANY],
    'Neg': [_ANY], 'Abs': [_ANY], 'Sign': [_ANY], 'Square': [_ANY], 'Reciprocal': [_NONZERO], 'Round': [_ANY],
    'Rint': [_ANY], 'Floor': [_ANY], 'Ceil': [_ANY], 'Sqrt': [_POS], 'Rsqrt': [_POS], 'Exp': [_ANY],
    'Expm1': [_ANY], 'Log': [_POS], 'Log1p': [_POS], 'Sin': [_ANY], 'Cos': [_ANY], 'Tan': [_UNIT],
    'Asin': [_UNIT], 'Acos': [_UNIT], 'Atan': [_ANY], 'Sinh': [_ANY], 'Cosh': [_ANY], 'Asinh': [_ANY],
    'Acosh': [(1.2, 3.0)], 'Atanh': [_UNIT], 'Tanh': [_ANY], 'Sigmoid': [_ANY], 'Erf': [_ANY], 'Erfc': [_ANY],
    'Lgamma': [_POS], 'Conj': [_ANY],
    'Digamma': [_POS], 'Igamma': [_POS, _POS], 'Igammac': [_POS, _POS], 'IgammaGradA': [_POS, _POS],
    'Zeta': [(1.5, 4.0), _POS], 'Polygamma': ['zeros', _POS], 'BesselI0e': [_ANY], 'BesselI1e': [_ANY],
    'Relu': [_NONZERO], 'Relu6': [(-2.0, 8.0)], 'Elu': [_NONZERO], 'Selu': [_NONZERO], 'Softplus': [_ANY],
    'Softsign': [_ANY], 'LeakyRelu': [_NONZERO],
    'ReluGrad': [_ANY, _NONZERO], 'Relu6Grad': [_ANY, (-2.0, 8.0)], 'EluGrad': [_ANY, (-0.9, 2.0)],
    'SeluGrad': [_ANY, (-1.5, 2.0)], 'SoftplusGrad': [_ANY, _ANY], 'SoftsignGrad': [_ANY, _ANY],
    'LeakyReluGrad': [_ANY, _NONZERO], 'TanhGrad': [_UNIT, _ANY], 'SigmoidGrad': [(0.1, 0.9), _ANY],
    'SqrtGrad': [_POS, _ANY], 'RsqrtGrad': [_POS, _ANY], 'ReciprocalGrad': [_NONZERO, _ANY],
}


def test_every_row_has_a_record():
    assert sorted(ROWS) == sorted(RECORDS)


# -- 1. the C expressions --
_C_TYPES = {np.dtype(np.float32): 'float', np.dtype(np.float64): 'double', np.dtype(np.int32): 'int32_t',
            np.dtype(np.int64): 'int64_t', np.dtype(np.uint8): 'uint8_t', np.dtype(np.bool_): 'unsigned char'}
_FLOAT_EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 6.0, 7.0, 1e-30, -1e-30,
                1e30, -1e30, 5e-324, 1.5, -3.0]
# Rows computed by libm (glibc) in C and by NumPy's SIMD loops or SciPy in Python: ulps apart.
# SciPy's Cephes erfc loses about 8 bits in the far tail (erfc(21) ~ 1e-202).
_ULPS = {'Lgamma': 64, 'Erfc': 256, 'Tan': 4, 'Pow': 4, 'Atan2': 4}


def _dtypes_of(row):
    if row.allowed == BOOL:
        return [np.dtype(np.bool_)]
    allowed = row.allowed or (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.uint8)
    return [np.dtype(d.as_numpy_dtype) for d in allowed if np.dtype(d.as_numpy_dtype) in _C_TYPES
            and d not in (dtypes.bool,)]


def _cases():
    return [(op_type, dt) for op_type, row in sorted(ROWS.items()) if row.c is not None
            for dt in _dtypes_of(row)]


def _function_name(op_type, dt):
    return 'f_%s_%s' % (op_type, dt.name)


def _c_source():
    parts = ['#include <tgmath.h>', '#include <stdint.h>', C_PRELUDE]
    for op_type, dt in _cases():
        row = ROWS[op_type]
        out = 'unsigned char' if row.bool_out or row.allowed == BOOL else 'T'
        loads = ' '.join('T %s = a%d[i];' % (name, k) for k, name in enumerate(row.inputs))
        parts.append('#define T %s\nvoid %s(long n, const T *a0, const T *a1, %s *out, double alpha) {\n'
                     '    for (long i = 0; i < n; i++) { %s out[i] = (%s)(%s); }\n}\n#undef T'
                     % (_C_TYPES[dt], _function_name(op_type, dt), out, loads, out, row.c_expression(
                         dtypes.as_dtype(dt))))
    return '\n'.join(parts)


@pytest.fixture(scope='module')
def harness():
    cc = shutil.which('cc') or shutil.which('gcc') or shutil.which('clang')
    if cc is None:
        pytest.skip('no C compiler')
    with tempfile.TemporaryDirectory() as tmp:
        src, lib = os.path.join(tmp, 'harness.c'), os.path.join(tmp, 'harness.so')
        with open(src, 'w') as f:
            f.write(_c_source())
        # ISO C99 mode: no contraction into FMA, no fast-math; the values are IEEE's.
        subprocess.run([cc, '-std=c99', '-O1', '-shared', '-fPIC', '-w', '-o', lib, src, '-lm'], check=True)
        yield ctypes.CDLL(lib)


def _inputs(row, dt, rng):
    """Random values plus every combination of edge values (pairs for binary rows)."""
    n_in = len(row.inputs)
    if dt == np.bool_:
        grid = np.array(np.meshgrid(*[[False, True]] * n_in)).reshape(n_in, -1)
        return [g.astype(np.bool_) for g in grid]
    if dt.kind == 'f':
        edges = np.array(_FLOAT_EDGES, dtype=dt)
        random = (rng.standard_normal((n_in, 200)) * rng.choice([0.1, 1.0, 10.0, 100.0], (n_in, 200))).astype(dt)
    else:
        info = np.iinfo(dt)
        edges = np.array([v for v in (0, 1, -1, 2, -2, 7, -7, 100, -100) if info.min <= v <= info.max], dtype=dt)
        random = rng.integers(max(info.min, -1000), min(info.max, 1000), (n_in, 200)).astype(dt)
    grid = np.array(np.meshgrid(*[edges] * n_in)).reshape(n_in, -1)
    values = np.concatenate([grid, random], axis=1)
    if dt.kind in 'iu':  # C's undefined behaviour (and TF's errors): zero divisors, negative powers
        if row.checks == 'divisor' or row.op_type in ('Xdivy', 'DivNoNan'):
            values = values[:, values[-1] != 0]
        if row.op_type == 'Pow':
            values = values[:, (values[1] >= 0) & (values[1] < 16) & (np.abs(values[0].astype(np.int64)) < 16)]
    return list(values)


def _numpy_value(row, dt, args):
    expr = row.numpy_expression(dtypes.as_dtype(dt))
    params = {k: default for k, (_, default) in row.params.items()}
    if isinstance(expr, str):
        fn = getattr(np, expr, None)
        if fn is None:
            import scipy.special
            fn = getattr(scipy.special, expr)
    else:
        fn = functools.partial(expr, np, **params)
    with np.errstate(all='ignore'):
        return np.asarray(fn(*args)).astype(np.bool_ if row.bool_out or row.allowed == BOOL else dt)


def _ulp_distance(a, b):
    bits = {4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia, ib = a.view(bits).astype(np.int64), b.view(bits).astype(np.int64)
    # Map the sign-magnitude floats onto one ordered integer line.
    ia = np.where(ia < 0, np.iinfo(bits).min - ia, ia)
    ib = np.where(ib < 0, np.iinfo(bits).min - ib, ib)
    return np.abs(ia - ib)


@pytest.mark.parametrize('op_type,dt', _cases(), ids=lambda v: str(v))
def test_c_expression_matches_numpy(harness, op_type, dt):
    row = ROWS[op_type]
    if op_type == 'Lgamma':
        pytest.importorskip('scipy')
    args = _inputs(row, dt, np.random.default_rng(0))
    if op_type == 'Lgamma':  # SciPy's gammaln answers -inf at -inf and inf at denormals; C99 (and TF) do not
        keep = (args[0] != -np.inf) & ~((args[0] != 0) & (np.abs(args[0]) < np.finfo(dt).tiny))
        args = [a[keep] for a in args]
    expected = _numpy_value(row, dt, args)
    c_args = [np.ascontiguousarray(a) for a in args] + [np.ascontiguousarray(args[0])] * (2 - len(args))
    got = np.empty(expected.shape, expected.dtype)
    alpha = row.params.get('alpha', (None, 0.0))[1]
    getattr(harness, _function_name(op_type, dt))(
        ctypes.c_long(got.size), *[a.ctypes.data_as(ctypes.c_void_p) for a in c_args],
        got.ctypes.data_as(ctypes.c_void_p), ctypes.c_double(alpha))
    where = lambda mask: [tuple(a[mask][:3]) for a in args]  # noqa: E731
    if expected.dtype.kind != 'f':
        bad = got != expected
        assert not bad.any(), 'inputs %s: C %s, NumPy %s' % (where(bad), got[bad][:3], expected[bad][:3])
        return
    nan = np.isnan(expected)
    assert (np.isnan(got) == nan).all(), 'NaN-ness differs at inputs %s' % where(np.isnan(got) != nan)
    zero = (expected == 0) & (got == 0)
    sign = zero & (np.signbit(got) != np.signbit(expected))
    assert not sign.any(), 'sign of zero differs at inputs %s' % where(sign)
    ok = ~nan
    distance = _ulp_distance(got, expected)
    bad = ok & (distance > (0 if row.exact else _ULPS.get(op_type, 2)))
    assert not bad.any(), 'inputs %s: C %s, NumPy %s, ulps %s' % (where(bad), got[bad][:3], expected[bad][:3],
                                                                   distance[bad][:3])


# -- 2. values and gradients against TensorFlow --
def _draw(spec, rng, shape, np_type):
    if spec == 'bool':
        return rng.random(shape) > 0.5
    if spec == 'zeros':  # half zeros: Xlogy and Xdivy are 0 there whatever y is
        return np.where(rng.random(shape) > 0.5, 0.0, rng.uniform(-2, 2, shape)).astype(np_type)
    if spec == 'nonzero':
        return (rng.uniform(0.3, 2.0, shape) * rng.choice([-1, 1], shape)).astype(np_type)
    return rng.uniform(spec[0], spec[1], shape).astype(np_type)


def _tf_value_and_grads(tf2, row, args, attrs, upstream):
    """TF's value of the row's op and, given `upstream`, the gradients (None where TF has none),
    in a graph of its own: other tests leave TF in graph mode."""
    tf1 = tf2.compat.v1
    with tf2.Graph().as_default():
        tensors = [tf1.constant(a) for a in args]
        out = getattr(tf2.raw_ops, row.op_type)(**dict(zip(row.inputs, tensors)), **attrs)
        grads = [] if upstream is None else tf1.gradients(out, tensors, grad_ys=tf1.constant(upstream))
        with tf1.Session() as sess:
            values = sess.run([out] + [g for g in grads if g is not None])
    got = iter(values[1:])
    return values[0], [None if g is None else next(got) for g in grads]


@pytest.mark.tf
@pytest.mark.parametrize('op_type', sorted(ROWS))
def test_value_and_gradient_match_tensorflow(device, op_type):
    tf2 = pytest.importorskip('tensorflow')
    row = ROWS[op_type]
    rng = np.random.default_rng(1)
    np_type = np.complex128 if row.allowed == elementwise_ops.COMPLEX else np.float64
    shapes = [(3, 4), (4,)] if row.broadcast else [(3, 4)] * len(row.inputs)
    args = [_draw(spec, rng, shape, np_type) for spec, shape in zip(RECORDS[op_type], shapes)]
    if np_type is np.complex128:
        args = [a + 1j * _draw(spec, rng, a.shape, np.float64) for a, spec in zip(args, RECORDS[op_type])]
    attrs = {k: 0.3 for k in row.params}  # a non-default alpha
    upstream = rng.standard_normal(np.broadcast_shapes(*[a.shape for a in args])).astype(np_type)
    declared = row.grad not in (None, 'undeclared') and not row.bool_out and row.allowed != BOOL
    expected, tf_grads = _tf_value_and_grads(tf2, row, args, attrs, upstream if declared else None)
    with tf.device(device):
        inputs = [tf.constant(a) for a in args]
        out = op_builder.output(op_type, inputs, attrs or None)
        grads = tf.gradients(out, inputs, grad_ys=tf.constant(upstream)) if declared else []
    values = run_graph([out] + [g for g in grads if g is not None])
    np.testing.assert_allclose(values[0], expected, rtol=1e-6, atol=1e-12)
    got = iter(values[1:])
    for g, want in zip(grads, tf_grads or []):
        if g is None:  # sluice has no gradient for this input: TF's is None or zeros
            assert want is None or not np.any(want)
            continue
        np.testing.assert_allclose(next(got), want, rtol=1e-6, atol=1e-12)
