"""One record per op type: the table that tests/ops/test_op_records.py runs on every device.

A record names the op types it covers and a builder written against a module argument, so the same
builder runs on `sluice` and on `tensorflow.compat.v1`:

    OpRecord('SquaredDifference', lambda tf, x, y: tf.math.squared_difference(x, y), [arg(S), arg(S)])

The test feeds the inputs the record's `Arg`s make (one seeded draw per record and dtype) to both
graphs and compares values, dtypes and static shapes; it checks that every op type the record claims
appears in sluice's graph; and, for a differentiable record, it compares sluice's gradient with central
differences and with TensorFlow's `tf.gradients`. A registered op type with neither a record nor an
entry in `EXEMPT` fails the coverage test. Builders use only public API names and op type names.

`xfail` maps a check ('forward', 'shape', 'grad' for finite differences, 'grad_tf' for TF's
gradient; a suffix '/float32' narrows it to one dtype, '@fake_gpu' to one device) to the precise
discrepancy found; the test marks it strict, so a fix shows up as an unexpected pass.
Ops that only imported GraphDefs create today (Add on numbers, Div, BatchMatMul, OnesLike, ...) are
built through tf.import_graph_def (`imported`), which is public API in both modules.
Records of newer domains live beside this file in `op_records_<domain>.py` (loaded at the end).
"""
import os
import zlib

import numpy as np

F16, F32, F64 = np.float16, np.float32, np.float64
I32, I64 = np.int32, np.int64
C64, C128 = np.complex64, np.complex128
FLOATS = (F32, F64)
REALS = (F32, F64, I32)
ALL_FLOATS = (F16, F32, F64)


class Arg:
    """How one input is made.

    dtype None means the dtype under test. `value` fixes the input; `const` passes it to the builder
    as a NumPy array (for attributes and shape arguments) instead of feeding it through a placeholder.
    `away` > 0 draws magnitudes in [away, high] with random signs (keeps values off kinks such as
    Abs and Relu at 0, where finite differences are meaningless).
    """

    def __init__(self, shape=(), low=-1.0, high=1.0, dtype=None, value=None, const=False, away=0.0):
        self.shape, self.low, self.high, self.dtype = tuple(shape), low, high, dtype
        self.value, self.const, self.away = value, const, away

    def make(self, rng, tested):
        dtype = np.dtype(self.dtype if self.dtype is not None else tested)
        if self.value is not None:
            return np.asarray(self.value, dtype=dtype if dtype.kind != 'S' else object)
        if dtype.kind == 'b':
            return rng.rand(*self.shape) < 0.5
        if dtype.kind in 'iu':
            return rng.randint(self.low, self.high + 1, size=self.shape).astype(dtype)
        if self.away:
            mag = rng.uniform(self.away, self.high, size=self.shape)
            value = mag * np.where(rng.rand(*self.shape) < 0.5, -1.0, 1.0)
        else:
            value = rng.uniform(self.low, self.high, size=self.shape)
        if dtype.kind == 'c':
            value = value + 1j * rng.uniform(self.low, self.high, size=self.shape)
        return np.asarray(value).astype(dtype)

    def differentiable(self, tested):
        return self.dtype is None and not self.const and self.value is None and np.dtype(tested).kind in 'fc'


def arg(shape=(), low=-1.0, high=1.0, **kw):
    return Arg(shape, low, high, **kw)


def fixed(value, dtype=I32):
    """A fed input with a fixed value (indices, segment ids, labels)."""
    return Arg(np.shape(value), dtype=dtype, value=value)


def const(value, dtype=I32):
    """A value passed to the builder as a NumPy array (becomes a Const in both graphs)."""
    return Arg(np.shape(value), dtype=dtype, value=value, const=True)


class OpRecord:
    """One row of the table.

    op_types: the types that must appear in sluice's graph (a string or a tuple).
    build(tf, *inputs): the graph, as a Tensor or a list of Tensors.
    inputs: one `Arg` per builder input.  dtypes: the dtypes `Arg(dtype=None)` takes.
    grad: whether the gradient is checked (for float inputs of the tested dtype).
    numpy: an optional NumPy reference of build, used when TensorFlow is not installed.
    rtol/atol: forward tolerances for float32 (float64 uses 1e3 times smaller, float16 100 times larger).
    name: the test id (default: the first op type).
    stateful: the graph has variables (initialized before the run).  cpu_only: why the op has no GPU
    kernel (as in TF: strings, Python functions); the record is skipped on GPUs.
    """

    def __init__(self, op_types, build, inputs, dtypes=FLOATS, grad=False, numpy=None, rtol=1e-5, atol=1e-6,
                 grad_tol=1e-3, name=None, xfail=None, stateful=False, cpu_only=False):
        self.op_types = (op_types,) if isinstance(op_types, str) else tuple(op_types)
        self.build, self.inputs, self.dtypes = build, list(inputs), tuple(dtypes)
        self.grad, self.numpy, self.rtol, self.atol, self.grad_tol = grad, numpy, rtol, atol, grad_tol
        self.name = name or self.op_types[0]
        self.xfail = dict(xfail or {})
        self.stateful, self.cpu_only = stateful, cpu_only

    def make_inputs(self, dtype):
        rng = np.random.RandomState(zlib.crc32(('%s/%s' % (self.name, np.dtype(dtype).name)).encode()))
        return [a.make(rng, dtype) for a in self.inputs]

    def tolerance(self, dtype):
        scale = {'float16': 100.0, 'float64': 1e-3, 'complex128': 1e-3}.get(np.dtype(dtype).name, 1.0)
        if np.dtype(dtype).name == 'float64':
            return max(self.rtol * scale, 1e-12), max(self.atol * scale, 1e-12)
        return self.rtol * scale, self.atol * scale

    def grad_dtype(self):
        return F64 if F64 in self.dtypes else self.dtypes[0]

    def xfail_reason(self, check, dtype, device):
        for key in ('%s/%s@%s' % (check, np.dtype(dtype).name, device), '%s@%s' % (check, device),
                    '%s/%s' % (check, np.dtype(dtype).name), check):
            if key in self.xfail:
                return self.xfail[key]
        return None


RECORDS = []
_STRINGS = 'string tensors have no GPU kernels (as in TF)'


def record(*args, **kw):
    RECORDS.append(OpRecord(*args, **kw))



def public(tf, path):
    """tf.math.sin for path 'math.sin' (records name public functions, never internal modules)."""
    fn = tf
    for part in path.split('.'):
        fn = getattr(fn, part)
    return fn


def imported(tf, op_type, inputs, attrs):
    """One `op_type` node brought in by tf.import_graph_def: the only public way to build op types
    that TF 1.x's Python API no longer emits (Add on numbers, Div, BatchMatMul)."""
    graph_def = tf.GraphDef()
    for i, t in enumerate(inputs):
        node = graph_def.node.add(name='in%d' % i, op='Placeholder')
        node.attr['dtype'].type = t.dtype.as_datatype_enum
    node = graph_def.node.add(name='op', op=op_type, input=['in%d' % i for i in range(len(inputs))])
    for key, value in attrs.items():
        if isinstance(value, bool):
            node.attr[key].b = value
        elif isinstance(value, int):
            node.attr[key].i = value
        elif key.endswith('shapes'):
            for shape in value:
                proto = node.attr[key].list.shape.add()
                for size in shape:
                    proto.dim.add(size=size)
        elif key.endswith('keys'):
            node.attr[key].list.s.extend(value)
        elif isinstance(value, list):
            node.attr[key].list.type.extend([tf.as_dtype(v).as_datatype_enum for v in value])
        else:
            node.attr[key].type = tf.as_dtype(value).as_datatype_enum
    mapping = {'in%d:0' % i: t for i, t in enumerate(inputs)}
    return tf.import_graph_def(graph_def, input_map=mapping, return_elements=['op:0'], name='')[0]


