"""Kernels of TF 1.x loops' stateful ops (ops/dataflow_loop_ops.py): stacks, TensorArrayV3, and
ControlTrigger (ConcatOffset, which their gradients use too, is in array_kernels).

A resource handle here is the Python object itself (a Stack, a TensorArray), made fresh by each
run of its creating op, so it lives for one step, as TF's per-step resources do; the ops that take
it in mutate it. Values pushed or written are copied: the executor may reuse the buffer of a value
once its last reader ran, and a stack or array keeps the value past that. Errors are TF 1.15's
(InvalidArgumentError with its messages).

TensorArray, TF 1.x semantics: a fixed size unless dynamic_size; an element is written once, and
read once when clear_after_read; an unwritten element reads as zeros where its shape is known (the
element_shape attr when fully defined, or for a gradient array the forward element's shape). A
gradient array (TensorArrayGradV3, one per source string, made once) has the forward's size and
shapes and adds up several writes to one index, as TF aggregates gradients.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel

_HOST = ('CPU', 'GPU')  # the handle is a host object on every device; its values live on the device


def _fail(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _flow(xp):
    return xp.asarray(np.float32(0.0))


# -- stacks -------------------------------------------------------------------------------------

class Stack:
    __slots__ = ('name', 'elem_type', 'max_size', 'values', 'closed')

    def __init__(self, name, elem_type, max_size):
        self.name, self.elem_type, self.max_size = name, elem_type, max_size
        self.values = []
        self.closed = False


def _open_stack(op, handle):
    if not isinstance(handle, Stack):
        raise _fail(op, 'Input is not a stack handle')
    if handle.closed:
        raise _fail(op, 'Stack[%s] has already been closed.' % handle.name)
    return handle


@register_kernel('StackV2', devices=_HOST, host_inputs=(0,))
def stack_v2(op, ctx):
    name = op.get_attr('stack_name') or op.name
    elem_type = op.get_attr('elem_type')

    def run(max_size):
        return Stack(name, elem_type, int(max_size))
    return run


@register_kernel('StackPushV2', devices=_HOST)
def stack_push(op, ctx):
    xp = ctx.xp

    def run(handle, elem):
        stack = _open_stack(op, handle)
        if 0 <= stack.max_size <= len(stack.values):
            raise _fail(op, 'Stack[%s] overflowed its max_size (%d)' % (stack.name, stack.max_size))
        stack.values.append(xp.array(elem, copy=True))
        return elem
    return run


@register_kernel('StackPopV2', devices=_HOST, fresh_output=True)
def stack_pop(op, ctx):
    def run(handle):
        stack = _open_stack(op, handle)
        if not stack.values:
            raise _fail(op, 'Stack[%s] is empty.' % stack.name)
        return stack.values.pop()
    return run


@register_kernel('StackCloseV2', devices=_HOST)
def stack_close(op, ctx):
    def run(handle):
        _open_stack(op, handle).closed = True
    return run


@register_kernel('ControlTrigger', devices=_HOST)
def control_trigger(op, ctx):
    return lambda: None


# -- TensorArrayV3 ------------------------------------------------------------------------------

class TensorArray:
    """elements: arrays or None (unwritten); shapes: per index, the shape an unwritten element reads
    as zeros (a gradient array's, from its forward array), else None."""
    __slots__ = ('name', 'dtype', 'elements', 'dynamic', 'clear_after_read', 'cleared', 'element_shape',
                 'aggregate', 'shapes', 'grads', 'closed')

    def __init__(self, name, dtype, size, dynamic, clear_after_read, element_shape, aggregate=False):
        self.name, self.dtype = name, dtype
        self.elements = [None] * size
        self.dynamic, self.clear_after_read = dynamic, clear_after_read
        self.cleared = set()
        self.element_shape = element_shape  # a tuple of ints when fully defined, else None
        self.aggregate = aggregate
        self.shapes = None
        self.grads = {}
        self.closed = False

    def zeros_shape(self, i):
        if self.shapes is not None and i < len(self.shapes) and self.shapes[i] is not None:
            return self.shapes[i]
        return self.element_shape


def _array(op, handle):
    if not isinstance(handle, TensorArray):
        raise _fail(op, 'Input is not a TensorArray handle')
    if handle.closed:
        raise _fail(op, 'TensorArray %s has already been closed.' % handle.name)
    return handle


def _full_shape(shape):
    dims = shape._dims
    if dims is None or any(d is None for d in dims):
        return None
    return tuple(int(d) for d in dims)


def _write(op, ta, i, value, xp):
    if value.dtype != ta.dtype:
        raise _fail(op, 'TensorArray dtype is %s but Op is trying to write dtype %s.'
                    % (np.dtype(ta.dtype).name, value.dtype.name))
    if i < 0:
        raise _fail(op, 'Tried to write to index %d but array is not resizeable and size is: %d'
                    % (i, len(ta.elements)))
    if i >= len(ta.elements):
        if not ta.dynamic:
            raise _fail(op, 'Tried to write to index %d but array is not resizeable and size is: %d'
                        % (i, len(ta.elements)))
        ta.elements.extend([None] * (i + 1 - len(ta.elements)))
    old = ta.elements[i]
    if old is not None:
        if not ta.aggregate:
            raise _fail(op, 'Could not write to TensorArray index %d because it has already been written to.' % i)
        if old.shape != value.shape:
            raise _fail(op, 'Could not aggregate to TensorArray index %d because the existing shape is [%s] but '
                        'the new input shape is [%s].' % (i, ','.join(map(str, old.shape)),
                                                          ','.join(map(str, value.shape))))
        ta.elements[i] = old + value
        return
    if i in ta.cleared:
        raise _fail(op, 'Could not write to TensorArray index %d because it has already been read.' % i)
    ta.elements[i] = xp.array(value, copy=True)


def _read(op, ta, i, xp):
    if i < 0 or i >= len(ta.elements):
        raise _fail(op, 'Tried to read from index %d but array size is: %d' % (i, len(ta.elements)))
    value = ta.elements[i]
    if value is None:
        if i in ta.cleared:
            raise _fail(op, 'Could not read index %d twice because it was cleared after a previous read (perhaps '
                        'try setting clear_after_read = false?).' % i)
        shape = ta.zeros_shape(i)
        if shape is None:
            raise _fail(op, 'Could not read from TensorArray index %d.  Furthermore, the element shape is not fully '
                        'defined: it is possible you are working with a resizeable TensorArray and stop_gradients '
                        'is not allowing the gradients to be written.  If you set the full element_shape property '
                        'on the forward TensorArray, the proper all-zeros tensor will be returned instead of '
                        'incurring this error.' % i)
        return xp.zeros(shape, dtype=ta.dtype)
    if ta.clear_after_read and not ta.aggregate:
        ta.elements[i] = None
        ta.cleared.add(i)
    return value


@register_kernel('TensorArrayV3', devices=_HOST, multi_output=True, host_inputs=(0,))
def tensor_array(op, ctx):
    xp = ctx.xp
    name = op.get_attr('tensor_array_name') or op.name
    dtype = np.dtype(op.get_attr('dtype').as_numpy_dtype)
    shape = _full_shape(op.get_attr('element_shape'))
    dynamic, clear = op.get_attr('dynamic_size'), op.get_attr('clear_after_read')

    def run(size):
        size = int(size)
        if size < 0:
            raise _fail(op, 'Size should be >= 0.')
        return TensorArray(name, dtype, size, dynamic, clear, shape), _flow(xp)
    return run


@register_kernel('TensorArrayGradV3', devices=_HOST, multi_output=True)
def tensor_array_grad(op, ctx):
    xp = ctx.xp
    source = op.get_attr('source')

    def run(handle, flow):
        ta = _array(op, handle)
        grad = ta.grads.get(source)
        if grad is None:
            grad = TensorArray('%s@%s' % (ta.name, source), ta.dtype, len(ta.elements), ta.dynamic, False,
                               ta.element_shape, aggregate=True)
            grad.shapes = [None if e is None else e.shape for e in ta.elements]
            ta.grads[source] = grad
        return grad, _flow(xp)
    return run


@register_kernel('TensorArrayWriteV3', devices=_HOST, host_inputs=(1,))
def tensor_array_write(op, ctx):
    xp = ctx.xp

    def run(handle, index, value, flow):
        _write(op, _array(op, handle), int(index), value, xp)
        return _flow(xp)
    return run


@register_kernel('TensorArrayReadV3', devices=_HOST, host_inputs=(1,))
def tensor_array_read(op, ctx):
    xp = ctx.xp

    def run(handle, index, flow):
        return _read(op, _array(op, handle), int(index), xp)
    return run


@register_kernel('TensorArrayGatherV3', devices=_HOST, host_inputs=(1,), fresh_output=True)
def tensor_array_gather(op, ctx):
    xp = ctx.xp
    element_shape = _full_shape(op.get_attr('element_shape'))

    def run(handle, indices, flow):
        ta = _array(op, handle)
        values = [_read(op, ta, int(i), xp) for i in np.asarray(indices).reshape(-1)]
        if not values:
            shape = element_shape or ta.element_shape
            if shape is None:
                raise _fail(op, 'TensorArray has size zero, but element shape <unknown> is not fully defined. '
                                'Currently only static shapes are supported when packing zero-size TensorArrays.')
            return xp.zeros((0,) + shape, dtype=ta.dtype)
        first = values[0].shape
        for i, v in enumerate(values):
            if v.shape != first:
                raise _fail(op, 'TensorArray has inconsistent shapes.  Index 0 has shape: [%s] but index %d has '
                            'shape: [%s]' % (','.join(map(str, first)), i, ','.join(map(str, v.shape))))
        return xp.stack(values)
    return run


@register_kernel('TensorArrayScatterV3', devices=_HOST, host_inputs=(1,))
def tensor_array_scatter(op, ctx):
    xp = ctx.xp

    def run(handle, indices, value, flow):
        ta = _array(op, handle)
        indices = np.asarray(indices).reshape(-1)
        if value.ndim == 0 or value.shape[0] != len(indices):
            raise _fail(op, 'Expected len(indices) == values.shape[0], but saw: %d vs. %s'
                        % (len(indices), value.shape[0] if value.ndim else 'a scalar'))
        for row, i in enumerate(indices):
            _write(op, ta, int(i), value[row], xp)
        return _flow(xp)
    return run


@register_kernel('TensorArrayConcatV3', devices=_HOST, multi_output=True, fresh_output=True)
def tensor_array_concat(op, ctx):
    xp = ctx.xp

    def run(handle, flow):
        ta = _array(op, handle)
        values = [_read(op, ta, i, xp) for i in range(len(ta.elements))]
        lengths = np.asarray([v.shape[0] if v.ndim else 0 for v in values], dtype=np.int64)
        if any(v.ndim == 0 for v in values):
            raise _fail(op, 'Concat saw a scalar shape at index %d but requires at least vectors.'
                        % [v.ndim for v in values].index(0))
        if not values:
            rest = ta.element_shape[1:] if ta.element_shape else ()
            return xp.zeros((0,) + tuple(rest), dtype=ta.dtype), lengths
        return xp.concatenate(values), lengths
    return run


@register_kernel('TensorArraySplitV3', devices=_HOST, host_inputs=(2,))
def tensor_array_split(op, ctx):
    xp = ctx.xp

    def run(handle, value, lengths, flow):
        ta = _array(op, handle)
        lengths = np.asarray(lengths).reshape(-1)
        if value.ndim == 0 or int(lengths.sum()) != value.shape[0]:
            raise _fail(op, 'Expected sum of lengths to be equal to values.shape[0], but sum of lengths is %d and '
                        'value\'s shape is: [%s]' % (int(lengths.sum()), ','.join(map(str, value.shape))))
        at = 0
        for i, n in enumerate(lengths):
            _write(op, ta, i, value[at:at + int(n)], xp)
            at += int(n)
        return _flow(xp)
    return run


@register_kernel('TensorArraySizeV3', devices=_HOST, host_outputs=True)
def tensor_array_size(op, ctx):
    def run(handle, flow):
        return np.int32(len(_array(op, handle).elements))
    return run


@register_kernel('TensorArrayCloseV3', devices=_HOST)
def tensor_array_close(op, ctx):
    def run(handle):
        _array(op, handle).closed = True
    return run
