"""`tensorflow.python.framework.test_util`: TensorFlowTestCase (tf.test.TestCase) and graph comparison."""
from sluice.test import gpu_device_name, is_gpu_available  # noqa: F401
from sluice.test.case import TestCase as TensorFlowTestCase  # noqa: F401
from sluice.test.graph_def_compare import assert_equal_graph_def  # noqa: F401

assert_equal_graph_def_v1 = assert_equal_graph_def


def deprecated_graph_mode_only(func=None):
    """Marks a test (or test class) to run in graph mode, which sluice always does: it is returned as is.
    Used bare (@deprecated_graph_mode_only) or called (@deprecated_graph_mode_only())."""
    return (lambda f: f) if func is None else func


run_deprecated_v1 = deprecated_graph_mode_only


def run_v1_only(reason, func=None):
    """Marks a test to run in TF1 mode only, which sluice always is: it is returned as is."""
    return (lambda f: f) if func is None else func

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.test_util')
