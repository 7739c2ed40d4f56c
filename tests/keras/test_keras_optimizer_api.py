"""tf.keras.optimizers on their own: hyper variables and K.set_value, weights, configs and serialization,
learning-rate schedules, TFOptimizer, the errors TF 1.15 raises, and each update on every device
against its formula written out in NumPy (the Keras-only updates: KerasMomentum, AMSGrad, AdagradV2,
AdaMax, Nadam).
"""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import optimizers
from sluice.keras import backend as K
from sluice.keras.optimizer_v2.optimizer_v2 import OptimizerV2

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
G = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, 0.6]], np.float32)


def _quadratic(dtype=np.float32, name='w'):
    """w and a loss whose gradient is G (sum(w * G))."""
    w = tf.get_variable(name, initializer=W0.astype(dtype), use_resource=True)
    return w, tf.reduce_sum(w * tf.constant(G.astype(dtype)))


def _steps(opt, n, dtype=np.float32, device='/cpu:0'):
    """The weights after each of n steps; opt.config_after_steps is its get_config then."""
    with tf.device(device):
        w, loss = _quadratic(dtype)
        step = opt.get_updates(loss, [w])
    with tf.Session() as sess, sess.as_default():
        sess.run(tf.global_variables_initializer())
        values = []
        for _ in range(n):
            sess.run(step)
            values.append(sess.run(w))
        opt.config_after_steps = opt.get_config()  # hyper variables are read through the session
        return values


# -- each update against its formula --------------------------------------------------------------------

def _keras_momentum(n, lr, momentum, nesterov):
    w, accum, out = W0.astype(np.float64), np.zeros_like(W0, np.float64), []
    for _ in range(n):
        accum = accum * momentum - lr * G
        w = w + (accum * momentum - lr * G if nesterov else accum)
        out.append(w)
    return out


def _adam(n, lr, b1, b2, eps, amsgrad):
    w, m, v, vhat, out = W0.astype(np.float64), 0., 0., 0., []
    for t in range(1, n + 1):
        m = b1 * m + (1 - b1) * G
        v = b2 * v + (1 - b2) * G * G
        vhat = np.maximum(vhat, v)
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(vhat if amsgrad else v) + eps)
        out.append(w)
    return out


def _adagrad(n, lr, init, eps):
    w, acc, out = W0.astype(np.float64), init, []
    for _ in range(n):
        acc = acc + G * G
        w = w - lr * G / (np.sqrt(acc) + eps)
        out.append(w)
    return out


def _adamax(n, lr, b1, b2, eps):
    w, m, v, out = W0.astype(np.float64), 0., 0., []
    for t in range(1, n + 1):
        m = b1 * m + (1 - b1) * G
        v = np.maximum(b2 * v, np.abs(G))
        w = w - lr / (1 - b1 ** t) * m / (v + eps)
        out.append(w)
    return out


def _nadam(n, lr, b1, b2, eps, decay=0.004):
    w, m, v, prod, out = W0.astype(np.float64), 0., 0., 1., []
    for t in range(1, n + 1):
        mu_t = b1 * (1 - 0.5 * 0.96 ** (decay * t))
        mu_next = b1 * (1 - 0.5 * 0.96 ** (decay * (t + 1)))
        prod = prod * mu_t
        m = b1 * m + (1 - b1) * G
        v = b2 * v + (1 - b2) * G * G
        m_bar = (1 - mu_t) * G / (1 - prod) + mu_next * m / (1 - prod * mu_next)
        w = w - lr * m_bar / (np.sqrt(v / (1 - b2 ** t)) + eps)
        out.append(w)
    return out


_FORMULAS = {
    'sgd_momentum': (lambda: optimizers.SGD(0.1, momentum=0.9), lambda n: _keras_momentum(n, 0.1, 0.9, False)),
    'sgd_nesterov': (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                     lambda n: _keras_momentum(n, 0.1, 0.9, True)),
    'adam': (lambda: optimizers.Adam(0.1), lambda n: _adam(n, 0.1, 0.9, 0.999, 1e-7, False)),
    'amsgrad': (lambda: optimizers.Adam(0.1, amsgrad=True), lambda n: _adam(n, 0.1, 0.9, 0.999, 1e-7, True)),
    'adagrad': (lambda: optimizers.Adagrad(0.1), lambda n: _adagrad(n, 0.1, 0.1, 1e-7)),
    'adamax': (lambda: optimizers.Adamax(0.1), lambda n: _adamax(n, 0.1, 0.9, 0.999, 1e-7)),
    'nadam': (lambda: optimizers.Nadam(0.1), lambda n: _nadam(n, 0.1, 0.9, 0.999, 1e-7)),
}


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name', sorted(_FORMULAS))
def test_updates_follow_their_formulas_on_every_device(name, dtype, device):
    make, formula = _FORMULAS[name]
    got = _steps(make(), 3, dtype, device)
    # hypers are float32 variables (as in TF), so float64 weights see float32-rounded rates
    for g, e in zip(got, formula(3)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


# -- hyper-parameters -----------------------------------------------------------------------------------

def test_hypers_become_variables_and_set_value_changes_the_rate():
    opt = optimizers.SGD(learning_rate=0.1)
    w, loss = _quadratic()
    step = opt.get_updates(loss, [w])
    assert opt.lr is opt.learning_rate and opt.lr.name == 'SGD/learning_rate:0' and opt.lr.dtype == tf.float32
    assert opt.iterations.name == 'SGD/iter:0' and opt.iterations.dtype == tf.int64
    with tf.Session() as sess, sess.as_default():
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), W0 - 0.1 * G, rtol=1e-6)
        K.set_value(opt.lr, 0.5)
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), W0 - 0.6 * G, rtol=1e-6)
        opt.learning_rate = 0.25  # assigning a built hyper writes its variable
        assert K.get_value(opt.lr) == 0.25
        assert sess.run(opt.iterations) == 2
        assert opt.get_config()['learning_rate'] == 0.25


