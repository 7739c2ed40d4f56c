"""`tensorflow.core.lib.core`: the protos of error codes (re-exported from sluice/io/protos)."""
