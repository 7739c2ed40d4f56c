"""Kernels of the dataset ops: each run makes the op's host dataset value from its inputs.

A dataset kernel returns a DatasetValue (dataset_sources.py states the protocol) built from the
input dataset values and its tensor arguments, so a dataset that reads placeholders takes their
values when the run that initializes an iterator evaluates it. Function attrs (map's `f`, filter's
`predicate`, flat_map's and interleave's `f`) are planned once per plan by the builder
(engine/functions.FunctionPlan) and called per element, from whichever thread iterates (frames
are per thread). A map function is *vectorized* when every node of its graph is safe to run on a
batch of elements at once (`_batchable`): elementwise ops whose unbatched operands have no more
dimensions than the batched ones, Cast, Identity, DecodeRaw and ParseExampleV2 of dense features;
batch then runs it once per batch (dataset_batching.py). Dataset ops have CPU kernels only.
"""
import numpy as np

from sluice.engine import errors
from sluice.engine import functions
from sluice.kernels import dataset_batching as batching
from sluice.kernels import dataset_sources as sources
from sluice.kernels import dataset_transforms as transforms
from sluice.kernels.registry import register_kernel
from sluice.ops.elementwise import ROWS as _ELEMENTWISE

_CPU = ('CPU',)


def _dataset_kernel(op_type):
    return register_kernel(op_type, devices=_CPU, fresh_output=True)


def string_fixer(dtypes):
    """A function making the string components of an element arrays (a row of a string array is bytes)."""
    positions = [i for i, d in enumerate(dtypes) if d.as_numpy_dtype == object]
    if not positions:
        return None

    def fix(element):
        element = list(element)
        for i in positions:
            v = element[i]
            if not isinstance(v, np.ndarray):
                a = np.empty((), dtype=object)
                a[()] = v
                element[i] = a
        return element
    return fix


def _function(op, ctx, attr):
    """fn(element) -> result tuple for the function attr `attr`; its captured inputs come at run time."""
    fg = op.get_attr(attr)
    plan = functions.FunctionPlan(ctx, fg)
    n_element = len(fg.inputs) - len(op.get_attr('Targuments'))  # the rest are captured tensors
    fix = string_fixer([t.dtype for t in fg.inputs[:n_element]])

    def bind(captured):
        captured = list(captured)

        def fn(element):
            return tuple(plan((fix(element) if fix else list(element)) + captured))
        return fn
    return bind, fg, n_element


# -- which function graphs run on whole batches --------------------------------------------------------------
_BATCHABLE_TYPES = ('Cast', 'Identity', 'StopGradient', 'DecodeRaw', 'ParseExampleV2')


def _batchable(fg, n_element):
    """True when running `fg` on batched element args gives the batch of its per-element results."""
    batched = set(fg.inputs[:n_element])
    rank = {}
    for t in fg.inputs[:n_element]:
        rank[t] = t.shape.ndims
        if t.shape.ndims is None:
            return False
    for op in fg.get_operations():
        kind = op.type
        if kind in ('_Arg', 'Const'):
            continue
        if kind == '_Retval':
            if op._inputs[0] not in batched:
                return False
            continue
        ins = [t for t in op._inputs if t in batched]
        if op._control_inputs or op._op_def.is_stateful or not ins:
            return False
        if kind in _ELEMENTWISE:
            ranks = {t.shape.ndims for t in ins}
            others = [t.shape.ndims for t in op._inputs if t not in batched]
            if len(ranks) != 1 or None in others or any(r > min(ranks) for r in others):
                return False
        elif kind == 'ParseExampleV2':
            if (op._inputs[0] not in batched or len(ins) != 1 or op._attrs['num_sparse']
                    or op._attrs['ragged_value_types'] or op._inputs[0].shape.ndims != 0
                    or not all(s.is_fully_defined() for s in op._attrs['dense_shapes'])):
                return False
        elif kind == 'DecodeRaw':
            if op._inputs[0].shape.ndims != 0:
                return False
        elif kind not in _BATCHABLE_TYPES:
            return False
        batched.update(op._outputs)
    return True


# -- sources ---------------------------------------------------------------------------------------------------
@_dataset_kernel('TensorDataset')
def tensor_dataset(op, ctx):
    return lambda *components: sources.TensorsValue(components)


@_dataset_kernel('TensorSliceDataset')
def tensor_slice_dataset(op, ctx):
    return lambda *components: sources.SlicesValue(components)


@_dataset_kernel('RangeDataset')
def range_dataset(op, ctx):
    return lambda start, stop, step: sources.RangeValue(start, stop, step)


@_dataset_kernel('GeneratorDataset')
def generator_dataset(op, ctx):
    from sluice.data import generators
    spec = generators.lookup(op.get_attr('generator_token'))
    types = [d.as_numpy_dtype for d in op.get_attr('output_types')]
    shapes = [s.as_list() if s.ndims is not None else None for s in op.get_attr('output_shapes')]
    return lambda *args: sources.GeneratorValue(spec, types, shapes, args)


@_dataset_kernel('TFRecordDataset')
def tfrecord_dataset(op, ctx):
    return sources.TFRecordValue


@_dataset_kernel('TextLineDataset')
def text_line_dataset(op, ctx):
    return sources.TextLineValue


@_dataset_kernel('FixedLengthRecordDatasetV2')
def fixed_length_record_dataset(op, ctx):
    return sources.FixedLengthRecordValue


