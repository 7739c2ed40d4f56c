"""tf.contrib.rnn: TF 1.x's RNN cells and static RNNs (the same classes as tf.nn.rnn_cell, as in TF 1.15).

Names TF 1.15's tf.contrib.rnn has that are not here raise AttributeError saying sluice does not
implement them yet (GridLSTMCell, NASCell, PhasedLSTMCell, ...).
"""
from sluice.ops.rnn import static_bidirectional_rnn, static_rnn  # noqa: F401
from sluice.ops.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper,  # noqa: F401
                                      GRUCell, LayerRNNCell, LSTMCell, LSTMStateTuple, MultiRNNCell,
                                      ResidualWrapper, RNNCell)
from sluice.contrib.lstm_block_cells import (GRUBlockCell, GRUBlockCellV2, LSTMBlockCell,  # noqa: F401
                                             LSTMBlockFusedCell)
from sluice.contrib.layer_norm_cells import LayerNormBasicLSTMCell  # noqa: F401
from sluice.contrib.stacked_bidirectional_rnn import (stack_bidirectional_dynamic_rnn,  # noqa: F401
                                                      stack_bidirectional_rnn)
from sluice.contrib.coupled_lstm_cell import CoupledInputForgetGateLSTMCell  # noqa: F401
from sluice.contrib.attention_cell_wrapper import AttentionCellWrapper  # noqa: F401
from sluice.contrib.highway_wrapper import HighwayWrapper  # noqa: F401
from sluice.contrib.conv_lstm_cells import (Conv1DLSTMCell, Conv2DLSTMCell, Conv3DLSTMCell,  # noqa: F401
                                            ConvLSTMCell)
from sluice.contrib.independent_recurrent_cells import IndRNNCell, IndyGRUCell, IndyLSTMCell  # noqa: F401
from sluice.contrib.ugrnn_intersection_cells import IntersectionRNNCell, UGRNNCell  # noqa: F401
from sluice.contrib.rnn_wrappers import EmbeddingWrapper, InputProjectionWrapper, OutputProjectionWrapper  # noqa: F401
from sluice.contrib import rnn_module_paths as python  # noqa: E402,F401 (tf.contrib.rnn.python.ops.<module>)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.rnn')
