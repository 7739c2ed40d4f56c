"""`tensorflow.core.framework.device_attributes_pb2`, as sluice/io/protos/device_attributes_pb2."""
from sluice.io.protos.device_attributes_pb2 import *  # noqa: F401,F403
from sluice.io.protos.device_attributes_pb2 import DESCRIPTOR  # noqa: F401
