"""The graph ops of tf.data.experimental's grouping, scan and directed-interleave transformations
and its random source (TF 1.15's names and attrs, so graphs travel).

GroupByWindowDataset: `key_func(element)` (an int64 scalar) picks a group; the first element of a
group asks `window_size_func(key)`; a group reaching its window size becomes a window dataset
handed to `reduce_func(key, window)`, whose dataset's elements come out; at the input's end the
groups left are reduced in increasing key order. ScanDataset: `f(state, element)` returns
(new state, output). DirectedInterleaveDataset: each selector element i takes the next element of
data input i. RandomDataset: int64 values without end from (seed, seed2). All are host ops with
CPU kernels only (sluice/kernels/dataset_grouping.py); none has a gradient.
"""
from sluice.ops import dataset_ops as _dataset_ops  # noqa: F401  (the base dataset ops come first)
from sluice.ops.dataset_ops import _dataset

_dataset('GroupByWindowDataset',
         ['input_dataset: variant', 'key_func_other_arguments: Tkey_func_other_arguments',
          'reduce_func_other_arguments: Treduce_func_other_arguments',
          'window_size_func_other_arguments: Twindow_size_func_other_arguments'],
         {'key_func': 'func', 'reduce_func': 'func', 'window_size_func': 'func',
          'Tkey_func_other_arguments': 'list(type)', 'Treduce_func_other_arguments': 'list(type)',
          'Twindow_size_func_other_arguments': 'list(type)'})
_dataset('ScanDataset', ['input_dataset: variant', 'initial_state: Tstate', 'other_arguments: Targuments'],
         {'f': 'func', 'Tstate': 'list(type)', 'Targuments': 'list(type)',
          'preserve_cardinality': ('bool', False), 'use_default_device': ('bool', True)})
_dataset('DirectedInterleaveDataset', ['selector_input_dataset: variant', 'data_input_datasets: N * variant'],
         {'N': 'int'})
_dataset('RandomDataset', ['seed: int64', 'seed2: int64'])
