"""tf.layers against TensorFlow 1.x's (tf.compat.v1.layers with tf_keras's legacy layers, in one subprocess):
each case of layer_cases.py starts from the same variable values and inputs on both sides, and the
outputs, the gradients with respect to inputs and trainable variables, the regularization losses, the
variables after one run of UPDATE_OPS, the variable names per collection, and the output names and
static shapes must agree. Checkpoints of the tf.layers MNIST CNN cross both ways through tf.train.Saver.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf

import layer_cases

pytestmark = pytest.mark.tf
_HERE = os.path.dirname(os.path.abspath(__file__))
# output names that differ by construction: tf.cond's result is 'cond:0' (an If node) in sluice and
# 'cond/Merge:0' in TF 1.x
_COND_OUTPUT_NAMES = {'batch_norm_training_tensor', 'dropout_inference'}


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """{case: (sluice arrays, sluice meta, tf arrays, tf meta)}, plus the checkpoint exchanges."""
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    work = tmp_path_factory.mktemp('layers_vs_tf')
    ours = {}
    for name in layer_cases.CASES:
        tf.reset_default_graph()
        arrays, meta = layer_cases.evaluate(tf, name)
        np.savez(str(work / (name + '.in.npz')), **arrays)
        ours[name] = (arrays, meta)
    sluice_ckpt = _save_sluice_cnn(str(work / 'sluice_ckpt' / 'model.ckpt'))
    with open(str(work / 'restore.json'), 'w') as f:
        json.dump({'ckpt': sluice_ckpt['path'], 'input': sluice_ckpt['in/0'].tolist()}, f)
    with open(str(work / 'save.json'), 'w') as f:
        json.dump({'ckpt': str(work / 'tf_ckpt' / 'model.ckpt')}, f)
    proc = subprocess.run([sys.executable, os.path.join(_HERE, 'tf_reference.py'), str(work)], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    result = {}
    for name, (arrays, meta) in ours.items():
        with open(str(work / (name + '.tf.json'))) as f:
            theirs_meta = json.load(f)
        result[name] = (arrays, meta, dict(np.load(str(work / (name + '.tf.npz')))), theirs_meta)
    result['_restore'] = (sluice_ckpt, dict(np.load(str(work / 'restore.tf.npz'))))
    result['_save'] = (str(work / 'tf_ckpt' / 'model.ckpt'), dict(np.load(str(work / 'save.tf.npz'))))
    return result


def _save_sluice_cnn(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.reset_default_graph()
    inputs, outputs = layer_cases.CASES['cnn'](tf)
    value = np.random.RandomState(3).uniform(-1, 1, inputs[0].shape.as_list()).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.get_collection(tf.GraphKeys.UPDATE_OPS), {inputs[0]: value})
        saved = tf.train.Saver().save(sess, path)
        arrays = {'var/' + v.op.name: sess.run(v) for v in tf.global_variables()}
        arrays['out/0'] = sess.run(outputs[0], {inputs[0]: value})
    arrays['in/0'], arrays['path'] = value, saved
    return arrays


@pytest.mark.parametrize('name', sorted(layer_cases.CASES))
def test_values_and_gradients_match_tensorflow(reference, name):
    ours, _, theirs, _ = reference[name]
    assert sorted(ours) == sorted(theirs)
    for key in sorted(ours):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, atol=2e-5, err_msg=key)


@pytest.mark.parametrize('name', sorted(layer_cases.CASES))
def test_names_and_collections_match_tensorflow(reference, name):
    _, ours, _, theirs = reference[name]
    for key in ('global', 'trainable', 'updates', 'regularization'):
        assert ours[key] == theirs[key], key
    # a conditional update is the If node in sluice and cond's Merge in TF 1.x
    assert ours['update_types'] == sorted(set('If' if t == 'Merge' else t for t in theirs['update_types']))
    assert [s for _, s in ours['outputs']] == [s for _, s in theirs['outputs']]
    for (ours_name, _), (theirs_name, _) in zip(ours['outputs'], theirs['outputs']):
        # a dilated convolution ends in BatchToSpaceND in TF 1.x (sluice sets the op's dilations attr)
        if name not in _COND_OUTPUT_NAMES and 'BatchToSpaceND' not in theirs_name:
            assert ours_name == theirs_name


def test_sluice_checkpoint_restores_in_tensorflow(reference):
    ours, theirs = reference['_restore']
    for key, value in theirs.items():
        np.testing.assert_allclose(value, ours[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert sorted(k for k in ours if k.startswith('var/')) == sorted(k for k in theirs if k.startswith('var/'))


def test_tensorflow_checkpoint_restores_in_sluice(reference):
    path, theirs = reference['_save']
    inputs, outputs = layer_cases.CASES['cnn'](tf)
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, path)
        for v in tf.global_variables():
            np.testing.assert_allclose(sess.run(v), theirs['var/' + v.op.name], err_msg=v.op.name)
        out = sess.run(outputs[0], {inputs[0]: theirs['in/0']})
    np.testing.assert_allclose(out, theirs['out/0'], rtol=2e-4, atol=2e-5)
