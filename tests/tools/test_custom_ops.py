"""tf.load_op_library: a custom-op library declared in Python with C kernels, compiled and loaded."""
import textwrap

import numpy as np
import pytest

import sluice as tf
from sluice import custom_ops
from sluice.engine import devices, errors

DECLARATION = '''
import numpy as np
from sluice.custom_ops import Op

CPU_SOURCES = ['scale.c']

scale = Op('ScaleByTest', inputs=['x: float'], outputs=['y: float'], attrs={'factor': ('float', 2.0)},
           shape_fn=lambda op: [op.inputs[0].shape])

@scale.cpu_kernel(functions={'scale_by': 'float32[N] x, float32[N] y, int64 n, float32 factor, errbuf err'})
def _scale_cpu(op, ctx, lib):
    fn, factor = lib.function('scale_by'), op.get_attr('factor')
    def run(x):
        x = np.ascontiguousarray(x, np.float32).reshape(-1)
        y = np.empty_like(x)
        fn(op, x, y, x.size, factor)
        return y.reshape(np.shape(x))
    return run

@scale.gpu_kernel(functions=['scale_by'])
def _scale_gpu(op, ctx, module):
    raise AssertionError('no real GPU in these tests')

@scale.gradient
def _scale_grad(op, grad):
    return [grad * op.get_attr('factor')]

pair = Op('PairSumTest', inputs=['a: int32', 'b: int32'], outputs=['total: int32', 'count: int64'],
          shape_fn=lambda op: [op.inputs[0].shape[:0], op.inputs[0].shape[:0]], differentiable=False)

@pair.cpu_kernel(functions={'pair_sum': 'int32[N] a, int32[N] b, int32[] total, int64[] count'})
def _pair_cpu(op, ctx, lib):
    fn = lib.function('pair_sum')
    def run(a, b):
        total, count = np.zeros((), np.int32), np.zeros((), np.int64)
        fn(op, np.ascontiguousarray(a), np.ascontiguousarray(b), total, count)
        return total, count
    return run
'''

SOURCE = r'''
#include "sluice_op.h"

int scale_by(const float* x, float* y, int64_t n, float factor, char* err) {
    if (factor < 0) return sluice_fail(err, "factor must be >= 0, got %g", factor);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * factor;
    return 0;
}

int pair_sum(const int32_t* a, const int32_t* b, int32_t* total, int64_t* count) {
    /* the count is the size the signature guarantees a and b share */
    (void)b;
    *total = 0;
    *count = 0;
    return 0;
}
'''


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.setenv('SLUICE_OP_CACHE', str(tmp_path / 'cache'))
    folder = tmp_path / 'scale_ops'
    folder.mkdir()
    (folder / 'op_library.py').write_text(DECLARATION)
    (folder / 'scale.c').write_text(SOURCE)
    loaded = []

    def load(source=None, declaration=None):
        if source is not None:
            (folder / 'scale.c').write_text(source)
        if declaration is not None:
            (folder / 'op_library.py').write_text(declaration)
        module = tf.load_op_library(str(folder))
        loaded.append(module)
        return module
    yield load
    for module in loaded:
        custom_ops.unload_op_library(module)


def test_ops_run_with_gradient_and_names(library):
    ops = library()
    assert ops.OP_TYPES == ['ScaleByTest', 'PairSumTest']
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [3], name='x')
        y = ops.scale_by_test(x, factor=3.0, name='scaled')
        assert y.op.type == 'ScaleByTest' and y.op.name == 'scaled' and y.shape.as_list() == [3]
        (grad,) = tf.gradients(tf.reduce_sum(y * y), x)
        total, count = ops.pair_sum_test(a=[1, 2], b=[3, 4])
        with tf.Session() as sess:
            out, g = sess.run([y, grad], {x: [1.0, 2.0, -1.0]})
            assert sess.run(count) == 0
    np.testing.assert_allclose(out, [3.0, 6.0, -3.0])
    np.testing.assert_allclose(g, 2 * 9 * np.array([1.0, 2.0, -1.0]))


def test_same_library_loads_once(library):
    assert library() is library()


def test_name_clash_with_a_sluice_op(tmp_path, monkeypatch):
    monkeypatch.setenv('SLUICE_OP_CACHE', str(tmp_path / 'cache'))
    path = tmp_path / 'clash.py'
    path.write_text("from sluice.custom_ops import Op\nmatmul = Op('MatMul', outputs=['y: float'])\n")
    with pytest.raises(errors.AlreadyExistsError, match='Op with name MatMul already registered'):
        tf.load_op_library(str(path))


def test_kernel_error_message_becomes_the_ops_error(library):
    ops = library()
    with tf.Graph().as_default():
        y = ops.scale_by_test([1.0], factor=-1.0)
        with tf.Session() as sess, pytest.raises(errors.InvalidArgumentError, match='factor must be >= 0, got -1'):
            sess.run(y)


def test_shapes_are_checked_before_the_kernel_runs(library):
    ops = library()
    with tf.Graph().as_default():
        total, _ = ops.pair_sum_test([1, 2, 3], tf.placeholder(tf.int32, [None]))
        with tf.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError,
                               match=r'argument b has shape \[2\], but its dimension N is 3 elsewhere'):
                sess.run(total, {'Placeholder:0': [1, 2]})


def test_compile_error_names_file_and_line(library):
    bad = SOURCE.replace('*total = 0;', '*total = undefined_name;')
    with pytest.raises(custom_ops.CompileError) as info:
        library(source=bad)
    message = str(info.value)
    line = bad.splitlines().index('    *total = undefined_name;') + 1
    assert 'scale.c:%d:' % line in message and 'undefined_name' in message
    assert isinstance(info.value, errors.InvalidArgumentError)


def test_missing_kernel_symbol_is_an_error_at_load(library):
    with pytest.raises(errors.NotFoundError, match='no kernel function pair_sum'):
        library(source=SOURCE.replace('int pair_sum(', 'int pair_sum_renamed('))


def test_bad_signature_and_bad_path(library, tmp_path):
    with pytest.raises(ValueError, match='Bad kernel argument'):
        library(declaration=DECLARATION.replace('int64 n,', 'long n,'))
    with pytest.raises(errors.NotFoundError, match='not a custom-op library'):
        tf.load_op_library(str(tmp_path / 'nowhere'))


def test_cache_is_keyed_by_source_hash(library, tmp_path):
    library()
    cache = tmp_path / 'cache'
    built = sorted(p.name for p in cache.iterdir())
    assert len(built) == 1 and built[0].startswith('scale_ops-') and built[0].endswith('.so')


def test_fake_gpu_runs_the_cpu_kernel(library):
    ops = library()
    with devices.fake_gpus(1), tf.Graph().as_default():
        with tf.device('/gpu:0'):
            y = ops.scale_by_test(tf.constant([1.0, 2.0]), factor=0.5)
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(y), [0.5, 1.0])


def test_function_arguments_are_checked(library):
    ops = library()
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match='unexpected arguments bogus'):
            ops.scale_by_test([1.0], bogus=1)
        with pytest.raises(TypeError, match="missing input 'b'"):
            ops.pair_sum_test([1])
    assert textwrap.dedent(ops.scale_by_test.__name__) == 'scale_by_test'
