"""tf.saved_model.signature_def_utils: SignatureDefs for TF Serving's predict, classify and regress
APIs, with TF's validation (ValueError naming what is wrong)."""
from sluice.engine.graph import Tensor
from sluice.engine import errors
from sluice.io.protos import DataType, SignatureDef
from sluice.saved_model import signature_constants as sc
from sluice.saved_model import tensor_info as utils

_STRING, _FLOAT = DataType.Value('DT_STRING'), DataType.Value('DT_FLOAT')


def build_signature_def(inputs=None, outputs=None, method_name=None):
    signature = SignatureDef()
    for key, info in (inputs or {}).items():
        signature.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        signature.outputs[key].CopyFrom(info)
    if method_name is not None:
        signature.method_name = method_name
    return signature


def _string_examples(examples, api):
    if examples is None:
        raise ValueError('%s examples cannot be None.' % api)
    if not isinstance(examples, Tensor):
        raise ValueError('%s examples must be a string Tensor.' % api)
    info = utils.build_tensor_info(examples)
    if info.dtype != _STRING:
        raise ValueError('%s examples must be a string Tensor.' % api)
    return info


def regression_signature_def(examples, predictions):
    inputs = {sc.REGRESS_INPUTS: _string_examples(examples, 'Regression')}
    if predictions is None:
        raise ValueError('Regression predictions cannot be None.')
    output = utils.build_tensor_info(predictions)
    if output.dtype != _FLOAT:
        raise ValueError('Regression output must be a float Tensor.')
    return build_signature_def(inputs, {sc.REGRESS_OUTPUTS: output}, sc.REGRESS_METHOD_NAME)


def classification_signature_def(examples, classes, scores):
    inputs = {sc.CLASSIFY_INPUTS: _string_examples(examples, 'Classification')}
    if classes is None and scores is None:
        raise ValueError('Classification classes and scores cannot both be None.')
    outputs = {}
    if classes is not None:
        outputs[sc.CLASSIFY_OUTPUT_CLASSES] = utils.build_tensor_info(classes)
        if outputs[sc.CLASSIFY_OUTPUT_CLASSES].dtype != _STRING:
            raise ValueError('Classification classes must be a string Tensor.')
    if scores is not None:
        outputs[sc.CLASSIFY_OUTPUT_SCORES] = utils.build_tensor_info(scores)
        if outputs[sc.CLASSIFY_OUTPUT_SCORES].dtype != _FLOAT:
            raise ValueError('Classification scores must be a float Tensor.')
    return build_signature_def(inputs, outputs, sc.CLASSIFY_METHOD_NAME)


def predict_signature_def(inputs, outputs):
    if not inputs:
        raise ValueError('Prediction inputs cannot be None or empty.')
    if not outputs:
        raise ValueError('Prediction outputs cannot be None or empty.')
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()},
                               {k: utils.build_tensor_info(t) for k, t in outputs.items()}, sc.PREDICT_METHOD_NAME)


def _supervised(method_name, inputs, loss=None, predictions=None, metrics=None):
    if not inputs:
        raise ValueError('{} inputs cannot be None or empty.'.format(method_name))
    outputs = {}
    for group in (loss, predictions, metrics):
        outputs.update({k: utils.build_tensor_info(t) for k, t in (group or {}).items()})
    return build_signature_def({k: utils.build_tensor_info(t) for k, t in inputs.items()}, outputs, method_name)


def supervised_train_signature_def(inputs, loss, predictions=None, metrics=None):
    return _supervised(sc.SUPERVISED_TRAIN_METHOD_NAME, inputs, loss, predictions, metrics)


def supervised_eval_signature_def(inputs, loss, predictions=None, metrics=None):
    return _supervised(sc.SUPERVISED_EVAL_METHOD_NAME, inputs, loss, predictions, metrics)


def is_valid_signature(signature_def):
    """True for a well-formed predict, classify or regress SignatureDef (TF Serving's three APIs)."""
    if signature_def is None:
        return False
    inputs, outputs, method = signature_def.inputs, signature_def.outputs, signature_def.method_name
    if method == sc.PREDICT_METHOD_NAME:
        return bool(inputs) and bool(outputs)
    if method == sc.REGRESS_METHOD_NAME:
        return (set(inputs) == {sc.REGRESS_INPUTS} and inputs[sc.REGRESS_INPUTS].dtype == _STRING and
                set(outputs) == {sc.REGRESS_OUTPUTS} and outputs[sc.REGRESS_OUTPUTS].dtype == _FLOAT)
    if method == sc.CLASSIFY_METHOD_NAME:
        allowed = {sc.CLASSIFY_OUTPUT_CLASSES: _STRING, sc.CLASSIFY_OUTPUT_SCORES: _FLOAT}
        return (set(inputs) == {sc.CLASSIFY_INPUTS} and inputs[sc.CLASSIFY_INPUTS].dtype == _STRING and
                bool(outputs) and set(outputs) <= set(allowed) and
                all(outputs[k].dtype == allowed[k] for k in outputs))
    return False


def op_signature_def(op, key):
    return build_signature_def(outputs={key: utils.build_tensor_info_from_op(op)})


def load_op_from_signature_def(signature_def, key, import_scope=None):
    try:
        return utils.get_element_from_tensor_info(signature_def.outputs[key], import_scope=import_scope)
    except KeyError:
        raise errors.NotFoundError(None, None, 'The {0} could not be found in the graph. Please make sure the '
                                   'SavedModel was created by the internal _SavedModelBuilder. If you are using '
                                   'the public API, please make sure the SignatureDef in the SavedModel does not '
                                   'contain the key "{0}".'.format(key)) from None
