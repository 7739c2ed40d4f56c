"""GPU memory options and running out of memory.

Out-of-memory is tested on the host (NumPy's MemoryError), where the same executor path turns it into
ResourceExhaustedError, and with CuPy's message text; the CuPy pool policy is tested against a real GPU
(marked gpu, in a fresh process).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, executor, gpu_memory


def test_out_of_memory_is_resource_exhausted_naming_the_op_and_sizes_and_the_session_survives():
    big = tf.fill(tf.constant([2 ** 20, 2 ** 20, 2 ** 10], dtype=tf.int64), 1.0, name='huge')
    small = tf.constant(1.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError) as info:
            sess.run(big)
        assert info.value.op is big.op
        assert 'huge' in info.value.message and 'PiB' in info.value.message
        assert sess.run(small) == 1.0


def test_a_cupy_out_of_memory_message_gets_the_readable_size_too():
    # CuPy gives the byte count only; the message names the node, its type and device, as on the host.
    class OutOfMemoryError(Exception):  # cupy.cuda.memory.OutOfMemoryError's name and text
        pass
    text = 'Out of memory allocating 4,503,599,627,370,496 bytes (allocated so far: 0 bytes).'
    assert gpu_memory.out_of_memory_text(OutOfMemoryError(text)) == \
        'Out of memory allocating 4,503,599,627,370,496 bytes (4.00 PiB) (allocated so far: 0 bytes).'
    big = tf.fill(tf.constant([2 ** 20, 2 ** 20, 2 ** 10], dtype=tf.int64), 1.0, name='huge')
    gpu = devices.Device('GPU', 0, np, fake=True)
    error = executor._converted(OutOfMemoryError(text), big.op, gpu)
    assert isinstance(error, tf.errors.ResourceExhaustedError) and error.op is big.op
    assert error.message.startswith('OOM when running huge (Fill) on /job:localhost/replica:0/task:0/device:GPU:0: '
                                    'Out of memory allocating 4,503,599,627,370,496 bytes (4.00 PiB)')


def test_readable_sizes():
    numpy_text = 'Unable to allocate 4.00 PiB for an array with shape (1048576, 1048576, 1024) and data type float32'
    assert gpu_memory.out_of_memory_text(MemoryError(numpy_text)) == numpy_text  # already readable
    assert gpu_memory.out_of_memory_text(MemoryError('out of memory')) == 'out of memory'
    assert [gpu_memory.readable_size(n) for n in (512, 1536, 3 * 2 ** 30)] == ['512 bytes', '1.50 KiB', '3.00 GiB']


# The pool policy is process-wide and set by the first session that configures the GPU (as TF's),
# so the check runs in a fresh process: other GPU tests may have configured it already.
_FRACTION_CHECK = """
import cupy
import sluice as tf
config = tf.ConfigProto(gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25, allow_growth=True))
with tf.Session(config=config) as sess:
    gpu = [d for d in sess.list_devices() if d.device_type == 'GPU'][0]
    total = cupy.cuda.runtime.memGetInfo()[1]
    assert gpu.memory_limit_bytes == int(total * 0.25), gpu.memory_limit_bytes
    assert cupy.get_default_memory_pool().get_limit() == int(total * 0.25), cupy.get_default_memory_pool().get_limit()
    with tf.device('/gpu:0'):
        too_big = tf.fill(tf.constant([int(total * 0.3) // 4], dtype=tf.int64), 1.0)
    try:
        sess.run(too_big)
        raise AssertionError('no ResourceExhaustedError')
    except tf.errors.ResourceExhaustedError:
        pass
    assert sess.run(tf.constant(2.0)) == 2.0
"""


@pytest.mark.gpu
def test_memory_fraction_caps_the_cupy_pool():
    if devices.cupy_module() is None:
        pytest.skip('no GPU present')
    env = {k: v for k, v in os.environ.items() if k != 'SLUICE_FAKE_GPUS'}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, '-c', _FRACTION_CHECK], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
