"""Elementwise fusion (engine/fusion.py, kernels/fused_elementwise.py): which steps fuse, and that
fused plans give the unfused plans' values.

Every fusible row of the elementwise table, in every dtype the C harness covers, runs through a
fused loop on "/cpu:0" and the fake GPU (one graph per dtype, one compile) and is compared with
the same graph run with fusion off: bit for bit for the exact rows, within the table's ulp bound
for libm's functions, 2 ulps but for tan, pow and atan2 (NaN-ness and the sign of zero always equal).
"""
import os
import subprocess

import numpy as np
import pytest

import sluice as tf
from sluice.engine import dtypes, fusion, op_builder
from sluice.kernels import elementwise_kernels, fused_elementwise
from sluice.ops.elementwise import BOOL, ROWS
from tests.ops.test_elementwise_table import RECORDS, _dtypes_of, _inputs, _ulp_distance

OFF = tf.ConfigProto(graph_options=tf.GraphOptions(optimizer_options=tf.OptimizerOptions(global_jit_level=-1)))
# libm against NumPy's own loops (the elementwise table test's bounds): most values agree within
# 1 ulp; float32 expm1, tan, pow and atan2 differ by up to 2-4 on a few inputs
_ULPS = {'Tan': 4, 'Pow': 4, 'Atan2': 4}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    path = str(tmp_path_factory.getbasetemp() / 'fused_cache')
    monkeypatch.setenv('SLUICE_CACHE_DIR', path)
    monkeypatch.delenv('SLUICE_FUSION', raising=False)
    monkeypatch.setattr(fusion, 'COMPILE_AT_RUN', 1)  # loops from the first run on
    return path


def _plan(sess, fetches, feeds=()):
    return sess._signature(fetches, tuple(feeds)).plan


def _fused_steps(sess, fetches, feeds=()):
    return [s for s in _plan(sess, fetches, feeds).steps if s.kind == 'fused']


def _run_both(fetches, feed_dict=None):
    """(fused values, unfused values, the fused steps)."""
    with tf.Session() as sess:
        fused = sess.run(fetches, feed_dict)
        steps = _fused_steps(sess, fetches, tuple(feed_dict or ()))
    with tf.Session(config=OFF) as sess:
        plain = sess.run(fetches, feed_dict)
    return fused, plain, steps


