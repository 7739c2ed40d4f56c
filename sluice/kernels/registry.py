"""The kernel registry: which code runs an op type on which kind of device.

A kernel is registered under (op type, device type) as a *builder*: a function called once,
when a Session plans a run, with the node and a KernelContext. It reads attrs, constant inputs
and session resources then, and returns the callable that runs each step:

    @register_kernel('MatMul')                    # CPU and GPU: written against ctx.xp
    def matmul(op, ctx):
        ta, tb = op.get_attr('transpose_a'), op.get_attr('transpose_b')
        xp = ctx.xp
        return lambda a, b: xp.matmul(a.T if ta else a, b.T if tb else b)

The step callable takes one array per input and returns the op's only output, or a sequence of
outputs when registered with multi_output=True, or None for ops without outputs. It must never
modify its inputs in place, except inputs declared Ref in the OpDef (variables) and buffers the
context says are private. `ctx.xp` is NumPy on CPU and CuPy on GPU, so most kernels are written
once for both devices.

A registration for one device type *specializes* a registration shared by several: it wins for
that device whatever the import order (as JAX registers a `platform="cuda"` lowering beside the
default one). So a CPU-only fast path is one more registration, never an `if xp is np` branch:

    @register_kernel('ReluGrad', devices=('CPU',))   # the C loop; the shared builder still serves GPUs
    def relu_grad_cpu(op, ctx): ...

Two registrations of the same kind for the same (op type, device type) are a bug (KeyError).

Registration options:
    devices:       device types the builder serves ('CPU', 'GPU').
    multi_output:  the step callable returns a sequence, one item per output.
    host_inputs:   indices of inputs that must be host (NumPy) arrays even on GPU: shapes, axes;
                   negative indices count from the end (ConcatV2's axis is input -1).
    fresh_output:  outputs are always new arrays, never views of an input or of state; lets the
                   executor hand them to an in-place consumer without a copy.
    host_outputs:  outputs are NumPy arrays on every device (Shape and its kin: TF keeps this
                   metadata in host memory), so host consumers need no copy and no device sync.
    capturable:    the step may run under CUDA stream capture and be replayed as part of a graph
                   (`engine/graph_capture.py`): it only launches device work on the current stream,
                   never waits for the device or reads device values on the host, computes its
                   output shapes from input shapes alone, reads no host state that changes between
                   runs and writes state only in place (an optimizer update into its variable).
                   False by default; `declare_capturable(op_types, when)` marks kernels from one
                   table (`kernels/capturable_kernels.py`), `when(op)` refusing single nodes
                   (integer division, which checks its divisor on the host).

Fusion (`engine/fusion.py`): `declare_fusible(op_types, describe)` says an op type may be inlined
into a fused elementwise loop; `describe(op)` returns a `FusibleOp` (its scalar C expression over
named operands, the element types, runtime guards) or None for a node that cannot be (its dtype,
its attrs). It is carried on every KernelDef of the op type as `kdef.fusion`, whatever the order of
registration. `register_fused_compiler(compile, available)` installs the code generator the pass calls
(`kernels/fused_elementwise.py`): the engine reaches both through this module alone.
"""

_KERNELS = {}
_FUSIBLE = {}           # op type -> describe(op) -> FusibleOp or None
_FUSED_COMPILER = []    # [FusedCompiler], installed by kernels/fused_elementwise.py
_CAPTURABLE = {}        # (op type, device type) -> True or when(op) -> bool


class KernelDef:
    """One registration: `builder` serves `op_type` on `device_type`; `specialized` when it was
    registered for that device type alone (it then overrides a shared registration)."""
    __slots__ = ('op_type', 'device_type', 'builder', 'multi_output', 'host_inputs', 'fresh_output', 'host_outputs',
                 'specialized', 'fusion', 'capturable')

    def __init__(self, op_type, device_type, builder, multi_output, host_inputs, fresh_output, host_outputs=False,
                 specialized=False, capturable=False):
        self.op_type = op_type
        self.device_type = device_type
        self.builder = builder
        self.multi_output = multi_output
        self.host_inputs = frozenset(host_inputs)
        self.fresh_output = fresh_output
        self.host_outputs = host_outputs
        self.specialized = specialized
        self.fusion = _FUSIBLE.get(op_type)  # describe(op) for the fusion pass, or None
        # True, False, or when(op) -> bool (see declare_capturable)
        self.capturable = _CAPTURABLE.get((op_type, device_type), capturable)


