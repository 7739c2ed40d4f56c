"""Math ops: node names and op types, static shapes, dtype rules, values and errors.

Expected names, types, shapes, messages and the values of TF-specific semantics (floor/truncate
division, banker's rounding, integer means, empty reductions, scans) were taken from TensorFlow
2.21's tf.compat.v1 in graph mode; other values are computed with NumPy in the test.
"""
import math

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

from conftest import assert_allclose, run_graph


def _describe(t):
    return t.name, t.op.type, t.dtype.name, t.shape.as_list() if t.shape.ndims is not None else None


# -- graph construction: names, op types, dtypes, shapes --
def test_public_functions_build_tf_node_names_and_op_types():
    a = tf.constant([1., 2.], name='a')
    i = tf.constant([1, 2], name='i')
    b = tf.constant([True, False], name='b')
    built = [tf.add(a, a), tf.subtract(a, a), tf.multiply(i, i), tf.divide(a, a), tf.div(a, a), tf.div(i, i),
             tf.truediv(i, i), tf.floordiv(a, a), tf.mod(i, i), tf.floormod(a, a), tf.pow(a, a),
             tf.maximum(a, a), tf.minimum(i, i), tf.squared_difference(a, a), tf.realdiv(a, a),
             tf.truncatediv(i, i), tf.equal(a, a), tf.not_equal(i, i), tf.less(a, a), tf.less_equal(a, a),
             tf.greater(a, a), tf.greater_equal(a, a), tf.logical_and(b, b), tf.logical_or(b, b),
             tf.logical_not(b), tf.negative(a), tf.abs(i), tf.sign(a), tf.square(a), tf.sqrt(a), tf.rsqrt(a),
             tf.exp(a), tf.log(a), tf.log1p(a), tf.sigmoid(a), tf.tanh(a), tf.reciprocal(a), tf.round(a),
             tf.floor(a), tf.ceil(a), tf.is_nan(a), tf.add_n([a, a, a]), tf.to_float(i), tf.cast(a, tf.int64)]
    assert [(t.name, t.op.type, t.dtype.name) for t in built] == [
        ('Add:0', 'AddV2', 'float32'), ('Sub:0', 'Sub', 'float32'), ('Mul:0', 'Mul', 'int32'),
        ('truediv:0', 'RealDiv', 'float32'), ('div:0', 'RealDiv', 'float32'), ('div_1:0', 'FloorDiv', 'int32'),
        ('truediv_1:0', 'RealDiv', 'float64'), ('floordiv:0', 'FloorDiv', 'float32'),
        ('FloorMod:0', 'FloorMod', 'int32'), ('FloorMod_1:0', 'FloorMod', 'float32'), ('Pow:0', 'Pow', 'float32'),
        ('Maximum:0', 'Maximum', 'float32'), ('Minimum:0', 'Minimum', 'int32'),
        ('SquaredDifference:0', 'SquaredDifference', 'float32'), ('RealDiv:0', 'RealDiv', 'float32'),
        ('TruncateDiv:0', 'TruncateDiv', 'int32'), ('Equal:0', 'Equal', 'bool'), ('NotEqual:0', 'NotEqual', 'bool'),
        ('Less:0', 'Less', 'bool'), ('LessEqual:0', 'LessEqual', 'bool'), ('Greater:0', 'Greater', 'bool'),
        ('GreaterEqual:0', 'GreaterEqual', 'bool'), ('LogicalAnd:0', 'LogicalAnd', 'bool'),
        ('LogicalOr:0', 'LogicalOr', 'bool'), ('LogicalNot:0', 'LogicalNot', 'bool'), ('Neg:0', 'Neg', 'float32'),
        ('Abs:0', 'Abs', 'int32'), ('Sign:0', 'Sign', 'float32'), ('Square:0', 'Square', 'float32'),
        ('Sqrt:0', 'Sqrt', 'float32'), ('Rsqrt:0', 'Rsqrt', 'float32'), ('Exp:0', 'Exp', 'float32'),
        ('Log:0', 'Log', 'float32'), ('Log1p:0', 'Log1p', 'float32'), ('Sigmoid:0', 'Sigmoid', 'float32'),
        ('Tanh:0', 'Tanh', 'float32'), ('Reciprocal:0', 'Reciprocal', 'float32'), ('Round:0', 'Round', 'float32'),
        ('Floor:0', 'Floor', 'float32'), ('Ceil:0', 'Ceil', 'float32'), ('IsNan:0', 'IsNan', 'bool'),
        ('AddN:0', 'AddN', 'float32'), ('ToFloat:0', 'Cast', 'float32'), ('Cast:0', 'Cast', 'int64')]
    assert tf.get_default_graph().get_operation_by_name('Equal').get_attr('incompatible_shape_error') is True
    cast = tf.get_default_graph().get_operation_by_name('ToFloat')
    assert (cast.get_attr('SrcT'), cast.get_attr('DstT'), cast.get_attr('Truncate')) == (tf.int32, tf.float32, False)


