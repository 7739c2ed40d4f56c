"""The optimizers' dense updates, each declared once with its NumPy, C and CUDA bodies side by side.

An `OptimizerUpdate` names an Apply op (its SparseApply twin shares it) and holds:

  numpy:  body(xp, tmp, *refs, *scalars, grad, *attrs) updating the ref arrays in place with a
          short sequence of xp ufuncs writing with `out=` (into the refs or work arrays from tmp(),
          shaped like var), never allocating per element pass. xp-generic: the CPU's fallback, the
          fake GPUs' update, and a real GPU's when the CUDA body cannot serve (float16, a compile
          failure). Scalars are T scalars on the host, 0-d arrays on a GPU.
  c_loop: the name of the loop in _cpu_fused.c taking the same arguments (kernels/native.py binds
          it), one pass over the arrays where the NumPy body makes nine to eleven; None if none.
  cuda:   body(**attrs) -> the operation of a CuPy ElementwiseKernel: in params are the scalars by
          their op input names and `grad`, out params the refs (`cuda_source` builds them).
  attrs:  the op attrs every body takes, in this order, after the gradient.
  choose_numpy: optional (constant) -> another NumPy body for this node, or None; constant(name)
          is the value of the input `name` when it is a Const (RMSProp with a momentum of 0).

Refs, scalars and the gradient are the op's inputs (ops/training_ops.py): refs first, then the
plain inputs in the op's order with the gradient (`grad` or `delta`) moved last. Every body follows
TF's formulas (training_ops.cc); the C loops follow its Eigen expressions term by term.
"""
import numpy as np


class OptimizerUpdate:
    __slots__ = ('op_type', 'numpy', 'c_loop', 'cuda', 'attrs', 'choose_numpy')

    def __init__(self, op_type, numpy, c_loop=None, cuda=None, attrs=(), choose_numpy=None):
        self.op_type = op_type
        self.numpy = numpy
        self.c_loop = c_loop
        self.cuda = cuda
        self.attrs = attrs
        self.choose_numpy = choose_numpy


# -- CUDA: helpers every body may call, and the kernel source of a node ------------------------------

CUDA_PREAMBLE = '''
template <typename T> __device__ T sl_abs(T x) { return x < T(0) ? -x : x; }
template <typename T> __device__ T sl_sign(T x) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
template <typename T> __device__ T sl_pos(T x) { return x > T(0) ? x : T(0); }
'''

_CUDA_TYPES = {np.dtype(np.int64): 'int64', np.dtype(np.int32): 'int32'}


def cuda_source(update, op_def, attrs):
    """(in_params, out_params, operation) of the node's ElementwiseKernel: in params are the scalars
    by their input names ('T lr', 'int64 global_step') then 'T grad'; out params the refs."""
    refs, scalars = [], []
    for arg in op_def.inputs:
        if arg.is_ref or arg.type_attr is None and arg.fixed_dtype.name == 'resource':  # ResourceApply*
            refs.append('T ' + arg.name)
        elif arg.name not in ('grad', 'delta', 'indices'):
            kind = 'T' if arg.type_attr == 'T' else _CUDA_TYPES[np.dtype(arg.fixed_dtype.as_numpy_dtype)]
            scalars.append('%s %s' % (kind, arg.name))
    return ', '.join(scalars + ['T grad']), ', '.join(refs), update.cuda(**attrs)


# -- GradientDescent, ProximalGradientDescent ---------------------------------------------------------

def _gradient_descent(xp, tmp, var, alpha, delta):
    t = tmp()
    xp.multiply(delta, alpha, out=t)
    var -= t


GRADIENT_DESCENT = OptimizerUpdate(
    'ApplyGradientDescent', _gradient_descent,
    cuda=lambda: 'var -= grad * alpha;')


def _proximal_gradient_descent(xp, tmp, var, alpha, l1, l2, delta):
    t = tmp()
    xp.multiply(delta, alpha, out=t)
    var -= t  # var is now the proximal point
    if float(l1) > 0:
        xp.abs(var, out=t)
        t -= alpha * l1
        xp.maximum(t, 0, out=t)
        xp.sign(var, out=var)
        var *= t
    var /= 1 + l2 * alpha


