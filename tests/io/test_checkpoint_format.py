"""V2 checkpoint files: the SSTable index, tensor bundles and the `checkpoint` state file.

Golden files in tests/data/checkpoint/ were written by TensorFlow 2.21 (tf.compat.v1 Saver and
raw SaveV2; see make_golden.py there); the GOLDEN_* values below restate what they hold.  Tests
marked `tf` compare with a TensorFlow importable in the test interpreter and are skipped otherwise.
"""
import io
import os
import shutil
import struct

import numpy as np
import pytest

from sluice.engine import dtypes, errors
from sluice.io import checkpoint_state as cs
from sluice.io import crc32c
from sluice.io.checkpoint_bundle import (BundleReader, BundleWriter, _ordered_signed, _read_ordered_signed,
                                         data_filename, decode_tensor_name_slice,
                                         encode_tensor_name_slice, index_filename, merge_bundles,
                                         parse_slice_spec, write_index)
from sluice.io.protos import BundleHeaderProto, CheckpointState
from sluice.io.table import TableReader, TableWriter, _short_successor, _shortest_separator, encode_varint

GOLDEN = os.path.join(os.path.dirname(__file__), 'data', 'checkpoint')


def _strings(rows):
    out = np.empty(len(rows), dtype=object)
    out[:] = rows
    return out


def golden_saver(step):
    weights = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1
    return {
        'counter': np.array(-1234567890123, np.int64),
        'cube': np.arange(24, dtype=np.float64).reshape(2, 3, 4) * np.pi,
        'global_step': np.array(step, np.int64),
        'layer1/biases': np.array([0.5, -0.25, 1e-3, 3e38], np.float32),
        'layer1/weights': weights + (1 if step == 7 else 0),
        'mask': np.array([True, False, True]),
        'vocab': _strings([b'alpha', b'', u'\u00fcn\u00ef'.encode(), b'\xff\x00bin']).reshape(2, 2),
    }


GOLDEN_DTYPES = {
    'f16': np.array([1.5, -0.0, 65504.0], np.float16),
    'f32': np.array([[1.0, -2.5]], np.float32),
    'f64': np.array(2.0 ** -1074, np.float64),
    'i8': np.array([-128, 127], np.int8),
    'i16': np.array([-32768, 7], np.int16),
    'i32': np.array([[1], [-2], [2 ** 31 - 1]], np.int32),
    'i64': np.array([-2 ** 63, 2 ** 63 - 1], np.int64),
    'u8': np.array([0, 255], np.uint8),
    'u16': np.array([65535], np.uint16),
    'u32': np.array([4294967295, 1], np.uint32),
    'u64': np.array([18446744073709551615], np.uint64),
    'c64': np.array([1 + 2j, -3.5j], np.complex64),
    'c128': np.array([[1e300 - 1j]], np.complex128),
    'bool': np.array([[True], [False]]),
    'empty_f32': np.zeros((0, 3), np.float32),
    'empty_str': np.zeros((2, 0), dtype=object),
    'str_scalar': np.array(b'x' * 200, dtype=object),
    'str_vec': _strings([b'', b'a', b'\x00\xff', b'y' * 130]),
}
GOLDEN_BF16_BITS = np.array([0x3f80, 0xc040, 0x3f00], np.uint16)  # bfloat16 1.0, -3.0, 0.5
GOLDEN_PARTITIONED = {'emb': np.arange(24, dtype=np.float32).reshape(6, 4), 'plain': np.array([7, 8], np.int32)}


def assert_same(actual, expected):
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    if expected.dtype == object:
        assert actual.tolist() == expected.tolist()
    else:
        np.testing.assert_array_equal(actual, expected)


def read_file(path):
    with open(path, 'rb') as f:
        return f.read()


def same_files(prefix_a, prefix_b):
    return (read_file(index_filename(prefix_a)) == read_file(index_filename(prefix_b)),
            read_file(data_filename(prefix_a)) == read_file(data_filename(prefix_b)))


# ------------------------------------------------------------------------------------------
# Reading TensorFlow's files.

