"""Lookup tables (TF 1.15's lookup_ops): a table is a resource op whose state lives in each Session.

- HashTableV2 (static: filled once by its initializer, LookupTableImportV2 for tensors or
  InitializeTableFromTextFileV2 for a vocabulary file) and MutableHashTableV2 (insert/remove at run time);
  LookupTableFindV2 maps keys to values or the default, LookupTableSizeV2, LookupTableExportV2.
- The initializers join GraphKeys.TABLE_INITIALIZERS, which `tf.tables_initializer()` groups; looking a key
  up before is FailedPreconditionError 'Table not initialized.'.
- Sharing, as TF: tensor-initialized tables are private to their node (a fresh 'hash_table_<uuid>' shared
  name); file-initialized ones share state by 'hash_table_<file>_<vocab size>_<key index>_<value index>'.
- IdTableWithHashBuckets sends keys missing from the vocabulary to `num_oov_buckets` extra ids by hash
  (StringToHashBucketFast of the key, or of its decimal text for integer keys), as index_table_from_* do.
"""
import collections
import uuid

from sluice.engine import dtypes, op_builder
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys, convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, filling_ops, graph_ops, math_ops, string_ops, string_transform_ops
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['HashTable', 'StaticHashTable', 'StaticVocabularyTable', 'MutableHashTable', 'KeyValueTensorInitializer',
           'TextFileInitializer', 'TextFileIndex', 'TextFileIdTableInitializer', 'TextFileStringTableInitializer',
           'IdTableWithHashBuckets',
           'HasherSpec', 'FastHashSpec', 'StrongHashSpec', 'index_table_from_tensor', 'index_table_from_file',
           'index_to_string_table_from_tensor', 'index_to_string_table_from_file', 'tables_initializer',
           'initialize_all_tables']

_TABLE_ATTRS = {'container': ('string', ''), 'shared_name': ('string', ''), 'use_node_name_sharing': ('bool', False),
                'key_dtype': 'type', 'value_dtype': 'type'}


def _scalar(op):
    return [TensorShape([])]


def _none(op):
    return []


def _find_shape(op):
    return [op._inputs[1]._shape]


register_op('HashTableV2', [], ['table_handle: resource'], dict(_TABLE_ATTRS), _scalar, is_stateful=True)
register_op('MutableHashTableV2', [], ['table_handle: resource'], dict(_TABLE_ATTRS), _scalar, is_stateful=True)
register_op('LookupTableImportV2', ['table_handle: resource', 'keys: Tin', 'values: Tout'], [],
            {'Tin': 'type', 'Tout': 'type'}, _none, is_stateful=True)
register_op('InitializeTableV2', ['table_handle: resource', 'keys: Tkey', 'values: Tval'], [],
            {'Tkey': 'type', 'Tval': 'type'}, _none, is_stateful=True)
register_op('InitializeTableFromTextFileV2', ['table_handle: resource', 'filename: string'], [],
            {'key_index': 'int', 'value_index': 'int', 'vocab_size': ('int', -1), 'delimiter': ('string', '\t')},
            _none, is_stateful=True)
register_op('LookupTableFindV2', ['table_handle: resource', 'keys: Tin', 'default_value: Tout'], ['values: Tout'],
            {'Tin': 'type', 'Tout': 'type'}, _find_shape, is_stateful=True)
register_op('LookupTableInsertV2', ['table_handle: resource', 'keys: Tin', 'values: Tout'], [],
            {'Tin': 'type', 'Tout': 'type'}, _none, is_stateful=True)
register_op('LookupTableRemoveV2', ['table_handle: resource', 'keys: Tin'], [], {'Tin': 'type'}, _none,
            is_stateful=True)
register_op('LookupTableSizeV2', ['table_handle: resource'], ['size: int64'], {}, _scalar, is_stateful=True)
register_op('LookupTableExportV2', ['table_handle: resource'], ['keys: Tkeys', 'values: Tvalues'],
            {'Tkeys': 'type', 'Tvalues': 'type'}, lambda op: [TensorShape([None]), TensorShape([None])],
            is_stateful=True)
