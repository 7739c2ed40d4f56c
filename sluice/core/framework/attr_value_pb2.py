"""`tensorflow.core.framework.attr_value_pb2`, as sluice/io/protos/attr_value_pb2."""
from sluice.io.protos.attr_value_pb2 import *  # noqa: F401,F403
from sluice.io.protos.attr_value_pb2 import DESCRIPTOR  # noqa: F401
