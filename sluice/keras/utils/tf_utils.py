"""Keras's tf_utils (TF 1.15): conditions that Keras layers decide at graph-building time when they can.

smart_cond(pred, true_fn, false_fn) calls one branch now when `pred` is a Python bool or a tensor whose
value is known statically (a constant), and builds tf.cond otherwise; static_bool(pred) is that static
value (None when it is only known at run time).
"""
import numpy as np

from sluice.engine import graph as _graph
from sluice.ops import control_flow_ops, variables
from sluice.ops.shape_fns import constant_value


def smart_cond(pred, true_fn, false_fn, name=None):
    """true_fn() or false_fn() chosen now when `pred` is a Python bool or a constant tensor, else tf.cond.
    None is False: an unset learning phase means inference."""
    if pred is None:
        return false_fn()
    if isinstance(pred, (bool, int, np.bool_)) and not _graph.is_tensor(pred):
        return true_fn() if pred else false_fn()
    if isinstance(pred, variables.Variable):
        pred = pred.value()
    value = constant_value(pred)
    if value is not None:
        return true_fn() if bool(value) else false_fn()
    return control_flow_ops.cond(pred, true_fn, false_fn, name=name)


def static_bool(pred):
    """The Python value of a bool or constant tensor `pred`, else None (Keras's tf_utils.constant_value)."""
    if pred is None:
        return False
    if isinstance(pred, (bool, int, np.bool_)) and not _graph.is_tensor(pred):
        return bool(pred)
    if isinstance(pred, variables.Variable):
        return None
    value = constant_value(pred)
    return None if value is None else bool(value)


def assert_no_legacy_layers(layers):
    """TypeError naming the tf.layers layers among `layers`: Keras models do not take them (TF 1.15), though a
    tf.layers layer is a Keras layer and may be called on Keras tensors."""
    legacy = [layer for layer in layers if getattr(layer, '_is_legacy_layer', False)]
    if legacy:
        raise TypeError('The following are legacy tf.layers.Layers:\n%s\nTo use keras as a framework (for instance '
                        'using the Network, Model, or Sequential classes), please use the tf.keras.layers '
                        'implementation instead. (Or, if writing custom layers, subclass from tf.keras.layers rather '
                        'than tf.layers)' % '\n'.join('  ' + str(layer) for layer in legacy))
