"""`tensorflow.core.*` module paths that TF1 programs import directly, served as `sluice.core.*`.

`from tensorflow.core.framework import graph_pb2` becomes `from sluice.core.framework import graph_pb2`.
Each `*_pb2` module here re-exports the module of the same name in sluice/io/protos (one message
class per TF message, in sluice's private descriptor pool), placed where TensorFlow 1.15 keeps it:
framework/ (graphs, tensors, attrs, summaries, device attributes), protobuf/ (config, meta graph,
saver, queue runner, rewriter), util/ (event), example/ (Example, Feature), lib/core/ (error codes).
"""
