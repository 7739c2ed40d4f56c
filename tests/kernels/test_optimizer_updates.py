"""The optimizer update declarations (kernels/optimizer_updates.py) and their registrations.

No GPU is needed: each CUDA body is turned into the ElementwiseKernel source CuPy would get, and
that source is compiled as C++ (the helpers' `__device__` defined away) for float and double, so
a typo, an undeclared name or an assignment to an in param fails here rather than on a GPU.
"""
import itertools
import re
import shutil
import subprocess

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, op_registry
from sluice.kernels import native, optimizer_updates, registry, training_kernels
from sluice.ops import training_ops

_PARAM = re.compile(r'^(T|int64) ([A-Za-z_]\w*)$')


def _attr_combinations(update):
    """Every assignment of the update's (boolean) attrs."""
    for values in itertools.product((False, True), repeat=len(update.attrs)):
        yield dict(zip(update.attrs, values))


def _sources():
    for update in optimizer_updates.UPDATES:
        op_def = op_registry.get_op_def(update.op_type)
        for attrs in _attr_combinations(update):
            yield update, op_def, attrs, optimizer_updates.cuda_source(update, op_def, attrs)


def _params(text):
    out = []
    for part in text.split(','):
        m = _PARAM.match(part.strip())
        assert m, 'bad ElementwiseKernel param %r in %r' % (part, text)
        out.append((m.group(1), m.group(2)))
    return out


def test_every_update_is_registered_for_both_devices_and_its_sparse_twin():
    for update in optimizer_updates.UPDATES:
        types = training_kernels._op_types(update)
        assert types[0] == update.op_type
        for op_type in types:
            for device_type in ('CPU', 'GPU'):
                kdef = registry.get_kernel(op_type, device_type)
                assert kdef is not None, (op_type, device_type)
                assert kdef.specialized == (device_type == 'GPU' or update.c_loop is not None
                                            or update is optimizer_updates.GRADIENT_DESCENT)
        if update.c_loop is not None and native.loops is not None:
            assert hasattr(native.loops, update.c_loop)


def test_cuda_params_are_the_ops_inputs():
    for update, op_def, attrs, (ins, outs, body) in _sources():
        refs = [a.name for a in op_def.inputs if a.is_ref]
        assert [n for _, n in _params(outs)] == refs
        scalars = [a.name for a in op_def.inputs if not a.is_ref and a.name not in ('grad', 'delta')]
        in_params = _params(ins)
        assert [n for _, n in in_params] == scalars + ['grad']
        assert all(kind == ('int64' if n == 'global_step' else 'T') for kind, n in in_params)
        assert body.count('(') == body.count(')') and body.count('{') == body.count('}')
        assert body.strip().endswith(';'), (update.op_type, attrs)
        assigned = set(re.findall(r'\b(\w+)\s*(?:[-+*/]?=)(?!=)', body))
        assert 'var' in assigned, (update.op_type, attrs)
        assert not assigned & set(scalars + ['grad']), 'an in param is assigned in %s' % update.op_type


def _translation_unit():
    """Every CUDA body as a C++ function template instantiated for float and double."""
    parts = ['#include <cmath>', 'using std::sqrt; using std::pow;', '#define __device__', 'typedef long long int64;',
             optimizer_updates.CUDA_PREAMBLE]
    for k, (update, op_def, attrs, (ins, outs, body)) in enumerate(_sources()):
        locals_ = ['const %s %s = %s(1);' % (kind, name, kind) for kind, name in _params(ins)]
        locals_ += ['T %s = T(1);' % name for _, name in _params(outs)]
        parts.append('// %s %s\ntemplate <typename T> void kernel_%d() {\n%s\n{%s\n}\n}\n'
                     'template void kernel_%d<float>();\ntemplate void kernel_%d<double>();'
                     % (update.op_type, attrs, k, '\n'.join(locals_), body, k, k))
    return '\n'.join(parts)


def test_cuda_bodies_compile_as_cpp(tmp_path):
    compiler = shutil.which('g++') or shutil.which('clang++')
    if compiler is None:
        pytest.skip('no C++ compiler here')
    source = tmp_path / 'kernels.cpp'
    source.write_text(_translation_unit())
    done = subprocess.run([compiler, '-fsyntax-only', '-std=c++14', str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_broken_cuda_body_fails_the_compile_check(tmp_path, monkeypatch):
    compiler = shutil.which('g++') or shutil.which('clang++')
    if compiler is None:
        pytest.skip('no C++ compiler here')
    monkeypatch.setattr(optimizer_updates.ADADELTA, 'cuda', lambda: 'var -= undeclared * lr;')
    source = tmp_path / 'kernels.cpp'
    source.write_text(_translation_unit())
    done = subprocess.run([compiler, '-fsyntax-only', '-std=c++14', str(source)], capture_output=True, text=True)
    assert done.returncode != 0 and 'undeclared' in done.stderr


def test_gpu_registration_runs_the_cpu_kernel_on_a_fake_gpu():
    """A fake GPU takes the CPU kernel (here the C loop where built): same values on both devices."""
    rng = np.random.default_rng(1)
    var0, grad = rng.standard_normal((50, 40)).astype(np.float32), rng.standard_normal((50, 40)).astype(np.float32)
    results = []
    with devices.fake_gpus(1):
        for device in ('/cpu:0', '/gpu:0'):
            with tf.Graph().as_default(), tf.device(device):
                var, accum = tf.Variable(var0), tf.Variable(np.ones_like(var0))
                step = training_ops.apply_momentum(var, accum, np.float32(0.1), tf.constant(grad), np.float32(0.9),
                                                   use_nesterov=True)
                with tf.Session() as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(step)
                    results.append(sess.run([var, accum]))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('nesterov', [False, True])
def test_sparse_momentum_rows_match_the_dense_update(nesterov):
    """SparseApplyMomentum through the same dense update (the C loop where built) on gathered rows."""
    rng = np.random.default_rng(2)
    var0 = rng.standard_normal((6, 5)).astype(np.float32)
    grad = rng.standard_normal((3, 5)).astype(np.float32)
    rows = np.array([4, 0, 2])
    var, accum = tf.Variable(var0), tf.Variable(np.zeros_like(var0))
    step = training_ops.sparse_apply_momentum(var, accum, np.float32(0.5), tf.constant(grad), tf.constant(rows),
                                              np.float32(0.9), use_nesterov=nesterov)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        got = sess.run(var)
    want = var0.copy()
    lr, mom = np.float32(0.5), np.float32(0.9)
    for g, r in zip(grad, rows):
        a = np.zeros(5, np.float32) * mom + g
        want[r] = want[r] - ((g * lr + a * mom * lr) if nesterov else a * lr)
    np.testing.assert_allclose(got, want, rtol=1e-6)
