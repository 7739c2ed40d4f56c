"""DNNClassifier / DNNRegressor / DNNEstimator (TF 1.15 v1, canned/dnn.py) and the DNN logits they share.

Logits, in variable scope 'dnn': input_layer(features, feature_columns) in 'input_from_feature_columns';
per hidden layer i, in 'hiddenlayer_<i>': kernel (glorot uniform) and bias (zeros), activation_fn, then
dropout (rate `dropout`, training only) and batch normalization ('batchnorm_<i>', momentum 0.999) when
asked; then 'logits' (kernel, bias, no activation). The default optimizer is Adagrad with rate 0.05.
"""
from sluice.engine.graph import GraphKeys, get_default_graph
from sluice.estimator.canned import head as head_lib
from sluice.estimator.canned.optimizers import get_optimizer_instance
from sluice.estimator.estimator import Estimator
from sluice.estimator.mode_keys import ModeKeys
from sluice.feature_column.feature_layers import input_layer
from sluice.ops import init_ops, math_ops, summary_ops, variable_scope

__all__ = ['DNNClassifier', 'DNNRegressor', 'DNNEstimator', 'dnn_logits']

_LEARNING_RATE = 0.05

def _nn():
    from sluice import layers, nn
    return layers, nn

def _dense(net, units, activation, scope_name):
    """kernel [in, units] (glorot uniform) and bias [units] (zeros) in variable scope scope_name."""
    _, nn = _nn()
    with variable_scope.variable_scope(scope_name, values=(net,)):
        kernel = variable_scope.get_variable('kernel', shape=[net.shape[-1].value, units],
                                             initializer=init_ops.glorot_uniform_initializer())
        bias = variable_scope.get_variable('bias', shape=[units], initializer=init_ops.zeros_initializer())
        out = nn.bias_add(math_ops.matmul(net, kernel), bias)
        return activation(out) if activation is not None else out

def _summarize(value, tag):
    _, nn = _nn()
    summary_ops.scalar('%s/fraction_of_zero_values' % tag, nn.zero_fraction(value))
    summary_ops.histogram('%s/activation' % tag, value)

def dnn_logits(features, mode, units, hidden_units, feature_columns, activation_fn, dropout, batch_norm):
    """The DNN's logits [batch, units], built in the current variable scope (module docstring)."""
    layers, nn = _nn()
    training = mode == ModeKeys.TRAIN
    with variable_scope.variable_scope('input_from_feature_columns'):
        net = input_layer(features, feature_columns)
    for layer_id, num_units in enumerate(hidden_units):
        scope = 'hiddenlayer_%d' % layer_id
        net = _dense(net, num_units, activation_fn, scope)
        if dropout is not None and training:
            net = nn.dropout(net, rate=dropout)
        if batch_norm:
            with variable_scope.variable_scope(scope):
                net = layers.batch_normalization(net, momentum=0.999, training=training,
                                                 name='batchnorm_%d' % layer_id)
        _summarize(net, scope)
    logits = _dense(net, units, None, 'logits')
    _summarize(logits, 'logits')
    return logits

def _validate_features(features):
    if not isinstance(features, dict):
        raise ValueError('features should be a dictionary of `Tensor`s. Given type: {}'.format(type(features)))

def _dnn_model_fn(features, labels, mode, head, hidden_units, feature_columns, optimizer, activation_fn, dropout,
                  batch_norm):
    _validate_features(features)
    optimizer = get_optimizer_instance(optimizer, learning_rate=_LEARNING_RATE)
    with variable_scope.variable_scope('dnn', values=tuple(features.values())):
        logits = dnn_logits(features, mode, head.logits_dimension, hidden_units, feature_columns, activation_fn,
                            dropout, batch_norm)
    return head.create_estimator_spec(features=features, mode=mode, labels=labels, optimizer=optimizer,
                                      logits=logits)

class _DNNBase(Estimator):

    def __init__(self, head, hidden_units, feature_columns, model_dir, optimizer, activation_fn, dropout,
                 input_layer_partitioner, config, warm_start_from, batch_norm):
        if input_layer_partitioner is not None:
            raise NotImplementedError('input_layer_partitioner: sluice does not partition canned estimator '
                                      'variables yet')
        feature_columns = tuple(feature_columns or ())
        if not feature_columns:
            raise ValueError('feature_columns must be specified')
        activation_fn = activation_fn if activation_fn != 'default' else _nn()[1].relu
        self._head = head

        def _model_fn(features, labels, mode, config):
            return _dnn_model_fn(features, labels, mode, head, hidden_units, feature_columns, optimizer,
                                 activation_fn, dropout, batch_norm)

        super().__init__(_model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)

class DNNClassifier(_DNNBase):
    """A feed-forward classifier: the DNN logits with the binary (n_classes=2) or multi-class head."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer='Adagrad', activation_fn='default', dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None, loss_reduction='weighted_sum',
                 batch_norm=False):
        head = head_lib.classification_head(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, hidden_units, feature_columns, model_dir, optimizer, activation_fn, dropout,
                         input_layer_partitioner, config, warm_start_from, batch_norm)

class DNNRegressor(_DNNBase):
    """A feed-forward regressor: the DNN logits with the mean-squared-error head."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer='Adagrad', activation_fn='default', dropout=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None, loss_reduction='weighted_sum', batch_norm=False):
        head = head_lib.regression_head(weight_column, label_dimension, loss_reduction)
        super().__init__(head, hidden_units, feature_columns, model_dir, optimizer, activation_fn, dropout,
                         input_layer_partitioner, config, warm_start_from, batch_norm)

class DNNEstimator(_DNNBase):
    """The DNN logits with a caller's head."""

    def __init__(self, head, hidden_units, feature_columns, model_dir=None, optimizer='Adagrad',
                 activation_fn='default', dropout=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, batch_norm=False):
        super().__init__(head, hidden_units, feature_columns, model_dir, optimizer, activation_fn, dropout,
                         input_layer_partitioner, config, warm_start_from, batch_norm)

def trainable_variables_under(scope_name):
    """The trainable variables whose names start with scope_name + '/'."""
    prefix = scope_name + '/'
    return [v for v in get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
            if v.op.name.startswith(prefix)]
