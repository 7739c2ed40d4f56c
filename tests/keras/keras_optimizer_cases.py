"""The Keras optimizer cases both sides run (sluice here, TensorFlow in keras_optimizer_reference.py).

A case names an optimizer class of tf.keras.optimizers, its arguments (a learning-rate schedule as
(class name, arguments)), how the step is built ('get_updates', 'minimize' with a callable loss, or
'apply_gradients' of tf.gradients) and whether the loss reads the weight matrix through
sparse_read (an IndexedSlices gradient, row 2 twice). `run(tf, case)` builds resource variables
from fixed values, a least-squares loss, STEPS steps, and returns the arrays (weights after each
step, the optimizer's weights) and the metadata (weight names, global variable names, get_config,
the update op types) to compare.
"""
import numpy as np

STEPS = 3
_RNG = np.random.RandomState(11)
W0 = _RNG.uniform(-1, 1, (4, 3))
B0 = _RNG.uniform(-1, 1, (3,))
X = _RNG.uniform(-1, 1, (5, 4))
Y = _RNG.uniform(-1, 1, (5, 3))
ROWS = np.array([2, 0, 2, 3], np.int32)

CASES = {
    'sgd': ('SGD', {'learning_rate': 0.1}),
    'sgd_lr_keyword': ('SGD', {'lr': 0.05}),
    'sgd_momentum': ('SGD', {'learning_rate': 0.1, 'momentum': 0.9}),
    'sgd_nesterov': ('SGD', {'learning_rate': 0.1, 'momentum': 0.9, 'nesterov': True}),
    'sgd_clipnorm': ('SGD', {'learning_rate': 0.1, 'clipnorm': 0.5}),
    'sgd_clipvalue': ('SGD', {'learning_rate': 0.1, 'clipvalue': 0.05}),
    'adam': ('Adam', {}),
    'adam_decay': ('Adam', {'learning_rate': 0.01, 'decay': 0.5}),
    'adam_amsgrad': ('Adam', {'learning_rate': 0.01, 'amsgrad': True}),
    'rmsprop': ('RMSprop', {'learning_rate': 0.01}),
    'rmsprop_momentum': ('RMSprop', {'learning_rate': 0.01, 'momentum': 0.5}),
    'rmsprop_centered': ('RMSprop', {'learning_rate': 0.01, 'centered': True}),
    'rmsprop_centered_momentum': ('RMSprop', {'learning_rate': 0.01, 'momentum': 0.5, 'centered': True}),
    'adagrad': ('Adagrad', {'learning_rate': 0.1}),
    'adadelta': ('Adadelta', {'learning_rate': 1.0}),
    'adamax': ('Adamax', {'learning_rate': 0.01}),
    'nadam': ('Nadam', {'learning_rate': 0.01}),
    'ftrl': ('Ftrl', {'learning_rate': 0.1, 'l1_regularization_strength': 0.01, 'l2_regularization_strength': 0.02}),
    'ftrl_shrinkage': ('Ftrl', {'learning_rate': 0.1, 'l2_shrinkage_regularization_strength': 0.1}),
    'exponential_decay': ('SGD', {'learning_rate': ('ExponentialDecay', {
        'initial_learning_rate': 0.1, 'decay_steps': 2, 'decay_rate': 0.5, 'staircase': True})}),
    'piecewise_constant': ('Adam', {'learning_rate': ('PiecewiseConstantDecay', {
        'boundaries': [1], 'values': [0.1, 0.01]})}),
    'polynomial_decay': ('SGD', {'learning_rate': ('PolynomialDecay', {
        'initial_learning_rate': 0.1, 'decay_steps': 2, 'end_learning_rate': 0.01, 'power': 2.0})}),
    'inverse_time_decay': ('RMSprop', {'learning_rate': ('InverseTimeDecay', {
        'initial_learning_rate': 0.1, 'decay_steps': 1, 'decay_rate': 0.5})}),
}
# (case, sparse, how the step is built). TF 1.15 clips in get_gradients and minimize only; tf_keras clips
# in apply_gradients too (clipping twice is clipping once), so the clipped sparse runs use minimize.
RUNS = [(name, sparse, how) for name in sorted(CASES) for sparse, how in (
    (False, 'get_updates'), (True, 'minimize' if 'clip' in name else 'apply_gradients'))]
