"""tf.data.experimental's dataset selection (TF 1.15): sample_from_datasets, choose_from_datasets
and RandomDataset.

Both selections are a DirectedInterleaveDataset over a selector dataset of int64 indices.
choose_from_datasets takes the caller's selector. sample_from_datasets draws each index from a
RandomDataset: one int64 per element becomes u, uniform in [0, 1) (its top 53 bits), and the
index is the number of cumulative normalized weights at or below u, i.e. inverse-CDF sampling of
the categorical distribution the weights give (TF draws with a stateless multinomial over
log-weights; the distribution is the same, the stream is sluice's). Weights may be a dataset of
weight vectors, zipped with the random stream element by element.
"""
from sluice.data import structure as nest
from sluice.data.dataset_ops import DatasetV1, _element_attrs
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.tensor_shape import TensorShape
from sluice.kernels import dataset_grouping as _kernels  # noqa: F401  (registers the ops and kernels)
from sluice.ops import random_ops

_SCALAR = TensorShape([])


class RandomDataset(DatasetV1):
    """int64 scalars without end, from (seed, op seed) as tf.random.set_random_seed rules give."""

    def __init__(self, seed=None):
        seed1, seed2 = random_ops.get_seed(seed)
        inputs = [_graph.convert_to_tensor(seed1 or 0, dtype=dtypes.int64, name='seed'),
                  _graph.convert_to_tensor(seed2 or 0, dtype=dtypes.int64, name='seed2')]
        variant = op_builder.output('RandomDataset', inputs, _element_attrs(dtypes.int64, _SCALAR))
        super().__init__(variant, dtypes.int64, _SCALAR)


def _directed_interleave(selector, datasets):
    datasets = list(datasets)
    first = datasets[0]
    for ds in datasets[1:]:
        if ds.output_types != first.output_types or ds.output_classes != first.output_classes:
            raise TypeError('All datasets must have the same type and class.')
    shapes = first.output_shapes
    for ds in datasets[1:]:
        shapes = nest.map_structure(lambda a, b: a.most_specific_compatible_shape(b), shapes, ds.output_shapes)
    attrs = dict(_element_attrs(first.output_types, shapes), N=len(datasets))
    variant = op_builder.output('DirectedInterleaveDataset',
                                [selector._variant_tensor, [ds._variant_tensor for ds in datasets]], attrs)
    return DatasetV1(variant, first.output_types, shapes)


def _index_from(weights, random_value):
    """The index whose cumulative weight interval holds the uniform number made from `random_value`."""
    from sluice.ops import math_ops
    from sluice.ops.reduction_ops import cumsum
    bits = math_ops.cast(_bitwise_shift(random_value), dtypes.float64)
    u = bits * (1.0 / (1 << 53))
    w = math_ops.cast(weights, dtypes.float64)
    cdf = cumsum(w) / math_ops.reduce_sum(w)
    below = math_ops.cast(math_ops.less_equal(cdf[:-1], u), dtypes.int64)
    return math_ops.reduce_sum(below, name='index')


def _bitwise_shift(value):
    """The top 53 bits of an int64 as a non-negative int64 (floor division keeps them exact)."""
    from sluice.ops import math_ops
    return math_ops.floordiv(value, 1 << 11) + (1 << 52)


def sample_from_datasets(datasets, weights=None, seed=None):
    """Elements drawn from `datasets` at random, input i with probability weights[i] / sum(weights)."""
    datasets = list(datasets)
    n = len(datasets)
    if not isinstance(weights, DatasetV1):
        if weights is None:
            weights_t = _graph.convert_to_tensor([1.0] * n, dtype=dtypes.float32, name='weights')
        else:
            weights_t = _graph.convert_to_tensor(weights, name='weights')
            if weights_t.dtype.base_dtype not in (dtypes.float32, dtypes.float64):
                raise TypeError('`weights` must be convertible to a tensor of `tf.float32` or `tf.float64` '
                                'elements.')
            if not weights_t.shape.is_compatible_with([n]):
                raise ValueError('`weights` must be a vector of length `len(datasets)`.')
        if n == 1:
            return datasets[0]
        selector = RandomDataset(seed).map(lambda r: _index_from(weights_t, r))
    else:
        selector = DatasetV1.zip((weights, RandomDataset(seed))).map(_index_from)
    return _directed_interleave(selector, datasets)


def choose_from_datasets(datasets, choice_dataset):
    """Element k is the next element of datasets[choice k] (DirectedInterleaveDataset)."""
    if choice_dataset.output_types != dtypes.int64 or not choice_dataset.output_shapes.is_compatible_with(
            _SCALAR):
        raise TypeError('`choice_dataset` must be a dataset of scalar `tf.int64` tensors.')
    return _directed_interleave(choice_dataset, datasets)