def test_operators_use_tf_names_and_convert_python_values_in_the_op_scope():
    a = tf.constant([1., 2.], name='a')
    ops = [a + 1, 1 + a, a - 1, 2 - a, a * 2, a / 2, a // 2, a % 2, a ** 2, 2 ** a, -a, abs(a), a < 1, 1 < a]
    assert [(t.name, t.op.type, [x.name for x in t.op.inputs]) for t in ops] == [
        ('add:0', 'AddV2', ['a:0', 'add/y:0']), ('add_1:0', 'AddV2', ['add_1/x:0', 'a:0']),
        ('sub:0', 'Sub', ['a:0', 'sub/y:0']), ('sub_1:0', 'Sub', ['sub_1/x:0', 'a:0']),
        ('mul:0', 'Mul', ['a:0', 'mul/y:0']), ('truediv:0', 'RealDiv', ['a:0', 'truediv/y:0']),
        ('floordiv:0', 'FloorDiv', ['a:0', 'floordiv/y:0']), ('mod:0', 'FloorMod', ['a:0', 'mod/y:0']),
        ('pow:0', 'Pow', ['a:0', 'pow/y:0']), ('pow_1:0', 'Pow', ['pow_1/x:0', 'a:0']), ('Neg:0', 'Neg', ['a:0']),
        ('Abs:0', 'Abs', ['a:0']), ('Less:0', 'Less', ['a:0', 'Less/y:0']),
        ('Greater:0', 'Greater', ['a:0', 'Greater/y:0'])]
    assert all(t.dtype == tf.float32 for t in ops[:12])
    assert tf.add(a, 1).op.inputs[1].name == 'Add_2/y:0'  # names are unique ignoring case
    with tf.name_scope('s'):
        assert (a + 1).name == 's/add:0'
    assert (np.float32(2) * a).name == 'mul_1:0' and (np.float32(2) * a).op.inputs[1] is a
    i = tf.constant([7, 2])
    quotient = i / 2
    assert quotient.dtype == tf.float64
    assert [x.op.name for x in quotient.op.inputs] == ['truediv_1/Cast', 'truediv_1/Cast_1']


def test_bool_operators_are_logical_and_xor_is_built_from_and_or_not():
    b = tf.constant([True, False], name='b')
    assert [(t.name, t.op.type) for t in (b & b, b | b, ~b, True & b)] == [
        ('and:0', 'LogicalAnd'), ('or:0', 'LogicalOr'), ('LogicalNot:0', 'LogicalNot'), ('and_1:0', 'LogicalAnd')]
    x = b ^ b
    assert (x.name, x.op.type, [t.op.name for t in x.op.inputs]) == ('xor:0', 'LogicalAnd',
                                                                     ['xor/LogicalOr', 'xor/LogicalNot'])
    assert tf.logical_xor(b, b).name == 'LogicalXor:0'
    with pytest.raises(TypeError, match="expected type of bool"):
        tf.constant([1, 2]) & tf.constant([1, 2])


def test_tensors_still_compare_by_identity():
    a = tf.constant(1.0)
    assert a == a and a != tf.constant(1.0) and {a: 1}[a] == 1


def test_matmul_builds_matmul_for_matrices_and_batch_matmul_v2_above_rank_two():
    a, b = tf.ones([2, 3]), tf.ones([3, 5])
    m = tf.matmul(a, b)
    assert _describe(m) == ('MatMul:0', 'MatMul', 'float32', [2, 5])
    assert (m.op.get_attr('transpose_a'), m.op.get_attr('transpose_b')) == (False, False)
    assert _describe(tf.matmul(a, tf.ones([5, 3]), transpose_b=True))[3] == [2, 5]
    assert _describe(tf.matmul(tf.ones([3, 2]), b, adjoint_a=True, a_is_sparse=True))[3] == [2, 5]
    assert _describe(a @ b) == ('matmul_3:0', 'MatMul', 'float32', [2, 5])  # unique ignoring case
    x3 = tf.ones([7, 2, 3])
    bm = tf.matmul(x3, tf.ones([7, 4, 3]), transpose_b=True)
    assert _describe(bm) == ('MatMul_4:0', 'BatchMatMulV2', 'float32', [7, 2, 4])
    assert (bm.op.get_attr('adj_x'), bm.op.get_attr('adj_y')) == (False, True)
    assert _describe(tf.matmul(x3, tf.ones([3, 4])))[1:] == ('BatchMatMulV2', 'float32', [7, 2, 4])
    p = tf.placeholder(tf.float32, [None, 2, 3])
    assert tf.matmul(p, tf.placeholder(tf.float32, [5, 1, 3, 4])).shape.as_list() == [5, None, 2, 4]
    assert tf.matmul(tf.placeholder(tf.float32), b).op.type == 'BatchMatMulV2'
    assert tf.matmul(tf.placeholder(tf.float32, [None, 3]), tf.ones([3, 4])).shape.as_list() == [None, 4]
    with pytest.raises(ValueError, match='Only one of `transpose_a` and `adjoint_a`'):
        tf.matmul(a, b, transpose_a=True, adjoint_a=True)


def test_matmul_shape_errors_follow_tf():
    with pytest.raises(ValueError) as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))
    assert str(e.value) == ("Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input "
                            "shapes: [2,3], [4,5].")
    with pytest.raises(ValueError, match=r'Shape must be rank 2 but is rank 1 for .*\[3\], \[3,4\]'):
        tf.matmul(tf.ones([3]), tf.ones([3, 4]))
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 7 and 6'):
        tf.matmul(tf.ones([7, 2, 3]), tf.ones([6, 3, 4]))
    with pytest.raises(ValueError, match='Shape must be at least rank 2 but is rank 1'):
        tf.matmul(tf.ones([3, 2, 3]), tf.ones([3]))
    with pytest.raises(TypeError, match="Input 'b' of 'MatMul' Op has type int32 that does not match type float32"):
        tf.matmul(tf.ones([2, 3]), tf.ones([3, 4], tf.int32))


