"""slim.nets against TF: a checkpoint TF saved from its randomly initialised net (tf_slim.nets, TF 1.15's
model code) restores into sluice's net by name, and both compute the same logits and end points, in
inference mode for six nets and in training mode (batch statistics, moving-average updates) for one.
Each test also checks the net's variables, end points and collections against TF's. Inputs are the
smallest each net accepts, batch 1 (2 in training mode)."""
import numpy as np
import pytest

from slim_nets_reference import (assert_close_to_scale, sluice_restored_outputs, tf1_and_tf_slim,
                                 tf_checkpoint_and_outputs, NETS)

pytestmark = pytest.mark.tf


def _input(name, batch):
    size = NETS[name][3]
    return np.random.RandomState(0).uniform(-1, 1, [batch, size, size, 3]).astype(np.float32)


@pytest.mark.parametrize('name', ['alexnet_v2', 'vgg_a', 'inception_v1', 'inception_v3', 'resnet_v1_50',
                                  'resnet_v2_50'])
def test_tf_checkpoint_gives_tf_outputs_in_inference(name, tmp_path):
    tf1, tf_slim = tf1_and_tf_slim()
    x = _input(name, 1)
    path = str(tmp_path / 'model.ckpt')
    theirs, their_values, _ = tf_checkpoint_and_outputs(tf1, tf_slim, name, path, x, is_training=False)
    ours, our_values, _ = sluice_restored_outputs(name, path, x, is_training=False)
    assert ours == theirs
    assert sorted(our_values) == sorted(their_values)
    for key in their_values:
        assert_close_to_scale(our_values[key], their_values[key], 1e-4, '%s %s' % (name, key))


def test_training_mode_forward_and_moving_averages_match_tf(tmp_path):
    """resnet_v2_50 with is_training=True (batch statistics) and output_stride 8 (atrous units), so every
    batch norm sees at least 32 values per channel; the moving statistics after one update step too."""
    tf1, tf_slim = tf1_and_tf_slim()
    name = 'resnet_v2_50'
    x = _input(name, 2)
    moving = ['resnet_v2_50/postnorm/moving_mean', 'resnet_v2_50/postnorm/moving_variance',
              'resnet_v2_50/block4/unit_3/bottleneck_v2/conv2/BatchNorm/moving_mean',
              'resnet_v2_50/block1/unit_1/bottleneck_v2/preact/moving_variance']
    path = str(tmp_path / 'model.ckpt')
    theirs, their_values, their_moved = tf_checkpoint_and_outputs(tf1, tf_slim, name, path, x, True, moving,
                                                                  output_stride=8)
    ours, our_values, our_moved = sluice_restored_outputs(name, path, x, True, moving, output_stride=8)
    assert ours == theirs
    assert_close_to_scale(our_values['net'], their_values['net'], 1e-4, 'logits')
    for key in their_values:
        assert_close_to_scale(our_values[key], their_values[key], 5e-4, key)
    for key in moving:
        assert_close_to_scale(our_moved[key], their_moved[key], 1e-5, key)
