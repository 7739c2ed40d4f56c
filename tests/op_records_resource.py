"""Resource variables' ops: exempt from the per-op forward/gradient records, each naming its test.

They take or give a resource handle (the session's variable storage), which cannot be fed or
fetched as an array, so the generic record (feed inputs, compare outputs with TF) does not apply.
tests/ops/test_resource_variables.py runs them on their own, in TF-written graphs trained beside TF
(with TF's checkpoints both ways), and each ResourceApply op against its Apply twin.
"""
from op_records import EXEMPT

from sluice.ops import resource_variable_ops

_TEST = 'tests/ops/test_resource_variables.py::%s'

for _type, _test in {
        'VarHandleOp': 'test_handle_read_assign_update', 'ReadVariableOp': 'test_handle_read_assign_update',
        'AssignVariableOp': 'test_handle_read_assign_update', 'AssignAddVariableOp': 'test_handle_read_assign_update',
        'AssignSubVariableOp': 'test_handle_read_assign_update', 'VarIsInitializedOp': 'test_handle_read_assign_update',
        'VariableShape': 'test_handle_read_assign_update', 'DestroyResourceOp': 'test_destroy_resource',
        'ResourceGather': 'test_gather_scatter_and_gradients',
        'ResourceScatterAdd': 'test_gather_scatter_and_gradients', 'ResourceScatterSub': 'test_gather_scatter_and_gradients',
        'ResourceScatterUpdate': 'test_gather_scatter_and_gradients'}.items():
    EXEMPT[_type] = 'takes a resource handle (not feedable): ' + _TEST % _test

for _type in resource_variable_ops.RESOURCE_APPLY_TYPES:
    EXEMPT[_type] = ('an optimizer update on resource handles: ' + _TEST % 'test_resource_apply_equals_apply'
                     + ' (and TF-written graphs: test_tf_graph_imports_and_trains)')