for _op in ('HashTableV2', 'MutableHashTableV2', 'LookupTableImportV2', 'InitializeTableV2',
            'InitializeTableFromTextFileV2', 'LookupTableFindV2', 'LookupTableInsertV2', 'LookupTableRemoveV2',
            'LookupTableSizeV2', 'LookupTableExportV2'):
    no_gradient(_op)


def tables_initializer(name='init_all_tables'):
    """One op running every table initializer of the graph (a no-op when there is none)."""
    initializers = _graph.get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS)
    if initializers:
        return graph_ops.group(*initializers, name=name)
    return graph_ops.no_op(name=name)


initialize_all_tables = tables_initializer


def _check_dtypes(table, key_dtype, value_dtype):
    if key_dtype.base_dtype != table.key_dtype:
        raise TypeError('Invalid key dtype, expected %s but got %s.' % (table.key_dtype, key_dtype))
    if value_dtype.base_dtype != table.value_dtype:
        raise TypeError('Invalid value dtype, expected %s but got %s.' % (table.value_dtype, value_dtype))


class _Table:
    """What every table has: key/value dtypes, a resource handle, a name, lookup of dense or sparse keys."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = dtypes.as_dtype(key_dtype)
        self._value_dtype = dtypes.as_dtype(value_dtype)

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)
    resource_handle = property(lambda self: self._resource_handle)
    name = property(lambda self: self._table_name)

    def _check_keys(self, keys):
        if keys.dtype.base_dtype != self._key_dtype:
            raise TypeError('Signature mismatch. Keys must be dtype %s, got %s.' % (self._key_dtype, keys.dtype))

    def size(self, name=None):
        with name_scope(name, '%s_Size' % self.name, [self.resource_handle]):
            return op_builder.output('LookupTableSizeV2', [self.resource_handle])

    def lookup(self, keys, name=None):
        """Values of `keys` (a Tensor or a SparseTensor), the default value for missing keys."""
        key_tensor = keys.values if isinstance(keys, SparseTensor) else convert_to_tensor(keys)
        self._check_keys(key_tensor)
        with name_scope(name, '%s_Lookup' % self.name, [self.resource_handle, key_tensor]):
            values = op_builder.output('LookupTableFindV2', [self.resource_handle, key_tensor, self._default_value],
                                       {'Tin': self._key_dtype, 'Tout': self._value_dtype})
        values.set_shape(key_tensor.shape)
        if isinstance(keys, SparseTensor):
            return SparseTensor(keys.indices, values, keys.dense_shape)
        return values

    def export(self, name=None):
        with name_scope(name, '%s_Export' % self.name, [self.resource_handle]):
            return tuple(op_builder.apply('LookupTableExportV2', [self.resource_handle],
                                          {'Tkeys': self._key_dtype, 'Tvalues': self._value_dtype})._outputs)


class StaticHashTable(_Table):
    """A table filled once by its initializer (HashTable in TF 1.x)."""

    def __init__(self, initializer, default_value, name=None):
        super().__init__(initializer.key_dtype, initializer.value_dtype)
        self._initializer = initializer
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._default_value.shape.merge_with(TensorShape([]))
        shared_name = initializer._shared_name or 'hash_table_%s' % uuid.uuid4()
        g = _graph.get_default_graph()
        with g.control_dependencies(None):
            self._resource_handle = op_builder.output(
                'HashTableV2', [], {'shared_name': shared_name, 'key_dtype': self._key_dtype,
                                    'value_dtype': self._value_dtype}, name=name or 'hash_table')
        self._table_name = self._resource_handle.op.name.split('/')[-1]
        self._init_op = initializer.initialize(self)

    default_value = property(lambda self: self._default_value)
    initializer = property(lambda self: self._init_op)
    init = initializer


HashTable = StaticHashTable


class MutableHashTable(_Table):
    """A table changed at run time by insert/remove (scalar values)."""

    def __init__(self, key_dtype, value_dtype, default_value, name='MutableHashTable', checkpoint=True):
        super().__init__(key_dtype, value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        if self._default_value.shape.ndims != 0:
            raise NotImplementedError('sluice does not implement MutableHashTable with non-scalar values yet')
        with _graph.get_default_graph().control_dependencies(None):
            self._resource_handle = op_builder.output(
                'MutableHashTableV2', [], {'shared_name': 'table_%s' % uuid.uuid4().hex, 'key_dtype': self._key_dtype,
                                           'value_dtype': self._value_dtype}, name=name)
        self._table_name = self._resource_handle.op.name.split('/')[-1]

    def insert(self, keys, values, name=None):
        keys, values = convert_to_tensor(keys, self._key_dtype), convert_to_tensor(values, self._value_dtype)
        with name_scope(name, '%s_lookup_table_insert' % self.name, [self.resource_handle, keys, values]):
            return op_builder.apply('LookupTableInsertV2', [self.resource_handle, keys, values])

    def remove(self, keys, name=None):
        keys = convert_to_tensor(keys, self._key_dtype)
        with name_scope(name, '%s_lookup_table_remove' % self.name, [self.resource_handle, keys]):
            return op_builder.apply('LookupTableRemoveV2', [self.resource_handle, keys])


class _Initializer:
    def __init__(self, key_dtype, value_dtype):
        self.key_dtype = dtypes.as_dtype(key_dtype)
        self.value_dtype = dtypes.as_dtype(value_dtype)

    _shared_name = ''


class KeyValueTensorInitializer(_Initializer):
    """Fills a table from a keys tensor and a values tensor (LookupTableImportV2)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        with _graph.get_default_graph().control_dependencies(None):
            self._keys = convert_to_tensor(keys, dtype=key_dtype, name='keys')
            self._values = convert_to_tensor(values, dtype=value_dtype, name='values')
        self._name = name if name is not None else 'key_value_init'
        super().__init__(self._keys.dtype, self._values.dtype)

    def initialize(self, table):
        _check_dtypes(table, self._keys.dtype, self._values.dtype)
        with name_scope(self._name, values=[table.resource_handle, self._keys, self._values]):
            init_op = op_builder.apply('LookupTableImportV2', [table.resource_handle, self._keys, self._values])
        _graph.get_default_graph().add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        return init_op


