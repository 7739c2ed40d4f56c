"""`tensorflow.core.protobuf.graph_debug_info_pb2`, as sluice/io/protos/graph_debug_info_pb2."""
from sluice.io.protos.graph_debug_info_pb2 import *  # noqa: F401,F403
from sluice.io.protos.graph_debug_info_pb2 import DESCRIPTOR  # noqa: F401
