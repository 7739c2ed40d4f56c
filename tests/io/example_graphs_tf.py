"""The TensorFlow side of test_example_graphs_travel.py, run in a subprocess (TF's legacy layers need
TF_USE_LEGACY_KERAS=1 before TensorFlow is first imported).

    python tests/io/example_graphs_tf.py WORKDIR

WORKDIR/jobs.json: {"read": {name: meta}, "write": [label, ...]}. Each read job imports
WORKDIR/sluice/<name> (written by sluice) and writes WORKDIR/sluice/<name>.tf.npz; each write job
builds a case with the example's code on TF (as TF 1.x does: control flow v1; a label
'<name>+cfv2' builds it with control flow v2), saves it under WORKDIR/tf/<label> and writes its
outputs to WORKDIR/tf/<label>.npz and its names to WORKDIR/tf/<label>.json. A job that raises is
recorded in WORKDIR/failures.json (its traceback) and the others go on.
"""
import json
import os
import sys
import traceback

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

import example_graph_cases as cases  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)


def _sequence_loss(logits, targets, weights):
    """TF 1.15's tf.contrib.seq2seq.sequence_loss (averaged over time and batch), which the char_rnn
    example calls and TF 2.x no longer has: the weighted mean of the per-step cross-entropies."""
    classes = tf.shape(logits)[2]
    crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.reshape(targets, [-1]),
                                                              logits=tf.reshape(logits, [-1, classes]))
    crossent = tf.reduce_sum(crossent * tf.reshape(weights, [-1]))
    return crossent / (tf.reduce_sum(weights) + 1e-12)


tf.contrib = type('contrib', (), {'seq2seq': type('seq2seq', (), {'sequence_loss': staticmethod(_sequence_loss)})})


def main(workdir):
    with open(os.path.join(workdir, 'jobs.json')) as f:
        jobs = json.load(f)
    failures = {}
    for name, meta in jobs['read'].items():
        try:
            result = cases.read(tf, name, meta, os.path.join(workdir, 'sluice'))
        except Exception:  # noqa: BLE001 - reported to the test of this case
            failures['read/' + name] = traceback.format_exc()
            continue
        np.savez(os.path.join(workdir, 'sluice', name + '.tf.npz'), **result)
    for label in jobs['write']:
        name, _, flavour = label.partition('+')
        if flavour == 'cfv2':
            tf.enable_control_flow_v2()
        try:
            meta, result = cases.write(tf, label, cases.FROM_TF[name], os.path.join(workdir, 'tf'))
        except Exception:  # noqa: BLE001
            failures['write/' + label] = traceback.format_exc()
            continue
        finally:
            tf.disable_control_flow_v2()
        np.savez(os.path.join(workdir, 'tf', label + '.npz'), **result)
        with open(os.path.join(workdir, 'tf', label + '.json'), 'w') as f:
            json.dump(meta, f)
    with open(os.path.join(workdir, 'failures.json'), 'w') as f:
        json.dump(failures, f)


if __name__ == '__main__':
    main(sys.argv[1])
