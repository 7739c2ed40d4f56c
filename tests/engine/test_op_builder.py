"""The op builder (engine/op_builder.py): input conversion, type attrs, allowed dtypes, TF's errors.

Each case runs on sluice and, where it is installed, on TensorFlow (compat.v1): the same result
name and graph nodes, or the same error class and message.
"""
import numpy as np
import pytest

import sluice

CASES = {
    'python_input_becomes_const_named_after_argument': lambda tf: tf.matmul(tf.constant([[1.]]), [[2.]]),
    'list_values_convert_before_the_op': lambda tf: tf.add_n([tf.constant(1.0), 2.0, 3.0]),
    'list_argument_consts_are_numbered': lambda tf: tf.string_join([tf.constant('a'), 'b']),
    'allowed_dtypes': lambda tf: tf.nn.softmax(tf.constant([1, 2])),
    'allowed_index_dtypes': lambda tf: tf.reduce_sum([1., 2.], axis=tf.constant(0.5)),
    'tensor_mismatch': lambda tf: tf.add(tf.constant(1.0), tf.constant(1)),
    'python_number_mismatch': lambda tf: tf.add(tf.constant(1), 1.5),
    'python_string_for_float': lambda tf: tf.multiply(tf.constant(1.0), 'x'),
    'list_dtypes_differ': lambda tf: tf.add_n([tf.constant(1.0), tf.constant(2)]),
    'ref_required': lambda tf: tf.assign(tf.constant(1.0), 2.0),
    'shape_check_fails_leaves_no_node': lambda tf: tf.reshape(tf.constant([1, 2, 3]), [2, 2]),
    'type_attr_from_earlier_argument': lambda tf: tf.nn.bias_add(tf.constant([[1.0]]), [1]),
}


def _outcome(tf, build):
    g = tf.Graph()
    with g.as_default():
        try:
            result = build(tf)
            return 'ok', result.name, [op.name for op in g.get_operations()]
        except (TypeError, ValueError) as e:
            return type(e).__name__, str(e), [op.name for op in g.get_operations()]


@pytest.mark.parametrize('case', sorted(CASES))
def test_builder_outcomes(case):
    kind, text, nodes = _outcome(sluice, CASES[case])
    expected = EXPECTED[case]
    assert kind == expected[0]
    assert expected[1] in text
    assert nodes == expected[2]


@pytest.mark.tf
@pytest.mark.parametrize('case', sorted(CASES))
def test_builder_outcomes_match_tensorflow(case):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    if case == 'ref_required':
        pytest.skip("TF 2's graph tensors have no assign method to reach the op's check")
    kind, text, nodes = _outcome(tf1, CASES[case])
    expected = EXPECTED[case]
    assert kind == expected[0]
    assert expected[1] in text
    if kind == 'ok' or case == 'shape_check_fails_leaves_no_node':
        assert nodes == expected[2]


# What TF 1.15 gives (checked against TF 2.21 compat.v1 by the test above).
EXPECTED = {
    'python_input_becomes_const_named_after_argument': ('ok', 'MatMul:0', ['Const', 'MatMul/b', 'MatMul']),
    'list_values_convert_before_the_op': ('ok', 'AddN:0', ['Const', 'Const_1', 'Const_2', 'AddN']),
    'list_argument_consts_are_numbered': ('ok', 'StringJoin:0', ['Const', 'StringJoin/inputs_1', 'StringJoin']),
    'allowed_dtypes': ('TypeError', "Value passed to parameter 'logits' has DataType int32 not in list of allowed "
                       'values: float16, bfloat16, float32, float64', ['Const']),
    'allowed_index_dtypes': ('TypeError', "Value passed to parameter 'reduction_indices' has DataType float32",
                             ['Const', 'Sum/input']),
    'tensor_mismatch': ('TypeError', "Input 'y' of 'AddV2' Op has type int32 that does not match type float32 of "
                        "argument 'x'.", ['Const', 'Const_1']),
    'python_number_mismatch': ('TypeError', "Input 'y' of 'AddV2' Op has type float32 that does not match type "
                               "int32 of argument 'x'.", ['Const']),
    'python_string_for_float': ('TypeError', "Expected float32 passed to parameter 'y' of op 'Mul', got 'x' of "
                                "type 'str' instead.", ['Const']),
    'list_dtypes_differ': ('TypeError', "Tensors in list passed to 'inputs' of 'AddN' Op have types "
                           '[float32, int32] that don', ['Const', 'Const_1']),
    'ref_required': ('TypeError', "'Assign' Op requires that input 'ref' be a mutable tensor", ['Const']),
    'shape_check_fails_leaves_no_node': ('ValueError', 'Cannot reshape a tensor with 3 elements to shape [2,2]',
                                         ['Const', 'Reshape/shape']),
    'type_attr_from_earlier_argument': ('ok', 'BiasAdd:0', ['Const', 'BiasAdd/bias', 'BiasAdd']),
}


# Lists convert as TF's make_tensor_proto does: NumPy's array dtype, float64 -> float32, int64 -> int32 when
# lossless. The NumPy-2 case behind it: `max(uint8 labels) + 1` stays np.uint8 (the cookbook's CNN).
LIST_DTYPES = [
    ((np.uint8(10),), 'uint8'), ([np.int8(2), np.int8(3)], 'int8'), ([np.float16(1)], 'float16'),
    ([np.uint16(2)], 'uint16'), ([np.complex64(1)], 'complex64'), ([np.int64(3)], 'int32'),
    ([np.int64(2 ** 40)], 'int64'), ([np.float64(1.5)], 'float32'), ([3, np.uint8(10)], 'int32'),
    ([np.int8(2), 3.5], 'float32'), ([np.float32(1), np.float64(2)], 'float32'), ([np.uint8(1), True], 'uint8'),
    ([[np.uint8(1)], [np.uint8(2)]], 'uint8'), ([1, 2 ** 40], 'int64'), ([True, False], 'bool'), ([1j, 2], 'complex128'),
    (['a', 'b'], 'string'),
]


@pytest.mark.parametrize('value,dtype', LIST_DTYPES, ids=[str(i) for i in range(len(LIST_DTYPES))])
def test_list_dtypes_follow_make_tensor_proto(value, dtype):
    with sluice.Graph().as_default():
        assert sluice.constant(value).dtype.name == dtype


@pytest.mark.tf
def test_list_dtypes_match_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    with tf1.Graph().as_default():
        assert [tf1.constant(v).dtype.name for v, _ in LIST_DTYPES] == [d for _, d in LIST_DTYPES]
