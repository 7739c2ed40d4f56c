"""The CPU-vs-GPU benchmark suite: every workload on every device present, beside TensorFlow 1.x
(compat.v1, CPU) and PyTorch / JAX where installed, in one run; writes a markdown table, a JSON file
and PNG bar charts (matplotlib: the `bench` extra).

Workloads (steps or calls per second; higher is better):
  overhead     sess.run of a 10-node elementwise chain on a scalar (the per-call cost)
  mlp128       a training step of the MNIST MLP (784-625-625-10, dropout, RMSProp), batch 128
  mlp4096      the same at batch 4096
  lenet64      a training step of a LeNet-5-like CNN, batch 64
  sgd          one-sample SGD of a linear regression through sess.make_callable (samples/s)
  pipeline     tf.data from_tensor_slices(60000 MNIST-shaped rows).shuffle.batch(128) (batches/s)
  matmul2048   a 2048x2048 float32 matmul fetched back (GFLOP/s reported beside the rate)

sluice runs on '/cpu:0' and on '/gpu:0' when CuPy sees a GPU; PyTorch and JAX run the MLP and the
matmul (their eager / jit forms) on CPU and GPU where present. Timing: benchmarks/_harness.py
(warm-up, calibrated batches, median), the libraries of a workload interleaved round by round.

    python benchmarks/suite.py [--out results/] [--seconds 1] [--repeats 3] [--only mlp128,overhead]
    python -m sluice bench suite ...
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

import cpu_kernels  # noqa: E402
import training  # noqa: E402

WORKLOADS = ('overhead', 'mlp128', 'mlp4096', 'lenet64', 'sgd', 'pipeline', 'matmul2048')


# -- TF1-style workloads: `tf` is sluice or tensorflow.compat.v1, `device` a device string --
def _session(tf, graph, init, feed=None):
    sess = tf.Session(graph=graph, config=tf.ConfigProto(allow_soft_placement=True))
    if init is not None:
        sess.run(init, feed)
    return sess


def tf1_workload(tf, name, device):
    """(zero-argument step, session) of workload `name` on `device`."""
    if name == 'overhead':
        graph = tf.Graph()
        with graph.as_default(), tf.device(device):
            x = tf.placeholder(tf.float32, [])
            y = x
            for _ in range(10):
                y = y * 1.0001 + 0.5
        sess = _session(tf, graph, None)
        run = sess.make_callable(y, [x])
        return (lambda: run(1.0)), sess
    if name.startswith('mlp'):
        graph, init, train_op, _, feed, _ = training.build_mlp(tf, int(name[3:]), device=device)
        sess = _session(tf, graph, init)
        return (lambda: sess.run(train_op, feed_dict=feed)), sess
    if name == 'lenet64':
        graph, init, train_op, feed = cpu_kernels.build_lenet(tf, 64)
        for op in graph.get_operations():  # the builder takes no device: pin its graph (TF has the same method)
            op._set_device(device)
        sess = _session(tf, graph, init)
        return (lambda: sess.run(train_op, feed_dict=feed)), sess
    if name == 'sgd':
        graph, init, train_op, (X, Y), _ = training.build_sgd(tf, device=device)
        sess = _session(tf, graph, init)
        train = sess.make_callable(train_op, [X, Y])
        samples = training.sgd_samples()
        state = [0]

        def step():
            x, y = samples[state[0] % len(samples)]
            state[0] += 1
            train(x, y)
        return step, sess
    if name == 'pipeline':
        rng = np.random.default_rng(0)
        images = rng.uniform(0, 1, (60000, 784)).astype(np.float32)
        labels = rng.integers(0, 10, 60000).astype(np.int32)
        graph = tf.Graph()
        with graph.as_default():
            x, y = tf.placeholder(tf.float32, images.shape), tf.placeholder(tf.int32, labels.shape)
            it = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10000).batch(128).repeat() \
                .make_initializable_iterator()
            batch = it.get_next()
        sess = _session(tf, graph, it.initializer, {x: images, y: labels})
        run = sess.make_callable(batch)
        return run, sess
    if name == 'matmul2048':
        graph = tf.Graph()
        with graph.as_default(), tf.device(device):
            a = tf.Variable(np.random.default_rng(0).standard_normal((2048, 2048)).astype(np.float32))
            out = tf.reduce_sum(tf.matmul(a, a))  # one scalar back: the matmul itself is timed
            init = tf.global_variables_initializer()
        sess = _session(tf, graph, init)
        return (lambda: sess.run(out)), sess
    raise KeyError(name)


# -- peers: PyTorch eager and JAX jit, for the MLP and the matmul --
def torch_workload(name, device):
    import torch
    dev = torch.device('cuda' if device == 'gpu' else 'cpu')
    if name == 'matmul2048':
        a = torch.randn(2048, 2048, device=dev)
        return lambda: float((a @ a).sum())
    if not name.startswith('mlp'):
        return None
    batch = int(name[3:])
    model = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(784, 625, bias=False), torch.nn.ReLU(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(625, 625, bias=False), torch.nn.ReLU(),
                                torch.nn.Dropout(0.5), torch.nn.Linear(625, 10, bias=False)).to(dev)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9)
    x = torch.rand(batch, 784, device=dev)
    y = torch.randint(0, 10, (batch,), device=dev)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if dev.type == 'cuda':
            torch.cuda.synchronize()
    return step


def jax_workload(name, device):
    import jax
    import jax.numpy as jnp
    backend = 'gpu' if device == 'gpu' else 'cpu'
    target = jax.devices(backend)[0]
    if name == 'matmul2048':
        a = jax.device_put(jnp.ones((2048, 2048), jnp.float32), target)
        f = jax.jit(lambda a: (a @ a).sum())
        return lambda: float(f(a))
    if not name.startswith('mlp'):
        return None
    batch = int(name[3:])
    key = jax.random.PRNGKey(0)
    shapes = [(784, 625), (625, 625), (625, 10)]
    params = [jax.device_put(jax.random.normal(key, s) * 0.01, target) for s in shapes]
    ms = [jnp.zeros_like(p) for p in params]
    x = jax.device_put(jnp.ones((batch, 784)), target)
    y = jax.device_put(jax.nn.one_hot(jnp.arange(batch) % 10, 10), target)

    def loss(params, x, y):
        h = jax.nn.relu(x @ params[0])
        h = jax.nn.relu(h @ params[1])
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h @ params[2]), 1))

    @jax.jit
    def step(params, ms, x, y):
        grads = jax.grad(loss)(params, x, y)
        ms = [0.9 * m + 0.1 * g * g for m, g in zip(ms, grads)]
        return [p - 0.001 * g / jnp.sqrt(m + 1e-10) for p, g, m in zip(params, grads, ms)], ms
    state = [params, ms]

    def run():
        state[0], state[1] = step(state[0], state[1], x, y)
        jax.block_until_ready(state[0])
    return run


# -- the run --
def libraries(args):
    """{column name: (kind, module or None, device)} of what this machine has."""
    import sluice
    from sluice.engine import devices
    found = {'sluice cpu': ('tf1', sluice, '/cpu:0')}
    if devices.physical_gpu_count() and not args.no_gpu:
        found['sluice gpu'] = ('tf1', sluice, '/gpu:0')
    if not args.no_tf:
        try:
            os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
            import tensorflow.compat.v1 as tf1
            tf1.disable_v2_behavior()
            found['TF cpu'] = ('tf1', tf1, '/cpu:0')
        except ImportError:
            pass
    for peer, probe in (('torch', 'torch'), ('jax', 'jax')):
        try:
            module = __import__(probe)
        except ImportError:
            continue
        found['%s cpu' % peer] = (peer, module, 'cpu')
        has_gpu = module.cuda.is_available() if peer == 'torch' else any(
            d.platform == 'gpu' for d in module.devices())
        if has_gpu and not args.no_gpu:
            found['%s gpu' % peer] = (peer, module, 'gpu')
    return found


def run_suite(args):
    libs = libraries(args)
    workloads = [w for w in WORKLOADS if not args.only or w in args.only.split(',')]
    results = {}
    for name in workloads:
        steps, sessions = {}, []
        for column, (kind, module, device) in libs.items():
            try:
                if kind == 'tf1':
                    step, sess = tf1_workload(module, name, device)
                    sessions.append(sess)
                else:
                    step = (torch_workload if kind == 'torch' else jax_workload)(name, device)
                if step is not None:
                    step()
                    steps[column] = step
            except Exception as e:  # a library lacking something this workload needs: its cell says so
                results.setdefault(name, {})[column] = {'error': '%s: %s' % (type(e).__name__, str(e)[:120])}
        timings = _harness.interleave(steps, seconds=args.seconds, repeats=args.repeats)
        for column, timing in timings.items():
            cell = {'rate': timing.rate, 'median_s': timing.median, 'best_s': timing.best}
            if name == 'matmul2048':
                cell['gflops'] = 2 * 2048 ** 3 / timing.median / 1e9
            results.setdefault(name, {})[column] = cell
        for sess in sessions:
            sess.close()
        print(_row(name, results[name], libs), flush=True)
    return libs, workloads, results


def _cell(cell):
    if cell is None:
        return '-'
    if 'error' in cell:
        return 'n/a'
    text = '%.4g/s' % cell['rate']
    return text + (' (%.0f GFLOP/s)' % cell['gflops'] if 'gflops' in cell else '')


def _row(name, row, libs):
    return '| %s | %s |' % (name, ' | '.join(_cell(row.get(c)) for c in libs))


def write(out, libs, workloads, results):
    os.makedirs(out, exist_ok=True)
    header = '| workload | %s |\n|---|%s\n' % (' | '.join(libs), '---|' * len(libs))
    table = header + '\n'.join(_row(w, results.get(w, {}), libs) for w in workloads) + '\n'
    machine = '%s, %s, %d cores' % (platform.platform(), platform.processor() or platform.machine(), os.cpu_count())
    with open(os.path.join(out, 'results.md'), 'w') as f:
        f.write('# sluice benchmark suite (%s)\n\n%s\n\n%s' % (time.strftime('%Y-%m-%d %H:%M'), machine, table))
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump({'machine': machine, 'columns': list(libs), 'results': results}, f, indent=1)
    charts = _charts(out, libs, workloads, results)
    return table, charts


def _charts(out, libs, workloads, results):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed (pip install "sluice[bench]"): no charts')
        return []
    paths = []
    for w in workloads:
        cells = [(c, results[w][c]['rate']) for c in libs if 'rate' in results.get(w, {}).get(c, {})]
        if not cells:
            continue
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.barh([c for c, _ in cells], [r for _, r in cells], color='#3b7dd8')
        ax.set_xlabel('per second (higher is better)')
        ax.set_title(w)
        fig.tight_layout()
        path = os.path.join(out, '%s.png' % w)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='bench-results')
    parser.add_argument('--seconds', type=float, default=1.0)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--only', default='', help='comma-separated workloads (default: all)')
    parser.add_argument('--no-tf', action='store_true')
    parser.add_argument('--no-gpu', action='store_true')
    args = parser.parse_args(argv)
    libs, workloads, results = run_suite(args)
    table, charts = write(args.out, libs, workloads, results)
    print('\n' + table)
    print('wrote %s (results.md, results.json%s)' % (args.out, ', %d charts' % len(charts) if charts else ''))


if __name__ == '__main__':
    main()
