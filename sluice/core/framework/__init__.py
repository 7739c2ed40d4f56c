"""`tensorflow.core.framework`: the protos of graphs, tensors, attrs, summaries (re-exported from sluice/io/protos)."""