@pytest.mark.parametrize('step', [5, 7])
def test_reads_saver_checkpoint(step):
    expected = golden_saver(step)
    with BundleReader(os.path.join(GOLDEN, 'saver', 'model.ckpt-%d' % step)) as reader:
        assert reader.keys() == sorted(expected)
        for name, value in expected.items():
            assert reader.has_tensor(name)
            assert_same(reader.read(name), value)
            dtype, shape = reader.dtype_and_shape(name)
            assert dtype == dtypes.as_dtype('string' if value.dtype == object else value.dtype)
            assert shape.as_list() == list(value.shape)
        assert reader.get_variable_to_shape_map() == {k: list(v.shape) for k, v in expected.items()}
        assert reader.get_variable_to_dtype_map()['layer1/weights'] == dtypes.float32
        assert reader.get_variable_to_dtype_map()['vocab'] == dtypes.string
        assert reader.header.num_shards == 1 and reader.header.version.producer == 1
        assert 'layer1/weights (DT_FLOAT) [3,4]\n' in reader.debug_string()
        assert 'counter (DT_INT64) []\n' in reader.debug_string()


def test_reads_every_dtype():
    reader = BundleReader(os.path.join(GOLDEN, 'dtypes', 'all'))
    assert reader.keys() == sorted(list(GOLDEN_DTYPES) + ['bf16'])
    for name, value in GOLDEN_DTYPES.items():
        assert_same(reader.read(name), value)
    assert reader.dtype_and_shape('bf16')[0] == dtypes.bfloat16
    if dtypes.bfloat16.is_numpy_compatible:
        np.testing.assert_array_equal(reader.read('bf16').view(np.uint16), GOLDEN_BF16_BITS)
    else:
        with pytest.raises(errors.UnimplementedError, match='ml_dtypes'):
            reader.read('bf16')


def test_reads_partitioned_variable():
    reader = BundleReader(os.path.join(GOLDEN, 'partitioned', 'model.ckpt'))
    assert reader.keys() == ['emb', 'plain']  # slice keys hidden, as in TF's CheckpointReader
    assert reader.get_variable_to_shape_map() == {'emb': [6, 4], 'plain': [2]}
    for name, value in GOLDEN_PARTITIONED.items():
        assert_same(reader.read(name), value)
    assert_same(reader.read_slice('emb', '2,3:1,2'), GOLDEN_PARTITIONED['emb'][2:5, 1:3])
    assert_same(reader.read_slice('emb', [(4, 2), (0, None)]), GOLDEN_PARTITIONED['emb'][4:])
    assert [e for e in reader.entry('emb').slices][1].extent[0].start == 2


def test_missing_key_and_missing_checkpoint(tmp_path):
    reader = BundleReader(os.path.join(GOLDEN, 'saver', 'model.ckpt-7'))
    with pytest.raises(errors.NotFoundError, match='Key nope not found in checkpoint'):
        reader.read('nope')
    with pytest.raises(errors.NotFoundError):
        reader.dtype_and_shape('nope')
    assert not reader.has_tensor('nope')
    with pytest.raises(errors.NotFoundError, match='No such file'):
        BundleReader(str(tmp_path / 'absent'))


# ------------------------------------------------------------------------------------------
# Writing: byte-for-byte what TensorFlow writes.

@pytest.mark.parametrize('step', [5, 7])
def test_writes_saver_checkpoint_bytes(tmp_path, step):
    prefix = str(tmp_path / ('model.ckpt-%d' % step))
    with BundleWriter(prefix) as writer:
        for name, value in sorted(golden_saver(step).items()):  # tf.train.Saver saves in name order
            writer.add(name, value)
    assert same_files(prefix, os.path.join(GOLDEN, 'saver', 'model.ckpt-%d' % step)) == (True, True)
    assert sorted(os.listdir(tmp_path)) == ['model.ckpt-%d.data-00000-of-00001' % step,
                                           'model.ckpt-%d.index' % step]


def test_writes_every_dtype_bytes(tmp_path):
    prefix = str(tmp_path / 'all')
    writer = BundleWriter(prefix)
    for name in sorted(GOLDEN_DTYPES):
        writer.add(name, GOLDEN_DTYPES[name])
    writer.add('bf16', GOLDEN_BF16_BITS.view(dtypes.bfloat16.as_numpy_dtype)
               if dtypes.bfloat16.is_numpy_compatible else GOLDEN_BF16_BITS, dtype=dtypes.bfloat16)
    writer.finish()
    assert same_files(prefix, os.path.join(GOLDEN, 'dtypes', 'all')) == (True, True)


