"""Convolutions on cuDNN against im2col + GEMM and PyTorch: a LeNet-5 training step and one conv layer.

Three columns, rounds interleaved (benchmarks/_harness.py), median batch:
  cuDNN     sluice on /gpu:0 with the cuDNN frontend (kernels/cudnn_conv.py)
  im2col    the same graph planned with SLUICE_CUDNN=0 (im2col + cuBLAS GEMM)
  torch     PyTorch eager on the same card, when installed (its convolutions are cuDNN's)
Workloads:
  lenet64   one SGD step of LeNet-5 (conv 5x5x6 SAME, pool, conv 5x5x16 VALID, pool, 400-120-84-10), batch 64,
            images and labels device-resident (constants on the GPU; torch tensors on cuda)
  conv3x3   forward + both gradients of one 3x3 conv, 64 -> 64 channels on 32x56x56 (NHWC in sluice,
            channels_last in torch)
  check     the first 5 LeNet losses of cuDNN and im2col from the same initial values: the largest
            relative difference (cuDNN and cuBLAS sum in different orders: ~1e-6 in float32)
The goal of issue 11: the conv step within 1.2x of PyTorch's. `--debug` prints sluice's DEBUG lines
(why a case did not run on cuDNN). Without a GPU, --fake-gpu runs the script on a NumPy fake GPU (no
cuDNN there: both sluice columns are im2col; it checks the script, not speed).

    python benchmarks/cudnn_conv.py [--seconds 1] [--repeats 5] [--fake-gpu] [--debug]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

BATCH = 64


def _data(seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 1, (BATCH, 28, 28, 1)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]
    weights = [rng.normal(0, 0.1, s).astype(np.float32) for s in
               ([5, 5, 1, 6], [5, 5, 6, 16], [400, 120], [120, 84], [84, 10])]
    return images, labels, weights


def sluice_lenet(tf):
    """(step, loss fetch, session) of the LeNet-5 SGD step on /gpu:0."""
    images, labels, weights = _data()
    graph = tf.Graph()
    with graph.as_default(), tf.device('/gpu:0'):
        w = [tf.Variable(v) for v in weights]
        b = [tf.Variable(tf.zeros([v.shape[-1]])) for v in weights]

        def conv(x, i, padding):
            y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w[i], [1, 1, 1, 1], padding), b[i]))
            return tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
        h = tf.reshape(conv(conv(tf.constant(images), 0, 'SAME'), 1, 'VALID'), [-1, 400])
        h = tf.nn.relu(tf.matmul(h, w[2]) + b[2])
        h = tf.nn.relu(tf.matmul(h, w[3]) + b[3])
        logits = tf.matmul(h, w[4]) + b[4]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=tf.constant(labels)))
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    return (lambda: sess.run(train)), (lambda: sess.run([train, loss])[1]), sess


def sluice_conv3x3(tf):
    rng = np.random.default_rng(1)
    graph = tf.Graph()
    with graph.as_default(), tf.device('/gpu:0'):
        x = tf.Variable(rng.standard_normal((32, 56, 56, 64)).astype(np.float32))
        f = tf.Variable(rng.standard_normal((3, 3, 64, 64)).astype(np.float32) * 0.05)
        y = tf.nn.conv2d(x, f, [1, 1, 1, 1], 'SAME')
        dx, df = tf.gradients(tf.reduce_sum(y), [x, f])
        done = tf.reduce_sum(y) + tf.reduce_sum(dx) + tf.reduce_sum(df)  # one scalar back: the convolutions are timed
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph)
    sess.run(init)
    return (lambda: sess.run(done)), None, sess


def torch_lenet(torch):
    images, labels, weights = _data()
    dev = torch.device('cuda')
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.tensor(images.transpose(0, 3, 1, 2), device=dev)
    y = torch.tensor(labels.argmax(1), device=dev)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        torch.cuda.synchronize()
    return step


def torch_conv3x3(torch):
    dev = torch.device('cuda')
    x = torch.randn(32, 64, 56, 56, device=dev).to(memory_format=torch.channels_last).requires_grad_()
    f = (torch.randn(64, 64, 3, 3, device=dev) * 0.05).to(memory_format=torch.channels_last).requires_grad_()

    def step():
        torch.nn.functional.conv2d(x, f, padding=1).sum().backward()
        torch.cuda.synchronize()
    return step


def _with_cudnn(flag, build):
    """build() planned (its first run) with cuDNN on or off: the switch is read when a plan is made."""
    old = os.environ.get('SLUICE_CUDNN')
    os.environ['SLUICE_CUDNN'] = '1' if flag else '0'
    try:
        step, loss, sess = build()
        step()
        if loss is not None:
            loss()
        return step, loss, sess
    finally:
        if old is None:
            del os.environ['SLUICE_CUDNN']
        else:
            os.environ['SLUICE_CUDNN'] = old


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=float, default=1.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--fake-gpu', action='store_true')
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args(argv)
    import sluice as tf
    if args.debug:
        tf.logging.set_verbosity(tf.logging.DEBUG)
    from sluice.engine import devices
    from sluice.kernels import cudnn_conv
    if args.fake_gpu:
        devices._fake_gpu_count = 1
    elif devices.cupy_module() is None:
        print('no GPU: run with --fake-gpu to check the script')
        return 0
    present = cudnn_conv.frontend() is not None
    print('cuDNN frontend:', 'present' if present else 'absent (both sluice columns run im2col)')
    try:
        import torch
        torch = torch if torch.cuda.is_available() and not args.fake_gpu else None
    except ImportError:
        torch = None
    rows = []
    for name, build, peer in (('lenet64', sluice_lenet, torch_lenet), ('conv3x3', sluice_conv3x3, torch_conv3x3)):
        runs = {'cuDNN': _with_cudnn(True, lambda: build(tf)), 'im2col': _with_cudnn(False, lambda: build(tf))}
        steps = {k: v[0] for k, v in runs.items()}
        if name == 'lenet64':
            check = _losses(tf)
            print('check: first 5 LeNet losses, largest relative difference cuDNN vs im2col: %.2e' % check)
        if torch is not None:
            steps['torch'] = peer(torch)
            steps['torch']()
        timings = _harness.interleave(steps, seconds=args.seconds, repeats=args.repeats)
        rates = {k: 1.0 / t.median for k, t in timings.items()}
        ratio = rates['cuDNN'] / rates['torch'] if 'torch' in rates else None
        rows.append([name] + [_harness.fmt_rate(rates[k]) if k in rates else '-' for k in ('cuDNN', 'im2col', 'torch')]
                    + ['%.2fx' % (rates['cuDNN'] / rates['im2col']), '%.2fx' % ratio if ratio else '-'])
        for _, _, sess in runs.values():
            sess.close()
    print(_harness.table(['workload', 'cuDNN steps/s', 'im2col steps/s', 'torch steps/s', 'cuDNN / im2col',
                          'cuDNN / torch'], rows))
    return 0


def _losses(tf):
    """Largest relative difference of 5 losses of two fresh LeNet sessions (same initial values, the
    same two steps done when planning), cuDNN on / off."""
    on = _with_cudnn(True, lambda: sluice_lenet(tf))
    off = _with_cudnn(False, lambda: sluice_lenet(tf))
    worst = 0.0
    for _ in range(5):
        la, lb = on[1](), off[1]()
        worst = max(worst, abs(la - lb) / max(abs(lb), 1e-30))
    on[2].close()
    off[2].close()
    return worst


if __name__ == '__main__':
    sys.exit(main())
