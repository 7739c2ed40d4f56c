"""contrib.layers.dropout: keep each input with probability keep_prob (0.5) and scale it by 1 / keep_prob
while is_training, else pass the input through.

A Python (or constant) is_training picks the branch when the graph is built (inference is an Identity).
A boolean tensor scales the drop rate by is_training instead of TF's tf.cond: with rate 0 every element is
kept and scaled by 1, so the values are TF's, and the random draw stays outside a cond, whose gradient
sluice computes by replaying the branch (which would redraw the mask).
"""
from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.layers.layer_variables import static_value
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import graph as _graph
from sluice.ops import graph_ops, math_ops, nn_dropout
from sluice.ops import variable_scope as vs

__all__ = ['dropout']


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None, scope=None,
            seed=None):
    """Dropout with keep probability `keep_prob` (a float or a scalar tensor) when training."""
    with vs.variable_scope(scope, 'Dropout', [inputs]) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        training = static_value(is_training)
        if training is False:
            outputs = graph_ops.identity(inputs)
        else:
            rate = 1 - keep_prob
            if training is None:
                dtype = inputs.dtype.base_dtype
                rate = math_ops.cast(rate, dtype) * math_ops.cast(is_training, dtype)
            outputs = nn_dropout.dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
