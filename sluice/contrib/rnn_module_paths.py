"""`tensorflow.contrib.rnn.python.ops.<module>`, the paths programs import contrib.rnn's modules by
(`from tensorflow.contrib.rnn.python.ops import rnn`): each of TF's modules (rnn, rnn_cell,
core_rnn_cell, lstm_ops, gru_ops) is answered by tf.contrib.rnn itself, which holds their public
names; a name sluice lacks still raises AttributeError saying so."""
import types

from sluice.contrib import rnn as _rnn

ops = types.SimpleNamespace(rnn=_rnn, rnn_cell=_rnn, core_rnn_cell=_rnn, lstm_ops=_rnn, gru_ops=_rnn)
