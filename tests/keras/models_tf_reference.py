"""The TensorFlow side of the Keras model comparisons, run in a subprocess (TF's graph-mode Keras needs
TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported, which a shared test process cannot promise).

    python tests/keras/models_tf_reference.py WORKDIR

For each WORKDIR/NAME.in.npz (the sluice side's initial weights, 'initial_<i>'), runs models_cases' NAME on
tf.compat.v1.keras from those weights and writes NAME.tf.npz, NAME.tf.json
and the trained weights with save_weights to NAME_ckpt/weights (TF's checkpoint format).
"""
import glob
import json
import os
import sys

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import models_cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def main(workdir):
    for path in sorted(glob.glob(os.path.join(workdir, '*.in.npz'))):
        name = os.path.basename(path)[:-len('.in.npz')]
        given = np.load(path)
        weights = [given['initial_%d' % i] for i in range(len(given.files))]
        arrays, meta = models_cases.run_case(tf.keras, name, weights)
        # TF's own checkpoint of the trained weights (object-based keys), for sluice's load_weights
        tf.keras.backend.get_session()
        models_cases.LAST_MODEL[0].save_weights(os.path.join(workdir, name + '_ckpt', 'weights'))
        np.savez(os.path.join(workdir, name + '.tf.npz'), **arrays)
        with open(os.path.join(workdir, name + '.tf.json'), 'w') as f:
            json.dump(meta, f)


if __name__ == '__main__':
    main(sys.argv[1])