def test_writes_partitioned_variable_bytes(tmp_path):
    prefix = str(tmp_path / 'model.ckpt')
    emb = GOLDEN_PARTITIONED['emb']
    writer = BundleWriter(prefix)
    for start in (0, 2, 4):
        writer.add_slice('emb', [6, 4], '%d,2:0,4' % start, emb[start:start + 2])
    writer.add('plain', GOLDEN_PARTITIONED['plain'])
    writer.finish()
    assert same_files(prefix, os.path.join(GOLDEN, 'partitioned', 'model.ckpt')) == (True, True)


def test_round_trip_values(tmp_path):
    values = {
        'a/b/c': np.random.RandomState(0).randn(5, 7).astype(np.float32),
        'unicode \u00e9': np.array([u'\u00e9t\u00e9', 'plain'], dtype=object),  # str elements: utf-8
        'scalar_str': np.array(b''),
        'big_strings': _strings([b'z' * 70000, b'', b'q' * 300]),
        'fortran': np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        'noncontig': np.arange(20, dtype=np.float64)[::3],
        'bytes_S': np.array([b'ab', b'c']),
    }
    prefix = str(tmp_path / 'deep' / 'dir' / 'ckpt')
    with BundleWriter(prefix) as writer:
        for name, value in values.items():
            writer.add(name, value)
        writer.add('as_int32', [1.7, 2.2], dtype=dtypes.int32)
    reader = BundleReader(prefix)
    assert reader.keys() == sorted(list(values) + ['as_int32'])
    for name, value in values.items():
        got = reader.read(name)
        if value.dtype.kind in 'OSU':
            expected = [v.encode() if isinstance(v, str) else v for v in value.reshape(-1).tolist()]
            assert got.dtype == object and got.reshape(-1).tolist() == expected and got.shape == value.shape
        else:
            assert_same(got, np.ascontiguousarray(value))
    assert_same(reader.read('as_int32'), np.array([1, 2], np.int32))
    assert reader.read('a/b/c').flags.writeable


def test_duplicate_and_reserved_keys(tmp_path):
    writer = BundleWriter(str(tmp_path / 'x'))
    writer.add('v', np.zeros(2))
    with pytest.raises(errors.InvalidArgumentError, match='Adding duplicate key: v'):
        writer.add('v', np.zeros(2))
    with pytest.raises(ValueError):
        writer.add('', np.zeros(2))
    with pytest.raises(errors.UnimplementedError):
        writer.add('r', np.zeros(2), dtype=dtypes.resource)
    writer.abort()
    assert os.listdir(tmp_path) == []


def test_large_tensor_round_trip(tmp_path):
    value = np.random.RandomState(1).rand(4 * 1024 * 1024).astype(np.float32)
    prefix = str(tmp_path / 'big')
    with BundleWriter(prefix) as writer:
        writer.add('big', value)
        writer.add('after', np.arange(3))
    reader = BundleReader(prefix)
    assert_same(reader.read('big'), value)
    assert_same(reader.read('after'), np.arange(3))


def test_big_endian_checkpoint_is_swapped(tmp_path):
    # A bundle as a big-endian host writes it: the bytes byteswapped, the header saying BIG.
    values = {'f': np.array([1.5, -2.0], np.float32), 'c': np.array([1 + 2j], np.complex128),
              'i': np.arange(3, dtype=np.int64), 'b': np.array([True, False])}
    prefix = str(tmp_path / 'be')
    writer = BundleWriter(prefix)
    for name, value in values.items():
        writer.add(name, value.byteswap())
    writer.finish()
    with open(index_filename(prefix), 'wb') as f:
        write_index(f, writer._entries, endianness=BundleHeaderProto.BIG)
    reader = BundleReader(prefix)
    for name, value in values.items():
        assert_same(reader.read(name), value)