RUNS += [('adam', False, 'minimize'), ('sgd_momentum', True, 'minimize')]


# runs whose training graphs cross between sluice and TF (MetaGraphs both ways): the update ops of
# each optimizer, dense and sparse
TRAVEL = [run for run in RUNS if run[2] != 'minimize' and run[0] in (
    'sgd', 'sgd_nesterov', 'adam_amsgrad', 'adagrad', 'adadelta', 'adamax', 'nadam', 'rmsprop_centered',
    'rmsprop_centered_momentum', 'ftrl_shrinkage', 'piecewise_constant')]


def run_name(case, sparse, how):
    return '%s-%s-%s' % (case, 'sparse' if sparse else 'dense', how)


def _optimizer(keras, case):
    cls_name, kwargs = CASES[case]
    kwargs = dict(kwargs)
    if isinstance(kwargs.get('learning_rate'), tuple):
        schedule, arguments = kwargs['learning_rate']
        kwargs['learning_rate'] = getattr(keras.optimizers.schedules, schedule)(**arguments)
    return getattr(keras.optimizers, cls_name)(**kwargs)


def run(tf, keras, case, sparse, how, export_to=None):
    """(arrays, meta) of STEPS steps of the case in the default graph (tf: sluice or tf.compat.v1);
    with export_to, the graph (its step in collection 'train_op') is written there as a MetaGraph first."""
    w = tf.get_variable('w', initializer=W0.astype(np.float32), use_resource=True)
    b = tf.get_variable('b', initializer=B0.astype(np.float32), use_resource=True)
    x = tf.constant(X.astype(np.float32))

    def loss_fn():
        if sparse:
            rows = w.sparse_read(tf.constant(ROWS))
            pred = rows * tf.constant(X[:4, :3].astype(np.float32)) + b
            return tf.reduce_sum(tf.square(pred - tf.constant(Y[:4].astype(np.float32))))
        return tf.reduce_sum(tf.square(tf.matmul(x, w) + b - tf.constant(Y.astype(np.float32))))
    opt = _optimizer(keras, case)
    before = set(op.name for op in tf.get_default_graph().get_operations())
    if how == 'get_updates':
        step = opt.get_updates(loss_fn(), [w, b])
    elif how == 'minimize':  # TF 1.15's minimize takes a callable (it records the loss on a tape)
        step = opt.minimize(loss_fn, [w, b])
    else:
        step = opt.apply_gradients(zip(tf.gradients(loss_fn(), [w, b]), [w, b]))
    update_types = sorted(set(op.type for op in tf.get_default_graph().get_operations()
                              if op.name not in before and op.type.startswith(('ResourceApply', 'ResourceSparseApply',
                                                                                'ResourceScatter'))))
    if export_to is not None:
        for op in step if isinstance(step, list) else [step]:
            tf.add_to_collection('train_op', op)
        tf.train.export_meta_graph(export_to)
    arrays = {}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with sess.as_default():
            for i in range(STEPS):
                sess.run(step)
                arrays['w/%d' % i], arrays['b/%d' % i] = sess.run([w, b])
            for weight, value in zip(opt.weights, opt.get_weights()):
                arrays['opt/' + weight.name] = value
            config = opt.get_config()
    config = {k: (v if not hasattr(v, 'item') else v.item()) for k, v in config.items()}
    meta = {'weights': [v.name for v in opt.weights], 'update_types': update_types, 'config': config,
            'globals': sorted(v.name for v in tf.global_variables())}
    return arrays, meta


def train_imported(tf, path):
    """{variable name: value} after STEPS runs of the 'train_op' of the MetaGraph at path."""
    with tf.Graph().as_default() as g:
        tf.train.import_meta_graph(path)
        train = g.get_collection('train_op')
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(train)
            return {v.op.name: sess.run(v) for v in tf.global_variables()}
