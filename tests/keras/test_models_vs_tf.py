"""Keras models against TensorFlow's graph-mode Keras (tf.compat.v1.keras with tf_keras, in one subprocess):
each case of models_cases.py starts from the same weights on both sides and must agree on layer, weight,
input, output and target names, metrics_names, the History after fit (shuffle=False), evaluate, predict and
the trained weights; sluice's load_weights reads the checkpoints TF's save_weights wrote."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import models_standins

models_standins.install()

import sluice  # noqa: E402
from sluice.keras import backend as K  # noqa: E402

import models_cases  # noqa: E402

pytestmark = pytest.mark.tf
_HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """{case: (sluice arrays, sluice meta, tf arrays, tf meta)} and the work directory."""
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    work = tmp_path_factory.mktemp('models_vs_tf')
    ours = {}
    for name in models_cases.CASES:
        arrays, meta = models_cases.run_case(sluice.keras, name)
        np.savez(str(work / (name + '.in.npz')), **{k: v for k, v in arrays.items() if k.startswith('initial_')})
        ours[name] = (arrays, meta)
    K.clear_session()
    proc = subprocess.run([sys.executable, os.path.join(_HERE, 'models_tf_reference.py'), str(work)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    result = {}
    for name, (arrays, meta) in ours.items():
        with open(str(work / (name + '.tf.json'))) as f:
            result[name] = (arrays, meta, dict(np.load(str(work / (name + '.tf.npz')))), json.load(f))
    return result, work


@pytest.mark.parametrize('name', sorted(models_cases.CASES))
def test_names_match_tensorflow(reference, name):
    _, ours, _, theirs = reference[0][name]
    for key in ('weight_names', 'layer_names', 'input_names', 'output_names', 'target_names', 'metrics_names'):
        assert ours[key] == theirs[key], key
    assert sorted(ours['history']) == sorted(theirs['history'])


@pytest.mark.parametrize('name', sorted(models_cases.CASES))
def test_training_matches_tensorflow(reference, name):
    ours, meta, theirs, theirs_meta = reference[0][name]
    for key in sorted(meta['history']):
        np.testing.assert_allclose(meta['history'][key], theirs_meta['history'][key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(meta['evaluate'], theirs_meta['evaluate'], rtol=1e-5)
    assert sorted(ours) == sorted(theirs)
    for key in sorted(ours):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize('name', sorted(models_cases.CASES))
def test_load_weights_reads_tensorflows_checkpoint(reference, name):
    results, work = reference
    K.clear_session()
    model, _, _ = models_cases.CASES[name](sluice.keras)
    model.load_weights(str(work / (name + '_ckpt') / 'weights'))
    theirs = results[name][2]
    for i, value in enumerate(model.get_weights()):
        np.testing.assert_allclose(value, theirs['final_%d' % i], rtol=1e-6)
