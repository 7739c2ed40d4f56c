"""Resource variables: the ops on their own, TF-written graphs that use them (import, train, checkpoints
both ways), and sluice's own ResourceVariable."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.ops import resource_variable_ops as rv

X = np.array([[1., 2., 3.], [0.5, -1., 2.]], np.float32)
W0 = np.arange(6, dtype=np.float32).reshape(3, 2) / 10
EMB0 = np.linspace(-1, 1, 10, dtype=np.float32).reshape(5, 2)


# -- the ops -------------------------------------------------------------------------------------------

def test_handle_read_assign_update(device):
    with tf.Graph().as_default(), tf.device(device):
        h = rv.var_handle_op(tf.float32, [3], shared_name='v', name='v')
        init = rv.assign_variable_op(h, tf.constant([1., 2., 3.]))
        read = rv.read_variable_op(h, tf.float32)
        add = rv.assign_add_variable_op(h, [1., 1., 1.])
        sub = rv.assign_sub_variable_op(h, [0.5, 0.5, 0.5])
        is_init = rv.var_is_initialized_op(h)
        shape = rv.variable_shape(h)
        assert read.shape.as_list() == [3] and add.type == 'AssignAddVariableOp' and not add.outputs
        with tf.Session() as sess:
            assert not sess.run(is_init)
            with pytest.raises(errors.FailedPreconditionError, match='ReadVariableOp'):
                sess.run(read)
            sess.run(init)
            assert sess.run(is_init)
            np.testing.assert_array_equal(sess.run(read), [1, 2, 3])
            sess.run(add)
            sess.run(sub)
            np.testing.assert_array_equal(sess.run(read), [1.5, 2.5, 3.5])
            np.testing.assert_array_equal(sess.run(shape), [3])


def test_a_read_is_a_snapshot():
    """A value read before a write keeps the old value (TF's copy-on-write)."""
    with tf.Graph().as_default():
        h = rv.var_handle_op(tf.float32, [2], name='v')
        init = rv.assign_variable_op(h, [1., 2.])
        read = rv.read_variable_op(h, tf.float32)
        with tf.control_dependencies([read]):
            add = rv.assign_add_variable_op(h, [10., 10.])
        with tf.Session() as sess:
            sess.run(init)
            before, _ = sess.run([read, add])
            np.testing.assert_array_equal(before, [1, 2])
            np.testing.assert_array_equal(sess.run(read), [11, 12])


def test_update_errors():
    with tf.Graph().as_default():
        h = rv.var_handle_op(tf.float32, [2], name='v')
        init = rv.assign_variable_op(h, [1., 2.])
        with tf.Session() as sess:
            with pytest.raises(errors.FailedPreconditionError):
                sess.run(rv.assign_add_variable_op(h, [1., 1.]))
            sess.run(init)
            with pytest.raises(errors.InvalidArgumentError, match='shapes must be equal'):
                sess.run(rv.assign_add_variable_op(h, [1., 1., 1.]))
            with pytest.raises(errors.InvalidArgumentError, match='wrong dtype'):
                sess.run(rv.assign_variable_op(h, tf.constant([1, 2])))
            with pytest.raises(errors.InvalidArgumentError, match=r'indices\[1\] = 7 is not in \[0, 2\)'):
                sess.run(rv.resource_gather(h, [0, 7], tf.float32))


def test_gather_scatter_and_gradients(device):
    with tf.Graph().as_default(), tf.device(device):
        h = rv.var_handle_op(tf.float32, [5, 2], name='emb')
        init = rv.assign_variable_op(h, EMB0)
        rows = rv.resource_gather(h, [[3, 1], [3, 0]], tf.float32)
        read = rv.read_variable_op(h, tf.float32)
        loss = tf.reduce_sum(rows * rows) + tf.reduce_sum(read)
        grad, = tf.gradients(loss, h)
        scatter_add = rv.resource_scatter_add(h, [1, 1, 4], np.ones((3, 2), np.float32))
        scatter_update = rv.resource_scatter_update(h, [0], [[7., 8.]])
        scatter_sub = rv.resource_scatter_sub(h, [4], [[0.5, 0.5]])
        assert rows.shape.as_list() == [2, 2, 2]
        with tf.Session() as sess:
            sess.run(init)
            np.testing.assert_array_equal(sess.run(rows), EMB0[[[3, 1], [3, 0]]])
            expected = np.ones_like(EMB0)
            np.add.at(expected, [3, 1, 3, 0], 2 * EMB0[[3, 1, 3, 0]])
            np.testing.assert_allclose(sess.run(tf.convert_to_tensor(grad)), expected, rtol=1e-6)
            sess.run([scatter_add])
            sess.run([scatter_update])
            sess.run([scatter_sub])
            want = EMB0.copy()
            want[1] += 2
            want[4] += 0.5
            want[0] = [7, 8]
            np.testing.assert_array_equal(sess.run(read), want)


def test_resource_apply_matches_apply():
    """ResourceApplyAdam runs ApplyAdam's update on the handle's storage."""
    from sluice.ops import training_ops  # noqa: F401
    with tf.Graph().as_default():
        handles = [rv.var_handle_op(tf.float32, [3], name=n) for n in ('var', 'm', 'v')]
        inits = [rv.assign_variable_op(h, v) for h, v in zip(handles, ([1., 2., 3.], [0.] * 3, [0.] * 3))]
        grad = tf.constant([0.1, -0.2, 0.3])
        scalars = [tf.constant(x) for x in (0.9, 0.999, 0.01, 0.9, 0.999, 1e-8)]
        from sluice.engine import op_builder
        apply = op_builder.apply('ResourceApplyAdam', handles + scalars + [grad])
        with tf.Session() as sess:
            sess.run(inits)
            sess.run(apply)
            var = sess.run(rv.read_variable_op(handles[0], tf.float32))
    m, v = 0.1 * np.array([0.1, -0.2, 0.3]), 0.001 * np.array([0.1, -0.2, 0.3]) ** 2
    lr = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(var, np.array([1, 2, 3]) - lr * m / (np.sqrt(v) + 1e-8), rtol=1e-5)


# -- TF-written graphs ---------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def real_tf():
    real = pytest.importorskip('tensorflow.compat.v1')
    real.disable_v2_behavior()
    return real


OPTIMIZERS = {
    'sgd': lambda t: t.train.GradientDescentOptimizer(0.05),
    'adam': lambda t: t.train.AdamOptimizer(0.05),
    'momentum': lambda t: t.train.MomentumOptimizer(0.05, 0.9),
    'rmsprop': lambda t: t.train.RMSPropOptimizer(0.05),
}


def _tf_model(t, optimizer):
    """A model of resource variables (a dense layer and an embedding) in TF's graph; (loss, train_op)."""
    x = t.placeholder(t.float32, [None, 3], name='x')
    w = t.get_variable('w', initializer=W0, use_resource=True)
    b = t.get_variable('b', [2], initializer=t.zeros_initializer(), use_resource=True)
    emb = t.get_variable('emb', initializer=EMB0, use_resource=True)
    y = t.matmul(x, w) + b + t.nn.embedding_lookup(emb, [1, 3])
    loss = t.reduce_sum(y * y, name='loss')
    step = t.train.get_or_create_global_step()
    train = OPTIMIZERS[optimizer](t).minimize(loss, global_step=step)
    return loss, train


def _tf_trained(real_tf, optimizer, prefix, steps=3):
    """TF trains `steps` steps, saves a checkpoint and its meta graph at prefix; the values after."""
    with real_tf.Graph().as_default():
        loss, train = _tf_model(real_tf, optimizer)
        saver = real_tf.train.Saver()
        with real_tf.Session() as sess:
            sess.run(real_tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train, {'x:0': X})
            saver.save(sess, prefix)
            return {v.op.name: sess.run(v) for v in real_tf.global_variables()}, sess.run(loss, {'x:0': X})


@pytest.mark.tf
@pytest.mark.parametrize('optimizer', sorted(OPTIMIZERS))
def test_tf_graph_imports_and_trains(tmp_path, real_tf, optimizer):
    prefix = str(tmp_path / 'model')
    tf_values, tf_loss = _tf_trained(real_tf, optimizer, prefix, steps=3)
    with tf.Graph().as_default() as g:
        saver = tf.train.import_meta_graph(prefix + '.meta')
        assert 'VarHandleOp' in {op.type for op in g.get_operations()}
        train = g.get_collection('train_op')[0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {'x:0': X})
            values = {v.op.name: sess.run(v) for v in tf.global_variables()}
            assert sorted(values) == sorted(tf_values)
            for name, value in tf_values.items():
                np.testing.assert_allclose(values[name], value, rtol=2e-5, atol=1e-6, err_msg=name)
            np.testing.assert_allclose(sess.run('loss:0', {'x:0': X}), tf_loss, rtol=2e-5)
            # TF's checkpoint restores into sluice through the graph's saver (RestoreV2 + AssignVariableOp)
            sess.run(tf.global_variables_initializer())
            saver.restore(sess, prefix)
            restored = {v.op.name: sess.run(v) for v in tf.global_variables()}
            for name, value in tf_values.items():
                np.testing.assert_array_equal(restored[name], value, err_msg=name)
            sess.run(train, {'x:0': X})
            trained = {v.op.name: sess.run(v) for v in tf.global_variables()}
            saver.save(sess, str(tmp_path / 'by_sluice'))
    with real_tf.Graph().as_default():
        real_tf.train.import_meta_graph(prefix + '.meta')
        with real_tf.Session() as sess:
            real_tf.train.Saver().restore(sess, str(tmp_path / 'by_sluice'))
            for v in real_tf.global_variables():
                np.testing.assert_allclose(sess.run(v), trained[v.op.name], rtol=1e-6, err_msg=v.op.name)


def _apply_inputs(op_def, rng):
    """Inputs for an Apply op: refs of positive values, scalars in range, a gradient, rows [0, 2]."""
    refs, plain = [], []
    for arg in op_def.inputs:
        if arg.is_ref:
            refs.append(rng.uniform(0.5, 1.5, (4, 3)))
        elif arg.name == 'indices':
            plain.append(np.array([0, 2], np.int32))
        elif arg.name == 'global_step':
            plain.append(np.array(3, np.int64))
        elif arg.name in ('grad', 'delta'):
            plain.append(rng.uniform(-1, 1, (2, 3) if 'indices' in [a.name for a in op_def.inputs] else (4, 3)))
        elif arg.name == 'lr_power':
            plain.append(np.float64(-0.5))
        elif arg.name in ('beta1_power', 'beta2_power', 'rho', 'momentum', 'beta1', 'beta2'):
            plain.append(np.float64(0.9))
        else:
            plain.append(np.float64(0.05))
    return refs, plain


@pytest.mark.parametrize('op_type', rv.RESOURCE_APPLY_TYPES)
def test_resource_apply_equals_apply(op_type):
    """Every ResourceApply*/ResourceSparseApply* op updates its variables as its Apply op does."""
    from sluice.engine import op_builder, op_registry
    apply_def = op_registry.get_op_def(op_type[len('Resource'):])
    refs, plain = _apply_inputs(apply_def, np.random.RandomState(7))
    results = []
    with tf.Graph().as_default():
        ref_vars = [tf.Variable(r, name='ref%d' % i) for i, r in enumerate(refs)]
        handles = [rv.var_handle_op(tf.float64, [4, 3], name='res%d' % i) for i in range(len(refs))]
        inits = [rv.assign_variable_op(h, r) for h, r in zip(handles, refs)]
        consts = [tf.constant(p) for p in plain]
        ref_update = op_builder.apply(op_type[len('Resource'):], [v._ref() for v in ref_vars] + consts)
        resource_update = op_builder.apply(op_type, handles + consts)
        assert not resource_update.outputs
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer()] + inits)
            for update, reads in ((ref_update, ref_vars), (resource_update,
                                  [rv.read_variable_op(h, tf.float64) for h in handles])):
                sess.run(update)
                results.append(sess.run(reads))
    for ref_result, resource_result in zip(*results):
        np.testing.assert_array_equal(resource_result, ref_result)


