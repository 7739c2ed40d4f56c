"""`tensorflow.core.protobuf.config_pb2`, as sluice/io/protos/config_pb2."""
from sluice.io.protos.config_pb2 import *  # noqa: F401,F403
from sluice.io.protos.config_pb2 import DESCRIPTOR  # noqa: F401
