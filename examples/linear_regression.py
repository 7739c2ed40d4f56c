"""Linear regression fitted by gradient descent, the TF1 tutorial way, under `import sluice as tf`.

The data are points on the line y = 2 x + 1 with Gaussian noise (sd 0.33). The model is
y = w x + b with two scalar variables, the loss the squared error, and
tf.train.GradientDescentOptimizer(...).minimize does the update. Three forms:

  serial      the classic tutorial: 8 points (np.linspace(-1, 1, 8)), a Python loop over them with
              one sess.run per point per epoch, fed through placeholders X and Y of unknown shape
              (so the gradient keeps its broadcast reductions: Shape, BroadcastGradientArgs, Sum);
  vectorized  the same 8 points held in the graph as constants; one sess.run is one step over all
              of them (mean squared error);
  stochastic  --points points (8 million by default, x uniform in [-1, 1]) fed one sample per run
              through scalar placeholders (shape [], so the gradient needs no broadcast reductions),
              one pass. The first --run_points samples go through
              sess.run(train_op, feed_dict=...), the rest through sess.make_callable(train_op, [X, Y])
              (TF1's way to skip the per-call feed and fetch lookups); samples/s is reported for each.

Each form prints the fitted slope and intercept, the least-squares answer for the same points,
and the steps (or samples) per second.

    python examples/linear_regression.py                          # all three forms, best device
    python examples/linear_regression.py --form stochastic --points 200000 --device cpu
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402
from sluice.examples.device_choice import choose_device  # noqa: E402

TRUE_SLOPE = 2.0
TRUE_INTERCEPT = 1.0
NOISE = 0.33


def make_points(x, rng):
    """y = 2 x + 1 + noise, as float32 (the dtype of tf.placeholder('float'))."""
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.standard_normal(x.shape) * NOISE
    return x.astype(np.float32), y.astype(np.float32)


def least_squares(x, y):
    slope, intercept = np.polyfit(x.astype(np.float64), y.astype(np.float64), 1)
    return slope, intercept


def linear_model(X):
    w = tf.Variable(0.0, name='weights')
    b = tf.Variable(0.0, name='bias')
    return tf.multiply(X, w) + b, w, b


def report(form, device, w, b, x, y, steps, seconds, unit='steps'):
    slope, intercept = least_squares(x, y)
    print('%-10s on %s: slope %.4f  intercept %.4f  (least squares %.4f, %.4f)  %d %s in %.2f s: %.0f %s/s'
          % (form, device.upper(), w, b, slope, intercept, steps, unit, seconds, steps / seconds, unit))


def serial(args, device, rng):
    """One sess.run per point per epoch, as in the classic TF1 tutorial."""
    trX, trY = make_points(np.linspace(-1, 1, 8), rng)
    graph = tf.Graph()
    with graph.as_default(), tf.device('/%s:0' % device):
        X = tf.placeholder('float')
        Y = tf.placeholder('float')
        y_model, w, b = linear_model(X)
        cost = tf.square(Y - y_model)
        train_op = tf.train.GradientDescentOptimizer(args.learning_rate).minimize(cost)
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        began = time.perf_counter()
        for _ in range(args.epochs):
            for (x, y) in zip(trX, trY):
                sess.run(train_op, feed_dict={X: x, Y: y})
        elapsed = time.perf_counter() - began
        fitted_w, fitted_b = sess.run([w, b])
    report('serial', device, fitted_w, fitted_b, trX, trY, args.epochs * len(trX), elapsed)
    return fitted_w, fitted_b


def vectorized(args, device, rng):
    """The 8 points as constants: one run is one full-batch gradient step."""
    trX, trY = make_points(np.linspace(-1, 1, 8), rng)
    graph = tf.Graph()
    with graph.as_default(), tf.device('/%s:0' % device):
        X = tf.constant(trX)
        Y = tf.constant(trY)
        y_model, w, b = linear_model(X)
        cost = tf.reduce_mean(tf.square(Y - y_model))
        train_op = tf.train.GradientDescentOptimizer(args.learning_rate * 10).minimize(cost)
        init = tf.global_variables_initializer()
    steps = args.epochs * 2
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        began = time.perf_counter()
        for _ in range(steps):
            sess.run(train_op)
        elapsed = time.perf_counter() - began
        fitted_w, fitted_b = sess.run([w, b])
    report('vectorized', device, fitted_w, fitted_b, trX, trY, steps, elapsed)
    return fitted_w, fitted_b


def stochastic(args, device, rng):
    """One sample per run over --points points: sess.run first, then make_callable."""
    trX, trY = make_points(rng.uniform(-1, 1, args.points), rng)
    graph = tf.Graph()
    with graph.as_default(), tf.device('/%s:0' % device):
        X = tf.placeholder(tf.float32, shape=[], name='X')
        Y = tf.placeholder(tf.float32, shape=[], name='Y')
        y_model, w, b = linear_model(X)
        cost = tf.square(Y - y_model)
        train_op = tf.train.GradientDescentOptimizer(args.stochastic_learning_rate).minimize(cost)
        init = tf.global_variables_initializer()
    n_run = min(args.run_points, args.points)
    rates = []
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        began = time.perf_counter()
        for (x, y) in zip(trX[:n_run], trY[:n_run]):
            sess.run(train_op, feed_dict={X: x, Y: y})
        run_seconds = time.perf_counter() - began
        if n_run:
            rates.append('sess.run %.0f samples/s (%d samples)' % (n_run / run_seconds, n_run))
        train = sess.make_callable(train_op, [X, Y])
        began = time.perf_counter()
        # in tenths, with a progress line between them (the loop itself stays bare)
        bounds = np.linspace(n_run, args.points, 11).astype(int)
        for first, last in zip(bounds[:-1], bounds[1:]):
            for (x, y) in zip(trX[first:last], trY[first:last]):
                train(x, y)
            if last > first:
                print('\rstochastic: %d of %d samples (%d%%)' % (last, args.points, 100 * last // args.points),
                      end='', flush=True)
        if args.points > n_run:
            print()
        callable_seconds = time.perf_counter() - began
        if args.points > n_run:
            rates.append('make_callable %.0f samples/s (%d samples)'
                         % ((args.points - n_run) / callable_seconds, args.points - n_run))
        fitted_w, fitted_b = sess.run([w, b])
    report('stochastic', device, fitted_w, fitted_b, trX, trY, args.points, run_seconds + callable_seconds, 'samples')
    print('%-10s   %s' % ('', '; '.join(rates)))
    return fitted_w, fitted_b


FORMS = {'serial': serial, 'vectorized': vectorized, 'stochastic': stochastic}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--form', choices=sorted(FORMS) + ['all'], default='all')
    parser.add_argument('--device', choices=['cpu', 'gpu'], default=None,
                        help='where to run (default: GPU when one is present, else CPU)')
    parser.add_argument('--epochs', type=int, default=200,
                        help='serial: passes over the 8 points; vectorized: runs 2x this many steps')
    parser.add_argument('--learning_rate', type=float, default=0.05,
                        help='serial form (the vectorized form uses 10x this on the mean loss)')
    parser.add_argument('--points', type=int, default=8000000, help='stochastic form: number of samples')
    parser.add_argument('--run_points', type=int, default=100000,
                        help='stochastic form: samples fed through sess.run before switching to make_callable')
    parser.add_argument('--stochastic_learning_rate', type=float, default=0.01)
    parser.add_argument('--seed', type=int, default=0, help='seed of the data (NumPy)')
    args = parser.parse_args(argv)

    device = choose_device(args.device, parser)
    print('fitting y = %g x + %g (noise sd %g) by gradient descent' % (TRUE_SLOPE, TRUE_INTERCEPT, NOISE))
    for i, form in enumerate(('serial', 'vectorized', 'stochastic')):
        if args.form in (form, 'all'):
            # each form draws its own data, the same whichever other forms run
            FORMS[form](args, device, np.random.default_rng([args.seed, i]))


if __name__ == '__main__':
    main()
