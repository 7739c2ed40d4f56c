"""Kernels of the TensorArray ops (ops/tensor_array_ops.py): a TensorArray's value is a TensorList,
a Python object carried by its flow tensor (dtype variant) on any device: the list is a host object,
its elements arrays of the device.

A write makes a new TensorList (the list of element references is copied, the arrays are not),
so a loop's per-call records and a gradient read the value as it was; a read of a
clear_after_read array clears the element in place, as TF1's resource does. A gradient list
(`zeros_unwritten`) reads unwritten elements as zeros of the forward element's shape, accepts
overwrites, and never clears.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel

_HOST = ('CPU', 'GPU')  # the list is a host object on every device; its elements live on the device


class TensorList:
    """elements: arrays or None (unwritten); shapes: the element shapes a gradient list reads as zeros."""
    __slots__ = ('elements', 'dtype', 'dynamic', 'clear_after_read', 'cleared', 'zeros_unwritten', 'shapes',
                 'element_shape', 'identical')

    def __init__(self, size, dtype, dynamic, clear_after_read, element_shape, zeros_unwritten=False, shapes=None,
                 identical=False):
        self.identical = identical  # infer_shape: every element has the first written one's shape
        self.elements = [None] * size
        self.dtype, self.dynamic, self.clear_after_read = dtype, dynamic, clear_after_read
        self.element_shape = element_shape  # a tuple with None for unknown dims, or None
        self.cleared = set()
        self.zeros_unwritten = zeros_unwritten
        self.shapes = shapes

    def copy(self):
        new = TensorList(0, self.dtype, self.dynamic, self.clear_after_read, self.element_shape,
                         self.zeros_unwritten, self.shapes, self.identical)
        new.elements = list(self.elements)
        new.cleared = set(self.cleared)
        return new


def _fail(op, message, cls=errors.InvalidArgumentError):
    return errors.error_for_op(cls, op, message)


def _shape_text(shape):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in shape)


def read(op, ta, i, xp):
    i = int(i)
    if i < 0 or i >= len(ta.elements):
        if ta.zeros_unwritten and ta.shapes is not None and i < len(ta.shapes):
            return xp.zeros(ta.shapes[i], dtype=ta.dtype)
        raise _fail(op, 'Tried to read from index %d but array size is: %d' % (i, len(ta.elements)))
    value = ta.elements[i]
    if value is None:
        if ta.zeros_unwritten:
            shape = ta.shapes[i] if ta.shapes is not None and i < len(ta.shapes) else None
            if shape is None:
                if ta.element_shape is None or None in ta.element_shape:
                    raise _fail(op, 'Could not read from TensorArray index %d because it has not yet been written '
                                    'to and its element shape is not fully defined.' % i)
                shape = ta.element_shape
            return xp.zeros(shape, dtype=ta.dtype)
        if i in ta.cleared:
            raise _fail(op, 'Could not read index %d twice because it was cleared after a previous read (perhaps '
                            'try setting clear_after_read = false?)' % i)
        shape = ta.element_shape
        if shape is not None and None not in shape:  # TF reads an unwritten element as zeros then
            return xp.zeros(shape, dtype=ta.dtype)
        raise _fail(op, 'Could not read from TensorArray index %d.  Furthermore, the element shape is not fully '
                        'defined: %s.  It is possible you are working with a resizeable TensorArray and '
                        'stop_gradients is not allowing the gradients to be written.  If you set the full '
                        'element_shape property on the forward TensorArray, the proper all-zeros tensor will be '
                        'returned instead of incurring this error.' % (i, '<unknown>' if shape is None
                                                                         else _shape_text(shape)))
    if ta.clear_after_read and not ta.zeros_unwritten:
        ta.elements[i] = None
        ta.cleared.add(i)
    return value


def write(op, ta, i, value, xp, same_shape=True):
    """Writes into `ta` (a private copy); `same_shape`: checks identical_element_shapes."""
    i = int(i)
    size = len(ta.elements)
    if i >= size or i < 0:
        if i < 0 or not ta.dynamic and not ta.zeros_unwritten:
            raise _fail(op, 'Tried to write to index %d but array is not resizeable and size is: %d' % (i, size))
        ta.elements.extend([None] * (i + 1 - size))
    want = ta.element_shape
    if same_shape and ta.identical and not ta.zeros_unwritten and want is not None:
        if len(want) != value.ndim or any(w is not None and w != d for w, d in zip(want, value.shape)):
            raise _fail(op, "Could not write to TensorArray index %d because the value shape is %s which is "
                            "incompatible with the TensorArray's inferred element shape: %s (consider setting "
                            "infer_shape=False)." % (i, _shape_text(value.shape), _shape_text(want)))
    if ta.elements[i] is not None and not ta.zeros_unwritten:
        raise _fail(op, 'Could not write to TensorArray index %d because it has already been written to.' % i)
    if i in ta.cleared and not ta.zeros_unwritten:
        raise _fail(op, 'Could not write to TensorArray index %d because it has already been read.' % i)
    ta.elements[i] = value
    if ta.identical and (want is None or None in want):
        ta.element_shape = value.shape


@register_kernel('TensorArrayCreate', devices=_HOST, host_inputs=(0,), fresh_output=True)
def create(op, ctx):
    dtype = op.get_attr('dtype').as_numpy_dtype
    dims = op.get_attr('element_shape')._dims
    shape = None if dims is None else tuple(dims)
    dynamic, clear = op.get_attr('dynamic_size'), op.get_attr('clear_after_read')
    identical = op.get_attr('identical_element_shapes')

    def run(size):
        size = int(size)
        if size < 0:
            raise _fail(op, 'Size should be >= 0.')
        return TensorList(size, dtype, dynamic, clear, shape, identical=identical)
    return run


@register_kernel('TensorArrayGradList', devices=_HOST, fresh_output=True)
def grad_list(op, ctx):
    """An all-zeros gradient list for a forward list: its size and its elements' shapes."""
    def run(ta):
        shapes = [None if e is None else e.shape for e in ta.elements]
        if ta.shapes is not None:
            shapes = [s if s is not None else (ta.shapes[i] if i < len(ta.shapes) else None)
                      for i, s in enumerate(shapes)]
        return TensorList(len(ta.elements), ta.dtype, True, False, ta.element_shape, zeros_unwritten=True,
                          shapes=shapes)
    return run