def test_reductions_names_attrs_and_static_shapes():
    x = tf.ones([2, 3, 4])
    s = tf.reduce_sum(x, 1)
    assert _describe(s) == ('Sum:0', 'Sum', 'float32', [2, 4])
    assert s.op.inputs[1].name == 'Sum/reduction_indices:0' and s.op.inputs[1].dtype == tf.int32
    assert (s.op.get_attr('keep_dims'), s.op.get_attr('Tidx')) == (False, tf.int32)
    assert tf.reduce_sum(x, [0, -1], keepdims=True).shape.as_list() == [1, 3, 1]
    assert tf.reduce_sum(x, axis=1, keep_dims=True).shape.as_list() == [2, 1, 4]
    assert tf.reduce_sum(x, reduction_indices=[1]).shape.as_list() == [2, 4]
    assert tf.reduce_sum(x).shape.as_list() == [] and tf.reduce_sum(x).op.inputs[1].op.type == 'Const'
    assert tf.reduce_sum(x, axis=()).shape.as_list() == [2, 3, 4]
    assert [_describe(t)[:3] for t in (tf.reduce_mean(x), tf.reduce_max(x), tf.reduce_min(x), tf.reduce_prod(x),
                                       tf.reduce_all(tf.constant([True])), tf.reduce_any(tf.constant([True])))] == [
        ('Mean:0', 'Mean', 'float32'), ('Max:0', 'Max', 'float32'), ('Min:0', 'Min', 'float32'),
        ('Prod:0', 'Prod', 'float32'), ('All:0', 'All', 'bool'), ('Any:0', 'Any', 'bool')]
    axis = tf.placeholder(tf.int32, [])
    assert tf.reduce_sum(x, axis).shape.ndims is None
    assert tf.reduce_sum(x, axis, keepdims=True).shape.as_list() == [None, None, None]
    unknown = tf.placeholder(tf.float32)
    assert tf.reduce_sum(unknown, 1).shape.ndims is None
    assert tf.reduce_sum(tf.placeholder(tf.float32, [None, 3]), 1, keepdims=True).shape.as_list() == [None, 1]
    assert tf.reduce_sum(tf.constant(5, tf.int64), tf.constant([], tf.int64)).op.get_attr('Tidx') == tf.int64
    with pytest.raises(ValueError) as e:
        tf.reduce_sum(x, 5)
    assert str(e.value).startswith("Invalid reduction dimension 5 for input with 3 dimensions. for 'Sum_")
    assert str(e.value).endswith('with input shapes: [2,3,4], [] and with computed input tensors: input[1] = <5>.')
    with pytest.raises(ValueError, match='Invalid reduction dimension -4'):
        tf.reduce_mean(x, -4)
    with pytest.raises(ValueError, match='Shape must be at most rank 1 but is rank 2'):
        tf.reduce_sum(x, [[0]])
    with pytest.raises(ValueError, match="Cannot specify both 'keep_dims' and 'keepdims'."):
        tf.reduce_sum(x, 1, keepdims=True, keep_dims=True)
    with pytest.raises(ValueError, match="Cannot specify both 'reduction_indices' and 'axis'."):
        tf.reduce_sum(x, 1, reduction_indices=1)
    with pytest.raises(TypeError, match="parameter 'reduction_indices' has DataType float32 not in list"):
        tf.reduce_sum(x, 1.0)


