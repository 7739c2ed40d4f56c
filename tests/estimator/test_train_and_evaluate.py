"""tf.estimator.train_and_evaluate in one process: evaluation after checkpoints, throttled, and at the end."""
import os

import numpy as np
import pytest

import sluice as tf

Est = tf.estimator


def _model_fn(features, labels, mode):
    w = tf.get_variable('w', [], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(features['x'] * w - labels))
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=tf.train.get_global_step())
    return Est.EstimatorSpec(mode, loss=loss, train_op=train_op,
                             eval_metric_ops={'w': (tf.identity(w), tf.no_op())})


def _input(epochs=None):
    x = np.linspace(-1, 1, 20).astype(np.float32)
    return Est.inputs.numpy_input_fn({'x': x}, 3 * x, batch_size=5, num_epochs=epochs, shuffle=False)


def _eval_steps(model_dir):
    steps = []
    for name in sorted(os.listdir(os.path.join(model_dir, 'eval'))):
        for event in tf.train.summary_iterator(os.path.join(model_dir, 'eval', name)):
            if any(v.tag == 'loss' for v in event.summary.value):
                steps.append(event.step)
    return steps


def test_evaluates_after_each_checkpoint_and_at_the_end(tmp_path):
    config = Est.RunConfig(save_checkpoints_steps=10, log_step_count_steps=100)
    estimator = Est.Estimator(_model_fn, model_dir=str(tmp_path), config=config)
    metrics, exports = Est.train_and_evaluate(
        estimator, Est.TrainSpec(_input(), max_steps=25), Est.EvalSpec(_input(1), steps=None, throttle_secs=0))
    assert metrics['global_step'] == 25 and exports == []
    assert metrics['w'] == pytest.approx(estimator.get_variable_value('w'))
    assert _eval_steps(str(tmp_path)) == [10, 20, 25]  # not the step-0 checkpoint


def test_throttle_skips_evaluations_but_not_the_last(tmp_path):
    config = Est.RunConfig(save_checkpoints_steps=5, log_step_count_steps=100)
    estimator = Est.Estimator(_model_fn, model_dir=str(tmp_path), config=config)
    metrics, _ = Est.train_and_evaluate(estimator, Est.TrainSpec(_input(), max_steps=20),
                                        Est.EvalSpec(_input(1), steps=2, throttle_secs=3600))
    assert _eval_steps(str(tmp_path)) == [5, 20]
    assert metrics['global_step'] == 20


def test_spec_errors_as_tf():
    with pytest.raises(TypeError, match='`input_fn` must be callable, given: 1'):
        Est.TrainSpec(1)
    with pytest.raises(ValueError, match=r'Must specify max_steps > 0, given: 0'):
        Est.TrainSpec(_input(), max_steps=0)
    with pytest.raises(ValueError, match=r'Must specify steps > 0, given: 0'):
        Est.EvalSpec(_input(), steps=0)
    with pytest.raises(TypeError, match='`name` must be string, given: 1'):
        Est.EvalSpec(_input(), name=1)
    with pytest.raises(ValueError, match=r'Must specify throttle_secs >= 0, given: -1'):
        Est.EvalSpec(_input(), throttle_secs=-1)
    with pytest.raises(TypeError, match='All hooks must be `SessionRunHook` instances'):
        Est.TrainSpec(_input(), hooks=[1])
    spec = Est.EvalSpec(_input())
    assert (spec.steps, spec.start_delay_secs, spec.throttle_secs, spec.name) == (100, 120, 600, None)
    with pytest.raises(TypeError, match='`eval_spec` must have type `tf.estimator.EvalSpec`'):
        Est.train_and_evaluate(None, Est.TrainSpec(_input()), None)