def test_decay_divides_the_rate_by_one_plus_decay_times_iterations():
    got = _steps(optimizers.SGD(0.1, decay=0.5), 3)
    w, expected = W0.astype(np.float64), []
    for t in range(3):
        w = w - 0.1 / (1 + 0.5 * t) * G
        expected.append(w)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_tensor_and_callable_hypers_stay_as_given():
    lr = tf.constant(0.2)
    opt = optimizers.SGD(learning_rate=lambda: lr)
    w, loss = _quadratic()
    step = opt.minimize(loss, [w])
    assert not any(v.op.name == 'SGD/learning_rate' for v in tf.global_variables())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), W0 - 0.2 * G, rtol=1e-6)


def test_clipnorm_and_clipvalue():
    opt = optimizers.SGD(1.0, clipnorm=0.1)
    got = _steps(opt, 1)[0]
    np.testing.assert_allclose(got, W0 - G * 0.1 / np.linalg.norm(G), rtol=1e-5)
    assert opt.config_after_steps['clipnorm'] == 0.1
    tf.reset_default_graph()
    got = _steps(optimizers.SGD(1.0, clipvalue=0.2), 1)[0]
    np.testing.assert_allclose(got, W0 - np.clip(G, -0.2, 0.2), rtol=1e-6)


def test_constraint_is_applied_after_a_dense_update():
    w = tf.get_variable('w', initializer=W0, use_resource=True, constraint=lambda x: tf.clip_by_value(x, -1., 1.))
    step = optimizers.SGD(1.0).minimize(tf.reduce_sum(w * G), [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), np.clip(W0 - G, -1, 1), rtol=1e-6)


# -- weights, configs, serialization ------------------------------------------------------------------------

def test_weights_are_the_counter_then_the_slots_and_round_trip():
    opt = optimizers.Adam(0.1)
    w, loss = _quadratic()
    step = opt.get_updates(loss, [w])
    assert [v.name for v in opt.weights] == ['Adam/iter:0', 'Adam/w/m:0', 'Adam/w/v:0']
    assert opt.variables() == opt.weights and opt.get_slot_names() == ['m', 'v']
    assert opt.get_slot(w, 'm').name == 'Adam/w/m:0'
    with tf.Session() as sess, sess.as_default():
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        saved = opt.get_weights()
        assert saved[0] == 1
        sess.run(step)
        opt.set_weights(saved)
        for now, then in zip(opt.get_weights(), saved):
            np.testing.assert_array_equal(now, then)
        with pytest.raises(ValueError, match='expecting 3 weights'):
            opt.set_weights(saved[:2])
        with pytest.raises(ValueError, match='not compatible with provided weight shape'):
            opt.set_weights([saved[0], np.zeros(3, np.float32), saved[2]])


def test_config_round_trip_and_serialization():
    opt = optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True, clipvalue=1.0)
    config = opt.get_config()
    assert config == {'name': 'RMSprop', 'learning_rate': 0.01, 'decay': 0.0, 'rho': 0.8, 'momentum': 0.5,
                      'epsilon': 1e-7, 'centered': True, 'clipvalue': 1.0}
    again = optimizers.RMSprop.from_config(config)
    assert again.get_config() == config
    serialized = optimizers.serialize(opt)
    assert serialized == {'class_name': 'RMSprop', 'config': config}
    assert optimizers.deserialize(serialized).get_config() == config
    assert optimizers.SGD.from_config({'lr': 0.3}).get_config()['learning_rate'] == 0.3
    assert optimizers.Adagrad.from_config({'learning_rate': 0.3}).get_config()['initial_accumulator_value'] == 0.