def grad_of(op_types, forward, inputs, upstream, wrt=0, **kw):
    """A *Grad op built as tf.gradients of its forward op, for a fed upstream gradient of shape `upstream`.

    Its values are checked against TF's gradient; its own gradient (second order) is not checked.
    """
    def build(tf, *xs):
        ins = list(xs[:-1])
        return tf.gradients(forward(tf, *ins), ins[wrt], grad_ys=xs[-1])[0]
    record(op_types, build, list(inputs) + [arg(upstream)], **kw)


# -- elementwise unary ---------------------------------------------------------------------------------
S = (2, 3)


def unary(op_type, path, low=-1.0, high=1.0, away=0.0, dtypes=FLOATS, grad=True, numpy=None, **kw):
    record(op_type, lambda tf, x: public(tf, path)(x), [arg(S, low, high, away=away)], dtypes=dtypes, grad=grad,
           numpy=numpy, **kw)


unary('Abs', 'math.abs', away=0.1, high=3, dtypes=REALS + (I64,), numpy=np.abs)
unary('Acos', 'math.acos', -0.9, 0.9, numpy=np.arccos)
unary('Acosh', 'math.acosh', 1.2, 3.0, numpy=np.arccosh)
unary('Asin', 'math.asin', -0.9, 0.9, numpy=np.arcsin)
unary('Asinh', 'math.asinh', -2, 2, numpy=np.arcsinh)
unary('Atan', 'math.atan', -2, 2, numpy=np.arctan)
unary('Atanh', 'math.atanh', -0.9, 0.9, numpy=np.arctanh)
unary('Ceil', 'math.ceil', -3, 3, grad=False, numpy=np.ceil)
unary('Cos', 'math.cos', -3, 3, dtypes=ALL_FLOATS, numpy=np.cos)
unary('Cosh', 'math.cosh', -2, 2, numpy=np.cosh)
unary('Erf', 'math.erf', -2, 2)
unary('Erfc', 'math.erfc', -2, 2)
unary('Exp', 'math.exp', -2, 2, dtypes=ALL_FLOATS + (C64,), numpy=np.exp)
unary('Expm1', 'math.expm1', -2, 2, numpy=np.expm1)
unary('Floor', 'math.floor', -3, 3, grad=False, numpy=np.floor)
unary('Lgamma', 'math.lgamma', 0.3, 4.0)
unary('Log', 'math.log', 0.1, 3.0, dtypes=ALL_FLOATS, numpy=np.log)
unary('Log1p', 'math.log1p', -0.5, 2.0, numpy=np.log1p)
unary('Neg', 'math.negative', -3, 3, dtypes=REALS + (I64, C64), numpy=np.negative)
unary('Reciprocal', 'math.reciprocal', away=0.5, high=2, numpy=np.reciprocal)
unary('Rsqrt', 'math.rsqrt', 0.2, 3.0, numpy=lambda x: 1 / np.sqrt(x))
unary('Sigmoid', 'math.sigmoid', -4, 4, dtypes=ALL_FLOATS, numpy=lambda x: 1 / (1 + np.exp(-x)))
unary('Sign', 'math.sign', away=0.1, high=3, dtypes=REALS + (I64,), grad=False, numpy=np.sign)
unary('Sin', 'math.sin', -3, 3, numpy=np.sin)
unary('Sinh', 'math.sinh', -2, 2, numpy=np.sinh)
unary('Sqrt', 'math.sqrt', 0.1, 3.0, dtypes=ALL_FLOATS, numpy=np.sqrt)
unary('Square', 'math.square', -3, 3, dtypes=REALS + (I64,), numpy=np.square)
unary('Tan', 'math.tan', -1.2, 1.2, numpy=np.tan)
unary('Tanh', 'math.tanh', -3, 3, dtypes=ALL_FLOATS, numpy=np.tanh)
unary('Elu', 'nn.elu', away=0.1, high=3)
unary('Relu', 'nn.relu', away=0.1, high=3, dtypes=REALS, numpy=lambda x: np.maximum(x, 0))
unary('Relu6', 'nn.relu6', away=0.1, high=5.5)
unary('Selu', 'nn.selu', away=0.1, high=3)
unary('Softplus', 'nn.softplus', -3, 3)
unary('Softsign', 'nn.softsign', -3, 3)
unary('Identity', 'identity', dtypes=REALS + (np.bool_,), numpy=lambda x: x)


def unknown_rows(tf, x):
    """x with its static first dimension hidden (some functions emit another op for fully known shapes)."""
    return tf.placeholder_with_default(x, [None] + x.shape.as_list()[1:])


# tf.ones_like emits Fill (as TF 1.x does); OnesLike comes only from imported graphs.
record('OnesLike', lambda tf, x: imported(tf, 'OnesLike', [x], {'T': x.dtype}), [arg(S)],
       dtypes=REALS + (np.bool_,), numpy=np.ones_like)
record(('ZerosLike', 'PlaceholderWithDefault'), lambda tf, x: tf.zeros_like(unknown_rows(tf, x)), [arg(S)],
       dtypes=REALS + (np.bool_,), numpy=np.zeros_like)
record('Placeholder', lambda tf, x: x, [arg(S)], dtypes=REALS, numpy=lambda x: x)
unary('StopGradient', 'stop_gradient', grad=False, numpy=lambda x: x)
unary('Conj', 'math.conj', dtypes=(C64, C128), grad=False, numpy=np.conj)
unary('LogicalNot', 'math.logical_not', dtypes=(np.bool_,), grad=False, numpy=np.logical_not)
_ALPHA_F32 = ('TF stores the alpha attr as a 32-bit float (0.3 -> 0.30000001192092896) and computes float64 '
              'with it; sluice keeps the Python float 0.3: float64 results differ by 4e-8 relative')
record('LeakyRelu', lambda tf, x: tf.nn.leaky_relu(x, alpha=0.3), [arg(S, away=0.1, high=3)], grad=True,
       xfail={'forward/float64': _ALPHA_F32, 'grad_tf': _ALPHA_F32})
record('Rint', lambda tf, x: tf.math.rint(x), [fixed([-2.5, -1.5, -0.5, 0.5, 1.5, 2.7, -0.2], F32)], dtypes=(F32,),
       numpy=np.rint)
record('Round', lambda tf, x: tf.round(x), [fixed([-2.5, -1.5, -0.5, 0.5, 1.5, 2.7, -0.2], F64)], dtypes=(F64,),
       numpy=np.round)
_SPECIAL = [1.0, -np.inf, np.inf, np.nan, 0.0, -2.0]
for _type, _path, _np in (('IsFinite', 'math.is_finite', np.isfinite), ('IsInf', 'math.is_inf', np.isinf),
                          ('IsNan', 'math.is_nan', np.isnan)):
    record(_type, lambda tf, x, _path=_path: public(tf, _path)(x), [fixed(_SPECIAL, F32)], dtypes=(F32,),
           numpy=_np)
