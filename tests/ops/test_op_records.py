"""Every op type on every device, driven by the records of tests/op_records.py.

For each record and dtype: the forward values and dtypes on "/cpu:0", the fake "/gpu:0" and (where
present) a real GPU match TensorFlow 1.x (`tensorflow.compat.v1`, v2 behaviour disabled; without
TensorFlow, the record's NumPy reference), and the static shapes match TensorFlow's. For a
differentiable record: sluice's symbolic gradient matches central differences on each device, and
matches TensorFlow's `tf.gradients` for the same upstream gradient (this is what checks the `*Grad`
kernels). TensorFlow's results are computed once per record and dtype and shared by the devices.
A registered op type with no record and no exemption fails `test_every_op_type_has_a_record`.
"""
import os

import numpy as np
import pytest

import sluice as tf
from sluice.engine import op_registry

from op_records import EXEMPT, RECORDS

_CASES = [pytest.param(r, d, id='%s-%s' % (r.name, np.dtype(d).name)) for r in RECORDS for d in r.dtypes]
_GRAD_CASES = [pytest.param(r, id=r.name) for r in RECORDS if r.grad]
_tf1 = []  # the TensorFlow module once imported (None when it is not installed)
_reference_cache = {}


def _tensorflow():
    if not _tf1:
        os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
        try:
            import tensorflow.compat.v1 as tf1
            tf1.disable_v2_behavior()
            tf1.logging.set_verbosity(tf1.logging.ERROR)
        except ImportError:
            tf1 = None
        _tf1.append(tf1)
    return _tf1[0]


def _expect_failure(request, record, check, dtype):
    """Marks the case xfail(strict) when the record states a known discrepancy for it."""
    device = request.node.callspec.params.get('device', '')  # 'cpu', 'fake_gpu' or 'gpu'
    if record.cpu_only and device not in ('', 'cpu'):
        pytest.skip(record.cpu_only)
    reason = record.xfail_reason(check, dtype, device)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _graph_inputs(module, record, values):
    """The builder's arguments (placeholders, or NumPy arrays for `const` inputs) and their feed."""
    args, feed = [], {}
    for spec, value in zip(record.inputs, values):
        if spec.const:
            args.append(value)
            continue
        dtype = module.string if value.dtype == object else module.as_dtype(value.dtype)
        ph = module.placeholder(dtype, value.shape)
        args.append(ph)
        feed[ph] = value
    return args, feed


def _run(module, outs, feed, record):
    with module.Session() as sess:
        if record.stateful:
            sess.run(module.global_variables_initializer(), feed)
        return sess.run(outs, feed)


def _static_shape(t):
    return None if t.shape.dims is None else t.shape.as_list()


def _reference(record, dtype):
    """(values, dtype names, static shapes) from TensorFlow, or from the record's NumPy reference."""
    key = (record.name, np.dtype(dtype).name)
    if key not in _reference_cache:
        values = record.make_inputs(dtype)
        tf1 = _tensorflow()
        if tf1 is None:
            if record.numpy is None:
                pytest.skip('TensorFlow is not installed and the record has no NumPy reference')
            _reference_cache[key] = (_as_list(record.numpy(*values)), None, None)
        else:
            with tf1.Graph().as_default():
                args, feed = _graph_inputs(tf1, record, values)
                outs = _as_list(record.build(tf1, *args))
                _reference_cache[key] = (_run(tf1, outs, feed, record), [o.dtype.name for o in outs],
                                         [_static_shape(o) for o in outs])
    return _reference_cache[key]


def _assert_same(got, expected, dtype, record, what):
    assert len(got) == len(expected), '%s: %d outputs, TensorFlow has %d' % (what, len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        g, e = np.asarray(g), np.asarray(e)
        rtol, atol = record.tolerance(e.dtype if e.dtype.kind in 'fc' else dtype)
        assert g.shape == e.shape, '%s output %d: shape %s, expected %s' % (what, i, g.shape, e.shape)
        if e.dtype.kind in 'fc':
            assert g.dtype == e.dtype, '%s output %d: dtype %s, expected %s' % (what, i, g.dtype, e.dtype)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg='%s output %d' % (what, i))
        else:
            np.testing.assert_array_equal(g, e, err_msg='%s output %d' % (what, i))


@pytest.mark.parametrize('record,dtype', _CASES)
def test_forward(record, dtype, device, request):
    _expect_failure(request, record, 'forward', dtype)
    expected, dtype_names, _ = _reference(record, dtype)
    with tf.device(device):
        args, feed = _graph_inputs(tf, record, record.make_inputs(dtype))
        outs = _as_list(record.build(tf, *args))
    present = {op.type for op in tf.get_default_graph().get_operations()}
    missing = [t for t in record.op_types if t not in present]
    assert not missing, 'the graph has no %s op (it has %s)' % (missing, sorted(present))
    if dtype_names is not None:
        assert [o.dtype.name for o in outs] == dtype_names
    _assert_same(_run(tf, outs, feed, record), expected, dtype, record, record.name)


