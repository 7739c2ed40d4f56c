"""Functional control flow in GraphDefs: If/While bodies in GraphDef.library, both ways, with TF.

sluice writes FunctionDefs TF 2.x compat.v1 imports and runs; sluice imports its own graphs and
the graphs TF writes with control flow v2 (StatelessIf/StatelessWhile); MetaGraph round trips.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.io.protos import GraphDef

X = np.array([1.0, -2.5, 4.0], dtype=np.float32)


def _model(lib):
    """The same model in sluice or TF: a cond, a while_loop whose body holds a cond, a gradient-free
    loop of two variables with a captured tensor."""
    x = lib.placeholder(lib.float32, [None], name='x')
    c = lib.constant(3.0, name='c')
    lib.identity(lib.cond(lib.reduce_sum(x) > 0, lambda: x * c, lambda: x - c), name='y')

    def body(i, a):
        return i + 1, lib.cond(i > 2, lambda: a + c, lambda: a * 2.0)
    _, w = lib.while_loop(lambda i, a: i < 5, body, [lib.constant(0), x])
    lib.identity(w, name='w')
    n = lib.while_loop(lambda k, s: k < 4, lambda k, s: (k + 1, s + lib.cast(k, lib.float32) * c),
                       [lib.constant(0), lib.constant(0.5)])
    lib.identity(n[1], name='n')


NAMES = ['y:0', 'w:0', 'n:0']


def _expected(x):
    y = x * 3.0 if x.sum() > 0 else x - 3.0
    w = x * 8.0 + 6.0
    return [y, w, np.float32(0.5 + 3.0 * (0 + 1 + 2 + 3))]


def _sluice_graph():
    g = tf.Graph()
    with g.as_default():
        _model(tf)
    return g


def _run_sluice(gd, feed=X, grad=False):
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name='')
        fetches = list(NAMES)
        if grad:
            fetches += tf.gradients(g.get_tensor_by_name('w:0'), g.get_tensor_by_name('x:0'))
        with tf.Session() as sess:
            return sess.run(fetches, {'x:0': feed})


@pytest.fixture(scope='module')
def real_tf():
    real = pytest.importorskip('tensorflow.compat.v1')
    real.disable_v2_behavior()
    return real


def _tf_gd(real_tf, gd):
    return real_tf.GraphDef.FromString(gd.SerializeToString())


# -- export ------------------------------------------------------------------------------------

def test_library_holds_every_function_once_in_tf_encoding():
    g = _sluice_graph()
    gd = g.as_graph_def()
    funcs = {f.signature.name: f for f in gd.library.function}
    # 2 cond branches, 2 loops x (cond, body), 2 branches of the cond inside the first body
    assert len(funcs) == len(gd.library.function) == 8
    named = set()
    for node in list(gd.node) + [n for f in gd.library.function for n in f.node_def]:
        for key in node.attr:
            if node.attr[key].WhichOneof('value') == 'func':
                named.add(node.attr[key].func.name)
    assert named == set(funcs)
    if_node = [n for n in gd.node if n.op == 'If'][0]
    then = funcs[if_node.attr['then_branch'].func.name]
    assert [a.name for a in then.signature.input_arg] == ['x', 'c']
    mul = [n for n in then.node_def if n.op == 'Mul'][0]
    assert list(mul.input) == ['x', 'c']
    assert then.ret[then.signature.output_arg[0].name] == 'mul:z:0'
    assert then.arg_attr[0].attr['_output_shapes'].list.shape[0].dim[0].size == -1
    # A While body returns every loop variable (its captured tensor passed through) as TF needs.
    loop = [n for n in gd.node if n.op == 'While' and n.name.startswith('while_1')][0]
    body = funcs[loop.attr['body'].func.name]
    assert len(body.signature.input_arg) == len(body.signature.output_arg) == len(loop.attr['T'].list.type) == 3
    assert body.ret[body.signature.output_arg[2].name] == body.signature.input_arg[2].name


def test_graph_without_functions_has_no_library():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0) + 2.0
    assert not g.as_graph_def().HasField('library')


# -- sluice -> sluice ---------------------------------------------------------------------------

def test_sluice_round_trip_runs_and_differentiates():
    gd = _sluice_graph().as_graph_def()
    got = _run_sluice(GraphDef.FromString(gd.SerializeToString()), grad=True)
    for a, b in zip(got, _expected(X) + [np.full(3, 8.0, np.float32)]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    again = _run_sluice(GraphDef.FromString(gd.SerializeToString()), feed=-X)
    for a, b in zip(again, _expected(-X)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_meta_graph_round_trip_with_cond_and_while(tmp_path):
    path = str(tmp_path / 'model.meta')
    with tf.Graph().as_default():
        v = tf.Variable(np.float32(2.0), name='v')
        x = tf.placeholder(tf.float32, [None], name='x')
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * v, lambda: x - v)
        _, w = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v), [tf.constant(0), y])
        tf.add_to_collection('outputs', w)
        tf.train.export_meta_graph(filename=path)
    with tf.Graph().as_default():
        tf.train.import_meta_graph(path)
        w = tf.get_collection('outputs')[0]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            np.testing.assert_allclose(sess.run(w, {'x:0': X}), X * 2 * 8, rtol=1e-6)
            np.testing.assert_allclose(sess.run(w, {'x:0': -X}), (-X - 2) * 8, rtol=1e-6)


def test_missing_function_is_not_found():
    gd = _sluice_graph().as_graph_def()
    del gd.library.function[0]
    with tf.Graph().as_default():
        with pytest.raises(errors.NotFoundError, match='is not defined'):
            tf.import_graph_def(gd, name='')


def test_generic_function_is_unimplemented():
    gd = _sluice_graph().as_graph_def()
    f = gd.library.function[0]
    f.node_def[0].attr['T'].placeholder = 'T'
    with tf.Graph().as_default():
        with pytest.raises(errors.UnimplementedError, match='generic'):
            tf.import_graph_def(gd, name='')


def test_loop_gradients_built_before_export_round_trip():
    """A training graph: the loops record their calls for the gradient; the import restores those
    outputs, and a gradient taken after the import reuses the records."""
    g = _sluice_graph()
    with g.as_default():
        x = g.get_tensor_by_name('x:0')
        ys = tf.map_fn(lambda e: e * e, x)
        tf.identity(tf.gradients(g.get_tensor_by_name('w:0'), x)[0], name='dw')
        tf.identity(tf.gradients(ys, x)[0], name='dys')
    gd = GraphDef.FromString(g.as_graph_def().SerializeToString())
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(gd, name='')
        x = g2.get_tensor_by_name('x:0')
        again = tf.gradients(g2.get_tensor_by_name('w:0'), x)[0]
        with tf.Session() as sess:
            got = sess.run(['dw:0', 'dys:0', again, 'w:0'], {'x:0': X})
    np.testing.assert_allclose(got[0], np.full(3, 8.0), rtol=1e-6)
    np.testing.assert_allclose(got[1], 2 * X, rtol=1e-6)
    np.testing.assert_allclose(got[2], np.full(3, 8.0), rtol=1e-6)
    np.testing.assert_allclose(got[3], _expected(X)[1], rtol=1e-6)


# -- sluice <-> TensorFlow ----------------------------------------------------------------------

@pytest.mark.tf
def test_tensorflow_runs_sluice_control_flow(real_tf):
    gd = _sluice_graph().as_graph_def()
    with real_tf.Graph().as_default():
        real_tf.import_graph_def(_tf_gd(real_tf, gd), name='')
        with real_tf.Session() as sess:
            for feed in (X, -X):
                for a, b in zip(sess.run(NAMES, {'x:0': feed}), _expected(feed)):
                    np.testing.assert_allclose(a, b, rtol=1e-5)


def _tf_written(real_tf):
    """TF's GraphDef of the model (control flow v2), and TF's values of NAMES and d w / d x."""
    real_tf.enable_control_flow_v2()
    try:
        with real_tf.Graph().as_default() as g:
            _model(real_tf)
            gd = g.as_graph_def()  # before the gradient changes the loops (TF's accumulators)
            grad = real_tf.gradients(g.get_tensor_by_name('w:0'), g.get_tensor_by_name('x:0'))[0]
            with real_tf.Session() as sess:
                want = sess.run(NAMES + [grad], {'x:0': X})
    finally:
        real_tf.disable_control_flow_v2()
    return GraphDef.FromString(gd.SerializeToString()), want


@pytest.mark.tf
def test_sluice_runs_and_differentiates_tf_control_flow_v2(real_tf):
    gd, want = _tf_written(real_tf)
    assert {'StatelessIf', 'StatelessWhile'} <= {n.op for n in gd.node}
    got = _run_sluice(gd, grad=True)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.tf
def test_tf_graph_travels_back_to_tensorflow(real_tf):
    gd, want = _tf_written(real_tf)
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name='')
    back = g.as_graph_def()
    with real_tf.Graph().as_default():
        real_tf.import_graph_def(_tf_gd(real_tf, back), name='')
        with real_tf.Session() as sess:
            for a, b in zip(sess.run(NAMES, {'x:0': X}), want):
                np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.tf
def test_tensorflow_imports_sluice_meta_graph_with_variables_in_bodies(tmp_path, real_tf):
    """A variable read in a cond branch and written in a loop body (sluice's VariableV2 node of the
    same shared name inside the function) is the session's variable in TF too."""
    path = str(tmp_path / 'model.meta')
    with tf.Graph().as_default():
        v = tf.Variable(np.float32(2.0), name='v')
        x = tf.placeholder(tf.float32, [None], name='x')
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * v, lambda: x - v)

        def body(i, a):
            with tf.control_dependencies([tf.assign_add(v, 1.0)]):
                return i + 1, a * 2.0
        _, w = tf.while_loop(lambda i, a: i < 3, body, [tf.constant(0), y])
        tf.identity(w, name='w')
        tf.train.export_meta_graph(filename=path)
    with real_tf.Graph().as_default():
        real_tf.train.import_meta_graph(path)
        with real_tf.Session() as sess:
            sess.run(real_tf.global_variables_initializer())
            np.testing.assert_allclose(sess.run('w:0', {'x:0': X}), X * 2 * 8, rtol=1e-6)
            assert sess.run('v:0') == 5.0
            np.testing.assert_allclose(sess.run('w:0', {'x:0': X}), X * 5 * 8, rtol=1e-6)