record('CheckNumerics', lambda tf, x: tf.check_numerics(x, 'bad'), [arg(S)], grad=True,
       numpy=lambda x: x)
record('Cast', lambda tf, x: [tf.cast(x, tf.int32), tf.cast(x, tf.float32), tf.cast(x > 0, tf.float32)],
       [arg(S, -3, 3)], grad=True)
record('Cast', lambda tf, x: [tf.cast(x, tf.float16), tf.cast(x, tf.bool), tf.cast(x, tf.int64)],
       [arg(S, -70000, 70000)], dtypes=(F32, I32), name='Cast/wide')


# -- elementwise binary (the second input broadcasts, so the gradients reduce) --------------------------
def binary(op_type, path, a=arg(S), b=arg((3,)), dtypes=FLOATS, grad=True, numpy=None, **kw):
    record(op_type, lambda tf, x, y: public(tf, path)(x, y), [a, b], dtypes=dtypes, grad=grad, numpy=numpy, **kw)


_INTS = arg(S, -9, 9, dtype=I32), arg((3,), 1, 4, dtype=I32)
_NEG_INTS = arg(S, -9, 9, dtype=I32), arg((3,), -4, -1, dtype=I32)
binary('AddV2', 'math.add', dtypes=REALS + (I64, C64), numpy=np.add)
binary('Sub', 'math.subtract', dtypes=REALS + (I64, C64), numpy=np.subtract)
binary('Mul', 'math.multiply', dtypes=REALS + (I64, C64, F16), numpy=np.multiply)
binary('RealDiv', 'math.truediv', b=arg((3,), away=0.5, high=2), dtypes=FLOATS + (C64,), numpy=np.true_divide)
binary('Maximum', 'math.maximum', dtypes=REALS, numpy=np.maximum)
binary('Minimum', 'math.minimum', dtypes=REALS, numpy=np.minimum)
binary('Pow', 'math.pow', a=arg(S, 0.2, 2), b=arg((3,), -2, 2), numpy=np.power)
binary('Atan2', 'math.atan2', a=arg(S, away=0.2), b=arg((3,), away=0.2), numpy=np.arctan2)
binary('SquaredDifference', 'math.squared_difference', dtypes=REALS, numpy=lambda x, y: (x - y) ** 2)
binary('DivNoNan', 'math.divide_no_nan', b=fixed([0.5, 0.0, -2.0], None))
binary('FloorDiv', 'math.floordiv', a=arg(S, -5, 5), b=arg((3,), away=0.5, high=2), grad=False, numpy=np.floor_divide)
binary('FloorDiv', 'math.floordiv', *_NEG_INTS, dtypes=(I32,), grad=False, name='FloorDiv/int')
binary('FloorMod', 'math.floormod', a=arg(S, -5, 5), b=arg((3,), away=0.5, high=2), grad=False, numpy=np.mod)
binary('FloorMod', 'math.floormod', *_NEG_INTS, dtypes=(I32,), grad=False, name='FloorMod/int')
binary('TruncateDiv', 'truncatediv', *_NEG_INTS, dtypes=(I32,), grad=False)
binary('TruncateMod', 'truncatemod', *_INTS, dtypes=(I32,), grad=False, numpy=np.fmod)
for _type, _path in (('Equal', 'math.equal'), ('NotEqual', 'math.not_equal'), ('Greater', 'math.greater'),
                     ('GreaterEqual', 'math.greater_equal'), ('Less', 'math.less'), ('LessEqual', 'math.less_equal')):
    binary(_type, _path, *_INTS, dtypes=(I32,), grad=False)
    binary(_type, _path, dtypes=(F32,), grad=False, name=_type + '/float')
binary('Xlogy', 'math.xlogy', a=fixed([[0.0, 0.5, -1.5], [2.0, 0.0, 1.0]], None), b=arg((3,), 0.5, 2))
binary('Xdivy', 'math.xdivy', a=fixed([[0.0, 0.5, -1.5], [2.0, 0.0, 1.0]], None), b=arg((3,), away=0.5, high=2))
binary('LogicalAnd', 'math.logical_and', dtypes=(np.bool_,), grad=False, numpy=np.logical_and)
binary('LogicalOr', 'math.logical_or', dtypes=(np.bool_,), grad=False, numpy=np.logical_or)
record('Add', lambda tf, x, y: tf.add(x, y), [fixed([b'ab', b'c'], object), fixed([b'x', b''], object)],
       dtypes=(F32,), cpu_only=_STRINGS, name='Add/string')
record('Add', lambda tf, x, y: imported(tf, 'Add', [x, y], {'T': x.dtype}), [arg(S), arg(S)], grad=True)
record('Div', lambda tf, x, y: imported(tf, 'Div', [x, y], {'T': x.dtype}), [arg(S, -9, 9), arg(S, away=1, high=4)])
record('Div', lambda tf, x, y: imported(tf, 'Div', [x, y], {'T': x.dtype}),
       [arg(S, -9, 9, dtype=I32), fixed([[2, -3, 4], [-1, 5, 7]])], dtypes=(I32,), name='Div/int')
record(('BroadcastGradientArgs', 'PlaceholderWithDefault'),
       lambda tf, x, y, g: tf.gradients(unknown_rows(tf, x) * unknown_rows(tf, y), [x, y], grad_ys=g),
       [arg(S), arg((1, 3)), arg(S)])
record('AddN', lambda tf, x, y, z: tf.add_n([x, y, z]), [arg(S), arg(S), arg(S)], dtypes=REALS, grad=True)
record(('Select', 'Greater'), lambda tf, x, y: tf.where(x > y, x, y), [arg(S), arg(S)], dtypes=REALS, grad=True)
record('SelectV2', lambda tf, c, x, y: tf.where_v2(c, x, y), [arg((3,), dtype=np.bool_), arg(S), arg((1, 3))],
       dtypes=REALS, grad=True)

# -- reductions and scans -------------------------------------------------------------------------------
_M = arg((3, 4), -2, 2)
for _type, _path in (('Sum', 'reduce_sum'), ('Mean', 'reduce_mean'), ('Prod', 'reduce_prod'), ('Max', 'reduce_max'),
                     ('Min', 'reduce_min')):
    record(_type, lambda tf, x, _path=_path: [public(tf, _path)(x, 1), public(tf, _path)(x, [0, 1], keepdims=True),
                                              public(tf, _path)(x)], [_M], dtypes=REALS, grad=True)
for _type, _path in (('All', 'reduce_all'), ('Any', 'reduce_any')):
    record(_type, lambda tf, x, _path=_path: [public(tf, _path)(x, 0), public(tf, _path)(x, keepdims=True)],
           [arg((3, 4))], dtypes=(np.bool_,))
record('ArgMax', lambda tf, x: [tf.argmax(x, 1), tf.argmax(x, 0, output_type=tf.int32)], [_M], dtypes=REALS)
record('ArgMin', lambda tf, x: [tf.argmin(x, 1), tf.argmin(x, 0, output_type=tf.int32)], [_M], dtypes=REALS)
record('Cumsum', lambda tf, x: [tf.cumsum(x, 1), tf.cumsum(x, 0, exclusive=True, reverse=True)], [_M], dtypes=REALS,
       grad=True)
record('Cumprod', lambda tf, x: [tf.cumprod(x, 1), tf.cumprod(x, 0, exclusive=True, reverse=True)],
       [arg((3, 4), away=0.3, high=1.5)], dtypes=REALS, grad=True)
