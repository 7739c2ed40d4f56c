"""decode_raw, decode_csv, parse_example, parse_single_example and SparseTensor: values, static shapes,
node names and error messages as the scratch TensorFlow 1.x (tf.compat.v1) gives them; the expected
values below were printed by TF for the same inputs.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.kernels import parsing_kernels  # noqa: F401  (registers the kernels)
from sluice.ops import parsing_ops as P
from sluice.ops.sparse_tensor import SparseTensor, SparseTensorValue


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def _error(fetches, feed_dict, cls=tf.errors.InvalidArgumentError):
    with pytest.raises(cls) as info:
        _run(fetches, feed_dict)
    return info.value.message.splitlines()[0]


# -- decode_raw -------------------------------------------------------------------------------------

def test_decode_raw_values_and_shapes():
    s = tf.placeholder(tf.string, None)
    out = P.decode_raw(s, tf.int32)
    assert out.op.name == 'DecodeRaw' and out.shape.ndims is None
    np.testing.assert_array_equal(_run(out, {s: b'\x01\x00\x00\x00\x02\x00\x00\x00'}), [1, 2])
    be = P.decode_raw(s, tf.int16, little_endian=False)
    got = _run(be, {s: [[b'\x01\x02'], [b'\x03\x04']]})
    assert got.dtype == np.int16 and got.tolist() == [[[258]], [[772]]]  # TF
    assert _run(P.decode_raw(s, tf.float64), {s: b''}).shape == (0,)
    assert _run(P.decode_raw(s, tf.uint8), {s: []}).shape == (0, 0)
    assert _run(P.decode_raw(s, tf.bool), {s: b'\x00\x01\x02'}).tolist() == [False, True, True]
    np.testing.assert_array_equal(_run(P.decode_raw(s, tf.float16), {s: b'\x00\x3c' * 4}), [1.0] * 4)
    assert P.decode_raw(tf.placeholder(tf.string, [3]), tf.uint8).shape.as_list() == [3, None]
    writable = _run(out, {s: b'\x01\x00\x00\x00'})
    writable += 1  # a fresh array of its own, not a view of the string


def test_decode_raw_errors():
    s = tf.placeholder(tf.string, None)
    out = P.decode_raw(s, tf.int32)
    assert _error(out, {s: b'\x01\x00\x00'}) == \
        'Input to DecodeRaw has length 3 that is not a multiple of 4, the size of int32'
    assert _error(out, {s: [b'\x01\x00\x00\x00', b'\x01\x00\x00\x00\x02\x00\x00\x00']}) == \
        'DecodeRaw requires input strings to all be the same size, but element 1 has size 8 != 4'
    with pytest.raises(TypeError, match="DataType string not in list of allowed values"):
        P.decode_raw(s, tf.string)
    with pytest.raises(TypeError, match="DataType uint32 not in list"):
        P.decode_raw(s, tf.uint32)


# -- decode_csv -------------------------------------------------------------------------------------

def test_decode_csv_values_defaults_and_quotes():
    s = tf.placeholder(tf.string, None)
    cols = P.decode_csv(s, [[1], ['x'], [2.5], tf.constant([], tf.int64), tf.constant([7.0], tf.float64)])
    assert [c.dtype for c in cols] == [tf.int32, tf.string, tf.float32, tf.int64, tf.float64]
    got = _run(cols, {s: ['1,"a,b",3.5,4,5', ',,,4,', ' 7 ,"q""r", 1e3 ,-9,nan']})
    assert got[0].tolist() == [1, 1, 7] and got[0].dtype == np.int32
    assert got[1].tolist() == [b'a,b', b'x', b'q"r']
    assert got[2].tolist() == [3.5, 2.5, 1000.0] and got[2].dtype == np.float32
    assert got[3].tolist() == [4, 4, -9]
    assert got[4][:2].tolist() == [5.0, 7.0] and np.isnan(got[4][2])


def test_decode_csv_options_and_shapes():
    s = tf.placeholder(tf.string, None)
    got = _run(P.decode_csv(s, [[1], ['x']], field_delim='|', use_quote_delim=False), {s: ['1|"a"', '|']})
    assert got[0].tolist() == [1, 1] and got[1].tolist() == [b'"a"', b'x']
    got = _run(P.decode_csv(s, [[1], ['x']], na_value='NA'), {s: ['NA,NA', '2,']})
    assert got[0].tolist() == [1, 2] and got[1].tolist() == [b'x', b'x']
    got = _run(P.decode_csv(s, [[1], [3.0]], select_cols=[0, 2]), {s: ['1,b,3', '1,,']})
    assert got[0].tolist() == [1, 1] and got[1].tolist() == [3.0, 3.0]
    got = _run(P.decode_csv(s, [[tf.constant(1.0, tf.float64)]]), {s: ['1e40', '0x1p3', 'infinity', '-Inf']})
    assert got[0].tolist() == [1e40, 8.0, np.inf, -np.inf]
    assert _run(P.decode_csv(s, [[1]]), {s: [' 12 ', '+3', '-0', '007']})[0].tolist() == [12, 3, 0, 7]
    got = _run(P.decode_csv(s, [[''], ['']]), {s: ['"",x', 'a,""']})
    assert got[0].tolist() == [b'', b'a'] and got[1].tolist() == [b'x', b'']
    grid = P.decode_csv(tf.placeholder(tf.string, [2, 3]), [[1], ['']], name='grid')
    assert grid[0].shape.as_list() == [2, 3] and grid[0].op.name == 'grid'
    assert [op.name for op in tf.get_default_graph().get_operations()
            if op.name.startswith('grid/')] == ['grid/record_defaults_0', 'grid/record_defaults_1']  # as TF


@pytest.mark.parametrize('record, message', [
    ('1,a,3.5,,5', 'Field 3 is required but missing in record 0!'),
    ('1,a,3.5,4', 'Expect 5 fields but have 4 in record 0'),
    ('1,a,3.5,4,5,6', 'Expect 5 fields but have 6 in record 0'),
    ('z,a,3.5,4,5', 'Field 0 in record 0 is not a valid int32: z'),
    ('1,a,zz,4,5', 'Field 2 in record 0 is not a valid float: zz'),
    ('1,a,3.5,99999999999999999999,5', 'Field 3 in record 0 is not a valid int64: 99999999999999999999'),
    ('99999999999,a,3.5,4,5', 'Field 0 in record 0 is not a valid int32: 99999999999'),
    ('1,a"b,3.5,4,5', 'Unquoted fields cannot have quotes/CRLFs inside'),
    ('1,"ab"c,3.5,4,5', 'Quote inside a string has to be escaped by another quote'),
    ('1,"ab,3.5,4,5', 'Quoted field has to end with quote followed by delim or end'),
    ('0x10,a,inf,4,-inf', 'Field 0 in record 0 is not a valid int32: 0x10'),
    ('1.5,a,3.5,4,5', 'Field 0 in record 0 is not a valid int32: 1.5'),
    ('1_0,a,3.5,4,5', 'Field 0 in record 0 is not a valid int32: 1_0'),
])
def test_decode_csv_errors(record, message):
    s = tf.placeholder(tf.string, None)
    cols = P.decode_csv(s, [[1], ['x'], [2.5], tf.constant([], tf.int64), tf.constant([7.0], tf.float64)])
    assert _error(cols, {s: record}) == message


def test_decode_csv_record_errors_and_bad_defaults():
    s = tf.placeholder(tf.string, None)
    assert _error(P.decode_csv(s, [[1]]), {s: [['1', '2'], ['3', '']]}) == 'Expect 1 fields but have 0 in record 3'
    assert _error(P.decode_csv(s, [[1]]), {s: ''}) == 'Expect 1 fields but have 0 in record 0'
    with pytest.raises(ValueError, match='Shape of a default must be a length-0 or length-1 vector, or a scalar'):
        P.decode_csv(s, [[1, 2]])
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values: float32, float64, int32, int64"):
        P.decode_csv(s, [[True]])
    with pytest.raises(ValueError, match='Length of select_cols and record_defaults do not match.'):
        P.decode_csv(s, [[1], [''], [3.0]], select_cols=[0, 2])


# -- parse_example / parse_single_example ---------------------------------------------------------------

def _example(**features):
    feature = {}
    for key, values in features.items():
        if values and isinstance(values[0], float):
            feature[key] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
        elif values and isinstance(values[0], bytes):
            feature[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
        elif values:
            feature[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
        else:
            feature[key] = tf.train.Feature()
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


FEATURES = {'a': P.FixedLenFeature([], tf.int64), 'b': P.FixedLenFeature([2], tf.float32, default_value=[1., 2.]),
            'c': P.VarLenFeature(tf.string), 'd': P.FixedLenSequenceFeature([2], tf.float32, allow_missing=True),
            'e': P.VarLenFeature(tf.int64),
            'f': P.FixedLenSequenceFeature([], tf.string, allow_missing=True, default_value='zz')}
BATCH = [_example(a=[1], b=[3., 4.], c=[b'x', b'y'], d=[1., 2., 3., 4.], e=[5], f=[b'q']),
         _example(a=[2], e=[6, 7, 8], f=[b'r', b's', b't']),
         _example(a=[3], c=[b'z'], d=[9., 9.])]


def _flat(parsed):
    return {k: (v.indices, v.values, v.dense_shape) if isinstance(v, SparseTensor) else v for k, v in parsed.items()}


def test_parse_example_values_as_tensorflow():
    s = tf.placeholder(tf.string, [None])
    parsed = P.parse_example(s, FEATURES)
    assert isinstance(parsed['c'], SparseTensor) and parsed['c'].values.dtype == tf.string
    assert parsed['a'].shape.as_list() == [None] and parsed['d'].shape.as_list() == [None, None, 2]
    assert parsed['c'].indices.shape.as_list() == [None, 2] and parsed['c'].dense_shape.shape.as_list() == [2]
    got = _run(_flat(parsed), {s: BATCH})
    assert got['a'].tolist() == [1, 2, 3] and got['a'].dtype == np.int64
    assert got['b'].tolist() == [[3., 4.], [1., 2.], [1., 2.]] and got['b'].dtype == np.float32
    assert got['c'][0].tolist() == [[0, 0], [0, 1], [2, 0]] and got['c'][1].tolist() == [b'x', b'y', b'z']
    assert got['c'][2].tolist() == [3, 2]
    assert got['e'][0].tolist() == [[0, 0], [1, 0], [1, 1], [1, 2]] and got['e'][1].tolist() == [5, 6, 7, 8]
    assert got['e'][2].tolist() == [3, 3]
    assert got['d'].tolist() == [[[1., 2.], [3., 4.]], [[0., 0.], [0., 0.]], [[9., 9.], [0., 0.]]]
    assert got['f'].tolist() == [[b'q', b'zz', b'zz'], [b'r', b's', b't'], [b'zz', b'zz', b'zz']]


def test_parse_single_example_values_as_tensorflow():
    s = tf.placeholder(tf.string, [])
    parsed = P.parse_single_example(s, FEATURES)
    assert parsed['a'].shape.as_list() == [] and parsed['b'].shape.as_list() == [2]
    assert parsed['c'].indices.shape.as_list() == [None, 1] and parsed['d'].shape.as_list() == [None, 2]
    got = _run(_flat(parsed), {s: BATCH[0]})
    assert got['a'] == 1 and got['b'].tolist() == [3., 4.] and got['d'].tolist() == [[1., 2.], [3., 4.]]
    assert got['c'][0].tolist() == [[0], [1]] and got['c'][1].tolist() == [b'x', b'y'] and got['c'][2].tolist() == [2]
    assert got['f'].tolist() == [b'q']
    got = _run(_flat(parsed), {s: BATCH[1]})
    assert got['c'][0].shape == (0, 1) and got['c'][2].tolist() == [0] and got['d'].shape == (0, 2)
    assert got['b'].tolist() == [1., 2.] and got['e'][1].tolist() == [6, 7, 8]


def test_long_numeric_lists_through_their_wire_bytes():
    rng = np.random.default_rng(1)
    ints = np.concatenate([rng.integers(-2 ** 63, 2 ** 63 - 1, 50, dtype=np.int64),
                           np.array([0, 1, -1, 127, 128, 2 ** 63 - 1, -2 ** 63, 300])])
    floats = rng.random(100).astype(np.float32)
    record = tf.train.Example(features=tf.train.Features(feature={
        'i': tf.train.Feature(int64_list=tf.train.Int64List(value=ints)),
        'f': tf.train.Feature(float_list=tf.train.FloatList(value=floats)),
        'g': tf.train.Feature(float_list=tf.train.FloatList(value=floats))})).SerializeToString()
    s = tf.placeholder(tf.string, [None])
    parsed = P.parse_example(s, {'i': P.VarLenFeature(tf.int64), 'f': P.VarLenFeature(tf.float32),
                                 'g': P.FixedLenFeature([100], tf.float32, default_value=np.ones(100))})
    got = _run([parsed['i'].values, parsed['f'].values, parsed['g']], {s: [record, _example(f=[1.5])]})
    np.testing.assert_array_equal(got[0], ints)
    np.testing.assert_array_equal(got[1], np.append(floats, 1.5))
    np.testing.assert_array_equal(got[2], [floats, np.ones(100)])
    one = P.parse_single_example(s[0], {'g': P.FixedLenFeature([100], tf.float32)})['g']
    value = _run(one, {s: [record]})
    np.testing.assert_array_equal(value, floats)
    value += 1  # writable: a copy, not a view of the serialized bytes


def test_parse_example_defaults_of_several_dimensions_and_empty_batch():
    s = tf.placeholder(tf.string, [None])
    grid = P.parse_example(s, {'g': P.FixedLenFeature([2, 2], tf.int64, default_value=[[1, 2], [3, 4]])})['g']
    assert _run(grid, {s: [_example(g=[5, 6, 7, 8]), _example()]}).tolist() == [[[5, 6], [7, 8]], [[1, 2], [3, 4]]]
    sparse = P.parse_example(s, {'c': P.VarLenFeature(tf.float32)})['c']
    got = _run([sparse.indices, sparse.values, sparse.dense_shape], {s: []})
    assert got[0].shape == (0, 2) and got[1].dtype == np.float32 and got[2].tolist() == [0, 0]


@pytest.mark.parametrize('record, batch_message, single_message', [
    (_example(b=[1., 2.]), 'Name: <unknown>, Feature: a (data type: int64) is required but could not be found.',
     'Feature: a (data type: int64) is required but could not be found.'),
    (_example(a=[1.5]), "Name: <unknown>, Key: a, Index: 0.  Data types don't match. Data type: float but expected "
                        "type: int64", "Key: a.  Data types don't match. Data type: float but expected type: int64"),
    (_example(a=[1, 2]), 'Name: <unknown>, Key: a, Index: 0.  Number of int64 values != expected.  Values size: 2 '
                         'but output shape: []',
     "Key: a.  Can't parse serialized Example: Some int64_list slice was not parsed."),
    (_example(a=[1], b=[1.]), 'Name: <unknown>, Key: b, Index: 0.  Number of float values != expected.  Values '
                              'size: 1 but output shape: [2]',
     "Key: b.  Can't parse serialized Example: Some float_list slice was not parsed."),
    (_example(a=[1], d=[1., 2., 3.]), 'Name: <unknown>, Key: d, Index: 0.  Number of float values is not a multiple '
                                      'of stride length. Saw 3 values but output shape is: [?,2]',
     'Error while parsing feature with key d: number of elements should be divisible by 2, found 3 instead'),
    (_example(a=[1], c=[1]), "Name: <unknown>, Key: c, Index: 0.  Data types don't match. Expected type: string, "
                             "Actual type: int64", "Key: c.  Data types don't match. Expected type: string, Actual "
                                                   "type: int64"),
    (_example(a=[]), 'Name: <unknown>, Feature: a (data type: int64) is required but could not be found.',
     'Feature: a (data type: int64) is required but could not be found.'),
])
def test_parse_errors_as_tensorflow(record, batch_message, single_message):
    s = tf.placeholder(tf.string, [None])
    s1 = tf.placeholder(tf.string, [])
    assert _error(_flat(P.parse_example(s, FEATURES)), {s: [record]}) == batch_message
    assert _error(_flat(P.parse_single_example(s1, FEATURES)), {s1: record}) == single_message


def test_parse_argument_errors():
    s = tf.placeholder(tf.string, [None])
    with pytest.raises(ValueError, match='cannot be None or falsy'):
        P.parse_example(s, {})
    with pytest.raises(ValueError, match='First dimension of shape for feature x unknown'):
        P.parse_example(s, {'x': P.FixedLenFeature([None], tf.float32)})
    with pytest.raises(ValueError, match='requires allow_missing to be True'):
        P.parse_example(s, {'x': P.FixedLenSequenceFeature([], tf.float32)})
    with pytest.raises(ValueError, match='Input serialized must be a scalar'):
        P.parse_single_example(s, {'x': P.FixedLenFeature([], tf.float32)})
    with pytest.raises(ValueError, match='features cannot be empty'):
        P.parse_single_example(s[0], {})


def test_parse_graph_as_tensorflow_builds_it():
    s = tf.placeholder(tf.string, [None])
    P.parse_example(s, {'a': P.FixedLenFeature([], tf.int64), 'b': P.FixedLenFeature([2], tf.float32,
                                                                                      default_value=[1, 2]),
                        'c': P.VarLenFeature(tf.string), 'd': P.FixedLenSequenceFeature([2], tf.float32,
                                                                                         allow_missing=True)})
    ops = tf.get_default_graph().get_operations()
    # TF 1.x (compat.v1) names, types and inputs of the same call.
    assert [(op.name, op.type) for op in ops[1:]] == [
        ('ParseExample/Const', 'Const'), ('ParseExample/key_b', 'Const'), ('ParseExample/Reshape/shape', 'Const'),
        ('ParseExample/Reshape', 'Reshape'), ('ParseExample/Const_1', 'Const'),
        ('ParseExample/ParseExampleV2/names', 'Const'), ('ParseExample/ParseExampleV2/sparse_keys', 'Const'),
        ('ParseExample/ParseExampleV2/dense_keys', 'Const'), ('ParseExample/ParseExampleV2/ragged_keys', 'Const'),
        ('ParseExample/ParseExampleV2', 'ParseExampleV2')]
    parse = ops[-1]
    assert [t.name for t in parse.inputs][5:] == ['ParseExample/Const:0', 'ParseExample/Reshape:0',
                                                  'ParseExample/Const_1:0']
    assert [str(o.shape) for o in parse.outputs] == ['(?, 2)', '(?,)', '(2,)', '(?,)', '(?, 2)', '(?, ?, 2)']
    single = P.parse_single_example(s[0], {'a': P.FixedLenFeature([], tf.int64)})['a']
    assert single.name == 'ParseSingleExample/ParseExample/ParseExampleV2:0'


# -- SparseTensor ------------------------------------------------------------------------------------

def test_sparse_tensor_static_shape_and_eval():
    st = SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    assert st.dtype == tf.float32 and st.shape.as_list() == [3, 4] and st.indices.dtype == tf.int64
    with tf.Session() as sess:
        value = st.eval(session=sess)
    assert isinstance(value, SparseTensorValue)
    assert value.indices.tolist() == [[0, 0], [1, 2]] and value.values.tolist() == [1.0, 2.0]
    assert value.dense_shape.tolist() == [3, 4]
    with pytest.raises(ValueError):
        SparseTensor(indices=[[0, 0]], values=[1.0, 2.0], dense_shape=[3, 4])


def test_session_fetches_a_sparse_tensor_as_its_value():
    s = tf.placeholder(tf.string, [None])
    parsed = P.parse_example(s, {'c': P.VarLenFeature(tf.int64)})
    value = _run(parsed, {s: [_example(c=[4, 5])]})['c']
    assert isinstance(value, SparseTensorValue) and value.values.tolist() == [4, 5]


# -- scalar string features: one bytes object per example, as TF --------------------------------------

def _all_bytes(array):
    return all(type(v) is bytes for v in array.reshape(-1))


def test_parse_example_scalar_string_feature_is_a_vector_of_bytes():
    records = [_example(s=[b'a']), _example(s=[b'bc']), _example(t=[3])]
    out = _run(tf.parse_example(records, {
        's': P.FixedLenFeature([], tf.string, default_value=b'zz'),
        'w': P.FixedLenFeature([2], tf.string, default_value=[b'p', b'q'])}))
    assert out['s'].dtype == object and out['s'].shape == (3,) and _all_bytes(out['s'])
    assert out['s'].tolist() == [b'a', b'bc', b'zz']
    assert out['w'].shape == (3, 2) and _all_bytes(out['w'])


def test_parse_single_example_scalar_string_beside_a_sparse_feature_is_bytes():
    out = _run(tf.parse_single_example(_example(s=[b'q']), {
        's': P.FixedLenFeature([], tf.string), 'sp': P.VarLenFeature(tf.int64)}))
    assert out['s'] == b'q' and type(out['s']) is bytes
