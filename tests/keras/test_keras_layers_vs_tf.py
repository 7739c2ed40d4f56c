"""tf.keras.layers against TensorFlow's (tf.compat.v1 with tf_keras's graph-mode layers, in one subprocess):
each case of keras_layer_cases.py starts from the same weights and inputs on both sides; outputs (inference
and, for deterministic layers, training phase), masks, the weights after one run of the layers' updates
(BatchNormalization's moving statistics), weight names, output names, static and computed output shapes and
config keys must agree.

Where tf_keras 2.x differs from TF 1.15, sluice follows TF 1.15 (the differences are listed below)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf
import sluice.keras.layers  # noqa: F401

import keras_layer_cases

pytestmark = pytest.mark.tf
_HERE = os.path.dirname(os.path.abspath(__file__))

# Output names that differ by construction: tf.cond's result is 'cond:0' (an If node) in sluice and
# 'cond/Merge:0' in TF 1.x. TF 1.15's batch_dot ends 2-D products with ExpandDims, its ELU uses `where`
# (Select) and LayerNormalization tf.nn.batch_normalization, its selu is scale * K.elu(x, alpha); tf_keras 2.x
# builds these differently.
_TF115_NAMES = {'activation_selu': ['activation/mul_1:0'], 'dot_2d': ['dot/ExpandDims:0'],
                'dot_normalize': ['dot/ExpandDims:0'], 'elu': ['elu/Select:0'],
                'layer_norm': ['layer_normalization/batchnorm/add_1:0']}
# Config keys tf_keras added after TF 1.15 ('groups', 'keepdims', the noise layers' 'seed'); TF 1.15's
# separable convolutions drop the kernel_* keys their base class has.
_NEWER_KEYS = {'groups', 'keepdims', 'seed'}
_SEPARABLE_DROPPED = {'kernel_initializer', 'kernel_regularizer', 'kernel_constraint'}


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    work = tmp_path_factory.mktemp('keras_layers_vs_tf')
    ours = {}
    for name in keras_layer_cases.CASES:
        arrays, meta = keras_layer_cases.evaluate(tf, name)
        np.savez(str(work / (name + '.in.npz')), **arrays)
        ours[name] = (arrays, meta)
    subprocess.run([sys.executable, os.path.join(_HERE, 'keras_tf_reference.py'), str(work)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    results = {}
    for name, (arrays, meta) in ours.items():
        err = work / (name + '.tf.err')
        if err.exists():
            results[name] = (arrays, meta, None, err.read_text())
            continue
        theirs = dict(np.load(str(work / (name + '.tf.npz'))))
        with open(str(work / (name + '.tf.json'))) as f:
            results[name] = (arrays, meta, theirs, json.load(f))
    return results


def _expected_cond_name(name):
    return name.replace('/Merge:0', ':0')


@pytest.mark.parametrize('name', sorted(keras_layer_cases.CASES))
def test_layer_matches_tf(reference, name):
    arrays, meta, theirs, their_meta = reference[name]
    if theirs is None:
        pytest.fail('TensorFlow failed on case %s:\n%s' % (name, their_meta))
    assert sorted(arrays) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(arrays[key], theirs[key], rtol=1e-5, atol=1e-5, err_msg=key)
    for key in ('weights', 'trainable', 'static_shapes', 'computed_shapes', 'layer_names', 'n_updates'):
        assert meta[key] == their_meta[key], key
    assert meta['outputs'] == _TF115_NAMES.get(name, [_expected_cond_name(n) for n in their_meta['outputs']])
    for ours, theirs_keys in zip(meta['config_keys'], their_meta['config_keys']):
        theirs_keys = set(theirs_keys) - _NEWER_KEYS
        if 'separable' in name:
            theirs_keys -= _SEPARABLE_DROPPED
        assert set(ours) - {'seed'} == theirs_keys - {'seed'} or set(ours) == theirs_keys
