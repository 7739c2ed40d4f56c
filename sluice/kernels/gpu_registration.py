"""GPU-only kernel registrations: builders whose code needs CuPy (cupyx scatters, ElementwiseKernels,
cuRAND streams).

`register_cupy_kernel(op_types, **options)` registers a builder for the GPU device type alone, so
it specializes the op's shared registration there (registry.py), as a CPU-only C loop does on the
CPU. A fake GPU (`devices.fake_gpus`: NumPy arrays in separate "device memory") cannot run CuPy
code: there the op's CPU kernel serves, since a fake GPU's kernels are the NumPy ones. The
registry knows nothing of fake devices, hence this one wrapper rather than a check in every builder.
"""
import numpy as np

from sluice.kernels.registry import get_kernel, register_kernel


def register_cupy_kernel(op_types, **options):
    """Decorator: `builder` serves op_types on real GPUs; options as for register_kernel, and the
    op's CPU kernel must take the same ones (a fake GPU runs it under the GPU's registration)."""
    def decorate(builder):
        def build(op, ctx):
            if ctx.device.fake:
                return get_kernel(op.type, 'CPU').builder(op, ctx)
            return builder(op, ctx)
        build.__name__ = build.__qualname__ = builder.__name__ + '_gpu'
        register_kernel(op_types, devices=('GPU',), **options)(build)
        return builder
    return decorate


def cupyx_scatter_add(out, indices, rows):
    """out[indices] += rows, repeated indices adding up: np.add.at's CuPy twin."""
    import cupyx
    cupyx.scatter_add(out, indices, rows)


def register_scatter_kernel(op_types, factory, **options):
    """For kernels whose one device-specific step is an unbuffered scatter-add: registers
    factory(np.add.at) on the CPU and factory(cupyx_scatter_add) on GPUs."""
    register_kernel(op_types, devices=('CPU',), **options)(factory(np.add.at))
    register_cupy_kernel(op_types, **options)(factory(cupyx_scatter_add))
