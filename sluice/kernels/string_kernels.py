"""Kernels of the string ops (ops/string_ops.py): AsString, StringToNumber and the regex matches,
CPU only as in TF. Patterns are RE2's in TF; Python's `re` agrees on the syntax TF1 programs use.
"""
import re

import numpy as np

from sluice.engine import dtypes
from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_INT_RANGE = {np.dtype(np.int32): (-2 ** 31, 2 ** 31 - 1), np.dtype(np.int64): (-2 ** 63, 2 ** 63 - 1)}


@register_kernel('AsString', devices=('CPU',), fresh_output=True)
def as_string(op, ctx):
    dtype = op.get_attr('T')
    precision, scientific = op.get_attr('precision'), op.get_attr('scientific')
    shortest, width, fill = op.get_attr('shortest'), op.get_attr('width'), op.get_attr('fill')
    fill = fill.decode() if isinstance(fill, bytes) else fill
    is_float = dtype.is_floating
    is_complex = dtype.is_complex
    spec = '%'
    if fill:
        if fill[0] not in ' +-0#':
            raise _invalid(op, 'Fill argument not supported: "%s"' % fill)
        spec += fill
    if width > -1:
        spec += '%d' % width
    if precision > -1:
        if not (is_float or is_complex):
            raise _invalid(op, 'precision not supported for datatype %s' % dtype.name)
        spec += '.%d' % precision
    if scientific and not (is_float or is_complex):
        raise _invalid(op, 'scientific not supported for datatype %s' % dtype.name)
    if shortest and not (is_float or is_complex):
        raise _invalid(op, 'shortest not supported for datatype %s' % dtype.name)
    if dtype == dtypes.bool:
        def fmt(v):
            return b'true' if v else b'false'
    elif dtype == dtypes.string:
        def fmt(v):
            return v if isinstance(v, bytes) else str(v).encode()
    elif is_float or is_complex:
        spec += 'g' if shortest else 'e' if scientific else 'f'
        if is_complex:
            def fmt(v):
                return ('(%s,%s)' % (spec % v.real, spec % v.imag)).encode()
        else:
            def fmt(v):
                return (spec % float(v)).encode()
    else:
        spec += 'd'

        def fmt(v):
            return (spec % int(v)).encode()

    def run(x):
        x = np.asarray(x)
        out = np.empty(x.shape, dtype=object)
        flat_in, flat_out = x.reshape(-1), out.reshape(-1)
        for i in range(flat_in.size):
            flat_out[i] = fmt(flat_in[i])
        return out
    return run


_FLOAT_TEXT = re.compile(r'\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)\s*',
                         re.IGNORECASE)


_INT_TEXT = re.compile(r'\s*[-+]?\d+\s*')


@register_kernel('StringToNumber', devices=('CPU',), fresh_output=True)
def string_to_number(op, ctx):
    out_dtype = np.dtype(op.get_attr('out_type').as_numpy_dtype)
    is_int = out_dtype.kind == 'i'

    def parse(s):
        text = s.decode('utf-8', 'replace') if isinstance(s, bytes) else str(s)
        if is_int:
            if _INT_TEXT.fullmatch(text):
                v = int(text)
                lo, hi = _INT_RANGE[out_dtype]
                if lo <= v <= hi:
                    return v
        else:
            if _FLOAT_TEXT.fullmatch(text):
                return float(text)
            try:
                return float.fromhex(text.strip())
            except (ValueError, OverflowError):
                pass
        raise _invalid(op, 'StringToNumberOp could not correctly convert string: %s' % text)

    def run(x):
        x = np.asarray(x, dtype=object)
        out = np.empty(x.shape, dtype=out_dtype)
        flat_in, flat_out = x.reshape(-1), out.reshape(-1)
        for i in range(flat_in.size):
            flat_out[i] = parse(flat_in[i])
        return out
    return run


def _compiled(op, pattern):
    pattern = pattern.decode() if isinstance(pattern, bytes) else pattern
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error as e:
        raise _invalid(op, 'Invalid pattern: %s, error: %s' % (pattern, e)) from None


def _full_match(regex, strings):
    strings = np.asarray(strings, dtype=object)
    out = np.fromiter((regex.fullmatch(s.decode('utf-8', 'surrogateescape') if isinstance(s, bytes) else s)
                       is not None for s in strings.reshape(-1)), dtype=bool, count=strings.size)
    return out.reshape(strings.shape)


@register_kernel('StaticRegexFullMatch', devices=('CPU',), fresh_output=True)
def static_regex_full_match(op, ctx):
    regex = _compiled(op, op.get_attr('pattern'))  # once per plan
    return lambda strings: _full_match(regex, strings)


@register_kernel('RegexFullMatch', devices=('CPU',), fresh_output=True)
def regex_full_match(op, ctx):
    def run(strings, pattern):
        pattern = np.asarray(pattern, dtype=object)
        if pattern.ndim != 0:
            raise _invalid(op, 'Pattern must be scalar, but received %s' % (list(pattern.shape),))
        return _full_match(_compiled(op, pattern.item()), strings)
    return run
