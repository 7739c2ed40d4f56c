"""The text ops of TF 1.15's `tf.strings` beyond formatting and parsing (string_ops.py):

- splitting into a SparseTensor [len(source), max tokens]: StringSplit (tf.string_split: any byte of
  `delimiter` separates, empty tokens dropped by default) and StringSplitV2 (tf.strings.split: `sep` as a
  whole separator keeping empty tokens; no `sep` splits on runs of whitespace; `maxsplit`);
- Substr (positions in bytes or UTF-8 characters, `pos` out of range is an error), StringLength,
  StringStrip, StringLower/StringUpper, StaticRegexReplace/RegexReplace (RE2's \\1 rewrites), ReduceJoin
  (the first listed axis varies fastest in the joined text, as TF joins);
- bucketing by hash: StringToHashBucketFast (FarmHash Fingerprint64), StringToHashBucket (TF's legacy
  Hash64) and StringToHashBucketStrong (SipHash-2-4 under a key), each `hash % num_buckets`.
CPU kernels only, as in TF (kernels/string_transform_kernels.py).
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import shape_fns
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['string_split', 'split', 'substr', 'string_length', 'string_strip', 'lower', 'upper', 'regex_replace',
           'reduce_join', 'string_to_hash_bucket_fast', 'string_to_hash_bucket', 'string_to_hash_bucket_strong']


def _split_shape(op):
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])]


def _reduce_join_shape(op):
    # The reduced axes are known only from a constant; otherwise the rank is unknown.
    inputs, indices = op._inputs[0]._shape, shape_fns.constant_value(op._inputs[1])
    if inputs.ndims is None or indices is None:
        return [TensorShape(None)]
    rank = inputs.ndims
    axes = set(int(a) % rank for a in indices.reshape(-1)) if rank else set()
    if indices.size == 0 and rank:
        axes = set(range(rank))
    keep = op.get_attr('keep_dims')
    dims = [1 if i in axes else d for i, d in enumerate(inputs.as_list()) if keep or i not in axes]
    return [TensorShape(dims)]


register_op('StringSplit', ['input: string', 'delimiter: string'],
            ['indices: int64', 'values: string', 'shape: int64'], {'skip_empty': ('bool', True)}, _split_shape)
register_op('StringSplitV2', ['input: string', 'sep: string'],
            ['indices: int64', 'values: string', 'shape: int64'], {'maxsplit': ('int', -1)}, _split_shape)
register_op('Substr', ['input: string', 'pos: T', 'len: T'], ['output: string'],
            {'T': 'type', 'unit': ('string', 'BYTE')}, shape_fns.broadcast)
register_op('StringLength', ['input: string'], ['output: int32'], {'unit': ('string', 'BYTE')}, shape_fns.unchanged)
register_op('StringStrip', ['input: string'], ['output: string'], {}, shape_fns.unchanged)
register_op('StringLower', ['input: string'], ['output: string'], {'encoding': ('string', '')}, shape_fns.unchanged)
register_op('StringUpper', ['input: string'], ['output: string'], {'encoding': ('string', '')}, shape_fns.unchanged)
register_op('StaticRegexReplace', ['input: string'], ['output: string'],
            {'pattern': 'string', 'rewrite': 'string', 'replace_global': ('bool', True)}, shape_fns.unchanged)
register_op('RegexReplace', ['input: string', 'pattern: string', 'rewrite: string'], ['output: string'],
            {'replace_global': ('bool', True)}, shape_fns.unchanged)
register_op('ReduceJoin', ['inputs: string', 'reduction_indices: int32'], ['output: string'],
            {'keep_dims': ('bool', False), 'separator': ('string', '')}, _reduce_join_shape)
register_op('StringToHashBucketFast', ['input: string'], ['output: int64'], {'num_buckets': 'int'},
            shape_fns.unchanged)
register_op('StringToHashBucket', ['string_tensor: string'], ['output: int64'], {'num_buckets': 'int'},
            shape_fns.unchanged)
register_op('StringToHashBucketStrong', ['input: string'], ['output: int64'],
            {'num_buckets': 'int', 'key': 'list(int)'}, shape_fns.unchanged)
for _op in ('StringSplit', 'StringSplitV2', 'Substr', 'StringLength', 'StringStrip', 'StringLower', 'StringUpper',
            'StaticRegexReplace', 'RegexReplace', 'ReduceJoin', 'StringToHashBucketFast', 'StringToHashBucket',
            'StringToHashBucketStrong'):
    no_gradient(_op)


def _check_unit(unit):
    if unit not in ('BYTE', 'UTF8_CHAR'):
        raise ValueError("Attr 'unit' of op must be one of BYTE, UTF8_CHAR; got %r" % (unit,))
    return unit


def _check_buckets(num_buckets):
    if int(num_buckets) < 1:
        raise ValueError("Attr 'num_buckets' of 1 must be at least minimum 1; got %d" % num_buckets)
    return int(num_buckets)


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type='SparseTensor', name=None):
    """tf.string_split: each string of the 1-D `source` split at any byte of `delimiter` (default ' ')."""
    if result_type != 'SparseTensor':
        raise NotImplementedError('sluice does not implement RaggedTensor results (result_type=%r) yet' % result_type)
    delimiter = delimiter if delimiter is not None else sep if sep is not None else ' '
    with name_scope(name, 'StringSplit', [source]):
        parts = op_builder.apply('StringSplit', [source, delimiter], {'skip_empty': bool(skip_empty)})._outputs
        return SparseTensor(*parts)


def split(input=None, sep=None, maxsplit=-1, result_type='SparseTensor', source=None, name=None):  # noqa: A002
    """tf.strings.split (TF 1.15's compat.v1 form): `sep` splits exactly; None splits on whitespace runs."""
    if result_type != 'SparseTensor':
        raise NotImplementedError('sluice does not implement RaggedTensor results (result_type=%r) yet' % result_type)
    if input is None:
        input = source  # noqa: A001
    with name_scope(name, 'StringSplit', [input]):
        parts = op_builder.apply('StringSplitV2', [input, '' if sep is None else sep],
                                 {'maxsplit': int(maxsplit)})._outputs
        return SparseTensor(*parts)


def substr(input, pos, len, name=None, unit='BYTE'):  # noqa: A002
    """input[pos:pos + len] of each string (broadcasting), in bytes or UTF-8 characters."""
    return op_builder.output('Substr', [input, pos, len], {'unit': _check_unit(unit)}, name)


def string_length(input, name=None, unit='BYTE'):  # noqa: A002
    return op_builder.output('StringLength', [input], {'unit': _check_unit(unit)}, name)


def string_strip(input, name=None):  # noqa: A002
    """Leading and trailing whitespace removed."""
    return op_builder.output('StringStrip', [input], {}, name)


def lower(input, encoding='', name=None):  # noqa: A002
    return op_builder.output('StringLower', [input], {'encoding': encoding}, name)


def upper(input, encoding='', name=None):  # noqa: A002
    return op_builder.output('StringUpper', [input], {'encoding': encoding}, name)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Matches of `pattern` replaced by `rewrite` (all of them, or the first when not replace_global)."""
    if isinstance(pattern, (str, bytes)) and isinstance(rewrite, (str, bytes)):
        as_str = [v.decode() if isinstance(v, bytes) else v for v in (pattern, rewrite)]
        attrs = {'pattern': as_str[0], 'rewrite': as_str[1], 'replace_global': bool(replace_global)}
        return op_builder.output('StaticRegexReplace', [input], attrs, name)
    return op_builder.output('RegexReplace', [input, pattern, rewrite], {'replace_global': bool(replace_global)},
                             name)


def reduce_join(inputs, axis=None, keep_dims=None, separator='', name=None, reduction_indices=None, keepdims=None):
    """Joins the strings along `axis` (all axes, last varying fastest, when None)."""
    if axis is None:
        axis = reduction_indices
    keep = keepdims if keepdims is not None else keep_dims
    with name_scope(None, 'ReduceJoin', [inputs, axis]):
        inputs = convert_to_tensor(inputs, dtype=dtypes.string)
        if axis is None:  # every axis, the last varying fastest
            rank = inputs.shape.ndims
            if rank is not None:
                axis = list(range(rank - 1, -1, -1))
            else:
                from sluice.ops import array_ops, filling_ops
                axis = filling_ops.range(array_ops.rank(inputs) - 1, -1, -1)
        return op_builder.output('ReduceJoin', [inputs, axis], {'keep_dims': bool(keep), 'separator': separator},
                                 name)


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    return op_builder.output('StringToHashBucketFast', [input], {'num_buckets': _check_buckets(num_buckets)}, name)


def string_to_hash_bucket(string_tensor, num_buckets, name=None, input=None):  # noqa: A002
    if string_tensor is None:
        string_tensor = input
    return op_builder.output('StringToHashBucket', [string_tensor], {'num_buckets': _check_buckets(num_buckets)},
                             name)


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    key = [int(k) for k in key]
    if len(key) != 2:
        raise ValueError('Key must have 2 elements')
    attrs = {'num_buckets': _check_buckets(num_buckets), 'key': key}
    return op_builder.output('StringToHashBucketStrong', [input], attrs, name)
