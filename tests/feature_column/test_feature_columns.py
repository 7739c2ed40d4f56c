"""tf.feature_column v1 vs TF's compat.v1 feature columns: same features, same variable values, same outputs."""
import numpy as np
import pytest

import sluice as tf

FEATURES = {
    'age': np.array([[1.], [5.], [12.], [-3.]], np.float32),
    'pair': np.array([[0.5, 2.], [1., -1.], [3., 0.], [7., 8.]], np.float32),
    'color': np.array([['red', ''], ['blue', 'red'], ['mauve', ''], ['', '']]),
    'city': np.array([['paris'], ['oslo'], ['lima'], ['rome']]),
    'ids': np.array([[0, 2], [1, -1], [3, 3], [-1, -1]], np.int64),
    'ids_w': np.array([[0.5, 2.], [1., 0.], [1., 1.], [0., 0.]], np.float32),
    'num_id': np.array([[10], [20], [30], [20]], np.int64),
}


def _columns(m, vocab_file):
    fc = m.feature_column
    age = fc.numeric_column('age', normalizer_fn=lambda x: x * 2.)
    return [
        age,
        fc.numeric_column('pair', shape=(2,)),
        fc.bucketized_column(age, [0., 4., 10.]),
        fc.bucketized_column(fc.numeric_column('pair', shape=(2,)), [1., 5.]),
        fc.indicator_column(fc.categorical_column_with_vocabulary_list('color', ['red', 'blue'], num_oov_buckets=2)),
        fc.indicator_column(fc.categorical_column_with_hash_bucket('city', 5)),
        fc.indicator_column(fc.categorical_column_with_hash_bucket('num_id', 11, dtype=m.int64)),
        fc.embedding_column(fc.categorical_column_with_identity('ids', 4), 3, combiner='sqrtn'),
        fc.indicator_column(fc.weighted_categorical_column(fc.categorical_column_with_identity('ids', 4), 'ids_w')),
        fc.embedding_column(fc.categorical_column_with_vocabulary_file('city', vocab_file, num_oov_buckets=1), 2,
                            combiner='sum'),
        fc.indicator_column(fc.crossed_column(['color', fc.bucketized_column(age, [0., 4., 10.])], 7)),
        fc.embedding_column(fc.crossed_column([fc.crossed_column(['city', 'num_id'], 100), 'color'], 9,
                                              hash_key=5), 2),
    ]


def _linear_columns(m, vocab_file):
    fc = m.feature_column
    return [
        fc.numeric_column('pair', shape=(2,)),
        fc.bucketized_column(fc.numeric_column('age'), [0., 4., 10.]),
        fc.categorical_column_with_vocabulary_list('color', ['red', 'blue'], default_value=0),
        fc.categorical_column_with_hash_bucket('city', 5),
        fc.weighted_categorical_column(fc.categorical_column_with_identity('ids', 4), 'ids_w'),
        fc.categorical_column_with_vocabulary_file('num_id', vocab_file, dtype=m.int64, vocabulary_size=2),
        fc.crossed_column(['city', fc.categorical_column_with_identity('ids', 4)], 13),
    ]


def _run(m, build, vocab_files, **kwargs):
    """Outputs and {variable name: value} after setting every variable to a fixed pattern."""
    graph = m.Graph()
    with graph.as_default():
        out = build(m, vocab_files, **kwargs)
        variables = m.global_variables()
        with m.Session() as sess:
            sess.run([m.global_variables_initializer(), m.tables_initializer()])
            values = {}
            for v in variables:
                shape = v.shape.as_list()
                value = np.sin(np.arange(np.prod(shape)) + 1.).reshape(shape).astype(np.float32)
                v.load(value, sess)
                values[v.op.name] = value
            return sess.run(out), values


def _input_layer(m, vocab_files):
    return m.feature_column.input_layer(FEATURES, _columns(m, vocab_files[0]))


def _linear_model(m, vocab_files, combiner='sum', units=1):
    return m.feature_column.linear_model(FEATURES, _linear_columns(m, vocab_files[1]), units=units,
                                         sparse_combiner=combiner)


@pytest.fixture
def vocab_files(tmp_path):
    cities = tmp_path / 'cities.txt'
    cities.write_text('oslo\nlima\nparis\n')
    numbers = tmp_path / 'numbers.txt'
    numbers.write_text('30\n10\n')
    return str(cities), str(numbers)


@pytest.mark.tf
@pytest.mark.parametrize('build,kwargs', [(_input_layer, {}), (_linear_model, {}),
                                          (_linear_model, {'combiner': 'mean', 'units': 3}),
                                          (_linear_model, {'combiner': 'sqrtn', 'units': 2})])
def test_against_tensorflow(build, kwargs, vocab_files):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    ours, our_vars = _run(tf, build, vocab_files, **kwargs)
    theirs, their_vars = _run(tf1, build, vocab_files, **kwargs)
    assert sorted(our_vars) == sorted(their_vars)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_variable_names_and_shapes(vocab_files):
    with tf.Graph().as_default():
        _input_layer(tf, vocab_files)
        _linear_model(tf, vocab_files)
        names = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
    assert names == {'input_layer/ids_embedding/embedding_weights': [4, 3],
                     'input_layer/city_X_color_X_num_id_embedding/embedding_weights': [9, 2],
                     'linear_model/city_X_ids/weights': [13, 1],
                     'input_layer/city_embedding/embedding_weights': [4, 2],
                     'linear_model/pair/weights': [2, 1], 'linear_model/age_bucketized/weights': [4, 1],
                     'linear_model/color/weights': [2, 1], 'linear_model/city/weights': [5, 1],
                     'linear_model/ids_weighted_by_ids_w/weights': [4, 1],
                     'linear_model/num_id/weights': [2, 1], 'linear_model/bias_weights': [1]}


