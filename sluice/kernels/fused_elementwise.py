"""Fused elementwise loops: code generation for the groups the plan's fusion pass forms.

A group (`engine/fusion.py`) is a small tree of fusible nodes (their `FusibleOp`s, registry.py) over
group inputs, some of whose values are the group's outputs (and some only measured: the root's
output stands in for those). Each input has a kind:
  full     its static rank is >= 1: at run time it has the group's shape S (the first full input's);
  scalar   its static rank is 0: a 0-d array, read once before the loop;
  unknown  no static rank: 0-d or S at run time (two loop variants, one for each);
  empty / shape  a guard (a Sum's axes, a Reshape's target): not read by the loop, checked.
Every node becomes a C function of its operands, `return (out)(expr);`, so each intermediate is
rounded to its own dtype exactly as the unfused NumPy step rounds it; the loop calls them in order
for element i and stores the outputs. Bitwise equal to the unfused steps for the table's exact rows
(the table test compares each C expression with NumPy); libm's transcendental functions agree with
NumPy's to an ulp or two.

CPU (and the NumPy-backed fake GPU): all groups of a plan go into one C file, compiled once with the
system C compiler (`cc -O3 -march=native -shared -fPIC`; no fast-math, no FP contraction, wrapping
integers) into `$SLUICE_CACHE_DIR` or ~/.cache/sluice/fused, named by a hash of the source, flags
and CPU, written under a temporary name and renamed into place (atomic, so concurrent processes
share it), and loaded with ctypes. Arrays are passed as the Python objects themselves and the loop
reads NumPy's data pointer at its fixed offset in the array object (found at import by comparing
with `ndarray.ctypes.data`; when it cannot be found nothing is fused): a ctypes call then costs
well under a microsecond, where `ndarray.ctypes.data` costs about one per array. A loop over
enough elements runs in contiguous parts on _cpu_fused's helper threads (as many as the BLAS
pool has: kernels/native.py), the same values in any split.
Real GPUs: one CuPy ElementwiseKernel per group from the same node functions (`__device__`),
cached by its source. Each group's Python entry checks what only the arrays can tell (class,
dtype, shape, contiguity, the guards) and answers None when the loop does not apply, and the
plan then runs the unfused steps. Without a compiler, or when compiling fails, nothing is fused.
"""
import ctypes
import functools
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile

import numpy as np

from sluice.kernels import native
from sluice.kernels.registry import FusibleOp, declare_fusible, register_fused_compiler
from sluice.ops.elementwise import C_PRELUDE

logger = logging.getLogger('sluice.fusion')

# Value-preserving flags only: no fast-math, no FMA contraction; errno and FP exception flags are
# not kept (NumPy's are silenced anyway), which lets GCC vectorize selects and sqrt. The vectors
# are this machine's (-march=native): the cache key names the CPU.
CFLAGS = ('-std=c99', '-O3', '-shared', '-fPIC', '-w', '-ffp-contract=off', '-fno-math-errno', '-fno-trapping-math',
          '-fwrapv', '-march=native')
C_TYPES = {np.dtype(t): c for t, c in [
    (np.float32, 'float'), (np.float64, 'double'), (np.int8, 'int8_t'), (np.int16, 'int16_t'),
    (np.int32, 'int32_t'), (np.int64, 'int64_t'), (np.uint8, 'uint8_t'), (np.uint16, 'uint16_t'),
    (np.uint32, 'uint32_t'), (np.uint64, 'uint64_t'), (np.bool_, 'unsigned char')]}
CUDA_TYPES = {np.dtype(t): c for t, c in [  # CuPy's own names: NVRTC has no <stdint.h>
    (np.float32, 'float'), (np.float64, 'double'), (np.int8, 'signed char'), (np.int16, 'short'),
    (np.int32, 'int'), (np.int64, 'long long'), (np.uint8, 'unsigned char'), (np.uint16, 'unsigned short'),
    (np.uint32, 'unsigned int'), (np.uint64, 'unsigned long long'), (np.bool_, 'bool')]}