PROXIMAL_GRADIENT_DESCENT = OptimizerUpdate(
    'ApplyProximalGradientDescent', _proximal_gradient_descent,
    cuda=lambda: '''
        const T prox = var - grad * alpha;
        const T shrunk = l1 > T(0) ? sl_sign(prox) * sl_pos(sl_abs(prox) - alpha * l1) : prox;
        var = shrunk / (T(1) + l2 * alpha);''')


# -- Momentum (Nesterov or not) -----------------------------------------------------------------------

def _momentum(xp, tmp, var, accum, lr, momentum, grad, use_nesterov):
    accum *= momentum
    accum += grad
    t = tmp()
    if use_nesterov:
        xp.multiply(accum, momentum, out=t)
        t += grad
        t *= lr
    else:
        xp.multiply(accum, lr, out=t)
    var -= t


MOMENTUM = OptimizerUpdate(
    'ApplyMomentum', _momentum, c_loop='momentum', attrs=('use_nesterov',),
    cuda=lambda use_nesterov: 'accum = accum * momentum + grad; ' + (
        'var -= grad * lr + accum * momentum * lr;' if use_nesterov else 'var -= accum * lr;'))


# -- Adam (Nesterov or not) ---------------------------------------------------------------------------

def _adam(xp, tmp, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, use_nesterov):
    one = beta1_power.dtype.type(1)
    alpha = lr * xp.sqrt(one - beta2_power) / (one - beta1_power)
    t = tmp()
    xp.subtract(grad, m, out=t)
    t *= one - beta1
    m += t
    xp.multiply(grad, grad, out=t)
    t -= v
    t *= one - beta2
    v += t
    xp.sqrt(v, out=t)
    t += epsilon
    if use_nesterov:
        u = tmp()
        xp.multiply(m, beta1, out=u)
        w = tmp()
        xp.multiply(grad, one - beta1, out=w)
        u += w
        u *= alpha
        u /= t
        var -= u
    else:
        xp.divide(m, t, out=t)
        t *= alpha
        var -= t


ADAM = OptimizerUpdate(
    'ApplyAdam', _adam, c_loop='adam', attrs=('use_nesterov',),
    cuda=lambda use_nesterov: '''
        const T alpha = lr * sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
        m += (grad - m) * (T(1) - beta1);
        v += (grad * grad - v) * (T(1) - beta2);
        var -= (%s) / (sqrt(v) + epsilon);''' % (
        '(grad * (T(1) - beta1) + beta1 * m) * alpha' if use_nesterov else 'm * alpha'))


# -- Adagrad, ProximalAdagrad, AdagradDA --------------------------------------------------------------

def _adagrad(xp, tmp, var, accum, lr, grad, update_slots):
    t = tmp()
    if update_slots:
        xp.multiply(grad, grad, out=t)
        accum += t
    xp.sqrt(accum, out=t)
    xp.divide(grad, t, out=t)
    t *= lr
    var -= t


ADAGRAD = OptimizerUpdate(
    'ApplyAdagrad', _adagrad, attrs=('update_slots',),
    cuda=lambda update_slots: ('accum += grad * grad; ' if update_slots else '') + 'var -= grad * lr / sqrt(accum);')


def _proximal_adagrad(xp, tmp, var, accum, lr, l1, l2, grad):
    rate, t, denom = tmp(), tmp(), tmp()
    xp.multiply(grad, grad, out=t)
    accum += t
    xp.sqrt(accum, out=rate)
    xp.divide(lr, rate, out=rate)  # the per-element Adagrad learning rate
    xp.multiply(grad, rate, out=t)
    var -= t  # the proximal point
    xp.multiply(rate, l2, out=denom)
    denom += 1
    if float(l1) > 0:
        rate *= l1
        xp.abs(var, out=t)
        t -= rate
        xp.maximum(t, 0, out=t)
        xp.sign(var, out=var)
        var *= t
    var /= denom


PROXIMAL_ADAGRAD = OptimizerUpdate(
    'ApplyProximalAdagrad', _proximal_adagrad,
    cuda=lambda: '''
        accum += grad * grad;
        const T rate = lr / sqrt(accum);
        const T prox = var - grad * rate;
        const T shrunk = l1 > T(0) ? sl_sign(prox) * sl_pos(sl_abs(prox) - rate * l1) : prox;
        var = shrunk / (T(1) + l2 * rate);''')


