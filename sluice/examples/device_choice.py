"""The device an example runs on: the one asked for, else a GPU when one is present, else the CPU.

`--device gpu` where no GPU is usable ends the program through argparse (usage line, one error line,
exit status 2, no traceback), saying why: CuPy, through which sluice runs GPU kernels, is not
installed, or it is installed but sees no CUDA device; and how to install it.
"""
import importlib.util
import os

import sluice as tf

INSTALL_HINT = ("pip install 'sluice[gpu]' installs CuPy for CUDA 12 (cupy-cuda12x; for CUDA 11: "
                "pip install cupy-cuda11x)")


def why_no_gpu():
    """One sentence: why sluice sees no GPU here, and what to do about it."""
    if importlib.util.find_spec('cupy') is None:
        return 'CuPy is not installed; sluice runs its GPU kernels through CuPy: ' + INSTALL_HINT
    visible = os.environ.get('CUDA_VISIBLE_DEVICES')
    where = ('CUDA_VISIBLE_DEVICES=%r hides them' % visible if visible is not None
             else 'check the NVIDIA driver with nvidia-smi')
    return 'CuPy is installed but sees no CUDA device (%s)' % where


def choose_device(requested, parser):
    """'cpu' or 'gpu' for `requested` (None: the best present); a GPU asked for but absent ends the
    program through parser.error."""
    has_gpu = tf.test.is_gpu_available()
    if requested == 'gpu' and not has_gpu:
        parser.error('--device gpu: no GPU is present (none is visible to sluice). %s. Leave --device out, '
                     'or pass --device cpu, to run on the CPU.' % why_no_gpu())
    return requested or ('gpu' if has_gpu else 'cpu')
