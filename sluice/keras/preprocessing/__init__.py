"""tf.keras.preprocessing: sequence (padding, skip-grams, TimeseriesGenerator), text (Tokenizer and
hashing) and image (arrays and PIL images, ImageDataGenerator over NumPy arrays)."""
from sluice.keras.preprocessing import image, sequence, text  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.keras.preprocessing')
