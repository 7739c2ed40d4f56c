"""Parsing ops: decode_raw, decode_csv, parse_example, parse_single_example (TF 1.x API).

Declared as TensorFlow declares them (tensorflow/core/ops/parsing_ops.cc):

    DecodeRaw(bytes: string) -> output: out_type            attr little_endian=True
    DecodeCSV(records: string, record_defaults: OUT_TYPE) -> output: OUT_TYPE
        attrs field_delim=',', use_quote_delim=True, na_value='', select_cols=[]
    ParseExampleV2(serialized: string, names: string, sparse_keys: string, dense_keys: string,
                   ragged_keys: string, dense_defaults: Tdense)
        -> sparse_indices: num_sparse * int64, sparse_values: sparse_types,
           sparse_shapes: num_sparse * int64, dense_values: Tdense,
           ragged_values: ragged_value_types, ragged_row_splits: ragged_split_types
    ParseExample / ParseSingleExample (TF's older forms, for imported graphs)

parse_example and parse_single_example build the graph the scratch TensorFlow builds: a
'ParseExample' (or 'ParseSingleExample/ParseExample') scope holding the dense defaults (an empty
Const for a required feature, 'key_<name>' reshaped to the feature's shape, or a scalar padding
value for a FixedLenSequenceFeature) and one ParseExampleV2 node whose key lists are Consts.
Features are taken in sorted key order; a VarLenFeature comes back as a SparseTensor.
The kernels (sluice/kernels/parsing_kernels.py) run on the CPU: strings stay in host memory.
"""
import collections
import re

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.op_registry import register_op
from sluice.ops import array_ops
from sluice.ops import constant_op
from sluice.ops import control_flow_ops
from sluice.ops import graph_ops
from sluice.ops import math_ops
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['decode_raw', 'decode_csv', 'parse_example', 'parse_single_example', 'FixedLenFeature',
           'VarLenFeature', 'FixedLenSequenceFeature']

# TF's allowed types, in its order (used in its TypeError messages).
DECODE_RAW_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint16, dtypes.uint8,
                    dtypes.int16, dtypes.int8, dtypes.int64, dtypes.complex64, dtypes.complex128, dtypes.bool,
                    dtypes.bfloat16)
CSV_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)
EXAMPLE_TYPES = (dtypes.float32, dtypes.int64, dtypes.string)


# -- shape functions ---------------------------------------------------------------------------

def _decode_raw_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is None:
        return [tensor_shape.unknown_shape()]
    return [tensor_shape.TensorShape(list(dims) + [None])]


def _decode_csv_shape(op):
    for i, t in enumerate(op._inputs[1:]):
        dims = t._shape._dims
        if dims is not None and (len(dims) > 1 or (len(dims) == 1 and dims[0] is not None and dims[0] > 1)):
            raise ValueError("Shape of a default must be a length-0 or length-1 vector, or a scalar. for '%s' "
                             "(op: 'DecodeCSV') with input shapes: %s." % (op.name, t._shape))
    return [op._inputs[0]._shape] * (len(op._inputs) - 1)


def _example_shapes(op, batch_dims, num_sparse, dense_shapes, n_ragged):
    """Output shapes of the parse ops for a serialized input with leading dims `batch_dims` (None: unknown)."""
    rank = None if batch_dims is None else len(batch_dims)
    index_cols = None if rank is None else rank + 1
    out = [tensor_shape.TensorShape([None, index_cols])] * num_sparse
    out += [tensor_shape.TensorShape([None])] * num_sparse
    out += [tensor_shape.TensorShape([index_cols])] * num_sparse
    for shape in dense_shapes:
        shape = tensor_shape.as_shape(shape)
        out.append(tensor_shape.unknown_shape() if batch_dims is None
                   else tensor_shape.TensorShape(list(batch_dims)).concatenate(shape))
    out += [tensor_shape.TensorShape([None])] * (2 * n_ragged)
    return out


def _parse_example_v2_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is not None and len(dims) > 1:
        raise ValueError("Shape must be at most rank 1 but is rank %d for '%s' (op: 'ParseExampleV2')"
                         % (len(dims), op.name))
    return _example_shapes(op, None if dims is None else list(dims), op._attrs['num_sparse'],
                           op._attrs['dense_shapes'], len(op._attrs['ragged_value_types']))


def _parse_example_shape(op):
    dims = op._inputs[0]._shape._dims
    return _example_shapes(op, None if dims is None else list(dims), op._attrs['Nsparse'],
                           op._attrs['dense_shapes'], 0)


def _parse_single_example_shape(op):
    return _example_shapes(op, [], op._attrs['num_sparse'], op._attrs['dense_shapes'], 0)