record('L2Loss', lambda tf, x: tf.nn.l2_loss(x), [_M], grad=True, numpy=lambda x: (x ** 2).sum() / 2)

# -- shapes, slicing, joining ---------------------------------------------------------------------------
_X = arg((2, 3, 4))
record('ConcatV2', lambda tf, x, y: [tf.concat([x, y], 1), tf.concat([x, x], -1)], [arg(S), arg((2, 2))],
       dtypes=REALS, grad=True)
record('Pack', lambda tf, x, y: [tf.stack([x, y]), tf.stack([x, y], axis=2)], [arg(S), arg(S)], dtypes=REALS, grad=True)
record('Unpack', lambda tf, x: tf.unstack(x, axis=1), [_X], dtypes=REALS, grad=True)
record('Split', lambda tf, x: tf.split(x, 2, axis=2), [_X], dtypes=REALS, grad=True)
record('SplitV', lambda tf, x: tf.split(x, [1, -1], axis=1), [_X], dtypes=REALS, grad=True)
record('Slice', lambda tf, x: tf.slice(x, [0, 1, 1], [-1, 2, 2]), [_X], dtypes=REALS, grad=True)
record('StridedSlice', lambda tf, x: [x[1, ::-1, 1:3], x[..., None, ::2], x[:, 1]], [_X], dtypes=REALS, grad=True)
grad_of('StridedSliceGrad', lambda tf, x: x[:, ::-2, 1:], [_X], (2, 2, 3))
record('Reshape', lambda tf, x: [tf.reshape(x, [4, -1]), tf.reshape(x, [-1])], [_X], dtypes=REALS, grad=True)
record('ExpandDims', lambda tf, x: [tf.expand_dims(x, 0), tf.expand_dims(x, -1)], [arg(S)], dtypes=REALS, grad=True)
record('Squeeze', lambda tf, x: [tf.squeeze(x), tf.squeeze(x, [2])], [arg((2, 1, 1, 3))], dtypes=REALS, grad=True)
record('Transpose', lambda tf, x: [tf.transpose(x), tf.transpose(x, [1, 0, 2])], [_X], dtypes=REALS + (C64,),
       grad=True)
record('ConjugateTranspose', lambda tf, x: tf.transpose(x, conjugate=True), [arg(S)], dtypes=(C64, C128))
record('Tile', lambda tf, x: tf.tile(x, [2, 1, 3]), [_X], dtypes=REALS, grad=True)
record('Pad', lambda tf, x: tf.pad(x, [[1, 0], [0, 2]]), [arg(S)], dtypes=REALS, grad=True)
record('PadV2', lambda tf, x: tf.pad(x, [[1, 0], [0, 2]], constant_values=3), [arg(S)], dtypes=REALS, grad=True)
record('MirrorPad', lambda tf, x: [tf.pad(x, [[1, 1], [2, 1]], 'REFLECT'), tf.pad(x, [[1, 0], [0, 2]], 'SYMMETRIC')],
       [arg((3, 4))], dtypes=REALS, grad=True)
grad_of('MirrorPadGrad', lambda tf, x: tf.pad(x, [[1, 1], [2, 1]], 'REFLECT'), [arg((3, 4))], (5, 7))
record('ReverseV2', lambda tf, x: [tf.reverse(x, [1]), tf.reverse(x, [0, -1])], [_X], dtypes=REALS, grad=True)
record('ReverseSequence', lambda tf, x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
       [arg((3, 4, 2)), fixed([1, 4, 2], I64)], dtypes=REALS, grad=True)
record('Roll', lambda tf, x: [tf.roll(x, 1, 0), tf.roll(x, [2, -1], [1, 2])], [_X], dtypes=REALS, grad=True)
record('GatherV2', lambda tf, x, i: [tf.gather(x, i), tf.gather(x, i[:2], axis=2)], [_X, fixed([1, 0, 1])],
       dtypes=REALS, grad=True)
record('GatherNd', lambda tf, x, i: tf.gather_nd(x, i), [_X, fixed([[1, 2], [0, 0], [1, 2]])], dtypes=REALS, grad=True)
record('ScatterNd', lambda tf, i, u: tf.scatter_nd(i, u, [3, 4]), [fixed([[1, 2], [0, 0], [1, 2]]), arg((3,))],
       dtypes=REALS, grad=True)
record('OneHot', lambda tf, i: [tf.one_hot(i, 4), tf.one_hot(i, 3, on_value=5, off_value=-1, axis=0)],
       [fixed([[0, 3, 1], [-1, 2, 2]])], dtypes=(F32,))
record('Fill', lambda tf, v: tf.fill([2, 3], v), [arg(())], dtypes=REALS, grad=True)
record('Range', lambda tf, n: [tf.range(n), tf.range(2, n, 3), tf.range(1.5, 4.0, 0.5)], [fixed(10)], dtypes=(F32,))
record('LinSpace', lambda tf, a, b: tf.lin_space(a, b, 5), [arg((), -2, 0), arg((), 1, 3)])
# Static shapes fold to constants (as in TF 1.x), so the records hide the first dimension.
record(('Shape', 'Size'), lambda tf, x: [tf.shape(unknown_rows(tf, x)), tf.size(unknown_rows(tf, x)),
                                         tf.shape(unknown_rows(tf, x), out_type=tf.int64)],
       [Arg((2, 3, 4))], dtypes=(F32,), name='Shape')
record(('Shape', 'Size'), lambda tf, x: [tf.shape(unknown_rows(tf, x)), tf.size(unknown_rows(tf, x))],
       [fixed(np.zeros((2, 0, 3)), None)], dtypes=(F32,), name='Shape/empty')
record('Rank', lambda tf, x: tf.rank(tf.placeholder_with_default(x, None)), [arg(S)], dtypes=(F32,))
record('ShapeN', lambda tf, x, y: tf.shape_n([unknown_rows(tf, x), unknown_rows(tf, y)]), [arg(S), arg((4,))],
       dtypes=(F32,))
record('BroadcastTo', lambda tf, x: tf.broadcast_to(x, [2, 4, 3]), [arg((4, 1))], dtypes=REALS, grad=True)
record('BroadcastArgs', lambda tf, a, b: tf.broadcast_dynamic_shape(a, b),
       [fixed([2, 1, 3], None), fixed([4, 1], None)], dtypes=(I32, I64))
record('Where', lambda tf, x: tf.where(x > 0), [arg((3, 4))], dtypes=(F32,))
record('Unique', lambda tf, x: tf.unique(x), [fixed([3, 1, 3, 2, 1, 5])], dtypes=(F32,))
record('InvertPermutation', lambda tf, p: tf.invert_permutation(p), [fixed([2, 0, 3, 1])], dtypes=(F32,))
record('IdentityN', lambda tf, x, y: tf.identity_n([x, y]), [arg(S), arg((3,), dtype=I32)], grad=True)
record('Const', lambda tf, x: [tf.constant([[1.5, 2.0], [3.0, -1.0]]) * x, tf.constant(3, tf.int64)],
       [arg((2, 2))], dtypes=(F32,))
record('Const', lambda tf: tf.constant([[b'a', b'bc']]), [], dtypes=(F32,), cpu_only=_STRINGS, name='Const/string')
record('DynamicPartition', lambda tf, x, p: tf.dynamic_partition(x, p, 3), [arg((5, 2)), fixed([2, 0, 2, 1, 0])],
       dtypes=REALS, grad=True)
