"""CPU kernel of ParseSingleSequenceExample (contract in sluice/ops/sequence_parsing_ops.py).

The SequenceExample is parsed once with its proto class; the context Features go through the
Example parser's per-feature paths (parsing_kernels.ExampleParser, so checks and messages are
parse_single_example's), and each feature list is read Feature by Feature: a dense list stacks
one row of `shape` per step (each step must hold exactly prod(shape) values of the declared type),
a sparse list becomes (time step, position) indices with dense shape [steps, longest step].
"""
import numpy as np
from google.protobuf.message import DecodeError

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.io.protos import SequenceExample
from sluice.kernels.graph_kernels import tf_type_name
from sluice.kernels.parsing_kernels import _KIND, _KIND_NAME, ExampleParser, _keys, _list_array, _values_array
from sluice.kernels.registry import register_kernel
from sluice.ops import sequence_parsing_ops as _ops  # noqa: F401  (registers the op)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _np_type(dtype):
    return None if dtype == dtypes.string else np.dtype(dtype.as_numpy_dtype)


class _Steps:
    """Reads one feature list's steps as arrays, checking each step's kind."""

    def __init__(self, op, name, key, dtype):
        self.op, self.name, self.key, self.dtype = op, name, key, dtype
        self.kind, self.np_type = _KIND[dtype], _np_type(dtype)

    def arrays(self, feature_list):
        out = []
        for step in feature_list.feature:
            which = step.WhichOneof('kind')
            if which is None:
                out.append(_values_array((), self.np_type))
                continue
            if which != self.kind:
                raise _invalid(self.op, "Name: %s, Feature list: %s, Index: %d.  Data types don't match. Expected "
                                        'type: %s, Actual type: %s' % (self.name, self.key, len(out),
                                                                       tf_type_name(self.dtype), _KIND_NAME[which]))
            out.append(_list_array(getattr(step, which), which, self.np_type))
        return out


def _dense_list(op, name, key, dtype, shape, feature_list):
    dims = tuple(shape.as_list())
    size = int(np.prod(dims, dtype=np.int64)) if dims else 1
    steps = _Steps(op, name, key, dtype).arrays(feature_list) if feature_list is not None else []
    for t, a in enumerate(steps):
        if a.size != size:
            raise _invalid(op, 'Name: %s, Key: %s, Index: %d.  Number of %s values != expected.  values size: %d '
                               'but output shape: [%s]' % (name, key, t, _KIND_NAME[_KIND[dtype]], a.size,
                                                           ','.join(str(d) for d in dims)))
    out = np.empty((len(steps),) + dims, dtype=object if dtype == dtypes.string else dtype.as_numpy_dtype)
    for t, a in enumerate(steps):
        out[t, ...] = a.reshape(dims)
    return out


def _sparse_list(op, name, key, dtype, feature_list):
    steps = _Steps(op, name, key, dtype).arrays(feature_list) if feature_list is not None else []
    counts = np.array([len(a) for a in steps], dtype=np.int64)
    values = np.concatenate(steps) if steps else _values_array((), _np_type(dtype))
    if dtype == dtypes.string:
        values = values.astype(object, copy=False)
    within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.repeat(np.arange(len(steps), dtype=np.int64), counts)
    shape = np.array([len(steps), int(counts.max()) if len(counts) else 0], dtype=np.int64)
    return np.stack([rows, within], axis=1), values, shape


@register_kernel('ParseSingleSequenceExample', devices=('CPU',), multi_output=True, fresh_output=True)
def parse_single_sequence_example(op, ctx):
    a = op._attrs
    n_cs, n_cd = a['Ncontext_sparse'], a['Ncontext_dense']
    n_fs, n_fd = a['Nfeature_list_sparse'], a['Nfeature_list_dense']
    cs_types, cd_types = list(a['context_sparse_types']), list(a['Tcontext_dense'])
    cd_shapes = list(a['context_dense_shapes'])
    fs_types, fd_types = list(a['feature_list_sparse_types']), list(a['feature_list_dense_types'])
    fd_shapes = list(a['feature_list_dense_shapes'])

    def run(serialized, missing_ok, *rest):
        if np.ndim(serialized) != 0:
            raise _invalid(op, 'Expected serialized to be a scalar, got shape: [%s]'
                           % ','.join(str(d) for d in np.shape(serialized)))
        groups = [n_cs, n_cd, n_fs, n_fd]
        keys, i = [], 0
        for n in groups:
            keys.append([_keys(k)[0] for k in rest[i:i + n]])
            i += n
        defaults, debug = rest[i:i + n_cd], rest[-1]
        debug = debug.item() if isinstance(debug, np.ndarray) else debug
        name = (debug.decode('utf-8', 'replace') if isinstance(debug, bytes) else str(debug)) or '<unknown>'
        data = serialized[()] if isinstance(serialized, np.ndarray) else serialized
        try:
            example = SequenceExample.FromString(data)
        except (DecodeError, TypeError, ValueError):
            raise _invalid(op, 'Could not parse example input, value: \'%s\''
                           % (data.decode('utf-8', 'backslashreplace') if isinstance(data, bytes) else data)) from None
        parser = ExampleParser(op, keys[0], cs_types, keys[1], cd_types, cd_shapes)
        fmap = example.context.feature
        context_sparse = [parser._sparse([fmap], True, (), spec) for spec in parser.sparse]
        context_dense = [parser._dense([fmap], True, (), spec, np.asarray(d)) for spec, d in zip(parser.dense,
                                                                                                   defaults)]
        lists = example.feature_lists.feature_list
        allowed = set(_keys(missing_ok))
        list_sparse = [_sparse_list(op, name, k, t, lists[k] if k in lists else None)
                       for k, t in zip(keys[2], fs_types)]
        list_dense = []
        for k, t, s in zip(keys[3], fd_types, fd_shapes):
            if k not in lists and k not in allowed:
                raise _invalid(op, "Name: %s, Feature list '%s' is required but could not be found.  Did you mean "
                                   'to include it in feature_list_dense_missing_assumed_empty or '
                                   'feature_list_dense_defaults?' % (name, k))
            list_dense.append(_dense_list(op, name, k, t, s, lists[k] if k in lists else None))
        return ([c[0] for c in context_sparse] + [c[1] for c in context_sparse] + [c[2] for c in context_sparse]
                + context_dense + [f[0] for f in list_sparse] + [f[1] for f in list_sparse]
                + [f[2] for f in list_sparse] + list_dense)
    return run
