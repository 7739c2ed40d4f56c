"""tf.contrib.tensorboard.plugins.projector: the embedding projector's configuration.

A program fills a ProjectorConfig (which checkpointed tensors are embeddings, their metadata TSV
and sprite image) and `visualize_embeddings` writes it in text format as `projector_config.pbtxt`
in the summary writer's log directory, the file name TensorBoard's projector plugin reads.
The messages are sluice's copies of TF's (`sluice/io/protos/projector_config.proto`).
"""
import os

from google.protobuf import text_format

from sluice.io.graph_io import GFile
from sluice.io.protos.projector_config_pb2 import EmbeddingInfo, ProjectorConfig, SpriteMetadata

__all__ = ['EmbeddingInfo', 'ProjectorConfig', 'SpriteMetadata', 'visualize_embeddings']


def visualize_embeddings(summary_writer, config):
    """Writes `config` (a ProjectorConfig) to <logdir>/projector_config.pbtxt of `summary_writer`."""
    logdir = summary_writer.get_logdir()
    if logdir is None:
        raise ValueError('Summary writer must have a logdir')
    with GFile(os.path.join(logdir, 'projector_config.pbtxt'), 'w') as f:
        f.write(text_format.MessageToString(config))
