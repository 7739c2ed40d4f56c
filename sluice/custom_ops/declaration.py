"""`Op`: the declaration of one custom op, with its kernels and gradient, as a library writes it.

    mine = Op('TimesTwo', inputs=['x: T'], outputs=['y: T'], attrs={'T': 'type'},
              allowed={'T': ('float32', 'float64')}, shape_fn=lambda op: [op.inputs[0].shape])

    @mine.cpu_kernel(functions={'times_two_f32': 'float32[N] x, float32[N] y, int64 n'})
    def _times_two(op, ctx, lib):                  # once per plan: returns the step callable
        fn = lib.function('times_two_f32')
        def run(x):
            y = np.empty_like(x)
            fn(op, x, y, x.size)                   # checked against the signature, then called
            return y
        return run

    @mine.gpu_kernel(functions=['times_two'])       # CUDA C: kernels of the library's CUDA_SOURCES
    def _times_two_gpu(op, ctx, module): ...        # module: a cupy.RawModule

    @mine.gradient
    def _times_two_grad(op, grad): return [grad * 2]

Fields are those of sluice's OpDef (sluice/engine/op_registry.py): TF's argument signatures
('x: T', 'ref: Ref(T)', 'xs: N * T'), attr kinds with optional defaults ({'k': ('int', 5)}),
`allowed` dtypes per type attr, the static shape function, `stateful`. `differentiable=False`
declares that no gradient flows (tf.gradients treats the outputs as constants). A kernel builder
takes (op, ctx, lib) where ctx is the KernelContext every kernel gets, and follows the kernel
registry's contract (sluice/kernels/registry.py): the step callable takes one array per input
(a variable's slot for a Ref input) and returns the output, or a tuple when there are several.
"""
import re

from sluice.engine import dtypes


def function_name(op_type):
    """TF's Python name for an op type: 'NegTrainWord2vec' -> 'neg_train_word2vec'."""
    name = re.sub(r'(?<=[A-Z])([A-Z][a-z])', r'_\1', op_type)
    return re.sub(r'(?<=[a-z0-9])([A-Z])', r'_\1', name).lower()


class KernelSpec:
    __slots__ = ('builder', 'functions')

    def __init__(self, builder, functions):
        self.builder = builder
        self.functions = functions


class Op:
    """A custom op's declaration; kernels and gradient attach with the decorators below."""

    def __init__(self, name, inputs=(), outputs=(), attrs=None, shape_fn=None, stateful=False, allowed=None,
                 differentiable=True, doc=''):
        if not re.fullmatch(r'[A-Z][A-Za-z0-9]*', name or ''):
            raise ValueError('Custom op name %r must be CamelCase (letters and digits), as TF requires' % (name,))
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.attrs = dict(attrs or {})
        self.shape_fn = shape_fn
        self.stateful = stateful
        self.allowed = {k: tuple(dtypes.as_dtype(d) for d in v) for k, v in (allowed or {}).items()}
        self.differentiable = differentiable
        self.doc = doc
        self.cpu = None
        self.gpu = None
        self.gradient_fn = None

    def cpu_kernel(self, functions=None):
        """Decorator: the CPU kernel builder; `functions` maps C function names to signatures."""
        def decorate(builder):
            self.cpu = KernelSpec(builder, dict(functions or {}))
            return builder
        return decorate

    def gpu_kernel(self, functions=()):
        """Decorator: the GPU kernel builder; `functions` names the CUDA kernels it launches."""
        def decorate(builder):
            self.gpu = KernelSpec(builder, list(functions))
            return builder
        return decorate

    def gradient(self, fn):
        """Decorator: the gradient, fn(op, *output_grads) -> one gradient (or None) per input."""
        self.gradient_fn = fn
        return fn

    @property
    def python_name(self):
        return function_name(self.name)

    def __repr__(self):
        return '<custom Op %s>' % self.name
