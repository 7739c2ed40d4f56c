"""sluice.horovod: the API in one process, and two processes under mpiexec (skipped, with the
reason, where mpi4py or an MPI launcher is missing)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
WORKER = os.path.join(os.path.dirname(__file__), 'mpi_worker.py')
EXAMPLE = os.path.join(ROOT, 'examples', 'horovod_mnist.py')

hvd = pytest.importorskip('sluice.horovod')
pytest.importorskip('mpi4py', reason='mpi4py is not installed (pip install "sluice[distributed]")')


def _mpiexec():
    found = shutil.which('mpiexec', path=os.path.dirname(sys.executable)) or shutil.which('mpiexec')
    if not found:
        pytest.skip('no mpiexec on PATH (the mpich wheel of the distributed extra brings one)')
    return found


def _run(args, n=2, timeout=240, env=None):
    environment = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''), **(env or {}))
    cmd = ([_mpiexec(), '-n', str(n)] if n else []) + [sys.executable] + args
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=environment)
    if done.returncode != 0 and 'ok' not in done.stdout:
        if n and ('Unable to' in done.stderr or 'hydra' in done.stderr.lower()):
            pytest.skip('MPI could not start here: %s' % done.stderr.strip()[-300:])
    return done


def test_one_process_api():
    hvd.init()
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size()) == (0, 1, 0, 1)
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        outs = sess.run([hvd.allreduce(x), hvd.allreduce(x, average=False), hvd.allgather(x), hvd.broadcast(x, 0)])
        for out in outs:
            np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])
        w = tf.Variable([1.0, -1.0])
        opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.5))
        train = opt.minimize(tf.reduce_sum(w * w))
        sess.run(tf.global_variables_initializer())
        sess.run(hvd.broadcast_global_variables(0))
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [0.0, 0.0])
        assert tf.gradients(hvd.allreduce(x), x)[0] is not None


def test_two_processes_collectives_and_gradients():
    done = _run([WORKER, 'collectives'])
    assert done.returncode == 0 and done.stdout.count('ok') == 2, done.stdout + done.stderr


def test_ten_thousand_tensors_of_mixed_sizes_are_summed_exactly():
    done = _run([WORKER, 'many_tensors'])
    assert done.returncode == 0 and done.stdout.count('ok') == 2, done.stdout + done.stderr


def test_a_dead_peer_is_an_error_not_a_hang():
    done = _run([WORKER, 'dead_peer'], env={'SLUICE_HOROVOD_TIMEOUT': '3'}, timeout=120)
    assert 'rank 0 failed after' in done.stdout and 'DeadlineExceeded' not in done.stderr, done.stdout + done.stderr


def test_a_collective_honours_the_run_timeout_and_session_close():
    done = _run([WORKER, 'run_timeout_and_close'], env={'SLUICE_HOROVOD_TIMEOUT': '60'}, timeout=120)
    assert 'run timeout after 1.' in done.stdout and ': True' in done.stdout, done.stdout + done.stderr
    assert 'closed after 1.' in done.stdout, done.stdout + done.stderr


def test_two_processes_equal_one_process_with_twice_the_batch(tmp_path):
    two = _run([EXAMPLE, '--steps', '4', '--batch_size', '16', '--save', str(tmp_path / 'rank%d.npz')])
    assert two.returncode == 0, two.stdout + two.stderr
    one = _run([EXAMPLE, '--steps', '4', '--batch_size', '32', '--save', str(tmp_path / 'single.npz')], n=0)
    assert one.returncode == 0, one.stdout + one.stderr
    ranks = [np.load(tmp_path / ('rank%d.npz' % r)) for r in range(2)]
    single = np.load(tmp_path / 'single.npz')
    for key in single:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])
        np.testing.assert_allclose(ranks[0][key], single[key], rtol=1e-5, atol=1e-6)
