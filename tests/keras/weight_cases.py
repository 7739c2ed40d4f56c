"""tf.keras regularizers, constraints and initializers cases run on TensorFlow and on sluice (see
keras_reference.py): penalties, projections (and their gradients) and the deterministic initializers."""
import numpy as np

KERAS_MODULES = ['regularizers', 'constraints', 'initializers']
_R = np.random.RandomState(11)
W = _R.randn(5, 3).astype(np.float32)
KERNEL = _R.randn(4, 4, 2, 3).astype(np.float32)
ODD_KERNEL = _R.randn(5, 5, 1, 2).astype(np.float32)


def _regularizers(tf, keras):
    R = keras.regularizers
    w = tf.constant(W)
    return {'l1': R.l1(0.3)(w), 'l2': R.l2()(w), 'l1_l2': R.l1_l2(0.1, 0.2)(w), 'none': R.L1L2()(w),
            'get_l2': R.get('l2')(w), 'grad': tf.gradients(R.l1_l2(0.1, 0.2)(w), [w])[0]}


def _constraints(tf, keras):
    C = keras.constraints
    w = tf.constant(W)
    out = {'max_norm': C.MaxNorm(1.5)(w), 'max_norm_axis1': C.max_norm(0.8, axis=1)(w), 'non_neg': C.NonNeg()(w),
           'unit_norm': C.UnitNorm()(w), 'unit_norm_axis1': C.unit_norm(axis=1)(w),
           'min_max': C.MinMaxNorm(0.5, 1.2, rate=0.7)(w), 'max_norm_kernel': C.MaxNorm(2., [0, 1, 2])(KERNEL),
           'radial_even': C.RadialConstraint()(tf.constant(KERNEL)),
           'radial_odd': C.RadialConstraint()(tf.constant(ODD_KERNEL))}
    out['min_max_grad'] = tf.gradients(tf.reduce_sum(C.MinMaxNorm(0.5, 1.2)(w) * W), [w])[0]
    return out


def _initializers(tf, keras):
    init = keras.initializers
    return {'zeros': init.get('zeros')([2, 3]), 'ones': init.Ones()([3]), 'constant': init.Constant(2.5)([2, 2]),
            'identity': init.Identity(gain=2.)([3, 4]), 'identity_name': init.get('identity')([2, 2])}


CASES = {'regularizers': _regularizers, 'constraints': _constraints, 'initializers': _initializers}