def test_argmax_cumsum_and_count_nonzero_graphs():
    x = tf.ones([2, 3, 4])
    m = tf.argmax(x, 1)
    assert _describe(m) == ('ArgMax:0', 'ArgMax', 'int64', [2, 4])
    assert m.op.inputs[1].name == 'ArgMax/dimension:0' and m.op.get_attr('output_type') == tf.int64
    assert _describe(tf.argmin(x, dimension=1, output_type=tf.int32)) == ('ArgMin:0', 'ArgMin', 'int32', [2, 4])
    assert tf.argmax(x).shape.as_list() == [3, 4]
    assert tf.argmax(tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.int32, [])).shape.as_list() == [None]
    with pytest.raises(ValueError, match=r'Dimension \(3\) must be in the range \[-3, 3\), where 3 is the number'):
        tf.argmax(x, 3)
    with pytest.raises(ValueError, match='Shape must be rank 0 but is rank 1'):
        tf.argmax(x, tf.constant([1]))
    c = tf.cumsum(x, 1, exclusive=True, reverse=True)
    assert _describe(c) == ('Cumsum:0', 'Cumsum', 'float32', [2, 3, 4])
    assert (c.op.get_attr('exclusive'), c.op.get_attr('reverse'), c.op.inputs[1].name) == (True, True,
                                                                                          'Cumsum/axis:0')
    n = tf.count_nonzero(x, 1)
    assert _describe(n) == ('count_nonzero/Sum:0', 'Sum', 'int64', [2, 4])
    assert _describe(tf.reduce_logsumexp(x, 1)) == ('ReduceLogSumExp:0', 'AddV2', 'float32', [2, 4])


def test_cast_returns_the_input_when_the_dtype_already_matches():
    a = tf.constant([1.5])
    assert tf.cast(a, tf.float32) is a
    assert _describe(tf.cast(1., tf.int32)) == ('Cast:0', 'Cast', 'int32', [])
    assert tf.to_int64(a).name == 'ToInt64:0' and tf.to_double(a).dtype == tf.float64
    assert tf.round(tf.constant([1])).op.type == 'Const'
    assert tf.saturate_cast(a, tf.uint8).name == 'saturate_cast:0'


def test_add_n_checks_and_single_input():
    a = tf.constant([1., 2.])
    assert tf.add_n([a]) is a
    assert tf.add_n([a], name='s').op.type == 'Identity'
    merged = tf.add_n([tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32, [2, None])])
    assert merged.shape.as_list() == [2, 3]
    with pytest.raises(ValueError, match='Dimension 0 in both shapes must be equal, but are 2 and 3'):
        tf.add_n([tf.ones([2]), tf.ones([3])])
    with pytest.raises(TypeError, match=r"have types \[float32, int32\] that don't all match"):
        tf.add_n([tf.ones([2]), tf.ones([2], tf.int32)])
    with pytest.raises(ValueError):
        tf.add_n([])


