"""Session: runs a graph's fetches with feeds, on the local devices a config gives.

Session.run is called millions of times, so everything that depends only on the call's
*signature* (the structure of the fetches, the fed tensors) is decided once and cached in a
RunSignature: the ExecutionPlan, how each feed value is converted and checked, and how the
flat results are packed back into the fetch structure. A run then converts the feeds, calls the
plan's compiled function and packs. Runs may come from many threads at once.

Composite values (SparseTensor, IndexedSlices) are defined above the engine, in sluice.ops; each
registers a fetch function (`register_fetch_function`, as TF's
register_session_run_conversion_functions): the session fetches the component tensors it names
and hands their values to the combine function it returns. A feed function
(`register_feed_function`) lets a composite be a feed_dict key: the signature feeds its component
tensors, and a run splits the fed value into theirs (only signatures with such a key pay for it).
A tuple key (an LSTMStateTuple) feeds its leaves the leaves of its value (TF's flatten_dict_items).

Closing: close() wakes blocked kernels (queues) through the ResourceStore; a step that was running
when the session closed raises CancelledError('Run call was cancelled'), as TF's DirectSession checks
its cancellation token when the step ends. A run started after close() raises RuntimeError.
"""
import contextlib
import threading

import numpy as np

from sluice.engine import devices as _devices
from sluice.engine import errors
from sluice.engine.log import logger
from sluice.engine import executor, fusion, shape_folding
from sluice.engine import gpu_memory
from sluice.engine import process_config
from sluice.engine import run_context
from sluice.engine import graph as _graph
from sluice.engine import host_memory
from sluice.engine.graph import Operation, Tensor
from sluice.engine.placer import Placer
from sluice.engine.resources import ResourceStore


_default_session_stack = _graph._DefaultStack()
_NO_DEADLINE = contextlib.nullcontext()
_fetch_functions = []  # (type, fetch_function), in registration order
_CANCELLED = 'Run call was cancelled'  # TF's message for a step whose session was closed while it ran


def register_fetch_function(fetch_type, fetch_function):
    """Makes instances of `fetch_type` fetchable: fetch_function(fetch) returns (a list of fetches,
    combine), and Session.run returns combine(list of their values)."""
    _fetch_functions.append((fetch_type, fetch_function))


_feed_functions = {}  # type -> (key -> component tensors, fed value -> component values)


def register_feed_function(feed_type, components, split):
    """Makes instances of `feed_type` feed_dict keys: components(key) lists the tensors fed in its
    place, and split(value) the values fed to them (TF's feed_function1 and feed_function)."""
    _feed_functions[feed_type] = (components, split)


def _flatten(structure):
    if isinstance(structure, (tuple, list)):
        return [leaf for part in structure for leaf in _flatten(part)]
    return [structure]


def _flatten_as(key, value):
    """The leaves of `value` where `key` has tensors (a value's own lists are values); None when the
    nesting differs."""
    if not isinstance(key, (tuple, list)):
        return [value]
    if not isinstance(value, (tuple, list)) or len(value) != len(key):
        return None
    leaves = []
    for k, v in zip(key, value):
        part = _flatten_as(k, v)
        if part is None:
            return None
        leaves.extend(part)
    return leaves


def _nested_feed(key):
    """A tuple key (an RNN's LSTMStateTuples): its leaves are fed the leaves of the value in the same
    nesting, as TF's Session flattens feed_dict items (nest.flatten_dict_items)."""
    leaves = _flatten(key)

    def split(value):
        values = _flatten_as(key, value)
        if values is None:
            values = _flatten(value)
            raise ValueError('Could not flatten dictionary. Key had %d elements, but value had %d elements. '
                             'Key: %s, value: %s.' % (len(leaves), len(values), leaves, values))
        return values
    return leaves, split


def get_default_session():
    return _default_session_stack.get_default()


