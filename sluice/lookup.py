"""tf.lookup (TF 1.15's v1 names): static tables, vocabulary tables and their initializers."""
from sluice.ops.lookup_ops import KeyValueTensorInitializer, StaticHashTable, StaticVocabularyTable  # noqa: F401
from sluice.ops.lookup_ops import TextFileIndex, TextFileInitializer  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.lookup')