CUPY_NAMES = {dt: dt.name for dt in C_TYPES}
VALUE_KINDS = ('full', 'scalar', 'unknown')


def _data_offset():
    """Where a NumPy array object keeps its data pointer (16 on 64-bit CPython), or None."""
    probe = np.arange(3.0)
    for offset in range(0, 128, ctypes.sizeof(ctypes.c_void_p)):
        if ctypes.c_void_p.from_address(id(probe) + offset).value == probe.ctypes.data:
            return offset
    return None


DATA_OFFSET = _data_offset()


def cache_dir():
    return os.environ.get('SLUICE_CACHE_DIR') or os.path.join(os.path.expanduser('~'), '.cache', 'sluice', 'fused')


# -- the node functions --
def _node_function(name, node, types):
    """`static` C (or `__device__`) function computing one node from its operands."""
    args = ', '.join('%s %s' % (types[t], n) for t, n in zip(node.types, node.names))
    consts = ''.join('const double %s = %r; ' % (k, float(v)) for k, v in sorted(node.params.items()))
    return ('#define T %s\nSL_FN %s %s(%s) { %sreturn (%s)(%s); }\n#undef T'
            % (types[node.t], types[node.out_type], name, args, consts, types[node.out_type], node.c))


def _node_values(group, prefix, read, types):
    """Statements computing every node for one element; read(k) is input k's value."""
    lines = []
    for j, (node, refs) in enumerate(group.members):
        args = ', '.join(read(k) if kind == 'input' else 'v%d' % k for kind, k in refs)
        lines.append('%s v%d = %s_n%d(%s);' % (types[node.out_type], j, prefix, j, args))
    return lines


def value_inputs(group):
    return [k for k, (_, kind) in enumerate(group.inputs) if kind in VALUE_KINDS]


# -- CPU: one C file per plan --
def _c_variant(group, prefix, variant, unknown_full):
    """The loop over n elements; unknown inputs are read per element (unknown_full) or once. The
    entry reads the arrays' data pointers into a job; the part function computes a range of
    elements, so the loop can run in parts (SL_RUN)."""
    ins, outs = value_inputs(group), group.outputs
    name = '%s_%s' % (prefix, variant)
    params = ['long n'] + ['void *p%d' % k for k in ins] + ['void *q%d' % o for o in range(len(outs))]
    fields, unpack, fill = [], [], []
    for k in ins:
        dt, kind = group.inputs[k]
        ct = C_TYPES[dt]
        if kind == 'full' or (kind == 'unknown' and unknown_full):
            fields.append('const %s *a%d;' % (ct, k))
            fill.append('j.a%d = (const %s *)SL_DATA(p%d);' % (k, ct, k))
            unpack.append('const %s *a%d = j->a%d;' % (ct, k, k))
        else:
            fields.append('%s s%d;' % (ct, k))
            fill.append('j.s%d = *(const %s *)SL_DATA(p%d);' % (k, ct, k))
            unpack.append('const %s s%d = j->s%d;' % (ct, k, k))
    for o, j in enumerate(outs):
        ct = C_TYPES[group.members[j][0].out_type]
        fields.append('%s *o%d;' % (ct, o))
        fill.append('j.o%d = (%s *)SL_DATA(q%d);' % (o, ct, o))
        unpack.append('%s *o%d = j->o%d;' % (ct, o, o))

    def read(k):
        kind = group.inputs[k][1]
        return 'a%d[i]' % k if kind == 'full' or (kind == 'unknown' and unknown_full) else 's%d' % k
    loop = _node_values(group, prefix, read, C_TYPES) + ['o%d[i] = v%d;' % (o, j) for o, j in enumerate(outs)]
    return '\n'.join([
        'struct %s_job { %s };' % (name, ' '.join(fields or ['char unused;'])),
        'static void %s_part(const void *job, long begin, long end) {' % name,
        '    const struct %s_job *j = job;' % name,
        '    %s' % '\n    '.join(unpack + ['(void)j;']),
        '    for (long i = begin; i < end; i++) {\n        %s\n    }' % '\n        '.join(loop),
        '}',
        'void %s(%s) {' % (name, ', '.join(params)),
        '    struct %s_job j;' % name,
        '    %s' % '\n    '.join(fill + ['SL_RUN(%s_part, &j, n);' % name]),
        '}'])