def run_with_default(element, feed_dict, session, what):
    is_tensor = what == 'Tensor.eval()'
    given = session is not None
    if session is None:
        session = get_default_session()
        if session is None:
            if is_tensor:
                raise ValueError('Cannot evaluate tensor using `eval()`: No default session is registered. Use '
                                 '`with sess.as_default()` or pass an explicit session to `eval(session=sess)`')
            raise ValueError('Cannot execute operation using `run()`: No default session is registered. Use '
                             '`with sess.as_default():` or pass an explicit session to `run(session=sess)`')
    if session.graph is not element.graph:
        verb, noun, call = ('evaluate', 'tensor', 'eval') if is_tensor else ('execute', 'operation', 'run')
        if given:
            raise ValueError("Cannot use the given session to %s %s: the %s's graph is different from the session's "
                             "graph." % (verb, noun, noun))
        raise ValueError("Cannot use the default session to %s %s: the %s's graph is different from the "
                         "session's graph. Pass an explicit session to `%s(session=sess)`." % (verb, noun, noun, call))
    return session.run(element, feed_dict)


class _DeviceAttributes:
    """What Session.list_devices() returns for each device (TF's fields)."""

    def __init__(self, device):
        self.name = device.name
        self.device_type = device.device_type
        self.memory_limit_bytes = device.memory_limit
        self.incarnation = id(device)

    def __repr__(self):
        return '_DeviceAttributes(%s, %s, %d)' % (self.name, self.device_type, self.memory_limit_bytes)


def _fetch_key(fetch):
    """A hashable key for the structure and elements of `fetch`."""
    if isinstance(fetch, (Tensor, Operation, str)):
        return fetch
    if isinstance(fetch, list):
        return ('l',) + tuple(_fetch_key(f) for f in fetch)
    if isinstance(fetch, tuple):
        return (type(fetch),) + tuple(_fetch_key(f) for f in fetch)
    if isinstance(fetch, dict):
        return (type(fetch),) + tuple((k, _fetch_key(v)) for k, v in fetch.items())
    return fetch


class RunSignature:
    """Everything decided once for a (fetches, feed keys) signature."""

    def __init__(self, session, fetches, feed_keys):
        graph = session._graph
        self.tensors = []
        self.targets = []
        self._index = {}
        self.pack = self._packer(graph, fetches)
        self.feeds = []
        splits = []
        for key in feed_keys:
            composite = _feed_functions.get(type(key))
            if composite is not None:
                composite = composite[0](key), composite[1]
            elif isinstance(key, tuple):
                composite = _nested_feed(key)
            splits.append(None if composite is None else composite[1])
            for part in ([key] if composite is None else composite[0]):
                try:
                    t = graph.as_graph_element(part, allow_tensor=True, allow_operation=False)
                except Exception as e:
                    raise TypeError('Cannot interpret feed_dict key as Tensor: ' + str(e)) from None
                if not graph.is_feedable(t):
                    raise ValueError('Tensor %s may not be fed.' % t)
                self.feeds.append(t)
        if any(splits) and len(set(self.feeds)) != len(self.feeds):
            seen = set()
            twice = next(t for t in self.feeds if t in seen or seen.add(t))
            raise ValueError('Could not flatten dictionary: key %s is not unique.' % twice)
        self.convert = [_feed_converter(t) for t in self.feeds]
        # expand(values): the converted component values, for a signature with composite keys; else None.
        self.expand = None if not any(splits) else self._expander(splits)
        self.version = graph._version
        self.plan = executor.ExecutionPlan(session, self.feeds, self.tensors, self.targets)

    def _expander(self, splits):
        convert = self.convert

        def expand(values):
            parts = []
            for split, value in zip(splits, values):
                if split is None:
                    parts.append(value)
                else:
                    parts.extend(split(value))
            return [c(v) for c, v in zip(convert, parts)]
        return expand

    def _packer(self, graph, fetch):
        if fetch is None:
            raise TypeError('Fetch argument None has invalid type %r' % type(None))
        if isinstance(fetch, (list, tuple)):
            parts = [self._packer(graph, f) for f in fetch]
            if isinstance(fetch, list):
                return lambda r: [p(r) for p in parts]
            if hasattr(fetch, '_fields'):  # namedtuple
                cls = type(fetch)
                return lambda r: cls(*[p(r) for p in parts])
            cls = type(fetch)
            return lambda r: cls(p(r) for p in parts)
        if isinstance(fetch, dict):
            cls = type(fetch)
            items = [(k, self._packer(graph, v)) for k, v in fetch.items()]
            return lambda r: cls((k, p(r)) for k, p in items)
        for fetch_type, fetch_function in _fetch_functions:
            if isinstance(fetch, fetch_type):
                components, combine = fetch_function(fetch)
                parts = [self._packer(graph, f) for f in components]
                return lambda r: combine([p(r) for p in parts])
        try:
            element = graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
        except TypeError as e:
            raise TypeError('Fetch argument %r has invalid type %r, must be a string or Tensor. (%s)'
                            % (fetch, type(fetch), e)) from None
        except (ValueError, KeyError) as e:
            raise ValueError('Fetch argument %r cannot be interpreted as a Tensor. (%s)' % (fetch, e)) from None
        if isinstance(element, Operation):
            if element not in self.targets:
                self.targets.append(element)
            return lambda r: None
        if not graph.is_fetchable(element):
            raise ValueError('Operation %r has been marked as not fetchable.' % element.op.name)
        index = self._index.get(element)
        if index is None:
            index = self._index[element] = len(self.tensors)
            self.tensors.append(element)
        return lambda r: r[index]


