"""tf.data's file datasets: TFRecordDataset, TextLineDataset, FixedLengthRecordDataset (TF 1.15).

Each reads its files in order, one element (a scalar string) per record or line. With
`num_parallel_reads`, the files are interleaved one record at a time, `num_parallel_reads` files
open at once (TF's deterministic parallel interleave order).
"""
from sluice.data.dataset_ops import DatasetV1
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.tensor_shape import TensorShape

_DEFAULT_BUFFER = 256 * 1024


def _filenames(filenames):
    t = _graph.convert_to_tensor(filenames, dtype=dtypes.string, name='filenames')
    if t.shape.ndims not in (None, 0, 1):
        raise TypeError('`filenames` must be a `tf.Tensor` of `tf.string` of rank 0 or 1.')
    return t


def _string(value, name):
    return _graph.convert_to_tensor('' if value is None else value, dtype=dtypes.string, name=name)


def _int64(value, default, name):
    return _graph.convert_to_tensor(default if value is None else value, dtype=dtypes.int64, name=name)


def _element_attrs():
    return {'output_types': [dtypes.string], 'output_shapes': [TensorShape([])]}


class _FileDataset(DatasetV1):
    def __init__(self, filenames, num_parallel_reads, one_file):
        filenames = _filenames(filenames)
        if num_parallel_reads is None:
            variant = one_file(filenames)
        else:
            files = DatasetV1.from_tensor_slices(filenames if filenames.shape.ndims == 1 else [filenames])
            per_file = files.interleave(lambda name: DatasetV1(one_file(name), dtypes.string, TensorShape([])),
                                        cycle_length=num_parallel_reads, block_length=1)
            variant = per_file._variant_tensor
        super().__init__(variant, dtypes.string, TensorShape([]))


class TFRecordDataset(_FileDataset):
    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        def one_file(names):
            inputs = [names, _string(compression_type, 'compression_type'),
                      _int64(buffer_size, _DEFAULT_BUFFER, 'buffer_size')]
            return op_builder.output('TFRecordDataset', inputs, _element_attrs())
        super().__init__(filenames, num_parallel_reads, one_file)


class TextLineDataset(_FileDataset):
    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        def one_file(names):
            inputs = [names, _string(compression_type, 'compression_type'),
                      _int64(buffer_size, _DEFAULT_BUFFER, 'buffer_size')]
            return op_builder.output('TextLineDataset', inputs, _element_attrs())
        super().__init__(filenames, num_parallel_reads, one_file)


class FixedLengthRecordDataset(_FileDataset):
    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
                 compression_type=None, num_parallel_reads=None):
        def one_file(names):
            inputs = [names, _int64(header_bytes, 0, 'header_bytes'), _int64(record_bytes, 0, 'record_bytes'),
                      _int64(footer_bytes, 0, 'footer_bytes'), _int64(buffer_size, _DEFAULT_BUFFER, 'buffer_size'),
                      _string(compression_type, 'compression_type')]
            return op_builder.output('FixedLengthRecordDatasetV2', inputs, _element_attrs())
        super().__init__(filenames, num_parallel_reads, one_file)