def test_dtype_rules_and_type_errors():
    i = tf.constant([1, 2])
    f = tf.constant([1., 2.])
    with pytest.raises(TypeError) as e:
        i + 1.5
    assert str(e.value) == "Input 'y' of 'AddV2' Op has type float32 that does not match type int32 of argument 'x'."
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type int32 that does not match type float32"):
        f + i
    with pytest.raises(TypeError, match="Input 'y' of 'AddV2' Op has type float32 that does not match type int32"):
        tf.add(1, f)
    with pytest.raises(TypeError, match="Value passed to parameter 'x' has DataType int32 not in list of allowed"):
        tf.sqrt(i)
    with pytest.raises(TypeError, match="Input 'x' of 'LogicalAnd' Op has type float32 that does not match"):
        tf.logical_and(f, f)
    with pytest.raises(TypeError, match='must have the same dtype, got tf.int32 != tf.int64'):
        tf.truediv(i, tf.constant([1], tf.int64))
    assert (f + np.float64(1)).dtype == tf.float32 and (i * 2).dtype == tf.int32
    assert (tf.maximum(f, 0).dtype, tf.pow(i, 2).dtype) == (tf.float32, tf.int32)


def test_broadcasting_static_shapes_and_errors():
    assert (tf.ones([2, 1]) + tf.placeholder(tf.float32, [None, 3])).shape.as_list() == [2, 3]
    assert (tf.ones([2, 1]) + tf.placeholder(tf.float32)).shape.ndims is None
    assert (tf.ones([4, 1, 3]) * tf.ones([2, 1])).shape.as_list() == [4, 2, 3]
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 3'):
        tf.add(tf.ones([2]), tf.ones([3]))
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 4'):
        tf.ones([2, 3]) * tf.ones([4, 3])
    with pytest.raises(ValueError, match='Dimensions must be equal'):
        tf.equal(tf.ones([2]), tf.ones([3]))


# -- values, on every device --
def test_arithmetic_values_and_dtypes(device):
    xf = np.array([[1.5, -2.0, 3.0]], np.float32)
    yf = np.array([[2.0], [-0.5]], np.float32)
    xi = np.array([5, -5, 5, -5], np.int32)
    yi = np.array([3, 3, -3, -3], np.int32)
    with tf.device(device):
        a, b, c, d = tf.constant(xf), tf.constant(yf), tf.constant(xi), tf.constant(yi)
        fetches = [a + b, a - b, a * b, a / b, tf.maximum(a, b), tf.minimum(a, b), tf.squared_difference(a, b),
                   a ** 2, tf.floordiv(c, d), tf.floormod(c, d), tf.truncatediv(c, d), tf.truncatemod(c, d),
                   tf.div(c, d), c / d, c * 3 - 1, tf.pow(c, 2), tf.floordiv(tf.constant([1., 7.]), 0.1)]
        r = run_graph(fetches)
    for got, want in zip(r[:8], [xf + yf, xf - yf, xf * yf, xf / yf, np.maximum(xf, yf), np.minimum(xf, yf),
                                 (xf - yf) ** 2, xf ** 2]):
        assert got.dtype == np.float32
        assert_allclose(got, want)
    expected = [[1, -2, -2, 1], [2, 1, -1, -2], [1, -1, -1, 1], [2, -2, 2, -2], [1, -2, -2, 1]]  # from TF
    for got, want in zip(r[8:13], expected):
        assert got.dtype == np.int32 and got.tolist() == want
    assert r[13].dtype == np.float64 and r[13].tolist() == (xi / yi).tolist()
    assert r[14].dtype == np.int32 and r[14].tolist() == [14, -16, 14, -16]
    assert r[15].tolist() == [25, 25, 25, 25]
    assert r[16].tolist() == [10., 70.]  # floor(x / y), not NumPy's floor_divide (9.)


