"""Graph: the dataflow graph that user code builds, its scopes, collections and default stack.

The node types, Operation and Tensor, live in node.py; binding an op's inputs to its OpDef in
op_binding.py; convert_to_tensor in tensor_conversion.py. All are re-exported here, where the
rest of sluice reaches them (`from sluice.engine.graph import Tensor, convert_to_tensor`).

A Graph owns its Operations in creation order. Building an op (`Graph.create_op`) reads the op
type's OpDef from the registry, infers type attrs from the input dtypes, fills attr defaults,
names the op uniquely under the current name scope, attaches the control dependencies, device
and colocation constraints in force, and gives each output Tensor a dtype and a static shape.
Nothing runs here: Sessions place and execute graphs later.
"""
import contextlib
import re
import threading

from sluice.engine import op_binding
from sluice.engine import op_registry
from sluice.engine import tensor_shape
from sluice.engine.device_spec import DeviceSpec
from sluice.engine.node import Operation, Tensor, graph_def_writer
# Re-exported: the rest of sluice reaches these through sluice.engine.graph.
from sluice.engine.tensor_conversion import (convert_n_to_tensor, convert_to_tensor, is_tensor,  # noqa: F401
                                             register_tensor_conversion_function)


class GraphKeys:
    """Standard names for graph collections, as in TF1."""
    GLOBAL_VARIABLES = 'variables'
    LOCAL_VARIABLES = 'local_variables'
    METRIC_VARIABLES = 'metric_variables'
    MODEL_VARIABLES = 'model_variables'
    TRAINABLE_VARIABLES = 'trainable_variables'
    SUMMARIES = 'summaries'
    QUEUE_RUNNERS = 'queue_runners'
    TABLE_INITIALIZERS = 'table_initializer'
    ASSET_FILEPATHS = 'asset_filepaths'
    MOVING_AVERAGE_VARIABLES = 'moving_average_variables'
    REGULARIZATION_LOSSES = 'regularization_losses'
    CONCATENATED_VARIABLES = 'concatenated_variables'
    SAVERS = 'savers'
    WEIGHTS = 'weights'
    BIASES = 'biases'
    ACTIVATIONS = 'activations'
    UPDATE_OPS = 'update_ops'
    LOSSES = 'losses'
    SAVEABLE_OBJECTS = 'saveable_objects'
    RESOURCES = 'resources'
    LOCAL_RESOURCES = 'local_resources'
    TRAINABLE_RESOURCE_VARIABLES = 'trainable_resource_variables'
    INIT_OP = 'init_op'
    LOCAL_INIT_OP = 'local_init_op'
    READY_OP = 'ready_op'
    READY_FOR_LOCAL_INIT_OP = 'ready_for_local_init_op'
    SUMMARY_OP = 'summary_op'
    GLOBAL_STEP = 'global_step'
    EVAL_STEP = 'eval_step'
    TRAIN_OP = 'train_op'
    COND_CONTEXT = 'cond_context'
    WHILE_CONTEXT = 'while_context'
    VARIABLES = GLOBAL_VARIABLES


_VALID_OP_NAME = re.compile(r'^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$')
_VALID_SCOPE_NAME = re.compile(r'^[A-Za-z0-9_.\\/>-]*$')
class _DeviceScope:
    """One entry of the device stack: a spec merged under inner specs, or a function of the op."""
    __slots__ = ('spec', 'function')

    def __init__(self, device):
        self.function = device if callable(device) and not isinstance(device, DeviceSpec) else None
        self.spec = None if self.function else (device if isinstance(device, DeviceSpec)
                                                 else DeviceSpec.from_string(device or ''))

    def apply(self, op, current):
        if self.function is not None:
            op._device = current
            result = self.function(op)
            return result.to_string() if isinstance(result, DeviceSpec) else (result or '')
        merged = DeviceSpec.from_string(self.spec.to_string())
        merged.merge_from(DeviceSpec.from_string(current))
        return merged.to_string()


