"""The TensorFlow side of the tf.layers comparisons, run in a subprocess (TF's legacy layers need
TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported, which a shared test process cannot promise).

    python tests/layers/tf_reference.py WORKDIR

For each WORKDIR/NAME.in.npz (written by the sluice side of layer_cases.evaluate), runs the same case
on tf.compat.v1 with those variable values and inputs and writes NAME.tf.npz and NAME.tf.json.
Checkpoint jobs: WORKDIR/restore.json {"ckpt": path} restores the 'cnn' case from a checkpoint sluice
wrote and writes its variables and outputs to restore.tf.npz; WORKDIR/save.json {"ckpt": path} builds
'cnn', initializes it, runs UPDATE_OPS once, saves with tf.train.Saver and writes what it saved and the
inputs and outputs to save.tf.npz.
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

import layer_cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def _cnn_run(ckpt, restore, inputs_value=None):
    graph = tf.Graph()
    with graph.as_default():
        inputs, outputs = layer_cases.CASES['cnn'](tf)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            if restore:
                saver.restore(sess, ckpt)
                value = inputs_value
            else:
                sess.run(tf.global_variables_initializer())
                value = np.random.RandomState(7).uniform(-1, 1, inputs[0].shape.as_list()).astype(np.float32)
                sess.run(updates, {inputs[0]: value})
                saver.save(sess, ckpt)
            arrays = {'var/' + v.op.name: sess.run(v) for v in tf.global_variables()}
            arrays['in/0'] = value
            arrays['out/0'] = sess.run(outputs[0], {inputs[0]: value})
    return arrays


def main(workdir):
    for path in sorted(glob.glob(os.path.join(workdir, '*.in.npz'))):
        name = os.path.basename(path)[:-len('.in.npz')]
        given = dict(np.load(path))
        arrays, meta = layer_cases.evaluate(tf, name, given)
        np.savez(os.path.join(workdir, name + '.tf.npz'), **arrays)
        with open(os.path.join(workdir, name + '.tf.json'), 'w') as f:
            json.dump(meta, f)
    for job, restore in (('restore', True), ('save', False)):
        spec = os.path.join(workdir, job + '.json')
        if os.path.exists(spec):
            with open(spec) as f:
                args = json.load(f)
            value = np.asarray(args['input'], np.float32) if restore else None
            np.savez(os.path.join(workdir, job + '.tf.npz'), **_cnn_run(args['ckpt'], restore, value))


if __name__ == '__main__':
    main(sys.argv[1])
