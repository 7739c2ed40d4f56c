"""TensorFloat-32: whether float32 matrix products on GPUs may round their inputs to TF32.

Off by default, as in TF 1.x, whose float32 products are float32 throughout (TF 2.4 turned TF32 on
by default; sluice keeps TF1's semantics). `tf.config.experimental.enable_tensor_float_32_execution`
switches it for the process and `tensor_float_32_execution_enabled()` reads it, as in TF.

The GPU kernels' products (MatMul, BatchMatMul, the im2col GEMMs of the convolutions) go through
CuPy's matmul/dot/tensordot, whose cuBLAS compute type for float32 and complex64 is CuPy's setting per
dtype (`cupy._core.set_compute_type`): COMPUTE_TYPE_TF32 when on, COMPUTE_TYPE_DEFAULT (cuBLAS's
32-bit compute, no TF32) when off. The setting reaches CuPy when it changes and when a session sets
up a real GPU, so CuPy's own CUPY_TF32 environment switch cannot turn it on behind the program's back.
On GPUs before Ampere CuPy computes in float32 whatever the setting.
"""
import threading

import numpy as np

_COMPUTE_TYPE_DEFAULT, _COMPUTE_TYPE_TF32 = 1, 7  # cupy._core._routines_linalg's constants
_enabled = [False]
_applied = {}   # id(cupy module) -> the setting it was given last
_lock = threading.Lock()
_cupy_modules = []  # the CuPy modules sessions set up (one in practice)


def enabled():
    """Whether float32 GPU products may use TF32."""
    return _enabled[0]


def enable(flag):
    """Turns TF32 on (True) or off (False) for the process's GPU products."""
    with _lock:
        _enabled[0] = bool(flag)
        modules = list(_cupy_modules)
    for cp in modules:
        apply_to(cp)


def apply_to(cp):
    """Gives CuPy module `cp` the current setting (called when a session sets up a real GPU)."""
    with _lock:
        if cp not in _cupy_modules:
            _cupy_modules.append(cp)
        want = _enabled[0]
        if _applied.get(id(cp)) is want:
            return
        compute_type = _COMPUTE_TYPE_TF32 if want else _COMPUTE_TYPE_DEFAULT
        for dtype in (np.float32, np.complex64):
            cp._core.set_compute_type(dtype, compute_type)
        _applied[id(cp)] = want
