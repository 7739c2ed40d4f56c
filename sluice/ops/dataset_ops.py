"""The graph ops of tf.data: dataset ops (a `variant` output) and iterator ops (TF 1.15's names).

A dataset op's output is a scalar `variant` whose value, in a run, is a host dataset value made by
its kernel (sluice/kernels/dataset_kernels.py) from the input dataset values and the op's tensor
arguments; functions (map's `f`, filter's `predicate`, ...) are FuncGraph attrs planned once by the
kernel builder. Every dataset op carries its element's flat `output_types` and `output_shapes`.

Iterator ops: `IteratorV2` / `OneShotIterator` output a `resource` handle whose value is the
session's iterator state; `MakeIterator` (re)starts it on a dataset value; `IteratorGetNext` takes
the next element (OutOfRangeError "End of sequence" at the end); `IteratorToStringHandle` and
`IteratorFromStringHandleV2` give the feedable iterator's string handles. All have CPU kernels only,
as TF's, so iterators and their threads live on the host.
"""
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_op

_ELEMENT = {'output_types': 'list(type)', 'output_shapes': 'list(shape)'}


def _scalar(op):
    return [tensor_shape.TensorShape([])]


def _element_shapes(op):
    return [tensor_shape.as_shape(s) for s in op._attrs['output_shapes']]


def _no_outputs(op):
    return []


def _dataset(op_type, inputs, attrs=None):
    register_op(op_type, inputs=inputs, outputs=['handle: variant'], attrs=dict(_ELEMENT, **(attrs or {})),
                shape_fn=_scalar)
    no_gradient(op_type)


_FUNC = {'f': 'func', 'Targuments': 'list(type)'}

# -- sources --
_dataset('TensorDataset', ['components: Toutput_types'], {'Toutput_types': 'list(type)'})
_dataset('TensorSliceDataset', ['components: Toutput_types'], {'Toutput_types': 'list(type)'})
_dataset('RangeDataset', ['start: int64', 'stop: int64', 'step: int64'])
_dataset('GeneratorDataset', ['args: Targuments'], {'generator_token': 'string', 'Targuments': 'list(type)'})
_dataset('TFRecordDataset', ['filenames: string', 'compression_type: string', 'buffer_size: int64'])
_dataset('TextLineDataset', ['filenames: string', 'compression_type: string', 'buffer_size: int64'])
_dataset('FixedLengthRecordDatasetV2', ['filenames: string', 'header_bytes: int64', 'record_bytes: int64',
                                        'footer_bytes: int64', 'buffer_size: int64', 'compression_type: string'])
# -- combining --
_dataset('ZipDataset', ['input_datasets: N * variant'], {'N': 'int'})
_dataset('ConcatenateDataset', ['input_dataset: variant', 'another_dataset: variant'])
# -- functions --
_dataset('MapDataset', ['input_dataset: variant', 'other_arguments: Targuments'],
         dict(_FUNC, use_inter_op_parallelism=('bool', True), preserve_cardinality=('bool', False)))
_dataset('ParallelMapDataset', ['input_dataset: variant', 'other_arguments: Targuments', 'num_parallel_calls: int32'],
         dict(_FUNC, use_inter_op_parallelism=('bool', True), sloppy=('bool', False),
              preserve_cardinality=('bool', False)))
_dataset('MapAndBatchDataset', ['input_dataset: variant', 'other_arguments: Targuments', 'batch_size: int64',
                                'num_parallel_calls: int64', 'drop_remainder: bool'],
         dict(_FUNC, preserve_cardinality=('bool', False)))
_dataset('FlatMapDataset', ['input_dataset: variant', 'other_arguments: Targuments'], _FUNC)
_dataset('InterleaveDataset', ['input_dataset: variant', 'other_arguments: Targuments', 'cycle_length: int64',
                               'block_length: int64'], _FUNC)
_dataset('FilterDataset', ['input_dataset: variant', 'other_arguments: Targuments'],
         {'predicate': 'func', 'Targuments': 'list(type)'})
# -- batching, order, counts --
_dataset('BatchDatasetV2', ['input_dataset: variant', 'batch_size: int64', 'drop_remainder: bool'])
_dataset('PaddedBatchDatasetV2', ['input_dataset: variant', 'batch_size: int64', 'padded_shapes: N * int64',
                                  'padding_values: Toutput_types', 'drop_remainder: bool'],
         {'Toutput_types': 'list(type)', 'N': 'int'})
_dataset('UnbatchDataset', ['input_dataset: variant'])
_dataset('ShuffleDataset', ['input_dataset: variant', 'buffer_size: int64', 'seed: int64', 'seed2: int64'],
         {'reshuffle_each_iteration': ('bool', True)})
_dataset('ShuffleAndRepeatDataset', ['input_dataset: variant', 'buffer_size: int64', 'seed: int64',
                                     'seed2: int64', 'count: int64'])
_dataset('RepeatDataset', ['input_dataset: variant', 'count: int64'])
_dataset('TakeDataset', ['input_dataset: variant', 'count: int64'])
_dataset('SkipDataset', ['input_dataset: variant', 'count: int64'])
_dataset('PrefetchDataset', ['input_dataset: variant', 'buffer_size: int64'])
_dataset('CacheDataset', ['input_dataset: variant', 'filename: string'])
_dataset('IgnoreErrorsDataset', ['input_dataset: variant'])

register_op('DatasetToSingleElement', inputs=['dataset: variant'], outputs=['components: output_types'],
            attrs=dict(_ELEMENT), shape_fn=_element_shapes, is_stateful=True)
no_gradient('DatasetToSingleElement')

# -- iterators --
_ITERATOR = dict(_ELEMENT, shared_name=('string', ''), container=('string', ''))
register_op('IteratorV2', outputs=['handle: resource'], attrs=_ITERATOR, shape_fn=_scalar, is_stateful=True)
register_op('OneShotIterator', inputs=['dataset: variant'], outputs=['handle: resource'], attrs=_ITERATOR,
            shape_fn=_scalar, is_stateful=True)
register_op('MakeIterator', inputs=['dataset: variant', 'iterator: resource'], shape_fn=_no_outputs,
            is_stateful=True)
register_op('IteratorGetNext', inputs=['iterator: resource'], outputs=['components: output_types'],
            attrs=dict(_ELEMENT), shape_fn=_element_shapes, is_stateful=True)
register_op('IteratorToStringHandle', inputs=['resource_handle: resource'], outputs=['string_handle: string'],
            shape_fn=_scalar, is_stateful=True)
register_op('IteratorFromStringHandleV2', inputs=['string_handle: string'], outputs=['resource_handle: resource'],
            attrs={'output_types': ('list(type)', []), 'output_shapes': ('list(shape)', [])}, shape_fn=_scalar,
            is_stateful=True)
for _type in ('IteratorV2', 'OneShotIterator', 'MakeIterator', 'IteratorGetNext', 'IteratorToStringHandle',
              'IteratorFromStringHandleV2'):
    no_gradient(_type)
