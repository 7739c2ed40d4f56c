"""tf.keras.backend: the session, graph and naming state Keras keeps per graph (TF 1.15, graph mode).

- The session: the default Session when one is entered, else one Keras makes for the default graph
  (made again when the default graph changes). Every `get_session()` first initializes the variables
  Keras tracks (layer weights, optimizer slots, metric totals) that are not yet initialized, as TF 1.15
  does unless `manual_variable_initialization(True)`.
- Names: layers get `unique_object_name` from a per-graph counter shared with tf.layers (the first
  unnamed keras Dense is 'dense', then 'dense_1'; tf.layers counts in the same map).
- The learning phase: a bool `placeholder_with_default(False)` named 'keras_learning_phase' per graph,
  which training feeds True; `set_learning_phase(0/1)` fixes it to a Python value instead.
- Values: `get_value`/`set_value` read and assign through the session; each variable keeps one
  assign placeholder and op, so repeated `set_value` calls add no nodes.
The tensor functions (K.mean, K.dot, K.rnn, ...) live in `backend_ops` and are re-exported here.
"""
import collections
import threading
import weakref

import numpy as np

from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.engine import session as _session
from sluice.engine.graph import name_scope  # noqa: F401  (K.name_scope is TF's name_scope)
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import constant_op, graph_ops, state_ops, variables as _variables

_FLOATX = 'float32'
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = 'channels_last'
_MANUAL_VAR_INIT = False

_SESSION = threading.local()
_SESSION.session = None
_GRAPH_LEARNING_PHASES = weakref.WeakKeyDictionary()  # graph -> placeholder, or 0/1 once set
_GRAPH_VARIABLES = weakref.WeakKeyDictionary()  # graph -> {id: variable} Keras initializes
_GRAPH_UIDS = weakref.WeakKeyDictionary()  # graph -> {prefix: count} for get_uid
_LAYER_NAME_UIDS = weakref.WeakKeyDictionary()  # graph -> {layer base name: count}, Keras and tf.layers


# -- configuration -----------------------------------------------------------------------------------------------
def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ('float16', 'float32', 'float64'):
        raise ValueError('Unknown floatx type: ' + str(value))
    _FLOATX = str(value)


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = value


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ('channels_last', 'channels_first'):
        raise ValueError('Unknown data_format: ' + str(data_format))
    _IMAGE_DATA_FORMAT = str(data_format)


def backend():
    return 'tensorflow'


def cast_to_floatx(x):
    return np.asarray(x, dtype=_FLOATX)


# -- graph, names and uids ---------------------------------------------------------------------------------------
def get_graph():
    return _graph.get_default_graph()


def get_uid(prefix=''):
    """1, 2, ... for each `prefix`, per graph."""
    uids = _GRAPH_UIDS.setdefault(get_graph(), collections.defaultdict(int))
    uids[prefix] += 1
    return uids[prefix]


def reset_uids():
    _GRAPH_UIDS.pop(get_graph(), None)
    _LAYER_NAME_UIDS.pop(get_graph(), None)


def unique_object_name(name, name_uid_map=None, avoid_names=None, namespace='', zero_based=False):
    """`name`, `name_1`, ... (zero_based) or `name_1`, `name_2`, ...: unique in the graph's name map
    (shared with tf.layers), skipping `avoid_names`."""
    if name_uid_map is None:
        name_uid_map = _LAYER_NAME_UIDS.setdefault(get_graph(), collections.defaultdict(int))
    avoid_names = avoid_names or set()
    key = name if not namespace else (namespace, name)
    proposed = None
    while proposed is None or proposed in avoid_names:
        if zero_based:
            number = name_uid_map[key]
            proposed = name + '_' + str(number) if number else name
            name_uid_map[key] += 1
        else:
            name_uid_map[key] += 1
            proposed = name + '_' + str(name_uid_map[key])
    return proposed


def clear_session():
    """A new default graph and session; layer names, uids and the learning phase start over."""
    _graph.reset_default_graph()
    reset_uids()
    _SESSION.session = None