def test_merge_bundles(tmp_path):
    a, b = str(tmp_path / 'tmp' / 'part-0'), str(tmp_path / 'tmp' / 'part-1')
    with BundleWriter(a) as w:
        w.add('x', np.arange(3))
        w.add_slice('p', [4], '0,2', np.array([1.0, 2.0]))
    with BundleWriter(b) as w:
        w.add('y', np.ones(2, np.float32))
        w.add_slice('p', [4], '2,2', np.array([3.0, 4.0]))
    merged = str(tmp_path / 'model')
    merge_bundles([a, b], merged)
    reader = BundleReader(merged)
    assert reader.header.num_shards == 2
    assert reader.keys() == ['p', 'x', 'y']
    assert_same(reader.read('x'), np.arange(3))
    assert_same(reader.read('y'), np.ones(2, np.float32))
    assert_same(reader.read('p'), np.array([1.0, 2.0, 3.0, 4.0]))
    assert os.path.exists(data_filename(merged, 1, 2)) and not os.path.exists(index_filename(a))


# ------------------------------------------------------------------------------------------
# Atomic saves and damaged files.

def test_unfinished_save_leaves_previous_checkpoint(tmp_path):
    prefix = str(tmp_path / 'model')
    with BundleWriter(prefix) as writer:
        writer.add('v', np.arange(4.0))
    before = (read_file(index_filename(prefix)), read_file(data_filename(prefix)))
    crashed = BundleWriter(prefix)  # a save that dies before finish()
    crashed.add('v', np.arange(8.0))
    crashed._data.flush()
    assert (read_file(index_filename(prefix)), read_file(data_filename(prefix))) == before
    assert_same(BundleReader(prefix).read('v'), np.arange(4.0))
    with pytest.raises(RuntimeError):
        with BundleWriter(prefix) as failing:
            failing.add('v', np.arange(9.0))
            raise RuntimeError('boom')
    assert_same(BundleReader(prefix).read('v'), np.arange(4.0))
    crashed.abort()
    assert sorted(os.listdir(tmp_path)) == ['model.data-00000-of-00001', 'model.index']


def _flip(path, offset):
    with open(path, 'r+b') as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes((byte[0] ^ 0x40,)))


def _golden_copy(tmp_path, which='saver/model.ckpt-7'):
    prefix = str(tmp_path / 'copy')
    shutil.copy(index_filename(os.path.join(GOLDEN, which)), index_filename(prefix))
    shutil.copy(data_filename(os.path.join(GOLDEN, which)), data_filename(prefix))
    return prefix


@pytest.mark.parametrize('name', ['layer1/weights', 'vocab', 'counter'])
def test_flipped_data_byte_names_tensor(tmp_path, name):
    prefix = _golden_copy(tmp_path)
    entry = BundleReader(prefix).entry(name)
    _flip(data_filename(prefix), entry.offset + entry.size - 1)  # the last byte: string bytes too
    reader = BundleReader(prefix)
    with pytest.raises(errors.DataLossError, match='Checksum does not match.*%s' % name):
        reader.read(name)
    assert_same(reader.read('cube'), golden_saver(7)['cube'])  # the others still read


def test_flipped_string_length_is_data_loss(tmp_path):
    prefix = _golden_copy(tmp_path)
    _flip(data_filename(prefix), BundleReader(prefix).entry('vocab').offset)
    with pytest.raises(errors.DataLossError, match='vocab'):
        BundleReader(prefix).read('vocab')


def test_truncated_files_are_data_loss(tmp_path):
    prefix = _golden_copy(tmp_path)
    index = read_file(index_filename(prefix))
    for cut in (len(index) - 1, len(index) - 60, 10, 0):
        with open(index_filename(prefix), 'wb') as f:
            f.write(index[:cut])
        with pytest.raises(errors.DataLossError):
            BundleReader(prefix)
    with open(index_filename(prefix), 'wb') as f:
        f.write(index)
    data = read_file(data_filename(prefix))
    with open(data_filename(prefix), 'wb') as f:
        f.write(data[:-5])
    with pytest.raises(errors.DataLossError, match='vocab'):
        BundleReader(prefix).read('vocab')


def test_flipped_index_byte_is_data_loss(tmp_path):
    prefix = _golden_copy(tmp_path)
    for offset in (3, 40, len(read_file(index_filename(prefix))) - 50):
        _flip(index_filename(prefix), offset)
        with pytest.raises(errors.DataLossError):
            BundleReader(prefix)
        _flip(index_filename(prefix), offset)
    BundleReader(prefix)


