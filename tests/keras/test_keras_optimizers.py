"""tf.keras.optimizers against TensorFlow's (tf_keras's graph-mode OptimizerV2, in one subprocess), and
the optimizers' API on their own.

(The module is not test_optimizers.py: tests/training/test_optimizers.py holds that basename.)
Each run of keras_optimizer_cases starts from the same weights on both sides and takes three steps:
the weights after every step, the optimizer's weights (iteration counter, slots) and their names,
the global variables (hyper variables '<name>/learning_rate', ...), get_config and the update op
types (ResourceApplyAdam, ResourceApplyKerasMomentum, ...) must agree. The training graphs of the
TRAVEL runs cross as MetaGraphs both ways and train to the same state.
"""
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import sluice as tf
from sluice.keras import optimizers

import keras_optimizer_cases as cases

_HERE = os.path.dirname(os.path.abspath(__file__))
_KERAS = types.SimpleNamespace(optimizers=optimizers)
_RUN_NAMES = [cases.run_name(*run) for run in cases.RUNS]


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """{run name: (sluice arrays, sluice meta, tf arrays, tf meta)}."""
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    work = tmp_path_factory.mktemp('keras_optimizers_vs_tf')
    ours = {}
    for run in cases.RUNS:
        name = cases.run_name(*run)
        export_to = str(work / (name + '.sluice.meta')) if run in cases.TRAVEL else None
        with tf.Graph().as_default():
            arrays, meta = cases.run(tf, _KERAS, *run, export_to=export_to)
        ours[name] = (arrays, json.loads(json.dumps(meta)))
    proc = subprocess.run([sys.executable, os.path.join(_HERE, 'keras_optimizer_reference.py'), str(work)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    result = {}
    for run in cases.RUNS:
        name = cases.run_name(*run)
        with open(str(work / (name + '.json'))) as f:
            theirs_meta = json.load(f)
        if run[0].startswith('ftrl'):  # tf_keras's Ftrl has a `beta` hyper TF 1.15's has not
            theirs_meta['globals'].remove('Ftrl/beta:0')
            del theirs_meta['config']['beta']
        result[name] = ours[name] + (dict(np.load(str(work / (name + '.npz')))), theirs_meta)
        if run in cases.TRAVEL:
            result[name + '/travel'] = (cases.train_imported(tf, str(work / (name + '.tf.meta'))),
                                        dict(np.load(str(work / (name + '.sluice_in_tf.npz')))))
    return result


@pytest.mark.tf
@pytest.mark.parametrize('name', _RUN_NAMES)
def test_steps_match_tensorflow(reference, name):
    ours, _, theirs, _ = reference[name]
    assert sorted(ours) == sorted(theirs)
    for key in sorted(ours):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.tf
@pytest.mark.parametrize('name', _RUN_NAMES)
def test_names_config_and_ops_match_tensorflow(reference, name):
    _, ours, _, theirs = reference[name]
    assert ours['weights'] == theirs['weights']
    assert ours['globals'] == theirs['globals']
    assert ours['update_types'] == theirs['update_types']
    assert sorted(ours['config']) == sorted(theirs['config'])
    for key, value in ours['config'].items():
        if isinstance(value, float):
            assert value == pytest.approx(theirs['config'][key], rel=1e-6), key
        else:
            assert value == theirs['config'][key], key


@pytest.mark.tf
@pytest.mark.parametrize('name', [cases.run_name(*run) for run in cases.TRAVEL])
def test_training_graphs_travel_both_ways(reference, name):
    """TF's graph trains in sluice, and sluice's in TF, to the weights and optimizer state of the run."""
    ours, _, theirs, _ = reference[name]
    tf_graph_in_sluice, sluice_graph_in_tf = reference[name + '/travel']
    # tf_keras's Ftrl also has a `beta` hyper variable, which TF 1.15's has not
    assert sorted(set(tf_graph_in_sluice) - {'Ftrl/beta'}) == sorted(sluice_graph_in_tf)
    last = cases.STEPS - 1
    for values, expected in ((tf_graph_in_sluice, theirs), (sluice_graph_in_tf, ours)):
        np.testing.assert_allclose(values['w'], expected['w/%d' % last], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(values['b'], expected['b/%d' % last], rtol=1e-5, atol=1e-6)
        for key in expected:
            if key.startswith('opt/'):
                np.testing.assert_allclose(values[key[len('opt/'):-len(':0')]], expected[key], rtol=1e-5, atol=1e-6,
                                           err_msg=key)
