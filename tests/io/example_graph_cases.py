"""The graphs of the project's examples, built by the examples' own functions on either library, for
the round trips of test_example_graphs_travel.py (sluice side) and example_graphs_tf.py (TF side).

A case is `build(tf, examples)`: `tf` is sluice or tensorflow.compat.v1, `examples(name)` loads
examples/<name>.py with its module-level `tf` bound to that library (so the example's code builds
the graph, unchanged). It returns a dict: 'feeds' {placeholder: array} (dropout and batch norm in
inference mode, so outputs are deterministic), 'outputs' [tensors] to compare, 'train' the op of one
training step (its gradients and optimizer travel too; None: outputs only) and optionally 'config'
kwargs for ConfigProto.
TO_TF cases are built by sluice and run by TF, FROM_TF ones built by TF and run by sluice. The slim
case needs tf.contrib, which TF 2.x lacks, so only sluice writes it.
"""
import importlib.util
import os

import numpy as np

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'examples')
_RNG = np.random.RandomState(42)
IMAGES = _RNG.rand(4, 784).astype(np.float32)
LABELS_1HOT = np.eye(10, dtype=np.float32)[_RNG.randint(0, 10, 4)]
CIFAR = _RNG.rand(4, 24, 24, 3).astype(np.float32)
CIFAR_LABELS = _RNG.randint(0, 10, 4).astype(np.int32)
CHARS = _RNG.randint(0, 5, (2, 3)).astype(np.int32)


def example_loader(tf):
    """examples(name) -> the example's module with `tf` (and slim) bound to `tf`."""
    def load(name):
        spec = importlib.util.spec_from_file_location('example_' + name, os.path.join(EXAMPLES, name + '.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.tf = tf
        return module
    return load


def mnist_mlp(tf, examples):
    mlp = examples('mnist_mlp')
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 784], name='X')
    y = tf.placeholder(tf.float32, [None, 10], name='Y')
    keep_in = tf.placeholder(tf.float32, name='p_keep_input')
    keep_hidden = tf.placeholder(tf.float32, name='p_keep_hidden')
    weights = [mlp.init_weights(s) for s in ([784, 32], [32, 16], [16, 10])]
    logits = mlp.model(x, *weights, keep_in, keep_hidden)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
    train = tf.train.RMSPropOptimizer(0.001, 0.9).minimize(loss)
    return {'feeds': {x: IMAGES, y: LABELS_1HOT, keep_in: 1.0, keep_hidden: 1.0},
            'outputs': [logits, loss], 'train': train}


def mnist_layers_cnn(tf, examples):
    cnn = examples('mnist_layers_cnn')
    tf.set_random_seed(2)
    x = tf.placeholder(tf.float32, [None, 784], name='images')
    y = tf.placeholder(tf.float32, [None, 10], name='labels')
    training = tf.placeholder_with_default(False, [], name='training')
    logits = cnn.cnn_model(x, training, filters=2)
    loss = tf.losses.softmax_cross_entropy(y, logits)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    return {'feeds': {x: IMAGES, y: LABELS_1HOT}, 'outputs': [logits, loss], 'train': train}


def mnist_data_pipeline(tf, examples):
    pipeline = examples('mnist_data_pipeline')
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [None, 784], name='images')
    y = tf.placeholder(tf.int64, [None], name='labels')
    logits = pipeline.inference(x)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return {'feeds': {x: IMAGES, y: LABELS_1HOT.argmax(1).astype(np.int64)}, 'outputs': [logits, loss],
            'train': train}


def multi_gpu_towers(tf, examples):
    towers = examples('multi_gpu_towers')
    images, labels, loss, train = towers.build(2, 'cpu')
    return {'feeds': {images: CIFAR, labels: CIFAR_LABELS}, 'outputs': [loss], 'train': train,
            'config': {'device_count': {'CPU': 2}}}


def char_rnn(tf, examples):
    rnn = examples('char_rnn')
    tf.set_random_seed(4)
    model = rnn.Model(vocab=5, hidden=8, batch=2, steps=3)
    return {'feeds': {model.inputs: CHARS, model.targets: (CHARS + 1) % 5},
            'outputs': [model.probabilities, model.loss, model.final_state[1].h],
            'train': tf.train.AdamOptimizer(0.01).minimize(model.loss)}


