"""tf.Print (op Print): passes its input through and logs data tensors to stderr when it runs
(TF's logging_ops). CPU kernel in kernels/logging_kernels.py.
"""


from sluice.engine import op_builder
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import shape_fns

__all__ = ['Print']


register_op('Print', ['input: T', 'data: U'], ['output: T'],
            {'T': 'type', 'U': 'list(type)', 'message': ('string', ''), 'first_n': ('int', -1),
             'summarize': ('int', 3)}, shape_fns.unchanged, is_stateful=True)


@register_gradient('Print')
def _print_grad(op, grad):
    return [grad] + [None] * (len(op._inputs) - 1)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TF's name
    """An identity on input_ that writes `message` and the `data` tensors to stderr each time it runs
    (the first `first_n` times when first_n is set; `summarize` elements per tensor, 3 by default)."""
    attrs = {'message': '' if message is None else str(message),
             'first_n': -1 if first_n is None else int(first_n),
             'summarize': 3 if summarize is None else int(summarize)}
    return op_builder.apply('Print', [input_, list(data)], attrs, name)._outputs[0]
