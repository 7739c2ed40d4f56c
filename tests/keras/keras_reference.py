"""Runs a module of Keras cases on TensorFlow (tf.compat.v1 with tf_keras, in a subprocess: the legacy
Keras needs TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported) and on sluice, for comparison.

A cases module defines KERAS_MODULES (the tf.keras submodules it uses) and CASES = {name: build};
build(tf, keras) runs in a fresh graph and returns either {key: tensor} (fetched after running
tf.global_variables_initializer()) or a callable(sess) -> {key: value}.
Inputs come from NumPy with fixed seeds, so both sides see the same numbers.

    python tests/keras/keras_reference.py CASES_MODULE OUT.npz [CASE ...]
"""
import os
import subprocess
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))


def run_cases(tf, keras, cases, only=None):
    """{'case/key': array} for every case (or those named in `only`), each built in its own graph."""
    out = {}
    for name, build in cases.items():
        if only and name not in only:
            continue
        graph = tf.Graph()
        with graph.as_default():
            built = build(tf, keras)
            with tf.Session() as sess:
                if callable(built):
                    values = built(sess)
                else:
                    sess.run(tf.global_variables_initializer())
                    values = sess.run(built)
        for key, value in values.items():
            out['%s/%s' % (name, key)] = np.asarray(value)
    return out


def tensorflow_values(cases_module, tmp_dir, only=()):
    """Runs the cases module (the cases in `only`, or all) on TensorFlow in a subprocess and returns its
    {'case/key': array}."""
    path = os.path.join(str(tmp_dir), cases_module + '.tf.npz')
    env = dict(os.environ, TF_USE_LEGACY_KERAS='1', TF_CPP_MIN_LOG_LEVEL='3')
    subprocess.run([sys.executable, os.path.abspath(__file__), cases_module, path] + list(only), check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return dict(np.load(path))


def case_keys(cases_module, only=()):
    """The 'case/key' names a cases module produces (from a sluice run: the keys do not depend on the side)."""
    return sorted(sluice_values(cases_module, only))


def sluice_values(cases_module, only=()):
    import importlib

    import sluice as tf
    import sluice.keras as keras
    module = importlib.import_module(cases_module)
    for name in module.KERAS_MODULES:  # the submodules the cases use, as attributes of sluice.keras
        importlib.import_module('sluice.keras.' + name)
    return run_cases(tf, keras, module.CASES, only)


def both_sides(cases_module, tmp_path_factory, only=()):
    """(sluice's, TensorFlow's) {'case/key': array}; skips the test without TensorFlow and tf_keras."""
    import pytest
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    theirs = tensorflow_values(cases_module, tmp_path_factory.mktemp(cases_module), only)
    return sluice_values(cases_module, only), theirs


def main(cases_module, path, *only):
    import importlib
    sys.path.insert(0, _HERE)
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    np.savez(path, **run_cases(tf, tf.keras, importlib.import_module(cases_module).CASES, only))


if __name__ == '__main__':
    main(*sys.argv[1:])