record('DynamicStitch', lambda tf, a, b: tf.dynamic_stitch([[0, 2], [1, 3, 4]], [a, b]),
       [arg((2, 3)), arg((3, 3))], dtypes=REALS, grad=True)
record('ParallelDynamicStitch', lambda tf, i, j, a, b: imported(tf, 'ParallelDynamicStitch', [i, j, a, b],
                                                                {'T': a.dtype, 'N': 2}),
       [fixed([0, 2]), fixed([1, 3, 4]), arg((2, 3)), arg((3, 3))], dtypes=REALS)
record('SegmentSum', lambda tf, x, s: tf.math.segment_sum(x, s), [arg((5, 2)), fixed([0, 0, 1, 3, 3])], dtypes=REALS,
       grad=True)
record('UnsortedSegmentSum', lambda tf, x, s: tf.math.unsorted_segment_sum(x, s, 4),
       [arg((5, 2)), fixed([3, 0, 3, -1, 1])], dtypes=REALS, grad=True)
record('TopKV2', lambda tf, x: tf.nn.top_k(x, 2), [arg((3, 5))], dtypes=REALS, grad=True)
record('InTopKV2', lambda tf, x, t: tf.nn.in_top_k(x, t, 2), [arg((3, 5)), fixed([0, 4, 2])], dtypes=(F32,))
record('MatrixBandPart', lambda tf, x: [tf.linalg.band_part(x, 1, 0), tf.linalg.band_part(x, -1, 1)],
       [arg((2, 3, 4))], dtypes=REALS, grad=True)
_NO_DIAG_GRAD = 'sluice registers no gradient for MatrixDiagV3 (TF: the diagonal part of grad): LookupError'
record('MatrixDiagV3', lambda tf, d: tf.linalg.diag(d), [arg(S)], dtypes=REALS, grad=True,
       xfail={'grad': _NO_DIAG_GRAD, 'grad_tf': _NO_DIAG_GRAD})
record('MatrixDiagPartV3', lambda tf, x: tf.linalg.diag_part(x), [arg((2, 3, 4))], dtypes=REALS, grad=True)
record('Diag', lambda tf, x: tf.diag(x), [arg((2, 3))], dtypes=REALS, grad=True)
record('DiagPart', lambda tf, x: tf.diag_part(x), [arg((2, 3, 2, 3))], dtypes=REALS, grad=True)
_SET_DIAG_GRAD = ('the gradient of tf.linalg.set_diag with respect to the diagonal is None in sluice '
                  '(TF: the diagonal part of grad)')
record('MatrixSetDiagV3', lambda tf, x, d: tf.linalg.set_diag(x, d), [arg((2, 3, 4)), arg(S)], dtypes=REALS,
       grad=True, xfail={'grad': _SET_DIAG_GRAD, 'grad_tf': _SET_DIAG_GRAD})

# -- linear algebra -------------------------------------------------------------------------------------
record('MatMul', lambda tf, a, b: [tf.matmul(a, b), tf.matmul(b, a, transpose_a=True, transpose_b=True)],
       [arg((2, 3)), arg((3, 2))], dtypes=REALS + (C64,), grad=True)
record('BatchMatMulV2', lambda tf, a, b: [tf.matmul(a, b), tf.matmul(b, a, adjoint_a=True, adjoint_b=True)],
       [arg((2, 2, 3)), arg((1, 3, 2))], dtypes=FLOATS + (C64,), grad=True)
record('BatchMatMul', lambda tf, a, b: imported(tf, 'BatchMatMul', [a, b], {'T': a.dtype, 'adj_y': True}),
       [arg((2, 2, 3)), arg((2, 4, 3))], grad=True)
record('Einsum', lambda tf, a, b: [tf.einsum('bij,jk->bik', a, b), tf.einsum('bij->j', a)],
       [arg((2, 2, 3)), arg((3, 2))], grad=True)
record('Cross', lambda tf, a, b: tf.linalg.cross(a, b), [arg((2, 3)), arg((2, 3))], dtypes=REALS, grad=True)
_SPD = arg((2, 3, 3), 0.5, 2)
record('MatrixDeterminant', lambda tf, x: tf.linalg.det(x), [_SPD], grad=True)
record('MatrixInverse', lambda tf, x: [tf.linalg.inv(x), tf.linalg.inv(x, adjoint=True)], [_SPD], grad=True)

# -- nn ------------------------------------------------------------------------------------------------
_IMG = arg((1, 5, 5, 2))
_FILTER = arg((3, 3, 2, 3))
record('BiasAdd', lambda tf, x, b: tf.nn.bias_add(x, b), [arg((2, 3, 4)), arg((4,))], dtypes=REALS, grad=True)
grad_of('BiasAddGrad', lambda tf, x, b: tf.nn.bias_add(x, b), [arg((2, 3, 4)), arg((4,))], (2, 3, 4), wrt=1)


def _conv(tf, x, w):
    return [tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'), tf.nn.conv2d(x, w, [1, 2, 2, 1], 'VALID', dilations=None)]


record('Conv2D', _conv, [_IMG, _FILTER], grad=True, rtol=1e-4, atol=1e-5)
grad_of('Conv2DBackpropInput', lambda tf, x, w: tf.nn.conv2d(x, w, [1, 2, 2, 1], 'SAME'), [_IMG, _FILTER],
        (1, 3, 3, 3), rtol=1e-4, atol=1e-5)
grad_of('Conv2DBackpropFilter', lambda tf, x, w: tf.nn.conv2d(x, w, [1, 2, 2, 1], 'SAME'), [_IMG, _FILTER],
        (1, 3, 3, 3), wrt=1, rtol=1e-4, atol=1e-5)
_DW = arg((3, 3, 2, 2))
record('DepthwiseConv2dNative', lambda tf, x, w: [tf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], 'SAME'),
                                                  tf.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], 'VALID')],
       [_IMG, _DW], grad=True, rtol=1e-4, atol=1e-5)
grad_of('DepthwiseConv2dNativeBackpropInput',
        lambda tf, x, w: tf.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], 'SAME'), [_IMG, _DW], (1, 3, 3, 4),
        rtol=1e-4, atol=1e-5)
grad_of('DepthwiseConv2dNativeBackpropFilter',
        lambda tf, x, w: tf.nn.depthwise_conv2d_native(x, w, [1, 2, 2, 1], 'SAME'), [_IMG, _DW], (1, 3, 3, 4),
        wrt=1, rtol=1e-4, atol=1e-5)
