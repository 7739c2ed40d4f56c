"""PreventGradient (ops/array_ops.py) and where TF 1.15 puts it: the gradient of
SparseSoftmaxCrossEntropyWithLogits passes its backprop output through one, so a second derivative of
the sparse cross entropy raises TF's LookupError instead of a silently wrong value (TF 1.15's nn_grad.py
and array_grad.py; TF 2.x computes that second derivative, so the facts come from the 1.15 source)."""
import numpy as np
import pytest

import sluice as tf
from sluice.ops import array_ops

LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -3.0]], np.float32)
LABELS = np.array([0, 2], np.int32)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_prevent_gradient_is_an_identity_whose_derivative_raises_with_the_reason():
    x = tf.constant(LOGITS)
    y = array_ops.prevent_gradient(x, message='no way back')
    assert y.op.type == 'PreventGradient' and y.op.get_attr('message') == 'no way back'
    assert y.shape.as_list() == [2, 3]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), LOGITS)
    with pytest.raises(LookupError, match='Gradient explicitly disabled. Reason: no way back'):
        tf.gradients(tf.reduce_sum(y), x)


def test_sparse_cross_entropy_gradient_is_softmax_minus_onehot_and_has_no_second_derivative():
    logits = tf.placeholder(tf.float32, (None, 3))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=LABELS, logits=logits))
    grad = tf.gradients(loss, logits)[0]
    guards = [op for op in tf.get_default_graph().get_operations() if op.type == 'PreventGradient']
    assert [op.name for op in guards] == [
        'gradients/SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits_grad/PreventGradient']
    with tf.Session() as sess:
        value = sess.run(grad, {logits: LOGITS})
    softmax = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    np.testing.assert_allclose(value, (softmax - np.eye(3)[LABELS]) / 2, rtol=1e-6)
    with pytest.raises(LookupError, match='no way to take the second derivative of '
                                          'sparse_softmax_cross_entropy_with_logits'):
        tf.gradients(grad, logits)
