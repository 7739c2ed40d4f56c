"""`tensorflow.python.ops.lookup_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.lookup, tf.contrib.lookup, tf.tables_initializer).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import initialize_all_tables, tables_initializer  # noqa: F401
from sluice.contrib.lookup import (FastHashSpec, HashTable, HasherSpec, IdTableWithHashBuckets,  # noqa: F401
                                   KeyValueTensorInitializer, MutableHashTable, StrongHashSpec,
                                   TextFileIdTableInitializer, TextFileIndex, TextFileInitializer,
                                   TextFileStringTableInitializer, index_table_from_file, index_table_from_tensor,
                                   index_to_string_table_from_file, index_to_string_table_from_tensor)
from sluice.lookup import StaticHashTable, StaticVocabularyTable  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.lookup_ops')
