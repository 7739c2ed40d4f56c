"""Graph <-> GraphDef pieces: nodes as TensorFlow writes them, attr values both ways, OpDef protos.

Export: inputs are 'op', 'op:1' and '^op' for control inputs, after the data inputs. Attr values
are encoded by the kind the OpDef declares; attrs outside the OpDef ('_class') by their Python
type. `add_shapes` adds '_output_shapes' to the nodes that have outputs (as TF).
Import (used by graph_import): `python_attr` decodes an AttrValue by the OpDef's kind into what
sluice keeps in `op._attrs` (DType, TensorShape, NumPy array, int, float, bool, str for 'string'
attrs, lists of those), checking the AttrValue holds that kind; `python_attr_any` decodes an attr
the OpDef does not declare (underscore attrs) by the field it holds (strings stay bytes, as TF's
get_attr gives them). `op_def_proto` states a registered OpDef as TF's OpDef proto (for a
MetaGraphDef's stripped_op_list); `strip_default_attrs` drops attrs equal to their defaults.

The engine does not import this module: importing it installs it as the engine's GraphDef writer
(`Operation.node_def`, `Graph.as_graph_def` and `Graph.graph_def_versions` call node_def_of,
graph_to_graph_def and version_def here).
"""
import sys

import numpy as np

from sluice.engine import dtypes
from sluice.engine.tensor_shape import TensorShape
from sluice.io import tensor_proto
from sluice.engine import op_registry
from sluice.engine.node import DeferredAttr, register_graph_def_writer
from sluice.io.protos import AttrValue, GraphDef, NodeDef, OpDef, VersionDef

# TF's GraphDef version and the oldest consumer version it supports (TF 1.15 wrote 134 / 0).
GRAPH_DEF_VERSION = 134
GRAPH_DEF_VERSION_MIN_CONSUMER = 0


def version_def():
    return VersionDef(producer=GRAPH_DEF_VERSION, min_consumer=GRAPH_DEF_VERSION_MIN_CONSUMER)


def attr_value(value, kind=None):
    """An AttrValue for a Python attr value of the given OpDef kind (inferred when None)."""
    result = AttrValue()
    if isinstance(value, AttrValue):  # an underscore attr sluice could not decode: kept as read
        result.CopyFrom(value)
        return result
    if kind is None:
        kind = _infer_kind(value)
    if kind.startswith('list('):
        inner = kind[5:-1]
        lst = result.list
        lst.SetInParent()
        for v in value:
            if inner == 'type':
                lst.type.append(dtypes.as_dtype(v).as_datatype_enum)
            elif inner == 'int':
                lst.i.append(int(v))
            elif inner == 'float':
                lst.f.append(float(v))
            elif inner == 'bool':
                lst.b.append(bool(v))
            elif inner == 'string':
                lst.s.append(v if isinstance(v, bytes) else str(v).encode())
            elif inner == 'shape':
                lst.shape.add().CopyFrom(tensor_proto.shape_to_proto(v))
            elif inner == 'tensor':
                lst.tensor.add().CopyFrom(tensor_proto.array_to_proto(np.asarray(v)))
            else:
                raise TypeError('Cannot encode list attr of kind %s' % kind)
        return result
    if kind == 'type':
        result.type = dtypes.as_dtype(value).as_datatype_enum
    elif kind == 'int':
        result.i = int(value)
    elif kind == 'float':
        result.f = float(value)
    elif kind == 'bool':
        result.b = bool(value)
    elif kind == 'string':
        result.s = value if isinstance(value, bytes) else str(value).encode()
    elif kind == 'shape':
        result.shape.CopyFrom(tensor_proto.shape_to_proto(value))
    elif kind == 'tensor' and type(value) is DeferredAttr:  # an imported Const never built
        result.tensor.CopyFrom(value.source)
    elif kind == 'tensor':
        result.tensor.CopyFrom(tensor_proto.array_to_proto(np.asarray(value)) if not hasattr(value, 'dtype') or
                               isinstance(value, np.ndarray) else tensor_proto.array_to_proto(value))
    elif kind == 'func':
        result.func.name = getattr(value, 'name', str(value))
    else:
        raise TypeError('Cannot encode attr of kind %s' % kind)
    return result


