"""Kernels of the lookup tables (ops/lookup_ops.py), CPU only as in TF.

A table op's value is a TableState made once per session (shared by (container, shared_name) when the op
has a shared name, else private to the node). Keys are held as Python values (bytes, int, float) in a
dict; a static table refuses a second fill with different data and lookups before its first fill.
"""
import threading

import numpy as np

from sluice.engine import errors
from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)


class TableState:
    def __init__(self, name, key_dtype, value_dtype, mutable):
        self.name = name
        self.key_dtype, self.value_dtype = key_dtype, value_dtype
        self.data = {}
        self.initialized = mutable  # a mutable table starts empty and usable
        self.lock = threading.Lock()


def _key(v):
    if isinstance(v, (bytes, str)):
        return v.encode() if isinstance(v, str) else v
    return v.item() if hasattr(v, 'item') else v


def _keys(x):
    return [_key(v) for v in np.asarray(x).reshape(-1)]


def _failed(op, message):
    return errors.error_for_op(errors.FailedPreconditionError, op, message)


def _table_kernel(op_type, mutable):
    @register_kernel(op_type, devices=_CPU)
    def kernel(op, ctx):
        shared = op.get_attr('shared_name')
        if not shared and op.get_attr('use_node_name_sharing'):
            shared = op.name
        key = ('lookup_table', op.get_attr('container'), shared) if shared else op
        state = ctx.resources.op_state(key, lambda: TableState(
            shared or op.name, op.get_attr('key_dtype'), op.get_attr('value_dtype'), mutable))
        return lambda: state
    return kernel


_table_kernel('HashTableV2', mutable=False)
_table_kernel('MutableHashTableV2', mutable=True)


def _fill(op, table, keys, values):
    """Static tables: the first fill sets the contents; a later one must bring the same entries."""
    data = {}
    for k, v in zip(keys, values):
        if k in data and data[k] != v:
            raise _failed(op, 'HashTable has different value for same key. Key %s has %s and trying to add value %s'
                          % (_text(k), _text(data[k]), _text(v)))
        data[k] = v
    with table.lock:
        if table.initialized:
            if data != table.data:
                raise _failed(op, 'Table was already initialized with different data.')
            return
        table.data = data
        table.initialized = True


def _text(v):
    return v.decode(errors='replace') if isinstance(v, bytes) else str(v)


def _import(op, ctx):
    def run(table, keys, values):
        keys, values = np.asarray(keys), np.asarray(values)
        if keys.shape != values.shape:
            raise _invalid(op, 'Expected shape %s for value, got %s' % (list(keys.shape), list(values.shape)))
        _fill(op, table, _keys(keys), _keys(values))
    return run


register_kernel('LookupTableImportV2', devices=_CPU)(_import)
register_kernel('InitializeTableV2', devices=_CPU)(_import)


@register_kernel('InitializeTableFromTextFileV2', devices=_CPU)
def initialize_from_text_file(op, ctx):
    key_index, value_index = op.get_attr('key_index'), op.get_attr('value_index')
    vocab_size = op.get_attr('vocab_size')
    delimiter = op.get_attr('delimiter')
    delimiter = delimiter.encode() if isinstance(delimiter, str) else delimiter

    def column(op, line, number, index, dtype, filename):
        if index == -1:
            return number
        if index == -2:
            text = line
        else:
            fields = line.split(delimiter)
            if index >= len(fields):
                raise _invalid(op, 'Invalid number of columns in %s line %d (%s) : expected %d got %d' %
                               (filename, number, _text(line), index + 1, len(fields)))
            text = fields[index]
        if dtype.is_integer:
            try:
                return int(text)
            except ValueError:
                raise _invalid(op, 'Field %s in line %d is not a valid int64.' % (_text(text), number)) from None
        if dtype.is_floating:
            return float(text)
        return text

    def run(table, filename):
        name = _key(np.asarray(filename, dtype=object).item()).decode()
        from sluice.io import graph_io
        with graph_io.GFile(name, 'rb') as f:
            lines = f.read().split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        lines = [line[:-1] if line.endswith(b'\r') else line for line in lines]
        if vocab_size > 0:
            if len(lines) < vocab_size:
                raise _invalid(op, 'Invalid vocab_size in %s: expected %d but got %d' % (name, vocab_size, len(lines)))
            lines = lines[:vocab_size]
        keys, values = [], []
        for number, line in enumerate(lines):
            if not line:
                raise _invalid(op, 'Invalid content in %s: empty line found at position %d.' % (name, number))
            keys.append(column(op, line, number, key_index, table.key_dtype, name))
            values.append(column(op, line, number, value_index, table.value_dtype, name))
        _fill(op, table, keys, values)
    return run


@register_kernel('LookupTableFindV2', devices=_CPU, fresh_output=True)
def lookup_table_find(op, ctx):
    out_dtype = op.get_attr('Tout')
    numpy_dtype = object if out_dtype.name == 'string' else out_dtype.as_numpy_dtype

    def run(table, keys, default):
        if not table.initialized:
            raise _failed(op, 'Table not initialized.')
        keys = np.asarray(keys)
        fallback = _key(np.asarray(default).reshape(-1)[0]) if np.asarray(default).size else None
        get = table.data.get
        found = [get(k, fallback) for k in _keys(keys)]
        out = np.empty(keys.shape, dtype=numpy_dtype)
        out.reshape(-1)[:] = found
        return out
    return run


@register_kernel('LookupTableInsertV2', devices=_CPU)
def lookup_table_insert(op, ctx):
    def run(table, keys, values):
        keys, values = np.asarray(keys), np.asarray(values)
        if keys.shape != values.shape:
            raise _invalid(op, 'Expected shape %s for value, got %s' % (list(keys.shape), list(values.shape)))
        with table.lock:
            table.data.update(zip(_keys(keys), _keys(values)))
    return run


@register_kernel('LookupTableRemoveV2', devices=_CPU)
def lookup_table_remove(op, ctx):
    def run(table, keys):
        with table.lock:
            for k in _keys(keys):
                table.data.pop(k, None)
    return run


@register_kernel('LookupTableSizeV2', devices=_CPU, fresh_output=True)
def lookup_table_size(op, ctx):
    return lambda table: np.array(len(table.data), dtype=np.int64)


@register_kernel('LookupTableExportV2', devices=_CPU, multi_output=True, fresh_output=True)
def lookup_table_export(op, ctx):
    key_type, value_type = op.get_attr('Tkeys'), op.get_attr('Tvalues')

    def array(items, dtype):
        out = np.empty(len(items), dtype=object if dtype.name == 'string' else dtype.as_numpy_dtype)
        out[:] = items
        return out

    def run(table):
        with table.lock:
            items = list(table.data.items())
        return array([k for k, _ in items], key_type), array([v for _, v in items], value_type)
    return run
