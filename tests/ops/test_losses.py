"""tf.losses against TF 1.x: values (taken from TensorFlow compat.v1 on the same inputs), node names,
reductions, weights checks and the loss collections."""
import numpy as np
import pytest

import sluice as tf
from sluice import losses
from sluice.engine import errors

LABELS = np.array([[0., 1., 1.], [1., 0., 2.]], np.float32)
PREDS = np.array([[0.2, 0.7, 1.5], [0.9, 0.3, 1.0]], np.float32)
ROW_WEIGHTS = np.array([[1.], [0.]], np.float32)

LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -3.0]], np.float32)
ONEHOT = np.array([[1., 0., 0.], [0., 0., 1.]], np.float32)
SPARSE = np.array([0, 2], np.int32)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)




# TF values for mean_squared_error(LABELS, PREDS) under each reduction: no weights, ROW_WEIGHTS,
# and weights [[0, 2, 1]].
MSE_EXPECTED = {
    losses.Reduction.SUM: (1.4800000190734863, 0.3799999952316284, 1.6100000143051147),
    losses.Reduction.MEAN: (0.24666666984558105, 0.12666666507720947, 0.2683333456516266),
    losses.Reduction.SUM_OVER_BATCH_SIZE: (0.24666666984558105, 0.06333333253860474, 0.2683333456516266),
    losses.Reduction.SUM_BY_NONZERO_WEIGHTS: (0.24666666984558105, 0.12666666507720947, 0.4025000035762787),
}


def test_mean_squared_error_reductions():
    fetches = {}
    for reduction in MSE_EXPECTED:
        fetches[reduction] = (losses.mean_squared_error(LABELS, PREDS, reduction=reduction),
                              losses.mean_squared_error(LABELS, PREDS, weights=ROW_WEIGHTS, reduction=reduction),
                              losses.mean_squared_error(LABELS, PREDS, weights=[[0., 2., 1.]], reduction=reduction))
    none = losses.mean_squared_error(LABELS, PREDS, weights=ROW_WEIGHTS, reduction=losses.Reduction.NONE,
                                     loss_collection=None)
    values = _run({'r': fetches, 'none': none})
    for reduction, expected in MSE_EXPECTED.items():
        np.testing.assert_allclose(values['r'][reduction], expected, rtol=2e-6, err_msg=reduction)
    np.testing.assert_allclose(values['none'], [[0.04, 0.09, 0.25], [0., 0., 0.]], rtol=1e-6)
    assert none.name == 'mean_squared_error_12/Mul:0' and none.shape.as_list() == [2, 3]
    assert len(tf.get_collection(tf.GraphKeys.LOSSES)) == 12


def test_loss_names_and_graph_structure():
    loss = losses.mean_squared_error(LABELS, PREDS)
    assert loss.name == 'mean_squared_error/value:0' and loss.op.type == 'DivNoNan'
    assert losses.mean_squared_error(LABELS, PREDS, reduction=losses.Reduction.SUM).name == \
        'mean_squared_error_1/Sum:0'
    names = {op.name for op in tf.get_default_graph().get_operations()}
    for name in ('mean_squared_error/SquaredDifference', 'mean_squared_error/assert_broadcastable/weights',
                 'mean_squared_error/assert_broadcastable/static_scalar_check_success',
                 'mean_squared_error/num_present', 'mean_squared_error/num_present/Select',
                 'mean_squared_error/num_present/broadcast_weights'):
        assert name in names, name
    # The loss runs after the weights check: the weights' Const, made inside the check's block, carries
    # the control input, so the Mul reading it needs none (TF leaves it out too).
    g = tf.get_default_graph()
    check = ['mean_squared_error/assert_broadcastable/static_scalar_check_success']
    assert [op.name for op in g.get_operation_by_name('mean_squared_error/Cast_2/x').control_inputs] == check
    assert g.get_operation_by_name('mean_squared_error/Mul').control_inputs == []
    with tf.name_scope('outer'):
        assert losses.absolute_difference(LABELS, PREDS, scope='mine').name == 'outer/mine/value:0'


def test_other_regression_losses():
    fetches = {
        'abs': losses.absolute_difference(LABELS, PREDS, weights=ROW_WEIGHTS),
        'huber': losses.huber_loss(LABELS, PREDS, delta=0.5),
        'log': losses.log_loss(LABELS / 2, PREDS / 2),
        'cos': losses.cosine_distance(LABELS, PREDS, axis=1),
        'mpse': losses.mean_pairwise_squared_error(LABELS, PREDS),
        'mpse_w': losses.mean_pairwise_squared_error(LABELS, PREDS, weights=[[1.], [2.]]),
        'zero_w': losses.mean_squared_error(LABELS, PREDS, weights=0.),
    }
    values = _run(fetches)
    expected = {'abs': 0.3333333432674408, 'huber': 0.10249999910593033, 'log': 0.5394147038459778,
                'cos': -1.5500000715255737, 'mpse': 1.2133333683013916, 'mpse_w': 2.0999999046325684, 'zero_w': 0.0}
    for key, value in expected.items():
        assert values[key] == pytest.approx(value, rel=2e-6, abs=1e-7), key
    assert fetches['mpse'].name == 'mean_pairwise_squared_error/value_2:0'