def _adagrad_da(xp, tmp, var, gacc, gsq, lr, l1, l2, global_step, grad):
    step = float(global_step)
    gacc += grad
    t = tmp()
    xp.multiply(grad, grad, out=t)
    gsq += t
    if float(l1) > 0:
        xp.abs(gacc, out=t)
        t -= step * l1
        xp.maximum(t, 0, out=t)
        xp.sign(gacc, out=var)  # var is rewritten whole: it holds the sign meanwhile
        var *= t
        var *= -lr
    else:
        xp.multiply(gacc, -lr, out=var)
    xp.sqrt(gsq, out=t)
    t += l2 * (step * lr)
    var /= t


ADAGRAD_DA = OptimizerUpdate(
    'ApplyAdagradDA', _adagrad_da,
    cuda=lambda: '''
        gradient_accumulator += grad;
        gradient_squared_accumulator += grad * grad;
        const T step = T((float)global_step);
        const T num = l1 > T(0) ? sl_sign(gradient_accumulator) * sl_pos(sl_abs(gradient_accumulator) - step * l1)
                                : gradient_accumulator;
        var = -lr * num / (l2 * (step * lr) + sqrt(gradient_squared_accumulator));''')


# -- Ftrl, FtrlV2 (FTRL-proximal; accum serves as a work array) ---------------------------------------

def _ftrl_update(xp, tmp, var, accum, linear, lr, l1, l2, l2_shrinkage, lr_power, grad, multiply_by_lr):
    """TF's FTRL formulas; l2_shrinkage None for ApplyFtrl."""
    half = float(lr_power) == -0.5
    new_accum, sigma = tmp(), tmp()
    xp.multiply(grad, grad, out=new_accum)
    new_accum += accum
    if half:
        xp.sqrt(new_accum, out=sigma)
        xp.sqrt(accum, out=accum)
    else:
        xp.power(new_accum, -lr_power, out=sigma)
        xp.power(accum, -lr_power, out=accum)
    sigma -= accum  # new_accum^-p - accum^-p
    if multiply_by_lr:
        if l2_shrinkage is not None:
            sigma -= 2 * l2_shrinkage * lr
        sigma *= var
        linear -= sigma
        xp.multiply(grad, lr, out=accum)
        linear += accum
        l1_eff = l1 * lr
    else:
        sigma /= lr
        if l2_shrinkage is not None:
            sigma -= 2 * l2_shrinkage
        sigma *= var
        linear -= sigma
        linear += grad
        l1_eff = l1
    # y (in sigma) = new_accum^-p (/ lr) + 2 * l2 (* lr)
    if half:
        xp.sqrt(new_accum, out=sigma)
    else:
        xp.power(new_accum, -lr_power, out=sigma)
    if multiply_by_lr:
        sigma += 2 * l2 * lr
    else:
        sigma /= lr
        sigma += 2 * l2
    xp.sign(linear, out=accum)
    accum *= l1_eff
    accum -= linear
    accum /= sigma  # the update before shrinking
    xp.abs(linear, out=var)
    keep = var > l1_eff
    var.fill(0)
    xp.copyto(var, accum, where=keep)
    xp.copyto(accum, new_accum)


def _ftrl(xp, tmp, var, accum, linear, lr, l1, l2, lr_power, grad, multiply_linear_by_lr):
    _ftrl_update(xp, tmp, var, accum, linear, lr, l1, l2, None, lr_power, grad, multiply_linear_by_lr)


def _ftrl_v2(xp, tmp, var, accum, linear, lr, l1, l2, l2_shrinkage, lr_power, grad, multiply_linear_by_lr):
    _ftrl_update(xp, tmp, var, accum, linear, lr, l1, l2, l2_shrinkage, lr_power, grad, multiply_linear_by_lr)


