"""Kernels of the math ops other than the elementwise ones (those are generated from the table in
elementwise_kernels.py) and the reductions (reduction_kernels.py): Cast, AddN, MatMul and BatchMatMul,
written once against `ctx.xp` (NumPy on CPU, CuPy on GPU).

Each builder reads the node's attrs and dtype once and returns a small step function. NumPy's 0-d
results (scalars) are turned back into 0-d arrays (`_as_array`, shared with reduction_kernels) so
every output is an array. Floating-point warnings (division by zero, overflow) are silenced for all kernels by a filter that
sluice/kernels/__init__.py installs once: TF returns inf/nan quietly, and np.errstate per call would
cost a microsecond per step.
"""
from sluice.engine import dtypes, errors
from sluice.kernels.checks import broadcastable
from sluice.kernels.graph_kernels import tf_type_name
from sluice.kernels.registry import register_kernel
from sluice.kernels import tensor_array_kernels


def _fail(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _shape_text(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _as_array(xp, op=None):
    """A function giving back its argument as an xp array (NumPy turns 0-d results into scalars).

    With `op`, None when its output is known to have rank >= 1: such results are arrays already.
    """
    if op is not None and op._outputs[0]._shape._dims:
        return None
    nd, asarray = xp.ndarray, xp.asarray
    return lambda r: r if r.__class__ is nd else asarray(r)


# -- casts --
@register_kernel('Cast', fresh_output=True)
def cast(op, ctx):
    src, dst = op.get_attr('SrcT').base_dtype, op.get_attr('DstT').base_dtype
    if (src == dtypes.string) != (dst == dtypes.string):
        raise errors.error_for_op(errors.UnimplementedError, op, 'Cast %s to %s is not supported'
                                  % (tf_type_name(src), tf_type_name(dst)))
    xp = ctx.xp
    np_type = dst.as_numpy_dtype
    to_array = _as_array(xp)
    if src.is_complex and not dst.is_complex:
        return lambda x: to_array(x.real.astype(np_type))  # TF drops the imaginary part
    # Floats to integers truncate toward zero (NaN/inf give the C conversion's value, as in TF).
    return lambda x: to_array(x.astype(np_type))


# -- AddN and matrix products --
@register_kernel('AddN', fresh_output=True)
def add_n(op, ctx):
    if op.get_attr('T') == dtypes.variant:  # gradient TensorLists (tf.TensorArray) add element by element
        return lambda *lists: tensor_array_kernels.add_lists(lists)
    xp = ctx.xp
    to_array = _as_array(xp)

    def run(*arrays):
        shape = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != shape:
                raise _fail(op, 'Inputs to operation %s of type AddN must have the same size and shape.  Input 0: '
                                '%s != input %d: %s' % (op.name, _shape_text(shape), i, _shape_text(a.shape)))
        if len(arrays) == 1:
            return xp.array(arrays[0], copy=True)
        total = to_array(xp.add(arrays[0], arrays[1]))
        for a in arrays[2:]:
            xp.add(total, a, out=total)
        return total
    return run


@register_kernel('MatMul', fresh_output=True)
def matmul(op, ctx):
    xp = ctx.xp
    ta, tb = op.get_attr('transpose_a'), op.get_attr('transpose_b')

    def run(a, b):
        for i, m in enumerate((a, b)):
            if m.ndim != 2:
                raise _fail(op, 'In[%d] is not a matrix. Instead it has shape %s' % (i, _shape_text(m.shape)))
        x = a.T if ta else a
        y = b.T if tb else b
        if x.shape[1] != y.shape[0]:
            raise _fail(op, 'Matrix size-incompatible: In[0]: %s, In[1]: %s'
                        % (_shape_text(a.shape), _shape_text(b.shape)))
        return xp.matmul(x, y)
    return run


@register_kernel(('BatchMatMul', 'BatchMatMulV2'), fresh_output=True)
def batch_matmul(op, ctx):
    xp = ctx.xp
    adj_x, adj_y = op.get_attr('adj_x'), op.get_attr('adj_y')
    complex_ = op.get_attr('T').is_complex
    v1 = op.type == 'BatchMatMul'

    def adjoint(m):
        m = xp.swapaxes(m, -1, -2)
        return xp.conj(m) if complex_ else m

    def run(x, y):
        for i, m in enumerate((x, y)):
            if m.ndim < 2:
                raise _fail(op, 'In[%d] ndims must be >= 2: %d' % (i, m.ndim))
        if v1 and x.ndim != y.ndim:
            raise _fail(op, 'In[0] and In[1] has different ndims: %s vs. %s'
                        % (_shape_text(x.shape), _shape_text(y.shape)))
        bx, by = x.shape[:-2], y.shape[:-2]
        if bx != by and (v1 or not broadcastable(bx, by)):
            raise _fail(op, 'In[0] and In[1] must have compatible batch dimensions: %s vs. %s'
                        % (_shape_text(x.shape), _shape_text(y.shape)))
        a = adjoint(x) if adj_x else x
        b = adjoint(y) if adj_y else y
        if a.shape[-1] != b.shape[-2]:
            raise _fail(op, 'Matrix size-incompatible: In[0]: %s, In[1]: %s'
                        % (_shape_text(x.shape), _shape_text(y.shape)))
        return xp.matmul(a, b)
    return run
