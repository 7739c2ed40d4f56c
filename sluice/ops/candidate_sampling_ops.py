"""Candidate samplers for sampled losses: LogUniformCandidateSampler, UniformCandidateSampler and
ComputeAccidentalHits (TF's op names, attrs and outputs; host kernels in kernels/candidate_sampling_kernels.py).

A sampler draws `num_sampled` class ids in [0, range_max) (distinct ones when `unique`, by rejection) and
reports the expected count of every true and sampled id among the draws: p * num_sampled without
`unique`, else 1 - (1 - p) ** num_tries, num_tries being how many draws the rejection took (TF's
ExpectedCountHelper). The log-uniform (Zipfian) sampler has p(k) = log((k + 2) / (k + 1)) / log(range_max + 1).
None of the outputs has a gradient."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import random_ops
from sluice.ops.math_ops import _shape_error

__all__ = ['log_uniform_candidate_sampler', 'uniform_candidate_sampler', 'compute_accidental_hits']

_SEEDS = {'seed': ('int', 0), 'seed2': ('int', 0)}


def _true_classes_dims(op):
    dims = op._inputs[0]._shape._dims
    if dims is not None and len(dims) != 2:
        raise _shape_error(op, 'Shape must be rank 2 but is rank %d' % len(dims))
    num_true = op.get_attr('num_true')
    if dims is not None and dims[1] is not None and dims[1] != num_true:
        raise _shape_error(op, 'Dimension 1 in both shapes must be equal, but are %d and %d' % (dims[1], num_true))
    return [None if dims is None else dims[0], num_true]


def _sampler_shape(op):
    true_dims = _true_classes_dims(op)
    num_sampled = op.get_attr('num_sampled')
    return [TensorShape([num_sampled]), TensorShape(true_dims), TensorShape([num_sampled])]


def _hits_shape(op):
    _true_classes_dims(op)
    sampled = op._inputs[1]._shape._dims
    if sampled is not None and len(sampled) != 1:
        raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(sampled))
    return [TensorShape([None])] * 3


_SAMPLER_ATTRS = dict(_SEEDS, num_true='int', num_sampled='int', unique='bool', range_max='int')
for _type in ('LogUniformCandidateSampler', 'UniformCandidateSampler'):
    register_op(_type, ['true_classes: int64'],
                ['sampled_candidates: int64', 'true_expected_count: float', 'sampled_expected_count: float'],
                _SAMPLER_ATTRS, _sampler_shape, is_stateful=True)
    no_gradient(_type)
register_op('ComputeAccidentalHits', ['true_classes: int64', 'sampled_candidates: int64'],
            ['indices: int32', 'ids: int64', 'weights: float'], dict(_SEEDS, num_true='int'), _hits_shape)
no_gradient('ComputeAccidentalHits')


def _sampler(op_type, true_classes, num_true, num_sampled, unique, range_max, seed, name):
    if num_sampled < 1 or range_max < 1 or num_true < 1:
        raise ValueError('%s: num_true, num_sampled and range_max must be positive' % op_type)
    true_classes = _graph.convert_to_tensor(true_classes, dtype=dtypes.int64, name='true_classes')
    seed1, seed2 = random_ops.get_seed(seed)
    attrs = {'num_true': int(num_true), 'num_sampled': int(num_sampled), 'unique': bool(unique),
             'range_max': int(range_max), 'seed': seed1 or 0, 'seed2': seed2 or 0}
    return tuple(op_builder.apply(op_type, [true_classes], attrs, name)._outputs)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """(sampled_candidates, true_expected_count, sampled_expected_count) from the log-uniform distribution."""
    return _sampler('LogUniformCandidateSampler', true_classes, num_true, num_sampled, unique, range_max, seed,
                    name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """(sampled_candidates, true_expected_count, sampled_expected_count) drawn uniformly from [0, range_max)."""
    return _sampler('UniformCandidateSampler', true_classes, num_true, num_sampled, unique, range_max, seed, name)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """(indices, ids, weights): for each true class of row i (row by row, column by column) that is among the
    sampled candidates, i, its position j there (the last one, if sampled twice) and -FLT_MAX (added to that
    sampled logit, it removes the hit)."""
    true_classes = _graph.convert_to_tensor(true_classes, dtype=dtypes.int64, name='true_classes')
    sampled_candidates = _graph.convert_to_tensor(sampled_candidates, dtype=dtypes.int64, name='sampled_candidates')
    seed1, seed2 = random_ops.get_seed(seed)
    attrs = {'num_true': int(num_true), 'seed': seed1 or 0, 'seed2': seed2 or 0}
    return tuple(op_builder.apply('ComputeAccidentalHits', [true_classes, sampled_candidates], attrs,
                                  name)._outputs)
