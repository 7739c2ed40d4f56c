"""`tensorflow.core.protobuf`: the protos of session config, meta graphs, savers (re-exported from sluice/io/protos)."""