def test_comparisons_logic_and_unary_values(device):
    x = np.array([-1.5, -0.5, 0.0, 0.5, 1.5, 2.5], np.float32)
    with tf.device(device):
        a = tf.constant(x)
        b = tf.constant([True, True, False, False])
        c = tf.constant([True, False, True, False])
        special = tf.constant([np.nan, np.inf, -np.inf, 1.0])
        fetches = [a < 0.5, a <= 0.5, a > 0.5, a >= 0.5, tf.equal(a, 0.5), tf.not_equal(a, 0.5),
                   b & c, b | c, b ^ c, ~b, tf.round(a), tf.sign(a), tf.abs(a), -a, tf.square(a), tf.floor(a),
                   tf.ceil(a), tf.exp(a), tf.expm1(a), tf.sin(a), tf.cos(a), tf.tanh(a), tf.log1p(tf.abs(a)),
                   tf.sqrt(tf.abs(a)), tf.reciprocal(a + 2), tf.rsqrt(tf.abs(a) + 1), tf.is_nan(special),
                   tf.is_inf(special), tf.is_finite(special), tf.sign(tf.constant([-2, 0, 3])), tf.erf(a),
                   tf.log(tf.constant([0., 1.])), tf.abs(tf.constant([-3, 4], tf.int64))]
        r = run_graph(fetches)
    expected_bool = [x < 0.5, x <= 0.5, x > 0.5, x >= 0.5, x == 0.5, x != 0.5]
    for got, want in zip(r[:6], expected_bool):
        assert got.dtype == np.bool_ and got.tolist() == want.tolist()
    assert [v.tolist() for v in r[6:10]] == [[True, False, False, False], [True, True, True, False],
                                             [False, True, True, False], [False, False, True, True]]
    assert r[10].tolist() == [-2., -0., 0., 0., 2., 2.]  # half to even, from TF
    for got, want in zip(r[11:26], [np.sign(x), np.abs(x), -x, x * x, np.floor(x), np.ceil(x), np.exp(x),
                                    np.expm1(x), np.sin(x), np.cos(x), np.tanh(x), np.log1p(np.abs(x)),
                                    np.sqrt(np.abs(x)), 1 / (x + 2), 1 / np.sqrt(np.abs(x) + 1)]):
        assert got.dtype == np.float32
        assert_allclose(got, want)
    assert [v.tolist() for v in r[26:30]] == [[True, False, False, False], [False, True, True, False],
                                              [False, False, False, True], [-1, 0, 1]]
    assert_allclose(r[30], [math.erf(v) for v in x])
    assert r[31].tolist() == [-np.inf, 0.]
    assert r[32].dtype == np.int64 and r[32].tolist() == [3, 4]


def test_sigmoid_is_stable_at_the_extremes(device):
    with tf.device(device):
        s = tf.sigmoid(tf.constant([-100., -20., 0., 20., 100.]))
        r = run_graph(s)
    assert r.dtype == np.float32
    assert_allclose(r, [0., 2.0611537e-09, 0.5, 1., 1.], rtol=1e-5, atol=1e-30)


def test_casts(device):
    with tf.device(device):
        fetches = [tf.cast(tf.constant([1.7, -1.7, 2.5]), tf.int32), tf.cast(tf.constant([1.7, 0., -1.]), tf.bool),
                   tf.cast(tf.constant([True, False]), tf.float32), tf.cast(tf.constant([300, -1]), tf.uint8),
                   tf.to_float(tf.constant([1, 2])), tf.saturate_cast(tf.constant([300., -5., 7.]), tf.uint8),
                   tf.cast(tf.constant([1 + 2j], tf.complex64), tf.float32)]
        r = run_graph(fetches)
    assert r[0].dtype == np.int32 and r[0].tolist() == [1, -1, 2]
    assert r[1].tolist() == [True, False, True]
    assert r[2].dtype == np.float32 and r[2].tolist() == [1., 0.]
    assert r[3].dtype == np.uint8 and r[3].tolist() == [44, 255]  # wraps, as in TF
    assert r[4].dtype == np.float32
    assert r[5].tolist() == [255, 0, 7]
    assert r[6].tolist() == [1.]