# -- learning phase ----------------------------------------------------------------------------------------------
def learning_phase():
    """The graph's learning phase: a bool placeholder defaulting to False, or the value `set_learning_phase` gave."""
    g = get_graph()
    if g not in _GRAPH_LEARNING_PHASES:
        with g.as_default(), g.control_dependencies(None), name_scope(''):
            phase = graph_ops.placeholder_with_default(False, shape=(), name='keras_learning_phase')
            _GRAPH_LEARNING_PHASES[g] = phase
    return _GRAPH_LEARNING_PHASES[g]


def set_learning_phase(value):
    if value not in (0, 1):
        raise ValueError('Expected learning phase to be 0 or 1.')
    _GRAPH_LEARNING_PHASES[get_graph()] = value


def global_learning_phase_is_set():
    return isinstance(_GRAPH_LEARNING_PHASES.get(get_graph()), int)


def symbolic_learning_phase():
    """The placeholder itself, even after set_learning_phase (what fit feeds)."""
    phase = learning_phase()
    if isinstance(phase, int):
        g = get_graph()
        saved = _GRAPH_LEARNING_PHASES.pop(g)
        try:
            return learning_phase()
        finally:
            _GRAPH_LEARNING_PHASES[g] = saved
    return phase


# -- the session -------------------------------------------------------------------------------------------------
def get_default_session_config():
    from sluice.io.protos import ConfigProto
    return ConfigProto(allow_soft_placement=True)


def _current_session():
    default = _session.get_default_session()
    if default is not None:
        return default
    g = get_graph()
    if _SESSION.session is None or _SESSION.session.graph is not g or _SESSION.session._closed:
        _SESSION.session = _session.Session(graph=g, config=get_default_session_config())
    return _SESSION.session


def get_session(op_input_list=()):
    """The session Keras runs in, with the variables it tracks initialized (unless manual initialization)."""
    session = _current_session()
    if not _MANUAL_VAR_INIT:
        with session.graph.as_default():
            _initialize_variables(session)
    return session


def set_session(session):
    _SESSION.session = session


def manual_variable_initialization(value):
    global _MANUAL_VAR_INIT
    _MANUAL_VAR_INIT = bool(value)


def track_variable(v):
    """Keras initializes `v` in `get_session()` if it is not initialized yet."""
    _GRAPH_VARIABLES.setdefault(v.graph, {})[id(v)] = v


def _initialize_variables(session):
    tracked = _GRAPH_VARIABLES.get(session.graph, {})
    candidates = [v for v in tracked.values() if not getattr(v, '_keras_initialized', False)]
    if not candidates:
        return
    flags = session.run([_variables.is_variable_initialized(v) for v in candidates])
    for v in candidates:
        v._keras_initialized = True
    missing = [v for v, ok in zip(candidates, flags) if not ok]
    if missing:
        session.run(_variables.variables_initializer(missing))


# -- variables, placeholders, values -----------------------------------------------------------------------------
def variable(value, dtype=None, name=None, constraint=None):
    """A resource variable holding `value` (tracked, so get_session() initializes it)."""
    dtype = _dtypes.as_dtype(dtype or floatx())
    v = _variables.Variable(np.asarray(value, dtype=dtype.as_numpy_dtype), dtype=dtype, name=name,
                            constraint=constraint, use_resource=True)
    v._keras_shape = TensorShape(np.shape(value))
    track_variable(v)
    return v


def constant(value, dtype=None, shape=None, name=None):
    return constant_op.constant(value, dtype=dtype or floatx(), shape=shape, name=name)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    dtype = dtype or floatx()
    if sparse:
        from sluice.ops import sparse_ops
        return sparse_ops.sparse_placeholder(dtype, shape=shape, name=name)
    if shape is None and ndim:
        shape = (None,) * ndim
    return graph_ops.placeholder(dtype, shape=shape, name=name)


def is_placeholder(x):
    return getattr(getattr(x, 'op', None), 'type', None) in ('Placeholder', 'PlaceholderWithDefault')


def is_keras_tensor(x):
    if not (_graph.is_tensor(x) or isinstance(x, _variables.Variable)):
        raise ValueError('Unexpectedly found an instance of type `' + str(type(x)) + '`. '
                         'Expected a symbolic tensor instance.')
    return hasattr(x, '_keras_history')


def int_shape(x):
    """The static shape as a tuple of ints and Nones (None when the rank is unknown)."""
    try:
        shape = x.shape
        if not isinstance(shape, tuple):
            shape = tuple(shape.as_list())
        return shape
    except ValueError:
        return None