def _assert_same(op_type, got, want, exact, ulps=0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, op_type
    if want.dtype.kind != 'f':
        assert np.array_equal(got, want), op_type
        return
    nan = np.isnan(want)
    assert (np.isnan(got) == nan).all(), '%s: NaN-ness differs' % op_type
    assert (np.signbit(got) == np.signbit(want))[~nan & (want == 0)].all(), '%s: sign of zero' % op_type
    distance = _ulp_distance(got, want)[~nan]
    bound = 0 if exact else ulps
    assert (distance <= bound).all(), '%s: %d ulps apart (bound %d)' % (op_type, distance.max(), bound)


def _rows_for(dt):
    out = []
    for op_type, row in sorted(ROWS.items()):
        if dt in _dtypes_of(row) and RECORDS.get(op_type):
            out.append(op_type)
    return out


def _node_of(op_type, inputs):
    row = ROWS[op_type]
    attrs = {k: 0.3 for k in row.params} or None
    return op_builder.output(op_type, inputs, attrs)


def _again(value):
    """A second node that keeps the value (bits, NaN and -0 included): max(v, v) or v && v."""
    if value.dtype.base_dtype == dtypes.bool:
        return tf.logical_and(value, value)
    return tf.maximum(value, value)


@pytest.mark.parametrize('dt', [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_every_fusible_row_gives_the_unfused_value(device, dt):
    dt = np.dtype(dt)
    rng = np.random.default_rng(0)
    nodes, fetches, feeds, expected_fused = {}, [], {}, set()
    with tf.device(device):
        for op_type in _rows_for(dt):
            row = ROWS[op_type]
            values = _inputs(row, dt, rng)
            n = values[0].shape[0]
            placeholders = [tf.placeholder(dtypes.as_dtype(dt), [n]) for _ in values]
            feeds.update(zip(placeholders, values))
            nodes[op_type] = node = _node_of(op_type, placeholders)
            fetches.append(_again(node))  # the smallest group that holds the node: two values
            # a GPU runs int32 nodes' CPU kernels in host memory, unfused; Round of an integer computes nothing
            described = elementwise_kernels.fusible(node.op)
            on_host = dt == np.int32 and 'gpu' in device and described is not None and described.out_type == dt
            if described is not None and described.c != described.names[0] and not on_host:
                expected_fused.add(op_type)
    if not nodes:
        pytest.skip('no row takes %s' % dt)
    fused, plain, steps = _run_both(fetches, feeds)
    members = {m for s in steps for m in s.fn.members}
    assert {t for t, node in nodes.items() if node.op in members} == expected_fused
    for (op_type, _), got, want in zip(nodes.items(), fused, plain):
        _assert_same(op_type, got, want, ROWS[op_type].exact, _ULPS.get(op_type, 2))


def test_rows_left_unfused_say_why():
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.int32, [3])
        h = tf.placeholder(tf.float16, [3])
        f = tf.placeholder(tf.float32, [3])
    assert elementwise_kernels.fusible(tf.floordiv(x, x).op) is None       # TF's division-by-zero check
    assert elementwise_kernels.fusible(tf.exp(h).op) is None               # no C type for half floats
    assert elementwise_kernels.fusible(tf.math.erf(f).op) is None          # NumPy's value is SciPy's
    assert elementwise_kernels.fusible(tf.exp(f).op) is not None


def test_scalar_and_unknown_operands_broadcast_in_the_loop(device):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 6, 5)).astype(np.float32)
    with tf.device(device):
        x = tf.placeholder(tf.float32, [None, 5])
        y = tf.placeholder(tf.float32, [None, 5])
        s = tf.placeholder(tf.float32, [])
        u = tf.placeholder(tf.float32)   # no static shape: 0-d or full at run time
        z = tf.nn.relu(x * s + y) - u * y
    for u_value in (np.float32(0.25), rng.standard_normal((6, 5)).astype(np.float32)):
        feed = {x: a, y: b, s: 1.5, u: u_value}
        fused, plain, steps = _run_both(z, feed)
        assert len(steps) == 1 and [m.type for m in steps[0].fn.members] == ['Mul', 'AddV2', 'Relu', 'Mul', 'Sub']
        _assert_same('chain', fused, plain, True)


def test_dropout_mask_chain_and_the_relu_gradient_fuse():
    rng = np.random.default_rng(2)
    with tf.device('/cpu:0'):
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [None, 8])
        keep = tf.placeholder(tf.float32)
        w = tf.Variable(rng.standard_normal((8, 8)).astype(np.float32))
        h = tf.nn.dropout(tf.nn.relu(tf.matmul(x, w)), keep)
        loss = tf.reduce_sum(h * h)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: rng.standard_normal((4, 8)).astype(np.float32), keep: 0.5}
    values = []
    for config in (None, OFF):
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, feed)
            values.append(sess.run([w, loss], feed))
            groups = [[m.type for m in s.fn.members] for s in _fused_steps(sess, train, (x, keep))]
        if config is None:
            assert any(g[:3] == ['GreaterEqual', 'RealDiv', 'SelectV2'] for g in groups)
            assert any(g[-1] == 'ReluGrad' and 'SelectV2' in g and 'Sum' in g for g in groups)
        else:
            assert groups == []
    assert np.array_equal(values[0][0], values[1][0]) and values[0][1] == values[1][1]


def test_a_fetched_intermediate_is_an_output_of_the_group():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4)).astype(np.float64)
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float64, [3, 4])
        y = tf.exp(x)
        z = tf.sqrt(y) + y
    fused, plain, steps = _run_both([y, z], {x: a})
    assert len(steps) == 1 and len(steps[0].outputs) == 2
    for got, want in zip(fused, plain):
        _assert_same('Exp', got, want, False, 1)


def test_the_off_switches(monkeypatch):
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [2])
        z = tf.abs(tf.negative(x))
    with tf.Session(config=OFF) as sess:
        sess.run(z, {x: [1, -2]})
        assert _fused_steps(sess, z, (x,)) == []
    monkeypatch.setenv('SLUICE_FUSION', '0')
    with tf.Session() as sess:
        sess.run(z, {x: [1, -2]})
        assert _fused_steps(sess, z, (x,)) == []
    monkeypatch.setenv('SLUICE_FUSION', '1')
    with tf.Session() as sess:
        assert list(sess.run(z, {x: [1, -2]})) == [1, 2]
        assert len(_fused_steps(sess, z, (x,))) == 1
    assert fusion.enabled_by(None)


