"""`tensorflow.core.util`: the protos of event files (re-exported from sluice/io/protos)."""
