"""tf.test: TestCase and main for unittest-style tests of graphs, a Benchmark base class, GraphDef
comparison, and what the local machine offers (GPUs, CUDA)."""
from unittest import mock  # noqa: F401  (tf.test.mock)

from sluice.engine import devices as _devices

from sluice.ops.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401
from sluice.test.benchmark import Benchmark  # noqa: F401
from sluice.test.case import TestCase, get_temp_dir, main  # noqa: F401
from sluice.test.graph_def_compare import assert_equal_graph_def  # noqa: F401

__all__ = ['is_gpu_available', 'gpu_device_name', 'is_built_with_cuda', 'is_built_with_gpu_support',
           'compute_gradient', 'compute_gradient_error', 'Benchmark', 'TestCase', 'get_temp_dir', 'main',
           'assert_equal_graph_def', 'mock']


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """True when CuPy sees a GPU (with at least the given (major, minor) compute capability)."""
    if _devices.physical_gpu_count() == 0:
        return False
    if min_cuda_compute_capability is None or _devices._fake_gpu_count:
        return True
    cp = _devices.cupy_module()
    for i in range(cp.cuda.runtime.getDeviceCount()):
        props = cp.cuda.runtime.getDeviceProperties(i)
        if (props['major'], props['minor']) >= tuple(min_cuda_compute_capability):
            return True
    return False


def gpu_device_name():
    """'/device:GPU:0' when a GPU is present, else ''."""
    return '/device:GPU:0' if _devices.physical_gpu_count() else ''


def is_built_with_cuda():
    return _devices.cupy_module() is not None


def is_built_with_gpu_support():
    return is_built_with_cuda()


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.test')
