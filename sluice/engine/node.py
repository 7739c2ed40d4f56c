"""Operation and Tensor: the nodes of a graph and the values they produce.

An Operation is one node: an op type (its OpDef), input Tensors, attrs, control inputs, a requested
device and output Tensors. A Tensor is one output of one Operation. Both are plain records whose
fields the rest of sluice reads directly; the class docstrings state each field's contract. Graph
(graph.py) is the only builder of Operations.

Serializing a node as a NodeDef needs TensorFlow's protos, which belong to sluice.io; the engine
does not import them. sluice.io.graph_def installs itself as the GraphDef writer when it is
imported (`import sluice` imports it), and `Operation.node_def` and `Graph.as_graph_def` call it.
"""
import os
import sys
import threading

from sluice.engine import tensor_shape
from sluice.engine.device_spec import DeviceSpec

# The GraphDef writer: an object (the sluice.io.graph_def module) with node_def_of(op),
# graph_to_graph_def(graph, add_shapes) and version_def().
_graph_def_writer = None


def register_graph_def_writer(writer):
    """Installs the writer that Operation.node_def and Graph.as_graph_def use."""
    global _graph_def_writer
    _graph_def_writer = writer


class DeferredAttr:
    """An attr value built on its first read: an imported Const keeps its TensorProto (`source`)
    until the array is needed, as TF keeps a constant as its proto until the node runs, so a file
    that claims a huge constant costs nothing to load. `shape` and `dtype` are known without
    building; `build()` makes the value (and raises the loader's error for a bad proto)."""
    __slots__ = ('build', 'source', 'shape', 'dtype')

    def __init__(self, build, source, shape, dtype):
        self.build, self.source, self.shape, self.dtype = build, source, shape, dtype


def graph_def_writer():
    if _graph_def_writer is None:
        raise RuntimeError('No GraphDef writer is registered: import sluice (sluice.io.graph_def registers it).')
    return _graph_def_writer


# The shape of an output before its op's shape function runs: one object (TensorShapes are immutable).
_UNKNOWN_SHAPE = tensor_shape.TensorShape(None)

_SLUICE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


_shared = threading.local()  # .frames: the traceback every op this thread creates gets, or None


def share_traceback(frames):
    """Ops this thread creates from now on get `frames` (a copy each) as their traceback, None to
    stop: a bulk builder (graph_import) whose ops all have the same user frames walks them once.
    Returns the frames shared before (to restore)."""
    previous = getattr(_shared, 'frames', None)
    _shared.frames = frames
    return previous


def user_traceback():
    """The user-code frames of the current call (what a new op records)."""
    return _user_traceback()


def _user_traceback():
    """The frames where user code created an op (innermost last), without sluice's own."""
    frames = []
    f = sys._getframe(2)
    while f is not None:
        filename = f.f_code.co_filename
        if not filename.startswith(_SLUICE_DIR):
            frames.append((filename, f.f_lineno, f.f_code.co_name, None))  # line text read lazily
            if len(frames) >= 8:
                break
        f = f.f_back
    frames.reverse()
    return frames