def test_bad_entry_size_is_data_loss(tmp_path):
    prefix = str(tmp_path / 'x')
    writer = BundleWriter(prefix)
    writer.add('v', np.zeros(3, np.float32))
    writer._entries[b'v'].size = 8
    writer.finish()
    with pytest.raises(errors.DataLossError, match='Invalid size in bundle entry: key v'):
        BundleReader(prefix).read('v')


# ------------------------------------------------------------------------------------------
# The table format.

def _table_bytes(items, **options):
    buf = io.BytesIO()
    writer = TableWriter(buf, **options)
    for key, value in items:
        writer.add(key, value)
    writer.finish()
    return buf.getvalue()


def test_table_round_trip_many_blocks():
    items = [(b'key/%06d/%s' % (i, b'x' * (i % 7)), b'v%d' % i * (i % 5)) for i in range(3000)]
    data = _table_bytes(items, block_size=512, restart_interval=4)
    assert struct.unpack('<Q', data[-8:])[0] == 0xdb4775248b80fb57
    reader = TableReader(data=data)
    assert reader.items() == items and len(reader) == 3000
    assert reader.get(items[1234][0]) == items[1234][1]
    assert reader.get(b'key/') is None and reader.get(b'zzz') is None
    assert reader.seek(b'key/002999')[0] == items[2999] and reader.seek(b'zzz') == []
    assert TableReader(data=_table_bytes([])).items() == []


def test_table_rejects_unsorted_keys():
    writer = TableWriter(io.BytesIO())
    writer.add(b'b', b'')
    with pytest.raises(ValueError):
        writer.add(b'a', b'')
    with pytest.raises(ValueError):
        writer.add(b'b', b'')


def test_table_index_separators():
    assert _shortest_separator(b'the quick brown fox', b'the who') == b'the r'
    assert _shortest_separator(b'abc', b'abcd') == b'abc'      # prefix: unchanged
    assert _shortest_separator(b'abc', b'abd') == b'abc'       # adjacent bytes: unchanged
    assert _shortest_separator(b'a\xff', b'b') == b'a\xff'
    assert _short_successor(b'abc') == b'b'
    assert _short_successor(b'\xff\xffz') == b'\xff\xff{'
    assert _short_successor(b'\xff') == b'\xff'


def _table_with_block(contents, block_type):
    """A one-data-block table whose block is stored as `contents` with the given type byte."""
    def framed(raw, kind):
        return raw + bytes((kind,)) + struct.pack('<I', crc32c.mask(crc32c.crc32c(raw + bytes((kind,)))))
    block = framed(contents, block_type)
    handle = encode_varint(0) + encode_varint(len(contents))
    index_contents = bytes((0, 1, len(handle))) + b'z' + handle + struct.pack('<II', 0, 1)
    index_block = framed(index_contents, 0)
    metaindex_handle = encode_varint(0) + encode_varint(0)  # (not read)
    index_handle = encode_varint(len(block)) + encode_varint(len(index_contents))
    footer = (metaindex_handle + index_handle).ljust(40, b'\0')
    return block + index_block + footer + struct.pack('<Q', 0xdb4775248b80fb57)


def test_table_snappy_block():
    writer = TableWriter(io.BytesIO())
    for i in range(20):
        writer.add(b'key%02d' % i, b'value' * 8)
    contents = writer._data_block.finish()  # the raw bytes of one data block
    try:
        import snappy
    except ImportError:
        snappy = None
    if snappy is None:
        with pytest.raises(errors.UnimplementedError, match='snappy'):
            TableReader(data=_table_with_block(contents, 1))
    else:
        reader = TableReader(data=_table_with_block(snappy.compress(contents), 1))
        assert reader.items() == [(b'key%02d' % i, b'value' * 8) for i in range(20)]
    with pytest.raises(errors.DataLossError, match='bad block type'):
        TableReader(data=_table_with_block(contents, 7))
    assert TableReader(data=_table_with_block(contents, 0)).get(b'key03') == b'value' * 8


# ------------------------------------------------------------------------------------------
# Tensor slice keys.

def test_slice_keys_match_tensorflow():
    index = TableReader(index_filename(os.path.join(GOLDEN, 'partitioned', 'model.ckpt')))
    keys = [k for k in index.keys() if k.startswith(b'\x00')]
    assert keys == [encode_tensor_name_slice('emb', [(s, 2), (0, 4)]) for s in (0, 2, 4)]
    assert decode_tensor_name_slice(keys[1]) == ('emb', [(2, 2), (0, 4)])