def test_without_a_compiler_the_steps_run_unfused(monkeypatch, tmp_path):
    monkeypatch.setenv('SLUICE_CACHE_DIR', str(tmp_path))
    monkeypatch.setattr(fused_elementwise, 'compiler', lambda: None)
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [2])
        z = tf.abs(tf.negative(x)) * 2
    with tf.Session() as sess:
        assert list(sess.run(z, {x: [1, -2]})) == [2, 4]
        assert _fused_steps(sess, z, (x,)) == []


def test_a_failing_compile_runs_unfused(monkeypatch, tmp_path):
    monkeypatch.setenv('SLUICE_CACHE_DIR', str(tmp_path))
    monkeypatch.setenv('CC', 'false')  # a "compiler" that always fails
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [2])
        z = tf.abs(tf.negative(x)) * 3
    with tf.Session() as sess:
        assert list(sess.run(z, {x: [1, -2]})) == [3, 6]
        (step,) = _fused_steps(sess, z, (x,))
        assert step.fn.loop() is None


def test_loops_are_built_at_the_third_run_of_a_group(monkeypatch, tmp_path):
    monkeypatch.setenv('SLUICE_CACHE_DIR', str(tmp_path))
    monkeypatch.setattr(fusion, 'COMPILE_AT_RUN', 3)
    fused_elementwise._LIBRARIES.clear()
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [2])
        z = tf.abs(tf.negative(x)) * 4
    with tf.Session() as sess:
        for run in range(1, 5):
            assert list(sess.run(z, {x: [1, -2]})) == [4, 8]
            assert len(os.listdir(tmp_path)) == (run >= 3)  # one library, built at the third run


def test_compiled_loops_are_cached_on_disk(monkeypatch, tmp_path):
    monkeypatch.setenv('SLUICE_CACHE_DIR', str(tmp_path))
    groups = _one_group()
    source = fused_elementwise.c_source(groups)
    assert fused_elementwise.load_library(source) is not None
    names = os.listdir(tmp_path)
    assert len(names) == 1 and names[0].startswith('fused_') and names[0].endswith('.so')
    fused_elementwise._LIBRARIES.clear()  # as a new process: the file is loaded, cc is not run

    def no_compiler(*args, **kwargs):
        raise AssertionError('compiled again')
    monkeypatch.setattr(subprocess, 'run', no_compiler)
    assert fused_elementwise.load_library(source) is not None


def _one_group():
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [None, 3])
        s = tf.placeholder(tf.float32)
        z = tf.nn.relu(x * s)
    group = fusion.FusedGroup()
    f32 = np.dtype(np.float32)
    group.inputs = [(f32, 'full'), (f32, 'unknown')]
    group.members = [(elementwise_kernels.fusible(z.op.inputs[0].op), [('input', 0), ('input', 1)]),
                     (elementwise_kernels.fusible(z.op), [('member', 0)])]
    group.outputs = [1]
    return [group]


def test_cupy_source_is_one_elementwise_kernel_of_the_node_functions():
    in_params, out_params, operation, preamble = fused_elementwise.cupy_source(_one_group()[0], 'k')
    assert in_params == 'float32 a0, float32 a1' and out_params == 'float32 o0'
    assert operation.splitlines() == ['float v0 = k_n0(a0, a1);', 'float v1 = k_n1(v0);', 'o0 = v1;']
    assert '__device__' in preamble and 'static inline' in preamble  # SL_FN for both compilers
    assert 'SL_FN float k_n1(float features) { return (float)((features > 0 || features != features) ? ' \
           'features : (T)0); }' in preamble


def test_arrays_the_loop_was_not_planned_for_run_the_unfused_kernels(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32)           # unknown: row vectors broadcast in NumPy, not in the loop
        y = tf.placeholder(tf.float32, [None, 3])
        z = tf.exp(y) * x + y
    a = np.arange(3, dtype=np.float32)
    b = np.ones((2, 3), np.float32)
    fused, plain, steps = _run_both(z, {x: a, y: b})
    assert len(steps) == 1
    _assert_same('chain', fused, plain, False, 1)
    fused, plain, _ = _run_both(z, {x: a, y: np.asfortranarray(np.ones((3, 3), np.float32))})
    _assert_same('chain', fused, plain, False, 1)


