"""Kernels of the text ops (ops/string_transform_ops.py), CPU only as in TF. Strings are bytes in object
arrays; UTF-8 units decode, slice and re-encode. Regexes are RE2's in TF; Python's `re` agrees on the
syntax TF1 programs use, and RE2's `\\1` rewrites are Python's too.
"""
import re

import numpy as np

from sluice.kernels import string_hashes
from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)


def _as_bytes(v):
    return v if isinstance(v, bytes) else v.encode() if isinstance(v, str) else bytes(v)


def _map(fn, x):
    """fn over every element of the string array x, as a fresh object array of x's shape."""
    x = np.asarray(x, dtype=object)
    out = np.empty(x.shape, dtype=object)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = fn(_as_bytes(flat_in[i]))
    return out


def _sparse(op, rows):
    """(indices, values, dense_shape) of the token lists `rows`."""
    indices = [(r, c) for r, tokens in enumerate(rows) for c in range(len(tokens))]
    values = np.empty(len(indices), dtype=object)
    values[:] = [t for tokens in rows for t in tokens]
    width = max((len(t) for t in rows), default=0)
    return (np.array(indices, dtype=np.int64).reshape(-1, 2), values,
            np.array([len(rows), width], dtype=np.int64))


def _vector(op, x):
    x = np.asarray(x, dtype=object)
    if x.ndim != 1:
        raise _invalid(op, 'input must be a vector, got shape: %s' % (list(x.shape),))
    return [_as_bytes(v) for v in x]


@register_kernel('StringSplit', devices=_CPU, multi_output=True, fresh_output=True)
def string_split(op, ctx):
    skip_empty = op.get_attr('skip_empty')

    def run(source, delimiter):
        strings = _vector(op, source)
        delim = _as_bytes(np.asarray(delimiter, dtype=object).item())
        if delim:
            pattern = re.compile(b'[' + re.escape(delim) + b']')
            rows = [pattern.split(s) for s in strings]
        else:  # an empty delimiter splits into bytes
            rows = [[s[i:i + 1] for i in range(len(s))] for s in strings]
        if skip_empty:
            rows = [[t for t in tokens if t] for tokens in rows]
        else:
            rows = [tokens if s else [] for s, tokens in zip(strings, rows)]
        return _sparse(op, rows)
    return run


@register_kernel('StringSplitV2', devices=_CPU, multi_output=True, fresh_output=True)
def string_split_v2(op, ctx):
    maxsplit = op.get_attr('maxsplit')

    def run(source, sep):
        strings = _vector(op, source)
        sep = _as_bytes(np.asarray(sep, dtype=object).item())
        # Python's bytes.split is TF's: whitespace runs without `sep`, exact separators (empty tokens) with it.
        rows = [s.split(sep or None, maxsplit) for s in strings]
        return _sparse(op, rows)
    return run


def _utf8(op, s, index):
    try:
        return s.decode('utf-8')
    except UnicodeDecodeError:
        raise _invalid(op, 'Invalid UTF-8 string at index %d' % index) from None


@register_kernel('Substr', devices=_CPU, fresh_output=True)
def substr(op, ctx):
    chars = op.get_attr('unit') == 'UTF8_CHAR'

    def run(x, pos, length):
        x, pos, length = np.broadcast_arrays(np.asarray(x, dtype=object), np.asarray(pos), np.asarray(length))
        out = np.empty(x.shape, dtype=object)
        flat_x, flat_p, flat_l, flat_out = x.reshape(-1), pos.reshape(-1), length.reshape(-1), out.reshape(-1)
        for i in range(flat_x.size):
            s = _as_bytes(flat_x[i])
            text = _utf8(op, s, i) if chars else s
            p, n = int(flat_p[i]), int(flat_l[i])
            size = len(text)
            if p > size or p < -size:
                raise _invalid(op, 'pos %d out of range for string %s at index %d' % (p, repr(s), i))
            start = p if p >= 0 else size + p
            piece = text[start:start + max(n, 0)]
            flat_out[i] = piece.encode('utf-8') if chars else piece
        return out
    return run


@register_kernel('StringLength', devices=_CPU, fresh_output=True)
def string_length(op, ctx):
    chars = op.get_attr('unit') == 'UTF8_CHAR'

    def length(s):
        # UTF-8 characters are the bytes that do not continue one (0b10xxxxxx), as TF counts them.
        return sum(1 for b in s if b & 0xc0 != 0x80) if chars else len(s)

    def run(x):
        return _map(length, x).astype(np.int32)
    return run


