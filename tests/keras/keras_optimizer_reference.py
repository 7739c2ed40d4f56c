"""The TensorFlow side of the Keras optimizer comparisons, run in a subprocess (tf_keras's graph-mode
optimizers need TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported).

    python tests/keras/keras_optimizer_reference.py WORKDIR

Runs every run of keras_optimizer_cases.RUNS on tf.compat.v1 with tf.keras (tf_keras's OptimizerV2,
the optimizers TF 1.15 exports) and writes WORKDIR/<run>.npz (arrays) and WORKDIR/<run>.json (meta).
For the runs of TRAVEL it also writes its graph as WORKDIR/<run>.tf.meta, and trains the graph sluice
wrote (WORKDIR/<run>.sluice.meta), writing the variables to WORKDIR/<run>.sluice_in_tf.npz.
"""
import json
import os
import sys

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import keras_optimizer_cases as cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def main(workdir):
    for run in cases.RUNS:
        name = cases.run_name(*run)
        export_to = os.path.join(workdir, name + '.tf.meta') if run in cases.TRAVEL else None
        with tf.Graph().as_default():
            arrays, meta = cases.run(tf, tf.keras, *run, export_to=export_to)
        if run in cases.TRAVEL:
            np.savez(os.path.join(workdir, name + '.sluice_in_tf.npz'),
                     **cases.train_imported(tf, os.path.join(workdir, name + '.sluice.meta')))
        np.savez(os.path.join(workdir, name + '.npz'), **arrays)
        with open(os.path.join(workdir, name + '.json'), 'w') as f:
            json.dump(meta, f)


if __name__ == '__main__':
    main(sys.argv[1])
