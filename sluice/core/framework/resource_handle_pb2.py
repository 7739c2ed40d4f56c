"""`tensorflow.core.framework.resource_handle_pb2`, as sluice/io/protos/resource_handle_pb2."""
from sluice.io.protos.resource_handle_pb2 import *  # noqa: F401,F403
from sluice.io.protos.resource_handle_pb2 import DESCRIPTOR  # noqa: F401
