"""tf.strings' text ops and the lookup tables, each program built once on sluice and once on
tf.compat.v1 (`tf` marker) from the same builder: values, node names, shapes, dtypes, error classes.
The hashes are also pinned without TensorFlow (values TF 2.21 computed)."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.kernels import string_hashes

TEXT = ['a b  c', '', 'de', ' lead', 'x,y;z']
HELLO_FAST, HELLO_LEGACY, HELLO_STRONG = 11, 655, 446  # TF 2.21's buckets (of 1000) for b'hello world'


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


def _run(t, build, init_tables=False):
    g = t.Graph()
    with g.as_default():
        fetches = build(t)
        with t.Session() as sess:
            if init_tables:
                sess.run(t.tables_initializer())
            return sess.run(fetches), fetches


def _same(ours, theirs):
    if isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    elif hasattr(ours, 'indices') and hasattr(ours, 'dense_shape'):
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        a, b = np.asarray(ours), np.asarray(theirs)
        assert a.shape == b.shape and (a.dtype == b.dtype or a.dtype.kind == b.dtype.kind == 'O')
        np.testing.assert_array_equal(a, b)


def _splits(t):
    return [t.string_split(TEXT), t.string_split(TEXT, ', ;'), t.string_split(TEXT, '', skip_empty=False),
            t.string_split(TEXT, ' ', skip_empty=False), t.strings.split(TEXT), t.strings.split(TEXT, sep=' '),
            t.strings.split(TEXT, sep=' ', maxsplit=1), t.strings.split(TEXT, sep='b ')]


def _edits(t):
    words = t.constant([['hello', 'wörld'], ['  pad ', 'MiXeD']])
    return [t.substr(words, 1, 3), t.strings.substr(words, -3, 2), t.strings.substr(words, 0, 9),
            t.strings.substr(words, 1, 2, unit='UTF8_CHAR'), t.strings.substr(['abcd', 'efgh'], [0, 2], [1, 2]),
            t.strings.length(words), t.strings.length(words, unit='UTF8_CHAR'), t.string_strip(words),
            t.strings.lower(words), t.strings.upper(words), t.regex_replace(words, 'l+', 'L'),
            t.strings.regex_replace(words, '([a-z])([a-z])', r'\2\1', replace_global=False),
            t.strings.regex_replace(words, t.constant('o'), t.constant('0')),
            t.reduce_join(words), t.reduce_join(words, 0), t.reduce_join(words, 1, separator='|'),
            t.reduce_join(words, [0, 1], separator='-', keep_dims=True), t.reduce_join(words, -1, keep_dims=True),
            t.strings.reduce_join(words, axis=[1, 0], separator='+')]


def _buckets(t):
    words = t.constant(['', 'a', 'hello world', 'x' * 40, 'y' * 70, 'the quick brown fox' * 9])
    return [t.strings.to_hash_bucket_fast(words, 1000), t.string_to_hash_bucket_fast(words, 7),
            t.strings.to_hash_bucket(words, 1000), t.string_to_hash_bucket(words, 3),
            t.strings.to_hash_bucket_strong(words, 1000, [1, 2]),
            t.string_to_hash_bucket_strong(words, 97, [2 ** 40 + 3, 17])]


@pytest.mark.tf
@pytest.mark.parametrize('build', [_splits, _edits, _buckets])
def test_text_ops_are_tensorflows(tf1, build):
    ours, our_fetches = _run(tf, build)
    theirs, their_fetches = _run(tf1, build)
    _same(ours, theirs)
    for a, b in zip(our_fetches, their_fetches):
        a = a.indices if isinstance(a, tf.SparseTensor) else a
        b = b.indices if hasattr(b, 'dense_shape') else b
        assert a.name == b.name and a.dtype.name == b.dtype.name
        assert a.shape.ndims == b.shape.ndims and (a.shape.ndims is None or a.shape.as_list() == b.shape.as_list())


def test_hashes_are_pinned():
    # FarmHash Fingerprint64, TF's Hash64 and SipHash-2-4 buckets TF 2.21 computed for these strings.
    words = [b'', b'a', b'hello world', b'x' * 40, b'y' * 70]
    n = 4611686018427387847  # a big bucket count: the buckets are nearly the full hashes
    ours = _run(tf, lambda t: [t.strings.to_hash_bucket_fast(words, n), t.strings.to_hash_bucket(words, n),
                               t.strings.to_hash_bucket_strong(words, n, [1, 2])])[0]
    assert [int(v) for v in ours[0]] == [string_hashes.fingerprint64(w) % n for w in words]
    assert string_hashes.fingerprint64(b'hello world') % 1000 == HELLO_FAST
    assert string_hashes.legacy_hash64(b'hello world') % 1000 == HELLO_LEGACY
    assert string_hashes.siphash24((1, 2), b'hello world') % 1000 == HELLO_STRONG


@pytest.mark.tf
def test_pinned_hash_values_are_tensorflows(tf1):
    got = _run(tf1, lambda t: [t.strings.to_hash_bucket_fast(['hello world'], 1000),
                               t.strings.to_hash_bucket(['hello world'], 1000),
                               t.strings.to_hash_bucket_strong(['hello world'], 1000, [1, 2])])[0]
    assert [int(g[0]) for g in got] == [HELLO_FAST, HELLO_LEGACY, HELLO_STRONG]


def _tables(t, vocab_file):
    # TF 2.x keeps TF 1.x's contrib.lookup functions in its lookup_ops module.
    lookup = t.contrib.lookup if t is tf else __import__('tensorflow.python.ops.lookup_ops', fromlist=['x'])
    keys = t.constant(['b', 'zz', 'c', 'q', 'a', ''])
    ids = t.constant([0, 2, 7, -1], t.int64)
    fixed = lookup.index_table_from_tensor(['a', 'b', 'c'])
    oov = lookup.index_table_from_tensor(['a', 'b', 'c'], num_oov_buckets=3)
    ints = lookup.index_table_from_tensor([10, 20, 30], num_oov_buckets=2, dtype=t.int64)
    names = lookup.index_to_string_table_from_tensor(['a', 'b', 'c'])
    from_file = lookup.index_table_from_file(vocab_file, num_oov_buckets=1)
    names_file = lookup.index_to_string_table_from_file(vocab_file, default_value='?')
    kv = lookup.HashTable(lookup.KeyValueTensorInitializer([1, 2, 3], [1.5, 2.5, 3.5], t.int64, t.float32), -1.0)
    sparse_keys = t.SparseTensor([[0, 0], [1, 2]], t.constant(['c', 'nope']), [2, 3])
    looked = fixed.lookup(sparse_keys)
    return [fixed.lookup(keys), oov.lookup(keys), ints.lookup(t.constant([20, 5, 30, 999], t.int64)),
            names.lookup(ids), from_file.lookup(keys), names_file.lookup(ids), kv.lookup(t.constant([3, 4], t.int64)),
            fixed.size(), oov.size(), from_file.size(), looked.values, looked.indices]


@pytest.mark.tf
def test_tables_are_tensorflows(tf1, tmp_path):
    vocab = tmp_path / 'vocab.txt'
    vocab.write_text('a\nb\nc\n')
    ours, our_fetches = _run(tf, lambda t: _tables(t, str(vocab)), init_tables=True)
    theirs, their_fetches = _run(tf1, lambda t: _tables(t, str(vocab)), init_tables=True)
    _same(ours, theirs)
    for a, b in zip(our_fetches, their_fetches):
        assert a.dtype.name == b.dtype.name


def test_table_errors_and_state():
    table = tf.contrib.lookup.index_table_from_tensor(['a', 'b'])
    found = table.lookup(tf.constant(['b', 'x']))
    with pytest.raises(TypeError, match='Signature mismatch. Keys must be dtype <dtype: \'string\'>, got'):
        table.lookup(tf.constant([1, 2], tf.int64))
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match='Table not initialized.'):
            sess.run(found)
        sess.run(tf.tables_initializer())
        sess.run(tf.tables_initializer())  # the same data again: no error, as TF
        np.testing.assert_array_equal(sess.run(found), [1, -1])
    with tf.Session() as sess:  # each session has its own table
        with pytest.raises(errors.FailedPreconditionError):
            sess.run(found)


def test_mutable_table_and_text_file_errors(tmp_path):
    table = tf.contrib.lookup.MutableHashTable(tf.string, tf.int64, default_value=-1)
    insert = table.insert(tf.constant(['x', 'y']), tf.constant([5, 6], tf.int64))
    remove = table.remove(tf.constant(['x']))
    found = table.lookup(tf.constant(['x', 'y', 'z']))
    empty = tmp_path / 'gap.txt'
    empty.write_text('a\n\nb\n')
    gap = tf.contrib.lookup.index_table_from_file(str(empty))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(found), [-1, -1, -1])
        sess.run(insert)
        np.testing.assert_array_equal(sess.run([found, table.size()])[0], [5, 6, -1])
        sess.run(remove)
        np.testing.assert_array_equal(sess.run(found), [-1, 6, -1])
        keys, values = sess.run(table.export())
        assert list(keys) == [b'y'] and list(values) == [6]
        with pytest.raises(errors.InvalidArgumentError, match='empty line found at position 1'):
            sess.run(gap.initializer)


def test_tables_work_in_a_dataset_map():
    table = tf.contrib.lookup.index_table_from_tensor(['a', 'b', 'c'], num_oov_buckets=1)
    dataset = tf.data.Dataset.from_tensor_slices(['c a', 'b q']).map(
        lambda line: table.lookup(tf.string_split([line]).values))
    it = dataset.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run([tf.tables_initializer(), it.initializer])
        assert list(sess.run(nxt)) == [2, 0]
        assert list(sess.run(nxt)) == [1, 3]


def test_substr_out_of_range_is_an_error():
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="pos 5 out of range for string b'abc' at index 0"):
            sess.run(tf.substr(['abc'], 5, 1))
    with pytest.raises(ValueError, match='unit'):
        tf.strings.length(['a'], unit='CHAR')
    with pytest.raises(NotImplementedError, match='RaggedTensor'):
        tf.strings.split(['a b'], result_type='RaggedTensor')


def test_initialize_table_v2_of_older_graphs_fills_a_table():
    # TF before 2018-09 wrote InitializeTableV2 where it now writes LookupTableImportV2.
    from sluice.engine import op_builder
    table = tf.contrib.lookup.HashTable(tf.contrib.lookup.KeyValueTensorInitializer(['k'], [1], tf.string, tf.int64), 0)
    keys, values = tf.constant(['k']), tf.constant([1], tf.int64)
    init = op_builder.apply('InitializeTableV2', [table.resource_handle, keys, values])
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run(table.lookup(tf.constant(['k', 'j']))).tolist() == [1, 0]