def _infer_kind(value):
    if isinstance(value, dtypes.DType):
        return 'type'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    if isinstance(value, (str, bytes)):
        return 'string'
    if isinstance(value, TensorShape):
        return 'shape'
    if isinstance(value, np.ndarray):
        return 'tensor'
    if isinstance(value, (list, tuple)):
        return 'list(%s)' % (_infer_kind(value[0]) if value else 'int')
    return 'func'


def node_def_of(op):
    node = NodeDef(name=op._name, op=op._op_def.type, device=op._device)
    node.input.extend(t._as_node_def_input() for t in op._inputs)
    node.input.extend('^' + c._name for c in op._control_inputs)
    kinds = op._op_def.attr_kinds
    for name, value in op._attrs.items():
        if value is None:
            continue
        node.attr[name].CopyFrom(attr_value(value, kinds.get(name)))
    return node


def _node_def_bytes(op):
    """node_def_of(op) serialized, written field by field: NodeDef's name (1), op (2), inputs (3),
    device (4) and attr map entries (5). An attr of an immutable scalar value is encoded once per
    (name, kind, value) and reused: most nodes share their dtypes, flags and small ints."""
    parts = [_string_field(b'\x0a', op._name), _string_field(b'\x12', op._op_def.type)]
    parts.extend(_string_field(b'\x1a', t._as_node_def_input()) for t in op._inputs)
    parts.extend(_string_field(b'\x1a', '^' + c._name) for c in op._control_inputs)
    if op._device:
        parts.append(_string_field(b'\x22', op._device))
    kinds = op._op_def.attr_kinds
    for name, value in op._attrs.items():
        if value is not None:
            parts.append(_attr_entry(name, value, kinds.get(name)))
    return b''.join(parts)


_ATTR_ENTRIES = {}  # (name, kind, type, value) -> serialized map entry, for immutable scalar values
_SCALAR_TYPES = (dtypes.DType, int, float, bool, str, bytes)


def _attr_key(name, value, kind):
    """A dict key standing for the attr's encoding, or None for values encoded each time (tensors)."""
    if isinstance(value, _SCALAR_TYPES):
        return name, kind, type(value), value
    if isinstance(value, TensorShape):
        return name, kind, TensorShape, value._dims
    if isinstance(value, list) and all(isinstance(v, _SCALAR_TYPES) for v in value):
        return name, kind, list, tuple((type(v), v) for v in value)
    return None


def _attr_entry(name, value, kind):
    key = _attr_key(name, value, kind)
    if key is not None:
        entry = _ATTR_ENTRIES.get(key)
        if entry is not None:
            return entry
    body = _string_field(b'\x0a', name) + _bytes_field(b'\x12', attr_value(value, kind).SerializeToString())
    entry = _bytes_field(b'\x2a', body)
    if key is not None and len(_ATTR_ENTRIES) < 65536:
        _ATTR_ENTRIES[key] = entry
    return entry


def _string_field(tag, text):
    return _bytes_field(tag, text.encode('utf-8'))


def _bytes_field(tag, data):
    return tag + _varint(len(data)) + data


def graph_to_graph_def(graph, add_shapes=False):
    """The graph as a GraphDef, assembled from each op's cached serialized NodeDef (a field-1 record
    per node, the protobuf wire format) and parsed once: building NodeDef messages attr by attr is
    what costs, and a graph is exported on every Saver.save. The bodies of functional ops go to
    `library` (io/function_def.py)."""
    from sluice.io import function_def  # it builds on this module
    library = function_def.function_library(graph)  # first: it may rename functions
    parts = []
    for op in list(graph._ops):
        node = op._node_def_bytes
        if node is None:
            node = op._node_def_bytes = _node_def_bytes(op)
        if add_shapes and op._outputs:
            node += _output_shapes_entry(op)
        parts.append(_NODE_TAG + _varint(len(node)))
        parts.append(node)
    parts.append(_VERSIONS_RECORD)
    result = GraphDef.FromString(b''.join(parts))
    if library is not None:
        result.library.CopyFrom(library)
        from sluice.io import loop_records_export
        if loop_records_export.has_records(result):  # loops recorded for a gradient: TF's accumulator form
            loop_records_export.to_accumulators(result)
    return result


