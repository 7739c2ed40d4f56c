"""The kernel of Betainc (ops/special_math_ops.py), one ctx.xp body: the inputs have one shape or are
scalars (TF's rule, checked), then special_functions.betainc. The elementwise special functions run through
the elementwise table's kernels (kernels/elementwise_kernels.py).
"""
from sluice.kernels import special_functions
from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.registry import register_kernel


@register_kernel('Betainc', fresh_output=True)
def betainc(op, ctx):
    xp = ctx.xp

    def run(a, b, x):
        shapes = [t.shape for t in (a, b, x) if t.ndim]
        for name, t in zip(('b', 'x'), (b, x)):
            if shapes and t.ndim and t.shape != shapes[0]:
                raise _invalid(op, 'Shapes of a and %s are inconsistent: %s vs. %s'
                               % (name, _dims(shapes[0]), _dims(t.shape)))
        return xp.asarray(special_functions.betainc(xp, a, b, x), dtype=a.dtype)
    return run