def test_functions_added_after_an_export_are_written():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [], name='x')
        assert not g.as_graph_def().library.function
        tf.cond(x > 0, lambda: x + 1.0, lambda: x - 1.0)
        assert len(g.as_graph_def().library.function) == 2
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
        assert len(g.as_graph_def().library.function) == 4


def test_map_fn_scan_and_fold_round_trip_in_sluice():
    """sluice's own functional ops travel between sluice programs (TF has no MapFn/Scan/Fold)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name='x')
        c = tf.constant(2.0)
        names = [tf.map_fn(lambda e: e * c, x).name, tf.scan(lambda a, e: a + e, x).name,
                 tf.foldl(lambda a, e: a + e * c, x).name]
    gd = GraphDef.FromString(g.as_graph_def().SerializeToString())
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name='')
        with tf.Session() as sess:
            got = sess.run(names, {'x:0': X})
    np.testing.assert_allclose(got[0], X * 2, rtol=1e-6)
    np.testing.assert_allclose(got[1], np.cumsum(X), rtol=1e-6)
    np.testing.assert_allclose(got[2], X[0] + (X[1:] * 2).sum(), rtol=1e-6)  # foldl starts from X[0]


def _nested_model(lib):
    """Loops inside loops, maximum_iterations, case, and an Assert guarding a cond."""
    x = lib.placeholder(lib.float32, [], name='x')

    def outer(i, s):
        return i + 1, lib.while_loop(lambda j, t: j < i, lambda j, t: (j + 1, t + x), [lib.constant(0), s])[1]
    lib.identity(lib.while_loop(lambda i, s: i < 4, outer, (lib.constant(0), lib.constant(0.0)),
                                maximum_iterations=10)[1], name='s')
    lib.identity(lib.case([(x > 10, lambda: x * 10), (x > 1, lambda: x * 2)], default=lambda: x), name='r')
    with lib.control_dependencies([lib.Assert(x > -100, ['x too small', x])]):
        lib.identity(lib.cond(x > 0, lambda: lib.square(x), lambda: x), name='q')


NESTED = ['s:0', 'r:0', 'q:0']


@pytest.mark.tf
@pytest.mark.parametrize('value', [2.0, 20.0, -3.0])
def test_nested_control_flow_both_ways(real_tf, value):
    want = [np.float32(6 * value), np.float32(value * (10 if value > 10 else 2 if value > 1 else 1)),
            np.float32(value * value if value > 0 else value)]
    g = tf.Graph()
    with g.as_default():
        _nested_model(tf)
    with real_tf.Graph().as_default():  # sluice -> TF
        real_tf.import_graph_def(_tf_gd(real_tf, g.as_graph_def()), name='')
        with real_tf.Session() as sess:
            np.testing.assert_allclose(sess.run(NESTED, {'x:0': value}), want, rtol=1e-6)
    real_tf.enable_control_flow_v2()
    try:
        with real_tf.Graph().as_default() as tg:
            _nested_model(real_tf)
    finally:
        real_tf.disable_control_flow_v2()
    with tf.Graph().as_default():  # TF -> sluice
        tf.import_graph_def(GraphDef.FromString(tg.as_graph_def().SerializeToString()), name='')
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(NESTED, {'x:0': value}), want, rtol=1e-6)


def test_functions_of_one_name_imported_twice_are_renamed_on_export():
    gd = _sluice_graph().as_graph_def()
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name='a')
        tf.import_graph_def(gd, name='b')
    both = g.as_graph_def()
    names = [f.signature.name for f in both.library.function]
    assert len(names) == len(set(names)) == 2 * len(gd.library.function)
    with tf.Graph().as_default():
        tf.import_graph_def(GraphDef.FromString(both.SerializeToString()), name='')
        with tf.Session() as sess:
            got = sess.run(['a/w:0', 'b/w:0'], {'a/x:0': X, 'b/x:0': -X})
    np.testing.assert_allclose(got[0], _expected(X)[1], rtol=1e-6)
    np.testing.assert_allclose(got[1], _expected(-X)[1], rtol=1e-6)


def test_function_calling_itself_is_refused():
    gd = _sluice_graph().as_graph_def()
    loop = [n for n in gd.node if n.op == 'While'][0]
    body = [f for f in gd.library.function if f.signature.name == loop.attr['body'].func.name][0]
    inner_if = [n for n in body.node_def if n.op == 'If'][0]
    inner_if.attr['then_branch'].func.name = body.signature.name
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='calls itself'):
            tf.import_graph_def(gd, name='')
