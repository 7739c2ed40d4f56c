"""tf.saved_model.constants: the names of a SavedModel directory's files and of its collections."""

ASSETS_DIRECTORY = 'assets'
EXTRA_ASSETS_DIRECTORY = 'assets.extra'
ASSETS_KEY = 'saved_model_assets'            # the collection of AssetFileDefs (as Any) in TF1 graphs
LEGACY_INIT_OP_KEY = 'legacy_init_op'
MAIN_OP_KEY = 'saved_model_main_op'
TRAIN_OP_KEY = 'saved_model_train_op'
SAVED_MODEL_SCHEMA_VERSION = 1
SAVED_MODEL_FILENAME_PB = 'saved_model.pb'
SAVED_MODEL_FILENAME_PBTXT = 'saved_model.pbtxt'
VARIABLES_DIRECTORY = 'variables'
VARIABLES_FILENAME = 'variables'
INIT_OP_SIGNATURE_KEY = '__saved_model_init_op'
TRAIN_OP_SIGNATURE_KEY = '__saved_model_train_op'
