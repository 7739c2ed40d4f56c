"""The stateful ops TF 1.x while loops and their gradients write into graphs, declared with TF 1.15's
names, attrs and signatures so such graphs import (io/dataflow_loops.py raises the loops
themselves to functional While); kernels in kernels/dataflow_loop_kernels.py.

- Stacks: a gradient loop reads the forward loop's per-iteration values back, last first; the
  forward loop pushes them on a stack created outside both loops (StackV2, a resource handle
  both loops take in as an invariant), the gradient loop pops them.
      StackV2(max_size: int32) -> handle: resource            StackPushV2(handle, elem: T) -> output: T
      StackPopV2(handle) -> elem: elem_type                   StackCloseV2(handle)
- TensorArrayV3 and its kin: TF 1.x's TensorArray, a resource handle plus a float "flow" tensor
  that orders the ops (tf1.nn.dynamic_rnn, tf1.map_fn, tf1.scan hold them). sluice's own
  tf.TensorArray carries its value instead (ops/tensor_array_ops.py); these run TF's graphs.
- ControlTrigger: a no-op that gradient loops use to order a stack pop before the next iteration.

Gradients: these ops appear in graphs whose gradients TF already wrote (TF's own stack pops,
TensorArrayGradV3 and its reads and writes); sluice does not differentiate them again (tf.gradients
through a TensorArrayV3 or stack value raises LookupError). A TF 1.x loop without them, once
raised, is a While that sluice's gradients differentiate.
"""
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape

_SCALAR = TensorShape([])


def _scalar(op):
    return [_SCALAR] * len(op._outputs)


def _handle_and_flow(op):
    # TF's shape: a handle is a vector of 2 (the container and name of TF 1.x's string handles)
    return [TensorShape([2])] + [_SCALAR] * (len(op._outputs) - 1)


def _unknown(op):
    return [tensor_shape.unknown_shape()] * len(op._outputs)


def _same_as_input(index):
    return lambda op: [op._inputs[index]._shape]


def _gather_shape(op):
    return [TensorShape([None]).concatenate(op._attrs['element_shape'])]


register_op('StackV2', ['max_size: int32'], ['handle: resource'],
            {'elem_type': 'type', 'stack_name': ('string', '')}, _handle_and_flow, is_stateful=True)
register_op('StackPushV2', ['handle: resource', 'elem: T'], ['output: T'],
            {'T': 'type', 'swap_memory': ('bool', False)}, _same_as_input(1), is_stateful=True)
register_op('StackPopV2', ['handle: resource'], ['elem: elem_type'], {'elem_type': 'type'}, _unknown,
            is_stateful=True)
register_op('StackCloseV2', ['handle: resource'], [], {}, None, is_stateful=True)
register_op('ControlTrigger', [], [], {}, None)

register_op('TensorArrayV3', ['size: int32'], ['handle: resource', 'flow: float'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape()),
             'dynamic_size': ('bool', False), 'clear_after_read': ('bool', True),
             'identical_element_shapes': ('bool', False), 'tensor_array_name': ('string', '')},
            _handle_and_flow, is_stateful=True)
register_op('TensorArrayGradV3', ['handle: resource', 'flow_in: float'], ['grad_handle: resource', 'flow_out: float'],
            {'source': 'string'}, _handle_and_flow, is_stateful=True)
register_op('TensorArrayWriteV3', ['handle: resource', 'index: int32', 'value: T', 'flow_in: float'],
            ['flow_out: float'], {'T': 'type'}, _scalar, is_stateful=True)
register_op('TensorArrayReadV3', ['handle: resource', 'index: int32', 'flow_in: float'], ['value: dtype'],
            {'dtype': 'type'}, _unknown, is_stateful=True)
register_op('TensorArrayGatherV3', ['handle: resource', 'indices: int32', 'flow_in: float'], ['value: dtype'],
            {'dtype': 'type', 'element_shape': ('shape', tensor_shape.unknown_shape())}, _gather_shape,
            is_stateful=True)
register_op('TensorArrayScatterV3', ['handle: resource', 'indices: int32', 'value: T', 'flow_in: float'],
            ['flow_out: float'], {'T': 'type'}, _scalar, is_stateful=True)
register_op('TensorArrayConcatV3', ['handle: resource', 'flow_in: float'], ['value: dtype', 'lengths: int64'],
            {'dtype': 'type', 'element_shape_except0': ('shape', tensor_shape.unknown_shape())},
            lambda op: [tensor_shape.unknown_shape(), TensorShape([None])], is_stateful=True)
register_op('TensorArraySplitV3', ['handle: resource', 'value: T', 'lengths: int64', 'flow_in: float'],
            ['flow_out: float'], {'T': 'type'}, _scalar, is_stateful=True)
register_op('TensorArraySizeV3', ['handle: resource', 'flow_in: float'], ['size: int32'], {}, _scalar,
            is_stateful=True)
register_op('TensorArrayCloseV3', ['handle: resource'], [], {}, None, is_stateful=True)


# Handles, flows, sizes and offsets carry no gradient. The ops that move values (pushes, pops,
# TensorArray reads, writes, gathers, scatters, concats, splits) declare none: sluice's gradient
# through them raises LookupError rather than treating them as constants.
for _type in ('StackV2', 'StackCloseV2', 'ControlTrigger', 'TensorArrayV3', 'TensorArrayGradV3',
              'TensorArraySizeV3', 'TensorArrayCloseV3'):
    no_gradient(_type)