_NODE_TAG = b'\x0a'  # GraphDef.node: field 1, length-delimited
_VERSIONS_RECORD = b'\x22' + bytes([len(version_def().SerializeToString())]) + version_def().SerializeToString()


_SMALL_VARINTS = [bytes((n,)) for n in range(128)]


def _varint(n):
    if n < 128:
        return _SMALL_VARINTS[n]
    out = bytearray()
    while n > 0x7f:
        out.append((n & 0x7f) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _output_shapes_entry(op):
    """The serialized '_output_shapes' attr map entry, cached while the outputs' shapes are the same
    objects (set_shape replaces a Tensor's TensorShape, it never changes one in place)."""
    shapes = [t._shape for t in op._outputs]
    cached = getattr(op, '_output_shapes_bytes', None)
    if cached is not None and len(cached[0]) == len(shapes) and all(a is b for a, b in zip(cached[0], shapes)):
        return cached[1]
    holder = NodeDef()
    holder.attr['_output_shapes'].CopyFrom(attr_value(shapes, 'list(shape)'))
    entry = holder.SerializeToString()
    op._output_shapes_bytes = (shapes, entry)
    return entry


# -- AttrValue -> Python ----------------------------------------------------------------------

# The AttrValue field holding each scalar kind, and TF's name of each field's kind (for errors).
_FIELD_OF_KIND = {'type': 'type', 'int': 'i', 'float': 'f', 'bool': 'b', 'string': 's', 'shape': 'shape',
                  'tensor': 'tensor', 'func': 'func', 'placeholder': 'placeholder'}
_KIND_OF_FIELD = {'type': 'type', 'i': 'int', 'f': 'float', 'b': 'bool', 's': 'string', 'shape': 'shape',
                  'tensor': 'tensor', 'func': 'func', 'placeholder': 'placeholder', 'list': 'list'}


class AttrKindError(ValueError):
    """An AttrValue holds another kind than the OpDef declares (the importer adds the node)."""


def _scalar(field, v, keep_bytes):
    if field == 'type':
        try:
            return dtypes.as_dtype(v)
        except TypeError:
            raise AttrKindError('AttrValue has invalid DataType enum: %d' % v) from None
    if field == 'i':
        return int(v)
    if field == 'f':
        return float(v)
    if field == 'b':
        return bool(v)
    if field == 's':
        if keep_bytes:
            return bytes(v)
        try:
            return v.decode('utf-8')
        except UnicodeDecodeError:  # not text: keep the bytes rather than lose them
            return bytes(v)
    if field == 'shape':
        return tensor_proto.shape_from_proto(v)
    if field == 'tensor':
        return tensor_proto.make_ndarray(v)
    if field == 'func':
        return v.name
    raise AttrKindError('Cannot decode attr field %s' % field)


def python_attr(value, kind):
    """The Python value sluice keeps for an AttrValue of OpDef kind `kind` (AttrKindError if it differs)."""
    which = value.WhichOneof('value')
    if kind.startswith('list('):
        if which != 'list':
            raise AttrKindError("AttrValue had value with type '%s' when '%s' expected"
                                % (_KIND_OF_FIELD.get(which, which), kind))
        inner = _FIELD_OF_KIND[kind[5:-1]]
        lst = value.list
        for field in ('s', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'func'):
            if field != inner and len(getattr(lst, field)):
                raise AttrKindError("AttrValue had value with type 'list(%s)' when '%s' expected"
                                    % (_KIND_OF_FIELD[field], kind))
        return [_scalar(inner, v, False) for v in getattr(lst, inner)]
    field = _FIELD_OF_KIND[kind]
    if which is None:
        raise AttrKindError("AttrValue missing value with expected type '%s'" % kind)
    if which != field:
        raise AttrKindError("AttrValue had value with type '%s' when '%s' expected"
                            % (_KIND_OF_FIELD.get(which, which), kind))
    return _scalar(field, getattr(value, field), False)


def python_attr_any(value):
    """The Python value of an attr no OpDef declares, by the field set (strings stay bytes); the
    AttrValue itself where it holds nothing sluice decodes (TF carries such attrs unread)."""
    try:
        return _python_attr_any(value)
    except AttrKindError:
        copy = AttrValue()
        copy.CopyFrom(value)
        return copy


def _python_attr_any(value):
    which = value.WhichOneof('value')
    if which is None:
        return None
    if which != 'list':
        return _scalar(which, getattr(value, which), True)
    lst = value.list
    for field in ('s', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'func'):
        items = getattr(lst, field)
        if len(items):
            return [_scalar(field, v, True) for v in items]
    return []


def attr_kind_of(value):
    """The OpDef kind an AttrValue holds ('int', 'list(shape)', ...; None when empty)."""
    which = value.WhichOneof('value')
    if which != 'list':
        return _KIND_OF_FIELD.get(which) if which else None
    for field in ('s', 'i', 'f', 'b', 'type', 'shape', 'tensor', 'func'):
        if len(getattr(value.list, field)):
            return 'list(%s)' % _KIND_OF_FIELD[field]
    return 'list(int)'


# -- OpDef protos --------------------------------------------------------------------------------

def _arg_def(arg, proto):
    proto.name = arg.name
    if arg.number_attr:
        proto.number_attr = arg.number_attr
    if arg.type_attr:
        proto.type_attr = arg.type_attr
    elif arg.type_list_attr:
        proto.type_list_attr = arg.type_list_attr
    else:
        proto.type = arg.fixed_dtype.base_dtype.as_datatype_enum
    proto.is_ref = arg.is_ref


def op_def_proto(op_def):
    """TF's OpDef proto for a registered op: arguments, attrs with kinds and defaults, statefulness."""
    proto = OpDef(name=op_def.type, is_stateful=op_def.is_stateful)
    for arg in op_def.inputs:
        _arg_def(arg, proto.input_arg.add())
    for arg in op_def.outputs:
        _arg_def(arg, proto.output_arg.add())
    for name, kind in op_def.attr_kinds.items():
        attr = proto.attr.add(name=name, type=kind)
        default = default_attr_value(op_def, name)
        if default is not None:
            attr.default_value.CopyFrom(default)
    return proto


def default_attr_value(op_def, name):
    """The AttrValue of an OpDef attr's default, or None when it has none."""
    default = op_def.attrs.get(name, op_registry.REQUIRED)
    if default is op_registry.REQUIRED or default is None:
        return None
    return attr_value(default, op_def.attr_kinds[name])


def strip_default_attrs(node):
    """Removes from a NodeDef the attrs whose value equals the registered OpDef's default."""
    try:
        op_def = op_registry.get_op_def(node.op)
    except Exception:  # an op sluice lacks: nothing known to strip
        return
    for name in list(node.attr):
        default = default_attr_value(op_def, name)
        if default is not None and _same_attr(node.attr[name], default):
            del node.attr[name]


def _same_attr(a, b):
    if a == b:
        return True
    kind = attr_kind_of(a)
    if kind != attr_kind_of(b) or kind is None:
        return False
    try:  # tensors: equal values whatever their encoding (tensor_content or *_val)
        x, y = python_attr(a, kind), python_attr(b, kind)
        if kind == 'tensor':
            return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
        return x == y
    except (AttrKindError, TypeError, ValueError):
        return False


register_graph_def_writer(sys.modules[__name__])
