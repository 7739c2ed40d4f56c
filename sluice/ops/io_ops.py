"""Checkpoint ops: SaveV2, RestoreV2, MergeV2Checkpoints, and the string ops the Saver needs.

Declared as TensorFlow declares them (tensorflow/core/ops/io_ops.cc, string_ops.cc):

    SaveV2(prefix: string, tensor_names: string, shape_and_slices: string, tensors: dtypes)
    RestoreV2(prefix: string, tensor_names: string, shape_and_slices: string) -> tensors: dtypes
    MergeV2Checkpoints(checkpoint_prefixes: string, destination_prefix: string)
        attrs delete_old_dirs=True, allow_missing_files=False
    ShardedFilename(basename: string, shard: int32, num_shards: int32) -> filename: string
    StringJoin(inputs: N * string) -> output: string, attr separator=''

`shape_and_slices` entries are '' for a whole tensor or TF's "<full shape> <slice>" text
("6 4 0,2:-": rows 0..1 of a 6x4 tensor).  The shape functions are TF's: RestoreV2 gives the
slice shape where the spec is a constant, else an unknown shape.  SaveV2, RestoreV2 and
MergeV2Checkpoints are stateful (they touch files); their kernels are CPU only
(sluice/kernels/io_kernels.py).  The functions below add the ops as TF's generated wrappers do:
Python values become Consts named after their argument inside the op's name scope
('save/SaveV2/tensor_names').
"""
from sluice.engine import op_builder
from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import shape_fns

__all__ = ['string_join']


def _with_rank(op, index, rank, what):
    shape = op._inputs[index]._shape
    if shape._dims is not None and len(shape._dims) != rank:
        raise ValueError("Shape must be rank %d but is rank %d for '%s' (op: '%s') (%s)"
                         % (rank, len(shape._dims), op.name, op.type, what))
    return shape


def _check_length(op, index, expected):
    dims = op._inputs[index]._shape._dims
    if dims is not None and dims[0] is not None and dims[0] != expected:
        raise ValueError("Dimension 0 in both shapes must be equal, but are %d and %d for '%s' (op: '%s')"
                         % (dims[0], expected, op.name, op.type))


def parse_shape_and_slice(text):
    """TF's "<full shape> <slice>" text: (full shape list, slice text); ValueError if malformed."""
    parts = text.split(' ')
    if len(parts) < 2:
        raise ValueError('Expected at least 2 space-delimited elements in shape_and_slice: %r' % text)
    try:
        full = [int(d) for d in parts[:-1]]
    except ValueError:
        raise ValueError('Non-numerical dimension in shape_and_slice: %r' % text) from None
    return full, parts[-1]


def slice_shape(full_shape, slice_text):
    """The shape of the part `slice_text` ('-' or 'start,length' per dimension) of `full_shape`."""
    parts = slice_text.split(':')
    if len(parts) != len(full_shape):
        raise ValueError('Expected %d dimensions in slice %r' % (len(full_shape), slice_text))
    dims = []
    for d, part in zip(full_shape, parts):
        if part == '-':
            dims.append(d)
        else:
            start, length = (int(x) for x in part.split(','))
            if start < 0 or length <= 0 or start + length > d:
                raise ValueError('Slice %r is out of the bounds of shape %s' % (slice_text, full_shape))
            dims.append(length)
    return dims


def _save_v2_shape(op):
    _with_rank(op, 0, 0, 'prefix')
    n = len(op._inputs) - 3
    for i, what in ((1, 'tensor_names'), (2, 'shape_and_slices')):
        _with_rank(op, i, 1, what)
        _check_length(op, i, n)
    return []


def _restore_v2_shape(op):
    _with_rank(op, 0, 0, 'prefix')
    names = _with_rank(op, 1, 1, 'tensor_names')
    slices = _with_rank(op, 2, 1, 'shape_and_slices')
    if not names.is_compatible_with(slices):
        raise ValueError("Dimension 0 in both shapes must be equal, but are %s and %s for '%s' (op: '%s')"
                         % (names, slices, op.name, op.type))
    n = len(op._outputs)
    _check_length(op, 1, n)
    specs = shape_fns.constant_value(op._inputs[2])
    if specs is None:
        return [unknown_shape() for _ in range(n)]
    specs = [s.decode() if isinstance(s, bytes) else str(s) for s in specs.reshape(-1).tolist()]
    if len(specs) != n:
        raise ValueError("The number of shape_and_slice doesn't match tensor outputs.")
    shapes = []
    for spec in specs:
        if not spec:
            shapes.append(unknown_shape())
            continue
        full, part = parse_shape_and_slice(spec)
        shapes.append(TensorShape(slice_shape(full, part)))
    return shapes


def _merge_shape(op):
    _with_rank(op, 0, 1, 'checkpoint_prefixes')
    _with_rank(op, 1, 0, 'destination_prefix')
    return []