def test_dynamic_shapes_check_weights_at_run_time():
    ph = tf.placeholder(tf.float32, [None, 3])
    loss = losses.mean_squared_error(LABELS, ph, weights=ROW_WEIGHTS)
    assert _run(loss, {ph: PREDS}) == pytest.approx(0.12666666507720947, rel=2e-6)
    unknown = tf.placeholder(tf.float32, [None, None])
    bad = losses.mean_squared_error(unknown, unknown, weights=[[1., 2., 3.]])
    assert _run(bad, {unknown: np.ones([2, 3])}) == 0.0
    with pytest.raises(errors.InvalidArgumentError, match='weights can not be broadcast to values'):
        _run(bad, {unknown: np.ones([2, 2])})


def test_argument_errors():
    with pytest.raises(ValueError, match='^Invalid Reduction Key bad. Key should be one of'):
        losses.compute_weighted_loss([1., 2.], reduction='bad')
    with pytest.raises(ValueError, match=r'Shapes \(3,\) and \(2,\) are incompatible'):
        losses.mean_squared_error([1., 2.], [1., 2., 3.])
    with pytest.raises(ValueError, match='^Argument `labels` must not be None.$'):
        losses.mean_squared_error(None, [1.])
    with pytest.raises(ValueError, match=r'^weights can not be broadcast to values. Mismatch at dim 0.'):
        losses.mean_squared_error([[1., 2.]], [[1., 2.]], weights=[[1.], [2.], [3.]])
    with pytest.raises(ValueError, match='^weights can not be broadcast to values. values.rank=2. weights.rank=1.'):
        losses.mean_squared_error(LABELS, PREDS, weights=[1., 2.])
    with pytest.raises(ValueError, match='^You must specify argument `axis`.$'):
        losses.cosine_distance([1.], [1.])


def test_compute_weighted_loss_keeps_input_dtype():
    loss = losses.compute_weighted_loss(tf.constant([1., 2.], tf.float64), weights=[2., 0.])
    assert loss.dtype == tf.float64 and _run(loss) == pytest.approx(2.0)
    assert losses.compute_weighted_loss([3., 5.], reduction=losses.Reduction.SUM).name == 'weighted_loss_1/Sum:0'


def test_collections_and_totals():
    assert losses.get_regularization_loss().name == 'Const:0'
    first = losses.mean_squared_error(LABELS, PREDS)
    losses.mean_squared_error(LABELS, PREDS, loss_collection=None)
    custom = tf.constant(2.0)
    losses.add_loss(custom)
    losses.add_loss(tf.constant(100.0), loss_collection=None)
    assert losses.get_losses() == [first, custom]
    with tf.variable_scope('layer', regularizer=lambda w: tf.reduce_sum(w)):
        tf.get_variable('w', initializer=tf.constant([1., 2.]))
    reg = losses.get_regularization_losses()
    assert [t.name for t in reg] == ['layer/w/Regularizer/Sum:0']
    reg_total = losses.get_regularization_loss()
    total = losses.get_total_loss()
    no_reg = losses.get_total_loss(add_regularization_losses=False, name='plain')
    assert (reg_total.name, total.name, no_reg.name) == ('total_regularization_loss:0', 'total_loss:0', 'plain:0')
    assert losses.get_losses(scope='nothing') == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r, t, p = sess.run([reg_total, total, no_reg])
    assert r == pytest.approx(3.0)
    assert p == pytest.approx(0.24666666984558105 + 2.0, rel=1e-6)
    assert t == pytest.approx(p + 3.0, rel=1e-6)
    assert losses.Reduction.SUM_OVER_NONZERO_WEIGHTS == losses.Reduction.SUM_BY_NONZERO_WEIGHTS


def test_hinge_loss():
    assert _run(losses.hinge_loss(ONEHOT, LOGITS)) == pytest.approx(1.3000000715255737, rel=1e-6)


def test_sigmoid_cross_entropy():
    plain = losses.sigmoid_cross_entropy(ONEHOT, LOGITS)
    smooth = losses.sigmoid_cross_entropy(ONEHOT, LOGITS, label_smoothing=0.2)
    assert plain.name == 'sigmoid_cross_entropy_loss/value:0'
    values = _run([plain, smooth])
    np.testing.assert_allclose(values, [1.0008982419967651, 0.9875648617744446], rtol=1e-6)


def test_softmax_cross_entropy():
    fetches = [losses.softmax_cross_entropy(ONEHOT, LOGITS),
               losses.softmax_cross_entropy(ONEHOT, LOGITS, label_smoothing=0.1),
               losses.softmax_cross_entropy(ONEHOT, LOGITS, weights=[3., 0.])]
    assert fetches[0].name == 'softmax_cross_entropy_loss/value:0'
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert 'softmax_cross_entropy_loss/labels_stop_gradient' in names
    np.testing.assert_allclose(_run(fetches), [2.053440809249878, 2.0234408378601074, 0.72393399477005], rtol=1e-6)


def test_sparse_softmax_cross_entropy():
    plain = losses.sparse_softmax_cross_entropy(SPARSE, LOGITS)
    # A trailing size-1 labels dim, and weights one rank above the labels, are squeezed.
    column = losses.sparse_softmax_cross_entropy(SPARSE[:, None], LOGITS, weights=[[2.], [1.]])
    assert plain.name == 'sparse_softmax_cross_entropy_loss/value:0'
    np.testing.assert_allclose(_run([plain, column]), [2.053440809249878, 2.1740965843200684], rtol=1e-6)
