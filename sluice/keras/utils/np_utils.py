"""tf.keras.utils.to_categorical and normalize: NumPy-only helpers on label and feature arrays.

to_categorical(y, num_classes) puts a one-hot axis of length num_classes (default max(y) + 1) last,
dropping a trailing axis of length 1 from y first (so labels of shape (n, 1) give (n, num_classes)).
normalize(x, axis, order) divides x by its `order`-norm along `axis`, leaving zero-norm slices as they are.
"""
import numpy as np


def to_categorical(y, num_classes=None, dtype='float32'):
    y = np.array(y, dtype='int')
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    categorical = np.zeros((y.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(y.shape[0]), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
