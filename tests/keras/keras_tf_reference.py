"""The TensorFlow side of tests/keras/test_keras_layers_vs_tf.py, run in a subprocess (tf_keras's graph-mode
layers need TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported, which a shared test process cannot
promise).

    python tests/keras/keras_tf_reference.py WORKDIR

For each WORKDIR/NAME.in.npz (the sluice side's weights and inputs), evaluates the same case of
keras_layer_cases on tf.compat.v1 and writes NAME.tf.npz and NAME.tf.json (or NAME.tf.err with the error).
"""
import glob
import json
import os
import sys
import traceback

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import keras_layer_cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def main(workdir):
    for path in sorted(glob.glob(os.path.join(workdir, '*.in.npz'))):
        name = os.path.basename(path)[:-len('.in.npz')]
        try:
            arrays, meta = keras_layer_cases.evaluate(tf, name, dict(np.load(path)))
        except Exception:  # pylint: disable=broad-except
            with open(os.path.join(workdir, name + '.tf.err'), 'w') as f:
                f.write(traceback.format_exc())
            continue
        np.savez(os.path.join(workdir, name + '.tf.npz'), **arrays)
        with open(os.path.join(workdir, name + '.tf.json'), 'w') as f:
            json.dump(meta, f)


if __name__ == '__main__':
    main(sys.argv[1])