def _feed_converter(tensor):
    """A function checking and converting one fed value, as TF1's session does."""
    dtype = tensor.dtype.base_dtype
    np_dtype = dtype.as_numpy_dtype
    shape = tensor.shape
    dims = shape._dims
    name = tensor.name
    is_string = dtype.name == 'string'
    np_dtype = np.dtype(np_dtype)
    full = tuple(dims) if dims is not None and None not in dims else None

    def convert(value):
        # Fast path: an ndarray of the right dtype and a fully known, matching shape is used as is.
        if value.__class__ is np.ndarray and value.dtype == np_dtype and value.shape == full:
            return value
        if isinstance(value, Tensor):
            raise TypeError('The value of a feed cannot be a tf.Tensor object. Acceptable feed values include '
                            'Python scalars, strings, lists, numpy ndarrays, or TensorHandles. For reference, '
                            'the tensor object was %s which was passed to the feed with key %s.' % (value, tensor))
        array = _string_array(value) if is_string else np.asarray(value, dtype=np_dtype)
        if dims is not None:
            got = array.shape
            if len(got) != len(dims) or any(d is not None and d != g for d, g in zip(dims, got)):
                raise ValueError('Cannot feed value of shape %r for Tensor %r, which has shape %r'
                                 % (got, name, str(shape)))
        return array
    return convert


def _string_array(value):
    array = np.asarray(value, dtype=object)
    flat = array.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, str):
            flat[i] = v.encode()
    return array


