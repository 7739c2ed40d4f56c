"""tf.data (TF 1.15): Dataset, Iterator, the file datasets and tf.data.experimental.

Datasets are graph ops whose kernels iterate on the host (sluice/kernels/dataset_*.py); see
dataset_ops.py for how a Dataset becomes ops and iterator_ops.py for the iterators.
"""
from sluice.kernels import dataset_kernels as _dataset_kernels, iterator_kernels as _iterator_kernels  # noqa: F401
from sluice.ops import dataset_ops as _dataset_ops  # noqa: F401  (registers the dataset and iterator ops)
from sluice.data import experimental
from sluice.data.dataset_ops import AUTOTUNE, Dataset, DatasetV1  # noqa: F401
from sluice.data.iterator_ops import (Iterator, get_output_classes, get_output_shapes, get_output_types,  # noqa: F401
                                      make_initializable_iterator, make_one_shot_iterator)
from sluice.data.options import Options
from sluice.data.readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__all__ = ['Dataset', 'Iterator', 'Options', 'TFRecordDataset', 'TextLineDataset', 'FixedLengthRecordDataset',
           'experimental', 'make_one_shot_iterator', 'make_initializable_iterator']

__getattr__ = _namespace_getattr(__name__, 'tf.data')
