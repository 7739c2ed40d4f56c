"""tf.data's ops: exempt from the per-op forward/gradient records, each naming the tests that cover it.

Dataset ops output a variant (a host dataset value) and iterator ops a resource: neither can be fed
or fetched as an array, so the generic record (feed inputs, compare outputs with TF) does not apply.
They are checked as pipelines, element by element against TF compat.v1, in tests/data/.
"""
from op_records import EXEMPT

_DATASETS = 'a dataset op (variant output, not differentiable): pipelines checked against TF in tests/data/%s'
_ITERATORS = 'an iterator op (resource handle, host only): tests/data/test_iterators.py'

for _type, _test in {
        'TensorDataset': 'test_datasets.py', 'TensorSliceDataset': 'test_datasets.py',
        'RangeDataset': 'test_datasets.py', 'GeneratorDataset': 'test_datasets.py',
        'ZipDataset': 'test_datasets.py', 'ConcatenateDataset': 'test_datasets.py',
        'MapDataset': 'test_datasets.py', 'ParallelMapDataset': 'test_datasets.py',
        'MapAndBatchDataset': 'test_datasets.py', 'FlatMapDataset': 'test_datasets.py',
        'InterleaveDataset': 'test_datasets.py', 'FilterDataset': 'test_datasets.py',
        'BatchDatasetV2': 'test_datasets.py', 'PaddedBatchDatasetV2': 'test_datasets.py',
        'UnbatchDataset': 'test_datasets.py', 'ShuffleDataset': 'test_datasets.py',
        'ShuffleAndRepeatDataset': 'test_datasets.py', 'RepeatDataset': 'test_datasets.py',
        'TakeDataset': 'test_datasets.py', 'SkipDataset': 'test_datasets.py',
        'PrefetchDataset': 'test_datasets.py', 'CacheDataset': 'test_datasets.py',
        'IgnoreErrorsDataset': 'test_datasets.py', 'TFRecordDataset': 'test_file_datasets.py',
        'TextLineDataset': 'test_file_datasets.py', 'FixedLengthRecordDatasetV2': 'test_file_datasets.py'}.items():
    EXEMPT[_type] = _DATASETS % _test

EXEMPT['DatasetToSingleElement'] = ('takes a dataset (a variant input that cannot be fed): '
                                     'tests/data/test_datasets.py::test_get_single_element')

for _type in ('IteratorV2', 'OneShotIterator', 'MakeIterator', 'IteratorGetNext', 'IteratorToStringHandle',
              'IteratorFromStringHandleV2'):
    EXEMPT[_type] = _ITERATORS
