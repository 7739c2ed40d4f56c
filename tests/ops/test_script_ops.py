"""tf.py_func (PyFunc / PyFuncStateless): values, structure, errors, no gradient.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import run_graph
from sluice.engine import errors


def test_py_func_values_and_structure():
    x = tf.constant([1., 2.])
    y = tf.py_func(lambda a: a * 2, [x], tf.float32)
    assert y.name == 'PyFunc:0' and y.op.type == 'PyFunc' and y.shape.ndims is None
    assert y.op.get_attr('Tin') == [tf.float32] and y.op.get_attr('Tout') == [tf.float32]
    y2 = tf.py_func(lambda a: (a.astype(np.int32), np.array(3.0)), [x], [tf.int32, tf.float64])
    assert isinstance(y2, list) and [t.dtype for t in y2] == [tf.int32, tf.float64]
    y5 = tf.py_func(lambda a: [a], [x], [tf.float32])
    y6 = tf.py_func(lambda a: None, [x], [])
    assert isinstance(y6, tf.Operation)
    y7 = tf.py_func(lambda a: b'hi', [x], tf.string)
    y7c = tf.py_func(lambda a: np.array([b'hi', b'there!']), [x], tf.string)
    y10 = tf.py_func(lambda a: 'str', [x], tf.string)
    y12 = tf.py_func(lambda: np.float32(1.0), [], tf.float32, stateful=False)
    assert y12.op.type == 'PyFuncStateless'
    kinds = tf.py_func(lambda a, b: repr((type(a).__name__, a.dtype.kind, type(b).__name__)),
                       [tf.constant(['a', 'bc']), tf.constant(3)], tf.string)
    got = run_graph([y, y2, y5, y6, y7, y7c, y10, y12, kinds])
    np.testing.assert_array_equal(got[0], [2., 4.])
    assert got[1][0].dtype == np.int32 and got[1][1] == 3.0
    np.testing.assert_array_equal(got[2][0], [1., 2.])
    assert got[3] is None
    assert got[4] == b'hi' and list(got[5]) == [b'hi', b'there!'] and got[6] == b'str'
    assert got[7] == np.float32(1.0)
    assert got[8] == b"('ndarray', 'O', 'int32')"  # strings as an object array, scalars as NumPy scalars


@pytest.mark.parametrize('func,tout,cls,text', [
    (lambda a: 2.5, tf.float32, errors.InvalidArgumentError, '0-th value returned by pyfunc_\\d+ is double, but expects float'),
    (lambda a: (a, a), tf.float32, errors.InvalidArgumentError, 'returns 2 values, but expects to see 1 values'),
    (lambda a: None, tf.float32, errors.InvalidArgumentError, 'returns 0 values, but expects to see 1 values'),
    (lambda a: a.astype(np.int64), tf.int32, errors.InvalidArgumentError, 'is int64, but expects int32'),
    (lambda a: 1 / 0, tf.float32, errors.UnknownError, 'ZeroDivisionError: division by zero'),
    (lambda a: int('x'), tf.float32, errors.InvalidArgumentError, 'ValueError'),
    (lambda a: {}['k'], tf.float32, errors.UnknownError, 'KeyError'),
    (lambda a: exec('raise NotImplementedError("nn")'), tf.float32, errors.UnimplementedError, 'NotImplementedError'),
    (lambda a: exec('raise MemoryError("mm")'), tf.float32, errors.ResourceExhaustedError, 'MemoryError'),
])
def test_py_func_errors(func, tout, cls, text):
    y = tf.py_func(func, [tf.constant([1., 2.])], tout)
    with pytest.raises(cls, match=text):
        run_graph(y)


def test_py_func_has_no_gradient():
    x = tf.constant([1., 2.])
    y = tf.py_func(lambda a: a * 2, [x], tf.float32)
    assert tf.gradients(y, [x]) == [None]
