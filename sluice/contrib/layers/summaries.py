"""contrib.layers' summary helpers: a scalar summary for a scalar tensor, a histogram otherwise (tag
'<op name>_summary' unless given; string and bool tensors are skipped); activations get a histogram
'<op>/activation' and, for Relu/Relu6/Softplus, the fraction of negative pre-activations '<op>/zeros'
(and above 6, '<op>/sixes', for Relu6); collections are summarized tensor by tensor.
"""
import functools
import re

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import math_ops, summary_ops

__all__ = ['summarize_tensor', 'summarize_activation', 'summarize_tensors', 'summarize_collection',
           'summarize_variables', 'summarize_weights', 'summarize_biases', 'summarize_activations']


def _scalar(tensor, tag=None):
    tensor.get_shape().assert_has_rank(0)
    return summary_ops.scalar(tag or '%s_summary' % tensor.op.name, tensor)


def _histogram(tensor, tag=None):
    return summary_ops.histogram(tag or '%s_summary' % tensor.op.name, tensor)


def _fraction(condition):
    return math_ops.reduce_mean(math_ops.cast(condition, dtypes.float32))


def summarize_activation(op):
    """Summaries of the activation tensor `op` (see the module docstring)."""
    kind = op.op.type
    if kind in ('Relu', 'Softplus', 'Relu6'):
        pre = op.op.inputs[0]
        _scalar(_fraction(math_ops.less(pre, math_ops.cast(0.0, pre.dtype))), '%s/zeros' % op.op.name)
    if kind == 'Relu6':
        pre = op.op.inputs[0]
        _scalar(_fraction(math_ops.greater(pre, math_ops.cast(6.0, pre.dtype))), '%s/sixes' % op.op.name)
    return _histogram(op, '%s/activation' % op.op.name)


def summarize_tensor(tensor, tag=None):
    """A scalar or histogram summary of `tensor`; None for string and bool tensors."""
    if tensor.dtype.is_compatible_with(dtypes.string) or tensor.dtype.base_dtype == dtypes.bool:
        return None
    if tensor.get_shape().ndims == 0:
        return _scalar(tensor, tag)
    return _histogram(tensor, tag)


def summarize_tensors(tensors, summarizer=summarize_tensor):
    return [summarizer(tensor) for tensor in tensors]


def summarize_collection(collection, name_filter=None, summarizer=summarize_tensor):
    """Summaries of the tensors of `collection` whose op names match `name_filter` (re.match)."""
    tensors = [t for t in _graph.get_default_graph().get_collection(collection)
               if name_filter is None or re.match(name_filter, t.op.name)]
    return summarize_tensors(tensors, summarizer)


summarize_variables = functools.partial(summarize_collection, GraphKeys.GLOBAL_VARIABLES)
summarize_weights = functools.partial(summarize_collection, GraphKeys.WEIGHTS)
summarize_biases = functools.partial(summarize_collection, GraphKeys.BIASES)


def summarize_activations(name_filter=None, summarizer=summarize_activation):
    """Summaries of the ACTIVATIONS collection."""
    return summarize_collection(GraphKeys.ACTIVATIONS, name_filter, summarizer)