def register_kernel(op_types, devices=('CPU', 'GPU'), multi_output=False, host_inputs=(), fresh_output=False,
                    host_outputs=False, capturable=False):
    """Decorator: registers a kernel builder for one op type or several."""
    if isinstance(op_types, str):
        op_types = (op_types,)

    specialized = len(devices) == 1

    def decorate(builder):
        for op_type in op_types:
            for device_type in devices:
                key = (op_type, device_type)
                old = _KERNELS.get(key)
                if old is not None and old.specialized == specialized:
                    raise KeyError('A kernel for %s on %s is already registered' % key)
                if old is None or specialized:
                    _KERNELS[key] = KernelDef(op_type, device_type, builder, multi_output, host_inputs, fresh_output,
                                              host_outputs, specialized, capturable)
        return builder
    return decorate


def get_kernel(op_type, device_type):
    """The KernelDef for (op type, device type), or None."""
    return _KERNELS.get((op_type, device_type))


def has_kernel(op_type, device_type):
    return (op_type, device_type) in _KERNELS


def device_types_for(op_type):
    """The device types with a kernel for op_type, CPU first."""
    return sorted({d for (t, d) in _KERNELS if t == op_type})


class FusibleOp:
    """One node as a fused loop sees it (what `describe(op)` answers).

    c:          scalar C expression over `names` (and `T`, the node's element type, and `params`),
                valid C99 through <tgmath.h> and CUDA device code (the elementwise table's `c`).
    operands:   indices of the node's inputs that are elementwise operands, named `names` in `c`.
    types:      NumPy dtype of each operand; out_type: NumPy dtype of the output; t: what `T` means.
    same_shape: the operands must have one shape, none broadcast (the *Grad ops check it).
    guards:     {input index: 'empty' | 'shape'}: inputs that are not operands and under which the
                node is the identity on its operand: an empty axis list (a gradient's Sum over the
                axes BroadcastGradientArgs found none of), a target equal to the operand's shape
                (Reshape back to itself). The loop checks them at run time.
    params:     {name: float} constants the expression names (LeakyRelu's alpha).
    """
    __slots__ = ('c', 'operands', 'names', 'types', 'out_type', 't', 'same_shape', 'guards', 'params')

    def __init__(self, c, operands, names, types, out_type, t, same_shape=False, guards=None, params=None):
        self.c, self.operands, self.names, self.types = c, tuple(operands), tuple(names), tuple(types)
        self.out_type, self.t, self.same_shape = out_type, t, same_shape
        self.guards, self.params = dict(guards or {}), dict(params or {})


def declare_fusible(op_types, describe):
    """Marks op types as fusible: describe(op) -> FusibleOp or None, on every KernelDef of each."""
    if isinstance(op_types, str):
        op_types = (op_types,)
    for op_type in op_types:
        _FUSIBLE[op_type] = describe
        for (t, _), kdef in _KERNELS.items():
            if t == op_type:
                kdef.fusion = describe


def declare_capturable(op_types, devices=('GPU',), when=True):
    """Marks the kernels of op_types on `devices` capturable (see the module docstring), whatever the
    order of registration; `when(op)` -> bool decides per node where the op type alone cannot."""
    if isinstance(op_types, str):
        op_types = (op_types,)
    for op_type in op_types:
        for device_type in devices:
            _CAPTURABLE[(op_type, device_type)] = when
            kdef = _KERNELS.get((op_type, device_type))
            if kdef is not None:
                kdef.capturable = when


def is_capturable(kdef, op):
    """Whether the kernel `kdef` bound to node `op` may run under stream capture."""
    flag = kdef.capturable
    return bool(flag(op)) if callable(flag) else bool(flag)


class FusedCompiler:
    """compile(groups, device) -> [fused function or None per group]; available(device): whether
    it can build loops there at all (a C compiler, CuPy), so that nothing is grouped in vain."""

    def __init__(self, compile, available):
        self.compile, self.available = compile, available


def register_fused_compiler(compile_groups, available):
    """Installs the fused-loop code generator (kernels/fused_elementwise.py)."""
    _FUSED_COMPILER[:] = [FusedCompiler(compile_groups, available)]


def fused_compiler():
    """The installed FusedCompiler, or None (then nothing is fused)."""
    return _FUSED_COMPILER[0] if _FUSED_COMPILER else None