def test_an_error_in_the_unfused_path_names_its_node():
    with tf.device('/cpu:0'):
        g = tf.placeholder(tf.float32, [None, 3])
        x = tf.placeholder(tf.float32, [None, 3])
        out = op_builder.output('ReluGrad', [tf.negative(g), x], name='the_grad')
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='the_grad'):
            sess.run(out, {g: np.ones((2, 3), np.float32), x: np.ones((1, 3), np.float32)})
        assert len(_fused_steps(sess, out, (g, x))) == 1


def test_a_node_read_before_the_root_stays_outside_the_group():
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [4])
        a = tf.exp(x)
        b = tf.reduce_sum(a)          # reads a before the root: a cannot move there
        z = tf.abs(a) * b
    fused, plain, steps = _run_both(z, {x: np.arange(4, dtype=np.float32)})
    assert [[m.type for m in s.fn.members] for s in steps] == [['Abs', 'Mul']]
    _assert_same('chain', fused, plain, True)


def test_bool_chains_and_selects(device):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 50)).astype(np.float32)
    with tf.device(device):
        x = tf.placeholder(tf.float32, [50])
        y = tf.placeholder(tf.float32, [50])
        keep = tf.logical_and(x > 0, tf.logical_not(y < x))
        z = tf.where_v2(keep, x * y, tf.zeros([], tf.float32) - 0.0)
    fused, plain, steps = _run_both([keep, z], {x: a, y: b})
    assert len(steps) == 1
    for got, want in zip(fused, plain):
        _assert_same('select', got, want, True)
    assert BOOL == 'bool'


def test_a_value_only_measured_is_stood_in_for_by_the_root_output():
    rng = np.random.default_rng(6)
    with tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [None, 4])
        a = tf.exp(x)
        z = a * 2.0 + 1.0
        size = tf.shape(a)           # after the root: a leaves the group only to be measured
    feed = {x: rng.standard_normal((3, 4)).astype(np.float32)}
    fused, plain, steps = _run_both([z, size], feed)
    assert len(steps) == 1 and len(steps[0].outputs) == 2
    loop = steps[0].fn.loop()
    outs = loop(feed[x], np.array(2, np.float32), np.array(1, np.float32))
    assert outs[0] is outs[1]        # not written by the loop: the root's array, of the same shape
    assert list(fused[1]) == [3, 4]
    _assert_same('chain', fused[0], plain[0], False, 2)


def _row_groups():
    """(name, one-node FusedGroup) for every fusible (row, dtype) the C harness covers."""
    groups = []
    for dt in (np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_):
        for op_type in _rows_for(np.dtype(dt)):
            row = ROWS[op_type]
            with tf.Graph().as_default():
                inputs = [tf.placeholder(dtypes.as_dtype(dt), [3]) for _ in row.inputs]
                node = elementwise_kernels.fusible(_node_of(op_type, inputs).op)
            if node is None:
                continue
            group = fusion.FusedGroup()
            group.inputs = [(np.dtype(dt), 'full')] * len(row.inputs)
            group.members, group.outputs = [(node, [('input', k) for k in range(len(row.inputs))])], [0]
            groups.append(('k%d' % len(groups), group))
    return groups


