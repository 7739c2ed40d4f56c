"""tf.estimator: Estimator, EstimatorSpec, ModeKeys, RunConfig, train_and_evaluate and the training hooks.

Each piece sits in the module named like TF's (estimator, model_fn, run_config, training, inputs,
export); the canned estimators sit in canned/; names of tf.estimator that sluice lacks (exporters, ...) raise an
AttributeError that says so.
"""
from sluice.estimator import experimental, export, inputs  # noqa: F401
from sluice.estimator.canned import (DNNClassifier, DNNEstimator, DNNLinearCombinedClassifier,  # noqa: F401
                                     DNNLinearCombinedEstimator, DNNLinearCombinedRegressor, DNNRegressor,
                                     LinearClassifier, LinearEstimator, LinearRegressor,
                                     classifier_parse_example_spec, regressor_parse_example_spec)
from sluice.estimator.estimator import Estimator  # noqa: F401
from sluice.estimator.mode_keys import ModeKeys  # noqa: F401
from sluice.estimator.model_fn import EstimatorSpec  # noqa: F401
from sluice.estimator.run_config import RunConfig  # noqa: F401
from sluice.estimator.training import EvalSpec, TrainSpec, train_and_evaluate  # noqa: F401
from sluice.training.session_run_hooks import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook,  # noqa: F401
                                               FinalOpsHook, GlobalStepWaiterHook, LoggingTensorHook,
                                               NanLossDuringTrainingError, NanTensorHook, SecondOrStepTimer,
                                               SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues,
                                               StepCounterHook, StopAtStepHook, SummarySaverHook)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.estimator')