@pytest.mark.parametrize('record,dtype', _CASES)
def test_static_shape(record, dtype, request):
    _expect_failure(request, record, 'shape', dtype)
    tf1 = _tensorflow()
    if tf1 is None:
        pytest.skip('TensorFlow is not installed')
    _, _, shapes = _reference(record, dtype)
    args, _ = _graph_inputs(tf, record, record.make_inputs(dtype))
    assert [_static_shape(o) for o in _as_list(record.build(tf, *args))] == shapes


def _differentiated(record, dtype, args, values):
    return [(a, v) for spec, a, v in zip(record.inputs, args, values) if spec.differentiable(dtype)]


def _float_outputs(outs):
    return [o for o in outs if o.dtype.is_floating]


@pytest.mark.parametrize('record', _GRAD_CASES)
def test_gradient_matches_finite_differences(record, device, request):
    dtype = record.grad_dtype()
    _expect_failure(request, record, 'grad', dtype)
    values = record.make_inputs(dtype)
    with tf.device(device):
        args, feed = _graph_inputs(tf, record, values)
        outs = _float_outputs(_as_list(record.build(tf, *args)))
        y = outs[0] if len(outs) == 1 else tf.concat([tf.reshape(tf.cast(o, dtype), [-1]) for o in outs], 0)
        xs = _differentiated(record, dtype, args, values)
        with tf.Session() as sess, sess.as_default():
            y_shape = np.shape(sess.run(y, feed))
            pairs = tf.test.compute_gradient([x for x, _ in xs], [v.shape for _, v in xs], y, y_shape,
                                             x_init_value=[v for _, v in xs], extra_feed_dict=feed,
                                             delta=1e-3 if dtype == np.float64 else 1e-2)
    tol = record.grad_tol if dtype == np.float64 else max(record.grad_tol, 2e-2)
    for i, (theoretical, numerical) in enumerate(pairs):
        np.testing.assert_allclose(theoretical, numerical, rtol=tol, atol=tol, err_msg='input %d' % i)


def _gradients(module, record, dtype, values):
    """tf.gradients of the record's float outputs, for fixed random upstream gradients."""
    args, feed = _graph_inputs(module, record, values)
    outs = _float_outputs(_as_list(record.build(module, *args)))
    rng = np.random.RandomState(7)
    grad_ys = []
    for o in outs:
        g = module.placeholder(o.dtype, o.shape)
        grad_ys.append(g)
        feed[g] = None  # filled once the output shapes are known
    xs = [x for x, _ in _differentiated(record, dtype, args, values)]
    grads = module.gradients(outs, xs, grad_ys=grad_ys)
    with module.Session() as sess:
        shapes = sess.run(outs, {k: v for k, v in feed.items() if v is not None})
        for g, value in zip(grad_ys, shapes):
            feed[g] = rng.uniform(-1, 1, np.shape(value)).astype(value.dtype)
        present = [g for g in grads if g is not None]
        result = iter(sess.run(present, feed))
    return [None if g is None else next(result) for g in grads]


@pytest.mark.parametrize('record', _GRAD_CASES)
def test_gradient_matches_tensorflow(record, device, request):
    tf1 = _tensorflow()
    if tf1 is None:
        pytest.skip('TensorFlow is not installed')
    dtype = record.grad_dtype()
    _expect_failure(request, record, 'grad_tf', dtype)
    values = record.make_inputs(dtype)
    key = (record.name, 'grad')
    if key not in _reference_cache:
        with tf1.Graph().as_default():
            _reference_cache[key] = _gradients(tf1, record, dtype, values)
    expected = _reference_cache[key]
    with tf.device(device):
        got = _gradients(tf, record, dtype, values)
    assert [g is None for g in got] == [e is None for e in expected], 'which inputs have a gradient'
    _assert_same([g for g in got if g is not None], [e for e in expected if e is not None], dtype, record,
                 record.name + ' gradient')


def test_every_op_type_has_a_record():
    covered = {t for r in RECORDS for t in r.op_types}
    missing = sorted(set(op_registry.registered_op_types()) - covered - set(EXEMPT))
    assert not missing, 'op types with no record in tests/op_records.py and no exemption: %s' % missing


def test_records_and_exemptions_name_registered_types():
    registered = set(op_registry.registered_op_types())
    covered = {t for r in RECORDS for t in r.op_types}
    assert not covered - registered, 'records claim unregistered types'
    assert not set(EXEMPT) - registered, 'stale exemptions'
    assert not covered & set(EXEMPT), 'exempt types that have a record'
    names = [r.name for r in RECORDS]
    assert len(names) == len(set(names)), 'duplicate record names'
