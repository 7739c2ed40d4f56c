"""Float-operation counts per op type, from static shapes (the counts TF's profiler registers).

Each entry maps an op type to a function of the Operation returning its count, or None when a
shape it needs is not fully known (the op then counts nothing, as in TF). The counting rules:
  MatMul, BatchMatMul(V2)    2 * k * output elements (k: the contracted dimension of `a`)
  Conv2D                     2 * output elements * filter height * width * input depth
  DepthwiseConv2dNative      2 * output elements * filter height * width
  BiasAdd                    input elements
  unary (Neg, Square, ...)   input elements * per-element cost (Rsqrt 2, Softmax 5)
  L2Loss                     3 * input elements - 1
  binary (Add, Mul, ...)     output elements * per-element cost (SquaredDifference, RsqrtGrad more)
  reductions                 input elements * reduce cost + output elements * (finalize - reduce)
  AvgPool, MaxPool           window area * output elements
  AddN                       input elements * (number of inputs - 1)
"""

_UNARY = {'Reciprocal': 1, 'Square': 1, 'Rsqrt': 2, 'Log': 1, 'Neg': 1, 'AssignSub': 1, 'AssignAdd': 1,
          'Softmax': 5}
_BINARY = {'Add': 1, 'AddV2': 1, 'Sub': 1, 'Mul': 1, 'RealDiv': 1, 'Maximum': 1, 'Minimum': 1, 'Pow': 1,
           'RsqrtGrad': 4, 'GreaterEqual': 1, 'Greater': 1, 'LessEqual': 1, 'Less': 1, 'Equal': 1, 'NotEqual': 1,
           'SquaredDifference': 2}
_REDUCTIONS = {'Mean': (1, 1), 'Sum': (1, 0), 'ArgMax': (1, 0), 'ArgMin': (1, 0), 'BiasAddGrad': (1, 0)}


def _elements(tensor):
    shape = tensor.shape
    return shape.num_elements() if shape.is_fully_defined() else None


def _dims(tensor):
    shape = tensor.shape
    return shape.as_list() if shape.is_fully_defined() else None


def _matmul(op):
    a, out = _dims(op.inputs[0]), _elements(op.outputs[0])
    if a is None or out is None:
        return None
    transpose = op.get_attr('adj_x' if op.type.startswith('BatchMatMul') else 'transpose_a')
    k = a[-2] if transpose else a[-1]
    return 2 * k * out


def _conv(op, depthwise):
    filt, out = _dims(op.inputs[1]), _elements(op.outputs[0])
    if filt is None or out is None:
        return None
    return 2 * out * filt[0] * filt[1] * (1 if depthwise else filt[2])


def _pool(op):
    out = _elements(op.outputs[0])
    if out is None:
        return None
    ksize = op.get_attr('ksize')
    return ksize[1] * ksize[2] * out if op.get_attr('data_format') in (b'NHWC', 'NHWC') else ksize[2] * ksize[3] * out


def _unary(cost):
    def count(op):
        n = _elements(op.inputs[0])
        return None if n is None else n * cost
    return count


def _binary(cost):
    def count(op):
        n = _elements(op.outputs[0])
        return None if n is None else n * cost
    return count


def _reduction(reduce_cost, finalize_cost):
    def count(op):
        n_in, n_out = _elements(op.inputs[0]), _elements(op.outputs[0])
        if n_in is None or n_out is None:
            return None
        return n_in * reduce_cost + n_out * (finalize_cost - reduce_cost)
    return count


def _l2_loss(op):
    n = _elements(op.inputs[0])
    return None if n is None else 3 * n - 1


def _add_n(op):
    if len(op.inputs) < 2:
        return 0
    n = _elements(op.inputs[0])
    return None if n is None else n * (len(op.inputs) - 1)


def _bias_add(op):
    return _elements(op.inputs[0])


FLOP_COUNTS = {'MatMul': _matmul, 'BatchMatMul': _matmul, 'BatchMatMulV2': _matmul,
               'Conv2D': lambda op: _conv(op, False), 'DepthwiseConv2dNative': lambda op: _conv(op, True),
               'BiasAdd': _bias_add, 'BiasAddV1': _bias_add, 'L2Loss': _l2_loss, 'AddN': _add_n,
               'AvgPool': _pool, 'MaxPool': _pool}
FLOP_COUNTS.update((name, _unary(cost)) for name, cost in _UNARY.items())
FLOP_COUNTS.update((name, _binary(cost)) for name, cost in _BINARY.items())
FLOP_COUNTS.update((name, _reduction(*costs)) for name, costs in _REDUCTIONS.items())


def float_ops(op):
    """The op's float operations (0 when its type has no count or a shape is unknown)."""
    count = FLOP_COUNTS.get(op.type)
    if count is None:
        return 0
    try:
        value = count(op)
    except (ValueError, IndexError, TypeError):   # an attr or input missing in an odd graph
        return 0
    return int(value or 0)