# The loops run in parts on _cpu_fused's helper threads when sl_set_split gave its splitter
# (run_split: contiguous ranges, so the values do not depend on it); whole otherwise.
_SPLIT_PRELUDE = r"""
typedef void (*sl_part)(const void *, long, long);
typedef void (*sl_splitter)(sl_part, const void *, long, long);
static sl_splitter sl_split;
void sl_set_split(void *fn) { sl_split = (sl_splitter)fn; }
#define SL_RUN(part, job, n) (sl_split ? sl_split(part, job, n, 1) : part(job, 0, n))
"""


def c_source(groups):
    """The C file holding every group's node functions and loop variants (`g<i>_scalar`, `g<i>_full`)."""
    parts = ['#include <tgmath.h>', '#include <stdint.h>', C_PRELUDE, _SPLIT_PRELUDE,
             '#define SL_DATA(p) (*(char **)((char *)(p) + %d))' % DATA_OFFSET]
    for i, group in enumerate(groups):
        prefix = 'g%d' % i
        parts.extend(_node_function('%s_n%d' % (prefix, j), node, C_TYPES) for j, (node, _) in enumerate(group.members))
        parts.append(_c_variant(group, prefix, 'scalar', False))
        if any(kind == 'unknown' for _, kind in group.inputs):
            parts.append(_c_variant(group, prefix, 'full', True))
    return '\n'.join(parts) + '\n'


_LIBRARIES = {}  # source hash -> loaded CDLL, for this process


@functools.lru_cache(maxsize=None)
def _machine():
    """What -march=native depends on: the CPU's model and feature flags (a cache dir may be shared)."""
    try:
        with open('/proc/cpuinfo') as f:
            lines = [line for line in f if line.startswith(('model name', 'flags', 'Features', 'CPU part'))]
        return platform.machine() + ''.join(sorted(set(lines)))
    except OSError:
        return platform.machine() + platform.processor()


def compiler():
    return os.environ.get('CC') or shutil.which('cc') or shutil.which('gcc')


def load_library(source):
    """The compiled `source` from the cache directory (compiling it when absent), or None."""
    cc = compiler()
    if cc is None:
        return None
    key = hashlib.sha256(('\0'.join((source, cc, _machine()) + CFLAGS)).encode()).hexdigest()[:32]
    lib = _LIBRARIES.get(key)
    if lib is not None:
        return lib
    directory = cache_dir()
    path = os.path.join(directory, 'fused_%s.so' % key)
    try:
        if not os.path.exists(path):
            os.makedirs(directory, exist_ok=True)
            _compile(cc, source, directory, path)
        lib = ctypes.CDLL(path)
    except (OSError, subprocess.SubprocessError) as e:
        logger.debug('fused loops not compiled (%s): the plan runs its steps unfused', e)
        return None
    split = native.loop_splitter()
    if split is not None:
        lib.sl_set_split(ctypes.c_void_p(split))
    _LIBRARIES[key] = lib
    return lib


