"""as_string, string_join, string_to_number.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import run_graph
from sluice.engine import errors


def test_strings():
    a = tf.as_string(tf.constant([1.5, -2.25]))
    assert a.name == 'AsString:0' and a.dtype == tf.string
    j = tf.string_join([tf.constant(['a', 'b']), 'x'], separator='-')
    n = tf.string_to_number([' 1.5', '1e3', 'inf', '-0x10'])
    i = tf.string_to_number(['12', ' -7'], out_type=tf.int32)
    assert n.name == 'StringToNumber:0' and n.dtype == tf.float32 and i.dtype == tf.int32
    got = run_graph([a, tf.as_string(tf.constant([7, -3])), tf.as_string(tf.constant([True, False])),
                tf.as_string(tf.constant([3.14159]), precision=2, width=8, fill='0'),
                tf.as_string(tf.constant([3.14159]), scientific=True), tf.as_string(tf.constant([5]), width=4),
                j, n, i])
    assert list(got[0]) == [b'1.500000', b'-2.250000'] and list(got[1]) == [b'7', b'-3']
    assert list(got[2]) == [b'true', b'false'] and list(got[3]) == [b'00003.14']
    assert list(got[4]) == [b'3.141590e+00'] and list(got[5]) == [b'   5'] and list(got[6]) == [b'a-x', b'b-x']
    np.testing.assert_allclose(got[7], [1.5, 1000., np.inf, -16.])
    np.testing.assert_array_equal(got[8], [12, -7])
    for bad, out_type in ((['abc'], tf.int32), (['1.5x'], tf.float32), (['99999999999'], tf.int32),
                          (['1_0'], tf.float32)):
        with pytest.raises(errors.InvalidArgumentError,
                           match='StringToNumberOp could not correctly convert string: %s' % bad[0]):
            run_graph(tf.string_to_number(bad, out_type=out_type))
