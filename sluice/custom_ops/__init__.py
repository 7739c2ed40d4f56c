"""Custom ops: `tf.load_op_library(path)` for a library of ops with C/C++ and CUDA kernels.

A library is a folder with `op_library.py` (or one .py file) plus its kernel sources:

    my_ops/
      op_library.py        the declarations (below)
      my_kernels.c         CPU kernels: plain C (or C++ with extern "C"), #include "sluice_op.h"
      my_kernels.cu        GPU kernels: CUDA C, compiled by NVRTC through CuPy (optional)

    # op_library.py
    import numpy as np
    from sluice.custom_ops import Op

    CPU_SOURCES = ['my_kernels.c']
    CUDA_SOURCES = ['my_kernels.cu']

    scale = Op('ScaleBy', inputs=['x: float'], outputs=['y: float'], attrs={'factor': ('float', 2.0)},
               shape_fn=lambda op: [op.inputs[0].shape])

    @scale.cpu_kernel(functions={'scale_by': 'float32[N] x, float32[N] y, float32 factor, errbuf err'})
    def _scale_cpu(op, ctx, lib):
        fn, factor = lib.function('scale_by'), op.get_attr('factor')
        def run(x):
            x = np.ascontiguousarray(x); y = np.empty_like(x)
            fn(op, x, y, factor)               # dtypes, ranks and named sizes checked, then the C call
            return y
        return run

    @scale.gradient
    def _scale_grad(op, grad):
        return [grad * op.get_attr('factor')]

    # the program
    my_ops = tf.load_op_library('my_ops')
    y = my_ops.scale_by(x, factor=3.0)

The C side (`int scale_by(const float* x, float* y, float factor, char* err)`) returns 0, or
nonzero after `sluice_fail(err, "...")`; sluice raises that text as the op's InvalidArgumentError.
The CPU sources are compiled once per content hash into ~/.cache/sluice/ops ($SLUICE_OP_CACHE);
a compile error is a CompileError (an InvalidArgumentError) carrying the compiler's file:line
messages. Modules: declaration.py (Op), compiler.py (build and cache), native.py (checked ctypes
calls), loader.py (registration and the returned module).
"""
from sluice.custom_ops.compiler import CompileError  # noqa: F401
from sluice.custom_ops.declaration import Op  # noqa: F401
from sluice.custom_ops.loader import load_op_library, unload_op_library  # noqa: F401

__all__ = ['Op', 'CompileError', 'load_op_library', 'unload_op_library']