def _sharded_filename_shape(op):
    for i, what in enumerate(('basename', 'shard', 'num_shards')):
        _with_rank(op, i, 0, what)
    return [TensorShape([])]


def _string_join_shape(op):
    """Scalars broadcast; the non-scalar inputs must all have one shape."""
    out = None
    for t in op._inputs:
        dims = t._shape._dims
        if dims is not None and len(dims) == 0:
            continue
        if out is None:
            out = t._shape
        elif not out.is_compatible_with(t._shape):
            raise ValueError("Dimensions must be equal for '%s' (op: 'StringJoin'): %s vs. %s"
                             % (op.name, out, t._shape))
        else:
            out = out.merge_with(t._shape)
    if out is None:
        # All scalars (or no input with a known rank): a scalar unless some rank is unknown.
        if any(t._shape._dims is None for t in op._inputs):
            return [unknown_shape()]
        return [TensorShape([])]
    return [out]


register_op('SaveV2', inputs=['prefix: string', 'tensor_names: string', 'shape_and_slices: string',
                              'tensors: dtypes'],
            attrs={'dtypes': 'list(type)'}, shape_fn=_save_v2_shape, is_stateful=True)
register_op('RestoreV2', inputs=['prefix: string', 'tensor_names: string', 'shape_and_slices: string'],
            outputs=['tensors: dtypes'], attrs={'dtypes': 'list(type)'}, shape_fn=_restore_v2_shape,
            is_stateful=True)
register_op('MergeV2Checkpoints', inputs=['checkpoint_prefixes: string', 'destination_prefix: string'],
            attrs={'delete_old_dirs': ('bool', True), 'allow_missing_files': ('bool', False)},
            shape_fn=_merge_shape, is_stateful=True)
register_op('ShardedFilename', inputs=['basename: string', 'shard: int32', 'num_shards: int32'],
            outputs=['filename: string'], shape_fn=_sharded_filename_shape)
register_op('StringJoin', inputs=['inputs: N * string'], outputs=['output: string'],
            attrs={'N': 'int', 'separator': ('string', '')}, shape_fn=_string_join_shape)



def save_v2(prefix, tensor_names, shape_and_slices, tensors, name=None):
    """Writes `tensors` as a V2 checkpoint under `prefix`; returns the Operation."""
    return op_builder.apply('SaveV2', [prefix, tensor_names, shape_and_slices, list(tensors)], {}, name)


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes, name=None):
    """The tensors `tensor_names` of the V2 checkpoint `prefix`, one output per dtype."""
    attrs = {'dtypes': [_dtypes.as_dtype(d).base_dtype for d in dtypes]}
    return op_builder.apply('RestoreV2', [prefix, tensor_names, shape_and_slices], attrs, name)._outputs


def merge_v2_checkpoints(checkpoint_prefixes, destination_prefix, delete_old_dirs=True, allow_missing_files=False,
                         name=None):
    """One checkpoint under `destination_prefix` from the single-shard checkpoints `checkpoint_prefixes`."""
    g = _graph.graph_of([t for t in list(checkpoint_prefixes) + [destination_prefix]
                         if isinstance(t, _graph.Tensor)])
    with g.as_default(), g.name_scope(name or 'MergeV2Checkpoints') as scope:
        prefixes = checkpoint_prefixes
        if isinstance(prefixes, (list, tuple)):
            if any(isinstance(p, _graph.Tensor) for p in prefixes):
                prefixes = g._create_op('Pack', [[_graph.convert_to_tensor(p, dtype=_dtypes.string)
                                                  for p in prefixes]], {'axis': 0},
                                        name='checkpoint_prefixes')._outputs[0]
            else:
                prefixes = _graph.convert_to_tensor(list(prefixes), dtype=_dtypes.string,
                                                    name='checkpoint_prefixes')
        else:
            prefixes = _graph.convert_to_tensor(prefixes, dtype=_dtypes.string, name='checkpoint_prefixes')
        destination = _graph.convert_to_tensor(destination_prefix, dtype=_dtypes.string, name='destination_prefix')
        return g._create_op('MergeV2Checkpoints', [prefixes, destination],
                            {'delete_old_dirs': bool(delete_old_dirs),
                             'allow_missing_files': bool(allow_missing_files)}, name=scope)


def sharded_filename(basename, shard, num_shards, name=None):
    """"<basename>-<shard>-of-<num_shards>", both numbers 5 digits wide."""
    return op_builder.apply('ShardedFilename', [basename, shard, num_shards], {}, name)._outputs[0]


def string_join(inputs, separator='', name=None):
    """Elementwise concatenation of string tensors (scalars broadcast), with `separator` between."""
    return op_builder.apply('StringJoin', [list(inputs)], {'separator': separator}, name)._outputs[0]

