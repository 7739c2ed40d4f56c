"""tf.contrib.data (TF 1.15): the tf.data.experimental transformations under their contrib names, the
contrib-only batch_and_drop_remainder and sloppy_interleave, and the classes TF 1.3/1.4 programs
still reach through contrib (Dataset, Iterator, TFRecordDataset, ...)."""
from sluice.data import Dataset, FixedLengthRecordDataset, Iterator, TextLineDataset, TFRecordDataset  # noqa: F401
from sluice.data.experimental import (AUTOTUNE, Counter, enumerate_dataset, get_output_classes,  # noqa: F401
                                      get_output_shapes, get_output_types, get_single_element, ignore_errors,
                                      map_and_batch, parallel_interleave, shuffle_and_repeat, unbatch)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.data')


def batch_and_drop_remainder(batch_size):
    return lambda dataset: dataset.batch(batch_size, drop_remainder=True)


def padded_batch_and_drop_remainder(batch_size, padded_shapes, padding_values=None):
    return lambda dataset: dataset.padded_batch(batch_size, padded_shapes, padding_values, drop_remainder=True)


def sloppy_interleave(map_func, cycle_length, block_length=1):
    """parallel_interleave(sloppy=True): sluice produces the deterministic order, one of those TF allows."""
    return parallel_interleave(map_func, cycle_length, block_length, sloppy=True)
