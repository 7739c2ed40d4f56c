"""The op registry: every op type is declared once, with TensorFlow's names.

An `OpDef` says what a node of one type looks like: its inputs and outputs (TF's
argument names with a tiny signature language), its attrs with their kinds and
defaults, whether it is stateful, how its output shapes follow from its inputs
(the shape function) and, added by later issues, its gradient. Graph code reads
the OpDef to infer type attrs from input dtypes, to fill attr defaults and to
give every output a dtype and a static shape at construction.

Argument signatures (TF's own notation, trimmed):
    'x: T'             one tensor whose dtype is the type attr T
    'x: int32'         one tensor of a fixed dtype
    'values: N * T'    a list of N tensors of type T (N is an int attr)
    'values: N * int32'
    'components: Tcomponents'  a list whose dtypes are the list(type) attr
    'ref: Ref(T)'      a mutable reference (a variable): the op may write it
"""
import re

from sluice.engine import dtypes as _dtypes

REQUIRED = object()  # marks an attr with no default

_ARG_RE = re.compile(r'^\s*(\w+)\s*:\s*(?:(\w+)\s*\*\s*)?(Ref\((\w+)\)|\w+)\s*$')


class ArgDef:
    """One input or output argument of an op."""
    __slots__ = ('name', 'type_attr', 'fixed_dtype', 'number_attr', 'type_list_attr', 'is_ref')

    def __init__(self, spec, attr_kinds):
        m = _ARG_RE.match(spec)
        if not m:
            raise ValueError('Bad argument signature %r' % spec)
        self.name, self.number_attr, type_part, ref_inner = m.group(1), m.group(2), m.group(3), m.group(4)
        self.is_ref = ref_inner is not None
        type_name = ref_inner if self.is_ref else type_part
        self.type_attr = self.fixed_dtype = self.type_list_attr = None
        kind = attr_kinds.get(type_name)
        if kind == 'type':
            self.type_attr = type_name
        elif kind == 'list(type)':
            self.type_list_attr = type_name
        else:
            self.fixed_dtype = _dtypes.as_dtype(type_name)

    @property
    def is_list(self):
        return self.number_attr is not None or self.type_list_attr is not None


class OpDef:
    """The declaration of one op type.

    type:        TF's op type name ('MatMul').
    inputs:      ArgDefs, in order.
    outputs:     ArgDefs, in order.
    attrs:       {name: default or REQUIRED}.
    attr_kinds:  {name: 'type' | 'list(type)' | 'int' | 'float' | 'bool' | 'string' | 'shape' |
                  'tensor' | 'func' | 'list(int)' | ...} as in TF's OpDef.
    allowed:     {type attr: tuple of DTypes} the op accepts (TF's `T: {float, double}`); the op
                 builder rejects other dtypes with TF's TypeError. Attrs not named accept any.
    shape_fn:    f(op) -> list of TensorShape, one per output; None means unknown shapes.
    is_stateful: the op reads or writes state kept in the session (variables, queues, RNGs);
                 such ops are never pruned as constants and never deduplicated.
    Gradients are declared beside the op with `register_gradient` (kept in their own table, so a
    user's gradient_override_map may name types that are not ops).
    """
    __slots__ = ('type', 'inputs', 'outputs', 'attrs', 'attr_kinds', 'allowed', 'shape_fn', 'is_stateful')

    def __init__(self, op_type, inputs, outputs, attrs, shape_fn, is_stateful, allowed=None):
        self.type = op_type
        self.attr_kinds = {}
        self.attrs = {}
        for name, spec in attrs.items():
            kind, default = spec if isinstance(spec, tuple) else (spec, REQUIRED)
            self.attr_kinds[name] = kind
            self.attrs[name] = default
        self.inputs = [ArgDef(s, self.attr_kinds) for s in inputs]
        self.outputs = [ArgDef(s, self.attr_kinds) for s in outputs]
        self.shape_fn = shape_fn
        self.is_stateful = is_stateful
        self.allowed = {k: tuple(_dtypes.as_dtype(d) for d in v) for k, v in (allowed or {}).items()}

    def __repr__(self):
        return '<OpDef %s>' % self.type


_REGISTRY = {}


def register_op(op_type, inputs=(), outputs=(), attrs=None, shape_fn=None, is_stateful=False, allowed=None):
    """Declares an op type; returns its OpDef. Declaring a type twice is a bug."""
    if op_type in _REGISTRY:
        raise KeyError('Op type %r is already registered' % op_type)
    op_def = OpDef(op_type, list(inputs), list(outputs), attrs or {}, shape_fn, is_stateful, allowed)
    _REGISTRY[op_type] = op_def
    return op_def


def get_op_def(op_type):
    try:
        return _REGISTRY[op_type]
    except KeyError:
        from sluice.engine import errors
        raise errors.NotFoundError(None, None, "Op type not registered '%s' in sluice" % op_type) from None


def registered_op_types():
    return sorted(_REGISTRY)



_GRADIENTS = {}  # op type -> gradient function, or None for "not differentiable"


def register_gradient(op_type):
    """Decorator: declares the gradient of `op_type`, written beside the op's definition.

        @register_gradient('Mul')
        def _mul_grad(op, grad):          # one grad per output of op (None where no gradient flows)
            x, y = op.inputs
            return [grad * y, grad * x]   # one per input; None for inputs without a gradient

    It builds graph ops, at tf.gradients time, in the graph of `op`. Declaring a type twice is a
    bug (KeyError), as in TF. The type need not be registered as an op yet (gradient_override_map).
    """
    def decorate(fn):
        if op_type in _GRADIENTS:
            raise KeyError("Registering two gradient with name '%s'!" % op_type)
        _GRADIENTS[op_type] = fn
        return fn
    return decorate


def no_gradient(op_type):
    """Declares that `op_type` is not differentiable: tf.gradients treats its outputs as constants."""
    if op_type in _GRADIENTS:
        raise KeyError("Registering two gradient with name '%s'!" % op_type)
    _GRADIENTS[op_type] = None


def get_gradient(op_type):
    """(declared, fn): whether op_type has a gradient declaration, and the function (None: no gradient)."""
    return (op_type in _GRADIENTS), _GRADIENTS.get(op_type)