@register_kernel('TensorArrayWriteValue', devices=_HOST, host_inputs=(1,), fresh_output=True)
def write_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, index, value):
        new = ta.copy()
        write(op, new, index, xp.asarray(value, dtype=ta.dtype), xp)
        return new
    return run


@register_kernel('TensorArrayReadValue', devices=_HOST, host_inputs=(1,))
def read_kernel(op, ctx):
    xp = ctx.xp
    return lambda ta, index: read(op, ta, index, xp)


def _stack(op, rows, ta, xp):
    if not rows:
        shape = ta.element_shape
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


@register_kernel('TensorArrayGatherValue', devices=_HOST, host_inputs=(1,), fresh_output=True)
def gather_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, indices):
        return _stack(op, [read(op, ta, i, xp) for i in np.asarray(indices).reshape(-1)], ta, xp)
    return run


@register_kernel('TensorArrayScatterValue', devices=_HOST, host_inputs=(1,), fresh_output=True)
def scatter_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, indices, value):
        indices = np.asarray(indices).reshape(-1)
        value = xp.asarray(value, dtype=ta.dtype)
        if value.ndim == 0 or value.shape[0] != len(indices):
            raise _fail(op, 'Expected len(indices) == values.shape[0], but saw: %d vs. %s'
                        % (len(indices), value.shape[0] if value.ndim else 'a scalar'))
        new = ta.copy()
        for k, i in enumerate(indices):
            write(op, new, i, value[k], xp)
        return new
    return run


@register_kernel('TensorArrayConcatValue', devices=_HOST, multi_output=True, fresh_output=True)
def concat_kernel(op, ctx):
    xp = ctx.xp

    def run(ta):
        rows = [read(op, ta, i, xp) for i in range(len(ta.elements))]
        for i, r in enumerate(rows):
            if r.ndim == 0:
                raise _fail(op, 'Concat saw a scalar shape at index %d but requires at least vectors.' % i)
        lengths = np.array([r.shape[0] for r in rows], dtype=np.int64)
        if not rows:
            shape = ta.element_shape
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


@register_kernel('TensorArraySplitValue', devices=_HOST, host_inputs=(2,), fresh_output=True)
def split_kernel(op, ctx):
    xp = ctx.xp

    def run(ta, value, lengths):
        value = xp.asarray(value, dtype=ta.dtype)
        lengths = np.asarray(lengths).reshape(-1)
        if value.ndim == 0:
            raise _fail(op, 'Expected value to be at least a vector, but received shape: []')
        if int(lengths.sum()) != value.shape[0]:
            raise _fail(op, "Expected sum of lengths to be equal to values.shape[0], but sum of lengths is %d and "
                            "value's shape is: %s " % (lengths.sum(), _shape_text(value.shape)))
        if not ta.dynamic and len(lengths) != len(ta.elements):
            raise _fail(op, "TensorArray's size is not equal to the size of lengths (%d vs. %d), and the "
                            'TensorArray is not marked as dynamically resizeable' % (len(ta.elements), len(lengths)))
        new = ta.copy()
        start = 0
        for i, n in enumerate(lengths):
            write(op, new, i, value[start:start + int(n)], xp)
            start += int(n)
        return new
    return run


@register_kernel('TensorArraySizeValue', devices=_HOST, host_outputs=True)
def size_kernel(op, ctx):
    return lambda ta: np.int32(len(ta.elements))


@register_kernel('TensorArrayAddValues', devices=_HOST, fresh_output=True)
def add_kernel(op, ctx):
    """The sum of gradient lists, element by element (an unwritten element adds nothing)."""
    def run(*lists):
        total = lists[0].copy()
        for ta in lists[1:]:
            if len(ta.elements) > len(total.elements):
                total.elements.extend([None] * (len(ta.elements) - len(total.elements)))
            for i, e in enumerate(ta.elements):
                if e is not None:
                    mine = total.elements[i]
                    total.elements[i] = e if mine is None else mine + e
            if ta.shapes is not None:
                shapes = list(total.shapes or [])
                shapes.extend([None] * (len(ta.shapes) - len(shapes)))
                total.shapes = [s if s is not None else t for s, t in zip(shapes, ta.shapes + [None] * len(shapes))]
        return total
    return run