def test_get_accepts_names_dicts_instances_and_tf_optimizers():
    assert type(optimizers.get('adam')) is optimizers.Adam
    assert type(optimizers.get('RMSprop')) is optimizers.RMSprop
    assert type(optimizers.get({'class_name': 'SGD', 'config': {'learning_rate': 0.5}})) is optimizers.SGD
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert optimizers.Optimizer is OptimizerV2 and isinstance(opt, optimizers.Optimizer)
    wrapped = optimizers.get(tf.train.GradientDescentOptimizer(0.1))
    assert isinstance(wrapped, optimizers.TFOptimizer)


def test_errors_are_tfs():
    with pytest.raises(ValueError, match='Unknown optimizer: adamw'):
        optimizers.get('adamw')
    with pytest.raises(ValueError, match='Could not interpret optimizer identifier'):
        optimizers.get(3)
    with pytest.raises(TypeError, match='Unexpected keyword argument passed to optimizer: beta'):
        optimizers.SGD(beta=0.1)
    with pytest.raises(ValueError, match='Expected clipnorm >= 0, received: -1'):
        optimizers.Adam(clipnorm=-1)
    with pytest.raises(ValueError, match=r'`momentum` must be between \[0, 1\]'):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match='initial_accumulator_value must be non-negative'):
        optimizers.Adagrad(initial_accumulator_value=-1.)
    with pytest.raises(ValueError, match='learning_rate_power 0.500000 needs to be negative or zero'):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match='does not support'):
        optimizers.Nadam(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    with pytest.raises(AttributeError, match="'Adam' object has no attribute 'rho'"):
        optimizers.Adam().rho


def test_missing_gradients():
    w, loss = _quadratic()
    unused = tf.get_variable('unused', initializer=1., use_resource=True)
    with pytest.raises(ValueError, match='has `None` for gradient'):
        optimizers.SGD().get_updates(loss, [w, unused])
    with pytest.raises(ValueError, match='No gradients provided for any variable'):
        optimizers.SGD().apply_gradients([(None, unused)])


def test_reference_variables_are_refused_with_a_message():
    v = tf.Variable(W0)
    with pytest.raises(TypeError, match="reference variable"):
        optimizers.Adam().minimize(tf.reduce_sum(v * G), [v])


# -- schedules and TFOptimizer ------------------------------------------------------------------------------

def test_schedule_drives_the_rate_and_serializes():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule)
    got = _steps(opt, 3)
    w, expected = W0.astype(np.float64), []
    for t in range(3):
        w = w - 0.1 * 0.5 ** t * G
        expected.append(w)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6)
    config = opt.config_after_steps
    assert config['learning_rate'] == {'class_name': 'ExponentialDecay', 'config': {
        'initial_learning_rate': 0.1, 'decay_steps': 1, 'decay_rate': 0.5, 'staircase': False, 'name': None}}
    restored = optimizers.SGD.from_config(config)
    assert isinstance(restored.learning_rate, optimizers.schedules.ExponentialDecay)
    with pytest.raises(ValueError, match='Unknown decay: Cosine'):
        optimizers.schedules.deserialize({'class_name': 'Cosine', 'config': {}})


def test_tf_optimizer_counts_its_steps():
    wrapped = optimizers.get(tf.train.MomentumOptimizer(0.1, 0.9))
    assert wrapped.iterations.op.name == 'TFOptimizer/iterations'
    w, loss = _quadratic()
    updates = wrapped.get_updates(loss, [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(updates)
        sess.run(updates)
        assert sess.run(wrapped.iterations) == 2
        np.testing.assert_allclose(sess.run(w), W0 - 0.1 * G - 0.1 * 1.9 * G, rtol=1e-6)
    with pytest.raises(NotImplementedError):
        wrapped.get_config()


def test_keras_session_initializes_the_optimizer_state():
    """K.get_session() initializes what the optimizers create (slots, hypers, the counter), as model.fit needs."""
    w = K.variable(W0, name='w')
    keras_step = optimizers.Adam(0.1).get_updates(tf.reduce_sum(w * G), [w])
    v = K.variable(W0, name='v')
    tf_step = optimizers.get(tf.train.AdamOptimizer(0.1)).get_updates(tf.reduce_sum(v * G), [v])
    sess = K.get_session()
    sess.run(keras_step + tf_step)
    expected = _adam(1, 0.1, 0.9, 0.999, 1e-7, False)[0]
    np.testing.assert_allclose(sess.run(w), expected, rtol=1e-5)
    np.testing.assert_allclose(sess.run(v), _adam(1, 0.1, 0.9, 0.999, 1e-8, False)[0], rtol=1e-5)


def test_names_sluice_lacks_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.keras.optimizers.AdamW yet'):
        tf.keras.optimizers.AdamW
    with pytest.raises(AttributeError, match='sluice does not implement tf.keras.optimizers.schedules.Foo yet'):
        tf.keras.optimizers.schedules.Foo


def test_unnamed_optimizers_take_keras_object_names():
    assert optimizers.SGD(name=None)._name == 'sgd'
    assert optimizers.SGD(name='')._name == 'sgd_1'
    assert optimizers.RMSprop(name=None)._name == 'rm_sprop'  # Keras's snake case of 'RMSprop'
