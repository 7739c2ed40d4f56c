"""EditDistance (tf.edit_distance): the Levenshtein distance between the sequences of two SparseTensors.

Each SparseTensor of rank R holds sequences along its last dimension, one per index of its first R-1
dimensions. The output, float32 of rank R-1, has each of those dimensions as the larger of the two inputs';
an entry is the number of insertions, deletions and substitutions that turn the hypothesis sequence into
the truth sequence, divided by the truth's length when `normalize` (inf for a hypothesis against an empty
truth; 0 where both are empty). Not differentiable, as in TF 1.15. Kernel in kernels/edit_distance_kernels.py.
"""
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import shape_fns
from sluice.ops.sparse_tensor import SparseTensor, SparseTensorValue

__all__ = ['edit_distance']


def _edit_distance_shape(op):
    hyp_shape, truth_shape = op._inputs[2], op._inputs[5]
    hyp, truth = shape_fns.constant_value(hyp_shape), shape_fns.constant_value(truth_shape)
    if hyp is not None and truth is not None:
        if len(hyp) != len(truth):
            raise ValueError('Shapes of hypothesis_shape and truth_shape must have the same rank in %s: %d vs. %d'
                             % (op.name, len(hyp), len(truth)))
        return [TensorShape([max(int(a), int(b)) for a, b in zip(hyp[:-1], truth[:-1])])]
    for shape_tensor in (hyp_shape, truth_shape):
        dims = shape_tensor._shape._dims
        if dims is not None and dims[0] is not None:
            return [TensorShape([None] * (dims[0] - 1))]
    return [TensorShape(None)]


register_op('EditDistance', ['hypothesis_indices: int64', 'hypothesis_values: T', 'hypothesis_shape: int64',
                             'truth_indices: int64', 'truth_values: T', 'truth_shape: int64'],
            ['output: float'], {'normalize': 'bool', 'T': 'type'}, _edit_distance_shape)
no_gradient('EditDistance')


def edit_distance(hypothesis, truth, normalize=True, name='edit_distance'):
    """Levenshtein distances between the sequences of `hypothesis` and `truth` (SparseTensors of one rank)."""
    if not isinstance(hypothesis, (SparseTensor, SparseTensorValue)):
        raise TypeError('Hypothesis must be a SparseTensor.')
    if not isinstance(truth, (SparseTensor, SparseTensorValue)):
        raise TypeError('Truth must be a SparseTensor.')
    hypothesis = SparseTensor.from_value(hypothesis) if isinstance(hypothesis, SparseTensorValue) else hypothesis
    truth = SparseTensor.from_value(truth) if isinstance(truth, SparseTensorValue) else truth
    return op_builder.output('EditDistance', [hypothesis.indices, hypothesis.values, hypothesis.dense_shape,
                                              truth.indices, truth.values, truth.dense_shape],
                             {'normalize': bool(normalize)}, name, 'edit_distance')
