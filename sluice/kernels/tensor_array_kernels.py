"""Kernels of the TensorList ops (ops/tensor_array_ops.py): a list's value is a TensorList, a Python
object carried by its flow tensor (dtype variant) on any device: the list is a host object, its
elements arrays of the device.

A write makes a new TensorList (the list of element references is copied, the arrays are not), so
a loop's per-call records and a gradient read the value as it was. Two sets of rules, chosen by the
list-making op's private attrs: TF1's TensorArray (write once, a fixed size unless dynamic, a read of
a clear_after_read array clears the element in place, identical element shapes) and TF2's TensorList
(overwrites allowed, set items grow only with resize_if_index_out_of_bounds). Either way an unwritten
element reads as zeros when its shape is known (a gradient list's elements are).
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel

_HOST = ('CPU', 'GPU')  # the list is a host object on every device; its elements live on the device


class TensorList:
    """elements: arrays or None (unwritten); element_shape: a tuple with None for unknown dims, or None."""
    __slots__ = ('elements', 'dtype', 'dynamic', 'clear_after_read', 'cleared', 'write_once', 'element_shape',
                 'identical')

    def __init__(self, size, dtype, element_shape, dynamic=True, clear_after_read=False, write_once=False,
                 identical=False):
        self.elements = [None] * size
        self.dtype, self.element_shape = dtype, element_shape
        self.dynamic, self.clear_after_read, self.write_once = dynamic, clear_after_read, write_once
        self.identical = identical  # infer_shape: every element has the first written one's shape
        self.cleared = set()

    def copy(self):
        new = TensorList(0, self.dtype, self.element_shape, self.dynamic, self.clear_after_read, self.write_once,
                         self.identical)
        new.elements = list(self.elements)
        new.cleared = set(self.cleared)
        return new


def decode_shape(value):
    """An element-shape tensor's value as a tuple (None for -1), or None for an unknown rank."""
    value = np.asarray(value)
    if value.ndim == 0:
        return None
    return tuple(None if d < 0 else int(d) for d in value.reshape(-1))


def merge_shapes(a, b):
    """The most defined of two element shapes (None: unknown rank); None when they conflict."""
    if a is None:
        return b
    if b is None or len(a) != len(b):
        return a
    return tuple(x if x is not None else y for x, y in zip(a, b))


def _make(op, size, shape, xp_dtype):
    """A new list with the rules of `op`'s private attrs (TF2's when absent)."""
    attrs = op._attrs
    return TensorList(size, xp_dtype, shape, dynamic=attrs.get('_dynamic_size', True),
                      clear_after_read=attrs.get('_clear_after_read', False), write_once=attrs.get('_write_once', False),
                      identical=attrs.get('_identical_element_shapes', False))


def _fail(op, message, cls=errors.InvalidArgumentError):
    return errors.error_for_op(cls, op, message)


def _shape_text(shape):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in shape)


def read(op, ta, i, xp, shape=None):
    """Element i; `shape` (from the op's element_shape input) completes the list's for zeros."""
    i = int(i)
    if i < 0 or i >= len(ta.elements):
        raise _fail(op, 'Tried to read from index %d but array size is: %d' % (i, len(ta.elements)))
    value = ta.elements[i]
    if value is None:
        if i in ta.cleared:
            raise _fail(op, 'Could not read index %d twice because it was cleared after a previous read (perhaps '
                            'try setting clear_after_read = false?)' % i)
        shape = merge_shapes(ta.element_shape, shape)
        if shape is not None and None not in shape:  # TF reads an unwritten element as zeros then
            return xp.zeros(shape, dtype=ta.dtype)
        raise _fail(op, 'Could not read from TensorArray index %d.  Furthermore, the element shape is not fully '
                        'defined: %s.  It is possible you are working with a resizeable TensorArray and '
                        'stop_gradients is not allowing the gradients to be written.  If you set the full '
                        'element_shape property on the forward TensorArray, the proper all-zeros tensor will be '
                        'returned instead of incurring this error.' % (i, '<unknown>' if shape is None
                                                                         else _shape_text(shape)))
    if ta.clear_after_read:
        ta.elements[i] = None
        ta.cleared.add(i)
    return value


def write(op, ta, i, value, xp, resize=None):
    """Writes into `ta` (a private copy); `resize`: may grow the list (default: the list's rule)."""
    i = int(i)
    size = len(ta.elements)
    if i >= size or i < 0:
        if i < 0 or not (ta.dynamic if resize is None else resize):
            if not ta.write_once:
                raise _fail(op, 'Trying to modify element %d in a list with %d elements.' % (i, size))
            raise _fail(op, 'Tried to write to index %d but array is not resizeable and size is: %d' % (i, size))
        ta.elements.extend([None] * (i + 1 - size))
    want = ta.element_shape
    if ta.identical and want is not None:
        if len(want) != value.ndim or any(w is not None and w != d for w, d in zip(want, value.shape)):
            raise _fail(op, "Could not write to TensorArray index %d because the value shape is %s which is "
                            "incompatible with the TensorArray's inferred element shape: %s (consider setting "
                            "infer_shape=False)." % (i, _shape_text(value.shape), _shape_text(want)))
    if ta.write_once and ta.elements[i] is not None:
        raise _fail(op, 'Could not write to TensorArray index %d because it has already been written to.' % i)
    if ta.write_once and i in ta.cleared:
        raise _fail(op, 'Could not write to TensorArray index %d because it has already been read.' % i)
    ta.elements[i] = value
    if ta.identical and (want is None or None in want):
        ta.element_shape = value.shape


