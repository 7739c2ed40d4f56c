"""The outputs a model_fn declares for serving (tf.estimator.export.*Output), as in TF 1.15.

They are validated and kept on the EstimatorSpec; `as_signature_def(receiver_tensors)` turns each
into the SignatureDef that Estimator.export_saved_model writes (classify and regress need a single
string input: serialized tf.Examples, as TF Serving's APIs expect; otherwise ValueError).
"""
from sluice.engine import dtypes
from sluice.engine.graph import Tensor
from sluice.saved_model import signature_def_utils

__all__ = ['ExportOutput', 'ClassificationOutput', 'RegressionOutput', 'PredictOutput',
           'DEFAULT_SERVING_SIGNATURE_DEF_KEY']

DEFAULT_SERVING_SIGNATURE_DEF_KEY = 'serving_default'


class ExportOutput:
    """One output signature of a served model."""
    _SEPARATOR_CHAR = '/'

    def as_signature_def(self, receiver_tensors):
        raise NotImplementedError('%s.as_signature_def' % type(self).__name__)

    def _check_output_key(self, key, error_label):
        if isinstance(key, tuple):
            key = self._SEPARATOR_CHAR.join(key)
        if not isinstance(key, str):
            raise ValueError('{} output key must be a string; got {}.'.format(error_label, key))
        return key

    def _wrap_and_check_outputs(self, outputs, single_output_default_name, error_label=None):
        if not isinstance(outputs, dict):
            outputs = {single_output_default_name: outputs}
        error_name = error_label or single_output_default_name
        checked = {}
        for key, value in outputs.items():
            key = self._check_output_key(key, error_name)
            if not isinstance(value, Tensor):
                raise ValueError('{} output value must be a Tensor; got {}.'.format(error_name, value))
            checked[key] = value
        return checked


class ClassificationOutput(ExportOutput):
    """Scores (float) and/or classes (string labels) of a classifier."""

    def __init__(self, scores=None, classes=None):
        if scores is not None and not (isinstance(scores, Tensor) and scores.dtype.is_floating):
            raise ValueError('Classification scores must be a float32 Tensor; got {}'.format(scores))
        if classes is not None and not (isinstance(classes, Tensor) and classes.dtype == dtypes.string):
            raise ValueError('Classification classes must be a string Tensor; got {}'.format(classes))
        if scores is None and classes is None:
            raise ValueError('At least one of scores and classes must be set.')
        self._scores = scores
        self._classes = classes

    @property
    def scores(self):
        return self._scores

    @property
    def classes(self):
        return self._classes

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, 'Classification')
        return signature_def_utils.classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    """The predicted values of a regressor (a float Tensor)."""

    def __init__(self, value):
        if not (isinstance(value, Tensor) and value.dtype.is_floating):
            raise ValueError('Regression output value must be a float32 Tensor; got {}'.format(value))
        self._value = value

    @property
    def value(self):
        return self._value

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, 'Regression')
        return signature_def_utils.regression_signature_def(examples, self.value)


class PredictOutput(ExportOutput):
    """Any named Tensors; a single Tensor is named 'output'."""
    _SINGLE_OUTPUT_DEFAULT_NAME = 'output'

    def __init__(self, outputs):
        self._outputs = self._wrap_and_check_outputs(outputs, self._SINGLE_OUTPUT_DEFAULT_NAME,
                                                     error_label='Prediction')

    @property
    def outputs(self):
        return self._outputs

    def as_signature_def(self, receiver_tensors):
        return signature_def_utils.predict_signature_def(receiver_tensors, self.outputs)


def _single_string_input(receiver_tensors, api):
    if len(receiver_tensors) == 1:
        (_, examples), = receiver_tensors.items()
        if examples.dtype.base_dtype == dtypes.string:
            return examples
    raise ValueError('%s input must be a single string Tensor; got %s' % (api, receiver_tensors))


def get_export_outputs(export_outputs, predictions):
    """export_outputs checked, with a PredictOutput of `predictions` as the default serving signature."""
    if export_outputs is None:
        export_outputs = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError('export_outputs must be dict, given: {}'.format(export_outputs))
    for value in export_outputs.values():
        if not isinstance(value, ExportOutput):
            raise TypeError('Values in export_outputs must be ExportOutput objects. Given: {}'.format(export_outputs))
    if len(export_outputs) == 1:
        (key, value), = export_outputs.items()
        if key != DEFAULT_SERVING_SIGNATURE_DEF_KEY:
            export_outputs[DEFAULT_SERVING_SIGNATURE_DEF_KEY] = value
    if len(export_outputs) > 1 and DEFAULT_SERVING_SIGNATURE_DEF_KEY not in export_outputs:
        raise ValueError('Multiple export_outputs were provided, but none of them is specified as the default.  '
                         'Do this by naming one of them with signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY.')
    return export_outputs
