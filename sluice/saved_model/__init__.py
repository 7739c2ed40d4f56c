"""tf.saved_model (TF 1.x): SavedModelBuilder, loader.load, simple_save, signatures and constants.

A SavedModel directory holds saved_model.pb (MetaGraphDefs by tag set, with SignatureDefs) and the
variables' checkpoint; TF and TF Serving load what sluice writes, and sluice loads what they write.
"""
from sluice.engine.graph import GraphKeys, get_default_graph
from sluice.saved_model import (builder, constants, loader, main_op, signature_constants, signature_def_utils,  # noqa: F401
                                tag_constants)
from sluice.saved_model import tensor_info as utils  # noqa: F401  (TF's name: tf.saved_model.utils)
from sluice.saved_model.builder import Builder  # noqa: F401
from sluice.saved_model.constants import (ASSETS_DIRECTORY, ASSETS_KEY, LEGACY_INIT_OP_KEY, MAIN_OP_KEY,  # noqa: F401
                                          SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT,
                                          SAVED_MODEL_SCHEMA_VERSION, VARIABLES_DIRECTORY, VARIABLES_FILENAME)
from sluice.saved_model.loader import contains_saved_model, load, maybe_saved_model_directory  # noqa: F401
from sluice.saved_model.main_op import main_op_with_restore  # noqa: F401
from sluice.saved_model.signature_constants import (CLASSIFY_INPUTS, CLASSIFY_METHOD_NAME,  # noqa: F401
                                                    CLASSIFY_OUTPUT_CLASSES, CLASSIFY_OUTPUT_SCORES,
                                                    DEFAULT_SERVING_SIGNATURE_DEF_KEY, PREDICT_INPUTS,
                                                    PREDICT_METHOD_NAME, PREDICT_OUTPUTS, REGRESS_INPUTS,
                                                    REGRESS_METHOD_NAME, REGRESS_OUTPUTS)
from sluice.saved_model.signature_def_utils import (build_signature_def, classification_signature_def,  # noqa: F401
                                                    is_valid_signature, predict_signature_def,
                                                    regression_signature_def)
from sluice.saved_model.tensor_info import build_tensor_info, get_tensor_from_tensor_info  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.saved_model')


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None):
    """A serving SavedModel in one call: tag 'serve', a predict signature 'serving_default', devices cleared."""
    signatures = {signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY:
                  signature_def_utils.predict_signature_def(inputs, outputs)}
    b = builder.SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(session, tags=[tag_constants.SERVING], signature_def_map=signatures,
                                   assets_collection=get_default_graph().get_collection(GraphKeys.ASSET_FILEPATHS),
                                   main_op=legacy_init_op, clear_devices=True)
    b.save()
