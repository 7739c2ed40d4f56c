"""tf.strings (TF 1.15): formatting, parsing, splitting, slicing, regexes and hash buckets of strings."""
from sluice.ops.string_ops import as_string, regex_full_match, string_join as join  # noqa: F401
from sluice.ops.string_ops import string_to_number as to_number  # noqa: F401
from sluice.ops.string_transform_ops import lower, reduce_join, regex_replace, split, substr, upper  # noqa: F401
from sluice.ops.string_transform_ops import string_length as length, string_strip as strip  # noqa: F401
from sluice.ops.string_transform_ops import string_to_hash_bucket as to_hash_bucket  # noqa: F401
from sluice.ops.string_transform_ops import string_to_hash_bucket_fast as to_hash_bucket_fast  # noqa: F401
from sluice.ops.string_transform_ops import string_to_hash_bucket_strong as to_hash_bucket_strong  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.strings')