def test_reduction_values_keep_tf_dtypes(device):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    with tf.device(device):
        t = tf.constant(x)
        i = tf.constant([[1, 2], [-1, -2]], tf.int32)
        fetches = [tf.reduce_sum(t), tf.reduce_sum(t, [0, -1], keepdims=True), tf.reduce_mean(t, 1),
                   tf.reduce_max(t, 2), tf.reduce_min(t, 0), tf.reduce_prod(t + 1, 1),
                   tf.reduce_all(tf.constant([[True, False], [True, True]]), 1),
                   tf.reduce_any(tf.constant([[True, False], [False, False]]), 1),
                   tf.reduce_mean(i, 1), tf.reduce_sum(i), tf.reduce_sum(tf.constant([2 ** 30, 2 ** 30])),
                   tf.reduce_sum(tf.constant([1, 2], tf.int8)), tf.reduce_mean(tf.constant([1., 2.], tf.float16)),
                   tf.reduce_max(tf.constant(np.zeros([2, 0], np.float32)), 1),
                   tf.reduce_max(tf.constant(np.zeros([1, 0], np.int64)), 1),
                   tf.reduce_prod(tf.constant(np.zeros([0], np.float32))), tf.count_nonzero(t, 1),
                   tf.reduce_sum(t, axis=())]
        r = run_graph(fetches)
    assert r[0].dtype == np.float32 and r[0] == x.sum()
    assert_allclose(r[1], x.sum(axis=(0, 2), keepdims=True))
    assert_allclose(r[2], x.mean(1))
    assert_allclose(r[3], x.max(2))
    assert_allclose(r[4], x.min(0))
    assert_allclose(r[5], (x + 1).prod(1), rtol=1e-5)
    assert r[6].tolist() == [False, True] and r[7].tolist() == [True, False]
    assert r[8].dtype == np.int32 and r[8].tolist() == [1, -1]  # integer mean truncates, from TF
    assert r[9].dtype == np.int32 and r[9] == 0
    assert r[10].dtype == np.int32 and r[10] == -2 ** 31  # int32 sums wrap, from TF
    assert r[11].dtype == np.int8 and r[12].dtype == np.float16 and r[12] == 1.5
    assert r[13].tolist() == [-np.inf, -np.inf]
    assert r[14].tolist() == [np.iinfo(np.int64).min]
    assert r[15] == 1.0
    assert r[16].dtype == np.int64 and r[16].tolist() == np.count_nonzero(x, axis=1).tolist()
    assert_allclose(r[17], x)


def test_reductions_with_fed_axes_and_unknown_ranks(device):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.device(device):
        p = tf.placeholder(tf.float32)
        axis = tf.placeholder(tf.int32)
        s = tf.reduce_sum(p, axis)
        full = tf.reduce_mean(p, 1)
        everything = tf.reduce_sum(p)  # unknown rank: the axes come from Range(0, Rank(p)) at run time
        assert everything.shape.as_list() == []
        with tf.Session() as sess:
            assert sess.run(everything, {p: x}) == x.sum()
            assert_allclose(sess.run(s, {p: x, axis: 1}), x.sum(1))
            assert_allclose(sess.run(s, {p: x, axis: [-1, 0]}), x.sum())
            assert_allclose(sess.run(full, {p: x}), x.mean(1))
            with pytest.raises(errors.InvalidArgumentError, match=r'Invalid reduction dimension \(3 for input with 2'):
                sess.run(s, {p: x, axis: 3})
            with pytest.raises(errors.InvalidArgumentError, match='Axes contains duplicate dimension: 1'):
                sess.run(s, {p: x, axis: [1, -1]})


def test_logsumexp_is_exact_for_large_and_infinite_values(device):
    x = np.array([[1000., 1000.], [-np.inf, -np.inf], [0., np.log(3.)]], np.float32)
    with tf.device(device):
        t = tf.constant(x)
        r = run_graph([tf.reduce_logsumexp(t, 1), tf.reduce_logsumexp(t, 1, keepdims=True),
                       tf.reduce_logsumexp(tf.constant([0., 0.]))])
    assert_allclose(r[0], [1000. + np.log(2.), -np.inf, np.log(4.)], rtol=1e-6)
    assert r[1].shape == (3, 1)
    assert_allclose(r[2], np.log(2.))


def test_argmax_and_scans(device):
    x = np.array([[3., 1., 3.], [0., 5., 2.]], np.float32)
    with tf.device(device):
        t = tf.constant(x)
        v = tf.constant([1, 2, 3])
        fetches = [tf.argmax(t, 1), tf.argmin(t, 0, output_type=tf.int32), tf.argmax(t),
                   tf.cumsum(v), tf.cumsum(v, exclusive=True), tf.cumsum(v, reverse=True),
                   tf.cumsum(v, exclusive=True, reverse=True), tf.cumprod(v, exclusive=True),
                   tf.cumsum(t, 1), tf.cumprod(t, -1, reverse=True)]
        r = run_graph(fetches)
    assert r[0].dtype == np.int64 and r[0].tolist() == [0, 1]
    assert r[1].dtype == np.int32 and r[1].tolist() == [1, 0, 1]
    assert r[2].tolist() == [0, 1, 0]
    assert [a.tolist() for a in r[3:8]] == [[1, 3, 6], [0, 1, 3], [6, 5, 3], [5, 3, 0], [1, 1, 2]]  # from TF
    assert r[3].dtype == np.int32
    assert_allclose(r[8], np.cumsum(x, 1))
    assert_allclose(r[9], np.cumprod(x[:, ::-1], 1)[:, ::-1])