class Graph:
    """A TensorFlow computation: Operations, their Tensors, collections and scopes."""

    def __init__(self):
        self._lock = threading.RLock()
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._id_counter = 0
        self._version = 0  # bumps when an existing op's inputs change (plans must be rebuilt)
        self._collections = {}
        self._finalized = False
        self.seed = None
        self._scopes = threading.local()
        self._building_function = False
        self._unfeedable = set()
        self._unfetchable = set()

    # -- per-thread scope state (TF keeps these per thread too) --
    def _scope_state(self):
        s = self._scopes
        if not hasattr(s, 'name_stack'):
            s.name_stack = ''
            s.control = []          # _ControlScope entries; a None entry clears outer ones
            s.devices = []          # list of _DeviceScope, None entry clears outer ones
            s.colocation = []       # list of ops
            s.attr_scopes = []
            s.gradient_overrides = {}
        return s

    def _next_id(self):
        self._id_counter += 1
        return self._id_counter

    def _structure_changed(self):
        self._version += 1

    @property
    def version(self):
        return self._id_counter

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        self._finalized = True

    def _unsafe_unfinalize(self):
        self._finalized = False

    @property
    def building_function(self):
        return self._building_function

    # -- naming --
    def get_name_scope(self):
        return self._scope_state().name_stack

    def unique_name(self, name, mark_as_used=True):
        """TF's naming: 'add', then 'add_1', 'add_2'; case-insensitive; under the name scope."""
        stack = self._scope_state().name_stack
        if stack:
            name = stack + '/' + name
        key = name.lower()
        used = self._names_in_use
        count = used.get(key, 0)
        if mark_as_used:
            used[key] = count + 1
        if count == 0:
            return name
        candidate = '%s_%d' % (key, count)
        while candidate in used:
            count += 1
            candidate = '%s_%d' % (key, count)
        if mark_as_used:
            used[candidate] = 1
        return '%s_%d' % (name, count)

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a name scope; '' or None resets to the root, a trailing '/' reuses a scope as is."""
        state = self._scope_state()
        old = state.name_stack
        if not name:
            new = ''
        elif name.endswith('/'):
            if not _VALID_SCOPE_NAME.match(name):
                raise ValueError("'%s' is not a valid scope name" % name)
            new = name[:-1]
        else:
            if not (_VALID_OP_NAME if not old else _VALID_SCOPE_NAME).match(name):
                raise ValueError("'%s' is not a valid scope name" % name)
            new = self.unique_name(name)
        state.name_stack = new
        try:
            yield (new + '/') if new else ''
        finally:
            state.name_stack = old

    # -- scopes applied to new ops --
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """New ops run after `control_inputs` (ops or tensors); None clears outer scopes."""
        state = self._scope_state()
        if control_inputs is None:
            entry = None
        else:
            ops = []
            for c in control_inputs:
                c = self.as_graph_element(c)
                if isinstance(c, Tensor):
                    c = c._op
                if c not in ops:
                    ops.append(c)
            entry = _ControlScope(ops)
        state.control.append(entry)
        try:
            yield
        finally:
            state.control.pop()

    def _current_control_inputs(self, inputs):
        """The control inputs of a new op with `inputs`, as TF: a scope is skipped when one of the
        inputs was created inside it (that input already waits for the scope's ops)."""
        control = self._scope_state().control
        if not control:
            return []
        result = []
        input_ops = {t._op for t in inputs}
        start = 0
        for i, entry in enumerate(control):
            if entry is None:
                start = i + 1
        for entry in control[start:]:
            if input_ops and not input_ops.isdisjoint(entry.created):
                continue
            for op in entry.ops:
                if op not in input_ops and op not in result:
                    result.append(op)
        return result

    def _record_created(self, op):
        control = self._scope_state().control
        for entry in reversed(control):
            if entry is None:
                break
            entry.created.add(op)

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """Pins new ops to a device: a string, a DeviceSpec, a function of the op, or None (clear)."""
        state = self._scope_state()
        state.devices.append(None if device_name_or_function is None else _DeviceScope(device_name_or_function))
        try:
            yield
        finally:
            state.devices.pop()

    def _device_for(self, op):
        current = ''
        for scope in reversed(self._scope_state().devices):
            if scope is None:
                break
            current = scope.apply(op, current)
        return current

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        """New ops are placed with `op` (an op, tensor or variable); device scopes are ignored."""
        state = self._scope_state()
        old_colocation, old_devices = state.colocation, state.devices
        if op is None:
            state.colocation = []
        else:
            target = _as_op(self, op)
            state.colocation = ([] if ignore_existing else list(old_colocation)) + [target]
            state.devices = [None]
        try:
            yield
        finally:
            state.colocation, state.devices = old_colocation, old_devices

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Ops of the mapped types created inside use another type's gradient ({'Square': 'MyGrad'})."""
        state = self._scope_state()
        old = state.gradient_overrides
        state.gradient_overrides = dict(old, **op_type_map)
        try:
            yield
        finally:
            state.gradient_overrides = old

    @contextlib.contextmanager
    def _attr_scope(self, attr_map):
        state = self._scope_state()
        state.attr_scopes.append(attr_map)
        try:
            yield
        finally:
            state.attr_scopes.pop()

    # -- building ops --
    def create_op(self, op_type, inputs, dtypes=None, input_types=None, name=None, attrs=None,
                  op_def=None, compute_shapes=True, compute_device=True):
        """TF1's Graph.create_op: adds a node of `op_type` with `inputs` and `attrs`."""
        return self._create_op(op_type, list(inputs), dict(attrs or {}), name)

    def _create_op(self, op_type, inputs, attrs, name=None):
        if self._finalized:
            raise RuntimeError('Graph is finalized and cannot be modified.')
        op_def = op_registry.get_op_def(op_type)
        flat_inputs, ref_flags, attrs = op_binding.bind_inputs(op_def, inputs, attrs, name or op_type)
        for t in flat_inputs:
            if t._op._graph is not self:
                raise ValueError('Tensor %s must be from the same graph as the new %s op.' % (t.name, op_type))
        output_dtypes = op_binding.output_dtypes(op_def, attrs)
        with self._lock:
            if name and name.endswith('/'):
                name = name[:-1]  # a scope name, made unique when the scope opened: used as is
            else:
                name = self.unique_name(name or op_type)
        return self._add_op(op_def, flat_inputs, ref_flags, attrs, output_dtypes, name)

    def _add_op(self, op_def, flat_inputs, ref_flags, attrs, output_dtypes, name, control=None):
        """The second half of _create_op, for a caller that bound the inputs (bind_inputs' result:
        inputs of this graph, attrs with defaults) and chose a free name itself (graph_import): applies
        the scopes in force, runs the shape function, adds the op. `control`: its control inputs,
        None for those of the control_dependencies in force."""
        if self._finalized:
            raise RuntimeError('Graph is finalized and cannot be modified.')
        op_type = op_def.type
        with self._lock:
            state = self._scope_state()
            for attr_map in state.attr_scopes:
                attrs.update(attr_map)
            if op_type in state.gradient_overrides:
                attrs['_gradient_op_type'] = state.gradient_overrides[op_type]
            if control is None:
                control = self._current_control_inputs(flat_inputs)
            op = Operation(self, op_def, name, flat_inputs, attrs, output_dtypes, control, '')
            op._ref_inputs = ref_flags  # which inputs are written (Ref args), not read
            if state.colocation:
                names = {n for target in state.colocation for n in target._colocation_names()}
                op._attrs['_class'] = [b'loc:@' + n.encode() for n in sorted(names)]
                op._device = state.colocation[-1]._device
            elif state.devices:
                op._device = self._device_for(op)
        # As TF's C API: an op whose shape function fails is not added (its name stays taken).
        if op_def.shape_fn is not None:
            shapes = op_def.shape_fn(op)
            for t, s in zip(op._outputs, shapes):
                t._shape = s if isinstance(s, tensor_shape.TensorShape) else tensor_shape.as_shape(s)
        with self._lock:
            op._link()
            if state.control:
                self._record_created(op)
            self._ops.append(op)
            self._ops_by_name[name] = op
        return op

    # -- lookups --
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError('Operation names are strings (or similar), not %s.' % type(name).__name__)
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name):
        if not isinstance(name, str):
            raise TypeError('Tensor names are strings (or similar), not %s.' % type(name).__name__)
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def _get_operation_by_name_unsafe(self, name):
        return self._ops_by_name[name]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation, name ('add:0' or 'add') or convertible object."""
        if allow_tensor and allow_operation:
            types_str = 'Tensor or Operation'
        elif allow_tensor:
            types_str = 'Tensor'
        else:
            types_str = 'Operation'
        to_elem = getattr(obj, '_as_graph_element', None)
        if to_elem is not None:
            obj = to_elem()
        if isinstance(obj, str):
            if ':' in obj and allow_tensor:
                op_name, _, index = obj.rpartition(':')
                try:
                    index = int(index)
                except ValueError:
                    raise ValueError("The name %r looks a like a Tensor name, but is not a valid one. Tensor "
                                     "names must be of the form \"<op_name>:<output_index>\"." % obj) from None
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError("The name %r refers to a Tensor which does not exist. The operation, %r, "
                                   "does not exist in the graph." % (obj, op_name))
                if index >= len(op._outputs):
                    raise KeyError("The name %r refers to a Tensor which does not exist. The operation, %r, "
                                   "exists but only has %d outputs." % (obj, op_name, len(op._outputs)))
                return op._outputs[index]
            if ':' in obj:
                raise ValueError('Name %r appears to refer to a Tensor, not a %s.' % (obj, types_str))
            op = self._ops_by_name.get(obj)
            if op is None:
                raise KeyError("The name %r refers to an Operation not in the graph." % obj)
            if not allow_operation:
                raise ValueError("The name %r refers to an Operation, not a %s. Tensor names must be of the "
                                 "form \"<op_name>:<output_index>\"." % (obj, types_str))
            return op
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError('Tensor %s is not an element of this graph.' % obj)
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj._graph is not self:
                raise ValueError('Operation %s is not an element of this graph.' % obj)
            return obj
        raise TypeError('Can not convert a %s into a %s.' % (type(obj).__name__, types_str))

    # -- collections --
    def add_to_collection(self, name, value):
        with self._lock:
            self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        names = (names,) if isinstance(names, str) else set(names)
        for name in names:
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        with self._lock:
            return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        with self._lock:
            items = self._collections.get(name)
            if items is None:
                return []
            if scope is None:
                return list(items)
            pattern = re.compile(scope)
            return [item for item in items
                    if getattr(item, 'name', None) is not None and pattern.match(item.name)]

    def get_all_collection_keys(self):
        with self._lock:
            return [k for k, v in self._collections.items() if isinstance(k, str)]

    def clear_collection(self, name):
        with self._lock:
            self._collections.pop(name, None)

    # -- feeding and fetching rules --
    def prevent_feeding(self, tensor):
        self._unfeedable.add(tensor)

    def prevent_fetching(self, op):
        self._unfetchable.add(op)

    def is_feedable(self, tensor):
        return tensor not in self._unfeedable

    def is_fetchable(self, tensor_or_op):
        op = tensor_or_op.op if isinstance(tensor_or_op, Tensor) else tensor_or_op
        return op not in self._unfetchable

    # -- default graph --
    def as_default(self):
        return _default_graph_stack.get_controller(self)

    def as_graph_def(self, from_version=None, add_shapes=False):
        return graph_def_writer().graph_to_graph_def(self, add_shapes=add_shapes)

    @property
    def graph_def_versions(self):
        return graph_def_writer().version_def()

    def __repr__(self):
        return '<sluice Graph at %#x with %d ops>' % (id(self), len(self._ops))


class _ControlScope:
    """One control_dependencies block: its ops, and the ops created inside it."""
    __slots__ = ('ops', 'created')

    def __init__(self, ops):
        self.ops = ops
        self.created = set()


def _as_op(graph, obj):
    to_elem = getattr(obj, '_as_graph_element', None)
    if to_elem is not None:
        obj = to_elem()
    if isinstance(obj, Tensor):
        return obj._op
    if isinstance(obj, Operation):
        return obj
    if isinstance(obj, str):
        return graph.as_graph_element(obj, allow_tensor=False)
    raise TypeError('Can not convert a %s into an Operation.' % type(obj).__name__)


class _DefaultStack(threading.local):
    """A per-thread stack of defaults (graphs or sessions)."""

    def __init__(self):
        super().__init__()
        self.stack = []

    def get_default(self):
        return self.stack[-1] if self.stack else None

    @contextlib.contextmanager
    def get_controller(self, default):
        self.stack.append(default)
        try:
            yield default
        finally:
            if self.stack and self.stack[-1] is default:
                self.stack.pop()
            elif default in self.stack:
                self.stack.remove(default)


class _DefaultGraphStack(_DefaultStack):
    """Per-thread stack of graphs over a per-thread global default graph (TF1: a new thread gets its own)."""

    def __init__(self):
        super().__init__()
        self.global_default = None

    def get_default(self):
        if self.stack:
            return self.stack[-1]
        if self.global_default is None:
            self.global_default = Graph()
        return self.global_default

    def reset(self):
        if self.stack:
            raise AssertionError('Do not use tf.reset_default_graph() to clear nested graphs. If you need a '
                                 'cleared graph, exit the nesting and create a new graph.')
        self.global_default = None


_default_graph_stack = _DefaultGraphStack()


def get_default_graph():
    return _default_graph_stack.get_default()


def reset_default_graph():
    from sluice.engine import session as _session
    if _session._default_session_stack.stack:
        raise AssertionError('Do not use tf.reset_default_graph() to clear nested graphs. If you need a '
                             'cleared graph, exit the nesting and create a new graph.')
    _default_graph_stack.reset()


def graph_of(values, default=None):
    """The graph the tensors in `values` live in (TF's `_get_graph_from_inputs`).

    While a function (If/While branch) is being built it is the default graph, whatever the
    inputs: outer tensors are captured by it.
    """
    current = get_default_graph()
    if current._building_function:
        return current
    for v in values:
        to_elem = getattr(v, '_as_graph_element', None)
        if to_elem is not None:
            v = to_elem()
        if isinstance(v, (Tensor, Operation)):
            return v.graph
    return default or get_default_graph()


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """TF1's tf.name_scope(name, default_name, values): a scope in the graph of `values`."""
    n = default_name if name is None else name
    if n is None and values is not None:
        raise ValueError('At least one of name (%s) and default_name (%s) must be provided.' % (name, default_name))
    g = graph_of(values or [])
    with g.as_default(), g.name_scope(n) as scope:
        yield scope
