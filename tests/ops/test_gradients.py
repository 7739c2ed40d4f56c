"""tf.gradients, the gradients of the math and array ops, IndexedSlices, the gradient checker.

Every gradient is checked against central finite differences (sluice.ops.gradient_checker, float64
inputs), with static and with unknown shapes. Graph structures and names, and behaviours (None for
unconnected and integer xs, AddN of several paths, stop_gradients, grad_ys, errors) are those the
scratch TensorFlow (compat.v1, graph mode) gives for the same programs.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.ops import gradient_checker
from sluice.ops.indexed_slices import IndexedSlices
from tests.conftest import assert_allclose, run_graph


def _ops(prefix='gradients'):
    return [(op.name, op.type, [t.name for t in op.inputs]) for op in tf.get_default_graph().get_operations()
            if op.name.startswith(prefix)]


# ---------------------------------------------------------------------------------------------
# Every gradient against finite differences
# ---------------------------------------------------------------------------------------------
_TRUE_FALSE = [[True, False, True], [False, True, True]]
CASES = {  # name: (function of the xs, shapes of the xs, range of the random inputs)
    'add': (lambda a, b: a + b, [[2, 3], [3]]),
    'sub': (lambda a, b: a - b, [[2, 1], [1, 3]]),
    'mul': (lambda a, b: a * b, [[2, 3], [2, 1]]),
    'mul_same': (lambda a, b: a * b, [[2, 3], [2, 3]]),
    'realdiv': (lambda a, b: a / b, [[2, 3], [3]]),
    'div': (lambda a, b: tf.div(a, b), [[3], [2, 3]]),
    'pow': (lambda a, b: tf.pow(a, b), [[2, 3], [3]]),
    'maximum': (lambda a, b: tf.maximum(a, b), [[2, 3], [3]]),
    'minimum': (lambda a, b: tf.minimum(a, b), [[2, 3], [3]]),
    'squared_difference': (lambda a, b: tf.squared_difference(a, b), [[2, 3], [3]]),
    'atan2': (lambda a, b: tf.atan2(a, b), [[2, 3], [3]]),
    'div_no_nan': (lambda a, b: tf.div_no_nan(a, b), [[2, 3], [3]]),
    'floormod': (lambda a, b: tf.floormod(a, b * 0.3), [[2, 3], [3]]),
    'matmul': (lambda a, b: tf.matmul(a, b), [[2, 3], [3, 4]]),
    'matmul_ta': (lambda a, b: tf.matmul(a, b, transpose_a=True), [[3, 2], [3, 4]]),
    'matmul_tb': (lambda a, b: tf.matmul(a, b, transpose_b=True), [[2, 3], [4, 3]]),
    'matmul_tab': (lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), [[3, 2], [4, 3]]),
    'batch_matmul_broadcast': (lambda a, b: tf.matmul(a, b), [[2, 2, 3], [3, 2]]),
    'batch_matmul_adjoint': (lambda a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True), [[2, 3, 2], [1, 2, 3]]),
    'add_n': (lambda a, b: tf.add_n([a, b, a]), [[2, 3], [2, 3]]),
    'sum_axis': (lambda a: tf.reduce_sum(a, 1), [[2, 3, 2]]),
    'sum_all': (lambda a: tf.reduce_sum(a), [[2, 3]]),
    'sum_keepdims': (lambda a: tf.reduce_sum(a, [0, 2], keepdims=True), [[2, 3, 2]]),
    'mean': (lambda a: tf.reduce_mean(a, -1), [[2, 3]]),
    'max': (lambda a: tf.reduce_max(a, 1), [[2, 3]]),
    'min_keepdims': (lambda a: tf.reduce_min(a, [0], keepdims=True), [[2, 3]]),
    'prod': (lambda a: tf.reduce_prod(a, 1), [[2, 3]]),
    'prod_two_axes': (lambda a: tf.reduce_prod(a, [0, 2]), [[2, 3, 2]]),
    'cumsum_exclusive': (lambda a: tf.cumsum(a, 1, exclusive=True), [[2, 3]]),
    'cumsum_reverse': (lambda a: tf.cumsum(a, 0, reverse=True), [[2, 3]]),
    'cumprod': (lambda a: tf.cumprod(a, 1), [[2, 3]]),
    'logsumexp': (lambda a: tf.reduce_logsumexp(a, 1), [[2, 3]]),
    'reshape': (lambda a: tf.reshape(a, [3, 2]) * [1., 2.], [[2, 3]]),
    'expand_dims': (lambda a: tf.expand_dims(a, 1) * 2., [[2, 3]]),
    'squeeze': (lambda a: tf.squeeze(a) * 2., [[2, 1, 3]]),
    'concat': (lambda a, b: tf.concat([a, b, a], 1), [[2, 3], [2, 1]]),
    'stack': (lambda a, b: tf.stack([a, b], 1), [[2, 3], [2, 3]]),
    'unstack': (lambda a: tf.unstack(a, num=3, axis=1)[1] * 3., [[2, 3]]),
    'split': (lambda a: tf.split(a, 3, 1)[0] * 2., [[2, 3]]),
    'split_v': (lambda a: tf.split(a, [1, 2], 1)[1] * 2., [[2, 3]]),
    'slice': (lambda a: tf.slice(a, [0, 1], [2, 2]), [[2, 3]]),
    'strided_slice': (lambda a: a[:, ::-2] * 1., [[2, 3]]),
    'strided_slice_shrink_newaxis': (lambda a: a[1, None, 1:] * 1., [[2, 3]]),
    'gather': (lambda a: tf.gather(a, [2, 0, 2]), [[3, 2]]),
    'gather_axis1': (lambda a: tf.gather(a, [[2, 0], [1, 1]], axis=1), [[2, 3]]),
    'gather_nd': (lambda a: tf.gather_nd(a, [[1, 2], [0, 0], [1, 2]]), [[2, 3]]),
    'transpose': (lambda a: tf.transpose(a, [2, 0, 1]), [[2, 3, 2]]),
    'tile': (lambda a: tf.tile(a, [2, 3]), [[2, 3]]),
    'pad': (lambda a: tf.pad(a, [[1, 0], [2, 1]]), [[2, 3]]),
    'pad_v2': (lambda a: tf.pad(a, [[1, 0], [2, 1]], constant_values=3.), [[2, 3]]),
    'mirror_pad_reflect': (lambda a: tf.pad(a, [[1, 1], [2, 1]], 'REFLECT'), [[3, 4]]),
    'mirror_pad_symmetric': (lambda a: tf.pad(a, [[1, 2], [2, 1]], 'SYMMETRIC'), [[3, 4]]),
    'fill': (lambda a: tf.fill([2, 3], tf.reduce_sum(a)), [[2]]),
    'select': (lambda a, b: tf.where(tf.constant(_TRUE_FALSE), a, b), [[2, 3], [2, 3]]),
    'select_v2': (lambda a, b: tf.where_v2(tf.constant(_TRUE_FALSE), a, b), [[2, 1], [3]]),
    'reverse': (lambda a: tf.reverse(a, [1]), [[2, 3]]),
    'identity': (lambda a: tf.identity(a) * 1., [[2, 3]]),
    'placeholder_with_default': (lambda a: tf.placeholder_with_default(a, [2, 3]) * 1., [[2, 3]]),
    'identity_n': (lambda a, b: tf.identity_n([a, b])[1] * 2., [[2], [3]]),
    'clip_by_value': (lambda a: tf.clip_by_value(a, 0.8, 1.2), [[2, 3]]),
    'unsorted_segment_sum': (lambda a: tf.unsorted_segment_sum(a, [0, -1, 2], 3), [[3, 2]]),
    'boolean_mask': (lambda a: tf.boolean_mask(a, [True, False, True]) * 1., [[3, 2]]),
    'cast_double': (lambda a: tf.cast(a * 2., tf.float64), [[2, 3]]),
    'neg': (tf.negative, [[2, 3]]), 'abs': (lambda a: tf.abs(a - 1.), [[2, 3]]), 'square': (tf.square, [[2, 3]]),
    'sqrt': (tf.sqrt, [[2, 3]]), 'rsqrt': (tf.rsqrt, [[2, 3]]), 'exp': (tf.exp, [[2, 3]]),
    'expm1': (tf.expm1, [[2, 3]]), 'log': (tf.log, [[2, 3]]), 'log1p': (tf.log1p, [[2, 3]]),
    'sin': (tf.sin, [[2, 3]]), 'cos': (tf.cos, [[2, 3]]), 'tan': (lambda a: tf.tan(a - 0.5), [[2, 3]]),
    'tanh': (tf.tanh, [[2, 3]]), 'sigmoid': (tf.sigmoid, [[2, 3]]), 'reciprocal': (tf.reciprocal, [[2, 3]]),
    'erf': (tf.erf, [[2, 3]]), 'erfc': (tf.erfc, [[2, 3]]), 'sinh': (tf.sinh, [[2, 3]]),
    'cosh': (tf.cosh, [[2, 3]]), 'asinh': (tf.asinh, [[2, 3]]), 'atan': (tf.atan, [[2, 3]]),
    'asin': (lambda a: tf.asin(a - 1.), [[2, 3]]), 'acos': (lambda a: tf.acos(a - 1.), [[2, 3]]),
    'atanh': (lambda a: tf.atanh(a - 1.), [[2, 3]]), 'acosh': (lambda a: tf.acosh(a + 1.), [[2, 3]]),
    'sign': (lambda a: tf.sign(a) * a, [[2, 3]]),
    'tanh_second_order': (lambda a: tf.gradients(tf.tanh(a) * a, a)[0], [[2, 3]]),
    'sigmoid_second_order': (lambda a: tf.gradients(tf.sigmoid(a * a), a)[0], [[2, 3]]),
    'sqrt_second_order': (lambda a: tf.gradients(tf.sqrt(a) * a, a)[0], [[2, 3]]),
    'rsqrt_second_order': (lambda a: tf.gradients(tf.rsqrt(a) * a, a)[0], [[2, 3]]),
    'reciprocal_second_order': (lambda a: tf.gradients(tf.reciprocal(a) * a, a)[0], [[2, 3]]),
    'gather_second_order': (lambda a: tf.gradients(tf.gather(a * a, [1, 1]), a)[0], [[3]]),
    'matmul_second_order': (lambda a, b: tf.gradients(tf.matmul(a, b) ** 2., a)[0], [[2, 3], [3, 2]]),
}


def _check(build, shapes, dynamic, seed=0):
    """The theoretical and numerical Jacobians of build(*xs) agree (xs: float64 placeholders whose
    shapes are static, or have unknown dims (dynamic), or an unknown rank (dynamic None))."""
    rng = np.random.RandomState(seed)
    values = [rng.uniform(0.5, 1.5, s) for s in shapes]
    xs = [tf.placeholder(tf.float64, None if dynamic is None else [None] * len(s) if dynamic else s)
          for s in shapes]
    y = build(*xs)
    with tf.Session() as sess:
        y_shape = list(sess.run(y, dict(zip(xs, values))).shape)
        results = gradient_checker.compute_gradient(xs, shapes, y, y_shape, x_init_value=values, delta=1e-5)
    for theoretical, numerical in results:
        assert_allclose(theoretical, numerical, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('dynamic', [False, True], ids=['static', 'dynamic'])
@pytest.mark.parametrize('name', sorted(CASES))
def test_gradient_matches_finite_differences(name, dynamic):
    build, shapes = CASES[name]
    _check(build, shapes, dynamic)


@pytest.mark.parametrize('name', ['mul', 'sum_axis', 'max', 'strided_slice', 'gather', 'tile', 'mirror_pad_reflect',
                                  'unsorted_segment_sum', 'tanh', 'prod_two_axes'])
def test_gradient_on_device(name, device):
    build, shapes = CASES[name]
    with tf.device(device):
        _check(build, shapes, dynamic=True)


@pytest.mark.parametrize('name', ['prod_two_axes', 'sum_keepdims', 'max', 'mean', 'gather_axis1', 'concat', 'tile',
                                  'transpose', 'slice', 'mirror_pad_symmetric', 'select_v2', 'batch_matmul_broadcast'])
def test_gradient_with_unknown_ranks(name):
    build, shapes = CASES[name]
    _check(build, shapes, dynamic=None)


def test_float32_cast_gradient():
    x = tf.placeholder(tf.float64, [3])
    g = tf.gradients(tf.cast(tf.cast(x, tf.float32) * 3., tf.float64), x)[0]
    assert g.op.type == 'Cast' and g.dtype == tf.float64
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [3., 3., 3.])


# ---------------------------------------------------------------------------------------------
# Graph structure and names (as the scratch TF builds them)
# ---------------------------------------------------------------------------------------------
def test_structure_of_broadcast_multiply():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    y = tf.placeholder(tf.float32, [3], name='y')
    gx, gy = tf.gradients(x * y, [x, y])
    assert (gx.name, gy.name) == ('gradients/mul_grad/Mul:0', 'gradients/mul_grad/Reshape:0')
    assert _ops() == [
        ('gradients/Shape', 'Const', []),
        ('gradients/grad_ys_0/Const', 'Const', []),
        ('gradients/grad_ys_0', 'Fill', ['gradients/Shape:0', 'gradients/grad_ys_0/Const:0']),
        ('gradients/mul_grad/Mul', 'Mul', ['gradients/grad_ys_0:0', 'y:0']),
        ('gradients/mul_grad/Mul_1', 'Mul', ['x:0', 'gradients/grad_ys_0:0']),
        ('gradients/mul_grad/Shape', 'Const', []),
        ('gradients/mul_grad/Shape_1', 'Const', []),
        ('gradients/mul_grad/Sum/reduction_indices', 'Const', []),
        ('gradients/mul_grad/Sum', 'Sum', ['gradients/mul_grad/Mul_1:0', 'gradients/mul_grad/Sum/reduction_indices:0']),
        ('gradients/mul_grad/Reshape', 'Reshape', ['gradients/mul_grad/Sum:0', 'gradients/mul_grad/Shape_1:0'])]
    gx_v, gy_v = run_graph([gx, gy], {x: np.ones([2, 3]), y: [1., 2., 3.]})
    assert_allclose(gx_v, [[1., 2., 3.]] * 2)
    assert_allclose(gy_v, [2., 2., 2.])


def test_structure_of_matmul_tanh_and_transpose():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    w = tf.placeholder(tf.float32, [3, 4], name='w')
    gx, gw = tf.gradients(tf.tanh(tf.matmul(x, w)), [x, w])
    assert (gx.name, gw.name) == ('gradients/MatMul_grad/MatMul:0', 'gradients/MatMul_grad/MatMul_1:0')
    assert _ops()[3:] == [
        ('gradients/Tanh_grad/TanhGrad', 'TanhGrad', ['Tanh:0', 'gradients/grad_ys_0:0']),
        ('gradients/MatMul_grad/MatMul', 'MatMul', ['gradients/Tanh_grad/TanhGrad:0', 'w:0']),
        ('gradients/MatMul_grad/MatMul_1', 'MatMul', ['x:0', 'gradients/Tanh_grad/TanhGrad:0'])]
    assert gx.op.get_attr('transpose_b') and gw.op.get_attr('transpose_a')
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    g = tf.gradients(tf.transpose(x), x)[0]
    assert g.name == 'gradients/transpose_grad/transpose:0'
    assert g.op.inputs[1].op.type == 'InvertPermutation'


def test_dynamic_shapes_use_broadcast_gradient_args():
    x = tf.placeholder(tf.float32, None, name='x')
    z = tf.reduce_sum(x * x) + x[0]
    g = tf.gradients(z, x)[0]
    assert g.name == 'gradients/AddN:0'
    ops = dict((name, (kind, inputs)) for name, kind, inputs in _ops())
    assert ops['gradients/add_grad/BroadcastGradientArgs'] == (
        'BroadcastGradientArgs', ['gradients/add_grad/Shape:0', 'gradients/add_grad/Shape_1:0'])
    assert ops['gradients/add_grad/Sum_1'] == (
        'Sum', ['gradients/grad_ys_0:0', 'gradients/add_grad/BroadcastGradientArgs:1'])
    assert ops['gradients/strided_slice_grad/StridedSliceGrad'][0] == 'StridedSliceGrad'
    assert ops['gradients/AddN'][1] == ['gradients/strided_slice_grad/StridedSliceGrad:0',
                                        'gradients/mul_grad/Reshape:0', 'gradients/mul_grad/Reshape_1:0']
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [3., 4., 6.])


def test_partly_known_shapes_reduce_statically():
    x = tf.placeholder(tf.float32, [None, 3], name='x')
    y = tf.placeholder(tf.float32, [3], name='y')
    gx, gy = tf.gradients(x + y, [x, y])
    assert (gx.name, gy.name) == ('gradients/grad_ys_0:0', 'gradients/add_grad/Reshape:0')
    assert gy.shape.as_list() == [3]
    assert_allclose(run_graph(gy, {x: np.ones([4, 3]), y: [1., 2., 3.]}), [4., 4., 4.])


def test_reduce_sum_gradient_is_reshape_and_tile():
    x = tf.placeholder(tf.float32, [4, 3], name='x')
    g = tf.gradients(tf.reduce_sum(x, 1), x)[0]
    assert g.name == 'gradients/Sum_grad/Tile:0'
    assert g.op.inputs[0].op.type == 'Reshape'


def test_unused_outputs_get_zeros_like():
    x = tf.placeholder(tf.float32, [4, 3], name='x')
    a, _ = tf.split(x, 2)
    g = tf.gradients(a * 2.0, x, grad_ys=tf.ones([2, 3]))[0]
    assert g.name == 'gradients/split_grad/concat:0'
    ops = _ops()
    assert ops[0] == ('gradients/grad_ys_0', 'Identity', ['ones:0'])
    assert ('gradients/zeros_like', 'ZerosLike', ['split:1']) in ops
    assert_allclose(run_graph(g, {x: np.ones([4, 3])}), [[2.] * 3] * 2 + [[0.] * 3] * 2)


# ---------------------------------------------------------------------------------------------
# Semantics
# ---------------------------------------------------------------------------------------------
def test_unconnected_xs_give_none_or_zeros():
    x = tf.placeholder(tf.float32, [2], name='x')
    u = tf.placeholder(tf.float32, [2], name='u')
    assert tf.gradients(x * 2., [x, u])[1] is None
    assert tf.gradients(tf.constant(1.), x) == [None]
    zero = tf.gradients(x * 2., u, unconnected_gradients='zero')[0]
    assert zero.name == 'zeros_like:0'
    assert_allclose(run_graph(zero), [0., 0.])
    assert tf.gradients(x, x)[0].name == 'gradients_3/grad_ys_0:0'


def test_several_paths_are_summed_with_add_n():
    x = tf.placeholder(tf.float32, [3], name='x')
    g = tf.gradients(x * x + x, x)[0]
    assert g.op.type == 'AddN' and g.name == 'gradients/AddN:0'
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [3., 5., 7.])
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [3], name='x')
    g = tf.gradients(x * x + x, x, aggregation_method=tf.AggregationMethod.EXPERIMENTAL_TREE)[0]
    assert g.name == 'gradients/x_gradient_sum/AddN_1:0'
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [3., 5., 7.])


def test_ys_lists_are_summed():
    x = tf.placeholder(tf.float32, [2], name='x')
    g = tf.gradients([x * 2., x * 3.], x)[0]
    assert_allclose(run_graph(g, {x: [1., 1.]}), [5., 5.])


def test_stop_gradients_and_stop_gradient_op():
    x = tf.placeholder(tf.float32, [3], name='x')
    z = x * 2.
    g = tf.gradients(z * z + tf.stop_gradient(x), x)[0]
    assert g.name == 'gradients/mul_grad/Mul:0'
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [8., 16., 24.])
    gz = tf.gradients(z * x, x, stop_gradients=[z])[0]
    assert_allclose(run_graph(gz, {x: [1., 2., 3.]}), [2., 4., 6.])
    assert tf.gradients(x * x, x, stop_gradients=[x])[0] is not None  # an x itself still receives its gradient
    assert tf.gradients(z, x, stop_gradients=[z]) == [None]


def test_grad_ys():
    x = tf.placeholder(tf.float32, [3], name='x')
    g = tf.gradients(x * 3., x, grad_ys=[[1., 2., 3.]])[0]
    assert_allclose(run_graph(g, {x: [0., 0., 0.]}), [3., 6., 9.])
    with pytest.raises(ValueError, match='Passed 1 grad_ys for 2 ys'):
        tf.gradients([x, x], x, grad_ys=[x])
    with pytest.raises(TypeError, match='must set grad_ys'):
        tf.gradients(tf.cast(x, tf.complex64), x)


def test_integer_tensors_get_no_gradient():
    x = tf.placeholder(tf.float32, [2], name='x')
    i = tf.placeholder(tf.int32, [2], name='i')
    gx, gi = tf.gradients(tf.cast(i, tf.float32) * x, [x, i])
    assert gi is None
    assert_allclose(run_graph(gx, {x: [1., 1.], i: [2, 3]}), [2., 3.])
    assert tf.gradients(tf.cast(tf.cast(x, tf.int32), tf.float32), x) == [None]


def test_missing_gradient_is_a_lookup_error():
    x = tf.placeholder(tf.float32, [2], name='x')
    with tf.get_default_graph().gradient_override_map({'Square': 'NoSuchGradientAnywhere'}):
        y = tf.square(x)
    with pytest.raises(LookupError, match=r"No gradient defined for operation 'Square' \(op type: Square\)"):
        tf.gradients(y, x)


def test_register_gradient_and_override_map():
    @tf.RegisterGradient('TestGradientsTripleGrad')
    def _triple(op, grad):
        return grad * 3.

    tf.NotDifferentiable('TestGradientsNothing')
    x = tf.placeholder(tf.float32, [2], name='x')
    g = tf.get_default_graph()
    with g.gradient_override_map({'Identity': 'TestGradientsTripleGrad'}):
        y = tf.identity(x)
    with g.gradient_override_map({'Neg': 'TestGradientsNothing'}):
        n = tf.negative(x)
    assert y.op.get_attr('_gradient_op_type') == 'TestGradientsTripleGrad'
    assert_allclose(run_graph(tf.gradients(y, x)[0], {x: [1., 1.]}), [3., 3.])
    assert tf.gradients(n, x) == [None]
    with pytest.raises(KeyError, match='Registering two gradient'):
        tf.RegisterGradient('TestGradientsTripleGrad')(_triple)
    with pytest.raises(TypeError):
        tf.RegisterGradient(3)


def test_variables_as_xs_through_their_read():
    v = tf.Variable([1., 2.], name='v')
    loss = tf.reduce_sum(v * v)
    g = tf.gradients(loss, v)[0]
    assert g.name == 'gradients/mul_grad/AddN:0' or g.shape.as_list() == [2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert_allclose(sess.run(g), [2., 4.])


def test_gate_and_colocate_gradients():
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [3], name='x')
        y = x * x
    g = tf.gradients(y, x, gate_gradients=True, colocate_gradients_with_ops=True)[0]
    names = [name for name, _, _ in _ops()]
    assert 'gradients/mul_grad/tuple/control_dependency' in names
    mul_grad = tf.get_default_graph().get_operation_by_name('gradients/mul_grad/Mul')
    assert mul_grad.colocation_groups() == [b'loc:@mul']
    assert_allclose(run_graph(g, {x: [1., 2., 3.]}), [2., 4., 6.])


def test_hessians():
    x = tf.placeholder(tf.float32, [3], name='x')
    h = tf.hessians(tf.reduce_sum(x * x * x), x)[0]
    assert h.shape.as_list() == [3, 3]
    assert_allclose(run_graph(h, {x: [1., 2., 3.]}), np.diag([6., 12., 18.]))


def test_cond_gradient():
    x = tf.placeholder(tf.float32, [3], name='x')
    p = tf.placeholder(tf.bool, [], name='p')
    w = tf.Variable([1., 2., 3.], name='w')
    y = tf.cond(p, lambda: x * x * w, lambda: tf.sin(x) + 1.)
    gx, gw = tf.gradients(tf.reduce_sum(y), [x, w])
    assert gx.op.type == 'If'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.array([1., 2., 3.], np.float32)
        a, b = sess.run([gx, gw], {x: xv, p: True})
        assert_allclose(a, 2 * xv * [1., 2., 3.])
        assert_allclose(b, xv * xv)
        a, b = sess.run([gx, gw], {x: xv, p: False})
        assert_allclose(a, np.cos(xv), rtol=1e-5)
        assert_allclose(b, [0., 0., 0.])


def test_cond_gradient_with_passed_through_and_constant_branches():
    x = tf.placeholder(tf.float32, [2], name='x')
    p = tf.placeholder(tf.bool, [], name='p')
    n = tf.placeholder(tf.int32, [], name='n')
    y, k = tf.cond(p, lambda: (x, n + 1), lambda: (tf.constant([5., 5.]), n))
    g = tf.gradients(y * 3., x)[0]
    assert_allclose(run_graph(g, {x: [1., 2.], p: True, n: 0}), [3., 3.])
    assert_allclose(run_graph(g, {x: [1., 2.], p: False, n: 0}), [0., 0.])
    assert tf.gradients(tf.cast(k, tf.float32), x) == [None]


# ---------------------------------------------------------------------------------------------
# IndexedSlices
# ---------------------------------------------------------------------------------------------
def test_gather_gradient_is_indexed_slices():
    v = tf.Variable(np.ones([5, 3], np.float32), name='v')
    g = tf.gradients(tf.reduce_sum(tf.gather(v, [1, 2])), v)[0]
    assert isinstance(g, IndexedSlices) and isinstance(g, tf.IndexedSlices)
    assert g.values.name == 'gradients/GatherV2_grad/Reshape:0' and g.values.shape.as_list() == [2, 3]
    assert g.indices.name == 'gradients/GatherV2_grad/Reshape_1:0'
    assert g.dense_shape.name == 'gradients/GatherV2_grad/Shape:0'
    assert g.dtype == tf.float32 and g.shape.as_list() == [5, 3]
    dense = tf.convert_to_tensor(g)
    assert dense.name == 'UnsortedSegmentSum:0' and dense.shape.as_list() == [5, 3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values, indices, shape, d = sess.run([g.values, g.indices, g.dense_shape, dense])
    assert_allclose(values, np.ones([2, 3]))
    assert indices.tolist() == [1, 2] and shape.tolist() == [5, 3]
    assert_allclose(d, [[0.] * 3, [1.] * 3, [1.] * 3, [0.] * 3, [0.] * 3])


def test_indexed_slices_aggregation():
    v = tf.Variable(np.ones([5, 3], np.float32), name='v')
    both = tf.gradients(tf.gather(v, [1, 2]) * 2. + tf.gather(v, [2, 4]), v)[0]
    assert isinstance(both, IndexedSlices)  # slices of slices: concatenated, not densified
    assert (both.values.name, both.indices.name) == ('gradients/concat:0', 'gradients/concat_1:0')
    mixed = tf.gradients(tf.gather(v, [1, 2]) + v[1:3], v)[0]
    assert mixed.name == 'gradients_1/AddN:0'
    assert mixed.op.inputs[0].name == 'gradients_1/AddN/inputs_0:0'
    assert mixed.op.inputs[0].op.type == 'UnsortedSegmentSum'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values, indices, m = sess.run([both.values, both.indices, mixed])
    assert indices.tolist() == [2, 4, 1, 2]  # TF's order
    assert_allclose(values, [[1.] * 3, [1.] * 3, [2.] * 3, [2.] * 3])
    assert_allclose(m, [[0.] * 3, [2.] * 3, [2.] * 3, [0.] * 3, [0.] * 3])


def test_indexed_slices_flow_through_identity_and_densify_for_other_ops():
    p = tf.placeholder(tf.float32, [4, 2], name='p')
    g = tf.gradients(tf.gather(tf.identity(p), [3, 3, 0]), p)[0]
    assert isinstance(g, IndexedSlices)
    g2 = tf.gradients(tf.gather(p * 2., [3, 3, 0]), p)[0]  # Mul's gradient densifies the slices
    assert isinstance(g2, tf.Tensor)
    assert_allclose(run_graph(g2, {p: np.ones([4, 2])}), [[2., 2.], [0., 0.], [0., 0.], [4., 4.]])
    with pytest.raises(ValueError, match='without dense_shape'):
        tf.convert_to_tensor(tf.IndexedSlices(g.values, g.indices))


# ---------------------------------------------------------------------------------------------
# Kernels of the ops gradients build
# ---------------------------------------------------------------------------------------------
def test_gradient_kernels(device):
    from sluice.engine import op_builder
    with tf.device(device):
        s0 = tf.placeholder(tf.int32, [None])
        s1 = tf.placeholder(tf.int32, [None])
        r0, r1 = op_builder.apply('BroadcastGradientArgs', [s0, s1]).outputs
        e0, e1 = op_builder.apply('BroadcastGradientArgs', [[2, 1], [2, 1]]).outputs
        inv = tf.invert_permutation(tf.constant([2, 0, 1]))
        seg = tf.unsorted_segment_sum(tf.constant([[1., 2.], [3., 4.], [5., 6.]]), tf.constant([1, -1, 1]), 3)
        dy = tf.constant([[1., 2.]])
        ssg = op_builder.output('StridedSliceGrad', [tf.constant([3, 2]), tf.constant([1]), tf.constant([2]),
                                                  tf.constant([1]), dy], {})
        mpg = op_builder.output('MirrorPadGrad', [tf.constant(np.arange(6.)), tf.constant([[2, 1]])],
                             {'mode': 'REFLECT'})
    a, b, e, f, i, s, st, m = run_graph([r0, r1, e0, e1, inv, seg, ssg, mpg], {s0: [2, 1, 3], s1: [3]})
    assert (a.tolist(), b.tolist(), e.tolist(), f.tolist()) == ([1], [0, 1], [], [])  # as TF's kernel
    assert i.tolist() == [1, 2, 0]
    assert_allclose(s, [[0., 0.], [6., 8.], [0., 0.]])
    assert_allclose(st, [[0., 0.], [1., 2.], [0., 0.]])
    # padded [x2 x1 | x0 x1 x2 | x1]: values 0..5 fold back to x0=2, x1=1+3+5, x2=0+4
    assert_allclose(m, [2., 9., 4.])
    with pytest.raises(tf.errors.InvalidArgumentError, match='Incompatible shapes'):
        run_graph(r0, {s0: [2, 3], s1: [4]})


def test_unsorted_segment_sum_checks_ids():
    seg = tf.unsorted_segment_sum(tf.constant([1., 2.]), tf.placeholder(tf.int32, [2], name='ids'), 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match='out of range'):
        run_graph(seg, {'ids:0': [0, 5]})
    with pytest.raises(ValueError, match='Dimensions must be equal'):
        tf.unsorted_segment_sum(tf.ones([4, 3]), [0, 1, 1], 5)
    assert tf.unsorted_segment_sum(tf.ones([4, 3]), [0, 1, 1, 3], 5).shape.as_list() == [5, 3]


# ---------------------------------------------------------------------------------------------
# The gradient checker
# ---------------------------------------------------------------------------------------------
def test_compute_gradient_shapes_and_error():
    x = tf.placeholder(tf.float64, [2, 3], name='x')
    y = tf.reduce_sum(x * x, 1)
    theoretical, numerical = gradient_checker.compute_gradient(x, [2, 3], y, [2],
                                                               x_init_value=np.arange(6.).reshape(2, 3))
    assert theoretical.shape == numerical.shape == (6, 2)
    assert_allclose(theoretical[:, 0], [0., 2., 4., 0., 0., 0.])
    assert gradient_checker.compute_gradient_error(x, [2, 3], y, [2]) < 1e-6
    w = tf.Variable(np.ones([3], np.float64))
    z = tf.reduce_sum(x * w)
    with tf.Session():
        err = gradient_checker.compute_gradient_error(x, [2, 3], z, [], init_targets=[w.initializer])
    assert err < 1e-6


def test_gradient_of_a_reduction_over_an_unknown_rank_placeholder_fed_a_scalar():
    # The classic TF1 linear-regression tutorial: X = tf.placeholder("float"), one scalar fed per step.
    x, y = tf.placeholder('float'), tf.placeholder('float')
    w = tf.Variable(0.5)
    cost = tf.reduce_sum(tf.pow(x * w - y, 2)) / (2 * 17)
    (gw,) = tf.gradients(cost, [w])
    with tf.Session() as sess:
        sess.run(w.initializer)
        g = sess.run(gw, {x: 3.0, y: 1.0})
        vec = sess.run(gw, {x: [3.0, 1.0], y: [1.0, 0.0]})
    np.testing.assert_allclose(g, 2 * (3.0 * 0.5 - 1.0) * 3.0 / 34, rtol=1e-6)   # TF: 0.0882353
    np.testing.assert_allclose(vec, (2 * 0.5 * 3.0 + 2 * 0.5 * 1.0 * 1.0) / 34, rtol=1e-6)
