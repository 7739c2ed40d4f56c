"""Builds the optional C loops (sluice/kernels/_cpu_fused.c, sluice/kernels/_cpu_conv.c); everything
else is in pyproject.toml.

`optional=True`: without a working C compiler the install goes on and sluice uses its NumPy paths.
_cpu_fused keeps contraction to fused multiply-adds off (its updates follow TF's expressions term by
term); _cpu_conv's sums are a GEMM's, where fused multiply-adds are what makes them fast.
"""
import sys

from setuptools import Extension, setup

win = sys.platform == 'win32'
flags = ['/O2', '/fp:precise'] if win else ['-O3', '-ffp-contract=off', '-fno-math-errno']
conv_flags = ['/O2'] if win else ['-O3', '-ffp-contract=fast', '-fno-math-errno']

setup(ext_modules=[
    Extension('sluice.kernels._cpu_fused', ['sluice/kernels/_cpu_fused.c'], extra_compile_args=flags, optional=True),
    Extension('sluice.kernels._cpu_conv', ['sluice/kernels/_cpu_conv.c'],
              depends=['sluice/kernels/_cpu_conv_body.h', 'sluice/kernels/_cpu_pool_body.h',
                       'sluice/kernels/_cpu_depthwise_body.h'],
              extra_compile_args=conv_flags, optional=True),
])
