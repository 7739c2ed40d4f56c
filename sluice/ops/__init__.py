"""Op definitions (TF names, attrs, shape functions, gradients) and the functions that add them."""
from sluice.ops import (array_ops, clip_ops, constant_op, control_flow_ops, dataflow_control_ops,  # noqa: F401
                        gradients_impl, graph_ops, init_ops, io_ops, math_ops, nn_activation, nn_conv_pool, nn_dropout,
                        nn_embedding, nn_losses, nn_normalization, nn_top_k, parsing_ops, random_ops, sparse_tensor,
                        state_ops, summary_ops, training_ops, variable_scope, variables)
from sluice.ops import resource_variable_ops  # noqa: F401,E402  (VarHandleOp and its kin, for imported graphs)
from sluice.ops import nccl_ops  # noqa: F401,E402  (NcclAllReduce and its kin: core ops in TF, for imported graphs)
from sluice.ops import dataflow_loop_ops  # noqa: F401,E402  (stacks, TensorArrayV3: TF 1.x loop graphs)
