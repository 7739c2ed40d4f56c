"""The Keras backend's value access the optimizers need: read and write variables through the
Keras session, track variables for its initialization, and per-graph unique object names.

When `sluice.keras.backend` is present these are its functions. Until it lands, they stand in over
sluice's own sessions: the default session (`with sess.as_default():`) holds the values, and a
read or write without one raises the ValueError TF raises for a missing session.
"""
import collections
import weakref

import numpy as np

from sluice.engine import graph as _graph
from sluice.engine import session as _session

try:
    from sluice.keras import backend as _backend
except ImportError:  # the integrator's backend has not landed on this branch
    _backend = None

__all__ = ['get_value', 'set_value', 'batch_get_value', 'batch_set_value', 'track_variable', 'track_tf_optimizer',
           'unique_object_name']


def _session_or_raise():
    session = _session.get_default_session()
    if session is None:
        raise ValueError('Cannot evaluate tensor using `eval()`: No default session is registered. Use '
                         '`with sess.as_default()` or pass an explicit session to `eval(session=sess)`')
    return session


def batch_get_value(tensors):
    if _backend is not None:
        return _backend.batch_get_value(tensors)
    if not tensors:
        return []
    return _session_or_raise().run(list(tensors))


def get_value(x):
    if _backend is not None:
        return _backend.get_value(x)
    return batch_get_value([x])[0]


def batch_set_value(tuples):
    if _backend is not None:
        return _backend.batch_set_value(tuples)
    if not tuples:
        return
    session = _session_or_raise()
    for variable, value in tuples:
        variable.load(np.asarray(value, dtype=variable.dtype.base_dtype.as_numpy_dtype), session)


def set_value(x, value):
    batch_set_value([(x, value)])


_TRACKED = weakref.WeakKeyDictionary()  # graph -> variables Keras initializes in its session


def track_variable(v):
    if _backend is not None:
        return _backend.track_variable(v)
    _TRACKED.setdefault(v.graph, []).append(v)


_NAME_UIDS = weakref.WeakKeyDictionary()  # graph -> Counter of object names


def unique_object_name(name, zero_based=True):
    """'name', 'name_1', ... per graph (zero_based), or 'name_1', 'name_2', ... otherwise."""
    if _backend is not None:
        return _backend.unique_object_name(name, zero_based=zero_based)
    uids = _NAME_UIDS.setdefault(_graph.get_default_graph(), collections.Counter())
    count = uids[name]
    uids[name] += 1
    if zero_based:
        return name if count == 0 else '%s_%d' % (name, count)
    return '%s_%d' % (name, count + 1)


_TF_OPTIMIZERS = weakref.WeakKeyDictionary()  # graph -> TFOptimizers whose variables Keras initializes


def track_tf_optimizer(tf_optimizer):
    if _backend is not None and hasattr(_backend, 'track_tf_optimizer'):
        return _backend.track_tf_optimizer(tf_optimizer)
    _TF_OPTIMIZERS.setdefault(_graph.get_default_graph(), []).append(tf_optimizer)
