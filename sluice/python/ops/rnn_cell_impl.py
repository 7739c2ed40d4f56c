"""`tensorflow.python.ops.rnn_cell_impl`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper,  # noqa: F401
                                      GRUCell, LSTMCell, LSTMStateTuple, LayerRNNCell,
                                      MultiRNNCell, RNNCell, ResidualWrapper)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.rnn_cell_impl')
