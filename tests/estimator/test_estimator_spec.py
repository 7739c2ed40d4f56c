"""tf.estimator.EstimatorSpec, ModeKeys, RunConfig and the export outputs: TF 1.15's values and errors."""
import pytest

import sluice as tf

Est = tf.estimator


def _loss():
    return tf.reduce_sum(tf.constant([1.0, 2.0]))


def test_mode_keys():
    assert (Est.ModeKeys.TRAIN, Est.ModeKeys.EVAL, Est.ModeKeys.PREDICT) == ('train', 'eval', 'infer')


def test_required_fields_per_mode():
    with pytest.raises(ValueError, match='Missing train_op.'):
        Est.EstimatorSpec(Est.ModeKeys.TRAIN, loss=_loss())
    with pytest.raises(ValueError, match='Missing loss.'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL)
    with pytest.raises(ValueError, match='Missing predictions.'):
        Est.EstimatorSpec(Est.ModeKeys.PREDICT)
    spec = Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss())
    assert spec.predictions == {} and spec.eval_metric_ops == {} and spec.training_hooks == ()
    assert isinstance(spec.scaffold, tf.train.Scaffold) and spec.export_outputs is None


def test_loss_shape_and_types():
    with pytest.raises(ValueError, match='Loss must be scalar, given: '):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match='loss must be Tensor, given: 1.0'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=1.0)
    spec = Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=tf.constant([3.0]))
    assert spec.loss.shape.as_list() == []
    with pytest.raises(TypeError, match='train_op must be Operation or Tensor, given: 3'):
        Est.EstimatorSpec(Est.ModeKeys.TRAIN, loss=_loss(), train_op=3)
    with pytest.raises(TypeError, match=r'predictions\[a\] must be Tensor, given: 1'):
        Est.EstimatorSpec(Est.ModeKeys.PREDICT, predictions={'a': 1})


def test_tensors_must_come_from_the_default_graph():
    other = tf.Graph()
    with other.as_default():
        foreign = tf.constant(1.0, name='foreign')
    with pytest.raises(ValueError, match='loss with "foreign:0" must be from the default graph'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=foreign)


def test_eval_metric_ops_and_hooks_checked():
    with pytest.raises(TypeError, match='eval_metric_ops must be a dict, given: 1'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss(), eval_metric_ops=1)
    with pytest.raises(TypeError, match=r'Values of eval_metric_ops must be \(metric_value, update_op\) tuples'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss(), eval_metric_ops={'m': _loss()})
    with pytest.raises(TypeError, match='All hooks must be SessionRunHook instances, given: x'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss(), evaluation_hooks=['x'])
    with pytest.raises(TypeError, match='scaffold must be tf.train.Scaffold. Given: 1'):
        Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss(), scaffold=1)


def test_replace_keeps_mode():
    spec = Est.EstimatorSpec(Est.ModeKeys.EVAL, loss=_loss())
    assert spec._replace(loss=tf.constant(2.0)).mode == Est.ModeKeys.EVAL
    with pytest.raises(ValueError, match='mode of EstimatorSpec cannot be changed.'):
        spec._replace(mode=Est.ModeKeys.TRAIN)


def test_export_outputs():
    scores = tf.constant([[0.2, 0.8]])
    spec = Est.EstimatorSpec(Est.ModeKeys.PREDICT, predictions=scores)
    (key, output), = spec.export_outputs.items()
    assert key == 'serving_default' and output.outputs == {'output': scores}
    classify = Est.export.ClassificationOutput(scores=scores)
    spec = Est.EstimatorSpec(Est.ModeKeys.PREDICT, predictions=scores, export_outputs={'head': classify})
    assert spec.export_outputs == {'head': classify, 'serving_default': classify}
    with pytest.raises(ValueError, match='Multiple export_outputs were provided, but none of them is specified'):
        Est.EstimatorSpec(Est.ModeKeys.PREDICT, predictions=scores,
                          export_outputs={'a': classify, 'b': Est.export.RegressionOutput(scores)})
    with pytest.raises(TypeError, match='Values in export_outputs must be ExportOutput objects.'):
        Est.EstimatorSpec(Est.ModeKeys.PREDICT, predictions=scores, export_outputs={'a': 1})
    with pytest.raises(ValueError, match='Classification classes must be a string Tensor'):
        Est.export.ClassificationOutput(classes=tf.constant([1]))
    with pytest.raises(ValueError, match='At least one of scores and classes must be set.'):
        Est.export.ClassificationOutput()
    with pytest.raises(ValueError, match='Regression output value must be a float32 Tensor'):
        Est.export.RegressionOutput(tf.constant([1]))
    with pytest.raises(ValueError, match='Prediction output key must be a string; got 1.'):
        Est.export.PredictOutput({1: scores})
    with pytest.raises(ValueError, match='Classification input must be a single string Tensor'):
        classify.as_signature_def({})
    with pytest.raises(AttributeError, match='sluice does not implement tf.estimator.export.TrainOutput'):
        Est.export.TrainOutput  # noqa: B018


def test_run_config_defaults_and_replace():
    config = Est.RunConfig()
    assert (config.save_checkpoints_secs, config.save_checkpoints_steps) == (600, None)
    assert (config.save_summary_steps, config.keep_checkpoint_max, config.log_step_count_steps) == (100, 5, 100)
    assert config.keep_checkpoint_every_n_hours == 10000 and config.tf_random_seed is None
    assert config.is_chief and config.num_worker_replicas == 1 and config.model_dir is None
    steps = Est.RunConfig(save_checkpoints_steps=50)
    assert (steps.save_checkpoints_secs, steps.save_checkpoints_steps) == (None, 50)
    replaced = steps.replace(save_checkpoints_secs=30, tf_random_seed=3)
    assert (replaced.save_checkpoints_secs, replaced.save_checkpoints_steps, replaced.tf_random_seed) == (30, None, 3)
    assert steps.save_checkpoints_steps == 50  # replace copies
    with pytest.raises(ValueError, match='`save_checkpoints_steps` and `save_checkpoints_secs` cannot be both set.'):
        Est.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    with pytest.raises(ValueError, match='Replacing master is not supported.'):
        config.replace(master='x')
    with pytest.raises(ValueError, match='log_step_count_steps should be > 0'):
        Est.RunConfig(log_step_count_steps=0)
    with pytest.raises(ValueError, match='tf_random_seed must be integer.'):
        Est.RunConfig(tf_random_seed=1.5)
    with pytest.raises(ValueError, match='session_config must be instance of ConfigProto'):
        Est.RunConfig(session_config={})
    with pytest.raises(NotImplementedError, match='distribution strategies'):
        Est.RunConfig(train_distribute=object())


def test_estimator_fills_session_config_and_checks_model_dir(tmp_path):
    e = Est.Estimator(lambda features: None, model_dir=str(tmp_path))
    assert e.config.session_config.allow_soft_placement
    assert e.model_dir == str(tmp_path) and e.params == {}
    with pytest.raises(ValueError, match='`model_dir` are set both in constructor and `RunConfig`'):
        Est.Estimator(lambda features: None, model_dir=str(tmp_path), config=Est.RunConfig(model_dir='/other'))
    with pytest.raises(ValueError, match='config must be an instance of `RunConfig`'):
        Est.Estimator(lambda features: None, config={})


def test_unimplemented_names_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.estimator.BaselineClassifier yet'):
        Est.BaselineClassifier  # noqa: B018
    with pytest.raises(AttributeError, match='sluice does not implement tf.estimator.inputs.pandas_input_fn yet'):
        Est.inputs.pandas_input_fn  # noqa: B018
