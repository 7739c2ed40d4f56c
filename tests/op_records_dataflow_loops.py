"""Op-record exemptions of the stateful ops TF 1.x while loops and their gradients write (stacks,
TensorArrayV3, ControlTrigger): they run in TF-written loop graphs imported whole."""
from op_records import EXEMPT

EXEMPT.update(dict.fromkeys(
    ('StackV2', 'StackPushV2', 'StackPopV2', 'StackCloseV2', 'ControlTrigger', 'TensorArrayV3', 'TensorArrayGradV3',
     'TensorArrayWriteV3', 'TensorArrayReadV3', 'TensorArrayGatherV3', 'TensorArrayScatterV3', 'TensorArrayConcatV3',
     'TensorArraySplitV3', 'TensorArraySizeV3', 'TensorArrayCloseV3'),
    'TF 1.x loop graphs (stacks and TensorArrays of dynamic_rnn, map_fn, scan and their gradients) imported, run, '
    'trained and exported against TF in tests/io/test_dataflow_loops.py'))
