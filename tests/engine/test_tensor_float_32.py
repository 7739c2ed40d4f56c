"""TensorFloat-32 (engine/tensor_float_32.py, tf.config.experimental): off by default as in TF 1.x, a
process-wide switch, handed to CuPy's cuBLAS compute type for float32 and complex64."""
import types

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, tensor_float_32


@pytest.fixture(autouse=True)
def restore():
    before = tensor_float_32.enabled()
    modules = list(tensor_float_32._cupy_modules)
    yield
    tensor_float_32.enable(before)
    tensor_float_32._cupy_modules[:] = modules


def _recording_cupy():
    """A stand-in for the cupy module: records set_compute_type(dtype, compute type)."""
    calls = []
    core = types.SimpleNamespace(set_compute_type=lambda dtype, kind: calls.append((np.dtype(dtype), kind)))
    return types.SimpleNamespace(_core=core), calls


def test_off_by_default_and_switched_through_tf_config():
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert tf.config.experimental.tensor_float_32_execution_enabled() is True
    tf.config.experimental.enable_tensor_float_32_execution(False)
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False


def test_the_setting_reaches_cupys_compute_type():
    cp, calls = _recording_cupy()
    tensor_float_32.apply_to(cp)  # a session setting up a real GPU: TF1's float32 products
    assert calls == [(np.dtype(np.float32), 1), (np.dtype(np.complex64), 1)]
    tensor_float_32.apply_to(cp)
    assert len(calls) == 2  # unchanged: not given again
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert calls[2:] == [(np.dtype(np.float32), 7), (np.dtype(np.complex64), 7)]  # COMPUTE_TYPE_TF32
    tf.config.experimental.enable_tensor_float_32_execution(False)
    assert calls[4:] == [(np.dtype(np.float32), 1), (np.dtype(np.complex64), 1)]


def test_names_sluice_lacks_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.config.experimental.set_synchronous_execution'):
        tf.config.experimental.set_synchronous_execution  # noqa: B018


@pytest.mark.gpu
def test_tf32_changes_float32_products_on_an_ampere_gpu():
    cp = devices.cupy_module()
    if cp is None:
        pytest.skip('no GPU present')
    if int(cp.cuda.Device().compute_capability) < 80:
        pytest.skip('TF32 needs compute capability 8.0')
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((256, 256)).astype(np.float32), rng.standard_normal((256, 256)).astype(np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    results = {}
    for flag in (False, True):
        tf.config.experimental.enable_tensor_float_32_execution(flag)
        with tf.Graph().as_default(), tf.device('/gpu:0'):
            product = tf.matmul(tf.constant(a), tf.constant(b))
            with tf.Session() as sess:
                results[flag] = sess.run(product)
    assert np.abs(results[False] - exact).max() < 1e-3  # float32 throughout
    assert np.abs(results[True] - exact).max() > 10 * np.abs(results[False] - exact).max()  # 10-bit mantissas
