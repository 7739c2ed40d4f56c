"""tf.TensorArray: a list of tensors written and read by index, inside and outside while_loop.

TF1 keeps a TensorArray in a resource and orders its ops through a float "flow" tensor. sluice's
loops are functional (While over function graphs), so here the array's value itself is what flows:
`flow` is a variant tensor whose value is the list (a TensorList, kernels/tensor_array_kernels.py),
every write returns a new flow (and a new TensorArray object, as TF1's `ta = ta.write(...)`), and
while_loop carries a TensorArray as its flow. This is TF2's design, with TF2's ops (TensorListReserve,
TensorListSetItem, TensorListGetItem, ...: their OpDefs, so graphs travel to TF and TF's control
flow v2 graphs import), the element shape passed as an int32 tensor (-1 for an unknown dimension,
a scalar -1 for an unknown rank). TF1's run-time rules (write once, clear_after_read, identical
element shapes, a fixed size) ride on private attrs of the list-making op ('_clear_after_read',
'_identical_element_shapes', '_dynamic_size', '_write_once'): TF ignores them, and a list made
without them (by TF) follows TF2's rules. The Python API and static shape inference are TF1's.

Gradients (TF2's TensorList rules): the gradient of a list is a list; a read's gradient writes the
read's gradient into a zeros list as long as the forward one (TensorListReserve of its length and
element shape), a write's gradient reads it back; gradient lists of several readers add (AddN on
variants).
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, graph_ops, math_ops
from sluice.ops.constant_op import constant
from sluice.ops.filling_ops import range as _range, zeros_like
from sluice.ops.shape_fns import constant_value

__all__ = ['TensorArray']

_SCALAR = TensorShape([])
_SHAPE_TYPES = {'shape_type': (dtypes.int32, dtypes.int64)}


def _scalar(op):
    return [_SCALAR]


def shape_from_tensor(tensor):
    """The TensorShape an element-shape tensor encodes (-1: unknown dim; scalar -1: unknown rank)."""
    value = constant_value(tensor)
    if value is None or np.ndim(value) == 0:
        return tensor_shape.unknown_shape()
    return TensorShape([None if d < 0 else int(d) for d in np.asarray(value).reshape(-1)])


def shape_tensor(shape):
    """The int32 element-shape tensor of a TensorShape."""
    dims = tensor_shape.as_shape(shape)._dims
    if dims is None:
        return constant(-1, dtypes.int32, name='element_shape')
    return constant([-1 if d is None else d for d in dims], dtypes.int32, shape=[len(dims)], name='element_shape')


def _item_shape(op):
    return [shape_from_tensor(op._inputs[2])]


def _gather_shape(op):
    return [TensorShape([None]).concatenate(shape_from_tensor(op._inputs[2]))]  # as TF: stack() sets the size


def _stack_shape(op):
    n = op._attrs['num_elements']
    return [TensorShape([None if n < 0 else n]).concatenate(shape_from_tensor(op._inputs[1]))]


def _concat_shape(op):
    dims = shape_from_tensor(op._inputs[1])._dims
    rest = tensor_shape.unknown_shape() if dims is None or not dims else TensorShape(dims[1:])
    return [TensorShape([None]).concatenate(rest), TensorShape([None])]


def _pop_shape(op):
    return [_SCALAR, shape_from_tensor(op._inputs[1])]


def _element_shape_shape(op):
    return [TensorShape([None])]


register_op('TensorListReserve', ['element_shape: shape_type', 'num_elements: int32'], ['handle: variant'],
            {'element_dtype': 'type', 'shape_type': 'type'}, _scalar, allowed=_SHAPE_TYPES)
register_op('EmptyTensorList', ['element_shape: shape_type', 'max_num_elements: int32'], ['handle: variant'],
            {'element_dtype': 'type', 'shape_type': 'type'}, _scalar, allowed=_SHAPE_TYPES)
register_op('TensorListFromTensor', ['tensor: element_dtype', 'element_shape: shape_type'],
            ['output_handle: variant'], {'element_dtype': 'type', 'shape_type': 'type'}, _scalar,
            allowed=_SHAPE_TYPES)
register_op('TensorListSetItem', ['input_handle: variant', 'index: int32', 'item: element_dtype'],
            ['output_handle: variant'], {'element_dtype': 'type', 'resize_if_index_out_of_bounds': ('bool', False)},
            _scalar)
register_op('TensorListGetItem', ['input_handle: variant', 'index: int32', 'element_shape: int32'],
            ['item: element_dtype'], {'element_dtype': 'type'}, _item_shape,
            is_stateful=True)  # a TF1 array's clear_after_read clears the element it reads
register_op('TensorListGather', ['input_handle: variant', 'indices: int32', 'element_shape: int32'],
            ['values: element_dtype'], {'element_dtype': 'type'}, _gather_shape)
register_op('TensorListStack', ['input_handle: variant', 'element_shape: int32'], ['tensor: element_dtype'],
            {'element_dtype': 'type', 'num_elements': ('int', -1)}, _stack_shape)
register_op('TensorListScatterIntoExistingList', ['input_handle: variant', 'tensor: element_dtype', 'indices: int32'],
            ['output_handle: variant'], {'element_dtype': 'type'}, _scalar)
register_op('TensorListConcatV2', ['input_handle: variant', 'element_shape: shape_type', 'leading_dims: int64'],
            ['tensor: element_dtype', 'lengths: int64'], {'element_dtype': 'type', 'shape_type': 'type'},
            _concat_shape, allowed=_SHAPE_TYPES)
register_op('TensorListSplit', ['tensor: element_dtype', 'element_shape: shape_type', 'lengths: int64'],
            ['output_handle: variant'], {'element_dtype': 'type', 'shape_type': 'type'}, _scalar,
            allowed=_SHAPE_TYPES)
register_op('TensorListLength', ['input_handle: variant'], ['length: int32'], {}, _scalar)
register_op('TensorListElementShape', ['input_handle: variant'], ['element_shape: shape_type'],
            {'shape_type': 'type'}, _element_shape_shape, allowed=_SHAPE_TYPES)
register_op('TensorListPushBack', ['input_handle: variant', 'tensor: element_dtype'], ['output_handle: variant'],
            {'element_dtype': 'type'}, _scalar)
register_op('TensorListPopBack', ['input_handle: variant', 'element_shape: int32'],
            ['output_handle: variant', 'tensor: element_dtype'], {'element_dtype': 'type'}, _pop_shape)
for _type in ('TensorListReserve', 'EmptyTensorList', 'TensorListLength', 'TensorListElementShape'):
    no_gradient(_type)


def _reserve(shape, size, dtype, flags=None, name=None):
    attrs = {'element_dtype': dtype, 'shape_type': dtypes.int32}
    attrs.update(flags or {})
    return op_builder.output('TensorListReserve', [shape, size], attrs, name=name)


def _grad_list(handle):
    """An all-zeros gradient list for the forward list `handle` (TF's ZerosLike of a TensorList)."""
    return op_builder.output('ZerosLike', [handle])


def add_lists(lists):
    """The sum of gradient lists (what tf.gradients uses to add a list's gradients)."""
    return lists[0] if len(lists) == 1 else math_ops.add_n(list(lists))


def _read(handle, index, dtype, shape):
    return op_builder.output('TensorListGetItem', [handle, index, shape_tensor(shape)], {'element_dtype': dtype})


@register_gradient('TensorListGetItem')
def _get_item_grad(op, grad):
    handle, index, _ = op._inputs
    return [op_builder.output('TensorListSetItem', [_grad_list(handle), index, grad]), None, None]


@register_gradient('TensorListSetItem')
def _set_item_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    handle, index, value = op._inputs
    dvalue = _read(dlist, index, value.dtype.base_dtype, value.shape)
    rest = op_builder.output('TensorListSetItem', [dlist, index, zeros_like(value)])
    return [rest, None, dvalue]


@register_gradient('TensorListGather')
def _gather_grad(op, grad):
    handle, indices, _ = op._inputs
    return [op_builder.output('TensorListScatterIntoExistingList', [_grad_list(handle), grad, indices]), None, None]


@register_gradient('TensorListStack')
def _stack_grad(op, grad):
    return [op_builder.output('TensorListFromTensor', [grad, op._inputs[1]]), None]


@register_gradient('TensorListScatterIntoExistingList')
def _scatter_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    handle, value, indices = op._inputs
    dims = value.shape._dims
    dvalue = op_builder.output('TensorListGather', [dlist, indices, shape_tensor(
        TensorShape(dims[1:]) if dims else tensor_shape.unknown_shape())], {'element_dtype': value.dtype.base_dtype})
    rest = op_builder.output('TensorListScatterIntoExistingList', [dlist, zeros_like(value), indices])
    return [rest, dvalue, None]


@register_gradient('TensorListFromTensor')
def _from_tensor_grad(op, dlist):
    if dlist is None:
        return [None, None]
    value, shape = op._inputs
    n = array_ops.shape(value)[0]
    return [op_builder.output('TensorListGather', [dlist, _range(0, n), shape], {'element_dtype': value.dtype.base_dtype}),
            None]


@register_gradient('TensorListConcatV2')
def _concat_grad(op, grad, _):
    handle, shape, _ = op._inputs
    if grad is None:
        return [None, None, None]
    return [op_builder.output('TensorListSplit', [grad, shape, op._outputs[1]]), None, None]


@register_gradient('TensorListSplit')
def _split_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    value, shape, _ = op._inputs
    dvalue = op_builder.apply('TensorListConcatV2', [dlist, shape, constant([], dtypes.int64)],
                              {'element_dtype': value.dtype.base_dtype})._outputs[0]
    return [dvalue, None, None]


@register_gradient('TensorListPushBack')
def _push_back_grad(op, dlist):
    handle, value = op._inputs
    if dlist is None:
        return [None, None]
    popped = op_builder.apply('TensorListPopBack', [dlist, shape_tensor(value.shape)],
                              {'element_dtype': value.dtype.base_dtype})
    return [popped._outputs[0], popped._outputs[1]]


@register_gradient('TensorListPopBack')
def _pop_back_grad(op, dlist, delement):
    handle = op._inputs[0]
    if delement is None:
        delement = zeros_like(op._outputs[1])
    if dlist is None:
        dlist = op_builder.output('EmptyTensorList', [
            op_builder.output('TensorListElementShape', [handle], {'shape_type': dtypes.int32}), -1],
            {'element_dtype': delement.dtype.base_dtype})
    return [op_builder.output('TensorListPushBack', [dlist, delement]), None]


def _constant_size(size):
    """The size as a Python int when it is known while building (a number or a Const), else None."""
    if isinstance(size, int):
        return size
    if isinstance(size, _graph.Tensor) and size.op.type == 'Const':
        import numpy as np
        return int(np.asarray(size.op.get_attr('value')))
    return None


class TensorArray:
    """TF1's tf.TensorArray over a flow that carries the list's value (see the module docstring)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None, colocate_with_first_write_call=True,
                 name=None):
        if handle is not None and flow is None:
            raise ValueError('flow must not be None if handle is not None.')
        given = flow is not None
        if not given and size is None:
            raise ValueError('Size must be provided if handle is not provided')
        for what, value in (('size', size), ('element_shape', element_shape), ('dynamic_size', dynamic_size),
                            ('clear_after_read', clear_after_read)):
            if given and value is not None:
                raise ValueError('Cannot provide both a handle and %s at the same time' % what)
        if clear_after_read is None:
            clear_after_read = True
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._infer_shape = infer_shape
        self._element_shape = [tensor_shape.unknown_shape() if element_shape is None
                               else tensor_shape.as_shape(element_shape)]
        self._dynamic_size = bool(dynamic_size)
        self._size = None if self._dynamic_size or size is None else _constant_size(size)
        self._clear_after_read = clear_after_read
        if given:
            if not isinstance(flow, _graph.Tensor) or flow.dtype.base_dtype != dtypes.variant:
                raise TypeError('flow must be a variant tensor')
            self._flow = flow
            return
        with _graph.name_scope(name, 'TensorArray', [size]) as scope:
            self._flow = _reserve(shape_tensor(self._element_shape[0]), size, self._dtype, self._flags(), name=scope)

    def _flags(self):
        """TF1's rules for the list's kernels (private attrs: TF ignores them)."""
        return {'_clear_after_read': bool(self._clear_after_read), '_identical_element_shapes': bool(self._infer_shape),
                '_dynamic_size': self._dynamic_size, '_write_once': True}

    def _with_flow(self, flow):
        """The same array (dtype, shape inference, flags) over another flow: a write's result, a loop's."""
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._element_shape = [self._element_shape[0]]
        ta._flow = flow
        return ta

    dtype = property(lambda self: self._dtype)
    flow = property(lambda self: self._flow)
    handle = property(lambda self: self._flow)

    @property
    def element_shape(self):
        return self._element_shape[0]

    def _merge_element_shape(self, shape):
        if not shape.is_compatible_with(self.element_shape):
            raise ValueError('Inconsistent shapes: saw %s but expected %s ' % (shape, self.element_shape))
        if self._infer_shape:
            self._element_shape[0] = self.element_shape.merge_with(shape)

    def _value(self, value):
        value = _graph.convert_to_tensor(value, preferred_dtype=self._dtype, name='value')
        if value.dtype.base_dtype != self._dtype:
            from sluice.engine import errors
            raise errors.InvalidArgumentError(None, None, 'TensorArray dtype is %s but Op is trying to write dtype %s'
                                              % (self._dtype.name, value.dtype.base_dtype.name))
        return value

    def identity(self):
        return self._with_flow(graph_ops.identity(self._flow))

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError('sluice does not implement TensorArray.grad yet: tf.gradients differentiates '
                                  'TensorArrays directly')

    def read(self, index, name=None):
        with _graph.name_scope(name, 'TensorArrayReadV3', [self._flow, index]):
            return _read(self._flow, index, self._dtype, self.element_shape)

    def write(self, index, value, name=None):
        with _graph.name_scope(name, 'TensorArrayWrite', [self._flow, index, value]):
            value = self._value(value)
            self._merge_element_shape(value.shape)
            return self._with_flow(op_builder.output(
                'TensorListSetItem', [self._flow, index, value], {'resize_if_index_out_of_bounds': self._dynamic_size}))

    def gather(self, indices, name=None):
        with _graph.name_scope(name, 'TensorArrayGather', [self._flow, indices]):
            return op_builder.output('TensorListGather', [self._flow, indices, shape_tensor(self.element_shape)],
                                     {'element_dtype': self._dtype})

    def stack(self, name=None):
        with _graph.name_scope(name, 'TensorArrayStack', [self._flow]):
            return op_builder.output('TensorListStack', [self._flow, shape_tensor(self.element_shape)],
                                     {'element_dtype': self._dtype,
                                      'num_elements': -1 if self._size is None else self._size})

    def scatter(self, indices, value, name=None):
        with _graph.name_scope(name, 'TensorArrayScatter', [self._flow, value, indices]):
            value = self._value(value)
            dims = value.shape._dims
            if dims:
                self._merge_element_shape(TensorShape(dims[1:]))
            return self._with_flow(op_builder.output('TensorListScatterIntoExistingList', [self._flow, value, indices]))

    def unstack(self, value, name=None):
        with _graph.name_scope(name, 'TensorArrayUnstack', [self._flow, value]):
            value = self._value(value)
            n = array_ops.shape(value)[0]
            return self.scatter(_range(0, n), value, name=name)

    def concat(self, name=None):
        with _graph.name_scope(name, 'TensorArrayConcat', [self._flow]):
            return op_builder.apply('TensorListConcatV2', [self._flow, shape_tensor(self.element_shape),
                                                           constant([], dtypes.int64, name='leading_dims')],
                                    {'element_dtype': self._dtype})._outputs[0]

    def split(self, value, lengths, name=None):
        with _graph.name_scope(name, 'TensorArraySplit', [self._flow, value, lengths]):
            value = self._value(value)
            lengths = math_ops.cast(_graph.convert_to_tensor(lengths), dtypes.int64)
            dims = value.shape._dims
            if dims is not None and len(dims) == 0:
                raise ValueError('Shape must be at least rank 1 but is rank 0')
            if dims:
                self._merge_element_shape(TensorShape([None] + list(dims[1:])))
            # TF2's split makes a new list; it keeps this array's rules (and its size: see the kernel)
            flags = dict(self._flags(), _split_size=-1 if self._size is None else self._size)
            return self._with_flow(op_builder.output('TensorListSplit', [value, shape_tensor(self.element_shape),
                                                                          lengths], flags))

    def size(self, name=None):
        return op_builder.output('TensorListLength', [self._flow], name=name or 'TensorArraySizeV3')

    def close(self, name=None):
        """Nothing to release (the value goes with its last flow): an op that runs after the array's ops."""
        with _graph.get_default_graph().control_dependencies([self._flow]):
            return graph_ops.no_op(name=name or 'TensorArrayCloseV3')
