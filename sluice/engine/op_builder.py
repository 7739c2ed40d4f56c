"""The op builder: how a public function turns Python arguments into one node (TF's op_def_library).

Every op-adding function in sluice ends in `apply(op_type, inputs, attrs, name)`. It:
  1. finds the graph from the tensor inputs (or the default graph; a function being built wins),
     and opens a name scope named `name` (default: `default_name`, else the op type);
  2. converts each input, in the OpDef's argument order, to a Tensor inside that scope, so a
     Python value becomes a Const named after its argument ('Reshape/shape', 'AddN/inputs_1'):
       - a fixed-dtype argument ('shape: int32') converts to that dtype;
       - a type-attr argument ('y: T') converts to T once an earlier argument (or the caller's
         attrs) fixed T, else to the attr's default as a preference, and then fixes T;
       - a Ref argument ('ref: Ref(T)') must be a mutable tensor (a Variable);
  3. checks each inferred type attr against the allowed dtypes declared in `register_op`,
     with TF's messages ("Value passed to parameter 'x' has DataType int32 not in list of
     allowed values: float32, float64");
  4. adds the node through `Graph._create_op`, which binds the inputs, fills attr defaults and
     runs the shape function before the node joins the graph (a failing shape check leaves no
     node behind, as in TF).
`inputs` holds one item per OpDef input: a value, or a list of values for a list argument.
"""
import numbers

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_registry

__all__ = ['apply', 'output', 'infer_dtype']


