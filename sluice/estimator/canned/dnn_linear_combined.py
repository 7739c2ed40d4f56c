"""DNNLinearCombinedClassifier / Regressor / Estimator (TF 1.15 v1, canned/dnn_linear_combined.py).

Logits = the DNN's (variable scope 'dnn') + the linear model's (scope 'linear'); either part may be absent.
Training runs two optimizers, each over its own part's trainable variables (dnn: Adagrad, rate 0.001;
linear: Ftrl, rate min(0.005, 1/sqrt(number of linear columns))), then adds 1 to the global step once.
"""
from sluice.engine.graph import get_default_graph
from sluice.estimator.canned import head as head_lib
from sluice.estimator.canned.dnn import _validate_features, dnn_logits, trainable_variables_under
from sluice.estimator.canned.linear import default_learning_rate, linear_logits
from sluice.estimator.canned.optimizers import get_optimizer_instance
from sluice.estimator.estimator import Estimator
from sluice.ops import graph_ops, math_ops, state_ops, variable_scope
from sluice.training import training_util

__all__ = ['DNNLinearCombinedClassifier', 'DNNLinearCombinedRegressor', 'DNNLinearCombinedEstimator']

_DNN_LEARNING_RATE = 0.001
_LINEAR_LEARNING_RATE = 0.005


def _combined_model_fn(features, labels, mode, head, spec):
    _validate_features(features)
    linear_columns, dnn_columns = spec['linear_feature_columns'], spec['dnn_feature_columns']
    parts = []
    values = tuple(features.values())
    if dnn_columns:
        dnn_optimizer = get_optimizer_instance(spec['dnn_optimizer'], learning_rate=_DNN_LEARNING_RATE)
        with variable_scope.variable_scope('dnn', values=values) as scope:
            logits = dnn_logits(features, mode, head.logits_dimension, spec['dnn_hidden_units'], dnn_columns,
                                spec['dnn_activation_fn'], spec['dnn_dropout'], spec['batch_norm'])
            parts.append((logits, dnn_optimizer, scope.name))
    if linear_columns:
        linear_optimizer = get_optimizer_instance(
            spec['linear_optimizer'], learning_rate=default_learning_rate(len(linear_columns),
                                                                          _LINEAR_LEARNING_RATE))
        with variable_scope.variable_scope('linear', values=values) as scope:
            logits = linear_logits(features, head.logits_dimension, linear_columns, spec['linear_sparse_combiner'])
            parts.append((logits, linear_optimizer, scope.name))
    logits = parts[0][0] if len(parts) == 1 else math_ops.add(parts[0][0], parts[1][0])

    def _train_op_fn(loss):
        train_ops = [optimizer.minimize(loss, var_list=trainable_variables_under(scope_name))
                     for _, optimizer, scope_name in parts]
        with get_default_graph().control_dependencies([graph_ops.group(*train_ops)]):
            return state_ops.assign_add(training_util.get_global_step(), 1).op

    return head.create_estimator_spec(features=features, mode=mode, labels=labels, train_op_fn=_train_op_fn,
                                      logits=logits)


class _CombinedBase(Estimator):

    def __init__(self, head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                 dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, input_layer_partitioner, config,
                 warm_start_from, batch_norm, linear_sparse_combiner):
        linear_feature_columns = tuple(linear_feature_columns or ())
        dnn_feature_columns = tuple(dnn_feature_columns or ())
        if not linear_feature_columns and not dnn_feature_columns:
            raise ValueError('Either linear_feature_columns or dnn_feature_columns must be defined.')
        if dnn_feature_columns and not dnn_hidden_units:
            raise ValueError('dnn_hidden_units must be defined when dnn_feature_columns is specified. '
                             'dnn_feature_columns: {}'.format(dnn_feature_columns))
        if input_layer_partitioner is not None:
            raise NotImplementedError('input_layer_partitioner: sluice does not partition canned estimator '
                                      'variables yet')
        if dnn_activation_fn == 'default':
            from sluice import nn
            dnn_activation_fn = nn.relu
        spec = dict(linear_feature_columns=linear_feature_columns, linear_optimizer=linear_optimizer,
                    dnn_feature_columns=dnn_feature_columns, dnn_optimizer=dnn_optimizer,
                    dnn_hidden_units=dnn_hidden_units, dnn_activation_fn=dnn_activation_fn, dnn_dropout=dnn_dropout,
                    batch_norm=batch_norm, linear_sparse_combiner=linear_sparse_combiner)
        self._head = head

        def _model_fn(features, labels, mode, config):
            return _combined_model_fn(features, labels, mode, head, spec)

        super().__init__(_model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class DNNLinearCombinedClassifier(_CombinedBase):
    """Wide (linear) and deep (DNN) logits added, with the binary or multi-class head."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer='Ftrl',
                 dnn_feature_columns=None, dnn_optimizer='Adagrad', dnn_hidden_units=None,
                 dnn_activation_fn='default', dnn_dropout=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction='weighted_sum', batch_norm=False, linear_sparse_combiner='sum'):
        head = head_lib.classification_head(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                         dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, input_layer_partitioner,
                         config, warm_start_from, batch_norm, linear_sparse_combiner)


class DNNLinearCombinedRegressor(_CombinedBase):
    """Wide (linear) and deep (DNN) logits added, with the mean-squared-error head."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer='Ftrl',
                 dnn_feature_columns=None, dnn_optimizer='Adagrad', dnn_hidden_units=None,
                 dnn_activation_fn='default', dnn_dropout=None, label_dimension=1, weight_column=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None, loss_reduction='weighted_sum',
                 batch_norm=False, linear_sparse_combiner='sum'):
        head = head_lib.regression_head(weight_column, label_dimension, loss_reduction)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                         dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, input_layer_partitioner,
                         config, warm_start_from, batch_norm, linear_sparse_combiner)


class DNNLinearCombinedEstimator(_CombinedBase):
    """Wide (linear) and deep (DNN) logits added, with a caller's head."""

    def __init__(self, head, model_dir=None, linear_feature_columns=None, linear_optimizer='Ftrl',
                 dnn_feature_columns=None, dnn_optimizer='Adagrad', dnn_hidden_units=None,
                 dnn_activation_fn='default', dnn_dropout=None, input_layer_partitioner=None, config=None,
                 linear_sparse_combiner='sum'):
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                         dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, input_layer_partitioner,
                         config, None, False, linear_sparse_combiner)