# -- op declarations ---------------------------------------------------------------------------

register_op('DecodeRaw', inputs=['bytes: string'], outputs=['output: out_type'],
            attrs={'out_type': 'type', 'little_endian': ('bool', True)}, shape_fn=_decode_raw_shape)
register_op('DecodeCSV', inputs=['records: string', 'record_defaults: OUT_TYPE'], outputs=['output: OUT_TYPE'],
            attrs={'OUT_TYPE': 'list(type)', 'field_delim': ('string', ','), 'use_quote_delim': ('bool', True),
                   'na_value': ('string', ''), 'select_cols': ('list(int)', [])},
            shape_fn=_decode_csv_shape)
register_op('ParseExampleV2',
            inputs=['serialized: string', 'names: string', 'sparse_keys: string', 'dense_keys: string',
                    'ragged_keys: string', 'dense_defaults: Tdense'],
            outputs=['sparse_indices: num_sparse * int64', 'sparse_values: sparse_types',
                     'sparse_shapes: num_sparse * int64', 'dense_values: Tdense',
                     'ragged_values: ragged_value_types', 'ragged_row_splits: ragged_split_types'],
            attrs={'Tdense': 'list(type)', 'num_sparse': 'int', 'sparse_types': 'list(type)',
                   'ragged_value_types': 'list(type)', 'ragged_split_types': 'list(type)',
                   'dense_shapes': 'list(shape)'},
            shape_fn=_parse_example_v2_shape)
register_op('ParseExample',
            inputs=['serialized: string', 'names: string', 'sparse_keys: Nsparse * string',
                    'dense_keys: Ndense * string', 'dense_defaults: Tdense'],
            outputs=['sparse_indices: Nsparse * int64', 'sparse_values: sparse_types',
                     'sparse_shapes: Nsparse * int64', 'dense_values: Tdense'],
            attrs={'Nsparse': 'int', 'Ndense': 'int', 'sparse_types': 'list(type)', 'Tdense': 'list(type)',
                   'dense_shapes': 'list(shape)'},
            shape_fn=_parse_example_shape)
register_op('ParseSingleExample', inputs=['serialized: string', 'dense_defaults: Tdense'],
            outputs=['sparse_indices: num_sparse * int64', 'sparse_values: sparse_types',
                     'sparse_shapes: num_sparse * int64', 'dense_values: Tdense'],
            attrs={'num_sparse': 'int', 'sparse_keys': 'list(string)', 'dense_keys': 'list(string)',
                   'sparse_types': 'list(type)', 'Tdense': 'list(type)', 'dense_shapes': 'list(shape)'},
            shape_fn=_parse_single_example_shape)



def _check_type(param, dtype, allowed):
    if dtype.base_dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: %s"
                        % (param, dtype.base_dtype.name, ', '.join(t.name for t in allowed)))


# -- decode_raw, decode_csv ------------------------------------------------------------------------

def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):  # noqa: A002
    """Each string of `input_bytes` as a vector of `out_type` numbers (one more dimension)."""
    if input_bytes is None:
        input_bytes = bytes
    elif bytes is not None:
        raise ValueError('Cannot specify both "input_bytes" and "bytes"')
    if out_type is None:
        raise ValueError("decode_raw_v1() missing 1 positional argument: 'out_type'")
    out_type = dtypes.as_dtype(out_type)
    _check_type('out_type', out_type, DECODE_RAW_TYPES)
    return op_builder.apply('DecodeRaw', [input_bytes], {'out_type': out_type, 'little_endian': bool(little_endian)},
                  name)._outputs[0]


def decode_csv(records, record_defaults, field_delim=',', use_quote_delim=True, name=None, na_value='',
               select_cols=None):
    """The columns of the CSV `records` (RFC 4180), one tensor per column, typed by `record_defaults`."""
    if select_cols is not None and any(select_cols[i] >= select_cols[i + 1] for i in range(len(select_cols) - 1)):
        raise ValueError('select_cols is not strictly increasing.')
    if select_cols is not None and select_cols and select_cols[0] < 0:
        raise ValueError('select_cols contains negative values.')
    if select_cols is not None and len(select_cols) != len(record_defaults):
        raise ValueError('Length of select_cols and record_defaults do not match.')
    g = _graph.graph_of([d for d in record_defaults if isinstance(d, _graph.Tensor)]
                        + ([records] if isinstance(records, _graph.Tensor) else []))
    with g.as_default(), g.name_scope(name or 'DecodeCSV') as scope:
        records_t = _graph.convert_to_tensor(records, dtype=dtypes.string, name='records')
        defaults = [_graph.convert_to_tensor(d, name='record_defaults_%d' % i) for i, d in enumerate(record_defaults)]
        for d in defaults:
            _check_type('record_defaults', d.dtype, CSV_TYPES)
        op = g._create_op('DecodeCSV', [records_t, defaults],
                          {'field_delim': _as_str(field_delim), 'use_quote_delim': bool(use_quote_delim),
                           'na_value': _as_str(na_value), 'select_cols': list(select_cols or [])}, name=scope)
    return list(op._outputs)