def test_destroy_resource():
    with tf.Graph().as_default():
        h = rv.var_handle_op(tf.float32, [], name='v')
        init = rv.assign_variable_op(h, 1.)
        with tf.Session() as sess:
            sess.run(init)
            sess.run(rv.destroy_resource_op(h))
            assert not sess.run(rv.var_is_initialized_op(h))


# -- sluice's own resource variables ------------------------------------------------------------------

def test_resource_variable_nodes_and_methods():
    with tf.Graph().as_default() as g:
        v = tf.get_variable('v', initializer=np.array([1., 2., 3.], np.float32), use_resource=True)
        assert type(v).__name__ == 'ResourceVariable' and v.dtype == tf.float32 and v.shape.as_list() == [3]
        assert v.name == 'v:0' and v.op.type == 'VarHandleOp' and v.handle is v.op.outputs[0]
        assert v.initializer.name == 'v/Assign' and v.value().name == 'v/Read/ReadVariableOp:0'
        assert v.initial_value.name == 'v/Initializer/initial_value:0'
        assert g.get_operation_by_name('v/IsInitialized/VarIsInitializedOp').type == 'VarIsInitializedOp'
        assert tf.trainable_variables() == [v]
        doubled = v * 2
        assign = v.assign([4., 5., 6.])
        add = v.assign_add([1., 1., 1.])
        sub = tf.assign_sub(v, [0.5, 0.5, 0.5])
        rows = v.sparse_read([2, 0])
        with pytest.raises(TypeError):
            tf.assign(v._ref(), [1., 2., 3.])
        with tf.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(doubled), [2, 4, 6])
            np.testing.assert_array_equal(sess.run(assign), [4, 5, 6])
            np.testing.assert_array_equal(sess.run(add), [5, 6, 7])
            np.testing.assert_array_equal(sess.run(sub), [4.5, 5.5, 6.5])
            np.testing.assert_array_equal(sess.run(rows), [6.5, 4.5])
            np.testing.assert_array_equal(v.eval(), [4.5, 5.5, 6.5])
            v.load([0., 0., 1.])
            np.testing.assert_array_equal(sess.run(v), [0, 0, 1])
            assert sess.run(v.read_value()).tolist() == [0, 0, 1]