def _cuda_ftrl(shrinkage):
    def body(multiply_linear_by_lr):
        text = '''
        const bool half = lr_power == T(-0.5);
        const T new_accum = accum + grad * grad;
        const T p_new = half ? sqrt(new_accum) : pow(new_accum, -lr_power);
        const T p_old = half ? sqrt(accum) : pow(accum, -lr_power);
        const T g = %s;''' % ('grad + T(2) * l2_shrinkage * var' if shrinkage else 'grad')
        if multiply_linear_by_lr:
            text += '''
        linear += g * lr - (p_new - p_old) * var;
        const T l1e = l1 * lr;
        const T y = p_new + T(2) * l2 * lr;'''
        else:
            text += '''
        linear += g - (p_new - p_old) / lr * var;
        const T l1e = l1;
        const T y = p_new / lr + T(2) * l2;'''
        return text + '''
        var = sl_abs(linear) > l1e ? (l1e * sl_sign(linear) - linear) / y : T(0);
        accum = new_accum;'''
    return body


FTRL = OptimizerUpdate('ApplyFtrl', _ftrl, attrs=('multiply_linear_by_lr',), cuda=_cuda_ftrl(False))
FTRL_V2 = OptimizerUpdate('ApplyFtrlV2', _ftrl_v2, attrs=('multiply_linear_by_lr',), cuda=_cuda_ftrl(True))


# -- RMSProp, CenteredRMSProp, Adadelta ---------------------------------------------------------------

def _rms_prop(xp, tmp, var, ms, mom, lr, rho, momentum, epsilon, grad):
    t = tmp()
    xp.multiply(grad, grad, out=t)
    t -= ms
    t *= 1 - rho
    ms += t
    xp.add(ms, epsilon, out=t)
    xp.sqrt(t, out=t)
    xp.divide(grad, t, out=t)
    t *= lr
    mom *= momentum
    mom += t
    var -= mom


def _rms_prop_no_momentum(xp, tmp, var, ms, mom, lr, rho, momentum, epsilon, grad):
    """RMSProp when momentum is a constant 0: mom = lr * grad / sqrt(ms + eps) is rewritten
    whole, so it is the work array: nine passes, no temporary."""
    xp.multiply(grad, grad, out=mom)
    mom -= ms
    mom *= 1 - rho
    ms += mom
    xp.add(ms, epsilon, out=mom)
    xp.sqrt(mom, out=mom)
    xp.divide(grad, mom, out=mom)
    mom *= lr
    var -= mom


def _rms_prop_for(constant):
    momentum = constant('momentum')
    return _rms_prop_no_momentum if momentum is not None and np.all(momentum == 0) else None


RMS_PROP = OptimizerUpdate(
    'ApplyRMSProp', _rms_prop, c_loop='rms_prop', choose_numpy=_rms_prop_for,
    cuda=lambda: '''
        ms += (grad * grad - ms) * (T(1) - rho);
        mom = mom * momentum + lr * grad / sqrt(ms + epsilon);
        var -= mom;''')