class TextFileIndex:
    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TextFileInitializer(_Initializer):
    """Fills a table from a text file: keys and values are whole lines, line numbers or columns."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None, delimiter='\t',
                 name=None):
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        if key_index < -2:
            raise ValueError('Invalid key index %s.' % key_index)
        if key_index == TextFileIndex.LINE_NUMBER and key_dtype != dtypes.int64:
            raise ValueError('Signature mismatch. Keys must be dtype %s, got %s.' % (dtypes.int64, key_dtype))
        if key_index == TextFileIndex.WHOLE_LINE and not key_dtype.is_integer and key_dtype != dtypes.string:
            raise ValueError('Signature mismatch. Keys must be integer or string, got %s.' % key_dtype)
        if value_index < -2:
            raise ValueError('Invalid value index %s.' % value_index)
        if value_index == TextFileIndex.LINE_NUMBER and value_dtype != dtypes.int64:
            raise ValueError('Signature mismatch. Values must be dtype %s, got %s.' % (dtypes.int64, value_dtype))
        if value_index == TextFileIndex.WHOLE_LINE and value_dtype != dtypes.string:
            raise ValueError('Signature mismatch. Values must be dtype %s, got %s.' % (dtypes.string, value_dtype))
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError('Invalid vocab_size %s.' % vocab_size)
        self._filename = filename
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size, self._delimiter, self._name = vocab_size, delimiter, name
        super().__init__(key_dtype, value_dtype)

    @property
    def _shared_name(self):
        name = self._filename if isinstance(self._filename, str) else getattr(self._filename, 'name', '')
        if self._vocab_size:
            return 'hash_table_%s_%d_%s_%s' % (name, self._vocab_size, self._key_index, self._value_index)
        return 'hash_table_%s_%s_%s' % (name, self._key_index, self._value_index)

    def initialize(self, table):
        _check_dtypes(table, self.key_dtype, self.value_dtype)
        with name_scope(self._name, 'text_file_init', [table.resource_handle]):
            filename = convert_to_tensor(self._filename, dtypes.string, name='asset_filepath')
            init_op = op_builder.apply('InitializeTableFromTextFileV2', [table.resource_handle, filename], {
                'key_index': self._key_index, 'value_index': self._value_index,
                'vocab_size': -1 if self._vocab_size is None else self._vocab_size, 'delimiter': self._delimiter})
        g = _graph.get_default_graph()
        g.add_to_collection(GraphKeys.TABLE_INITIALIZERS, init_op)
        if filename.op.type == 'Const':
            g.add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return init_op


class TextFileStringTableInitializer(TextFileInitializer):
    def __init__(self, filename, key_column_index=TextFileIndex.LINE_NUMBER,
                 value_column_index=TextFileIndex.WHOLE_LINE, vocab_size=None, delimiter='\t',
                 name='text_file_string_table_init'):
        super().__init__(filename, dtypes.int64, key_column_index, dtypes.string, value_column_index,
                         vocab_size=vocab_size, delimiter=delimiter, name=name)


class TextFileIdTableInitializer(TextFileInitializer):
    def __init__(self, filename, key_column_index=TextFileIndex.WHOLE_LINE,
                 value_column_index=TextFileIndex.LINE_NUMBER, vocab_size=None, delimiter='\t',
                 name='text_file_id_table_init', key_dtype=dtypes.string):
        super().__init__(filename, key_dtype, key_column_index, dtypes.int64, value_column_index,
                         vocab_size=vocab_size, delimiter=delimiter, name=name)


class HasherSpec(collections.namedtuple('HasherSpec', ['hasher', 'key'])):
    __slots__ = ()


FastHashSpec = HasherSpec('fasthash', None)


class StrongHashSpec(HasherSpec):
    __slots__ = ()

    def __new__(cls, key):
        if len(key) != 2:
            raise ValueError('key must have size 2, got %s.' % len(key))
        if not isinstance(key[0], int) or not isinstance(key[1], int):
            raise TypeError('Invalid key %s. Must be unsigned integer values.' % key)
        return super().__new__(cls, 'stronghash', key)


def _hash_buckets(spec, strings, num_buckets):
    if spec.hasher == 'fasthash':
        return string_transform_ops.string_to_hash_bucket_fast(strings, num_buckets, name='hash_bucket')
    if spec.hasher == 'legacy':
        return string_transform_ops.string_to_hash_bucket(strings, num_buckets, name='hash_bucket')
    if spec.hasher == 'stronghash':
        return string_transform_ops.string_to_hash_bucket_strong(strings, num_buckets, spec.key, name='hash_bucket')
    raise ValueError('Unknown hasher %s' % spec.hasher)


class IdTableWithHashBuckets(_Table):
    """`table`'s ids, and ids size .. size + num_oov_buckets - 1 by hash for keys it lacks."""

    def __init__(self, table, num_oov_buckets, hasher_spec=FastHashSpec, name=None, key_dtype=None):
        if table is not None:
            key_dtype = dtypes.as_dtype(key_dtype or table.key_dtype)
            if table.key_dtype not in (dtypes.int64, dtypes.string):
                raise TypeError('Invalid key dtype, expected one of %s, but got %s.' %
                                ([dtypes.int64, dtypes.string], key_dtype))
            if table.key_dtype.is_integer != key_dtype.is_integer:
                raise TypeError('Invalid key dtype, expected %s but got %s.' %
                                ('integer' if key_dtype.is_integer else 'non-integer', table.key_dtype))
            if table.value_dtype != dtypes.int64:
                raise TypeError('Invalid value dtype, expected %s but got %s.' % (dtypes.int64, table.value_dtype))
        else:
            if num_oov_buckets <= 0:
                raise ValueError('oov_buckets must be > 0 if no table is supplied.')
            key_dtype = dtypes.string if key_dtype is None else dtypes.as_dtype(key_dtype)
        if not key_dtype.is_integer and key_dtype != dtypes.string:
            raise TypeError('Invalid key_dtype, expected integer or string, got %s.' % key_dtype)
        if not isinstance(hasher_spec, HasherSpec):
            raise TypeError('hasher_spec must be of type HasherSpec, got %s' % hasher_spec)
        self._table, self._num_oov_buckets, self._hasher_spec = table, num_oov_buckets, hasher_spec
        self._table_name = name or (table.name if table is not None else 'hash_bucket')
        super().__init__(key_dtype, dtypes.int64)

    resource_handle = property(lambda self: None if self._table is None else self._table.resource_handle)

    @property
    def initializer(self):
        if self._table is not None:
            return self._table.initializer
        with name_scope(None, 'init'):
            return graph_ops.no_op()

    init = initializer

    def size(self, name=None):
        with name_scope(name, '%s_Size' % self.name):
            size = self._table.size() if self._table is not None else convert_to_tensor(0, dtype=dtypes.int64)
            return size + self._num_oov_buckets

    def lookup(self, keys, name=None):
        values = keys.values if isinstance(keys, SparseTensor) else convert_to_tensor(keys)
        self._check_keys(values)
        if self._table is not None and self._table.key_dtype == dtypes.int64:
            values = math_ops.cast(values, dtypes.int64)
        if self._num_oov_buckets == 0:
            ids = self._table.lookup(values, name=name)
        else:
            with name_scope(name, '%s_Lookup' % self.name):
                strings = values if values.dtype == dtypes.string else string_ops.as_string(values)
                buckets = _hash_buckets(self._hasher_spec, strings, self._num_oov_buckets)
                if self._table is not None:
                    ids = self._table.lookup(values)
                    buckets = math_ops.add(buckets, self._table.size())
                    ids = array_ops.where(math_ops.not_equal(ids, self._table.default_value), ids, buckets)
                else:
                    ids = buckets
        if isinstance(keys, SparseTensor):
            return SparseTensor(keys.indices, ids, keys.dense_shape)
        return ids