def _compile(cc, source, directory, path):
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        src, lib = os.path.join(tmp, 'fused.c'), os.path.join(tmp, 'fused.so')
        with open(src, 'w') as f:
            f.write(source)
        done = subprocess.run([cc, *CFLAGS, '-o', lib, src, '-lm'], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise OSError('%s failed: %s' % (cc, done.stderr.strip()[:500]))
        os.replace(lib, path)  # atomic: a concurrent process sees the whole file or none


def _entry_source(group, nd_name):
    """A Python function checking the arrays, then running `run(shape, *values)` (`_scalar` or
    `_full`, the loop variants); None when the loop does not apply to these arrays."""
    lines = ['def fused(%s):' % ', '.join('a%d' % k for k in range(len(group.inputs)))]
    kinds = [kind for _, kind in group.inputs]
    order = [k for k in range(len(kinds)) if kinds[k] == 'full'] + [k for k in range(len(kinds)) if kinds[k] != 'full']
    for n, k in enumerate(order):
        a, kind = 'a%d' % k, kinds[k]
        typed = '%s.__class__ is not %s or (%s.dtype is not _t%d and %s.dtype != _t%d)' % (a, nd_name, a, k, a, k)
        if kind == 'full' and n == 0:
            lines.append('    if %s or not %s.flags.c_contiguous: return None' % (typed, a))
            lines.append('    shape = %s.shape' % a)
        elif kind == 'full':
            lines.append('    if %s or %s.shape != shape or not %s.flags.c_contiguous: return None' % (typed, a, a))
        elif kind == 'scalar':
            lines.append('    if %s or %s.ndim: return None' % (typed, a))
        elif kind == 'unknown':
            lines.append('    if %s: return None' % typed)
        elif kind == 'empty':  # a Sum's axes: none
            lines.append('    if %s.size: return None' % a)
        else:  # 'shape': a Reshape's target equal to its operand's shape
            lines.append('    if %s.shape != (len(shape),) or tuple(%s.tolist()) != shape: return None' % (a, a))
    unknown = [k for k in order if kinds[k] == 'unknown']
    if unknown:
        lines.append('    if %s: run = _scalar' % ' and '.join('not a%d.ndim' % k for k in unknown))
        lines.append('    elif %s: run = _full' % ' and '.join('a%d.shape == shape and a%d.flags.c_contiguous' % (k, k)
                                                             for k in unknown))
        lines.append('    else: return None')
    else:
        lines.append('    run = _scalar')
    lines.append('    return run(shape, %s)' % ', '.join('a%d' % k for k in value_inputs(group)))
    return '\n'.join(lines)


def _entry(group, namespace, nd_name):
    namespace.update({'_t%d' % k: dt for k, (dt, _) in enumerate(group.inputs)})
    exec(_entry_source(group, nd_name), namespace)  # noqa: S102 - generated from the group's structure
    return namespace['fused']


def _cpu_runner(fn, out_types, stand_ins):
    """run(shape, *inputs): allocates the outputs and calls the C loop over them; the root's output
    (the last) stands in for the values only measured."""
    empty = np.empty
    if stand_ins:
        def run_measured(shape, *inputs):
            outs = tuple(empty(shape, t) for t in out_types)
            fn(outs[0].size, *inputs, *outs)
            return outs + (outs[-1],) * stand_ins
        return run_measured
    if len(out_types) == 1:
        (t,) = out_types

        def run_one(shape, *inputs):
            out = empty(shape, t)
            fn(out.size, *inputs, out)
            return out
        return run_one

    def run(shape, *inputs):
        outs = tuple(empty(shape, t) for t in out_types)
        fn(outs[0].size, *inputs, *outs)
        return outs
    return run


def _cpu_functions(groups):
    if DATA_OFFSET is None:
        return [None] * len(groups)
    lib = load_library(c_source(groups))
    if lib is None:
        return [None] * len(groups)
    fused = []
    for i, group in enumerate(groups):
        out_types = [group.members[j][0].out_type for j in group.outputs]
        n_args = 1 + len(value_inputs(group)) + len(out_types)
        namespace = {'np': np, 'ndarray': np.ndarray}
        for variant in ('scalar', 'full'):
            fn = getattr(lib, 'g%d_%s' % (i, variant), None)
            if fn is not None:
                fn.argtypes = [ctypes.c_long] + [ctypes.py_object] * (n_args - 1)
                fn.restype = None
                namespace['_' + variant] = _cpu_runner(fn, out_types, group.stand_ins)
        fused.append(_entry(group, namespace, 'ndarray'))
    return fused


# -- real GPUs: one CuPy ElementwiseKernel per group --
def cupy_source(group, name='sluice_fused'):
    """(in_params, out_params, operation, preamble) of the group's ElementwiseKernel."""
    ins = value_inputs(group)
    in_params = ', '.join('%s a%d' % (CUPY_NAMES[group.inputs[k][0]], k) for k in ins)
    out_params = ', '.join('%s o%d' % (CUPY_NAMES[group.members[j][0].out_type], o)
                           for o, j in enumerate(group.outputs))
    preamble = '\n'.join([C_PRELUDE] + [_node_function('%s_n%d' % (name, j), node, CUDA_TYPES)
                                        for j, (node, _) in enumerate(group.members)])
    body = _node_values(group, name, lambda k: 'a%d' % k, CUDA_TYPES)
    body += ['o%d = v%d;' % (o, j) for o, j in enumerate(group.outputs)]
    return in_params, out_params, '\n'.join(body), preamble


_CUPY_KERNELS = {}  # source -> ElementwiseKernel


def _cupy_kernel(group):
    import cupy
    source = cupy_source(group)
    kernel = _CUPY_KERNELS.get(source)
    if kernel is None:
        in_params, out_params, operation, preamble = source
        kernel = _CUPY_KERNELS[source] = cupy.ElementwiseKernel(in_params, out_params, operation, 'sluice_fused',
                                                                preamble=preamble)
    return kernel


def _gpu_functions(groups, xp):
    fused = []
    for group in groups:
        kernel = _cupy_kernel(group)

        def run(shape, *inputs, _kernel=kernel, _stand_ins=group.stand_ins, _single=len(group.outputs) == 1):
            outs = _kernel(*inputs)  # a tuple when the group has several outputs
            if not _stand_ins:
                return outs
            outs = (outs,) if _single else tuple(outs)
            return outs + (outs[-1],) * _stand_ins
        # CuPy broadcasts 0-d inputs and handles strides: one variant serves both
        namespace = {'ndarray': xp.ndarray, '_scalar': run, '_full': run}
        fused.append(_entry(group, namespace, 'ndarray'))
    return fused


def compile_groups(groups, device):
    """One fused function per group for `device` (None where nothing can be compiled):
    fused(*inputs) -> the output array (one output) or a tuple, or None when it does not apply."""
    if not groups:
        return []
    if device.is_host or device.fake:
        return _cpu_functions(groups)
    try:
        return _gpu_functions(groups, device.xp)
    except Exception as e:  # noqa: BLE001 - no CuPy compiler: run unfused
        logger.debug('fused GPU kernels not built (%s): the plan runs its steps unfused', e)
        return [None] * len(groups)


def available(device):
    """Whether loops can be built for `device`: a C compiler and NumPy's data pointer found (CPU,
    fake GPUs), CuPy (real GPUs)."""
    if device.is_host or device.fake:
        return DATA_OFFSET is not None and compiler() is not None
    return True


register_fused_compiler(compile_groups, available)


# -- nodes beyond the elementwise table that a loop can inline --
def _dtype(op, attr='T'):
    try:
        dt = np.dtype(op.get_attr(attr).as_numpy_dtype)
    except (TypeError, ValueError, KeyError):
        return None
    return dt if dt in C_TYPES else None


def _select_v2(op):
    dt = _dtype(op)
    return dt and FusibleOp('c ? t : e', (0, 1, 2), ('c', 't', 'e'), (np.dtype(np.bool_), dt, dt), dt, dt)


def _passing(guard):
    """Identity (no guard), a Sum over no axes ('empty') or a Reshape to its own shape ('shape')."""
    def describe(op):
        dt = _dtype(op)
        return dt and FusibleOp('x', (0,), ('x',), (dt,), dt, dt, guards={1: guard} if guard else None)
    return describe


declare_fusible('SelectV2', _select_v2)
declare_fusible(('Identity', 'StopGradient', 'PreventGradient'), _passing(None))
declare_fusible('Sum', _passing('empty'))
declare_fusible('Reshape', _passing('shape'))