def test_enable_resource_variables_switch():
    try:
        tf.enable_resource_variables()
        assert tf.resource_variables_enabled()
        with tf.Graph().as_default():
            assert tf.Variable(1.0, name='a').op.type == 'VarHandleOp'
            assert tf.get_variable('b', [2]).op.type == 'VarHandleOp'
            assert tf.get_variable('c', [2], use_resource=False).op.type == 'VariableV2'
            with tf.variable_scope('s', use_resource=False):
                assert tf.get_variable('d', [2]).op.type == 'VariableV2'
    finally:
        tf.disable_resource_variables()
    assert not tf.resource_variables_enabled()
    with tf.Graph().as_default():
        assert tf.Variable(1.0).op.type == 'VariableV2'
        assert tf.Variable(1.0, use_resource=True).op.type == 'VarHandleOp'


@pytest.mark.tf
@pytest.mark.parametrize('optimizer', sorted(OPTIMIZERS))
def test_sluice_resource_variables_train_like_tf_and_checkpoints_interchange(tmp_path, real_tf, optimizer):
    tf_values, _ = _tf_trained(real_tf, optimizer, str(tmp_path / 'by_tf'), steps=3)
    with tf.Graph().as_default() as g:
        _, train = _tf_model(tf, optimizer)
        assert {v.op.type for v in tf.trainable_variables()} == {'VarHandleOp'}
        assert any(op.type.startswith('Resource') for op in g.get_operations())
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {'x:0': X})
            values = {v.op.name: sess.run(v) for v in tf.global_variables()}
            assert sorted(values) == sorted(tf_values)
            for name, value in tf_values.items():
                np.testing.assert_allclose(values[name], value, rtol=2e-5, atol=1e-6, err_msg=name)
            saver.save(sess, str(tmp_path / 'by_sluice'))
            sess.run(tf.global_variables_initializer())
            saver.restore(sess, str(tmp_path / 'by_tf'))
            for v in tf.global_variables():
                np.testing.assert_array_equal(sess.run(v), tf_values[v.op.name], err_msg=v.op.name)
    with real_tf.Graph().as_default():
        _tf_model(real_tf, optimizer)
        with real_tf.Session() as sess:
            real_tf.train.Saver().restore(sess, str(tmp_path / 'by_sluice'))
            for v in real_tf.global_variables():
                np.testing.assert_allclose(sess.run(v), values[v.op.name], rtol=1e-6, err_msg=v.op.name)
