"""tf.keras.utils: data plumbing (get_file, Sequence, enqueuers), object (de)serialization, Progbar,
array helpers and layer bookkeeping. plot_model/model_to_dot (pydot), HDF5Matrix (h5py) and
multi_gpu_model are not implemented: asking for them says so."""
from sluice.keras.utils.data_utils import (GeneratorEnqueuer, OrderedEnqueuer, Sequence, SequenceEnqueuer,
                                           get_file)
from sluice.keras.utils.generic_utils import (CustomObjectScope, Progbar, class_and_config_for_serialized_keras_object,
                                              custom_object_scope, deserialize_keras_object, get_custom_objects,
                                              serialize_keras_class_and_config, serialize_keras_object)
from sluice.keras.utils.layer_utils import get_source_inputs, print_summary
from sluice.keras.utils.np_utils import normalize, to_categorical
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.keras.utils')
