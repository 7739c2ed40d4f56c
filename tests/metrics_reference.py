"""Runs one tf.metrics call in sluice and in TensorFlow 2.21 compat.v1 over the same batches.

run_metric builds `build(module, labels, predictions, weights)` in a fresh graph of the given module,
feeds each batch to the update op, and returns the update results, the final value, the local variable
names and the value/update tensor names, so that tests can compare sluice with TF field by field."""
import numpy as np
import pytest

import sluice


def tf1():
    tf = pytest.importorskip('tensorflow')
    tf.compat.v1.disable_v2_behavior()
    return tf.compat.v1


def run_metric(mod, build, batches, label_dtype='float32', pred_dtype='float32', shape=(None,)):
    graph = mod.Graph()
    with graph.as_default():
        shape = None if shape is None else list(shape)  # None: unknown rank, reshaped by `build`
        labels = mod.placeholder(getattr(mod, label_dtype), shape)
        preds = mod.placeholder(getattr(mod, pred_dtype), shape)
        weights = mod.placeholder(mod.float32, shape)
        value, update = build(mod, labels, preds, weights)
        names = [v.name for v in mod.local_variables()]
        metric_vars = [v.name for v in mod.get_collection(mod.GraphKeys.METRIC_VARIABLES)]
        init = mod.local_variables_initializer()
        with mod.Session(graph=graph) as sess:
            sess.run(init)
            updates = []
            for batch in batches:
                feed = {labels: batch[0], preds: batch[1]}
                if len(batch) > 2:
                    feed[weights] = batch[2]
                updates.append(sess.run(update, feed))
            final = sess.run(value)
    return {'updates': updates, 'value': final, 'locals': names, 'metric_vars': metric_vars,
            'names': (value.name, update.name)}


def compare(build, batches, rtol=1e-5, atol=1e-6, check_names=True, **kw):
    """Asserts that sluice and TF agree; returns sluice's result."""
    ref = run_metric(tf1(), build, batches, **kw)
    got = run_metric(sluice, build, batches, **kw)
    for a, b in zip(got['updates'], ref['updates']):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    np.testing.assert_allclose(got['value'], ref['value'], rtol=rtol, atol=atol)
    assert got['locals'] == ref['locals']
    assert got['metric_vars'] == ref['metric_vars']
    if check_names:
        assert got['names'] == ref['names']
    return got