class Tensor:
    """One output of an Operation: a symbolic handle to a value computed when a Session runs.

    Fields (read across the package; written only where stated):

    `_op`           The Operation producing this value. Set at construction; never changes.
    `_value_index`  Which output of `_op` this is: always `_op._outputs[_value_index] is self`.
    `_dtype`        A DType. For a Ref output (a variable's storage) it is the ref dtype
                    (`_dtype._is_ref_dtype`); `_dtype.base_dtype` is the value's type. Fixed at creation.
    `_shape`        The static TensorShape: `_shape._dims` is None for an unknown rank, else a list with
                    None for each unknown dimension. Written by Graph._create_op from the op's shape
                    function, then only refined by `set_shape` (a merge: it never contradicts what was
                    known). Shape functions of consumers read it, so it must be final before they run.
    `_consumers`    The Operations taking this tensor as a data input, in creation order, one entry per
                    use. Appended by Operation._link once a consumer's shape function has accepted it;
                    only graph_import's rollback removes entries. Gradients walk it forward.
    """
    # `_keras_history` / `_keras_mask`: set by tf.keras layers on their outputs (unset until then).
    __slots__ = ('_op', '_value_index', '_dtype', '_shape', '_consumers', '_keras_history', '_keras_mask',
                 '__weakref__')

    # Lets NumPy defer to our reflected operators (np.float32(2) * t -> t.__rmul__).
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = shape
        self._consumers = []

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)

    @property
    def name(self):
        return '%s:%d' % (self._op._name, self._value_index)

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refines the static shape; raises ValueError (TF's shape-inference text) when incompatible."""
        shape = tensor_shape.as_shape(shape)
        a, b = self._shape._dims, shape._dims
        if a is not None and b is not None:
            if len(a) != len(b):
                raise ValueError('Shapes must be equal rank, but are %d and %d' % (len(a), len(b)))
            for i, (x, y) in enumerate(zip(a, b)):
                if x is not None and y is not None and x != y:
                    raise ValueError('Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s '
                                     'and %s.' % (i, x, y, _dims_str(a), _dims_str(b)))
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Runs the default (or given) session to compute this tensor."""
        from sluice.engine import session as _session
        return _session.run_with_default(self, feed_dict, session, 'Tensor.eval()')

    def _as_node_def_input(self):
        return self._op._name if self._value_index == 0 else self.name

    def __repr__(self):
        return "<tf.Tensor '%s' shape=%s dtype=%s>" % (self.name, self._shape, self._dtype.name)

    def __str__(self):
        shape = '' if self._shape._dims is None else ', shape=%s' % (self._shape,)
        device = ', device=%s' % self._op._device if self._op._device else ''
        return 'Tensor("%s"%s, dtype=%s%s)' % (self.name, shape, self._dtype.name, device)

    # TF1: tensors compare by identity; object's own methods keep dict lookups in C.
    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__

    def __bool__(self):
        raise TypeError('Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` '
                        'instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such '
                        'as tf.cond to execute subgraphs conditioned on the value of a tensor.')

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError('Cannot convert a symbolic Tensor (%s) to a numpy array. This error may indicate '
                                  "that you're trying to pass a Tensor to a NumPy call, which is not supported"
                                  % self.name)

    def __iter__(self):
        raise TypeError('Tensor objects are only iterable when eager execution is enabled. To iterate over this '
                        'tensor use tf.map_fn.')

    def __len__(self):
        raise TypeError('len is not well defined for symbolic Tensors. (%s) Please call `x.shape` '
                        'rather than `len(x)` for shape information.' % self.name)


class Operation:
    """A node of the graph: an op type, named inputs and attrs, and output Tensors.

    Ops are built only by Graph._create_op (or its public form Graph.create_op), which binds the
    inputs to the OpDef, fills attrs, names the op and runs its shape function. Placers, plans,
    kernel builders, gradients and exporters then read the fields below directly (they are the
    node API inside sluice; users see the properties). Once a Session has planned a graph, a change
    to an existing op's inputs or control inputs must call `graph._structure_changed()` so cached
    plans are rebuilt.

    `_graph`            The Graph that owns the op. Set at construction; never changes.
    `_op_def`           The OpDef from the op registry: the type (`op.type`), input and output args,
                        attr kinds and defaults, shape function, `is_stateful`. Read-only.
    `_name`             The unique name in the graph, scope path included ('layer/MatMul_1'); the key
                        of `graph._ops_by_name`. Never changes.
    `_id`               Creation order in the graph (1, 2, ...): unique and increasing, so sorting by it
                        gives a deterministic order (the placer picks colocation representatives by it).
    `_inputs`           The data input Tensors, flat (a list argument contributes one entry per
                        element), in the OpDef's argument order. Each is from `_graph`. Set at creation;
                        `t._consumers` of each input lists this op.
    `_ref_inputs`       A tuple of bools parallel to `_inputs`: True where the OpDef argument is a Ref,
                        meaning the op writes that input's storage (Assign's `ref`). Set by
                        Graph._create_op. Placer (colocates writers with the variable), executor (no
                        in-place reuse) and pruning (a writer is stateful) read it.
    `_attrs`            attr name -> Python value, defaults filled: DType for 'type', TensorShape for
                        'shape', int, float, bool, str, bytes, NumPy arrays for 'tensor' (an imported Const's
                        value: a DeferredAttr until `get_attr` first builds it), FuncGraph for
                        'func', lists of those. Names starting with '_' ('_class' colocation groups,
                        '_gradient_op_type') are outside the OpDef. Written at creation and, before the
                        op first runs, by graph builders (`_set_attr`, FuncGraph's `_Arg` index, import's
                        '_class'). Kernel builders read it (mostly through `get_attr`) when a plan is built.
    `_control_inputs`   Ops that must run before this one, without duplicates. Changed through
                        `_add_control_inputs`, which keeps `_control_outputs` in step and bumps the
                        graph's version (graph_import rewrites both lists itself while importing).
    `_control_outputs`  The reverse edges: ops that have this op among their `_control_inputs`.
    `_node_def_bytes`   The serialized NodeDef, cached by the GraphDef writer on first export so that
                        each `Saver.save` (a MetaGraph export) does not rebuild it; every setter after
                        creation (`_set_attr`, `_set_device`, `_add_control_inputs`) clears it.
    `_device`           The requested device as a canonical DeviceSpec string, '' for unconstrained;
                        from the device scopes or colocation in force at creation, `_set_device` later.
                        The device a Session actually uses is the Placer's choice, kept by the Placer.
    `_outputs`          The output Tensors, `_outputs[i]._value_index == i`, created with the op and
                        never replaced (their shapes are filled by the shape function).
    `traceback`         The user-code frames that created the op, innermost last, at most 8, as
                        (filename, lineno, function name, None) tuples: for error messages' '(defined
                        at FILE:LINE)' and for a MetaGraphDef's debug info.
    """

    def __init__(self, graph, op_def, name, inputs, attrs, output_dtypes, control_inputs, device):
        self._graph = graph
        self._op_def = op_def
        self._name = name
        self._inputs = inputs
        self._attrs = attrs
        self._control_inputs = control_inputs
        self._device = device
        self._node_def_bytes = None  # the GraphDef writer's serialized NodeDef; the setters below clear it
        self._id = graph._next_id()
        self._control_outputs = []
        frames = getattr(_shared, 'frames', None)
        self.traceback = _user_traceback() if frames is None else list(frames)
        self._outputs = [Tensor(self, i, dt, _UNKNOWN_SHAPE) for i, dt in enumerate(output_dtypes)]

    def _link(self):
        """Makes the op visible from its inputs; done once its shape function has accepted it."""
        for t in self._inputs:
            t._consumers.append(self)
        for c in self._control_inputs:
            c._control_outputs.append(self)

    name = property(lambda self: self._name)
    type = property(lambda self: self._op_def.type)
    op_def = property(lambda self: self._op_def)
    graph = property(lambda self: self._graph)
    device = property(lambda self: self._device)
    outputs = property(lambda self: list(self._outputs))
    inputs = property(lambda self: tuple(self._inputs))
    control_inputs = property(lambda self: list(self._control_inputs))

    def values(self):
        return tuple(self._outputs)

    @property
    def node_def(self):
        return graph_def_writer().node_def_of(self)

    def get_attr(self, name):
        try:
            value = self._attrs[name]
        except KeyError:
            raise ValueError('Operation %r has no attr named %r.' % (self._name, name)) from None
        if type(value) is DeferredAttr:  # built once, then kept like any other value
            value = self._attrs[name] = value.build()
        return value

    def _set_attr(self, name, value):
        self._attrs[name] = value
        self._node_def_bytes = None

    def _set_device(self, device):
        self._device = _device_string(device)
        self._node_def_bytes = None

    def _add_control_input(self, op):
        self._add_control_inputs([op])

    def _add_control_inputs(self, ops):
        for op in ops:
            if op not in self._control_inputs:
                self._control_inputs.append(op)
                op._control_outputs.append(self)
        self._node_def_bytes = None
        self._graph._structure_changed()

    def colocation_groups(self):
        """TF's form: [b'loc:@name', ...] from the '_class' attr, or the op's own name."""
        return [b'loc:@' + n.encode() for n in self._colocation_names()]

    def _colocation_names(self):
        """The op names this op is colocated with: its '_class' loc:@ entries, or its own name."""
        groups = [c[5:].decode() if isinstance(c, bytes) else c[5:]
                  for c in self._attrs.get('_class', ()) if (c[:5] in ('loc:@', b'loc:@'))]
        return groups or [self._name]

    def run(self, feed_dict=None, session=None):
        """Runs this op in the default (or given) session."""
        from sluice.engine import session as _session
        _session.run_with_default(self, feed_dict, session, 'Operation.run()')

    def __repr__(self):
        return "<tf.Operation '%s' type=%s>" % (self._name, self.type)

    def __str__(self):
        return 'name: "%s"\nop: "%s"\n' % (self._name, self.type)




def _device_string(device):
    if device is None:
        return ''
    if isinstance(device, DeviceSpec):
        return device.to_string()
    return DeviceSpec.from_string(device).to_string() if device else ''


def _dims_str(dims):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)