def infer_dtype(value):
    """The DType TF gives a Python or NumPy value: float -> float32, int -> int32 (int64 when it
    does not fit), bool -> bool, str/bytes -> string; arrays keep theirs; lists take the widest."""
    if isinstance(value, (np.ndarray, np.generic)):
        return dtypes.string if value.dtype.kind in 'SUO' else dtypes.as_dtype(value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(value, (str, bytes)):
        return dtypes.string
    if isinstance(value, numbers.Integral):
        return dtypes.int32 if -2**31 <= value < 2**31 else dtypes.int64
    if isinstance(value, numbers.Real):
        return dtypes.float32
    if isinstance(value, numbers.Complex):
        return dtypes.complex128
    if isinstance(value, (list, tuple)):
        if not value:
            return dtypes.float32
        numeric = _numeric_list_dtype(value)
        if numeric is not None:
            return numeric
        # inside a list NumPy's default scalars count as Python numbers (TF narrows them to int32 / float32)
        kinds = [infer_dtype(v.item() if isinstance(v, (np.int64, np.float64)) else v) for v in value]
        for preferred in (dtypes.string, dtypes.complex128, dtypes.float64, dtypes.float32, dtypes.int64,
                          dtypes.int32, dtypes.bool):
            if preferred in kinds:
                if preferred == dtypes.string and len(set(kinds)) > 1:
                    break
                return preferred
    raise TypeError('Failed to convert object of type %s to Tensor. Contents: %s. Consider casting elements to a '
                    'supported type.' % (type(value), value))


def _numeric_list_dtype(value):
    """TF's make_tensor_proto for a numeric list: NumPy's array dtype, then float64 -> float32 and int64 ->
    int32 where every element fits (so [np.uint8(10)] is uint8, [np.int64(3)] int32, [np.float64(1)] float32).
    None for what NumPy does not make a numeric array of (strings, ragged lists, tensors inside)."""
    try:
        array = np.array(value)
    except Exception:  # a Tensor in the list (its __array__ refuses), ragged rows: the per-element rules decide
        return None
    kind = array.dtype.kind
    if kind not in 'biufc':
        return None
    if array.dtype == np.float64:
        return dtypes.float32
    if array.dtype == np.int64:
        return dtypes.int32 if not array.size or (array.min() >= -2**31 and array.max() < 2**31) else dtypes.int64
    return dtypes.as_dtype(array.dtype)


def _tensors_in(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _tensors_in(v)
        elif _graph.is_tensor(v):
            yield v


class _TypeAttrs:
    """The type attrs fixed so far while converting one op's inputs, and which argument fixed each."""

    def __init__(self, op_def, attrs):
        self.op_def = op_def
        self.known = {k: (dtypes.as_dtype(v).base_dtype, None) for k, v in attrs.items()
                      if op_def.attr_kinds.get(k) == 'type' and v is not None}

    def preferred(self, attr):
        default = self.op_def.attrs.get(attr)
        return None if default is op_registry.REQUIRED else default

    def fix(self, attr, arg_name, tensor):
        dt = tensor.dtype.base_dtype
        have = self.known.get(attr)
        if have is None:
            allowed = self.op_def.allowed.get(attr)
            if allowed is not None and dt not in allowed:
                raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: %s"
                                % (arg_name, dt.name, ', '.join(d.name for d in allowed)))
            self.known[attr] = (dt, arg_name)
        elif dt != have[0]:
            raise TypeError(_mismatch(self.op_def.type, arg_name, dt, have))

    def mismatch_error(self, attr, arg_name, value, error):
        """The TypeError TF gives a Python value that does not convert to the attr's fixed dtype:
        a number of another kind 'does not match' the argument that fixed it; anything else
        (a string for a float) was not what the parameter expected."""
        have = self.known[attr]
        try:
            inferred = infer_dtype(value)
        except TypeError:
            inferred = None
        if inferred is None or inferred == dtypes.string or have[1] is None:
            return TypeError("Expected %s passed to parameter '%s' of op '%s', got %r of type '%s' instead. "
                             'Error: %s' % (have[0].name, arg_name, self.op_def.type, value,
                                            type(value).__name__, error))
        if inferred == have[0]:
            return None
        return TypeError(_mismatch(self.op_def.type, arg_name, inferred, have))


def _mismatch(op_type, arg_name, dt, have):
    return ("Input '%s' of '%s' Op has type %s that does not match type %s of argument '%s'."
            % (arg_name, op_type, dt.name, have[0].name, have[1]))


def _convert(arg, value, types, const_name):
    if arg.is_ref:
        to_ref = getattr(value, '_ref', None)
        ref = to_ref() if to_ref is not None else value
        if not isinstance(ref, _graph.Tensor) or not ref.dtype._is_ref_dtype:
            raise TypeError("'%s' Op requires that input '%s' be a mutable tensor (e.g.: a tf.Variable)"
                            % (types.op_def.type, arg.name))
        return ref
    if arg.fixed_dtype is not None:
        return _graph.convert_to_tensor(value, dtype=None if _graph.is_tensor(value) else arg.fixed_dtype,
                                        name=const_name)
    if arg.type_attr is None:  # a list(type) argument: each element keeps its own dtype
        return _graph.convert_to_tensor(value, name=const_name)
    have = types.known.get(arg.type_attr)
    if _graph.is_tensor(value) or have is None:
        preferred = None if have is not None else types.preferred(arg.type_attr)
        return _graph.convert_to_tensor(value, name=const_name, preferred_dtype=preferred)
    try:
        return _graph.convert_to_tensor(value, dtype=have[0], name=const_name)
    except (TypeError, ValueError) as e:
        error = types.mismatch_error(arg.type_attr, arg.name, value, e)
        if error is None:
            raise
        raise error from None


def _convert_inputs(op_def, inputs, types):
    converted = []
    for arg, value in zip(op_def.inputs, inputs):
        if arg.is_list:
            values = list(value)
            if arg.type_attr and arg.type_attr not in types.known:  # a list takes T from its first tensor
                first = next((v for v in values if _graph.is_tensor(v)), None)
                if first is not None:
                    types.fix(arg.type_attr, arg.name, _graph.convert_to_tensor(first))
            tensors = [_convert(arg, v, types, '%s_%d' % (arg.name, i)) for i, v in enumerate(values)]
            if arg.type_attr:
                for t in tensors:
                    types.fix(arg.type_attr, arg.name, t)
        else:
            tensors = _convert(arg, value, types, arg.name)
            if arg.type_attr:
                types.fix(arg.type_attr, arg.name, tensors)
        converted.append(tensors)
    return converted


def apply(op_type, inputs, attrs=None, name=None, default_name=None):
    """Adds one `op_type` node with `inputs` (one per OpDef input) and `attrs`; returns the Operation."""
    op_def = op_registry.get_op_def(op_type)
    if len(inputs) != len(op_def.inputs):
        raise TypeError('%s takes %d inputs (%s), got %d' % (op_type, len(op_def.inputs),
                                                            ', '.join(a.name for a in op_def.inputs), len(inputs)))
    attrs = {k: v for k, v in (attrs or {}).items() if v is not None}
    g = _graph.graph_of(list(_tensors_in(inputs)))
    with g.as_default(), g.name_scope(name or default_name or op_type) as scope:
        types = _TypeAttrs(op_def, attrs)
        converted = _convert_inputs(op_def, inputs, types)
        for attr, (dt, _) in types.known.items():
            attrs.setdefault(attr, dt)
        return g._create_op(op_type, converted, attrs, name=scope)


def output(op_type, inputs, attrs=None, name=None, default_name=None):
    """`apply` for an op with one output: returns that Tensor."""
    return apply(op_type, inputs, attrs, name, default_name)._outputs[0]