@register_kernel(('TensorListReserve', 'EmptyTensorList'), devices=_HOST, host_inputs=(0, 1), fresh_output=True)
def reserve_kernel(op, ctx):
    dtype = op.get_attr('element_dtype').as_numpy_dtype
    empty = op.type == 'EmptyTensorList'

    def run(shape, size):
        size = int(size)
        if size < 0 and not empty:
            raise _fail(op, 'Size should be >= 0.' if op._attrs.get('_write_once') else
                        'num_elements must be non-negative, but got %d' % size)
        return _make(op, 0 if empty else size, decode_shape(shape), dtype)
    return run


@register_kernel('TensorListFromTensor', devices=_HOST, host_inputs=(1,), fresh_output=True)
def from_tensor_kernel(op, ctx):
    dtype = op.get_attr('element_dtype').as_numpy_dtype

    def run(value, shape):
        if value.ndim == 0:
            raise _fail(op, 'Tensor must be at least a vector, but saw shape: []')
        ta = _make(op, 0, merge_shapes(tuple(value.shape[1:]), decode_shape(shape)), dtype)
        ta.elements = [value[i] for i in range(value.shape[0])]
        return ta
    return run


@register_kernel('TensorListSetItem', devices=_HOST, host_inputs=(1,), fresh_output=True)
def set_item_kernel(op, ctx):
    xp = ctx.xp
    resize = op.get_attr('resize_if_index_out_of_bounds') or None

    def run(ta, index, value):
        new = ta.copy()
        write(op, new, index, xp.asarray(value, dtype=ta.dtype), xp, resize)
        return new
    return run


@register_kernel('TensorListGetItem', devices=_HOST, host_inputs=(1, 2))
def get_item_kernel(op, ctx):
    xp = ctx.xp
    return lambda ta, index, shape: read(op, ta, index, xp, decode_shape(shape))


def _stack(op, rows, ta, xp, shape=None):
    if not rows:
        shape = merge_shapes(ta.element_shape, shape)
        if shape is None or None in shape:
            raise _fail(op, 'TensorArray has size zero, but element shape %s is not fully defined. Currently only '
                            'static shapes are supported when packing zero-size TensorArrays.'
                        % ('<unknown>' if shape is None else _shape_text(shape)))
        return xp.zeros((0,) + tuple(shape), dtype=ta.dtype)
    first = rows[0].shape
    for i, r in enumerate(rows):
        if r.shape != first:
            raise _fail(op, 'Could not read from TensorArray index %d: the element shapes differ (%s vs. %s); '
                            'stack and gather need identical shapes.' % (i, _shape_text(first), _shape_text(r.shape)))
    return xp.stack(rows)


@register_kernel('TensorListGather', devices=_HOST, host_inputs=(1, 2), fresh_output=True)
def gather_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, indices, shape):
        shape = decode_shape(shape)
        return _stack(op, [read(op, ta, i, xp, shape) for i in np.asarray(indices).reshape(-1)], ta, xp, shape)
    return run


@register_kernel('TensorListStack', devices=_HOST, host_inputs=(1,), fresh_output=True)
def stack_kernel(op, ctx):
    xp = ctx.xp
    want = op.get_attr('num_elements')

    def run(ta, shape):
        if want >= 0 and want != len(ta.elements):
            raise _fail(op, 'Operation expected a list with %d elements but got a list with %d elements.'
                        % (want, len(ta.elements)))
        shape = decode_shape(shape)
        return _stack(op, [read(op, ta, i, xp, shape) for i in range(len(ta.elements))], ta, xp, shape)
    return run


@register_kernel('TensorListScatterIntoExistingList', devices=_HOST, host_inputs=(2,), fresh_output=True)
def scatter_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, value, indices):
        indices = np.asarray(indices).reshape(-1)
        value = xp.asarray(value, dtype=ta.dtype)
        if value.ndim == 0 or value.shape[0] != len(indices):
            raise _fail(op, 'Expected len(indices) == values.shape[0], but saw: %d vs. %s'
                        % (len(indices), value.shape[0] if value.ndim else 'a scalar'))
        new = ta.copy()
        for k, i in enumerate(indices):
            write(op, new, i, value[k], xp, resize=None if ta.write_once else True)
        return new
    return run


