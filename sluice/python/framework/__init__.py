"""`tensorflow.python.framework`: the graph, dtypes, shapes, errors and test utilities, as TF1 programs import them."""