@_dataset_kernel('ZipDataset')
def zip_dataset(op, ctx):
    return lambda *inputs: sources.ZipValue(inputs)


@_dataset_kernel('ConcatenateDataset')
def concatenate_dataset(op, ctx):
    return sources.ConcatenateValue


# -- functions -------------------------------------------------------------------------------------------------
@_dataset_kernel(('MapDataset', 'ParallelMapDataset'))
def map_dataset(op, ctx):
    bind, fg, n_element = _function(op, ctx, 'f')
    vectorized = _batchable(fg, n_element)
    n_captured = len(op.get_attr('Targuments'))

    def run(input_value, *args):
        captured = args[:n_captured]
        parallel = int(args[n_captured]) if len(args) > n_captured else 1
        return transforms.MapValue(input_value, bind(captured), vectorized, parallel)
    return run


@_dataset_kernel('MapAndBatchDataset')
def map_and_batch_dataset(op, ctx):
    bind, fg, n_element = _function(op, ctx, 'f')
    vectorized = _batchable(fg, n_element)
    n_out = len(op.get_attr('output_types'))

    def run(input_value, *args):
        captured, (batch_size, parallel, drop) = args[:-3], args[-3:]
        mapped = transforms.MapValue(input_value, bind(captured), vectorized, parallel)
        return batching.BatchValue(mapped, batch_size, drop, n_out)
    return run


@_dataset_kernel('FilterDataset')
def filter_dataset(op, ctx):
    bind, _, _ = _function(op, ctx, 'predicate')

    def run(input_value, *captured):
        fn = bind(captured)
        return transforms.FilterValue(input_value, lambda element: bool(fn(element)[0]))
    return run


@_dataset_kernel('FlatMapDataset')
def flat_map_dataset(op, ctx):
    bind, _, _ = _function(op, ctx, 'f')

    def run(input_value, *captured):
        fn = bind(captured)
        return transforms.FlatMapValue(input_value, lambda element: fn(element)[0])
    return run


@_dataset_kernel('InterleaveDataset')
def interleave_dataset(op, ctx):
    bind, _, _ = _function(op, ctx, 'f')

    def run(input_value, *args):
        captured, (cycle_length, block_length) = args[:-2], args[-2:]
        fn = bind(captured)
        return transforms.InterleaveValue(input_value, lambda element: fn(element)[0], cycle_length, block_length)
    return run


@_dataset_kernel('IgnoreErrorsDataset')
def ignore_errors_dataset(op, ctx):
    return transforms.IgnoreErrorsValue


# -- batching, order, counts -----------------------------------------------------------------------------------
@_dataset_kernel('BatchDatasetV2')
def batch_dataset(op, ctx):
    n = len(op.get_attr('output_types'))
    return lambda input_value, batch_size, drop: batching.BatchValue(input_value, batch_size, drop, n)


@_dataset_kernel('PaddedBatchDatasetV2')
def padded_batch_dataset(op, ctx):
    n = len(op.get_attr('output_types'))

    def run(input_value, batch_size, *args):
        shapes, values, drop = args[:n], args[n:2 * n], args[-1]
        return batching.PaddedBatchValue(input_value, batch_size, shapes, values, drop)
    return run


@_dataset_kernel('UnbatchDataset')
def unbatch_dataset(op, ctx):
    return batching.UnbatchValue


@_dataset_kernel('ShuffleDataset')
def shuffle_dataset(op, ctx):
    reshuffle = op.get_attr('reshuffle_each_iteration')
    return lambda input_value, size, seed, seed2: transforms.ShuffleValue(input_value, size, seed, seed2, reshuffle)


@_dataset_kernel('ShuffleAndRepeatDataset')
def shuffle_and_repeat_dataset(op, ctx):
    def run(input_value, size, seed, seed2, count):
        return transforms.RepeatValue(transforms.ShuffleValue(input_value, size, seed, seed2, True), count)
    return run


@_dataset_kernel('RepeatDataset')
def repeat_dataset(op, ctx):
    return transforms.RepeatValue


@_dataset_kernel('TakeDataset')
def take_dataset(op, ctx):
    return transforms.TakeValue


@_dataset_kernel('SkipDataset')
def skip_dataset(op, ctx):
    return transforms.SkipValue


@_dataset_kernel('PrefetchDataset')
def prefetch_dataset(op, ctx):
    return batching.PrefetchValue


@register_kernel('DatasetToSingleElement', devices=_CPU, multi_output=True)
def dataset_to_single_element(op, ctx):
    fix = string_fixer(op.get_attr('output_types'))

    def run(value):
        it = value.iterate()
        try:
            first = next(it, None)
            if first is None:
                raise errors.error_for_op(errors.InvalidArgumentError, op, 'Dataset was empty.')
            if type(first) is sources.ElementError:
                raise first.error
            if next(it, None) is not None:
                raise errors.error_for_op(errors.InvalidArgumentError, op, 'Dataset had more than one element.')
        finally:
            it.close()
        return tuple(fix(first)) if fix else tuple(first)
    return run


@_dataset_kernel('CacheDataset')
def cache_dataset(op, ctx):
    def run(input_value, filename):
        name = filename.item() if isinstance(filename, np.ndarray) else filename
        if name:
            from sluice.kernels import dataset_cache
            return dataset_cache.FileCacheValue(input_value, name)
        return batching.CacheValue(input_value)
    return run
