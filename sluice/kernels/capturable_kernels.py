"""Which GPU kernels may run under CUDA stream capture (`engine/graph_capture.py`): one table.

A kernel is capturable when a step of it only launches device work on the current stream: no
wait for the device, no device value read on the host (a check of the data, `.item()`, a host
copy of indices), output shapes that follow from input shapes, no host state that changes between
runs (a random generator's position would be baked into the graph), and state written only in
place (an optimizer update writes its variable's buffer; Assign, which replaces the buffer, is
not here). Everything else keeps its default, not capturable, and a plan holding it runs plain.

The marks are made here rather than on each registration so that the whole contract can be
reviewed in one place against the kernels' bodies; `registry.declare_capturable` applies them to
the GPU registrations whatever the import order.
"""
from sluice.kernels.optimizer_updates import UPDATES
from sluice.kernels.registry import declare_capturable
from sluice.ops.elementwise import ROWS


def _no_host_check(op):
    """An elementwise row is capturable unless it checks its integer operands on the host (a
    divisor of zero, a negative exponent: `(b == 0).any()` waits for the device)."""
    row = ROWS[op.type]
    if row.checks is None:
        return True
    dt = op.get_attr('T') if 'T' in op._attrs else None
    return dt is None or not dt.is_integer


declare_capturable(tuple(ROWS), when=_no_host_check)

# Values, views and metadata: a view or a Python-level answer launches nothing; Shape's kin
# answer host metadata from the static shapes a captured plan is keyed by.
declare_capturable(('Const', 'VariableV2', 'Identity', 'StopGradient', 'PreventGradient', 'Snapshot', 'NoOp',
                    'Reshape', 'ExpandDims', 'Squeeze', 'Shape', 'ShapeN', 'Size', 'Rank', 'ZerosLike', 'OnesLike',
                    'Fill', 'Cast', 'Transpose', 'Tile', 'ConcatV2', 'Pack', 'AddN'))

# Products, reductions and the nn kernels of a dense training step (cuBLAS through CuPy; the
# capture sets cuBLAS's workspace first).
declare_capturable(('MatMul', 'BatchMatMul', 'BatchMatMulV2', 'Sum', 'Mean', 'Max', 'Min', 'Prod',
                    'Softmax', 'LogSoftmax', 'SoftmaxCrossEntropyWithLogits', 'L2Loss', 'BiasAdd', 'BiasAddGrad',
                    'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'AvgPool', 'MaxPoolGrad',
                    'AvgPoolGrad'))

# In-place updates of a variable's buffer: the dense optimizer updates (their CUDA bodies read the
# hyperparameters as 0-d device arrays) and AssignAdd/AssignSub. The SparseApply twins copy their
# indices to the host and stay out.
declare_capturable(tuple(u.op_type for u in UPDATES) + ('AssignAdd', 'AssignSub'))
