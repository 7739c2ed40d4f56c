"""sluice's protocol buffer messages, field-compatible with TensorFlow's.

The .proto sources beside this module restate TensorFlow's message formats:
same package (`tensorflow`), same message, enum, field names and field numbers
(fields sluice does not model are `reserved` under their TF numbers; their
bytes still survive a parse/serialize round trip as unknown fields).  So the
binary wire format, text format and Any type URLs
(`type.googleapis.com/tensorflow.X`) all agree with TensorFlow: a GraphDef,
checkpoint index, event file or Example written by either side parses in the
other.

Descriptor pool.  TensorFlow registers `tensorflow.GraphDef` and friends in
protobuf's default descriptor pool; registering messages with the same full
names there again fails with "duplicate symbol".  sluice's generated modules
therefore live in a private pool (`POOL`, see _pool.py): `import tensorflow`
and `import sluice` can share one process, and messages cross between the two
only as bytes (`SerializeToString` / `FromString`) or text, never as objects
(the classes differ, so CopyFrom between them raises TypeError).  To print
or parse Any fields in expanded text form, pass `descriptor_pool=POOL` to
text_format.

Regenerating: `sluice/io/protos/regenerate.sh` runs protoc from grpcio-tools
1.62.3 (protoc 25.1, whose output carries no runtime-version check and imports
under protobuf 3.20 through 7.x) with the repository root as proto path, so
generated imports read `from sluice.io.protos import x_pb2`, then points each
module at the private pool.  Usage: `from sluice.io.protos import GraphDef`.
"""

from sluice.io.protos._pool import POOL, Any, message_class
from sluice.io.protos.types_pb2 import DataType, SerializedDType
from sluice.io.protos.tensor_shape_pb2 import TensorShapeProto
from sluice.io.protos.resource_handle_pb2 import ResourceHandleProto
from sluice.io.protos.tensor_pb2 import TensorProto, VariantTensorDataProto
from sluice.io.protos.full_type_pb2 import FullTypeDef, FullTypeId
from sluice.io.protos.attr_value_pb2 import AttrValue, NameAttrList
from sluice.io.protos.node_def_pb2 import NodeDef
from sluice.io.protos.versions_pb2 import VersionDef
from sluice.io.protos.op_def_pb2 import OpDef, OpDeprecation, OpList
from sluice.io.protos.function_pb2 import (
    FunctionDef, FunctionDefLibrary, GradientDef, RegisteredGradient)
from sluice.io.protos.graph_debug_info_pb2 import GraphDebugInfo
from sluice.io.protos.graph_pb2 import GraphDef
from sluice.io.protos.tensor_slice_pb2 import TensorSliceProto
from sluice.io.protos.variable_pb2 import (
    SaveSliceInfoDef, VariableAggregation, VariableDef, VariableSynchronization)
from sluice.io.protos.allocation_description_pb2 import AllocationDescription
from sluice.io.protos.tensor_description_pb2 import TensorDescription
from sluice.io.protos.step_stats_pb2 import (
    AllocationRecord, AllocatorMemoryUsed, DeviceStepStats, MemoryStats,
    NodeExecStats, NodeOutput, StepStats)
from sluice.io.protos.cost_graph_pb2 import CostGraphDef
from sluice.io.protos.histogram_pb2 import HistogramProto
from sluice.io.protos.summary_pb2 import (
    DataClass, Summary, SummaryDescription, SummaryMetadata)
from sluice.io.protos.event_pb2 import (
    Event, LogMessage, SessionLog, SourceMetadata, TaggedRunMetadata)
from sluice.io.protos.feature_pb2 import (
    BytesList, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List)
from sluice.io.protos.example_pb2 import Example, SequenceExample
from sluice.io.protos.saver_pb2 import SaverDef
from sluice.io.protos.checkpoint_state_pb2 import CheckpointState
from sluice.io.protos.tensor_bundle_pb2 import BundleEntryProto, BundleHeaderProto
from sluice.io.protos.error_codes_pb2 import Code as ErrorCode
from sluice.io.protos.queue_runner_pb2 import QueueRunnerDef
from sluice.io.protos.meta_graph_pb2 import (
    AssetFileDef, CollectionDef, MetaGraphDef, SignatureDef, TensorInfo)
from sluice.io.protos.saved_model_pb2 import SavedModel
from sluice.io.protos.rewriter_config_pb2 import (
    AutoParallelOptions, RewriterConfig, ScopedAllocatorOptions)
from sluice.io.protos.config_pb2 import (
    CallableOptions, ConfigProto, GPUOptions, GraphOptions, OptimizerOptions,
    RunMetadata, RunOptions, SessionMetadata, TensorConnection,
    ThreadPoolOptionProto)

__all__ = [name for name in dir()
           if not name.startswith('_') and not name.endswith('_pb2')]
