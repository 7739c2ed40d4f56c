"""tf.contrib.learn: its text preprocessing (VocabularyProcessor) and ModeKeys; the rest of contrib.learn
(its Estimators, Experiment, learn_io, datasets) is not implemented and says so when used.
"""
from sluice.contrib.learn import preprocessing  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__all__ = ['ModeKeys', 'preprocessing']


class ModeKeys:
    """contrib.learn's mode names (deprecated in TF 1.15 for tf.estimator.ModeKeys, where INFER is PREDICT)."""
    TRAIN = 'train'
    EVAL = 'eval'
    INFER = 'infer'

    @classmethod
    def validate(cls, key):
        if key not in (cls.TRAIN, cls.EVAL, cls.INFER):
            raise ValueError('Invalid mode %s.' % key)


__getattr__ = _namespace_getattr(__name__, 'tf.contrib.learn')