@register_kernel('TensorListConcatV2', devices=_HOST, host_inputs=(1, 2), multi_output=True, fresh_output=True)
def concat_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, shape, leading_dims):
        rows = [read(op, ta, i, xp) for i in range(len(ta.elements))]
        for i, r in enumerate(rows):
            if r.ndim == 0:
                raise _fail(op, 'Concat saw a scalar shape at index %d but requires at least vectors.' % i)
        lengths = np.array([r.shape[0] for r in rows], dtype=np.int64)
        if not rows:
            shape = merge_shapes(ta.element_shape, decode_shape(shape))
            if shape is None or None in shape[1:]:
                raise _fail(op, 'TensorArray has size zero, but element shape %s is not fully defined.'
                            % ('<unknown>' if shape is None else _shape_text(shape)))
            return xp.zeros((0,) + tuple(shape[1:]), dtype=ta.dtype), lengths
        for i, r in enumerate(rows):
            if r.shape[1:] != rows[0].shape[1:]:
                raise _fail(op, 'TensorArray has inconsistent shapes.  Index 0 has (excepting dimension 0) shape: '
                                '%s but index %d has (excepting dimension 0) shape: %s'
                            % (_shape_text(rows[0].shape[1:]), i, _shape_text(r.shape[1:])))
        return xp.concatenate(rows), lengths
    return run


@register_kernel('TensorListSplit', devices=_HOST, host_inputs=(1, 2), fresh_output=True)
def split_kernel(op, ctx):
    xp = ctx.xp
    dtype = op.get_attr('element_dtype').as_numpy_dtype
    size = op._attrs.get('_split_size', -1)  # a TF1 TensorArray's fixed size, checked as TF1 does

    def run(value, shape, lengths):
        value = xp.asarray(value, dtype=dtype)
        lengths = np.asarray(lengths).reshape(-1)
        if value.ndim == 0:
            raise _fail(op, 'Expected value to be at least a vector, but received shape: []')
        if int(lengths.sum()) != value.shape[0]:
            raise _fail(op, "Expected sum of lengths to be equal to values.shape[0], but sum of lengths is %d and "
                            "value's shape is: %s " % (lengths.sum(), _shape_text(value.shape)))
        if size >= 0 and not op._attrs.get('_dynamic_size', True) and len(lengths) != size:
            raise _fail(op, "TensorArray's size is not equal to the size of lengths (%d vs. %d), and the "
                            'TensorArray is not marked as dynamically resizeable' % (size, len(lengths)))
        ta = _make(op, len(lengths), decode_shape(shape), dtype)
        start = 0
        for i, n in enumerate(lengths):
            write(op, ta, i, value[start:start + int(n)], xp)
            start += int(n)
        return ta
    return run


@register_kernel('TensorListLength', devices=_HOST, host_outputs=True)
def length_kernel(op, ctx):
    return lambda ta: np.int32(len(ta.elements))


@register_kernel('TensorListElementShape', devices=_HOST, host_outputs=True)
def element_shape_kernel(op, ctx):
    """The list's element shape, completed by its written elements when they all agree."""
    np_type = op.get_attr('shape_type').as_numpy_dtype

    def run(ta):
        shape = ta.element_shape
        written = {e.shape for e in ta.elements if e is not None}
        if len(written) == 1:
            shape = merge_shapes(shape, next(iter(written)))
        if shape is None:
            return np.array(-1, dtype=np_type)
        return np.array([-1 if d is None else d for d in shape], dtype=np_type)
    return run


@register_kernel('TensorListPushBack', devices=_HOST, fresh_output=True)
def push_back_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, value):
        new = ta.copy()
        new.elements.append(xp.asarray(value, dtype=ta.dtype))
        return new
    return run


@register_kernel('TensorListPopBack', devices=_HOST, host_inputs=(1,), multi_output=True, fresh_output=True)
def pop_back_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, shape):
        if not ta.elements:
            raise _fail(op, 'Trying to pop from an empty list.')
        new = ta.copy()
        value = read(op, new, len(new.elements) - 1, xp, decode_shape(shape))
        new.elements.pop()
        return new, value
    return run


def zeros_list(ta, xp):
    """ZerosLike of a list: TF2's rules, each element zeros of the element's shape (unwritten ones stay
    unwritten, read as zeros of the element shape)."""
    new = TensorList(0, ta.dtype, ta.element_shape)
    new.elements = [None if e is None else xp.zeros(e.shape, dtype=ta.dtype) for e in ta.elements]
    return new


def add_lists(lists):
    """The sum of gradient lists, element by element (an unwritten element adds nothing)."""
    total = lists[0].copy()
    for ta in lists[1:]:
        if len(ta.elements) > len(total.elements):
            total.elements.extend([None] * (len(ta.elements) - len(total.elements)))
        for i, e in enumerate(ta.elements):
            if e is not None:
                mine = total.elements[i]
                total.elements[i] = e if mine is None else mine + e
        total.element_shape = merge_shapes(total.element_shape, ta.element_shape)
    return total
