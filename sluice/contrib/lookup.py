"""tf.contrib.lookup: TF 1.x's lookup tables, vocabulary tables and hash buckets for unknown keys."""
from sluice.ops.lookup_ops import (FastHashSpec, HashTable, HasherSpec, IdTableWithHashBuckets,  # noqa: F401
                                   KeyValueTensorInitializer, MutableHashTable, StrongHashSpec,
                                   TextFileIdTableInitializer, TextFileIndex, TextFileInitializer,
                                   TextFileStringTableInitializer,
                                   index_table_from_file, index_table_from_tensor, index_to_string_table_from_file,
                                   index_to_string_table_from_tensor)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.lookup')
