"""`tensorflow.core.protobuf.queue_runner_pb2`, as sluice/io/protos/queue_runner_pb2."""
from sluice.io.protos.queue_runner_pb2 import *  # noqa: F401,F403
from sluice.io.protos.queue_runner_pb2 import DESCRIPTOR  # noqa: F401