def linear_regression(tf, examples):
    linear = examples('linear_regression')
    x = tf.placeholder(tf.float32, [None], name='X')
    y = tf.placeholder(tf.float32, [None], name='Y')
    prediction, _, _ = linear.linear_model(x)
    loss = tf.reduce_mean(tf.square(prediction - y))
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    return {'feeds': {x: np.arange(5, dtype=np.float32), y: 2 * np.arange(5, dtype=np.float32) + 1},
            'outputs': [prediction, loss], 'train': train}


def mnist_slim_cnn(tf, examples):
    slim_example = examples('mnist_slim_cnn')
    slim = slim_example.slim
    tf.set_random_seed(5)
    x = tf.placeholder(tf.float32, [None, 784], name='images')
    y = tf.placeholder(tf.float32, [None, 10], name='labels')
    training = tf.placeholder_with_default(False, [], name='is_training')
    logits = slim_example.lenet(tf.reshape(x, [-1, 28, 28, 1]), training, conv1=2, conv2=4, fc=8)
    slim.losses.softmax_cross_entropy(logits, y)
    train = slim.learning.create_train_op(slim.losses.get_total_loss(), tf.train.AdamOptimizer(1e-3))
    return {'feeds': {x: IMAGES, y: LABELS_1HOT}, 'outputs': [logits], 'train': train}


FROM_TF = {f.__name__: f for f in (mnist_mlp, mnist_layers_cnn, mnist_data_pipeline, multi_gpu_towers, char_rnn,
                                    linear_regression)}
TO_TF = {f.__name__: f for f in (mnist_mlp, mnist_layers_cnn, mnist_data_pipeline, multi_gpu_towers, char_rnn,
                                  linear_regression, mnist_slim_cnn)}


def names(case):
    """The JSON-able names of a built case: feeds by tensor name, outputs, train op."""
    return {'feeds': {t.name: np.asarray(v).tolist() for t, v in case['feeds'].items()},
            'dtypes': {t.name: np.asarray(v).dtype.name for t, v in case['feeds'].items()},
            'outputs': [t.name for t in case['outputs']],
            'train': None if case['train'] is None else case['train'].name, 'config': case.get('config', {})}


def feeds_of(meta):
    return {name: np.asarray(value, dtype=meta['dtypes'][name]) for name, value in meta['feeds'].items()}


def run_case(tf, sess, meta, graph):
    """Outputs, then one training step, then outputs again: {'before/i', 'after/i'} arrays (the
    outputs only without a training step)."""
    feeds = feeds_of(meta)
    outputs = [graph.get_tensor_by_name(n) for n in meta['outputs']]
    result = {}
    for i, value in enumerate(sess.run(outputs, feeds)):
        result['before/%d' % i] = value
    if meta['train'] is None:
        return result
    sess.run(graph.as_graph_element(meta['train']), feeds)
    for i, value in enumerate(sess.run(outputs, feeds)):
        result['after/%d' % i] = value
    return result


def write(tf, name, build, folder):
    """Builds case `name` with `tf`, saves meta graph + checkpoint under folder/name, returns (meta, result)."""
    graph = tf.Graph()
    with graph.as_default():
        case = build(tf, example_loader(tf))
        meta = names(case)
        saver = tf.train.Saver()
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        with tf.Session(config=tf.ConfigProto(**meta['config'])) as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, os.path.join(folder, name, 'model'))
            result = run_case(tf, sess, meta, graph)
    return meta, result


def read(tf, name, meta, folder):
    """Imports folder/name's meta graph and checkpoint with `tf` and runs the case."""
    graph = tf.Graph()
    with graph.as_default():
        saver = tf.train.import_meta_graph(os.path.join(folder, name, 'model.meta'))
        with tf.Session(config=tf.ConfigProto(**meta['config'])) as sess:
            saver.restore(sess, os.path.join(folder, name, 'model'))
            return run_case(tf, sess, meta, graph)
