"""tf.data.experimental (TF 1.15), the basics: AUTOTUNE, shuffle_and_repeat, map_and_batch,
parallel_interleave, ignore_errors, unbatch, Counter, enumerate_dataset, get_single_element and the
structure accessors. Other names raise
AttributeError saying sluice does not implement them yet.
"""
from sluice.data import structure as nest
from sluice.data.dataset_ops import AUTOTUNE, _int64, _trace
from sluice.data.iterator_ops import get_output_classes, get_output_shapes, get_output_types  # noqa: F401
from sluice.data.options import Options  # noqa: F401
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import random_ops
from sluice.unimplemented import namespace_getattr

__getattr__ = namespace_getattr(__name__, 'tf.data.experimental')


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """shuffle(buffer_size, seed) then repeat(count), reshuffling each epoch (ShuffleAndRepeatDataset)."""
    def apply(dataset):
        seed1, seed2 = random_ops.get_seed(seed)
        args = [_int64(buffer_size, 'buffer_size'), _int64(seed1 or 0, 'seed'), _int64(seed2 or 0, 'seed2'),
                _int64(-1 if count is None else count, 'count')]
        return dataset._derive('ShuffleAndRepeatDataset', args, dataset.output_types, dataset.output_shapes)
    return apply


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None):
    """map(map_func) then batch(batch_size) as one op (MapAndBatchDataset)."""
    if num_parallel_batches is not None and num_parallel_calls is not None:
        raise ValueError('The `num_parallel_batches` and `num_parallel_calls` arguments are mutually exclusive.')
    parallel = num_parallel_calls if num_parallel_calls is not None else (num_parallel_batches or 1)

    def apply(dataset):
        fg, flat, structure, external = _trace(map_func, dataset.output_types, dataset.output_shapes,
                                               'Dataset_map')
        size = _int64(batch_size, 'batch_size')
        drop = _graph.convert_to_tensor(drop_remainder, dtype=dtypes.bool, name='drop_remainder')
        from sluice.ops.shape_fns import constant_value
        known = constant_value(size) if drop_remainder is True else None
        dim = None if known is None else int(known)
        types = nest.map_structure(lambda t: t.dtype.base_dtype, structure)
        shapes = nest.map_structure(lambda t: t.shape, structure)
        from sluice.engine.tensor_shape import TensorShape
        shapes = nest.map_structure(lambda s: TensorShape([dim]).concatenate(s), shapes)
        attrs = {'f': fg, 'Targuments': [t.dtype.base_dtype for t in external]}
        n = _int64(2 if parallel == AUTOTUNE else parallel, 'num_parallel_calls')
        with _graph.get_default_graph().control_dependencies(fg.control_captures or None):
            return dataset._derive('MapAndBatchDataset', [external, size, n, drop], types, shapes, attrs)
    return apply


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
                        prefetch_input_elements=None):
    """interleave(map_func, cycle_length, block_length), in its deterministic order (sloppy is accepted)."""
    return lambda dataset: dataset.interleave(map_func, cycle_length, block_length)


def ignore_errors():
    """Drops the elements whose map or filter function raises an error (IgnoreErrorsDataset)."""
    return lambda dataset: dataset._derive('IgnoreErrorsDataset', [], dataset.output_types, dataset.output_shapes)


def unbatch():
    return lambda dataset: dataset.unbatch()


def enumerate_dataset(start=0):
    """(index, element) pairs, the index counting from `start` (an int64)."""
    def apply(dataset):
        from sluice.data.dataset_ops import DatasetV1
        return DatasetV1.zip((Counter(start), dataset))
    return apply


def Counter(start=0, step=1, dtype=dtypes.int64):  # noqa: N802  (TF's name)
    """start, start + step, ... without end (TF 1.15 counts to the largest int64)."""
    from sluice.data.dataset_ops import DatasetV1
    end = (1 << 63) - 1 if step > 0 else -(1 << 63)
    ds = DatasetV1.range(start, end, step)
    return ds if dtypes.as_dtype(dtype) == dtypes.int64 else ds.map(lambda x: _cast(x, dtype))


def _cast(x, dtype):
    from sluice.ops import math_ops
    return math_ops.cast(x, dtype)


def get_single_element(dataset):
    """The one element of `dataset` as tensors (InvalidArgumentError when it has none or several)."""
    from sluice.data.dataset_ops import _element_attrs
    from sluice.engine import op_builder
    op = op_builder.apply('DatasetToSingleElement', [dataset._variant_tensor],
                          _element_attrs(dataset.output_types, dataset.output_shapes))
    return nest.pack(dataset.output_types, op.outputs)


from sluice.data.grouping import bucket_by_sequence_length, group_by_window, scan  # noqa: E402,F401
from sluice.data.sampling import RandomDataset, choose_from_datasets, sample_from_datasets  # noqa: E402,F401
from sluice.data.csv_readers import CsvDataset, make_csv_dataset  # noqa: E402,F401
