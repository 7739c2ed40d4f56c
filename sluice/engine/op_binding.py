"""Binding a new op's inputs and attrs to its OpDef (the first step of Graph._create_op).

`bind_inputs` walks the OpDef's input arguments in order: a list argument takes a list of
Tensors (its length sets the `number_attr`, its dtypes a `type_list_attr`), a Ref argument needs a
ref-typed (variable) input, and a `type_attr` is set by the first argument that uses it and checked
against the others, with TF's error messages. Attrs left unset get the OpDef's defaults (a missing
required attr is a TypeError); given type and shape attrs are normalized to DType and TensorShape.
`output_dtypes` then reads the outputs' dtypes off the bound attrs (graph_import uses it too).
"""
from sluice.engine import dtypes
from sluice.engine import op_registry
from sluice.engine import tensor_shape
from sluice.engine.node import Tensor


def bind_inputs(op_def, inputs, attrs, name):
    """Matches `inputs` to the OpDef's argument list; infers type attrs; fills defaults."""
    if len(inputs) != len(op_def.inputs):
        raise ValueError('%s (op %s) takes %d inputs, got %d' % (name, op_def.type, len(op_def.inputs), len(inputs)))
    flat = []
    ref_flags = []
    sources = {}  # type attr -> the argument that set it, for TF's mismatch message
    for arg, value in zip(op_def.inputs, inputs):
        values = list(value) if arg.is_list else [value]
        for t in values:
            if not isinstance(t, Tensor):
                raise TypeError("Input '%s' of '%s' Op must be a Tensor, got %r" % (arg.name, op_def.type, t))
        if arg.number_attr:
            _set_or_check(attrs, arg.number_attr, len(values), op_def, arg, sources)
        if arg.type_list_attr:
            _set_or_check(attrs, arg.type_list_attr, [t._dtype.base_dtype for t in values], op_def, arg, sources)
        want = arg.fixed_dtype
        for t in values:
            if arg.is_ref and not t._dtype._is_ref_dtype:
                raise TypeError("'%s' Op requires that input '%s' be a mutable tensor (e.g.: a tf.Variable)"
                                % (op_def.type, arg.name))
            base = t._dtype.base_dtype
            if arg.type_attr:
                _set_or_check(attrs, arg.type_attr, base, op_def, arg, sources)
            elif want is not None and base != want.base_dtype:
                raise TypeError("Input '%s' of '%s' Op has type %s that does not match expected type of %s."
                                % (arg.name, op_def.type, base.name, want.base_dtype.name))
        flat.extend(values)
        ref_flags.extend([arg.is_ref] * len(values))
    for attr, default in op_def.attrs.items():
        if attr not in attrs:
            if default is op_registry.REQUIRED:
                raise TypeError("%s (op %s) is missing required attr '%s'" % (name, op_def.type, attr))
            attrs[attr] = list(default) if isinstance(default, list) else default
        elif op_def.attr_kinds[attr] == 'type' and attrs[attr] is not None:
            attrs[attr] = dtypes.as_dtype(attrs[attr])
        elif op_def.attr_kinds[attr] == 'shape' and attrs[attr] is not None:
            attrs[attr] = tensor_shape.as_shape(attrs[attr])
    return flat, tuple(ref_flags), attrs


def _set_or_check(attrs, attr, value, op_def, arg, sources):
    have = attrs.get(attr)
    if have is None:
        attrs[attr] = value
        sources[attr] = arg.name
    elif have != value:
        if isinstance(value, dtypes.DType):
            have = dtypes.as_dtype(have).name
            if attr in sources:
                raise TypeError("Input '%s' of '%s' Op has type %s that does not match type %s of argument '%s'."
                                % (arg.name, op_def.type, value.name, have, sources[attr]))
            raise TypeError("Input '%s' of '%s' Op has type %s that does not match expected type of %s."
                            % (arg.name, op_def.type, value.name, have))
        raise ValueError("Attr '%s' of '%s' Op is %r, but input '%s' implies %r."
                         % (attr, op_def.type, have, arg.name, value))


def output_dtypes(op_def, attrs):
    result = []
    for arg in op_def.outputs:
        if arg.type_list_attr:
            result.extend(dtypes.as_dtype(d) for d in attrs[arg.type_list_attr])
            continue
        dt = dtypes.as_dtype(attrs[arg.type_attr]) if arg.type_attr else arg.fixed_dtype
        if arg.is_ref:
            dt = dt._as_ref
        result.extend([dt] * (attrs[arg.number_attr] if arg.number_attr else 1))
    return result