def _centered_rms_prop(xp, tmp, var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    t = tmp()
    xp.multiply(grad, grad, out=t)
    t -= ms
    t *= 1 - rho
    ms += t
    xp.subtract(grad, mg, out=t)
    t *= 1 - rho
    mg += t
    xp.multiply(mg, mg, out=t)
    xp.subtract(ms, t, out=t)
    t += epsilon
    xp.sqrt(t, out=t)
    xp.divide(grad, t, out=t)
    t *= lr
    mom *= momentum
    mom += t
    var -= mom


CENTERED_RMS_PROP = OptimizerUpdate(
    'ApplyCenteredRMSProp', _centered_rms_prop,
    cuda=lambda: '''
        ms += (grad * grad - ms) * (T(1) - rho);
        mg += (grad - mg) * (T(1) - rho);
        mom = mom * momentum + lr * grad / sqrt(ms - mg * mg + epsilon);
        var -= mom;''')


def _adadelta(xp, tmp, var, accum, accum_update, lr, rho, epsilon, grad):
    t, u = tmp(), tmp()
    xp.multiply(grad, grad, out=t)
    t *= 1 - rho
    accum *= rho
    accum += t
    xp.add(accum_update, epsilon, out=u)
    xp.sqrt(u, out=u)
    xp.add(accum, epsilon, out=t)
    xp.sqrt(t, out=t)
    u /= t
    u *= grad  # the update
    xp.multiply(u, lr, out=t)
    var -= t
    xp.multiply(u, u, out=u)
    u *= 1 - rho
    accum_update *= rho
    accum_update += u


ADADELTA = OptimizerUpdate(
    'ApplyAdadelta', _adadelta,
    cuda=lambda: '''
        accum = accum * rho + grad * grad * (T(1) - rho);
        const T update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
        var -= update * lr;
        accum_update = accum_update * rho + update * update * (T(1) - rho);''')


# -- the Keras optimizers' updates: KerasMomentum, AdamWithAmsgrad, AdagradV2, AdaMax ----------------

def _keras_momentum(xp, tmp, var, accum, lr, momentum, grad, use_nesterov):
    t = tmp()
    xp.multiply(grad, lr, out=t)
    accum *= momentum
    accum -= t
    if use_nesterov:
        u = tmp()
        xp.multiply(accum, momentum, out=u)
        u -= t
        var += u
    else:
        var += accum


KERAS_MOMENTUM = OptimizerUpdate(
    'ApplyKerasMomentum', _keras_momentum, attrs=('use_nesterov',),
    cuda=lambda use_nesterov: 'accum = accum * momentum - grad * lr; ' + (
        'var += accum * momentum - grad * lr;' if use_nesterov else 'var += accum;'))


def _adam_with_amsgrad(xp, tmp, var, m, v, vhat, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    one = beta1_power.dtype.type(1)
    alpha = lr * xp.sqrt(one - beta2_power) / (one - beta1_power)
    t = tmp()
    xp.subtract(grad, m, out=t)
    t *= one - beta1
    m += t
    xp.multiply(grad, grad, out=t)
    t -= v
    t *= one - beta2
    v += t
    xp.maximum(vhat, v, out=vhat)
    xp.sqrt(vhat, out=t)
    t += epsilon
    u = tmp()
    xp.multiply(m, alpha, out=u)
    u /= t
    var -= u


ADAM_WITH_AMSGRAD = OptimizerUpdate(
    'ApplyAdamWithAmsgrad', _adam_with_amsgrad,
    cuda=lambda: '''
        const T alpha = lr * sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
        m += (grad - m) * (T(1) - beta1);
        v += (grad * grad - v) * (T(1) - beta2);
        vhat = vhat > v ? vhat : v;
        var -= m * alpha / (sqrt(vhat) + epsilon);''')


def _adagrad_v2(xp, tmp, var, accum, lr, epsilon, grad, update_slots):
    t = tmp()
    if update_slots:
        xp.multiply(grad, grad, out=t)
        accum += t
    xp.sqrt(accum, out=t)
    t += epsilon
    xp.divide(grad, t, out=t)
    t *= lr
    var -= t


ADAGRAD_V2 = OptimizerUpdate(
    'ApplyAdagradV2', _adagrad_v2, attrs=('update_slots',),
    cuda=lambda update_slots: ('accum += grad * grad; ' if update_slots else '')
    + 'var -= grad * lr / (sqrt(accum) + epsilon);')


def _ada_max(xp, tmp, var, m, v, beta1_power, lr, beta1, beta2, epsilon, grad):
    one = beta1_power.dtype.type(1)
    t = tmp()
    xp.subtract(grad, m, out=t)
    t *= one - beta1
    m += t
    v *= beta2
    xp.abs(grad, out=t)
    xp.maximum(v, t, out=v)
    xp.add(v, epsilon, out=t)
    xp.divide(m, t, out=t)
    t *= lr / (one - beta1_power)
    var -= t


ADA_MAX = OptimizerUpdate(
    'ApplyAdaMax', _ada_max,
    cuda=lambda: '''
        m += (grad - m) * (T(1) - beta1);
        const T decayed = beta2 * v;
        const T magnitude = sl_abs(grad);
        v = decayed > magnitude ? decayed : magnitude;
        var -= lr / (T(1) - beta1_power) * (m / (v + epsilon));''')


UPDATES = (GRADIENT_DESCENT, PROXIMAL_GRADIENT_DESCENT, MOMENTUM, ADAM, ADAGRAD, PROXIMAL_ADAGRAD, ADAGRAD_DA,
           FTRL, FTRL_V2, RMS_PROP, CENTERED_RMS_PROP, ADADELTA, KERAS_MOMENTUM, ADAM_WITH_AMSGRAD, ADAGRAD_V2,
           ADA_MAX)
