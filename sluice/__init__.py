"""sluice: the TensorFlow 1.x graph-mode API on NumPy (CPU) and CuPy (GPU).

    import sluice as tf            # or: import sluice.compat.v1 as tf

A TF name sluice does not have raises AttributeError saying so (sluice/unimplemented.py).
"""
from sluice import kernels as _kernels  # noqa: F401  (registers the kernels)
from sluice import test
from sluice.engine import log as _log  # noqa: F401  (the 'sluice' logger)
from sluice.engine import dtypes as _dtypes_module
from sluice.engine import errors
from sluice.engine.device_spec import DeviceSpec
from sluice.engine.dtypes import *  # noqa: F401,F403
from sluice.engine.dtypes import DType, as_dtype
from sluice.engine.graph import (Graph, GraphKeys, Operation, Tensor, convert_to_tensor, get_default_graph,
                                 is_tensor, name_scope, register_tensor_conversion_function, reset_default_graph)
from sluice.engine.session import InteractiveSession, Session, get_default_session
from sluice.engine.tensor_shape import Dimension, TensorShape
from sluice.io import graph_def as _graph_def  # noqa: F401  (installs the engine's GraphDef writer)
from sluice.io.tensor_proto import make_ndarray, make_tensor_proto  # noqa: F401
from sluice.io.protos import (AttrValue, ConfigProto, Event, GPUOptions, GraphDef, GraphOptions, HistogramProto,
                              MetaGraphDef, NameAttrList, NodeDef, OptimizerOptions, RunMetadata, RunOptions,
                              SessionLog, Summary, SummaryMetadata, TensorInfo)
from sluice.ops.array_ops import *  # noqa: F401,F403
from sluice.ops.constant_op import *  # noqa: F401,F403
from sluice.ops.control_flow_ops import *  # noqa: F401,F403
from sluice.ops.tensor_array_ops import TensorArray  # noqa: F401
from sluice.ops.gradients_impl import *  # noqa: F401,F403
from sluice.ops.graph_ops import *  # noqa: F401,F403
from sluice.ops.init_ops import *  # noqa: F401,F403
from sluice.ops.math_ops import *  # noqa: F401,F403
from sluice.ops.manip_ops import *  # noqa: F401,F403  (unique, broadcast_to, scatter_nd, roll, sequence_mask, ...)
from sluice.ops.segment_ops import *  # noqa: F401,F403  (segment_sum, dynamic_partition, dynamic_stitch)
from sluice.ops.sort_ops import *  # noqa: F401,F403
from sluice.ops.logging_ops import *  # noqa: F401,F403  (Print)
from sluice.ops.confusion_matrix import *  # noqa: F401,F403
from sluice.ops.check_ops import *  # noqa: F401,F403  (check_numerics, assert_*)
from sluice.ops.linalg_ops import *  # noqa: F401,F403  (eye, norm, tensordot, matrix_band_part, trace, einsum, ...)
from sluice.ops.linalg_factor_ops import *  # noqa: F401,F403  (cholesky, matrix_solve, qr, svd, ...)
from sluice.ops.special_math_ops import *  # noqa: F401,F403  (digamma, igamma, zeta, betainc, lbeta, ...)
from sluice.ops.string_ops import *  # noqa: F401,F403  (as_string, string_join, string_to_number)
from sluice.ops.string_transform_ops import (reduce_join, regex_replace, string_split, string_strip,  # noqa: F401
                                             string_to_hash_bucket, string_to_hash_bucket_fast,
                                             string_to_hash_bucket_strong, substr)
from sluice.ops.lookup_ops import initialize_all_tables, tables_initializer  # noqa: F401
from sluice.ops.custom_gradient import custom_gradient  # noqa: F401
from sluice.ops.counting_ops import (batch_gather, bincount, histogram_fixed_width,  # noqa: F401
                                     histogram_fixed_width_bins, searchsorted, tensor_scatter_add,
                                     tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_update,
                                     tensor_scatter_sub, tensor_scatter_update, unique_with_counts)
from sluice.ops.space_batch_ops import (batch_to_space, batch_to_space_nd, depth_to_space, space_to_batch,  # noqa: F401
                                        space_to_batch_nd, space_to_depth)
from sluice.ops.script_ops import numpy_function, py_func  # noqa: F401
from sluice.ops.clip_ops import *  # noqa: F401,F403  (tf.clip_by_norm, clip_by_global_norm, global_norm, ...)
from sluice.ops.random_ops import *  # noqa: F401,F403
from sluice.ops.state_ops import *  # noqa: F401,F403
from sluice.ops.training_ops import (scatter_add, scatter_div, scatter_max, scatter_min, scatter_mul,  # noqa: F401
                                     scatter_sub, scatter_update)
