"""tf.train optimizers, their Apply*/Scatter* ops and kernels, schedules, moving averages, global step.

Expected values, node names, slot names and error messages come from TensorFlow 1.x
(`tensorflow.compat.v1` with v2 behaviour disabled), run on the same small problems.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.ops import training_ops
from sluice.kernels import training_kernels

T = tf.train

# -- every optimizer, dense and sparse, 3 steps ---------------------------------------------------------
# v0 gets the constant gradient [0.1, 0.2]; v1 gets 0.5 * v1 (read each step); v2 gets IndexedSlices
# with a duplicate index: rows [0, 2, 0] <- [[.1, .2], [.3, .4], [.5, .6]].

_OPTIMIZERS = {
    'gd': lambda gs: T.GradientDescentOptimizer(0.1),
    'momentum': lambda gs: T.MomentumOptimizer(0.1, 0.9),
    'nesterov': lambda gs: T.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    'adam': lambda gs: T.AdamOptimizer(0.1),
    'adam2': lambda gs: T.AdamOptimizer(0.01, beta1=0.8, beta2=0.9, epsilon=1e-3),
    'adagrad': lambda gs: T.AdagradOptimizer(0.1),
    'adagradda': lambda gs: T.AdagradDAOptimizer(0.1, gs),
    'adagradda_l1l2': lambda gs: T.AdagradDAOptimizer(0.1, gs, l1_regularization_strength=0.01,
                                                      l2_regularization_strength=0.02),
    'ftrl': lambda gs: T.FtrlOptimizer(0.1),
    'ftrl_l1l2': lambda gs: T.FtrlOptimizer(0.1, l1_regularization_strength=0.05, l2_regularization_strength=0.1,
                                            learning_rate_power=-0.6),
    'ftrl_shrink': lambda gs: T.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                              l2_shrinkage_regularization_strength=0.1, beta=0.5),
    'rmsprop': lambda gs: T.RMSPropOptimizer(0.1),
    'rmsprop_mom': lambda gs: T.RMSPropOptimizer(0.1, decay=0.8, momentum=0.5, epsilon=1e-6),
    'rmsprop_centered': lambda gs: T.RMSPropOptimizer(0.1, momentum=0.5, centered=True),
    'adadelta': lambda gs: T.AdadeltaOptimizer(1.0),
    'proximal_gd': lambda gs: T.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=0.05,
                                                                 l2_regularization_strength=0.1),
    'proximal_adagrad': lambda gs: T.ProximalAdagradOptimizer(0.1, l1_regularization_strength=0.05,
                                                              l2_regularization_strength=0.1),
}

# name: (v0, v1, v2 after 3 steps, optimizer.variables() op names), from TensorFlow 1.x
_EXPECTED = {
    'adadelta': ([0.9986431002616882, 1.998643159866333],
        [2.998643159866333, 3.998642921447754],
        [[0.9986431002616882, 1.998643159866333], [3.0, 4.0], [4.998642921447754, 5.998642921447754]],
        ['v0/Adadelta', 'v0/Adadelta_1', 'v1/Adadelta', 'v1/Adadelta_1', 'v2/Adadelta', 'v2/Adadelta_1']),
    'adagrad': ([0.9132463335990906, 1.856767177581787],
        [2.7776787281036377, 3.775536298751831],
        [[0.790041446685791, 1.7826135158538818], [3.0, 4.0], [4.825160980224609, 5.807309627532959]],
        ['v0/Adagrad', 'v1/Adagrad', 'v2/Adagrad']),
    'adagradda': ([-0.08320503681898117, -0.12792043387889862],
        [-0.09148180484771729, -0.0939013734459877],
        [[-0.1657034307718277, -0.1688634157180786], [3.0, 4.0], [-0.14795909821987152, -0.15756770968437195]],
        ['v0/AdagradDA', 'v0/AdagradDA_1', 'v1/AdagradDA', 'v1/AdagradDA_1', 'v2/AdagradDA', 'v2/AdagradDA_1']),
    'adagradda_l1l2': ([-0.0736587718129158, -0.11998950690031052],
        [-0.08925475180149078, -0.09219178557395935],
        [[-0.1620466560125351, -0.16605161130428314], [3.0, 4.0], [-0.1416301131248474, -0.15242764353752136]],
        ['v0/AdagradDA', 'v0/AdagradDA_1', 'v1/AdagradDA', 'v1/AdagradDA_1', 'v2/AdagradDA', 'v2/AdagradDA_1']),
    'adam': ([0.7000017762184143, 1.7000013589859009],
        [2.700382709503174, 3.70027494430542],
        [[0.7000011205673218, 1.7000011205673218], [3.0, 4.0], [4.700001239776611, 5.700001239776611]],
        ['beta1_power', 'beta2_power', 'v0/Adam', 'v0/Adam_1', 'v1/Adam', 'v1/Adam_1', 'v2/Adam', 'v2/Adam_1']),
    'adam2': ([0.9707192778587341, 1.9703642129898071],
        [2.970052719116211, 3.9700396060943604],
        [[0.9701223969459534, 1.9700919389724731], [3.0, 4.0], [4.97024393081665, 5.970183372497559]],
        ['beta1_power', 'beta2_power', 'v0/Adam', 'v0/Adam_1', 'v1/Adam', 'v1/Adam_1', 'v2/Adam', 'v2/Adam_1']),
    'ftrl': ([-0.04021625220775604, 0.16645868122577667],
        [2.1732892990112305, 3.161128520965576],
        [[0.3237890303134918, 1.0473989248275757], [3.0, 4.0], [1.197779655456543, 2.0862679481506348]],
        ['v0/Ftrl', 'v0/Ftrl_1', 'v1/Ftrl', 'v1/Ftrl_1', 'v2/Ftrl', 'v2/Ftrl_1']),
    'ftrl_l1l2': ([-0.0325680673122406, 0.16666077077388763],
        [2.3293440341949463, 3.3559951782226562],
        [[0.36137786507606506, 1.149322748184204], [3.0, 4.0], [1.3117663860321045, 2.289869546890259]],
        ['v0/Ftrl', 'v0/Ftrl_1', 'v1/Ftrl', 'v1/Ftrl_1', 'v2/Ftrl', 'v2/Ftrl_1']),
    'ftrl_shrink': ([-0.03871593996882439, 0.01831808313727379],
        [1.5919586420059204, 2.4779515266418457],
        [[0.15216486155986786, 0.6062021851539612], [3.0, 4.0], [0.42508968710899353, 0.8925271034240723]],
        ['v0/Ftrl', 'v0/Ftrl_1', 'v1/Ftrl', 'v1/Ftrl_1', 'v2/Ftrl', 'v2/Ftrl_1']),
    'gd': ([0.9700000286102295, 1.940000057220459],
        [2.57212495803833, 3.429499864578247],
        [[0.8199999928474426, 1.760000228881836], [3.0, 4.0], [4.909999370574951, 5.880000114440918]],
        []),
    'momentum': ([0.9438999891281128, 1.8877999782562256],
        [2.194124937057495, 2.9255001544952393],
        [[0.6633999347686768, 1.551200032234192], [3.0, 4.0], [4.831699848175049, 5.775599956512451]],
        ['v0/Momentum', 'v1/Momentum', 'v2/Momentum']),
    'nesterov': ([0.919510006904602, 1.839020013809204],
        [1.8943877220153809, 2.525850534439087],
        [[0.5170599818229675, 1.3560800552368164], [3.0, 4.0], [4.758530139923096, 5.678040027618408]],
        ['v0/Momentum', 'v1/Momentum', 'v2/Momentum']),
    'proximal_adagrad': ([0.7950834035873413, 1.6925514936447144],
        [2.727827787399292, 3.726574420928955],
        [[0.7436137795448303, 1.7198268175125122], [3.0, 4.0], [4.523347854614258, 5.510112285614014]],
        ['v0/ProximalAdagrad', 'v1/ProximalAdagrad', 'v2/ProximalAdagrad']),
    'proximal_gd': ([0.9264754056930542, 1.8676557540893555],
        [2.482492446899414, 3.3146519660949707],
        [[0.779426097869873, 1.6911964416503906], [3.0, 4.0], [4.7500152587890625, 5.691196441650391]],
        []),
    'rmsprop': ([0.9666764140129089, 1.9335941076278687],
        [2.6084609031677246, 3.530302047729492],
        [[0.8079687356948853, 1.7514216899871826], [3.0, 4.0], [4.900983810424805, 5.869058609008789]],
        ['v0/RMSProp', 'v0/RMSProp_1', 'v1/RMSProp', 'v1/RMSProp_1', 'v2/RMSProp', 'v2/RMSProp_1']),
    'rmsprop_centered': ([0.953215479850769, 1.9066745042800903],
        [2.424198627471924, 3.2968108654022217],
        [[0.7274372577667236, 1.6445398330688477], [3.0, 4.0], [4.860613822937012, 5.815256118774414]],
        ['v0/RMSProp', 'v0/RMSProp_1', 'v0/RMSProp_2', 'v1/RMSProp', 'v1/RMSProp_1', 'v1/RMSProp_2', 'v2/RMSProp', 'v2/RMSProp_1', 'v2/RMSProp_2']),
    'rmsprop_mom': ([0.9478520750999451, 1.896545171737671],
        [2.4744391441345215, 3.400141477584839],
        [[0.7126131057739258, 1.6379332542419434], [3.0, 4.0], [4.84683895111084, 5.799348831176758]],
        ['v0/RMSProp', 'v0/RMSProp_1', 'v1/RMSProp', 'v1/RMSProp_1', 'v2/RMSProp', 'v2/RMSProp_1']),
}

_SLOT_NAMES = {'gd': [], 'proximal_gd': [], 'momentum': ['momentum'], 'nesterov': ['momentum'], 'adam': ['m', 'v'],
               'adam2': ['m', 'v'], 'adagrad': ['accumulator'], 'proximal_adagrad': ['accumulator'],
               'adagradda': ['gradient_accumulator', 'gradient_squared_accumulator'],
               'adagradda_l1l2': ['gradient_accumulator', 'gradient_squared_accumulator'],
               'ftrl': ['accum', 'linear'], 'ftrl_l1l2': ['accum', 'linear'], 'ftrl_shrink': ['accum', 'linear'],
               'rmsprop': ['momentum', 'rms'], 'rmsprop_mom': ['momentum', 'rms'],
               'rmsprop_centered': ['mg', 'momentum', 'rms'], 'adadelta': ['accum', 'accum_update']}


@pytest.mark.parametrize('name', sorted(_OPTIMIZERS))
def test_three_steps_match_tensorflow(name, device):
    with tf.device(device):
        gs = T.get_or_create_global_step()
        v0 = tf.Variable([1.0, 2.0], name='v0')
        v1 = tf.Variable([3.0, 4.0], name='v1')
        v2 = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name='v2')
        opt = _OPTIMIZERS[name](gs)
        sparse = tf.IndexedSlices(tf.constant([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), tf.constant([0, 2, 0]),
                                  tf.constant([3, 2]))
        train = opt.apply_gradients([(tf.constant([0.1, 0.2]), v0), (v1 * 0.5, v1), (sparse, v2)], global_step=gs)
    e0, e1, e2, names = _EXPECTED[name]
    assert opt.get_slot_names() == _SLOT_NAMES[name]
    assert [v.op.name for v in opt.variables()] == names
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        r0, r1, r2, step = sess.run([v0, v1, v2, gs])
    np.testing.assert_allclose(r0, e0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r1, e1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r2, e2, rtol=1e-5, atol=1e-6)
    assert step == 3


# -- graph structure ------------------------------------------------------------------------------------

def _nodes():
    return {op.name: op for op in tf.get_default_graph().get_operations()}


def test_gradient_descent_nodes_and_global_step_increment():
    v0 = tf.Variable([1.0, 2.0], name='v0')
    gs = T.get_or_create_global_step()
    train = T.GradientDescentOptimizer(0.1).apply_gradients([(tf.constant([0.1, 0.2]), v0)], global_step=gs)
    nodes = _nodes()
    assert train.name == 'GradientDescent' and train.type == 'AssignAdd'
    apply = nodes['GradientDescent/update_v0/ApplyGradientDescent']
    assert apply.type == 'ApplyGradientDescent'
    assert [t.name for t in apply.inputs] == ['v0:0', 'GradientDescent/learning_rate:0', 'Const:0']
    assert apply.colocation_groups() == [b'loc:@v0'] and apply.get_attr('use_locking') is False
    assert apply.outputs[0].dtype == tf.float32_ref and apply.outputs[0].shape.as_list() == [2]
    update = nodes['GradientDescent/update']
    assert update.type == 'NoOp' and [c.name for c in update.control_inputs] == [apply.name]
    assert [t.name for t in train.inputs] == ['global_step:0', 'GradientDescent/value:0']
    assert nodes['GradientDescent/value'].colocation_groups() == [b'loc:@global_step']
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
    second = T.GradientDescentOptimizer(0.1).apply_gradients([(tf.constant([0.1, 0.2]), v0)])
    assert second.name == 'GradientDescent_1' and second.type == 'NoOp'
    assert [c.name for c in second.control_inputs] == ['GradientDescent_1/update_v0/ApplyGradientDescent']


def test_adam_slots_and_beta_powers():
    v1 = tf.Variable([3.0, 4.0], name='v1')
    v0 = tf.Variable([1.0, 2.0], name='v0')
    opt = T.AdamOptimizer(0.1)
    train = opt.apply_gradients([(tf.constant([0.1, 0.2]), v1), (tf.constant([0.1, 0.2]), v0)])
    nodes = _nodes()
    assert train.name == 'Adam' and train.type == 'NoOp'
    assert [v.name for v in opt.variables()] == ['beta1_power:0', 'beta2_power:0', 'v0/Adam:0', 'v0/Adam_1:0',
                                                 'v1/Adam:0', 'v1/Adam_1:0']
    assert opt.get_slot(v0, 'm').name == 'v0/Adam:0' and opt.get_slot(v0, 'v').name == 'v0/Adam_1:0'
    assert opt.get_slot(v0, 'nope') is None
    # the beta powers live with the first variable by name, and are not trainable
    assert nodes['beta1_power'].colocation_groups() == [b'loc:@v0']
    assert nodes['v1/Adam/Initializer/zeros'].colocation_groups() == [b'loc:@v1']
    assert nodes['v1/Adam'].colocation_groups() == [b'loc:@v1']
    assert not opt.get_slot(v0, 'm').trainable
    assert tf.trainable_variables() == [v1, v0]
    apply = nodes['Adam/update_v0/ApplyAdam']
    assert [t.name for t in apply.inputs] == [
        'v0:0', 'v0/Adam:0', 'v0/Adam_1:0', 'beta1_power/read:0', 'beta2_power/read:0', 'Adam/learning_rate:0',
        'Adam/beta1:0', 'Adam/beta2:0', 'Adam/epsilon:0', 'Const_1:0']
    # beta powers are updated after the variables
    assert [t.name for t in nodes['Adam/Assign'].inputs] == ['beta1_power:0', 'Adam/mul:0']
    assert sorted(c.name for c in nodes['Adam/mul'].control_inputs) == ['Adam/update_v0/ApplyAdam',
                                                                        'Adam/update_v1/ApplyAdam']


def test_slot_initializers_and_names():
    v0 = tf.Variable([1.0, 2.0], name='v0')
    grads = [(tf.constant([0.1, 0.2]), v0)]
    T.RMSPropOptimizer(0.1, centered=True).apply_gradients(grads)
    T.AdagradOptimizer(0.1).apply_gradients(grads)
    T.FtrlOptimizer(0.1).apply_gradients(grads)
    nodes = _nodes()
    assert [t.name for t in nodes['RMSProp/update_v0/ApplyCenteredRMSProp'].inputs[:4]] == [
        'v0:0', 'v0/RMSProp_1:0', 'v0/RMSProp:0', 'v0/RMSProp_2:0']  # var, mg, ms (rms), mom
    assert nodes['v0/RMSProp/Initializer/ones'].type == 'Const'
    assert nodes['v0/Adagrad/Initializer/Const'].type == 'Const'
    assert nodes['v0/Ftrl/Initializer/mul'].type == 'Mul'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run('v0/RMSProp:0'), [1.0, 1.0])  # TF1's rms starts at ones
        np.testing.assert_allclose(sess.run('v0/RMSProp_1:0'), [0.0, 0.0])
        np.testing.assert_allclose(sess.run('v0/Adagrad:0'), [0.1, 0.1])
        np.testing.assert_allclose(sess.run('v0/Ftrl:0'), [0.1, 0.1])


def test_ftrl_picks_v2_with_shrinkage():
    v0 = tf.Variable([1.0, 2.0], name='v0')
    T.FtrlOptimizer(0.1).apply_gradients([(tf.constant([0.1, 0.2]), v0)])
    T.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=0.1).apply_gradients([(tf.constant([0.1, 0.2]), v0)])
    nodes = _nodes()
    assert nodes['Ftrl/update_v0/ApplyFtrl'].type == 'ApplyFtrl'
    assert [t.name for t in nodes['Ftrl_1/update_v0/ApplyFtrlV2'].inputs][7] == \
        'Ftrl_1/l2_shrinkage_regularization_strength:0'


# -- minimize, compute_gradients, None gradients, errors ---------------------------------------------------

def test_minimize_with_var_list_and_schedules():
    v = tf.Variable([1.0, 2.0], name='v')
    w = tf.Variable([3.0], name='w')
    loss = tf.reduce_sum(v * v * tf.constant([0.5, 1.5])) + tf.reduce_sum(w * w)
    gs = T.get_or_create_global_step()
    train = T.AdamOptimizer(0.1).minimize(loss, global_step=gs, var_list=[v])
    lr = T.exponential_decay(0.1, gs, 1, 0.5)
    train2 = T.GradientDescentOptimizer(lr).minimize(loss, global_step=gs)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        rv, rw = sess.run([v, w])
        assert T.global_step(sess, gs) == 3
        np.testing.assert_allclose(rv, [0.7015874, 1.7006245], rtol=1e-5)
        np.testing.assert_allclose(rw, [3.0])
        for _ in range(3):
            sess.run(train2)
        rv, rw = sess.run([v, w])
        assert T.global_step(sess, gs) == 6
        np.testing.assert_allclose(rv, [0.68633586, 1.5911024], rtol=1e-5)
        np.testing.assert_allclose(rw, [2.8703847], rtol=1e-5)


def test_minimize_through_gather_uses_sparse_updates():
    emb = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name='emb')
    loss = tf.reduce_sum(tf.gather(emb, [0, 2, 0]) ** 2)
    rms = T.RMSPropOptimizer(0.1).minimize(loss)
    adam = T.AdamOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(2):
            sess.run(rms)
        np.testing.assert_allclose(sess.run(emb), [[0.578467845916748, 1.5003896951675415], [3.0, 4.0],
                                                   [4.479490756988525, 5.472999095916748]], rtol=1e-5)
        for _ in range(2):
            sess.run(adam)
        np.testing.assert_allclose(sess.run(emb), [[0.37940388917922974, 1.3006290197372437], [3.0, 4.0],
                                                   [4.2795562744140625, 5.273051738739014]], rtol=1e-5)


def test_compute_gradients_keeps_none_and_apply_skips_it():
    v = tf.Variable([1.0, 2.0], name='v')
    u = tf.Variable([5.0], name='u')
    opt = T.MomentumOptimizer(0.1, 0.9)
    grads_and_vars = opt.compute_gradients(tf.reduce_sum(v * 2.0))
    assert [var for _, var in grads_and_vars] == [v, u]
    assert grads_and_vars[1][0] is None and grads_and_vars[0][0] is not None
    train = opt.apply_gradients(grads_and_vars)
    assert opt.get_slot(u, 'momentum') is None and opt.get_slot(v, 'momentum') is not None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(v), [0.8, 1.8], rtol=1e-6)
        np.testing.assert_allclose(sess.run(u), [5.0])


def test_no_gradients_errors():
    v = tf.Variable([1.0, 2.0], name='v')
    opt = T.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"^No gradients provided for any variable: \[\"<tf.Variable 'v:0' "
                                         r"shape=\(2,\) dtype=float32_ref>\"\]\.$"):
        opt.apply_gradients([(None, v)])
    with pytest.raises(ValueError, match='^No variables provided.$'):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match='^No variables to optimize.$'):
        opt.compute_gradients(tf.constant(1.0), var_list=[])
    with pytest.raises(ValueError, match='^No gradients provided for any variable, check your graph for ops that '
                                         'do not support gradients, between variables'):
        opt.minimize(tf.constant(1.0), var_list=[v])
    with pytest.raises(ValueError, match='gate_gradients must be one of'):
        opt.compute_gradients(v * 2.0, var_list=[v], gate_gradients=5)
    with pytest.raises(NotImplementedError):
        opt.apply_gradients([(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))])
    with pytest.raises(TypeError, match="Input 'delta' of 'ApplyGradientDescent' Op has type int32 that does not "
                                        "match type float32 of argument 'var'"):
        opt.apply_gradients([(tf.constant([1, 2]), v)])


def test_constructor_checks():
    with pytest.raises(ValueError, match='^Must specify the optimizer name$'):
        T.Optimizer(False, '')
    with pytest.raises(ValueError, match='^initial_accumulator_value must be positive: 0.0$'):
        T.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match='^learning_rate_power 0.500000 needs to be negative or zero$'):
        T.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(ValueError, match='^l1_regularization_strength -1.000000 needs to be positive or zero$'):
        T.FtrlOptimizer(0.1, l1_regularization_strength=-1.0)
    assert T.GradientDescentOptimizer.GATE_OP == 1 and T.Optimizer.GATE_GRAPH == 2


# -- in place: fetched values never change afterwards ------------------------------------------------------

def test_fetched_values_are_not_touched_by_later_steps(device):
    with tf.device(device):
        v = tf.Variable([1.0, 2.0], name='v')
        opt = T.RMSPropOptimizer(0.1)
        train = opt.apply_gradients([(tf.constant([0.5, 0.5]), v)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(v)
        slot = sess.run(opt.get_slot(v, 'rms'))
        sess.run(train)
        np.testing.assert_array_equal(before, [1.0, 2.0])
        np.testing.assert_array_equal(slot, [1.0, 1.0])
        during = sess.run(v)
        sess.run(train)
        assert not np.array_equal(during, sess.run(v))
        np.testing.assert_array_equal(before, [1.0, 2.0])


def test_constant_gradient_is_not_written():
    v = tf.Variable([1.0, 2.0], name='v')
    g = tf.constant([0.5, 0.5])
    train = T.GradientDescentOptimizer(0.1).apply_gradients([(g, v)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        np.testing.assert_allclose(sess.run(v), [0.9, 1.9], rtol=1e-6)
        np.testing.assert_array_equal(sess.run(g), [0.5, 0.5])


def test_rms_prop_with_fed_momentum_matches_constant_zero():
    # momentum known to be 0 at planning time takes the no-temporary path; fed, the general one
    v = tf.Variable([1.0, 2.0], name='v')
    w = tf.Variable([1.0, 2.0], name='w')
    m = tf.placeholder(tf.float32, [])
    a = training_ops.apply_rms_prop(v, tf.Variable([1.0, 1.0]), tf.Variable([0.0, 0.0]), 0.1, 0.9, 0.0, 1e-10,
                                    [0.3, -0.4])
    b = training_ops.apply_rms_prop(w, tf.Variable([1.0, 1.0]), tf.Variable([0.0, 0.0]), 0.1, 0.9, m, 1e-10,
                                    [0.3, -0.4])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            ra = sess.run(a)
            rb = sess.run(b, {m: 0.0})
        np.testing.assert_allclose(ra, rb, rtol=1e-6)


# -- the raw ops -------------------------------------------------------------------------------------------

def test_apply_op_shape_errors():
    v = tf.Variable([1.0, 2.0], name='v')
    with pytest.raises(ValueError, match=r"^Shape must be rank 0 but is rank 1 for 'ApplyGradientDescent' \(op: "
                                         r"'ApplyGradientDescent'\) with input shapes: \[2\], \[1\], \[2\].$"):
        training_ops.apply_gradient_descent(v, [0.1], [1.0, 2.0])
    with pytest.raises(ValueError, match='Dimension 0 in both shapes must be equal, but are 2 and 3'):
        training_ops.apply_gradient_descent(v, 0.1, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match='Dimension 1 in both shapes must be equal, but are 2 and 1'):
        training_ops.scatter_add(v, [[0]], [[1.0, 2.0]])
    with pytest.raises(TypeError, match="requires that input 'var' be a mutable tensor"):
        training_ops.apply_gradient_descent(tf.constant([1.0]), 0.1, [1.0])


def test_sparse_apply_duplicates_are_sequential_like_tf(device):
    with tf.device(device):
        v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name='v')
        a = tf.Variable(tf.ones([3, 2]), name='a')
        adagrad = training_ops.sparse_apply_adagrad(v, a, 0.1, [[1.0, 2.0], [1.0, 1.0]], [0, 0])
        momentum = training_ops.sparse_apply_momentum(v, a, 0.1, [[1.0, 2.0], [1.0, 1.0], [0.5, 0.5]], [2, 0, 2],
                                                      0.9)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(adagrad)
        np.testing.assert_allclose(sess.run(v), [[0.8715543150901794, 1.8697324991226196], [3, 4], [5, 6]],
                                   rtol=1e-6)
        np.testing.assert_allclose(sess.run(a), [[3, 6], [1, 1], [1, 1]])
        sess.run(tf.global_variables_initializer())
        sess.run(momentum)
        np.testing.assert_allclose(sess.run(v), [[0.81, 1.81], [3, 4], [4.589, 5.399]], rtol=1e-6)
        np.testing.assert_allclose(sess.run(a), [[1.9, 1.9], [1, 1], [2.21, 3.11]], rtol=1e-6)


def test_scatter_ops(device):
    cases = [(training_ops.scatter_add, [0, 2, 0], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], [[5, 6], [3, 4], [7, 8]]),
             (training_ops.scatter_sub, [1, 1], [[1.0, 2.0], [3.0, 4.0]], [[1, 2], [-1, -2], [5, 6]]),
             (training_ops.scatter_update, [2], [[9.0, 8.0]], [[1, 2], [3, 4], [9, 8]]),
             (training_ops.scatter_mul, [0, 0], [[2.0, 3.0], [2.0, 3.0]], [[4, 18], [3, 4], [5, 6]]),
             (training_ops.scatter_div, [1], [[2.0, 4.0]], [[1, 2], [1.5, 1], [5, 6]]),
             (training_ops.scatter_max, [0, 1], [[5.0, 0.0], [0.0, 5.0]], [[5, 2], [3, 5], [5, 6]]),
             (training_ops.scatter_min, [2, 2], [[4.0, 7.0], [4.5, 5.5]], [[1, 2], [3, 4], [4, 5.5]])]
    with tf.device(device):
        v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name='v')
        ops = [(fn(v, idx, upd), want) for fn, idx, upd, want in cases]
        bad = training_ops.scatter_add(v, [3], [[1.0, 1.0]])
    assert ops[0][0].op.type == 'ScatterAdd' and ops[0][0].op.name == 'ScatterAdd'
    assert ops[2][0].op.get_attr('use_locking') is True and ops[0][0].op.get_attr('use_locking') is False
    with tf.Session() as sess:
        for op, want in ops:
            sess.run(v.initializer)
            np.testing.assert_allclose(sess.run(op), want)
        with pytest.raises(errors.InvalidArgumentError, match=r'indices\[0\] = 3 is not in \[0, 3\)'):
            sess.run(bad)


def test_kernel_errors():
    v = tf.Variable([[1.0, 2.0]], name='v')
    a = tf.Variable([[1.0, 1.0]], name='a')
    sparse = training_ops.sparse_apply_adagrad(v, a, 0.1, [[1.0, 2.0]], [5])
    dense = training_ops.apply_adagrad(v, a, 0.1, [[1.0, 2.0]])
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(errors.FailedPreconditionError, match='Attempting to use uninitialized value a'):
            sess.run(dense)
        sess.run(a.initializer)
        with pytest.raises(errors.InvalidArgumentError, match='Index 5 at offset 0 in indices is out of range'):
            sess.run(sparse)


def test_duplicate_rounds():
    assert training_kernels._rounds(np.array([3, 1, 2])) == [None]
    rounds = training_kernels._rounds(np.array([2, 0, 2, 2, 1, 0]))
    assert [r.tolist() for r in rounds] == [[0, 1, 4], [2, 5], [3]]
    assert training_kernels._rounds(np.array([], dtype=np.int32)) == []


# -- global step -------------------------------------------------------------------------------------------

def test_global_step_helpers():
    assert T.get_global_step() is None
    with tf.name_scope('scope'):
        gs = T.get_or_create_global_step()
    assert gs.name == 'global_step:0' and gs.dtype == tf.int64_ref and gs.shape.as_list() == []
    assert not gs.trainable
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [gs]
    assert gs in tf.global_variables() and gs not in tf.trainable_variables()
    assert T.get_global_step() is gs and T.get_or_create_global_step() is gs
    with pytest.raises(ValueError, match='"global_step" already exists.'):
        T.create_global_step()
    with tf.Session() as sess:
        sess.run(gs.initializer)
        assert T.global_step(sess, gs) == 0 and isinstance(T.global_step(sess, gs), int)


def test_global_step_found_by_name_and_checked():
    tf.Variable(0, name='global_step')
    assert T.get_global_step().name == 'global_step:0'
    g = tf.Graph()
    with g.as_default():
        tf.Variable(1.5, name='global_step')
        with pytest.raises(TypeError, match='Existing "global_step" does not have integer type'):
            T.get_global_step()


# -- learning-rate schedules -------------------------------------------------------------------------------

_STEPS = [0, 1, 4, 5, 6, 10, 13, 20, 25, 37]
_SCHEDULES = {
    'exp': (lambda gs: T.exponential_decay(0.1, gs, 10, 0.5), 'ExponentialDecay:0',
            [0.1, 0.09330330044031143, 0.07578583061695099, 0.0707106813788414, 0.06597539037466049, 0.05,
             0.04061261937022209, 0.025, 0.01767767034471035, 0.007694652769714594]),
    'exp_stair': (lambda gs: T.exponential_decay(0.1, gs, 10, 0.5, staircase=True), 'ExponentialDecay:0',
                  [0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]),
    'piecewise': (lambda gs: T.piecewise_constant(gs, [5, 10], [1.0, 0.5, 0.1]), None,
                  [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]),
    'poly': (lambda gs: T.polynomial_decay(0.1, gs, 10, 0.01, power=2.0), 'PolynomialDecay:0',
             [0.1, 0.08289999514818192, 0.04240000247955322, 0.032499998807907104, 0.024399999529123306, 0.01,
              0.01, 0.01, 0.01, 0.01]),
    'poly_cycle': (lambda gs: T.polynomial_decay(0.1, gs, 10, 0.01, power=0.5, cycle=True), 'PolynomialDecay:0',
                   [0.1, 0.09538149833679199, 0.07971370220184326, 0.07363960891962051, 0.06692100316286087, 0.01,
                    0.06324472278356552, 0.01, 0.04674234986305237, 0.034647513180971146]),
    'inverse_time': (lambda gs: T.inverse_time_decay(0.1, gs, 10, 0.5), 'InverseTimeDecay:0',
                     [0.1, 0.0952381044626236, 0.0833333283662796, 0.08, 0.07692307978868484, 0.06666667014360428,
                      0.060606058686971664, 0.05, 0.04444444552063942, 0.035087719559669495]),
    'inverse_time_stair': (lambda gs: T.inverse_time_decay(0.1, gs, 10, 0.5, staircase=True), 'InverseTimeDecay:0',
                           [0.1, 0.1, 0.1, 0.1, 0.1, 0.06666667014360428, 0.06666667014360428, 0.05, 0.05, 0.04]),
    'natural_exp': (lambda gs: T.natural_exp_decay(0.1, gs, 10, 0.5), 'ExponentialDecay:0',
                    [0.1, 0.09512294828891754, 0.0818730816245079, 0.07788007706403732, 0.07408182322978973,
                     0.060653068125247955, 0.05220457911491394, 0.03678794577717781, 0.02865048125386238,
                     0.01572371833026409]),
    'natural_exp_stair': (lambda gs: T.natural_exp_decay(0.1, gs, 10, 0.5, staircase=True), 'ExponentialDecay:0',
                          [0.1, 0.1, 0.1, 0.1, 0.1, 0.060653068125247955, 0.060653068125247955, 0.03678794577717781,
                           0.03678794577717781, 0.022313017398118973]),
    'cosine': (lambda gs: T.cosine_decay(0.1, gs, 20, alpha=0.1), 'CosineDecay/Mul_3:0',
               [0.1, 0.09944597631692886, 0.09140576422214508, 0.08681981265544891, 0.08145033568143845,
                0.05499999597668648, 0.034570422023534775, 0.010000000707805157, 0.010000000707805157,
                0.010000000707805157]),
    'cosine_restarts': (lambda gs: T.cosine_decay_restarts(0.1, gs, 5, t_mul=2.0, m_mul=0.5, alpha=0.1),
                        'SGDRDecay:0',
                        [0.1, 0.09140576422214508, 0.018594233319163322, 0.055000003427267075, 0.05389877036213875,
                         0.032499998807907104, 0.014297112822532654, 0.029204953461885452, 0.021250000223517418,
                         0.02118074707686901]),
    'linear_cosine': (lambda gs: T.linear_cosine_decay(0.1, gs, 20), 'LinearCosineDecay:0',
                      [0.10010000318288803, 0.09451519697904587, 0.07246067374944687, 0.06411650776863098,
                       0.055672477930784225, 0.025099998340010643, 0.009655165486037731, 0.0001, 0.0001, 0.0001]),
}


@pytest.mark.parametrize('name', sorted(_SCHEDULES))
def test_schedules_match_tensorflow(name):
    build, out_name, expected = _SCHEDULES[name]
    gs = tf.placeholder(tf.int64, [], name='gs')
    lr = build(gs)
    assert lr.dtype == tf.float32
    if out_name is not None:
        assert lr.name == out_name
    with tf.Session() as sess:
        got = [sess.run(lr, {gs: step}) for step in _STEPS]
    np.testing.assert_allclose(got, expected, rtol=2e-6)


def test_schedule_nodes():
    gs = tf.placeholder(tf.int64, [], name='gs')
    T.exponential_decay(0.1, gs, 10, 0.5, staircase=True)
    assert [(op.name, op.type) for op in tf.get_default_graph().get_operations()[1:]] == [
        ('ExponentialDecay/initial_learning_rate', 'Const'), ('ExponentialDecay/Cast/x', 'Const'),
        ('ExponentialDecay/Cast', 'Cast'), ('ExponentialDecay/Cast_1/x', 'Const'), ('ExponentialDecay/Cast_2', 'Cast'),
        ('ExponentialDecay/truediv', 'RealDiv'), ('ExponentialDecay/Floor', 'Floor'),
        ('ExponentialDecay/Pow', 'Pow'), ('ExponentialDecay', 'Mul')]


def test_schedule_errors():
    with pytest.raises(ValueError, match='^The length of boundaries should be 1 less than the length of values$'):
        T.piecewise_constant(tf.constant(1), [1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match='Values must have elements all with the same dtype'):
        T.piecewise_constant(tf.constant(1), [1, 2], [0.1, 0.2, 3])
    with pytest.raises(ValueError, match='global_step is required'):
        T.exponential_decay(0.1, None, 10, 0.9)


# -- moving averages ---------------------------------------------------------------------------------------

def test_exponential_moving_average_with_num_updates():
    v0 = tf.Variable([1.0, 2.0], name='v0')
    v1 = tf.Variable(3.0, name='v1')
    step = tf.Variable(0, name='step', trainable=False)
    ema = T.ExponentialMovingAverage(0.9, num_updates=step)
    update = ema.apply([v0, v1])
    assert update.name == 'ExponentialMovingAverage' and update.type == 'NoOp'
    assert [c.name for c in update.control_inputs] == ['ExponentialMovingAverage/AssignMovingAvg',
                                                       'ExponentialMovingAverage/AssignMovingAvg_1']
    avg = ema.average(v0)
    assert avg.name == 'v0/ExponentialMovingAverage:0' and not avg.trainable
    assert avg.op.colocation_groups() == [b'loc:@v0']
    assert ema.average_name(v0) == 'v0/ExponentialMovingAverage'
    assert ema.average_name(step) == 'step/ExponentialMovingAverage'
    assert ema.average(step) is None
    assert tf.moving_average_variables() == [v0, v1]
    assert {k: v.name for k, v in ema.variables_to_restore().items()} == {
        'v0/ExponentialMovingAverage': 'v0:0', 'v1/ExponentialMovingAverage': 'v1:0', 'step': 'step:0'}
    assert tf.get_default_graph().get_operation_by_name('ExponentialMovingAverage/AssignMovingAvg').type == 'AssignSub'
    expected = [([1.0, 2.0], 3.0), ([1.8181818, 1.1818182], 5.4545455), ([2.7045455, 0.29545456], 10.363636)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for want0, want1 in expected:
            sess.run(update)
            sess.run([v0.assign_add([1.0, -1.0]), v1.assign(v1 * 2.0), step.assign_add(1)])
            got0, got1 = sess.run([ema.average(v0), ema.average(v1)])
            np.testing.assert_allclose(got0, want0, rtol=1e-6)
            np.testing.assert_allclose(got1, want1, rtol=1e-6)


def test_exponential_moving_average_of_a_tensor_with_zero_debias():
    x = tf.placeholder(tf.float32, [2], name='x')
    ema = T.ExponentialMovingAverage(0.5, zero_debias=True)
    update = ema.apply([x])
    assert [v.name for v in tf.global_variables()] == [
        'x/ExponentialMovingAverage:0', 'x/ExponentialMovingAverage/biased:0',
        'x/ExponentialMovingAverage/local_step:0']
    assert tf.moving_average_variables() == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i, want in enumerate([[1.0, 0.0], [1.6666666, 1.3333334], [2.4285715, 2.857143]]):
            sess.run(update, {x: [1.0 + i, 2.0 * i]})
            np.testing.assert_allclose(sess.run(ema.average(x)), want, rtol=1e-6)


def test_exponential_moving_average_rejects_integers():
    with pytest.raises(TypeError, match='The variables must be half, float, or double: Const:0'):
        T.ExponentialMovingAverage(0.9).apply([tf.constant([1, 2])])
