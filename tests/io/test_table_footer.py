"""SSTable footers whose padding lost a zero byte: TF checks block handles against the file size,
so a table whose index block runs into the last 48 bytes still reads; sluice matches it."""
import struct

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.io import table


def _save(tmp_path):
    with tf.Graph().as_default():
        tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name='v')
        tf.Variable(3, name='w')
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return saver.save(sess, str(tmp_path / 'model'))


def _short_footer(path):
    """Rewrites the .index with a 47-byte footer: one padding zero gone.

    The reader's 48-byte window then starts on the last checksum byte of the index block; the
    footer is laid out so that byte reads as the metaindex offset (which TF never reads) and the
    index handle still lands on the index block.
    """
    data = open(path, 'rb').read()
    footer = data[-table.FOOTER_SIZE:]
    (_, pos) = table.decode_varint(footer, 0)
    (_, pos) = table.decode_varint(footer, pos)           # metaindex handle
    index_offset, pos = table.decode_varint(footer, pos)
    index_size, _ = table.decode_varint(footer, pos)
    body = data[:-table.FOOTER_SIZE]
    last = body[-1]
    # the metaindex offset varint starting at `last` ends at the first byte below 0x80
    handles = (b'' if last < 0x80 else b'\0') + b'\0' \
        + table.encode_varint(index_offset) + table.encode_varint(index_size)
    short = handles.ljust(table.FOOTER_SIZE - 9, b'\0') + struct.pack('<Q', table.MAGIC)
    open(path, 'wb').write(body + short)
    return len(short)


def test_short_footer_padding_reads(tmp_path):
    prefix = _save(tmp_path)
    assert _short_footer(prefix + '.index') == table.FOOTER_SIZE - 1
    reader = tf.train.NewCheckpointReader(prefix)
    np.testing.assert_array_equal(reader.get_tensor('v'), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert reader.get_tensor('w') == 3


def test_block_past_end_of_file_is_data_loss(tmp_path):
    prefix = _save(tmp_path)
    path = prefix + '.index'
    data = open(path, 'rb').read()
    footer = bytearray(data[-table.FOOTER_SIZE:])
    # the index handle's size grown so the block would end past the file
    (_, pos) = table.decode_varint(footer, 0)
    (_, pos) = table.decode_varint(footer, pos)
    index_offset, _ = table.decode_varint(footer, pos)
    handles = footer[:pos] + table.encode_varint(index_offset) + table.encode_varint(len(data))
    open(path, 'wb').write(data[:-table.FOOTER_SIZE] + bytes(handles).ljust(40, b'\0') + footer[40:])
    with pytest.raises(errors.DataLossError, match='truncated block read'):
        tf.train.NewCheckpointReader(prefix)


@pytest.mark.tf
def test_tensorflow_reads_short_footer_too(tmp_path):
    real_tf = pytest.importorskip('tensorflow.compat.v1')
    prefix = _save(tmp_path)
    _short_footer(prefix + '.index')
    reader = real_tf.train.NewCheckpointReader(prefix)
    np.testing.assert_array_equal(reader.get_tensor('v'), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert reader.get_tensor('w') == 3
