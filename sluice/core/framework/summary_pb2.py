"""`tensorflow.core.framework.summary_pb2`, as sluice/io/protos/summary_pb2."""
from sluice.io.protos.summary_pb2 import *  # noqa: F401,F403
from sluice.io.protos.summary_pb2 import DESCRIPTOR  # noqa: F401
from sluice.io.protos.histogram_pb2 import HistogramProto  # noqa: F401  (TF 1.15 defines it in summary.proto)
