"""tf.config.experimental: TensorFloat-32 for float32 products on GPUs (engine/tensor_float_32.py)."""
from sluice.engine import tensor_float_32 as _tf32


def enable_tensor_float_32_execution(enabled):
    """Lets float32 matrix products and convolutions on GPUs (Ampere and later) round their inputs
    to TensorFloat-32 (True), or keeps them float32 throughout (False, the default: TF1's semantics)."""
    _tf32.enable(enabled)


def tensor_float_32_execution_enabled():
    """Whether TensorFloat-32 execution is enabled (False unless enable_tensor_float_32_execution(True))."""
    return _tf32.enabled()


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.config.experimental')
