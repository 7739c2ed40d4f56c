"""tf.contrib.tensorboard.plugins.projector: the config file visualize_embeddings writes.

TF 1.15's projector module writes the ProjectorConfig in text format to
<logdir>/projector_config.pbtxt; TensorBoard's own copy of the message (package
tensorboard.projector, same fields and numbers) parses it.
"""
import os

import pytest

import sluice as tf
from sluice.contrib.tensorboard.plugins import projector


def _config():
    config = projector.ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = 'embed_matrix'
    embedding.metadata_path = 'vocab_1000.tsv'
    embedding.sprite.image_path = 'sprite.png'
    embedding.sprite.single_image_dim.extend([28, 28])
    return config


def test_visualize_embeddings_writes_pbtxt_in_logdir(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    projector.visualize_embeddings(writer, _config())
    writer.close()
    text = (tmp_path / 'projector_config.pbtxt').read_text()
    assert text == ('embeddings {\n  tensor_name: "embed_matrix"\n  metadata_path: "vocab_1000.tsv"\n'
                    '  sprite {\n    image_path: "sprite.png"\n    single_image_dim: 28\n    single_image_dim: 28\n'
                    '  }\n}\n')


def test_written_config_parses_as_tensorboards_message(tmp_path):
    tb_projector = pytest.importorskip('tensorboard.plugins.projector.projector_config_pb2')
    from google.protobuf import text_format
    writer = tf.summary.FileWriter(str(tmp_path))
    projector.visualize_embeddings(writer, _config())
    parsed = text_format.Parse((tmp_path / 'projector_config.pbtxt').read_text(), tb_projector.ProjectorConfig())
    assert parsed.SerializeToString() == _config().SerializeToString()


def test_reached_from_tf_contrib():
    assert tf.contrib.tensorboard.plugins.projector.ProjectorConfig is projector.ProjectorConfig
    assert os.path.basename(projector.__file__) == '__init__.py'