def test_matmul_values(device):
    rng = np.random.RandomState(0)
    a, b = rng.rand(2, 3).astype(np.float32), rng.rand(3, 4).astype(np.float32)
    x, y = rng.rand(5, 2, 3).astype(np.float32), rng.rand(3, 4).astype(np.float32)
    with tf.device(device):
        fetches = [tf.matmul(a, b), tf.matmul(a.T, b, transpose_a=True), tf.matmul(a, b.T, transpose_b=True),
                   tf.matmul(x, y), tf.matmul(x, x, adjoint_b=True),
                   tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]])), tf.add_n([a, a, a])]
        r = run_graph(fetches)
    for got, want in zip(r[:5], [a @ b, a @ b, a @ b, x @ y, x @ np.swapaxes(x, 1, 2)]):
        assert got.dtype == np.float32
        assert_allclose(got, want, rtol=1e-5)
    assert r[5].dtype == np.int32 and r[5].tolist() == [[11]]
    assert_allclose(r[6], 3 * a)


def test_variables_work_with_operators(device):
    with tf.device(device):
        v = tf.Variable([1., 2.])
        w = v * 2 + 1
        with tf.Session() as sess:
            sess.run(v.initializer)
            assert sess.run(w).tolist() == [3., 5.]
            assert sess.run(tf.assign(v, w)).tolist() == [3., 5.]


# -- run-time errors --
def _raises(fetch, feed, match):
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match=match) as e:
            sess.run(fetch, feed)
    return e.value


def test_integer_division_by_zero_is_an_invalid_argument_error(device):
    with tf.device(device):
        x, y = tf.constant([1, 2]), tf.constant([0, 1])
        for fetch in (tf.floordiv(x, y), tf.floormod(x, y), tf.div(x, y), tf.truncatediv(x, y)):
            err = _raises(fetch, None, 'Integer division by zero')
            assert err.op is fetch.op
        assert run_graph(tf.floordiv(tf.constant([1., -1.]), 0.)).tolist() == [np.inf, -np.inf]
        _raises(tf.pow(x, tf.constant([-1, 2])), None, 'Integers to negative integer powers are not allowed')


def test_shapes_only_known_at_run_time_fail_in_the_kernel(device):
    with tf.device(device):
        p, q = tf.placeholder(tf.float32, [None]), tf.placeholder(tf.float32, [None])
        feed = {p: [1., 2.], q: [1., 2., 3.]}
        err = _raises(p + q, feed, r'Incompatible shapes: \[2\] vs. \[3\]')
        assert err.op.name == 'add'
        _raises(tf.add_n([p, q]), feed, r'must have the same size and shape.  Input 0: \[2\] != input 1: \[3\]')
        m, n = tf.placeholder(tf.float32, [None, None]), tf.placeholder(tf.float32, [None, None])
        _raises(tf.matmul(m, n), {m: np.ones([2, 3]), n: np.ones([4, 3])},
                r'Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[4,3\]')
        b1, b2 = tf.placeholder(tf.float32, [None, None, None]), tf.placeholder(tf.float32, [None, None, None])
        _raises(tf.matmul(b1, b2), {b1: np.ones([2, 2, 3]), b2: np.ones([3, 3, 4])},
                'must have compatible batch dimensions')
        k = tf.placeholder(tf.int32, [])
        _raises(tf.argmax(tf.ones([2, 3]), k), {k: 2}, r'Expected dimension in the range \[-2, 2\), but got 2')
        _raises(tf.cumsum(tf.ones([2]), k), {k: 1}, r'ScanOp: Expected scan axis in the range \[-1, 1\), but got 1')


def test_integer_division_by_zero_of_an_empty_result_is_empty_as_in_tf():
    with tf.Session() as sess:
        out = sess.run(tf.floormod(tf.zeros([0], tf.int32), 0))
        assert out.shape == (0,) and out.dtype == np.int32
        with pytest.raises(tf.errors.InvalidArgumentError, match='Integer division by zero'):
            sess.run(tf.floormod(tf.constant([3]), 0))
