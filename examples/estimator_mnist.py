"""An MNIST classifier written against tf.estimator, as the TF 1.x Estimator tutorials write it.

A model_fn builds a small CNN (5x5 conv with 32 filters, 2x2 max pool, 5x5 conv with 64, pool, dense 1024
with dropout in training, 10 logits) for the three modes; numpy_input_fn feeds the images; the Estimator
trains (checkpoints, summaries and graph.pbtxt in --model_dir, resuming from what is there), evaluates
(accuracy and loss, written to model_dir/eval) and predicts a few test digits.

    python examples/estimator_mnist.py --steps 2000 --model_dir /tmp/mnist_estimator
    python examples/estimator_mnist.py --steps 50 --train_images 2000 --eval_images 500
"""
import argparse
import logging
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402
from sluice.examples.tutorials.mnist import input_data  # noqa: E402


def weight(name, shape):
    return tf.get_variable(name, shape, initializer=tf.truncated_normal_initializer(stddev=0.1))


def bias(name, shape):
    return tf.get_variable(name, shape, initializer=tf.constant_initializer(0.1))


def cnn_model_fn(features, labels, mode, params):
    """The model for all three modes: predictions, or loss and train_op / eval metrics."""
    images = tf.reshape(features['x'], [-1, 28, 28, 1])
    with tf.variable_scope('conv1'):
        net = tf.nn.relu(tf.nn.conv2d(images, weight('kernel', [5, 5, 1, 32]), [1, 1, 1, 1], 'SAME')
                         + bias('bias', [32]))
    net = tf.nn.max_pool(net, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
    with tf.variable_scope('conv2'):
        net = tf.nn.relu(tf.nn.conv2d(net, weight('kernel', [5, 5, 32, 64]), [1, 1, 1, 1], 'SAME')
                         + bias('bias', [64]))
    net = tf.nn.max_pool(net, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
    net = tf.reshape(net, [-1, 7 * 7 * 64])
    with tf.variable_scope('dense'):
        net = tf.nn.relu(tf.matmul(net, weight('kernel', [7 * 7 * 64, 1024])) + bias('bias', [1024]))
    if mode == tf.estimator.ModeKeys.TRAIN:
        net = tf.nn.dropout(net, keep_prob=0.6)
    with tf.variable_scope('logits'):
        logits = tf.matmul(net, weight('kernel', [1024, 10])) + bias('bias', [10])

    predictions = {'classes': tf.argmax(logits, axis=1), 'probabilities': tf.nn.softmax(logits, name='softmax')}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode=mode, predictions=predictions)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    if mode == tf.estimator.ModeKeys.TRAIN:
        optimizer = tf.train.AdamOptimizer(learning_rate=params['learning_rate'])
        train_op = optimizer.minimize(loss=loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode=mode, loss=loss, train_op=train_op)
    metrics = {'accuracy': tf.metrics.accuracy(labels=labels, predictions=predictions['classes'])}
    return tf.estimator.EstimatorSpec(mode=mode, loss=loss, eval_metric_ops=metrics)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model_dir', default=None, help='checkpoints and summaries (default: a temporary folder)')
    parser.add_argument('--data_dir', default='MNIST_data/', help='folder with the MNIST .gz files (default: the '
                                                                  'copy shipped with sluice)')
    parser.add_argument('--steps', type=int, default=1000, help='training steps of this run')
    parser.add_argument('--batch_size', type=int, default=100)
    parser.add_argument('--learning_rate', type=float, default=1e-3)
    parser.add_argument('--train_images', type=int, default=None, help='use only the first N training images')
    parser.add_argument('--eval_images', type=int, default=None, help='evaluate on the first N test images')
    parser.add_argument('--seed', type=int, default=None, help='tf_random_seed of the RunConfig')
    args = parser.parse_args()
    logging.getLogger('sluice').setLevel(logging.INFO)

    mnist = input_data.read_data_sets(args.data_dir)
    train_x, train_y = mnist.train.images[:args.train_images], mnist.train.labels[:args.train_images]
    test_x, test_y = mnist.test.images[:args.eval_images], mnist.test.labels[:args.eval_images]
    config = tf.estimator.RunConfig(tf_random_seed=args.seed, save_checkpoints_steps=max(1, args.steps // 2),
                                    log_step_count_steps=max(1, args.steps // 10))
    classifier = tf.estimator.Estimator(model_fn=cnn_model_fn, model_dir=args.model_dir, config=config,
                                        params={'learning_rate': args.learning_rate})

    train_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={'x': train_x}, y=train_y.astype(np.int32), batch_size=args.batch_size, num_epochs=None, shuffle=True)
    classifier.train(input_fn=train_input_fn, steps=args.steps)

    eval_input_fn = tf.estimator.inputs.numpy_input_fn(
        x={'x': test_x}, y=test_y.astype(np.int32), num_epochs=1, shuffle=False)
    results = classifier.evaluate(input_fn=eval_input_fn)
    print('evaluation: accuracy %.4f  loss %.4f  global_step %d' % (results['accuracy'], results['loss'],
                                                                    results['global_step']))

    predict_input_fn = tf.estimator.inputs.numpy_input_fn(x={'x': test_x[:5]}, shuffle=False)
    classes = [int(p['classes']) for p in classifier.predict(input_fn=predict_input_fn)]
    print('predicted %s for digits %s' % (classes, test_y[:5].tolist()))
    print('model_dir: %s' % classifier.model_dir)


if __name__ == '__main__':
    main()