record('AvgPool', lambda tf, x: [tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'),
                                 tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')], [_IMG], grad=True)
grad_of('AvgPoolGrad', lambda tf, x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'), [_IMG], (1, 3, 3, 2))
record('MaxPool', lambda tf, x: [tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'),
                                 tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')], [_IMG], grad=True)
grad_of('MaxPoolGrad', lambda tf, x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'), [_IMG], (1, 3, 3, 2))
record('LRN', lambda tf, x: tf.nn.lrn(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75), [arg((1, 2, 2, 5))],
       dtypes=(F32,), grad=True)
grad_of('LRNGrad', lambda tf, x: tf.nn.lrn(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75), [arg((1, 2, 2, 5))],
        (1, 2, 2, 5), dtypes=(F32,))
_BN = [arg((2, 2, 2, 3)), arg((3,), 0.5, 1.5), arg((3,))]
# TF's gradient flows back from y only (not from the batch mean and variance outputs), so the gradient
# records fetch y alone.
record('FusedBatchNormV3', lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=0.01)[:3], _BN, dtypes=(F32,),
       rtol=1e-4, atol=1e-5)
record('FusedBatchNormV3', lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=0.01)[0], _BN, dtypes=(F32,),
       grad=True, rtol=1e-4, atol=1e-5, name='FusedBatchNorm/grad')
record('FusedBatchNormV3', lambda tf, x, s, o, m, v: tf.nn.fused_batch_norm(x, s, o, m, v, is_training=False)[0],
       _BN + [fixed([0.1, -0.2, 0.3], F32), fixed([0.5, 1.0, 2.0], F32)], dtypes=(F32,), grad=True, rtol=1e-4,
       atol=1e-5, name='FusedBatchNorm/infer')
grad_of('FusedBatchNormGradV3', lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o)[0], _BN, (2, 2, 2, 3),
        dtypes=(F32,), rtol=1e-4, atol=1e-5)
record('Softmax', lambda tf, x: tf.nn.softmax(x), [arg((2, 4), -3, 3)], dtypes=ALL_FLOATS, grad=True)
record('LogSoftmax', lambda tf, x: tf.nn.log_softmax(x), [arg((2, 4), -3, 3)], dtypes=ALL_FLOATS, grad=True)
record('SoftmaxCrossEntropyWithLogits',
       lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x),
       [fixed([[0.25, 0.25, 0.5, 0.0], [0.0, 1.0, 0.0, 0.0]], None), arg((2, 4), -3, 3)], grad=True)
record('SparseSoftmaxCrossEntropyWithLogits',
       lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
       [fixed([2, 0, 3]), arg((3, 4), -3, 3)], grad=True)
for _type, _path, _range in (
        ('EluGrad', 'nn.elu', {'away': 0.1}), ('LeakyReluGrad', 'nn.leaky_relu', {'away': 0.1}),
        ('ReciprocalGrad', 'math.reciprocal', {'away': 0.5}), ('Relu6Grad', 'nn.relu6', {'away': 0.1, 'high': 5}),
        ('ReluGrad', 'nn.relu', {'away': 0.1}), ('RsqrtGrad', 'math.rsqrt', {'low': 0.3, 'high': 2}),
        ('SeluGrad', 'nn.selu', {'away': 0.1}), ('SigmoidGrad', 'math.sigmoid', {}),
        ('SoftplusGrad', 'nn.softplus', {}), ('SoftsignGrad', 'nn.softsign', {}),
        ('SqrtGrad', 'math.sqrt', {'low': 0.3, 'high': 2}), ('TanhGrad', 'math.tanh', {})):
    grad_of(_type, lambda tf, x, _path=_path: public(tf, _path)(x), [arg(S, **_range)], S)

# -- image --------------------------------------------------------------------------------------------
_SMALL = arg((1, 3, 4, 2))


def _bilinear(tf, x):
    return [tf.image.resize_bilinear(x, [5, 6]), tf.image.resize_bilinear(x, [2, 7], align_corners=True),
            tf.image.resize_bilinear(x, [5, 3], half_pixel_centers=True)]


# The output is float32 for every input dtype, so the gradient is checked in float32.
record('ResizeBilinear', _bilinear, [_SMALL], dtypes=REALS)
record('ResizeBilinear', _bilinear, [_SMALL], dtypes=(F32,), grad=True, name='ResizeBilinear/grad')
grad_of('ResizeBilinearGrad', lambda tf, x: tf.image.resize_bilinear(x, [5, 6], half_pixel_centers=True), [_SMALL],
        (1, 5, 6, 2), dtypes=(F32,))
record('ResizeNearestNeighbor', lambda tf, x: [tf.image.resize_nearest_neighbor(x, [5, 6]),
                                               tf.image.resize_nearest_neighbor(x, [2, 7], align_corners=True),
                                               tf.image.resize_nearest_neighbor(x, [5, 3], half_pixel_centers=True)],
       [_SMALL], dtypes=REALS, grad=True)
grad_of('ResizeNearestNeighborGrad', lambda tf, x: tf.image.resize_nearest_neighbor(x, [5, 6]), [_SMALL], (1, 5, 6, 2))

# -- strings and parsing (CPU only, as in TF) ---------------------------------------------------------
_WORDS = fixed([[b'ab', b''], [b'c d', b'e']], object)
record('AsString', lambda tf, x: [tf.as_string(x), tf.as_string(x, width=7, fill='0')] + (
    [tf.as_string(x, precision=2), tf.as_string(x, scientific=True)] if x.dtype.is_floating else []),
       [arg(S, -50, 50)], dtypes=(F32, I32), cpu_only=_STRINGS)
record('StringJoin', lambda tf, a, b: [tf.string_join([a, b]), tf.string_join([a, 'x', b], separator='-')],
       [_WORDS, _WORDS], dtypes=(F32,), cpu_only=_STRINGS)
record('StringToNumber', lambda tf, s: [tf.string_to_number(s), tf.string_to_number(s[:2], tf.int32)],
       [fixed([b'12', b'-3', b'2.5e2', b'0.125'], object)], dtypes=(F32,), cpu_only=_STRINGS)
record('DecodeCSV', lambda tf, s: tf.decode_csv(s, [[1.0], [0], [''], [7]], field_delim=';'),
       [fixed([b'2.5;3;ab;1', b';-1;"x;y";'], object)], dtypes=(F32,), cpu_only=_STRINGS)
record('DecodeRaw', lambda tf, s: [tf.decode_raw(s, tf.int16), tf.decode_raw(s, tf.uint8, little_endian=False)],
       [fixed([b'abcd', b'\x01\x02\xff\x00'], object)], dtypes=(F32,), cpu_only=_STRINGS)
_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'io', 'data', 'tfrecord')
record(('ReadFile', 'MatchingFiles'),
       lambda tf: [tf.read_file(os.path.join(_DATA, 'make_golden.py')),
                   tf.matching_files([os.path.join(_DATA, 'examples.tfrecord*'), os.path.join(_DATA, '*.py')])],
       [], dtypes=(F32,), cpu_only=_STRINGS, name='ReadFile')


def _examples(tf):
    """Two serialized tf.train.Examples, made by the module under test."""
    out = []
    for i in range(2):
        ex = tf.train.Example()
        ex.features.feature['x'].float_list.value.extend([1.5 + i, -2.0])
        ex.features.feature['ids'].int64_list.value.extend(range(i + 1))
        ex.features.feature['s'].bytes_list.value.append(b'w%d' % i)
        out.append(ex.SerializeToString())
    return out


_FEATURES = ('x', 'ids', 's')


def _parsed(result):
    return [result['x'], result['s'], result['ids'].indices, result['ids'].values, result['ids'].dense_shape]


def _spec(tf):
    return {'x': tf.FixedLenFeature([2], tf.float32), 's': tf.FixedLenFeature([], tf.string, default_value=''),
            'ids': tf.VarLenFeature(tf.int64)}


record('ParseExampleV2', lambda tf: _parsed(tf.parse_example(_examples(tf), _spec(tf))), [], dtypes=(F32,),
       cpu_only=_STRINGS)
record(('ParseExampleV2', 'Reshape'), lambda tf: _parsed(tf.parse_single_example(_examples(tf)[1], _spec(tf))), [],
       dtypes=(F32,), cpu_only=_STRINGS, name='ParseExample/single')
record('ParseSingleExample', lambda tf, d: imported(tf, 'ParseSingleExample', [tf.constant(_examples(tf)[1]), d],
                                                    {'num_sparse': 0, 'sparse_keys': [], 'dense_keys': [b'x'],
                                                     'sparse_types': [], 'Tdense': [tf.float32],
                                                     'dense_shapes': [[2]]}),
       [fixed([0.0, 0.0], None)], dtypes=(F32,), cpu_only=_STRINGS)
record('ParseExample', lambda tf, d: imported(tf, 'ParseExample', [tf.constant(_examples(tf)), tf.constant([''] * 2),
                                                                   tf.constant('x'), d],
                                              {'Nsparse': 0, 'Ndense': 1, 'sparse_types': [], 'Tdense': [tf.float32],
                                               'dense_shapes': [[2]]}),
       [fixed([0.0, 0.0], None)], dtypes=(F32,), cpu_only=_STRINGS)

# -- control flow, functions, assertions --------------------------------------------------------------


record('If', lambda tf, p, x: [tf.cond(p, lambda: tf.sin(x) * 2.0, lambda: x - 1.0),
                               tf.cond(tf.logical_not(p), lambda: tf.sin(x) * 2.0, lambda: x - 1.0)],
       [fixed(True, np.bool_), arg(S)], grad=True)
record('While', lambda tf, x: tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * tf.cos(v)), [0, x])[1],
       [arg(S)], grad=True)
