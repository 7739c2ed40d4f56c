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
"""

_KERNELS = {}


class KernelDef:
    """One registration: `builder` serves `op_type` on `device_type`; `specialized` when it was
    registered for that device type alone (it then overrides a shared registration)."""
    __slots__ = ('op_type', 'device_type', 'builder', 'multi_output', 'host_inputs', 'fresh_output', 'host_outputs',
                 'specialized')

    def __init__(self, op_type, device_type, builder, multi_output, host_inputs, fresh_output, host_outputs=False,
                 specialized=False):
        self.op_type = op_type
        self.device_type = device_type
        self.builder = builder
        self.multi_output = multi_output
        self.host_inputs = frozenset(host_inputs)
        self.fresh_output = fresh_output
        self.host_outputs = host_outputs
        self.specialized = specialized


def register_kernel(op_types, devices=('CPU', 'GPU'), multi_output=False, host_inputs=(), fresh_output=False,
                    host_outputs=False):
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
                                              host_outputs, specialized)
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