@pytest.mark.parametrize('number', [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -2 ** 13 - 1, 2 ** 31, -2 ** 40,
                                    2 ** 55 - 1, 2 ** 55, 2 ** 62, 2 ** 63 - 1, -2 ** 63])
def test_slice_key_numbers_round_trip(number):
    assert _read_ordered_signed(_ordered_signed(number), 0) == (number, len(_ordered_signed(number)))
    key = encode_tensor_name_slice(b'n\x00a\xffme', [(0, -1), (abs(number) // 2, abs(number) + 1)])
    assert key.startswith(b'\x00n\x00\xffa\xff\x00me\x00\x01\x01\x02\x80\x7f')  # 00/ff escaped, rank, 0, -1
    name, extents = decode_tensor_name_slice(key)
    assert name == 'n\x00a\\xffme'  # str names; undecodable bytes backslash-escaped
    assert extents == [(0, -1), (abs(number) // 2, abs(number) + 1)]


def test_ordered_code_examples():
    # The examples of tensorflow/core/lib/strings/ordered_code.cc.
    assert _ordered_signed(0x424242) == bytes.fromhex('f0424242')
    assert _ordered_signed(-0x800) == bytes.fromhex('3800')
    assert [len(_ordered_signed(n)) for n in (2 ** 55 - 1, 2 ** 55, 2 ** 63 - 1, -2 ** 55, -2 ** 55 - 1)] == [8, 9, 10, 8, 9]


def test_slice_key_number_order():
    # OrderedCode keeps numeric order under bytewise comparison.
    numbers = [-2 ** 63, -2 ** 40, -65, -64, -1, 0, 1, 63, 64, 8192, 2 ** 55, 2 ** 63 - 1]
    keys = [encode_tensor_name_slice('t', [(0, n)]) for n in numbers]
    assert keys == sorted(keys)


def test_parse_slice_spec():
    assert parse_slice_spec('0,2:-:3,4') == [(0, 2), (0, -1), (3, 4)]
    assert parse_slice_spec([(1, 2), (0, None)]) == [(1, 2), (0, -1)]
    with pytest.raises(errors.InvalidArgumentError):
        parse_slice_spec('0,2:x')


def test_insufficient_slices(tmp_path):
    prefix = str(tmp_path / 'x')
    with BundleWriter(prefix) as writer:
        writer.add_slice('p', [4, 2], '0,2:-', np.ones((2, 2)))
    with pytest.raises(errors.InvalidArgumentError, match='Does not have sufficient slices for partitioned tensor p'):
        BundleReader(prefix).read('p')


# ------------------------------------------------------------------------------------------
# The `checkpoint` state file.

def test_reads_golden_checkpoint_state():
    state = cs.read_checkpoint_state(os.path.join(GOLDEN, 'saver', 'checkpoint'))
    assert state.model_checkpoint_path == 'model.ckpt-7'
    assert list(state.all_model_checkpoint_paths) == ['model.ckpt-5', 'model.ckpt-7']
    d = os.path.join(GOLDEN, 'saver')
    full = cs.get_checkpoint_state(d)
    assert full.model_checkpoint_path == os.path.join(d, 'model.ckpt-7')
    assert list(full.all_model_checkpoint_paths) == [os.path.join(d, 'model.ckpt-5'), os.path.join(d, 'model.ckpt-7')]
    assert cs.latest_checkpoint(d) == os.path.join(d, 'model.ckpt-7')
    assert cs.checkpoint_exists(os.path.join(d, 'model.ckpt-5'))
    assert not cs.checkpoint_exists(os.path.join(d, 'model.ckpt-6'))


def test_writes_golden_checkpoint_state(tmp_path):
    # tf.train.Saver(save_relative_paths=True) with an absolute directory.
    d = str(tmp_path)
    cs.update_checkpoint_state_internal(d, os.path.join(d, 'model.ckpt-7'),
                                        [os.path.join(d, 'model.ckpt-5'), os.path.join(d, 'model.ckpt-7')],
                                        save_relative_paths=True)
    assert read_file(os.path.join(d, 'checkpoint')) == read_file(os.path.join(GOLDEN, 'saver', 'checkpoint'))
    assert os.listdir(d) == ['checkpoint']


def test_checkpoint_state_path_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir('ckpts')
    # Relative save_dir: relative paths are stored relative to it, absolute ones as given.
    cs.update_checkpoint_state('ckpts', 'ckpts/model-5', ['ckpts/model-3', '/abs/model-4'])
    state = cs.read_checkpoint_state('ckpts/checkpoint')
    assert state.model_checkpoint_path == 'model-5'
    assert list(state.all_model_checkpoint_paths) == ['model-3', '/abs/model-4', 'model-5']
    assert cs.get_checkpoint_state('ckpts').model_checkpoint_path == 'ckpts/model-5'
    # Absolute save_dir without save_relative_paths: absolute paths stay absolute.
    d = str(tmp_path / 'ckpts')
    cs.update_checkpoint_state(d, os.path.join(d, 'm-1'), latest_filename='state',
                               all_model_checkpoint_timestamps=[12.5], last_preserved_timestamp=3.25)
    state = cs.read_checkpoint_state(os.path.join(d, 'state'))
    assert state.model_checkpoint_path == os.path.join(d, 'm-1')
    assert list(state.all_model_checkpoint_timestamps) == [12.5] and state.last_preserved_timestamp == 3.25
    with pytest.raises(ValueError, match='must match checkpoint paths'):
        cs.generate_checkpoint_state_proto(d, 'a', ['a', 'b'], all_model_checkpoint_timestamps=[1.0])
    with pytest.raises(RuntimeError, match='conflicts with path used for checkpoint state'):
        cs.update_checkpoint_state(d, os.path.join(d, 'checkpoint'))
    caller_list = ['ckpts/a']
    cs.generate_checkpoint_state_proto('ckpts', 'ckpts/b', caller_list)
    assert caller_list == ['ckpts/a']


def test_checkpoint_state_missing_or_bad(tmp_path):
    d = str(tmp_path)
    assert cs.get_checkpoint_state(d) is None and cs.latest_checkpoint(d) is None
    with open(os.path.join(d, 'checkpoint'), 'w') as f:
        f.write('this is not { a proto')
    assert cs.get_checkpoint_state(d) is None
    with open(os.path.join(d, 'checkpoint'), 'w') as f:
        f.write('all_model_checkpoint_paths: "x"\n')
    with pytest.raises(ValueError, match='Invalid checkpoint state'):
        cs.get_checkpoint_state(d)
    cs.update_checkpoint_state(d, os.path.join(d, 'gone'))
    assert cs.latest_checkpoint(d) is None  # the state names a checkpoint whose files are missing


def test_remove_checkpoint_and_mtimes(tmp_path):
    prefix = str(tmp_path / 'model.ckpt-3')
    with BundleWriter(prefix) as writer:
        writer.add('v', np.zeros(1))
    open(prefix + '.meta', 'w').close()
    assert len(cs.get_checkpoint_mtimes([prefix, str(tmp_path / 'none')])) == 1
    cs.remove_checkpoint(prefix)
    assert os.listdir(tmp_path) == []
    assert cs.meta_graph_filename('m.ckpt-12-00001-of-00005') == 'm.ckpt-12.meta'
    assert cs.meta_graph_filename('m.ckpt-12', 'txt') == 'm.ckpt-12.txt'


# ------------------------------------------------------------------------------------------
# Against a real TensorFlow (run with an interpreter that has tensorflow).

@pytest.fixture(scope='module')
def real_tf():
    tf = pytest.importorskip('tensorflow.compat.v1')
    tf.disable_v2_behavior()
    return tf


def _tf_dtype_values():
    values = dict(GOLDEN_DTYPES)
    values.update({'layer1/weights': golden_saver(7)['layer1/weights'], 'global_step': np.array(3, np.int64)})
    return values


@pytest.mark.tf
def test_tensorflow_reads_sluice_checkpoint(tmp_path, real_tf):
    values = _tf_dtype_values()
    prefix = str(tmp_path / 'sluice.ckpt')
    with BundleWriter(prefix) as writer:
        for name, value in values.items():
            writer.add(name, value)
        for start in (0, 3):
            writer.add_slice('part', [5, 2], [(start, min(3, 5 - start)), (0, -1)],
                             np.arange(10.0).reshape(5, 2)[start:start + 3])
    reader = real_tf.train.NewCheckpointReader(prefix)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(list(values) + ['part'])
    for name, value in values.items():
        got = reader.get_tensor(name)
        if value.dtype == object:
            assert np.asarray(got, dtype=object).reshape(value.shape).tolist() == value.tolist()
        else:
            assert_same(np.asarray(got), value)
    assert_same(reader.get_tensor('part'), np.arange(10.0).reshape(5, 2))


@pytest.mark.tf
def test_sluice_reads_tensorflow_saver(tmp_path, real_tf):
    tf = real_tf
    values = {k: v for k, v in golden_saver(7).items()}
    graph = tf.Graph()
    with graph.as_default():
        for name, value in values.items():
            tf.Variable(value, name=name)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / 'tf.ckpt'), write_meta_graph=False)
    reader = BundleReader(prefix)
    for name, value in values.items():
        assert_same(reader.read(name), value)
    mine = str(tmp_path / 'mine')
    with BundleWriter(mine) as writer:
        for name in sorted(values):
            writer.add(name, values[name])
    assert same_files(mine, prefix) == (True, True)
    assert cs.latest_checkpoint(str(tmp_path)) == prefix


@pytest.mark.tf
def test_multi_block_index_matches_tensorflow(tmp_path, real_tf):
    tf = real_tf
    rng = np.random.RandomState(0)
    letters = np.frombuffer(b'abcdefghijklmnopqrstuvwxyz/_', np.uint8)
    names = ['%05d/%s' % (i, rng.choice(letters, 150 + i % 7).tobytes().decode()) for i in range(3500)]
    values = [np.array([i, -i], np.int32) for i in range(len(names))]
    prefix = str(tmp_path / 'tf_many')
    with tf.Graph().as_default(), tf.Session() as sess:
        sess.run(tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[''] * len(names),
                                   tensors=[tf.constant(v) for v in values]))
    mine = str(tmp_path / 'mine')
    with BundleWriter(mine) as writer:
        for name, value in zip(names, values):
            writer.add(name, value)
    assert len(read_file(index_filename(prefix))) > 2 * 262144  # several data blocks
    assert same_files(mine, prefix) == (True, True)


@pytest.mark.tf
@pytest.mark.parametrize('save_dir, path, paths, relative', [
    ('ckpts', 'ckpts/model-5', ['ckpts/model-3', 'ckpts/model-5'], False),
    ('ckpts', 'ckpts/model-5', ['other/model-3'], False),
    ('ABS', 'ABS/model-5', ['ABS/model-3'], False),
    ('ABS', 'ABS/model-5', ['ABS/model-3', 'ABS/model-5'], True),
    ('ABS', 'ABS/sub/model-5', [], True),  # (TF raises TypeError for None here; sluice takes None too)
])
def test_checkpoint_state_matches_tensorflow(tmp_path, monkeypatch, real_tf, save_dir, path, paths, relative):
    from tensorflow.python.checkpoint import checkpoint_management as tf_cm
    monkeypatch.chdir(tmp_path)
    fix = (lambda p: p.replace('ABS', str(tmp_path / 'abs')))
    save_dir, path = fix(save_dir), fix(path)
    paths = None if paths is None else [fix(p) for p in paths]
    for d in ('tf_side', 'sluice_side'):
        os.makedirs(d)
        os.makedirs(os.path.join(d, save_dir), exist_ok=True)
    monkeypatch.chdir(tmp_path / 'tf_side')
    tf_cm.update_checkpoint_state_internal(save_dir, path, None if paths is None else list(paths),
                                           save_relative_paths=relative)
    expected = read_file(os.path.join(save_dir, 'checkpoint'))
    tf_state = tf_cm.get_checkpoint_state(save_dir)
    monkeypatch.chdir(tmp_path / 'sluice_side')
    cs.update_checkpoint_state_internal(save_dir, path, paths, save_relative_paths=relative)
    assert read_file(os.path.join(save_dir, 'checkpoint')) == expected
    state = cs.get_checkpoint_state(save_dir)
    assert state.model_checkpoint_path == tf_state.model_checkpoint_path
    assert list(state.all_model_checkpoint_paths) == list(tf_state.all_model_checkpoint_paths)
    assert isinstance(state, CheckpointState)