record('MapFn', lambda tf, x: tf.map_fn(lambda r: tf.reduce_sum(r * r), x), [arg((3, 4))], grad=True)
record('Scan', lambda tf, x: [tf.scan(lambda a, r: a * 0.5 + r, x), tf.scan(lambda a, r: a + r, x, reverse=True)],
       [arg((3, 4))], grad=True)
record('Fold', lambda tf, x: [tf.foldl(lambda a, r: a * r, x), tf.foldr(lambda a, r: a - r, x, initializer=x[0])],
       [arg((3, 4))], grad=True)
record(('Assert', 'NoOp'), lambda tf, x: tf.tuple([x * 2.0], control_inputs=[tf.Assert(tf.reduce_all(x < 2), [x])]),
       [arg(S)], grad=True)
record('Print', lambda tf, x: tf.Print(x, [x], 'x=', summarize=0), [arg(S)], grad=True,
       cpu_only='Print writes from the host (CPU kernel only, as in TF)')
_PYTHON = 'Python functions run on the host (CPU kernel only, as in TF)'
record('PyFunc', lambda tf, x: tf.py_func(lambda v: np.sin(v) + 1, [x], x.dtype), [arg(S)], cpu_only=_PYTHON)
record('PyFuncStateless', lambda tf, x: tf.py_func(lambda v: v * 3, [x], x.dtype, stateful=False), [arg(S)],
       dtypes=REALS, cpu_only=_PYTHON)

# -- variables and their updates ----------------------------------------------------------------------


def _scatter(path):
    return lambda tf, x, u: public(tf, path)(tf.Variable(x), [2, 0], u)


record(('VariableV2', 'Assign', 'IsVariableInitialized'),
       lambda tf, x: [tf.Variable(x) + 0, tf.is_variable_initialized(tf.Variable(x))], [arg(S)], dtypes=REALS,
       stateful=True, name='VariableV2')
record('Assign', lambda tf, x, y: tf.assign(tf.Variable(x), y), [arg(S), arg(S)], dtypes=REALS, stateful=True)
record('AssignAdd', lambda tf, x, y: tf.assign_add(tf.Variable(x), y), [arg(S), arg(S)], dtypes=REALS, stateful=True)
record('AssignSub', lambda tf, x, y: tf.assign_sub(tf.Variable(x), y), [arg(S), arg(S)], dtypes=REALS, stateful=True)
record('CountUpTo', lambda tf, x: tf.count_up_to(tf.Variable(x), 5), [fixed(3)], dtypes=(I32,), stateful=True)
for _type, _path in (('ScatterAdd', 'scatter_add'), ('ScatterSub', 'scatter_sub'), ('ScatterMul', 'scatter_mul'),
                     ('ScatterDiv', 'scatter_div'), ('ScatterMax', 'scatter_max'), ('ScatterMin', 'scatter_min'),
                     ('ScatterUpdate', 'scatter_update')):
    record(_type, _scatter(_path), [arg((3, 2), 1, 3), arg((2, 2), 1, 3)], dtypes=REALS, stateful=True)

# -- optimizer updates: one step of each optimizer, dense and sparse (rows 2 and 0, row 2 twice) ------------
def _one_step(make_optimizer, sparse):
    def build(tf, x, g):
        v = tf.Variable(x)
        grad = tf.IndexedSlices(g, tf.constant([2, 0, 2]), tf.constant([4, 2])) if sparse else g
        step = make_optimizer(tf).apply_gradients([(grad, v)])
        with tf.control_dependencies([step]):
            return v.read_value()
    return build


_OPTIMIZERS = (
    ('GradientDescent', lambda tf: tf.train.GradientDescentOptimizer(0.1), 'ApplyGradientDescent', 'ScatterSub'),
    ('Momentum', lambda tf: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), 'ApplyMomentum',
     ('SparseApplyMomentum', 'Unique', 'UnsortedSegmentSum')),
    ('Adam', lambda tf: tf.train.AdamOptimizer(0.1), 'ApplyAdam', 'ScatterAdd'),
    ('Adagrad', lambda tf: tf.train.AdagradOptimizer(0.1), 'ApplyAdagrad', 'SparseApplyAdagrad'),
    ('AdagradDA', lambda tf: tf.train.AdagradDAOptimizer(0.1, tf.train.get_or_create_global_step(),
                                                         l1_regularization_strength=0.01,
                                                         l2_regularization_strength=0.02),
     'ApplyAdagradDA', 'SparseApplyAdagradDA'),
    ('Ftrl', lambda tf: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.05), 'ApplyFtrl', 'SparseApplyFtrl'),
    ('FtrlV2', lambda tf: tf.train.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=0.1), 'ApplyFtrlV2',
     'SparseApplyFtrlV2'),
    ('RMSProp', lambda tf: tf.train.RMSPropOptimizer(0.1, momentum=0.5), 'ApplyRMSProp', 'SparseApplyRMSProp'),
    ('CenteredRMSProp', lambda tf: tf.train.RMSPropOptimizer(0.1, momentum=0.5, centered=True),
     'ApplyCenteredRMSProp', 'SparseApplyCenteredRMSProp'),
    ('Adadelta', lambda tf: tf.train.AdadeltaOptimizer(1.0), 'ApplyAdadelta', 'SparseApplyAdadelta'),
    ('ProximalGradientDescent', lambda tf: tf.train.ProximalGradientDescentOptimizer(
        0.1, l1_regularization_strength=0.05, l2_regularization_strength=0.1),
     'ApplyProximalGradientDescent', 'SparseApplyProximalGradientDescent'),
    ('ProximalAdagrad', lambda tf: tf.train.ProximalAdagradOptimizer(
        0.1, l1_regularization_strength=0.05, l2_regularization_strength=0.1),
     'ApplyProximalAdagrad', 'SparseApplyProximalAdagrad'),
)
for _name, _make, _dense, _sparse in _OPTIMIZERS:
    # TF 1.x's proximal optimizers do not cast the learning rate to a float64 variable's dtype (a TypeError).
    _dtypes = (F32,) if _name.startswith('Proximal') else FLOATS
    record(_dense, _one_step(_make, False), [arg((4, 2)), arg((4, 2))], dtypes=_dtypes, stateful=True,
           name=_name + '/dense')
    record(_sparse, _one_step(_make, True), [arg((4, 2)), arg((3, 2))], dtypes=_dtypes, stateful=True,
           name=_name + '/sparse')

