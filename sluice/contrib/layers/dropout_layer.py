"""contrib.layers.dropout: keep each input with probability keep_prob (0.5) and scale it by 1 / keep_prob
while is_training (a bool or a boolean tensor), else pass the input through (an Identity)."""
from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.layers.layer_variables import smart_cond
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import graph as _graph
from sluice.ops import graph_ops, nn_dropout
from sluice.ops import variable_scope as vs

__all__ = ['dropout']


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None, scope=None,
            seed=None):
    """Dropout with keep probability `keep_prob` (a float or a scalar tensor) when training."""
    with vs.variable_scope(scope, 'Dropout', [inputs]) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        rate = 1 - keep_prob

        def dropped():
            return nn_dropout.dropout(inputs, noise_shape=noise_shape, seed=seed, rate=rate)
        outputs = smart_cond(is_training, dropped, lambda: graph_ops.identity(inputs))
        return collect_named_outputs(outputs_collections, sc.name, outputs)
