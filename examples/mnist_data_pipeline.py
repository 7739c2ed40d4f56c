"""MNIST on a tf.data input pipeline reading TFRecords, as TF 1.x's fully_connected_reader does,
unchanged but for `import sluice as tf`.

The records are those TF's convert_to_records.py writes (and the queue-runner reader example
reads): one tf.train.Example per image with 'image_raw' (784 uint8 bytes), 'label' (int64),
'height', 'width' and 'depth'. When `--records_dir` lacks train.tfrecords / validation.tfrecords,
they are written there first from the MNIST files bundled with sluice.

Training: TFRecordDataset -> map(decode, normalize) -> shuffle -> repeat -> batch on a one-shot
iterator feeds a 784-128-32-10 MLP trained by SGD; then a reinitializable iterator
(Iterator.from_structure) evaluates the trained model on the training and validation records.

    python examples/mnist_data_pipeline.py [--steps 1000] [--batch_size 100] [--records_dir /tmp/mnist_records]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402
from sluice.examples.tutorials.mnist import input_data  # noqa: E402

IMAGE_PIXELS = 28 * 28
NUM_CLASSES = 10


# -- the records (TF's convert_to_records.py) ----------------------------------------------------------------
def _int64_feature(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def _bytes_feature(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def convert_to(data_set, path):
    images = (data_set.images * 255.0).round().astype('uint8')
    with tf.python_io.TFRecordWriter(path) as writer:
        for image, label in zip(images, data_set.labels):
            example = tf.train.Example(features=tf.train.Features(feature={
                'height': _int64_feature(28), 'width': _int64_feature(28), 'depth': _int64_feature(1),
                'label': _int64_feature(int(label)), 'image_raw': _bytes_feature(image.tobytes())}))
            writer.write(example.SerializeToString())


def ensure_records(records_dir):
    paths = {name: os.path.join(records_dir, name + '.tfrecords') for name in ('train', 'validation')}
    if not all(os.path.exists(p) for p in paths.values()):
        os.makedirs(records_dir, exist_ok=True)
        data = input_data.read_data_sets(input_data.default_dir())
        for name, path in paths.items():
            print('Writing', path, flush=True)
            convert_to(getattr(data, name), path)
    return paths


# -- the input pipeline (TF's fully_connected_reader.py, tf.data version) --------------------------------------
def decode(serialized_example):
    features = tf.parse_single_example(
        serialized_example,
        features={'image_raw': tf.FixedLenFeature([], tf.string), 'label': tf.FixedLenFeature([], tf.int64)})
    image = tf.decode_raw(features['image_raw'], tf.uint8)
    image.set_shape((IMAGE_PIXELS,))
    label = tf.cast(features['label'], tf.int32)
    return image, label


def normalize(image, label):
    image = tf.cast(image, tf.float32) * (1. / 255) - 0.5
    return image, label


def inputs(path, batch_size, num_epochs=None, shuffle=True):
    dataset = tf.data.TFRecordDataset(path)
    dataset = dataset.map(decode)
    dataset = dataset.map(normalize)
    if shuffle:
        dataset = dataset.shuffle(1000 + 3 * batch_size)
    return dataset.repeat(num_epochs).batch(batch_size).prefetch(1)


# -- the model --------------------------------------------------------------------------------------------------
def inference(images):
    hidden = images
    for i, (n_in, n_out) in enumerate([(IMAGE_PIXELS, 128), (128, 32)]):
        with tf.variable_scope('hidden%d' % (i + 1)):
            w = tf.get_variable('weights', [n_in, n_out], initializer=tf.truncated_normal_initializer(stddev=0.05))
            b = tf.get_variable('biases', [n_out], initializer=tf.zeros_initializer())
            hidden = tf.nn.relu(tf.matmul(hidden, w) + b)
    with tf.variable_scope('softmax_linear'):
        w = tf.get_variable('weights', [32, NUM_CLASSES], initializer=tf.truncated_normal_initializer(stddev=0.1))
        b = tf.get_variable('biases', [NUM_CLASSES], initializer=tf.zeros_initializer())
        return tf.matmul(hidden, w) + b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--batch_size', type=int, default=100)
    parser.add_argument('--learning_rate', type=float, default=0.1)
    parser.add_argument('--records_dir', default=os.path.join('/tmp', 'sluice_mnist_records'))
    parser.add_argument('--eval_batches', type=int, default=50)
    args = parser.parse_args()
    paths = ensure_records(args.records_dir)
    tf.set_random_seed(0)

    train_ds = inputs(paths['train'], args.batch_size)
    image_batch, label_batch = train_ds.make_one_shot_iterator().get_next()
    with tf.variable_scope('model'):
        logits = inference(image_batch)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=label_batch, logits=logits)
    train_op = tf.train.GradientDescentOptimizer(args.learning_rate).minimize(loss)

    # evaluation: one iterator, re-initialized on each record file
    eval_sets = {name: inputs(path, args.batch_size, num_epochs=1, shuffle=False) for name, path in paths.items()}
    first = eval_sets['train']
    eval_iterator = tf.data.Iterator.from_structure(first.output_types, first.output_shapes)
    eval_images, eval_labels = eval_iterator.get_next()
    with tf.variable_scope('model', reuse=True):
        eval_logits = inference(eval_images)
    correct = tf.reduce_sum(tf.cast(tf.nn.in_top_k(eval_logits, eval_labels, 1), tf.int32))
    eval_inits = {name: eval_iterator.make_initializer(ds) for name, ds in eval_sets.items()}

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = time.time()
        for step in range(1, args.steps + 1):
            _, loss_value = sess.run([train_op, loss])
            if step % 100 == 0 or step == 1 or step == args.steps:
                print('Step %d: loss = %.3f (%.3f sec)' % (step, loss_value, time.time() - start), flush=True)
        for name, init in eval_inits.items():
            sess.run(init)
            n_correct = n_seen = 0
            for _ in range(args.eval_batches):
                try:
                    n_correct += sess.run(correct)
                except tf.errors.OutOfRangeError:
                    break
                n_seen += args.batch_size
            print('%s: %d / %d correct, precision %.4f' % (name, n_correct, n_seen, n_correct / max(n_seen, 1)),
                  flush=True)


if __name__ == '__main__':
    main()
