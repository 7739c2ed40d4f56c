"""tf.TensorArray: a list of tensors written and read by index, inside and outside while_loop.

TF1 keeps a TensorArray in a resource and orders its ops through a float "flow" tensor. sluice's
loops are functional (While over function graphs), so here the array's value itself is what flows:
`flow` is a variant tensor whose value is the list (a TensorList, kernels/tensor_array_kernels.py),
every write returns a new flow (and a new TensorArray object, as TF1's `ta = ta.write(...)`), and
while_loop carries a TensorArray as its flow. This is TF2's TensorList design; the Python API,
static shape inference (infer_shape, element_shape) and run-time errors are TF1's.

Gradients (TF2's TensorList rules): the gradient of a list is a list; a read's gradient writes
the read's gradient into a zeros list shaped like the forward one (TensorArrayGradList), a
write's gradient reads it back; gradient lists of several readers add (TensorArrayAddValues).
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, graph_ops, math_ops
from sluice.ops.filling_ops import range as _range, zeros_like

__all__ = ['TensorArray']

_SCALAR = TensorShape([])


def _scalar(op):
    return [_SCALAR]


def _read_shape(op):
    return [op._attrs['element_shape']]


def _gather_shape(op):
    return [TensorShape([None]).concatenate(op._attrs['element_shape'])]  # as TF: stack() sets the size


def _concat_shape(op):
    dims = op._attrs['element_shape']._dims
    rest = tensor_shape.unknown_shape() if dims is None or not dims else TensorShape(dims[1:])
    return [TensorShape([None]).concatenate(rest), TensorShape([None])]


register_op('TensorArrayCreate', ['size: int32'], ['handle: variant'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape()),
             'dynamic_size': ('bool', False), 'clear_after_read': ('bool', True),
             'identical_element_shapes': ('bool', False), 'tensor_array_name': ('string', '')}, _scalar)
register_op('TensorArrayGradList', ['handle: variant'], ['grad_handle: variant'], {}, _scalar)
register_op('TensorArrayWriteValue', ['handle: variant', 'index: int32', 'value: T'], ['handle_out: variant'],
            {'T': 'type'}, _scalar)
register_op('TensorArrayReadValue', ['handle: variant', 'index: int32'], ['value: dtype'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape())}, _read_shape,
            is_stateful=True)  # clear_after_read clears the element it reads
register_op('TensorArrayGatherValue', ['handle: variant', 'indices: int32'], ['value: dtype'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape())}, _gather_shape)
register_op('TensorArrayScatterValue', ['handle: variant', 'indices: int32', 'value: T'], ['handle_out: variant'],
            {'T': 'type'}, _scalar)
register_op('TensorArrayConcatValue', ['handle: variant'], ['value: dtype', 'lengths: int64'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape())}, _concat_shape)
register_op('TensorArraySplitValue', ['handle: variant', 'value: T', 'lengths: int64'], ['handle_out: variant'],
            {'T': 'type'}, _scalar)
register_op('TensorArraySizeValue', ['handle: variant'], ['size: int32'], {}, _scalar)
register_op('TensorArrayAddValues', ['inputs: N * variant'], ['sum: variant'], {'N': 'int'}, _scalar)
for _type in ('TensorArrayCreate', 'TensorArrayGradList', 'TensorArraySizeValue', 'TensorArrayAddValues'):
    no_gradient(_type)


def _grad_list(handle):
    return op_builder.output('TensorArrayGradList', [handle])


def add_lists(lists):
    """The sum of gradient lists (what tf.gradients uses to add a list's gradients)."""
    return lists[0] if len(lists) == 1 else op_builder.output('TensorArrayAddValues', [list(lists)])


def _read(handle, index, dtype, shape):
    return op_builder.output('TensorArrayReadValue', [handle, index], {'dtype': dtype, 'element_shape': shape})


@register_gradient('TensorArrayReadValue')
def _read_grad(op, grad):
    handle, index = op._inputs
    return [op_builder.output('TensorArrayWriteValue', [_grad_list(handle), index, grad]), None]


@register_gradient('TensorArrayWriteValue')
def _write_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    handle, index, value = op._inputs
    dvalue = _read(dlist, index, value.dtype.base_dtype, value.shape)
    rest = op_builder.output('TensorArrayWriteValue', [dlist, index, zeros_like(value)])
    return [rest, None, dvalue]


@register_gradient('TensorArrayGatherValue')
def _gather_grad(op, grad):
    handle, indices = op._inputs
    return [op_builder.output('TensorArrayScatterValue', [_grad_list(handle), indices, grad]), None]


@register_gradient('TensorArrayScatterValue')
def _scatter_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    handle, indices, value = op._inputs
    dvalue = op_builder.output('TensorArrayGatherValue', [dlist, indices],
                               {'dtype': value.dtype.base_dtype, 'element_shape': TensorShape(value.shape._dims[1:])
                                if value.shape._dims else tensor_shape.unknown_shape()})
    rest = op_builder.output('TensorArrayScatterValue', [dlist, indices, zeros_like(value)])
    return [rest, None, dvalue]


@register_gradient('TensorArrayConcatValue')
def _concat_grad(op, grad, _):
    handle = op._inputs[0]
    if grad is None:
        return [None]
    return [op_builder.output('TensorArraySplitValue', [_grad_list(handle), grad, op._outputs[1]])]


@register_gradient('TensorArraySplitValue')
def _split_grad(op, dlist):
    if dlist is None:
        return [None, None, None]
    value = op._inputs[1]
    dvalue = op_builder.apply('TensorArrayConcatValue', [dlist],
                              {'dtype': value.dtype.base_dtype})._outputs[0]
    return [None, dvalue, None]


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
            self._flow = op_builder.output(
                'TensorArrayCreate', [size],
                {'dtype': self._dtype, 'element_shape': self._element_shape[0], 'dynamic_size': self._dynamic_size,
                 'clear_after_read': bool(clear_after_read), 'identical_element_shapes': bool(infer_shape),
                 'tensor_array_name': tensor_array_name or ''}, name=scope)

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
            ta = self._with_flow(op_builder.output('TensorArrayWriteValue', [self._flow, index, value]))
            return ta

    def gather(self, indices, name=None):
        with _graph.name_scope(name, 'TensorArrayGather', [self._flow, indices]):
            return op_builder.output('TensorArrayGatherValue', [self._flow, indices],
                                     {'dtype': self._dtype, 'element_shape': self.element_shape})

    def stack(self, name=None):
        with _graph.name_scope(name, 'TensorArrayStack', [self._flow]):
            value = self.gather(_range(0, self.size()), name=name)
            if self._size is not None:
                value.set_shape(TensorShape([self._size]).concatenate(value.shape[1:]))
            return value

    def scatter(self, indices, value, name=None):
        with _graph.name_scope(name, 'TensorArrayScatter', [self._flow, value, indices]):
            value = self._value(value)
            dims = value.shape._dims
            if dims:
                self._merge_element_shape(TensorShape(dims[1:]))
            return self._with_flow(op_builder.output('TensorArrayScatterValue', [self._flow, indices, value]))

    def unstack(self, value, name=None):
        with _graph.name_scope(name, 'TensorArrayUnstack', [self._flow, value]):
            value = self._value(value)
            n = array_ops.shape(value)[0]
            return self.scatter(_range(0, n), value, name=name)

    def concat(self, name=None):
        with _graph.name_scope(name, 'TensorArrayConcat', [self._flow]):
            return op_builder.apply('TensorArrayConcatValue', [self._flow],
                                    {'dtype': self._dtype, 'element_shape': self.element_shape})._outputs[0]

    def split(self, value, lengths, name=None):
        with _graph.name_scope(name, 'TensorArraySplit', [self._flow, value, lengths]):
            value = self._value(value)
            lengths = math_ops.cast(_graph.convert_to_tensor(lengths), dtypes.int64)
            dims = value.shape._dims
            if dims is not None and len(dims) == 0:
                raise ValueError('Shape must be at least rank 1 but is rank 0')
            if dims:
                self._merge_element_shape(TensorShape([None] + list(dims[1:])))
            return self._with_flow(op_builder.output('TensorArraySplitValue', [self._flow, value, lengths]))

    def size(self, name=None):
        return op_builder.output('TensorArraySizeValue', [self._flow], name=name or 'TensorArraySizeV3')

    def close(self, name=None):
        """Nothing to release (the value goes with its last flow): an op that runs after the array's ops."""
        with _graph.get_default_graph().control_dependencies([self._flow]):
            return graph_ops.no_op(name=name or 'TensorArrayCloseV3')
