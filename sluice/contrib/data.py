"""tf.contrib.data (TF 1.15): the tf.data.experimental transformations under their contrib names,
and the tf.data classes TF 1.x programs reach through contrib."""
from sluice.data import Dataset, FixedLengthRecordDataset, Iterator, TextLineDataset, TFRecordDataset  # noqa: F401
from sluice.data.experimental import (AUTOTUNE, get_output_classes, get_output_shapes, get_output_types,  # noqa: F401
                                      ignore_errors, map_and_batch, parallel_interleave, shuffle_and_repeat, unbatch)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.data')