def _as_str(s):
    return s.decode('utf-8') if isinstance(s, (bytes, bytearray)) else str(s)


# -- features ----------------------------------------------------------------------------------------

class VarLenFeature(collections.namedtuple('VarLenFeature', ['dtype'])):
    """A feature with any number of values: parsed into a SparseTensor."""


class FixedLenFeature(collections.namedtuple('FixedLenFeature', ['shape', 'dtype', 'default_value'])):
    """A feature with exactly `shape` values; `default_value` stands in when an example lacks it."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        'FixedLenSequenceFeature', ['shape', 'dtype', 'allow_missing', 'default_value'])):
    """Any number of values of `shape` each: a [None] + shape tensor, padded with default_value in a batch."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class _ParseParams:
    """The parse op's key lists, types, shapes and defaults, from a features dict (TF's _ParseOpParams)."""

    def __init__(self, features):
        self.sparse_keys, self.sparse_types = [], []
        self.dense_keys, self.dense_types, self.dense_shapes = [], [], []
        self.dense_defaults = {}
        for key in sorted(features):
            feature = features[key]
            if isinstance(feature, VarLenFeature):
                self._add_sparse(key, feature)
            elif isinstance(feature, FixedLenFeature):
                self._add_fixed(key, feature)
            elif isinstance(feature, FixedLenSequenceFeature):
                self._add_sequence(key, feature)
            else:
                raise ValueError('Unsupported %s %s for key \'%s\'' % (type(feature).__name__, feature, key))
        for key in self.dense_keys:
            if key in self.sparse_keys:
                raise ValueError('Dense and sparse keys must not intersect; dense_keys: %s, sparse_keys: %s, '
                                 'intersection: %s' % (self.dense_keys, self.sparse_keys,
                                                       set(self.dense_keys) & set(self.sparse_keys)))

    def _add_sparse(self, key, feature):
        if not feature.dtype:
            raise ValueError('Missing type for feature %s. Received feature=%s' % (key, feature))
        dtype = dtypes.as_dtype(feature.dtype)
        _check_example_type(dtype)
        self.sparse_keys.append(key)
        self.sparse_types.append(dtype)

    def _add_fixed(self, key, feature):
        if not feature.dtype:
            raise ValueError('Missing type for feature %s. Received feature=%s.' % (key, feature))
        if feature.shape is None:
            raise ValueError('Missing shape for feature %s. Received feature=%s.' % (key, feature))
        shape = tensor_shape.as_shape(feature.shape)
        if shape.ndims and shape.dims[0].value is None:
            raise ValueError('First dimension of shape for feature %s unknown. Consider using '
                             'FixedLenSequenceFeature. Received feature=%s.' % (key, feature))
        if not shape.is_fully_defined():
            raise ValueError('All dimensions of shape for feature %s need to be known but received %s.'
                             % (key, feature.shape))
        dtype = dtypes.as_dtype(feature.dtype)
        _check_example_type(dtype)
        self.dense_keys.append(key)
        self.dense_shapes.append(shape)
        self.dense_types.append(dtype)
        if feature.default_value is not None:
            self.dense_defaults[key] = feature.default_value

    def _add_sequence(self, key, feature):
        if not feature.dtype:
            raise ValueError('Missing type for feature %s. Received feature=%s.' % (key, feature))
        if feature.shape is None:
            raise ValueError('Missing shape for feature %s. Received feature=%s.' % (key, feature))
        dtype = dtypes.as_dtype(feature.dtype)
        _check_example_type(dtype)
        self.dense_keys.append(key)
        self.dense_shapes.append(tensor_shape.as_shape(feature.shape))
        self.dense_types.append(dtype)
        if feature.default_value is not None:
            self.dense_defaults[key] = feature.default_value

    def dense_default_tensors(self):
        """One default per dense key, built in TF's order and with TF's names."""
        out = []
        for key, shape, dtype in zip(self.dense_keys, self.dense_shapes, self.dense_types):
            default = self.dense_defaults.get(key)
            clean = re.sub(r'[^A-Za-z0-9_.\-/]', '_', key)
            if shape.ndims is not None and shape.ndims > 0 and shape.dims[0].value is None:
                if default is None:  # the padding value of a FixedLenSequenceFeature
                    default = _graph.convert_to_tensor('' if dtype == dtypes.string else 0, dtype=dtype)
                else:
                    default = array_ops.reshape(_graph.convert_to_tensor(default, dtype=dtype,
                                                                         name='padding_' + clean), [])
            elif default is None:  # required: an empty default
                default = constant_op.constant([], dtype=dtype)
            elif not isinstance(default, _graph.Tensor):
                default = array_ops.reshape(_graph.convert_to_tensor(default, dtype=dtype, name='key_' + clean),
                                            shape.as_list())
            out.append(default)
        return out