def ndim(x):
    return x.shape.ndims


def dtype(x):
    return x.dtype.base_dtype.name


def count_params(x):
    return int(np.prod(x.shape.as_list()))


def eval(x):
    return get_value(_graph.convert_to_tensor(x) if not isinstance(x, _variables.Variable) else x)


def get_value(x):
    if not (_graph.is_tensor(x) or isinstance(x, _variables.Variable)):
        return x
    return get_session((x,)).run(x)


def batch_get_value(tensors):
    return get_session(tensors).run(list(tensors)) if tensors else []


def _assign_op(x):
    """One placeholder and assign op per variable, made on first use."""
    if getattr(x, '_keras_assign', None) is None:
        g = x.graph
        with g.as_default(), g.control_dependencies(None), name_scope(None):
            base = x.dtype.base_dtype
            value = graph_ops.placeholder(base, shape=x.shape, name='assign_placeholder')
            x._keras_assign = (value, state_ops.assign(x, value) if not hasattr(x, 'handle') else
                               x.assign(value, read_value=False))
    return x._keras_assign


def set_value(x, value):
    batch_set_value([(x, value)])


def batch_set_value(tuples):
    tuples = list(tuples)
    if not tuples:
        return
    ops, feed = [], {}
    for x, value in tuples:
        placeholder_, op = _assign_op(x)
        feed[placeholder_] = np.asarray(value, dtype=x.dtype.base_dtype.as_numpy_dtype)
        ops.append(op)
    get_session().run(ops, feed_dict=feed)


# -- K.function --------------------------------------------------------------------------------------------------
class Function:
    """Runs `outputs` and `updates` for values fed to `inputs` in one Session.run (Keras's graph function)."""

    def __init__(self, inputs, outputs, updates=None, name=None, **session_kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError('`inputs` to a Keras backend function should be a list or tuple.')
        self.inputs = list(inputs)
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._unpack = not isinstance(outputs, (list, tuple))
        self.name = name
        self.fetches = session_kwargs.pop('fetches', [])
        self.fetch_callbacks = {}  # {tensor: fn(value)}: extra fetches handed to a callback (TensorBoard)
        self.feed_dict = session_kwargs.pop('feed_dict', None)
        if session_kwargs:
            raise ValueError('Some keys in session_kwargs are not supported at this time: %s' %
                             (sorted(session_kwargs),))
        with _graph.get_default_graph().as_default():
            update_ops = []
            for update in updates or []:
                if isinstance(update, (list, tuple)):
                    update = state_ops.assign(update[0], update[1])
                update_ops.append(update)
            with _graph.get_default_graph().control_dependencies(
                    [o for o in self.outputs if _graph.is_tensor(o)]):
                self.updates_op = graph_ops.group(*update_ops) if update_ops else None
        self._callable = None

    def __call__(self, inputs):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(inputs) != len(self.inputs):
            raise ValueError('Expected %d inputs, got %d' % (len(self.inputs), len(inputs)))
        session = get_session(inputs)
        feed = dict(self.feed_dict or {})
        for tensor, value in zip(self.inputs, inputs):
            if value is None:
                continue
            if _graph.is_tensor(tensor) and hasattr(tensor, 'dtype'):
                value = np.asarray(value, dtype=tensor.dtype.base_dtype.as_numpy_dtype)
            feed[tensor] = value
        updates = [self.updates_op] if self.updates_op is not None else []
        listed = set(id(f) for f in self.fetches)  # (K.any shadows the builtin in this module)
        extra = list(self.fetches) + [f for f in self.fetch_callbacks if id(f) not in listed]
        results = session.run(self.outputs + updates + extra, feed_dict=feed)
        for fetch, value in zip(extra, results[len(self.outputs) + len(updates):]):
            callback = self.fetch_callbacks.get(fetch)
            if callback is not None:
                callback(value)
        outputs = results[:len(self.outputs)]
        return outputs[0] if self._unpack else outputs


def function(inputs, outputs, updates=None, name=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=name, **kwargs)


from sluice.keras.backend_ops import *  # noqa: F401,F403,E402  (the tensor functions: K.mean, K.dot, K.rnn, ...)
from sluice.keras.backend_ctc import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse  # noqa: F401,E402
from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.keras.backend')
