"""tf.estimator.EstimatorSpec: what a model_fn returns, validated per mode as in TF 1.15.

TRAIN needs loss and train_op, EVAL needs loss, PREDICT needs predictions. A loss of shape [1] is
reshaped to a scalar; every tensor must come from the default graph (the one the Estimator built);
eval_metric_ops are (value, update_op) pairs; hooks must be SessionRunHooks; in PREDICT mode
export_outputs gets a default PredictOutput under 'serving_default'.
"""
import collections

from sluice.engine import graph as _graph
from sluice.engine.graph import Operation, Tensor
from sluice.engine.tensor_shape import TensorShape
from sluice.estimator import export_output
from sluice.estimator.mode_keys import ModeKeys
from sluice.ops import array_ops
from sluice.ops.variables import Variable
from sluice.training.monitored_session import Scaffold
from sluice.training.session_run_hooks import SessionRunHook

__all__ = ['EstimatorSpec', 'LOSS_METRIC_KEY', 'AVERAGE_LOSS_METRIC_KEY']

LOSS_METRIC_KEY = 'loss'
AVERAGE_LOSS_METRIC_KEY = 'average_loss'

_NOT_DEFAULT_GRAPH = ('{0} with "{1}" must be from the default graph. Possible causes of this error include: \n\n'
                      '1) {0} was created outside the context of the default graph.\n\n'
                      '2) The object passed through to EstimatorSpec was not created in the most recent call to '
                      '"model_fn".')

_FIELDS = ['mode', 'predictions', 'loss', 'train_op', 'eval_metric_ops', 'export_outputs', 'training_chief_hooks',
           'training_hooks', 'scaffold', 'evaluation_hooks', 'prediction_hooks']


class EstimatorSpec(collections.namedtuple('EstimatorSpec', _FIELDS)):
    """The ops and objects a model_fn hands to an Estimator (validated on construction)."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        train_op = _validate_train_op(train_op, mode)
        loss = _validate_loss(loss, mode)
        predictions = _validate_predictions(predictions, mode)
        if mode == ModeKeys.PREDICT:
            export_outputs = export_output.get_export_outputs(export_outputs, predictions)
        scaffold = scaffold or Scaffold()
        if not isinstance(scaffold, Scaffold):
            raise TypeError('scaffold must be tf.train.Scaffold. Given: {}'.format(scaffold))
        return super().__new__(
            cls, mode=mode, predictions=predictions, loss=loss, train_op=train_op,
            eval_metric_ops=_validate_eval_metric_ops(eval_metric_ops), export_outputs=export_outputs,
            training_chief_hooks=_validate_hooks(training_chief_hooks), training_hooks=_validate_hooks(training_hooks),
            scaffold=scaffold, evaluation_hooks=_validate_hooks(evaluation_hooks),
            prediction_hooks=_validate_hooks(prediction_hooks))

    def _replace(self, **kwds):
        if 'mode' in kwds and self.mode != kwds['mode']:
            raise ValueError('mode of EstimatorSpec cannot be changed.')
        fields = [kwds.pop(name, value) for name, value in zip(self._fields, self)]
        return EstimatorSpec(*fields)


def _is_tensor_like(x):
    return isinstance(x, (Tensor, Variable))


def _check_default_graph(value, what, name):
    if value.graph is not _graph.get_default_graph():
        raise ValueError(_NOT_DEFAULT_GRAPH.format(what, name))


def _check_is_tensor(x, tensor_name):
    if not _is_tensor_like(x):
        raise TypeError('{} must be Tensor, given: {}'.format(tensor_name, x))
    return x.value() if isinstance(x, Variable) else x


def _validate_train_op(train_op, mode):
    if train_op is None:
        if mode == ModeKeys.TRAIN:
            raise ValueError('Missing train_op.')
        return None
    if not (isinstance(train_op, Operation) or _is_tensor_like(train_op)):
        raise TypeError('{} must be Operation or Tensor, given: {}'.format('train_op', train_op))
    if isinstance(train_op, Variable):
        train_op = train_op.op
    _check_default_graph(train_op, 'train_op', train_op.name)
    return train_op


def _validate_loss(loss, mode):
    if loss is None:
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError('Missing loss.')
        return None
    loss = _check_is_tensor(loss, 'loss')
    shape = loss.get_shape()
    if shape.num_elements() not in (None, 1):
        raise ValueError('Loss must be scalar, given: {}'.format(loss))
    if not shape.is_compatible_with(TensorShape([])):
        loss = array_ops.reshape(loss, [])
    _check_default_graph(loss, 'loss', loss.name)
    return loss


def _validate_predictions(predictions, mode):
    if predictions is None:
        if mode == ModeKeys.PREDICT:
            raise ValueError('Missing predictions.')
        return {}
    if isinstance(predictions, dict):
        predictions = {k: _check_is_tensor(v, 'predictions[{}]'.format(k)) for k, v in predictions.items()}
        for key, value in predictions.items():
            _check_default_graph(value, 'prediction values', '{0}: {1}'.format(key, value.name))
        return predictions
    predictions = _check_is_tensor(predictions, 'predictions')
    _check_default_graph(predictions, 'prediction values', predictions.name)
    return predictions


def _validate_hooks(hooks):
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError('All hooks must be SessionRunHook instances, given: {}'.format(hook))
    return hooks


def _validate_eval_metric_ops(eval_metric_ops):
    if eval_metric_ops is None:
        return {}
    if not isinstance(eval_metric_ops, dict):
        raise TypeError('eval_metric_ops must be a dict, given: {}'.format(eval_metric_ops))
    for key, value in eval_metric_ops.items():
        if not isinstance(value, tuple) or len(value) != 2:
            raise TypeError('Values of eval_metric_ops must be (metric_value, update_op) tuples, given: {} for '
                            'key: {}'.format(value, key))
        for part in value:
            _check_default_graph(part, 'eval_metric_ops', '{0}: {1}'.format(key, part.name))
    return eval_metric_ops