def _check_example_type(dtype):
    if dtype.base_dtype not in EXAMPLE_TYPES:
        raise ValueError('Unsupported dtype %s: an Example feature is float32 (FloatList), int64 (Int64List) or '
                         'string (BytesList)' % dtype.name)


def _prepend_none_dimension(features):
    out = dict(features)
    for key, feature in features.items():
        if isinstance(feature, FixedLenSequenceFeature):
            if not feature.allow_missing:
                raise ValueError('Unsupported: FixedLenSequenceFeature requires allow_missing to be True.')
            out[key] = FixedLenSequenceFeature([None] + list(tensor_shape.as_shape(feature.shape).as_list()),
                                               feature.dtype, feature.allow_missing, feature.default_value)
    return out


# -- parse_example, parse_single_example ---------------------------------------------------------------

def parse_example(serialized, features, name=None, example_names=None):
    """Parses a batch (vector) of serialized Example protos into a dict of Tensors and SparseTensors."""
    if not features:
        raise ValueError('Argument `features` cannot be None or falsy. Got %s' % (features,))
    features = _prepend_none_dimension(features)
    params = _ParseParams(features)
    return _parse_example_raw(serialized, example_names, params, name)


def _parse_example_raw(serialized, names, params, name):
    if not params.sparse_keys and not params.dense_keys:
        raise ValueError('Must provide at least one feature key.')
    values = [serialized] + ([names] if isinstance(names, _graph.Tensor) else [])
    with _graph.name_scope(name, 'ParseExample', values):
        names = [] if names is None else names
        serialized = _graph.convert_to_tensor(serialized, name='serialized')
        defaults = params.dense_default_tensors()
        attrs = {'Tdense': list(params.dense_types), 'num_sparse': len(params.sparse_keys),
                 'sparse_types': list(params.sparse_types), 'ragged_value_types': [], 'ragged_split_types': [],
                 'dense_shapes': list(params.dense_shapes)}
        op = op_builder.apply('ParseExampleV2', [serialized, _string_list(names), _string_list(params.sparse_keys),
                                       _string_list(params.dense_keys), _string_list([]), defaults], attrs, name)
    n_sparse = len(params.sparse_keys)
    outputs = op._outputs
    result = {}
    for j, key in enumerate(params.sparse_keys):
        result[key] = SparseTensor(outputs[j], outputs[n_sparse + j], outputs[2 * n_sparse + j])
    for j, key in enumerate(params.dense_keys):
        result[key] = outputs[3 * n_sparse + j]
    return result


def _string_list(values):
    """A Python list of keys as a string vector constant (an empty one typed string)."""
    if isinstance(values, _graph.Tensor):
        return values
    return np.array([v.encode('utf-8') if isinstance(v, str) else v for v in values], dtype=object).reshape(-1)


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parses one serialized Example (a scalar string) into a dict of Tensors and SparseTensors."""
    if features is None:
        raise ValueError('Invalid argument: features cannot be None.')
    if not features:
        raise ValueError('Invalid argument: features cannot be empty.')
    values = [serialized] + ([example_names] if isinstance(example_names, _graph.Tensor) else [])
    with _graph.name_scope(name, 'ParseSingleExample', values):
        serialized = _graph.convert_to_tensor(serialized, name='serialized')
        serialized = _assert_scalar(serialized, 'serialized')
        return parse_example(serialized, features, name, example_names)


def _assert_scalar(value, name):
    rank = value.shape.ndims
    if rank is None:
        check = control_flow_ops.Assert(math_ops.equal(array_ops.rank(value), 0),
                                        ['Input %s to parse_single_example must be a scalar' % name])
        with _graph.get_default_graph().control_dependencies([check]):
            result = graph_ops.identity(value)
        result.set_shape([])
        return result
    if rank == 0:
        return value
    raise ValueError('Input %s must be a scalar' % name)