def test_math_written_out():
    fc = tf.feature_column
    feats = {'x': np.array([[1.], [5.], [12.]], np.float32), 'c': np.array([['b'], ['a'], ['z']]),
             'k': np.array([[0, 2], [1, -1], [2, 2]], np.int64)}
    age = fc.numeric_column('x')
    cols = [age, fc.bucketized_column(age, [2., 10.]),
            fc.indicator_column(fc.categorical_column_with_vocabulary_list('c', ['a', 'b'])),
            fc.embedding_column(fc.categorical_column_with_identity('k', 3), 2, combiner='mean',
                                initializer=tf.constant_initializer(np.arange(6.).reshape(3, 2)))]
    with tf.Graph().as_default():
        out = fc.input_layer(feats, cols)
        with tf.Session() as sess:
            sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
            got = sess.run(out)
    table = np.arange(6.).reshape(3, 2)
    # sorted by name: c_indicator, k_embedding, x, x_bucketized
    expected = np.array([[0, 1, *(table[0] + table[2]) / 2, 1, 1, 0, 0],
                         [1, 0, *table[1], 5, 0, 1, 0],
                         [0, 0, *table[2], 12, 0, 0, 1]], np.float32)
    np.testing.assert_allclose(got, expected)


def test_embedding_initializer_is_truncated_normal_with_stddev_one_over_sqrt_dim():
    col = tf.feature_column.embedding_column(tf.feature_column.categorical_column_with_identity('k', 2000), 16)
    with tf.Graph().as_default():
        tf.feature_column.input_layer({'k': np.array([[1]], np.int64)}, [col])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            table = sess.run(tf.global_variables()[0])
    assert abs(table.std() - 0.25 * 0.8796) < 0.01  # a normal truncated at 2 sigma keeps 0.8796 of its std
    assert np.abs(table).max() <= 0.5


def test_identity_ids_out_of_range():
    col = tf.feature_column.indicator_column(tf.feature_column.categorical_column_with_identity('k', 3))
    with tf.Graph().as_default():
        out = tf.feature_column.input_layer({'k': np.array([[5]], np.int64)}, [col])
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(out)
    col = tf.feature_column.indicator_column(
        tf.feature_column.categorical_column_with_identity('k', 3, default_value=1))
    with tf.Graph().as_default():
        out = tf.feature_column.input_layer({'k': np.array([[5], [0]], np.int64)}, [col])
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(out), [[0, 1, 0], [1, 0, 0]])


def test_parse_example_spec_and_errors():
    fc = tf.feature_column
    spec = fc.make_parse_example_spec([
        fc.numeric_column('a', shape=(2,), default_value=1.),
        fc.embedding_column(fc.categorical_column_with_hash_bucket('h', 10), 4),
        fc.weighted_categorical_column(fc.categorical_column_with_identity('i', 5), 'w')])
    assert spec == {'a': tf.FixedLenFeature((2,), tf.float32, (1., 1.)), 'h': tf.VarLenFeature(tf.string),
                    'i': tf.VarLenFeature(tf.int64), 'w': tf.VarLenFeature(tf.float32)}
    with pytest.raises(ValueError, match='must be a _DenseColumn'):
        fc.input_layer({'h': np.array([['x']])}, [fc.categorical_column_with_hash_bucket('h', 10)])
    with pytest.raises(ValueError, match='boundaries must be a sorted list'):
        fc.bucketized_column(fc.numeric_column('a'), [3., 1.])
    with pytest.raises(ValueError, match='Duplicate keys in vocabulary_list'):
        fc.categorical_column_with_vocabulary_list('c', ['a', 'a'])
    with pytest.raises(ValueError, match="Can't specify both default_value"):
        fc.categorical_column_with_vocabulary_list('c', ['a'], default_value=0, num_oov_buckets=2)
    with pytest.raises(ValueError, match='Invalid dimension'):
        fc.embedding_column(fc.categorical_column_with_identity('i', 5), 0)
    with pytest.raises(ValueError, match='not supported for crossing'):
        fc.crossed_column(['a', fc.categorical_column_with_hash_bucket('h', 10)], 10)
    with pytest.raises(AttributeError, match='does not implement'):
        fc.shared_embedding_columns


def test_input_layer_and_linear_model_on_each_device(device, vocab_files):
    """The dense math on `device`; string, table and cross ops fall back to the CPU (soft placement)."""
    config = tf.ConfigProto(allow_soft_placement=True)
    results = []
    for where in ('/cpu:0', device):
        with tf.Graph().as_default():
            with tf.device(where):
                out = [_input_layer(tf, vocab_files), _linear_model(tf, vocab_files, combiner='mean', units=2)]
            with tf.Session(config=config) as sess:
                sess.run([tf.global_variables_initializer(), tf.tables_initializer()])
                for v in tf.global_variables():
                    shape = v.shape.as_list()
                    v.load(np.cos(np.arange(np.prod(shape))).reshape(shape).astype(np.float32), sess)
                results.append(sess.run(out))
    for ours, reference in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, reference, rtol=1e-6)