# -- queues and readers (host resources: CPU kernels only, as in TF) ---------------------------------------
_HOST = 'queues and readers live on the host (CPU kernels only, as in TF)'


def _after(tf, ops, make):
    """make() run after ops (each step of a stateful record is ordered, or TF may run them in any order)."""
    with tf.control_dependencies(ops):
        return make()


def _fifo(tf, x):
    q = tf.FIFOQueue(5, [x.dtype], shapes=[x.shape[1:]])
    size = _after(tf, [q.enqueue_many([x])], q.size)
    first = _after(tf, [size], q.dequeue)
    push = _after(tf, [first], lambda: q.enqueue(x[0]))
    rest = _after(tf, [push], lambda: q.dequeue_many(2))
    return [size, first, rest]


def _padding(tf, x):
    q = tf.PaddingFIFOQueue(4, [x.dtype], shapes=[[None]])
    second = _after(tf, [q.enqueue([x[0, :2]])], lambda: q.enqueue([x[1]]))
    closed = _after(tf, [second], lambda: [q.close()])
    return [_after(tf, closed, lambda: q.dequeue_up_to(3)), _after(tf, closed, q.is_closed)]


def _priority(tf, x):
    q = tf.PriorityQueue(4, [x.dtype], shapes=[x.shape[1:]])
    return _after(tf, [q.enqueue_many([tf.constant([3, 1, 2], tf.int64), x])], lambda: q.dequeue_many(3))


def _shuffled_sum(tf, x):
    q = tf.RandomShuffleQueue(4, 0, [x.dtype], shapes=[x.shape[1:]], seed=3)
    return tf.reduce_sum(_after(tf, [q.enqueue_many([x])], lambda: q.dequeue_many(3)), 0)  # any order


_Q = [arg((3, 2))]
record(('FIFOQueueV2', 'QueueEnqueueManyV2', 'QueueSizeV2', 'QueueDequeueV2', 'QueueEnqueueV2', 'QueueDequeueManyV2'),
       _fifo, _Q, dtypes=REALS, cpu_only=_HOST, stateful=True, name='FIFOQueueV2')
record(('PaddingFIFOQueueV2', 'QueueCloseV2', 'QueueDequeueUpToV2', 'QueueIsClosedV2'), _padding, _Q, dtypes=REALS,
       cpu_only=_HOST, name='PaddingFIFOQueueV2')
record('PriorityQueueV2', _priority, _Q, dtypes=REALS, cpu_only=_HOST)
record('RandomShuffleQueueV2', _shuffled_sum, _Q, dtypes=(F64,), cpu_only=_HOST)


def _read(make_reader, path, up_to=False):
    """Reads `path` with a reader: (key, value) twice (or up to 3 records), then the reader's counters."""
    def build(tf):
        files = tf.FIFOQueue(2, tf.string)
        closed = _after(tf, [files.enqueue_many([[path, path]])], lambda: [files.close()])
        reader = make_reader(tf)
        if up_to:
            first = _after(tf, closed, lambda: list(reader.read_up_to(files, 3)))
        else:
            one = _after(tf, closed, lambda: list(reader.read(files)))
            first = one + _after(tf, one, lambda: list(reader.read(files)))
        counts = _after(tf, first, lambda: [reader.num_records_produced(), reader.num_work_units_completed()])
        reset = _after(tf, counts, lambda: [reader.reset()])
        return first + counts + [_after(tf, reset, reader.num_records_produced)]
    return build


_TFRECORD = os.path.join(_DATA, 'examples.tfrecord')
_TEXT = os.path.join(_DATA, 'make_golden.py')
_READ_TYPES = ('ReaderReadV2', 'ReaderNumRecordsProducedV2', 'ReaderNumWorkUnitsCompletedV2', 'ReaderResetV2')
for _type, _make, _path in (
        ('TFRecordReaderV2', lambda tf: tf.TFRecordReader(), _TFRECORD),
        ('TextLineReaderV2', lambda tf: tf.TextLineReader(skip_header_lines=1), _TEXT),
        ('WholeFileReaderV2', lambda tf: tf.WholeFileReader(), _TEXT),
        ('FixedLengthRecordReaderV2', lambda tf: tf.FixedLengthRecordReader(16, header_bytes=3, footer_bytes=5), _TEXT),
        ('IdentityReaderV2', lambda tf: tf.IdentityReader(), _TEXT)):
    record((_type,) + _READ_TYPES, _read(_make, _path), [], dtypes=(F32,), cpu_only=_HOST, name=_type)
record(('TFRecordReaderV2', 'ReaderReadUpToV2'), _read(lambda tf: tf.TFRecordReader(), _TFRECORD, up_to=True), [],
       dtypes=(F32,), cpu_only=_HOST, name='ReaderReadUpToV2')

# -- summaries: the serialized Summary protos must match TF's byte for byte ---------------------------------
_SUMMARY_TYPES = ('ScalarSummary', 'HistogramSummary', 'AudioSummaryV2', 'TensorSummaryV2', 'MergeSummary')


def _summaries(tf, x, audio):
    parts = [tf.summary.scalar('loss', x[0, 0]), tf.summary.histogram('x', x), tf.summary.audio('sound', audio, 8000),
             tf.summary.tensor_summary('t', x)]
    return parts + [tf.summary.merge(parts[:2])]


record(_SUMMARY_TYPES, _summaries, [arg(S, -3, 3), arg((1, 20), -1, 1)], dtypes=(F32,),
       cpu_only='summaries are serialized on the host (CPU kernels only, as in TF)', name='Summary')

# -- op types with no record here: each names the test file that checks it ------------------------------
_CHECKPOINT = 'checkpoint files: checked in tests/test_saver.py and tests/test_checkpoint_format.py'
_RANDOM = 'stateful random numbers: checked by distribution and seeds in tests/test_random_ops.py'
EXEMPT = {
    'ImageSummary': ("its PNG bytes differ from TF's (zlib stream header 78 9c, TF's 08 99: another window size) "
                     "while the pixels are equal; decoded and checked in tests/test_summary.py"),
    '_Arg': 'internal: the arguments of a function body (the If/While/MapFn/Scan/Fold records run them)',
    '_Retval': 'internal: the results of a function body (the If/While/MapFn/Scan/Fold records run them)',
}
EXEMPT.update(dict.fromkeys(('SaveV2', 'RestoreV2', 'MergeV2Checkpoints', 'ShardedFilename'), _CHECKPOINT))
EXEMPT.update(dict.fromkeys(('Multinomial', 'RandomGamma', 'RandomPoissonV2', 'RandomShuffle', 'RandomStandardNormal',
                             'RandomUniform', 'RandomUniformInt', 'TruncatedNormal'), _RANDOM))

# -- records kept beside their domain: tests/op_records_<domain>.py add to RECORDS and EXEMPT on import ---------
import glob as _glob  # noqa: E402
import importlib as _importlib  # noqa: E402

for _path in sorted(_glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'op_records_*.py'))):
    _importlib.import_module(os.path.basename(_path)[:-3])
