"""tf.contrib.seq2seq (TF 1.15): sequence_loss, sampling helpers, BasicDecoder and dynamic_decode,
Bahdanau/Luong attention, the AttentionWrapper cell, BeamSearchDecoder and gather_tree. The monotonic
attentions are not here: they raise AttributeError saying sluice does not implement them yet."""
from sluice.contrib.seq2seq.attention import (AttentionMechanism, AttentionWrapper, AttentionWrapperState,  # noqa: F401
                                              BahdanauAttention, LuongAttention, hardmax, tile_batch)
from sluice.contrib.seq2seq.beam_search import (BeamSearchDecoder, BeamSearchDecoderOutput,  # noqa: F401
                                                BeamSearchDecoderState, FinalBeamSearchDecoderOutput, gather_tree)
from sluice.contrib.seq2seq.decoding import BasicDecoder, BasicDecoderOutput, Decoder, dynamic_decode  # noqa: F401
from sluice.contrib.seq2seq.sampling import (CustomHelper, GreedyEmbeddingHelper, Helper, InferenceHelper,  # noqa: F401
                                            SampleEmbeddingHelper, TrainingHelper)
from sluice.contrib.seq2seq.loss import sequence_loss  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.seq2seq')
