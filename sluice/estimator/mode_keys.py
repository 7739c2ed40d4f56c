"""tf.estimator.ModeKeys: the three modes a model_fn is called in (TF's string values)."""

__all__ = ['ModeKeys']


class ModeKeys:
    """Standard names for Estimator modes: TRAIN ('train'), EVAL ('eval'), PREDICT ('infer')."""
    TRAIN = 'train'
    EVAL = 'eval'
    PREDICT = 'infer'
