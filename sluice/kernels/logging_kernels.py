"""Kernels that look at values as they pass: CheckNumerics (ops/check_ops.py; CPU and GPU through ctx.xp)
and Print (ops/logging_ops.py; CPU only, as in TF: it writes to stderr).
"""
import sys
import threading

import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.control_flow_kernels import _summarize
from sluice.kernels.registry import register_kernel


@register_kernel('CheckNumerics')
def check_numerics(op, ctx):
    xp = ctx.xp
    message = op.get_attr('message')

    def run(x):
        if not bool(xp.isfinite(x).all()):
            has_inf, has_nan = bool(xp.isinf(x).any()), bool(xp.isnan(x).any())
            what = 'Inf and NaN' if has_inf and has_nan else 'Inf' if has_inf else 'NaN'
            raise _invalid(op, '%s : Tensor had %s values' % (message, what))
        return x
    return run


class _PrintCount:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()


@register_kernel('Print', devices=('CPU',))
def print_kernel(op, ctx):
    message = op.get_attr('message')
    first_n = op.get_attr('first_n')
    summarize = op.get_attr('summarize')
    state = ctx.op_state(_PrintCount)

    def run(x, *data):
        if first_n >= 0:
            with state.lock:
                if state.count >= first_n:
                    return x
                state.count += 1
        parts = []
        for d in data:
            d = np.asarray(d)
            parts.append('[%s]' % _summarize(d, d.size if summarize < 0 else summarize))
        sys.stderr.write(message + ''.join(parts) + '\n')
        sys.stderr.flush()
        return x
    return run
