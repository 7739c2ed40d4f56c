"""Activations in tf.nn composed of other ops: swish (x * sigmoid(beta * x)) and relu_layer
(relu(x @ weights + biases)), named as TF names their nodes.
"""


from sluice.engine import graph as _graph
from sluice.engine.graph import name_scope
from sluice.ops import math_ops, nn_ops

__all__ = ['swish', 'relu_layer']


def swish(features, beta=1.0, name=None):
    """features * sigmoid(beta * features)."""
    with name_scope(name, 'swish', [features]):
        features = _graph.convert_to_tensor(features, name='features')
        beta = _graph.convert_to_tensor(beta, dtype=features.dtype.base_dtype, name='beta')
        return features * math_ops.sigmoid(beta * features)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, 'relu_layer', [x, weights, biases]) as name:
        x = _graph.convert_to_tensor(x, name='x')
        weights = _graph.convert_to_tensor(weights, name='weights')
        biases = _graph.convert_to_tensor(biases, name='biases')
        xw_plus_b = nn_ops.bias_add(math_ops.matmul(x, weights), biases)
        return nn_ops.relu(xw_plus_b, name=name)