@register_kernel('StringStrip', devices=_CPU, fresh_output=True)
def string_strip(op, ctx):
    return lambda x: _map(lambda s: s.strip(b' \t\n\v\f\r'), x)


@register_kernel('StringLower', devices=_CPU, fresh_output=True)
def string_lower(op, ctx):
    if op.get_attr('encoding'):
        return lambda x: _map(lambda s: s.decode('utf-8').lower().encode('utf-8'), x)
    return lambda x: _map(bytes.lower, x)  # ASCII letters only, as TF without an encoding


@register_kernel('StringUpper', devices=_CPU, fresh_output=True)
def string_upper(op, ctx):
    if op.get_attr('encoding'):
        return lambda x: _map(lambda s: s.decode('utf-8').upper().encode('utf-8'), x)
    return lambda x: _map(bytes.upper, x)


def _compile(op, pattern):
    try:
        return re.compile(_as_bytes(pattern))
    except re.error as e:
        raise _invalid(op, 'Invalid pattern: %s, error: %s' % (_as_bytes(pattern).decode(errors='replace'), e)) \
            from None


def _replacer(op, pattern, rewrite, replace_global):
    regex = _compile(op, pattern)
    rewrite = _as_bytes(rewrite)
    count = 0 if replace_global else 1
    return lambda s: regex.sub(rewrite, s, count=count)


@register_kernel('StaticRegexReplace', devices=_CPU, fresh_output=True)
def static_regex_replace(op, ctx):
    fn = _replacer(op, op.get_attr('pattern'), op.get_attr('rewrite'), op.get_attr('replace_global'))
    return lambda x: _map(fn, x)


@register_kernel('RegexReplace', devices=_CPU, fresh_output=True)
def regex_replace(op, ctx):
    replace_global = op.get_attr('replace_global')

    def run(x, pattern, rewrite):
        fn = _replacer(op, np.asarray(pattern, dtype=object).item(), np.asarray(rewrite, dtype=object).item(),
                       replace_global)
        return _map(fn, x)
    return run


@register_kernel('ReduceJoin', devices=_CPU, fresh_output=True)
def reduce_join(op, ctx):
    keep_dims = op.get_attr('keep_dims')
    separator = _as_bytes(op.get_attr('separator'))

    def run(x, indices):
        x = np.asarray(x, dtype=object)
        rank = x.ndim
        listed = [int(a) for a in np.asarray(indices).reshape(-1)] or list(range(rank))
        axes = []
        for a in listed:
            if not -rank <= a < rank:
                raise _invalid(op, 'Invalid reduction dimension %d for input with %d dimension(s)' % (a, rank))
            a %= rank
            if a in axes:
                raise _invalid(op, 'Duplicate reduction dimension %d' % a)
            axes.append(a)
        kept = [a for a in range(rank) if a not in axes]
        # The first listed axis varies fastest in the joined text: it goes last.
        moved = np.transpose(x, kept + axes[::-1]) if rank else x
        groups = moved.reshape([x.shape[a] for a in kept] + [-1])
        out = np.empty(groups.shape[:-1], dtype=object)
        flat_groups, flat_out = groups.reshape(-1, groups.shape[-1]), out.reshape(-1)
        for i in range(flat_out.size):
            flat_out[i] = separator.join(_as_bytes(v) for v in flat_groups[i])
        if keep_dims:
            out = out.reshape([1 if a in axes else x.shape[a] for a in range(rank)])
        return out
    return run


def _bucket_kernel(op_type, hasher):
    @register_kernel(op_type, devices=_CPU, fresh_output=True)
    def kernel(op, ctx):
        buckets = op.get_attr('num_buckets')
        fn = hasher(op)
        return lambda x: _map(lambda s: fn(s) % buckets, x).astype(np.int64)
    return kernel


_bucket_kernel('StringToHashBucketFast', lambda op: string_hashes.fingerprint64)
_bucket_kernel('StringToHashBucket', lambda op: string_hashes.legacy_hash64)
_bucket_kernel('StringToHashBucketStrong',
               lambda op: lambda s, key=tuple(op.get_attr('key')): string_hashes.siphash24(key, s))