from sluice.ops.variable_scope import *  # noqa: F401,F403
from sluice.ops.variables import *  # noqa: F401,F403
from sluice.ops.partitioned_variables import *  # noqa: F401,F403  (partitioners, create_partitioned_variables)
from sluice.ops.resource_variables import (disable_resource_variables, enable_resource_variables,  # noqa: F401
                                       resource_variables_enabled)
from sluice.queues import FIFOQueue, PaddingFIFOQueue, PriorityQueue, QueueBase, RandomShuffleQueue  # noqa: F401
from sluice.ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature, VarLenFeature, decode_csv,  # noqa: F401
                                    decode_raw, parse_example, parse_single_example)
from sluice.ops.sequence_parsing_ops import parse_single_sequence_example  # noqa: F401,E402
from sluice.kernels import sequence_parsing_kernels as _sequence_parsing_kernels  # noqa: F401,E402
from sluice.ops.sparse_tensor import SparseTensor, SparseTensorValue  # noqa: F401
from sluice.ops.sparse_ops import *  # noqa: F401,F403  (sparse_to_dense, sparse_tensor_dense_matmul, ...)
from sluice.ops.sparse_manip_ops import *  # noqa: F401,F403  (sparse_add, sparse_concat, sparse_placeholder, ...)
from sluice.ops.edit_distance_ops import edit_distance  # noqa: F401
from sluice.queues.readers import (FixedLengthRecordReader, IdentityReader, ReaderBase, TextLineReader,  # noqa: F401
                                   TFRecordReader, WholeFileReader, matching_files, read_file)
from sluice.queues.input import count_up_to  # noqa: F401
from sluice.ops.deprecated_functions import arg_max, arg_min  # noqa: F401  (TF 1.15's deprecated names)
from sluice.engine.tensor_spec import TensorSpec  # noqa: F401
from sluice.ops import clustering_ops as _clustering_ops  # noqa: F401  (NearestNeighbors, k-means seeding ops)

dtypes = _dtypes_module
from sluice import version  # noqa: E402  (tf.version)
from sluice.version import (COMPILER_VERSION, GIT_VERSION, GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER,  # noqa: E402,F401
                            GRAPH_DEF_VERSION_MIN_PRODUCER, VERSION)
__version__ = VERSION  # as in TF, equal to tf.VERSION: TF1 programs gate on it; sluice's release is version.SLUICE_VERSION


def device(device_name_or_function):
    """Pins ops created in the block to a device (string, DeviceSpec, function or None)."""
    return get_default_graph().device(device_name_or_function)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def set_random_seed(seed):
    """Sets the graph-level seed of the default graph."""
    get_default_graph().seed = seed


def disable_v2_behavior():
    """Nothing to disable: sluice is TF1 graph mode only (kept so TF2-shim programs run unchanged)."""


def disable_eager_execution():
    """Nothing to disable: sluice always builds graphs."""


from sluice.execution_mode import enable_eager_execution, enable_v2_behavior  # noqa: E402,F401


def executing_eagerly():
    return False


# namespaces over the ops above
from sluice import compat, initializers, linalg, losses, manip, math, metrics, nn, python_io, random, train  # noqa: E402
from sluice import debugging  # noqa: E402,F401
from sluice import config  # noqa: E402,F401  (tf.config.experimental: TensorFloat-32)
from sluice import app, flags, gfile, summary  # noqa: E402
from sluice import image  # noqa: E402  (tf.image)
from sluice.ops.image_patches_ops import extract_image_patches  # noqa: E402,F401  (TF 1.x top-level alias)
from sluice import sparse  # noqa: E402  (tf.sparse)
from sluice import lookup, strings  # noqa: E402,F401  (tf.lookup, tf.strings)
from sluice import distributions  # noqa: E402,F401  (tf.distributions)
from sluice import profiler  # noqa: E402  (tf.profiler)
from sluice.custom_ops import load_op_library  # noqa: E402,F401
from sluice import feature_column  # noqa: E402,F401  (tf.feature_column)
from sluice import estimator  # noqa: E402,F401  (tf.estimator)
from sluice import contrib  # noqa: E402,F401  (lazy: submodules import on first use)
from sluice import graph_util, saved_model  # noqa: E402,F401
from sluice import layers  # noqa: E402,F401  (tf.layers)
from sluice import data  # noqa: E402,F401  (tf.data)
from sluice.python.util import nest  # noqa: E402,F401  (tf.nest)
from sluice import keras  # noqa: E402,F401  (tf.keras, graph mode)
from sluice.io.graph_import import import_graph_def  # noqa: E402
from sluice import tf_logging as logging  # noqa: E402

get_logger = logging.get_logger

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf')