class BaseSession:
    def __init__(self, target='', graph=None, config=None):
        if graph is None:
            graph = _graph.get_default_graph()
        if not isinstance(graph, _graph.Graph):
            raise TypeError('graph must be a tf.Graph, but got %s' % type(graph))
        if target:
            raise errors.UnimplementedError(None, None, 'sluice runs in process only; target %r is not supported'
                                            % (target,))
        self._graph = graph
        self._config = config
        self._closed = False
        self._lock = threading.Lock()
        self._signatures = {}
        self._devices = _devices.local_devices(config)
        host_memory.keep_freed_blocks()
        self._resources = ResourceStore()
        soft = bool(getattr(config, 'allow_soft_placement', False)) if config is not None else \
            bool(process_config.get('soft_placement'))  # tf.config's settings hold when no config is given
        self._log_placement = bool(getattr(config, 'log_device_placement', False))
        self._placer = Placer(graph, self._devices, soft, self._log_placement)
        if self._log_placement:
            logger.info('Device mapping:\n%s', '\n'.join(
                '%s -> device: %d' % (d.name, d.index) for d in self._devices))
        from sluice.engine import blas_threads
        blas_threads.configure(getattr(config, 'intra_op_parallelism_threads', 0) if config is not None
                               else process_config.get('intra_op'))
        self._timeout_ms = getattr(config, 'operation_timeout_in_ms', 0) or 0
        self._fusion = fusion.enabled_by(config)  # elementwise fusion in this session's plans
        self._shape_folding = shape_folding.enabled_by(config)  # per-feed-shape plan variants
        self._default_session_context = None
        self._default_graph_context = None

    graph = property(lambda self: self._graph)
    sess_str = property(lambda self: '')

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    def list_devices(self):
        return [_DeviceAttributes(d) for d in self._devices]

    def as_default(self):
        return _default_session_stack.get_controller(self)

    # -- running --
    def _signature(self, fetches, feed_keys, node_by_node=False):
        """The cached plan of (fetches, feed keys). node_by_node: a plan without fused steps, for
        runs that report every node (FULL_TRACE, tfdbg), cached apart."""
        key = (_fetch_key(fetches), feed_keys, node_by_node)
        sig = self._signatures.get(key)
        if sig is None or sig.version != self._graph._version:
            with self._lock:
                sig = self._signatures.get(key)
                if sig is None or sig.version != self._graph._version:
                    fusion, self._fusion = self._fusion, self._fusion and not node_by_node
                    try:
                        sig = RunSignature(self, fetches, feed_keys)
                    finally:
                        self._fusion = fusion
                    self._signatures[key] = sig
        return sig

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops needed for `fetches`; returns their values in the same structure."""
        if self._closed:
            raise RuntimeError('Attempted to use a closed Session.')
        traced = bool(options is not None and options.trace_level and run_metadata is not None)
        if feed_dict:
            sig = self._signature(fetches, tuple(feed_dict), traced)
            if sig.expand is None:
                values = [c(v) for c, v in zip(sig.convert, feed_dict.values())]
            else:
                values = sig.expand(feed_dict.values())
        else:
            sig = self._signature(fetches, (), traced)
            values = ()
        if options is not None or self._timeout_ms:
            return self._run_with_options(sig, values, options, run_metadata)
        try:
            flat = sig.plan.run(values)
        except MemoryError as e:  # kernels' are converted in the plan; this is the fetches' copy
            raise _fetch_out_of_memory(sig, e) from None
        except Exception as e:
            raise self._failure(e)
        if self._closed:  # close() came while this step ran: TF discards its results
            raise errors.CancelledError(None, None, _CANCELLED)
        try:
            return sig.pack(flat)
        except MemoryError as e:
            raise _fetch_out_of_memory(sig, e) from None

    def _failure(self, error):
        """What a step that raised `error` raises: CancelledError when the session was closed under it
        (a step does not see its resources vanish as a RuntimeError or KeyError), else `error`."""
        if self._closed and not isinstance(error, errors.OpError):
            cancelled = errors.CancelledError(None, None, _CANCELLED)
            cancelled.__cause__ = error
            return cancelled
        return error

    def _run_with_options(self, sig, values, options, run_metadata):
        """The slower path: a deadline (RunOptions / ConfigProto timeout) and tracing."""
        timeout = (options.timeout_in_ms if options is not None else 0) or self._timeout_ms
        trace = options is not None and options.trace_level and run_metadata is not None
        with run_context.deadline_in(timeout) if timeout > 0 else _NO_DEADLINE:
            try:
                if trace:
                    from sluice.engine import tracing
                    flat = tracing.traced_run(sig.plan, values, run_metadata)
                else:
                    flat = sig.plan.run(values)
            except Exception as e:
                raise self._failure(e)
        if self._closed:
            raise errors.CancelledError(None, None, _CANCELLED)
        return sig.pack(flat)

    def _run_watched(self, fetches, feed_dict, on_step):
        """run() walking the plan step by step (tfdbg): on_step(step, outputs) after each step.
        The values seen before a failing step have been reported when its error propagates."""
        if self._closed:
            raise RuntimeError('Attempted to use a closed Session.')
        feed_dict = feed_dict or {}
        sig = self._signature(fetches, tuple(feed_dict), node_by_node=True)
        values = sig.expand(feed_dict.values()) if sig.expand else [c(v) for c, v in zip(sig.convert,
                                                                                          feed_dict.values())]
        try:
            flat = sig.plan.run_traced(values, lambda step, index, outputs: on_step(step, outputs))
        except Exception as e:
            raise self._failure(e)
        return sig.pack(flat)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` with positional feed values for `feed_list`; no per-call lookups."""
        if self._closed:
            raise RuntimeError('Attempted to use a closed Session.')
        feed_list = tuple(feed_list or ())
        sig = self._signature(fetches, feed_list)
        plan_run, pack, convert, expand = sig.plan.run, sig.pack, sig.convert, sig.expand
        n = len(feed_list)

        def call(*args, **kwargs):
            if self._closed:
                raise RuntimeError('Attempted to use a closed Session.')
            if len(args) != n:
                raise TypeError('Expected %d feed values, got %d' % (n, len(args)))
            if expand is None:
                values = [c(v) for c, v in zip(convert, args)] if n else ()
            else:
                values = expand(args)
            try:
                if self._timeout_ms:
                    with run_context.deadline_in(self._timeout_ms):
                        flat = plan_run(values)
                else:
                    flat = plan_run(values)
            except MemoryError as e:  # the fetches' copy (kernels' are converted in the plan)
                raise _fetch_out_of_memory(sig, e) from None
            except Exception as e:
                raise self._failure(e)
            if self._closed:
                raise errors.CancelledError(None, None, _CANCELLED)
            try:
                return pack(flat)
            except MemoryError as e:
                raise _fetch_out_of_memory(sig, e) from None
        return call

    def partial_run_setup(self, fetches, feeds=None):
        raise errors.UnimplementedError(None, None, 'Session.partial_run_setup is not implemented in sluice yet.')

    # -- closing --
    def close(self):
        if self._closed:
            return
        self._closed = True
        self._resources.close()
        self._signatures.clear()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _fetch_out_of_memory(sig, exc):
    """A MemoryError from copying fetched values out of the run, as TF's ResourceExhaustedError."""
    names = ', '.join(t.name for t in sig.plan.fetches)
    return errors.ResourceExhaustedError(
        None, None, 'OOM when copying the fetched values of [%s] out of the run: %s'
                    % (names, gpu_memory.out_of_memory_text(exc) or 'out of memory'))


class Session(BaseSession):
    """TF1's tf.Session: `with tf.Session() as sess:` makes it (and its graph) the default."""

    def __enter__(self):
        if self._default_graph_context is None:
            self._default_graph_context = self._graph.as_default()
        self._default_session_context = self.as_default()
        self._default_graph_context.__enter__()
        return self._default_session_context.__enter__()

    def __exit__(self, exc_type, exc_value, tb):
        self._default_session_context.__exit__(exc_type, exc_value, tb)
        self._default_graph_context.__exit__(exc_type, exc_value, tb)
        self._default_session_context = self._default_graph_context = None
        self.close()


class InteractiveSession(BaseSession):
    """A session that installs itself as the default on construction (for shells and notebooks)."""

    def __init__(self, target='', graph=None, config=None):
        super().__init__(target, graph, config)
        self._default_session_context = self.as_default()
        self._default_session_context.__enter__()
        self._default_graph_context = self._graph.as_default()
        self._default_graph_context.__enter__()

    def close(self):
        super().close()
        if self._default_session_context is not None:
            self._default_graph_context.__exit__(None, None, None)
            self._default_session_context.__exit__(None, None, None)
            self._default_session_context = self._default_graph_context = None
