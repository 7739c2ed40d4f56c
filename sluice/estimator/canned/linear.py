"""LinearClassifier / LinearRegressor / LinearEstimator (TF 1.15 v1, canned/linear.py).

Logits: linear_model(features, feature_columns, units, sparse_combiner) in variable scope 'linear', so the
variables are 'linear/linear_model/<column>/weights' and 'linear/linear_model/bias_weights'. The default
optimizer is Ftrl with rate min(0.2, 1/sqrt(number of feature columns)).
"""
import math

from sluice.estimator.canned import head as head_lib
from sluice.estimator.canned.dnn import _validate_features
from sluice.estimator.canned.optimizers import get_optimizer_instance
from sluice.estimator.estimator import Estimator
from sluice.feature_column.feature_layers import linear_model
from sluice.ops import summary_ops, variable_scope

__all__ = ['LinearClassifier', 'LinearRegressor', 'LinearEstimator', 'linear_logits']

_LEARNING_RATE = 0.2


def default_learning_rate(num_feature_columns, ceiling=_LEARNING_RATE):
    return min(ceiling, 1.0 / math.sqrt(num_feature_columns))


def linear_logits(features, units, feature_columns, sparse_combiner):
    """linear_model's logits [batch, units] in the current variable scope, with a histogram of the bias."""
    cols_to_vars = {}
    logits = linear_model(features, feature_columns, units=units, sparse_combiner=sparse_combiner,
                          cols_to_vars=cols_to_vars)
    summary_ops.histogram('bias', cols_to_vars['bias'][0])
    return logits


def _linear_model_fn(features, labels, mode, head, feature_columns, optimizer, sparse_combiner):
    _validate_features(features)
    optimizer = get_optimizer_instance(optimizer, learning_rate=default_learning_rate(len(feature_columns)))
    with variable_scope.variable_scope('linear', values=tuple(features.values())):
        logits = linear_logits(features, head.logits_dimension, feature_columns, sparse_combiner)
    return head.create_estimator_spec(features=features, mode=mode, labels=labels, optimizer=optimizer,
                                      logits=logits)


class _LinearBase(Estimator):

    def __init__(self, head, feature_columns, model_dir, optimizer, config, partitioner, warm_start_from,
                 sparse_combiner):
        if partitioner is not None:
            raise NotImplementedError('partitioner: sluice does not partition canned estimator variables yet')
        if sparse_combiner not in ('mean', 'sqrtn', 'sum'):
            raise ValueError('sparse_combiner must be one of "mean", "sqrtn", "sum". Given: {}'
                             .format(sparse_combiner))
        feature_columns = tuple(feature_columns or ())
        if not feature_columns:
            raise ValueError('feature_columns must be specified')
        self._head = head

        def _model_fn(features, labels, mode, config):
            return _linear_model_fn(features, labels, mode, head, feature_columns, optimizer, sparse_combiner)

        super().__init__(_model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class LinearClassifier(_LinearBase):
    """A linear classifier: linear_model logits with the binary (n_classes=2) or multi-class head."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer='Ftrl', config=None, partitioner=None, warm_start_from=None,
                 loss_reduction='weighted_sum', sparse_combiner='sum'):
        head = head_lib.classification_head(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, feature_columns, model_dir, optimizer, config, partitioner, warm_start_from,
                         sparse_combiner)


class LinearRegressor(_LinearBase):
    """A linear regressor: linear_model logits with the mean-squared-error head."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer='Ftrl',
                 config=None, partitioner=None, warm_start_from=None, loss_reduction='weighted_sum',
                 sparse_combiner='sum'):
        head = head_lib.regression_head(weight_column, label_dimension, loss_reduction)
        super().__init__(head, feature_columns, model_dir, optimizer, config, partitioner, warm_start_from,
                         sparse_combiner)


class LinearEstimator(_LinearBase):
    """linear_model logits with a caller's head."""

    def __init__(self, head, feature_columns, model_dir=None, optimizer='Ftrl', config=None, partitioner=None,
                 sparse_combiner='sum'):
        super().__init__(head, feature_columns, model_dir, optimizer, config, partitioner, None, sparse_combiner)
