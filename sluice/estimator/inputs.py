"""tf.estimator.inputs: numpy_input_fn (TF 1.15's names, defaults and errors).

numpy_input_fn(x, y) returns an input_fn that builds a queue of the rows of x (a dict of arrays, or one
array) and y (enqueue_data in numpy_feeding.py) and dequeues batches: `dequeue_up_to(batch_size)` with
num_epochs (the last batch may be short), `dequeue_many` without. Keys are sorted, as TF sorts them;
y is packed beside x under a key x lacks. pandas_input_fn is not implemented.
"""
import collections

import numpy as np

from sluice.estimator.numpy_feeding import enqueue_data
from sluice.unimplemented import namespace_getattr

__all__ = ['numpy_input_fn']

_TARGET_KEY = '__target_key__'


def _unique_target_key(features):
    key = _TARGET_KEY
    while key in features:
        key += '_n'
    return key


def _as_ordered_features(x):
    if isinstance(x, dict):
        if not x:
            raise ValueError('x cannot be an empty dict')
        return collections.OrderedDict(sorted(x.items(), key=lambda t: t[0]))
    if isinstance(x, np.ndarray):
        if x.size == 0:
            raise ValueError('x cannot be an empty array')
        return collections.OrderedDict({'__direct_np_input__': x})
    raise TypeError('x must be a dict or array; got {}'.format(type(x).__name__))


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1):
    """An input_fn returning (features, targets) batches of the numpy arrays x (dict or array) and y."""
    if not isinstance(shuffle, bool):
        raise ValueError('shuffle must be provided and explicitly set as boolean (it is recommended to set it as '
                         'True for training); got {}'.format(shuffle))

    def input_fn():
        data = _as_ordered_features(x)
        feature_keys = list(data.keys())
        if y is None:
            target_keys = None
        elif isinstance(y, dict):
            if not y:
                raise ValueError('y cannot be empty dict, use None instead.')
            ordered_y = collections.OrderedDict(sorted(y.items(), key=lambda t: t[0]))
            target_keys = list(ordered_y.keys())
            duplicates = set(feature_keys) & set(target_keys)
            if duplicates:
                raise ValueError('{} duplicate keys are found in both x and y: {}'.format(len(duplicates),
                                                                                       duplicates))
            data.update(ordered_y)
        else:
            target_keys = _unique_target_key(data)
            data[target_keys] = y
        if len(set(v.shape[0] for v in data.values())) != 1:
            x_shapes = {k: data[k].shape for k in feature_keys}
            if target_keys is None:
                y_shapes = None
            elif isinstance(target_keys, str):
                y_shapes = y.shape
            else:
                y_shapes = {k: data[k].shape for k in target_keys}
            raise ValueError('Length of tensors in x and y is mismatched. All elements in x and y must have the '
                             'same length.\nShapes in x: {}\nShapes in y: {}\n'.format(x_shapes, y_shapes))
        queue = enqueue_data(data, queue_capacity, shuffle=shuffle, num_threads=num_threads,
                             enqueue_size=batch_size, num_epochs=num_epochs)
        batch = queue.dequeue_many(batch_size) if num_epochs is None else queue.dequeue_up_to(batch_size)
        batch = list(batch)[1:]  # drop the row indices
        if isinstance(x, np.ndarray):
            features = batch[0]
        else:
            features = dict(zip(feature_keys, batch[:len(feature_keys)]))
        if target_keys is None:
            return features
        if isinstance(target_keys, str):
            return features, batch[-1]
        return features, dict(zip(target_keys, batch[-len(target_keys):]))

    return input_fn


__getattr__ = namespace_getattr(__name__, 'tf.estimator.inputs')