class StaticVocabularyTable(IdTableWithHashBuckets):
    """The table `initializer` makes (ids, -1 when missing) with `num_oov_buckets` hash buckets after it."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None):
        if num_oov_buckets <= 0:
            raise ValueError('oov_buckets must be > 0.')
        if initializer.value_dtype != dtypes.int64:
            raise TypeError('Invalid value dtype, expected %s but got %s.' % (dtypes.int64, initializer.value_dtype))
        table = StaticHashTable(initializer, -1)
        super().__init__(table, num_oov_buckets, name=name, key_dtype=lookup_key_dtype)


def _check_oov(num_oov_buckets):
    if num_oov_buckets < 0:
        raise ValueError('num_oov_buckets must be greater or equal than 0, got %d.' % num_oov_buckets)


def index_table_from_tensor(vocabulary_list, num_oov_buckets=0, default_value=-1, hasher_spec=FastHashSpec,
                            dtype=dtypes.string, name=None):
    """Strings (or ints) to their index in `vocabulary_list`; others to `default_value` or an OOV bucket."""
    if vocabulary_list is None:
        raise ValueError('vocabulary_list must be specified.')
    _check_oov(num_oov_buckets)
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_integer and dtype != dtypes.string:
        raise TypeError('Only integer and string keys are supported.')
    with name_scope(name, 'string_to_index'):
        keys = convert_to_tensor(vocabulary_list)
        if keys.dtype.is_integer != dtype.is_integer:
            raise ValueError('Expected %s, got %s.' % ('integer' if dtype.is_integer else 'non-integer', keys.dtype))
        if not dtype.is_integer and keys.dtype.base_dtype != dtype:
            raise ValueError('Expected %s, got %s.' % (dtype, keys.dtype))
        values = math_ops.cast(filling_ops.range(array_ops.size(keys)), dtypes.int64)
        with name_scope(None, 'hash_table'):
            table_keys = math_ops.cast(keys, dtypes.int64) if keys.dtype.is_integer else keys
            init = KeyValueTensorInitializer(table_keys, values, table_keys.dtype.base_dtype, dtypes.int64,
                                             name='table_init')
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = IdTableWithHashBuckets(table, num_oov_buckets=num_oov_buckets, hasher_spec=hasher_spec,
                                           key_dtype=dtype)
        return table


def index_table_from_file(vocabulary_file=None, num_oov_buckets=0, vocab_size=None, default_value=-1,
                          hasher_spec=FastHashSpec, key_dtype=dtypes.string, name=None,
                          key_column_index=TextFileIndex.WHOLE_LINE, value_column_index=TextFileIndex.LINE_NUMBER,
                          delimiter='\t'):
    """Keys to their line number in `vocabulary_file` (one entry a line); others to the default or a bucket."""
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError('vocabulary_file must be specified and must not be empty.')
    _check_oov(num_oov_buckets)
    if vocab_size is not None and vocab_size < 1:
        raise ValueError('vocab_size must be greater than 0, got %d. vocabulary_file: %s' %
                         (vocab_size, vocabulary_file))
    key_dtype = dtypes.as_dtype(key_dtype)
    if not key_dtype.is_integer and key_dtype.base_dtype != dtypes.string:
        raise TypeError('Only integer and string keys are supported.')
    with name_scope(name, 'string_to_index'):
        with name_scope(None, 'hash_table'):
            init = TextFileIdTableInitializer(vocabulary_file, vocab_size=vocab_size,
                                              key_dtype=dtypes.int64 if key_dtype.is_integer else key_dtype,
                                              name='table_init', key_column_index=key_column_index,
                                              value_column_index=value_column_index, delimiter=delimiter)
            table = StaticHashTable(init, default_value)
        if num_oov_buckets:
            table = IdTableWithHashBuckets(table, num_oov_buckets=num_oov_buckets, hasher_spec=hasher_spec,
                                           key_dtype=key_dtype)
        return table


def index_to_string_table_from_tensor(vocabulary_list, default_value='UNK', name=None):
    """int64 ids to the strings of `vocabulary_list`; others to `default_value`."""
    if vocabulary_list is None:
        raise ValueError('vocabulary_list must be specified.')
    with name_scope(name, 'index_to_string'):
        vocabulary_list = convert_to_tensor(vocabulary_list, dtypes.string)
        keys = math_ops.cast(filling_ops.range(array_ops.size(vocabulary_list)), dtypes.int64)
        init = KeyValueTensorInitializer(keys, vocabulary_list, dtypes.int64, dtypes.string, name='table_init')
        return StaticHashTable(init, default_value)


def index_to_string_table_from_file(vocabulary_file, vocab_size=None, default_value='UNK', name=None,
                                    key_column_index=TextFileIndex.LINE_NUMBER,
                                    value_column_index=TextFileIndex.WHOLE_LINE, delimiter='\t'):
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError('vocabulary_file must be specified and must not be empty.')
    if vocab_size is not None and vocab_size < 1:
        raise ValueError('vocab_size must be greater than 0, got %d.' % vocab_size)
    with name_scope(name, 'index_to_string'):
        init = TextFileStringTableInitializer(vocabulary_file, vocab_size=vocab_size, name='table_init',
                                              key_column_index=key_column_index,
                                              value_column_index=value_column_index, delimiter=delimiter)
        return StaticHashTable(init, default_value)