def test_the_cupy_source_of_every_fusible_row_compiles_as_cuda(tmp_path):
    """The ElementwiseKernel each row would give, as a __global__ function around the same body
    (CuPy's template): nvcc accepts all of them (where a CUDA toolkit is installed)."""
    import shutil
    nvcc = shutil.which('nvcc')
    if nvcc is None:
        pytest.skip('no nvcc')
    from sluice.ops.elementwise import C_PRELUDE
    parts = [C_PRELUDE]
    for name, group in _row_groups():
        in_params, out_params, operation, preamble = fused_elementwise.cupy_source(group, name)
        parts.append(preamble[len(C_PRELUDE):])
        ins = [p.split() for p in in_params.split(', ')]
        out_type = fused_elementwise.CUDA_TYPES[np.dtype(out_params.split()[0])]
        args = ''.join('const %s *p_%s, ' % (fused_elementwise.CUDA_TYPES[np.dtype(t)], a) for t, a in ins)
        loads = ''.join('%s %s = p_%s[i]; ' % (fused_elementwise.CUDA_TYPES[np.dtype(t)], a, a) for t, a in ins)
        parts.append('__global__ void %s_kernel(%s%s *q0, int n) { int i = threadIdx.x; if (i < n) { %s%s &o0 = '
                     'q0[i]; %s } }' % (name, args, out_type, loads, out_type, operation.replace('\n', ' ')))
    source = tmp_path / 'rows.cu'
    source.write_text('\n'.join(parts))
    done = subprocess.run([nvcc, '-c', '-w', '-o', str(tmp_path / 'rows.o'), str(source)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[:2000]


def _dropout_after_relu(rate_feed):
    """ReLU, then dropout's mask drawn for its Shape (a random op between the ReLU and the group's root)."""
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 6])
    h = tf.nn.relu(x)
    keep = tf.random_uniform(tf.shape(h)) >= rate_feed
    return x, h, tf.where_v2(keep, h / (1.0 - rate_feed), 0.0)


def test_relu_joins_the_dropout_group_its_shape_measured_before(device):
    """The mask's Shape(relu) runs before the group: it measures relu's operand instead, and the
    random op between (whose state is its own) does not keep the ReLU out."""
    rng = np.random.default_rng(8)
    with tf.Graph().as_default(), tf.device(device):
        rate = tf.placeholder(tf.float32, [])
        x, h, out = _dropout_after_relu(rate)
        grad = tf.gradients(tf.reduce_sum(out), x)[0]
        feed = {x: rng.standard_normal((5, 6)).astype(np.float32), rate: 0.4}
        fused, plain, steps = _run_both([out, grad], feed)
        with tf.Session() as sess:
            sess.run([out, grad], feed)
            plan = _plan(sess, [out, grad], tuple(feed))
    group = next(s for s in plan.steps if s.kind == 'fused' and 'Relu' in [m.type for m in s.fn.members])
    measure = next(s for s in plan.steps if s.op.type == 'Shape' and s.op.inputs[0] is h)
    assert measure.inputs[0] in group.inputs and measure.inputs[0] not in group.outputs  # x's register
    assert len(steps) == 2
    for got, want in zip(fused, plain):
        _assert_same('dropout', got, want, True)


def test_a_state_changing_step_between_still_keeps_a_member_out():
    with tf.Graph().as_default(), tf.device('/cpu:0'):
        x = tf.placeholder(tf.float32, [None, 4])
        v = tf.Variable(np.zeros(4, np.float32))
        h = tf.nn.relu(x)
        with tf.control_dependencies([tf.shape(h)]):
            bump = tf.assign_add(v, np.ones(4, np.float32))
        with tf.control_dependencies([bump]):
            z = tf.identity(h * 2.0) + 1.0
        feed = {x: np.ones((2, 4), np.float32)}
        with tf.Session() as sess:
            sess.run(v.initializer)
            sess.run(z, feed)
            steps = _fused_steps(sess, z, tuple(feed))
    assert all('Relu' not in [m.type for m in s.fn.members] for s in steps)


def test_a_loop_over_many_elements_runs_in_parts_with_the_same_values(device):
    """300x1001 elements: three parts on the helper threads when three are allowed, bit for bit
    the unfused values (and those of one part)."""
    from sluice.kernels import native
    if native.loop_splitter() is None:
        pytest.skip('the C loops are not built')
    rng = np.random.default_rng(9)
    with tf.Graph().as_default(), tf.device(device):
        x = tf.placeholder(tf.float32, [None, 1001])
        z = (x * 3.0 + 1.0) / 7.0 - x
        mask = z > 0.1
        feed = {x: rng.standard_normal((300, 1001)).astype(np.float32)}
        before = native.loops.get_threads()
        values = []
        try:
            for parts in (3, 1):
                native.loops.set_threads(parts)
                fused, plain, steps = _run_both([z, mask], feed)
                assert len(steps) == 1
                values.append(fused)
        finally:
            native.loops.set_threads(before)
    for got, want in zip(values[0], plain):
        _assert_same('split', got, want, True)
    for got, want in zip(values[0], values[1]):
        _assert_same('split', got, want, True)
