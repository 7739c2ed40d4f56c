"""Writes the TF 1.x control-flow-v1 graphs that tests/io/test_dataflow_loops.py imports, with the
values TensorFlow computed for them (run from this folder: python make_tf1_while_graphs.py).

Each case `name` leaves name.pb (a GraphDef) or name.meta + name.ckpt.* (a MetaGraphDef with a
training op and the variables' first values), and name.npz: feeds ('feed:<tensor name>') and
expected fetches ('fetch:<tensor name>'); training cases store the loss after each step
('losses') and the variables after the last ('var:<name>').
"""
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf1  # noqa: E402

tf1.disable_v2_behavior()
tf1.disable_control_flow_v2()
tf1.disable_resource_variables()

RNG = np.random.RandomState(0)


def _save(name, graph, feeds, fetches, **extra):
    with tf1.Session(graph=graph) as sess:
        values = sess.run(fetches, {graph.get_tensor_by_name(k): v for k, v in feeds.items()})
    arrays = {'feed:' + k: v for k, v in feeds.items()}
    arrays.update({'fetch:' + f: np.asarray(v) for f, v in zip(fetches, values)})
    arrays.update(extra)
    with open(name + '.pb', 'wb') as f:
        f.write(graph.as_graph_def().SerializeToString())
    np.savez(name + '.npz', **arrays)


def counter():
    g = tf1.Graph()
    with g.as_default():
        n = tf1.placeholder(tf1.int32, [], name='n')
        i = tf1.while_loop(lambda i: i < n, lambda i: i + 1, [tf1.constant(0)])
    _save('counter', g, {'n:0': np.int32(7)}, [i.name])


def several_vars():
    """Three loop variables, two invariants, and the gradient (a forward counter loop, stacks)."""
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.float32, [3], name='x')
        w = tf1.constant([1.5, 0.5, -0.25], name='w')
        b = tf1.placeholder(tf1.float32, [], name='b')

        def body(i, y, s):
            y = tf1.tanh(y * w + b)
            return i + 1, y, s + tf1.reduce_sum(y * y)
        i, y, s = tf1.while_loop(lambda i, y, s: i < 4, body, [tf1.constant(0), x, tf1.constant(0.0)])
        loss = s + tf1.reduce_sum(y)
        gx, gb = tf1.gradients(loss, [x, b])
    _save('several_vars', g, {'x:0': RNG.randn(3).astype(np.float32), 'b:0': np.float32(0.3)},
          [i.name, y.name, s.name, gx.name, gb.name])


def nested():
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.float32, [2], name='x')

        def outer(i, y):
            j, y = tf1.while_loop(lambda j, y: j < i + 1, lambda j, y: (j + 1, tf1.sin(y) * 1.1 + 0.1), [0, y])
            return i + 1, y
        _, y = tf1.while_loop(lambda i, y: i < 3, outer, [tf1.constant(0), x])
        gx, = tf1.gradients(tf1.reduce_sum(y * y), [x])
    _save('nested', g, {'x:0': RNG.randn(2).astype(np.float32)}, [y.name, gx.name])


def cond_inside():
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.float32, [2], name='x')

        def body(i, y):
            y = tf1.cond(tf1.equal(i % 2, 0), lambda: y * 2.0, lambda: tf1.sin(y) - 1.0)
            return i + 1, y
        _, y = tf1.while_loop(lambda i, y: i < 5, body, [tf1.constant(0), x])
        gx, = tf1.gradients(tf1.reduce_sum(y), [x])
    _save('cond_inside', g, {'x:0': RNG.randn(2).astype(np.float32)}, [y.name, gx.name])


def map_and_scan():
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.float32, [4, 3], name='x')
        m = tf1.map_fn(lambda r: tf1.reduce_sum(r * r) + r, x)
        s = tf1.scan(lambda a, r: a * 0.5 + tf1.tanh(r), x)
        gx, = tf1.gradients(tf1.reduce_sum(s * s) + tf1.reduce_sum(m), [x])
    _save('map_and_scan', g, {'x:0': RNG.randn(4, 3).astype(np.float32)}, [m.name, s.name, gx.name])


def ref_assign_in_loop():
    """A loop assigning to a Ref variable (a RefEnter of the variable): the variable after one run."""
    g = tf1.Graph()
    with g.as_default():
        v = tf1.get_variable('v', initializer=tf1.constant([1.0, 2.0]))
        x = tf1.placeholder(tf1.float32, [2], name='x')

        def body(i, y):
            with tf1.control_dependencies([tf1.assign_add(v, y)]):
                return i + 1, y * 2.0 + v
        _, y = tf1.while_loop(lambda i, y: i < 3, body, [tf1.constant(0), x])
        init = tf1.global_variables_initializer()
    x_value = np.random.RandomState(5).randn(2).astype(np.float32)
    with tf1.Session(graph=g) as sess:
        sess.run(init)
        y_value = sess.run(y, {x: x_value})
        v_value = sess.run(v)
    with open('ref_assign_in_loop.pb', 'wb') as f:
        f.write(g.as_graph_def().SerializeToString())
    np.savez('ref_assign_in_loop.npz', **{'feed:x:0': x_value, 'fetch:' + y.name: y_value, 'var:v': v_value,
                                          'init': np.bytes_(init.name)})


def rnn_training(name, make_cell, steps=3):
    """dynamic_rnn over a batch, a squared loss, GradientDescent's minimize: the MetaGraphDef,
    the variables' first values (a checkpoint), and TF's loss per step and variables after."""
    g = tf1.Graph()
    with g.as_default():
        tf1.set_random_seed(1)
        x = tf1.placeholder(tf1.float32, [2, 5, 3], name='x')
        target = tf1.placeholder(tf1.float32, [2, 4], name='target')
        out, state = tf1.nn.dynamic_rnn(make_cell(4), x, dtype=tf1.float32)
        last = out[:, -1, :]
        loss = tf1.reduce_mean(tf1.square(last - target), name='loss')
        train = tf1.train.GradientDescentOptimizer(0.5).minimize(loss, name='train')
        saver = tf1.train.Saver()
        init = tf1.global_variables_initializer()
    feeds = {'x:0': RNG.randn(2, 5, 3).astype(np.float32), 'target:0': RNG.randn(2, 4).astype(np.float32)}
    with tf1.Session(graph=g) as sess:
        sess.run(init)
        saver.save(sess, os.path.join('.', name + '.ckpt'), write_meta_graph=False, write_state=False)
        fd = {g.get_tensor_by_name(k): v for k, v in feeds.items()}
        first_out = sess.run(out, fd)
        losses = []
        for _ in range(steps):
            losses.append(sess.run([loss, train], fd)[0])
        final = {'var:' + v.op.name: sess.run(v) for v in tf1.global_variables()}
    tf1.train.export_meta_graph(name + '.meta', graph=g, saver_def=saver.as_saver_def())
    arrays = {'feed:' + k: v for k, v in feeds.items()}
    arrays['fetch:' + out.name] = first_out
    arrays['losses'] = np.asarray(losses, np.float32)
    arrays.update(final)
    np.savez(name + '.npz', **arrays)


if __name__ == '__main__':
    counter()
    several_vars()
    nested()
    cond_inside()
    map_and_scan()
    ref_assign_in_loop()
    rnn_training('lstm_training', lambda n: tf1.nn.rnn_cell.BasicLSTMCell(n))
    rnn_training('gru_training', lambda n: tf1.nn.rnn_cell.GRUCell(n))
