"""TFRecord files: CRC32C, framing, compression, errors, and files written by real TensorFlow.

Golden files in tests/data/tfrecord/ were written by TensorFlow 2.21 (`tf.io.TFRecordWriter`, see
make_golden.py there); the values below are the ones make_golden.py put in them.  Error
messages and which damaged files fail were recorded from the same TensorFlow's
tf.compat.v1.python_io.tf_record_iterator (TF 2.x appends "' failed with ..." to "truncated
record at N"; TF 1.x's message stops at the offset, as sluice's does).
"""
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

from sluice import python_io
from sluice.engine import errors
from sluice.io import crc32c as crc_module
from sluice.io import tfrecord
from sluice.io.protos import Example, SequenceExample

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'tfrecord')
GOLDEN = {'': 'examples.tfrecord', 'GZIP': 'examples.tfrecord.gz', 'ZLIB': 'examples.tfrecord.zlib'}
COMPRESSIONS = ['', 'GZIP', 'ZLIB']


def golden(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


def write(path, records, options=None):
    with python_io.TFRecordWriter(str(path), options) as writer:
        for record in records:
            writer.write(record)
    return path


def read(path, options=None):
    return list(python_io.tf_record_iterator(str(path), options))


# --- CRC32C -----------------------------------------------------------------------------

@pytest.fixture(params=['google-crc32c', 'crc32c', 'python'])
def crc_impl(request):
    """Runs a test with each C-backed package that is installed and with the fallback."""
    previous = crc_module.implementation()
    try:
        crc_module._load(request.param)
    except ImportError:
        pytest.skip('%s is not installed' % request.param)
    try:
        yield crc_module.crc32c
    finally:
        crc_module._load(previous)


# RFC 3720 (iSCSI) B.4 test vectors, plus the classic check value.
CRC_VECTORS = [
    (b'', 0),
    (b'123456789', 0xE3069283),
    (b'\x00' * 32, 0x8A9136AA),
    (b'\xff' * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
]


@pytest.mark.parametrize('data,expected', CRC_VECTORS)
def test_crc32c_known_vectors(crc_impl, data, expected):
    assert crc_impl(data) == expected


def test_crc32c_long_inputs_and_continuation(crc_impl):
    rng = np.random.RandomState(0)
    reference = crc_module._python_crc32c
    for n in [1, 7, 8, 9, 1023, 1024, 1025, 4097, 65536 + 3, 300001]:
        data = rng.randint(0, 256, n).astype(np.uint8).tobytes()
        whole = crc_impl(data)
        # the byte loop is the reference for the other paths
        c = 0xFFFFFFFF
        if n < 5000:
            for b in data:
                c = crc_module._TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
            assert whole == c ^ 0xFFFFFFFF
        cut = n // 3
        assert crc_impl(data[cut:], crc_impl(data[:cut])) == whole
        assert reference(data) == whole
    # any bytes-like object
    assert crc_impl(bytearray(b'123456789')) == 0xE3069283
    assert crc_impl(memoryview(b'123456789')) == 0xE3069283
    with pytest.raises(TypeError):
        crc_impl('123456789')


def test_masking():
    # masked crc of the 8 zero bytes that frame an empty record, as in TF's files
    assert crc_module.masked_crc32c(b'\x00' * 8) == 0x07980329
    for crc in [0, 1, 0xE3069283, 0xFFFFFFFF, 0x80000000]:
        masked = crc_module.mask(crc)
        assert masked != crc and 0 <= masked <= 0xFFFFFFFF
        assert crc_module.unmask(masked) == crc
    assert crc_module.mask(crc_module.mask(0xE3069283)) != crc_module.mask(0xE3069283)


def test_fallback_when_no_package_and_lazy_import(monkeypatch):
    code = ('import sys; import sluice.python_io; '
            'assert "google_crc32c" not in sys.modules and "crc32c" not in sys.modules; '
            'from sluice.io import crc32c; crc32c.crc32c(b"x"); print(crc32c.implementation())')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=root,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in ('google-crc32c', 'crc32c', 'python')
    previous = crc_module.implementation()
    monkeypatch.setitem(sys.modules, 'google_crc32c', None)  # import fails
    monkeypatch.setitem(sys.modules, 'crc32c', None)
    try:
        assert crc_module._load() == 'python'
        assert crc_module.crc32c(b'123456789') == 0xE3069283
    finally:
        monkeypatch.undo()
        crc_module._load(previous)


def test_records_with_the_python_crc_fallback(tmp_path):
    previous = crc_module.implementation()
    crc_module._load('python')
    try:
        records = [b'', b'x' * 3000, b'hello']
        path = write(tmp_path / 'f.tfrecord', records)
        assert read(path) == records
        assert read(os.path.join(DATA, GOLDEN[''])) == golden_records()
    finally:
        crc_module._load(previous)


# --- files written by TensorFlow --------------------------------------------------------

def golden_records():
    return list(tfrecord.RecordReader(os.path.join(DATA, GOLDEN[''])))


def feature_values(example, key):
    feature = example.features.feature[key]
    kind = feature.WhichOneof('kind')
    return kind, list(getattr(feature, kind).value)


@pytest.mark.parametrize('compression', COMPRESSIONS)
def test_reads_tensorflow_files(compression):
    records = read(os.path.join(DATA, GOLDEN[compression]), compression)
    assert records == golden_records()
    assert [len(r) for r in records] == [98, 51, 0]
    first, second, third = [Example.FromString(r) for r in records]
    assert feature_values(first, 'label') == ('int64_list', [1])
    assert feature_values(first, 'weights') == (
        'float_list', [0.5, -1.25, 3.0, float(np.float32(0.1))])
    assert feature_values(first, 'name') == ('bytes_list', [b'cat'])
    assert feature_values(first, 'ids') == ('int64_list', [-7, 0, 2 ** 40])
    assert sorted(second.features.feature) == ['label', 'name', 'weights']
    assert feature_values(second, 'label') == ('int64_list', [0])
    assert feature_values(second, 'weights') == ('float_list', [])
    assert feature_values(second, 'name') == ('bytes_list', [b'', b'\x00\xff'])
    assert third == Example()


def test_reads_tensorflow_sequence_example():
    (record,) = read(os.path.join(DATA, 'sequence.tfrecord'))
    seq = SequenceExample.FromString(record)
    assert list(seq.context.feature['length'].int64_list.value) == [2]
    tokens = seq.feature_lists.feature_list['tokens'].feature
    assert [list(f.bytes_list.value) for f in tokens] == [[b'a', b'b'], [b'c']]
    scores = seq.feature_lists.feature_list['scores'].feature
    assert [list(f.float_list.value) for f in scores] == [[1.5], [-2.0, 0.25]]


def test_writes_the_same_bytes_as_tensorflow(tmp_path):
    path = write(tmp_path / 'f.tfrecord', golden_records())
    assert path.read_bytes() == golden(GOLDEN[''])


@pytest.mark.parametrize('compression', ['GZIP', 'ZLIB'])
def test_compressed_files_match_tensorflow(tmp_path, compression):
    path = write(tmp_path / 'f', golden_records(), compression)
    wbits = 31 if compression == 'GZIP' else 15
    # the inflated streams are the uncompressed file exactly
    assert zlib.decompress(path.read_bytes(), wbits) == golden(GOLDEN[''])
    assert zlib.decompress(golden(GOLDEN[compression]), wbits) == golden(GOLDEN[''])
    if 'ng' in zlib.ZLIB_RUNTIME_VERSION:
        pytest.skip('zlib-ng deflates differently from the zlib TensorFlow ships')
    # same deflate settings as TF (level default, memLevel 9): same bytes with classic zlib
    assert path.read_bytes() == golden(GOLDEN[compression])


@pytest.mark.tf
@pytest.mark.parametrize('compression', COMPRESSIONS)
def test_tensorflow_reads_sluice_files(tmp_path, compression):
    tf = pytest.importorskip('tensorflow')
    records = [b'', b'a', os.urandom(100000), b'\x00' * 70000] + golden_records()
    path = write(tmp_path / 'f', records, compression)
    got = list(tf.compat.v1.io.tf_record_iterator(str(path), compression))
    assert got == records


# --- round trips ------------------------------------------------------------------------

def mixed_records(count=3000, seed=1):
    rng = np.random.RandomState(seed)
    sizes = rng.randint(0, 1200, count)
    sizes[::97] = 0
    return [rng.randint(0, 256, n).astype(np.uint8).tobytes() for n in sizes]


@pytest.mark.parametrize('options', [
    None, '', 'GZIP', 'ZLIB', python_io.TFRecordCompressionType.NONE,
    python_io.TFRecordCompressionType.GZIP, python_io.TFRecordCompressionType.ZLIB,
    python_io.TFRecordOptions('GZIP'), python_io.TFRecordOptions(compression_level=9,
                                                                 compression_type='ZLIB')])
def test_round_trip(tmp_path, options):
    records = mixed_records() + [b'', os.urandom(3 << 20), b'', b'end']  # 3 MiB > read chunk
    path = write(tmp_path / 'f', records, options)
    assert read(path, options) == records
    kind = python_io.TFRecordOptions.get_compression_type_string(options)
    head = path.read_bytes()[:2]
    assert (head == b'\x1f\x8b') == (kind == 'GZIP')
    assert (head == b'\x78\xda' if isinstance(options, python_io.TFRecordOptions)
            and options.compression_level == 9 else True)


def test_empty_file_and_empty_records(tmp_path):
    assert read(write(tmp_path / 'none', [])) == []
    assert (tmp_path / 'none').stat().st_size == 0
    assert read(write(tmp_path / 'zero', [b''] * 5)) == [b''] * 5
    assert (tmp_path / 'zero').stat().st_size == 5 * 16
    assert read(write(tmp_path / 'gz', [], 'GZIP'), 'GZIP') == []


def test_small_read_buffer_crosses_chunk_boundaries(tmp_path):
    records = mixed_records(800, seed=2) + [os.urandom(20000)]
    for compression in COMPRESSIONS:
        path = write(tmp_path / ('f' + compression), records, compression)
        reader = tfrecord.RecordReader(str(path), compression, buffer_size=4096)
        assert list(reader) == records
        reader.close()


def test_writer_accepts_str_and_buffers(tmp_path):
    path = write(tmp_path / 'f', ['h\u00e9', bytearray(b'ba'), memoryview(b'mv')])
    assert read(path) == ['h\u00e9'.encode('utf-8'), b'ba', b'mv']
    with python_io.TFRecordWriter(str(tmp_path / 'g')) as writer:
        for bad in (5, None):
            with pytest.raises(TypeError):
                writer.write(bad)


def test_writer_close_flush_and_errors(tmp_path):
    path = tmp_path / 'f'
    writer = python_io.TFRecordWriter(path)
    writer.write(b'abc')
    writer.flush()
    assert read(path) == [b'abc']
    writer.close()
    writer.close()  # idempotent, as TF
    with pytest.raises(errors.FailedPreconditionError, match='Writer is closed.'):
        writer.write(b'x')
    with pytest.raises(errors.FailedPreconditionError, match='Writer is closed.'):
        writer.flush()
    missing = str(tmp_path / 'no' / 'such' / 'dir')
    with pytest.raises(errors.NotFoundError) as info:
        python_io.TFRecordWriter(missing)
    assert str(info.value) == missing + '; No such file or directory'


def test_compressed_flush_makes_records_readable(tmp_path):
    path = tmp_path / 'f.gz'
    writer = python_io.TFRecordWriter(str(path), 'GZIP')
    writer.write(b'abc')
    writer.flush()
    # TF ends the deflate block with Z_PARTIAL_FLUSH: these are TF's bytes for this record
    assert path.read_bytes().hex() == '1f8b0800000000000003626680800d333df9129392f3c23f2a0204'
    assert read(path, 'GZIP') == [b'abc']
    writer.write(b'def')
    writer.close()
    assert read(path, 'GZIP') == [b'abc', b'def']


def test_options():
    get = python_io.TFRecordOptions.get_compression_type_string
    assert [get(o) for o in (None, '', 0, 1, 2, 'GZIP', 'ZLIB')] == [
        '', '', '', 'ZLIB', 'GZIP', 'GZIP', 'ZLIB']
    assert get(python_io.TFRecordOptions(python_io.TFRecordCompressionType.GZIP)) == 'GZIP'
    assert python_io.TFRecordOptions('GZIP').compression_type == 'GZIP'
    for bad in ('gzip', 'BZ', 3):
        with pytest.raises(ValueError, match='Not a valid compression_type: "%s"' % bad):
            get(bad)
    with pytest.raises(ValueError):
        python_io.tf_record_iterator(os.path.join(DATA, GOLDEN['']), 'BZ')
    assert python_io.TFRecordCompressionType.NONE == 0
    assert python_io.TFRecordCompressionType.ZLIB == 1
    assert python_io.TFRecordCompressionType.GZIP == 2
    assert sorted(python_io.__all__) == ['TFRecordCompressionType', 'TFRecordOptions',
                                         'TFRecordWriter', 'tf_record_iterator']


def test_iterator_open_errors_and_close(tmp_path):
    missing = str(tmp_path / 'missing')
    with pytest.raises(errors.NotFoundError) as info:
        python_io.tf_record_iterator(missing)  # raised at the call, as TF 2's iterator
    assert str(info.value) == missing + '; No such file or directory'
    path = write(tmp_path / 'f', [b'a', b'b'])
    iterator = python_io.tf_record_iterator(str(path))
    assert iter(iterator) is iterator
    assert next(iterator) == b'a'
    iterator.close()
    with pytest.raises(StopIteration):
        next(iterator)


# --- read_record: offsets, for the queue-based reader op --------------------------------

@pytest.mark.parametrize('compression', COMPRESSIONS)
def test_read_record_with_offsets(tmp_path, compression):
    records = [b'hello', b'', b'world!!'] + mixed_records(300, seed=3)
    path = write(tmp_path / 'f', records, compression)
    with tfrecord.RecordReader(str(path), compression, buffer_size=4096) as reader:
        offsets, offset = [], 0
        for expected in records:
            offsets.append(offset)
            data, offset = reader.read_record(offset)
            assert data == expected
        assert offsets[:4] == [0, 21, 37, 60]   # 12 + len + 4 per record
        with pytest.raises(errors.OutOfRangeError):
            reader.read_record(offset)
        for i in [200, 3, 150, 0, 302, 1]:     # random access, backwards included
            data, next_offset = reader.read_record(offsets[i])
            assert data == records[i]
            assert next_offset == offsets[i] + 16 + len(records[i])
        assert reader.offset == offsets[2]
        with pytest.raises(errors.OutOfRangeError):
            reader.read_record(offset + 1000)


# --- damaged files ----------------------------------------------------------------------

THREE = [b'hello', b'', b'world!!']   # records at offsets 0, 21, 37; file of 60 bytes


def damaged(tmp_path, edit):
    data = bytearray(write(tmp_path / 'ok', THREE).read_bytes())
    assert len(data) == 60
    data = edit(data)
    path = tmp_path / 'bad'
    path.write_bytes(bytes(data))
    return path


def flip(offset):
    def edit(data):
        data[offset] ^= 1
        return data
    return edit


def consume(path, options=None):
    got = []
    with pytest.raises(errors.DataLossError) as info:
        for record in python_io.tf_record_iterator(str(path), options):
            got.append(record)
    return str(info.value), got


@pytest.mark.parametrize('offset,message,before', [
    (0, 'corrupted record at 0 (Is this even a TFRecord file?)', []),     # length
    (8, 'corrupted record at 0 (Is this even a TFRecord file?)', []),     # length crc
    (12, 'corrupted record at 12', []),                                   # data
    (20, 'corrupted record at 12', []),                                   # data crc
    (21, 'corrupted record at 21', [b'hello']),
    (29, 'corrupted record at 21', [b'hello']),
    (33, 'corrupted record at 33', [b'hello']),                           # crc of empty data
    (38, 'corrupted record at 37', [b'hello', b'']),
    (50, 'corrupted record at 49', [b'hello', b'']),
])
def test_corrupted_records(tmp_path, offset, message, before):
    assert consume(damaged(tmp_path, flip(offset))) == (message, before)


@pytest.mark.parametrize('cut', [1, 4, 8, 11])
def test_truncated_record_is_data_loss(tmp_path, cut):
    path = damaged(tmp_path, lambda data: data[:-cut])
    assert consume(path) == ('truncated record at 37', [b'hello', b''])


@pytest.mark.parametrize('cut', [12, 15, 20, 23])
def test_partial_header_reads_as_end_of_file(tmp_path, cut):
    # TF reads the 12-byte header with one read; a short one is end of file, not an error
    path = damaged(tmp_path, lambda data: data[:-cut])
    assert read(path) == [b'hello', b'']


def test_length_past_end_of_file(tmp_path):
    def huge_length(data):
        header = struct.pack('<Q', 1 << 40)
        return data[:37] + header + struct.pack('<I', crc_module.masked_crc32c(header)) + data[49:]
    assert consume(damaged(tmp_path, huge_length)) == ('truncated record at 37', [b'hello', b''])


@pytest.mark.parametrize('compression', ['GZIP', 'ZLIB'])
def test_damaged_compressed_files(tmp_path, compression):
    records = [b'hello', b'', b'world!!' * 50]
    data = write(tmp_path / 'ok', records, compression).read_bytes()
    path = tmp_path / 'bad'
    path.write_bytes(data[:-3])  # stream trailer missing: TF reads every record
    assert read(path, compression) == records
    path.write_bytes(data[:len(data) // 2])
    assert consume(path, compression) == ('truncated record at 21', [b'hello'])
    path.write_bytes(data[:15] + bytes([data[15] ^ 0xFF]) + data[16:])
    assert consume(path, compression) == (
        'inflate() failed with error -3: invalid distance too far back', [])
    path.write_bytes(b'\x00' * 40)
    message = 'incorrect header check' if compression == 'GZIP' else 'unknown compression method'
    assert consume(path, compression) == ('inflate() failed with error -3: ' + message, [])


def test_concatenated_gzip_members(tmp_path):
    one = write(tmp_path / 'one', [b'a', b'bc'], 'GZIP').read_bytes()
    path = tmp_path / 'two'
    path.write_bytes(one + one)
    assert read(path, 'GZIP') == [b'a', b'bc', b'a', b'bc']
    path.write_bytes(one + b'xyzxyzxyzxyzxyz')
    assert consume(path, 'GZIP') == (
        'inflate() failed with error -3: incorrect header check', [b'a', b'bc'])
