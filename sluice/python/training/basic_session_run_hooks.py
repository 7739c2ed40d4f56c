"""`tensorflow.python.training.basic_session_run_hooks`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.train).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.train import (CheckpointSaverHook, CheckpointSaverListener, FeedFnHook, FinalOpsHook,  # noqa: F401
                          GlobalStepWaiterHook, LoggingTensorHook, NanLossDuringTrainingError,
                          NanTensorHook, ProfilerHook, SecondOrStepTimer, StepCounterHook,
                          StopAtStepHook, SummarySaverHook)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.basic_session_run_hooks')
