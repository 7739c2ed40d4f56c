"""Assign, AssignAdd and AssignSub shape errors word it as TF 1.x's shape inference does."""
import pytest

import sluice as tf


@pytest.fixture
def v():
    return tf.Variable(tf.zeros([2, 3]), name='v')


@pytest.mark.parametrize('make, message', [
    (lambda v: tf.assign(v, [[1., 2.]]),
     "Dimension 0 in both shapes must be equal, but are 2 and 1. Shapes are [2,3] and [1,2]. "
     "for 'Assign' (op: 'Assign') with input shapes: [2,3], [1,2]."),
    (lambda v: v.assign(tf.zeros([2, 4])),
     "Dimension 1 in both shapes must be equal, but are 3 and 4. Shapes are [2,3] and [2,4]. "
     "for 'Assign' (op: 'Assign') with input shapes: [2,3], [2,4]."),
    (lambda v: tf.assign(v, tf.zeros([3])),
     "Shapes must be equal rank, but are 2 and 1 for 'Assign' (op: 'Assign') with input shapes: [2,3], [3]."),
    (lambda v: tf.assign_add(v, tf.zeros([2, 4])),
     "Dimension 1 in both shapes must be equal, but are 3 and 4. Shapes are [2,3] and [2,4]. "
     "for 'AssignAdd' (op: 'AssignAdd') with input shapes: [2,3], [2,4]."),
])
def test_shape_mismatch_messages_are_tfs(v, make, message):
    with pytest.raises(ValueError) as info:
        make(v)
    assert str(info.value) == message


def test_unvalidated_assign_takes_the_value_shape(v):
    assert tf.assign(v, tf.zeros([5]), validate_shape=False).shape.as_list() == [5]
    assert tf.assign(v, tf.placeholder(tf.float32, [None, 3])).shape.as_list() == [2, 3]
