"""Kernels of Switch and Merge (ops/dataflow_control_ops.py): they only route values, on any device."""
import numpy as np

from sluice.engine.dead_values import DEAD
from sluice.kernels.registry import register_kernel


@register_kernel(('Switch', 'RefSwitch'), multi_output=True, host_inputs=(1,))
def switch(op, ctx):
    def run(data, pred):
        return (DEAD, data) if bool(pred) else (data, DEAD)
    return run


@register_kernel('Merge', multi_output=True)
def merge(op, ctx):
    indices = [ctx.xp.asarray(np.int32(i)) for i in range(len(op.inputs))]

    def run(*inputs):
        for i, value in enumerate(inputs):
            if value is not DEAD:
                return value, indices[i]
        return DEAD, DEAD
    return run
