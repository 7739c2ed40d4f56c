"""The TensorFlow side of the recurrent-layer comparisons, run in a subprocess (tf_keras's v1 layers need
TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported, which a shared test process cannot promise).

    python tests/keras/rnn_tf_reference.py WORKDIR

For each WORKDIR/NAME.in.npz (weights w0.., feeds f0.. written by the sluice side), builds case NAME of
rnn_cases.py with tf.compat.v1.keras, sets those weights and writes NAME.tf.npz: outputs o0.., gradients
g0.. (absent where TF's is None) and the weight names as `names`.
"""
import glob
import os
import sys

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import rnn_cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def _ordered(arrays, prefix):
    return [arrays[prefix + str(i)] for i in range(len([k for k in arrays if k.startswith(prefix)]))]


def main(workdir):
    for path in sorted(glob.glob(os.path.join(workdir, '*.in.npz'))):
        name = os.path.basename(path)[:-len('.in.npz')]
        given = dict(np.load(path))
        tf.reset_default_graph()
        tf.keras.backend.clear_session()
        outs, grads, names, _, _ = rnn_cases.evaluate(tf.keras.layers, tf.keras.backend, tf.gradients, name,
                                                      _ordered(given, 'w'), _ordered(given, 'f'))
        arrays = {'o%d' % i: v for i, v in enumerate(outs)}
        arrays.update({'g%d' % i: v for i, v in enumerate(grads) if v is not None})
        arrays['names'] = np.array(names)
        np.savez(os.path.join(workdir, name + '.tf.npz'), **arrays)


if __name__ == '__main__':
    main(sys.argv[1])
