"""tf.data.experimental's dataset ops: exempt from the per-op records (a variant output cannot be fed or
fetched as an array); each names the pipeline tests that check it against TF compat.v1."""
from op_records import EXEMPT

_GROUPING = 'a dataset op (variant output, not differentiable): pipelines checked in tests/data/%s'

for _type, _test in {'GroupByWindowDataset': 'test_grouping_sampling.py', 'ScanDataset': 'test_grouping_sampling.py',
                     'DirectedInterleaveDataset': 'test_grouping_sampling.py',
                     'RandomDataset': 'test_grouping_sampling.py (seeded streams and frequencies)',
                     'CSVDataset': 'test_csv_dataset.py'}.items():
    EXEMPT[_type] = _GROUPING % _test

EXEMPT['ParseSingleSequenceExample'] = ('its input is a serialized SequenceExample proto, not a generic tensor, '
                                        'and it has no gradient: checked against TF in '
                                        'tests/data/test_sequence_example.py')
