"""tf.estimator.export: serving input receivers and the serving output classes.

A serving_input_receiver_fn builds, in the export graph, the placeholders a served model is fed
(`receiver_tensors`, the SignatureDef inputs) and the `features` handed to model_fn in PREDICT mode.
A single Tensor is wrapped as {'feature': t} (features) or {'input': t} (receiver tensors), as TF 1.15.
"""
import collections

from sluice.engine import dtypes
from sluice.engine.graph import Tensor
from sluice.engine.tensor_shape import TensorShape
from sluice.estimator.export_output import (ClassificationOutput, ExportOutput, PredictOutput,  # noqa: F401
                                           RegressionOutput)
from sluice.ops.graph_ops import placeholder
from sluice.ops.parsing_ops import parse_example
from sluice.ops.sparse_tensor import SparseTensor
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__all__ = ['ServingInputReceiver', 'TensorServingInputReceiver', 'build_parsing_serving_input_receiver_fn',
           'build_raw_serving_input_receiver_fn', 'ExportOutput', 'ClassificationOutput', 'PredictOutput',
           'RegressionOutput']

SINGLE_FEATURE_DEFAULT_NAME = 'feature'
SINGLE_RECEIVER_DEFAULT_NAME = 'input'
_DEFAULT_NAMES = {'feature': SINGLE_FEATURE_DEFAULT_NAME, 'receiver_tensor': SINGLE_RECEIVER_DEFAULT_NAME,
                  'receiver_tensors_alternative': SINGLE_RECEIVER_DEFAULT_NAME}


def _check_tensor(tensor, name, error_label='feature'):
    if not isinstance(tensor, (Tensor, SparseTensor)):
        raise ValueError('{}{} must be a Tensor or SparseTensor.'.format(error_label, ' %s' % name if name else ''))


def wrap_and_check_input_tensors(tensors, field_name, allow_int_keys=False):
    """tensors as a dict (a single one under TF's default name), each key and value checked."""
    if tensors is None:
        raise ValueError('{}s must be defined.'.format(field_name))
    if not isinstance(tensors, dict):
        tensors = {_DEFAULT_NAMES[field_name]: tensors}
    for name, tensor in tensors.items():
        if not isinstance(name, str) and not (allow_int_keys and isinstance(name, int)):
            raise ValueError('{} keys must be strings{}: {}.'.format(field_name, ' or ints' if allow_int_keys
                                                                      else '', name))
        _check_tensor(tensor, name, field_name)
    return tensors


class ServingInputReceiver(collections.namedtuple('ServingInputReceiver',
                                                  ['features', 'receiver_tensors', 'receiver_tensors_alternatives'])):
    """features for model_fn and the receiver tensors (signature inputs) they are computed from."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        features = wrap_and_check_input_tensors(features, 'feature', allow_int_keys=True)
        receiver_tensors = wrap_and_check_input_tensors(receiver_tensors, 'receiver_tensor')
        if receiver_tensors_alternatives is not None:
            if not isinstance(receiver_tensors_alternatives, dict):
                raise ValueError('receiver_tensors_alternatives must be a dict: {}.'.format(
                    receiver_tensors_alternatives))
            for name, alternative in receiver_tensors_alternatives.items():
                receiver_tensors_alternatives[name] = wrap_and_check_input_tensors(
                    alternative, 'receiver_tensors_alternative')
        return super().__new__(cls, features=features, receiver_tensors=receiver_tensors,
                               receiver_tensors_alternatives=receiver_tensors_alternatives)


class TensorServingInputReceiver(collections.namedtuple(
        'TensorServingInputReceiver', ['features', 'receiver_tensors', 'receiver_tensors_alternatives'])):
    """Like ServingInputReceiver, but model_fn gets the single feature Tensor itself, not a dict."""

    def __new__(cls, features, receiver_tensors, receiver_tensors_alternatives=None):
        if features is None:
            raise ValueError('features must be defined.')
        _check_tensor(features, None)
        receiver = ServingInputReceiver(features, receiver_tensors, receiver_tensors_alternatives)
        return super().__new__(cls, features=receiver.features[SINGLE_FEATURE_DEFAULT_NAME],
                               receiver_tensors=receiver.receiver_tensors,
                               receiver_tensors_alternatives=receiver.receiver_tensors_alternatives)


def build_parsing_serving_input_receiver_fn(feature_spec, default_batch_size=None):
    """A receiver fn fed serialized tf.Examples ('examples'), parsed with feature_spec into the features."""
    def serving_input_receiver_fn():
        serialized = placeholder(dtype=dtypes.string, shape=[default_batch_size], name='input_example_tensor')
        return ServingInputReceiver(parse_example(serialized, feature_spec), {'examples': serialized})
    return serving_input_receiver_fn


def _placeholder_from_tensor(t, default_batch_size=None):
    shape = TensorShape([default_batch_size]).concatenate(t.shape[1:])
    return placeholder(dtype=t.dtype, shape=shape, name=getattr(getattr(t, 'op', None), 'name', None))


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A receiver fn whose features are placeholders shaped like `features` (batch dimension replaced)."""
    def serving_input_receiver_fn():
        receiver_tensors = {name: _placeholder_from_tensor(t, default_batch_size) for name, t in features.items()}
        return ServingInputReceiver(receiver_tensors, receiver_tensors.copy())
    return serving_input_receiver_fn


__getattr__ = _namespace_getattr(__name__, 'tf.estimator.export')
