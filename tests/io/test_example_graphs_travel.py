"""Every example's graph travels both ways with TensorFlow (issue #15's goal): sluice builds it with the
example's own code, saves a meta graph and checkpoint, and TF imports them, restores, computes the
outputs, takes one training step and computes them again, all equal to sluice's to 1e-5; and TF builds
the same graph with the same code (the example's `tf` bound to tensorflow.compat.v1), and sluice
imports, restores, steps and compares. TF runs in one subprocess for all cases (example_graphs_tf.py).
"""
import json
import os
import subprocess
import sys
import traceback

import numpy as np
import pytest

import sluice as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import example_graph_cases as cases  # noqa: E402

pytest.importorskip('tensorflow')
pytestmark = pytest.mark.tf

HERE = os.path.dirname(os.path.abspath(__file__))
# TF writes each case as TF 1.x does (control flow v1), and the loop one with control flow v2 too
TF_WRITES = sorted(cases.FROM_TF) + ['char_rnn+cfv2']


def _compare(actual, expected, what):
    assert sorted(actual) == sorted(expected), what
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=1e-5, atol=1e-5, err_msg='%s %s' % (what, key))


def _run_tf(workdir, jobs):
    with open(os.path.join(workdir, 'jobs.json'), 'w') as f:
        json.dump(jobs, f)
    proc = subprocess.run([sys.executable, os.path.join(HERE, 'example_graphs_tf.py'), workdir],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(os.path.join(workdir, 'failures.json')) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def travelled(tmp_path_factory):
    """Runs every case through both directions once: {(direction, name): (expected, actual)}."""
    workdir = str(tmp_path_factory.mktemp('example_graphs'))
    written = {}
    for name, build in cases.TO_TF.items():
        written[name] = cases.write(tf, name, build, os.path.join(workdir, 'sluice'))
    failures = _run_tf(workdir, {'read': {n: meta for n, (meta, _) in written.items()}, 'write': TF_WRITES})
    results = {}
    for name, (meta, result) in written.items():
        if 'read/' + name in failures:
            results['sluice->tf', name] = failures['read/' + name]
            continue
        results['sluice->tf', name] = result, dict(np.load(os.path.join(workdir, 'sluice', name + '.tf.npz')))
    for name in TF_WRITES:
        if 'write/' + name in failures:
            results['tf->sluice', name] = 'TF failed to write it:\n' + failures['write/' + name]
            continue
        with open(os.path.join(workdir, 'tf', name + '.json')) as f:
            meta = json.load(f)
        expected = dict(np.load(os.path.join(workdir, 'tf', name + '.npz')))
        try:
            results['tf->sluice', name] = expected, cases.read(tf, name, meta, os.path.join(workdir, 'tf'))
        except Exception:  # noqa: BLE001 - reported by this case's test
            results['tf->sluice', name] = 'sluice failed:\n' + traceback.format_exc()
    return results


@pytest.mark.parametrize('name', sorted(cases.TO_TF))
def test_sluice_graph_runs_and_trains_in_tensorflow(travelled, name):
    outcome = travelled['sluice->tf', name]
    assert not isinstance(outcome, str), 'TF failed on sluice\'s %s:\n%s' % (name, outcome)
    expected, actual = outcome
    _compare(actual, expected, 'TF running sluice\'s %s' % name)


@pytest.mark.parametrize('name', TF_WRITES)
def test_tensorflow_graph_runs_and_trains_in_sluice(travelled, name):
    outcome = travelled['tf->sluice', name]
    assert not isinstance(outcome, str), '%s:\n%s' % (name, outcome)
    expected, actual = outcome
    _compare(actual, expected, 'sluice running TF\'s %s' % name)
