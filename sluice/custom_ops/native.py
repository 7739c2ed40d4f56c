"""Calling a compiled CPU kernel through ctypes, with every argument checked first.

A kernel function is declared once with a signature, a comma-separated list of arguments:
    'float32[V,D] w_in'    a C-contiguous array: dtype, then one name or number per dimension
    'int32[N] examples'    ('[]' is a 0-d array; a name shared by several arrays must agree)
    'float32 lr'           a scalar passed by value (int8..int64, uint8..uint64, float32, float64)
    'errbuf err'           a char buffer for the kernel's error message (SLUICE_ERRBUF_SIZE bytes)
The function returns int: 0 is success; anything else raises the op's InvalidArgumentError with
the errbuf text. Before the call, each array's dtype, rank and named dimensions are checked and
a mismatch raises InvalidArgumentError naming the op, the function, the argument, what was
declared and what came: the kernel is never handed a buffer of the wrong size. Writing past the
declared shape inside the kernel is the kernel's bug.
"""
import ctypes
import re

import numpy as np

from sluice.engine import errors

ERRBUF_SIZE = 512
_SPLIT = re.compile(r',(?![^\[]*\])')     # commas outside brackets
_ARG = re.compile(r'^\s*(\w+)\s*(?:\[([\w\s,]*)\])?\s+(\w+)\s*$')
_SCALARS = {'int8': ctypes.c_int8, 'int16': ctypes.c_int16, 'int32': ctypes.c_int32, 'int64': ctypes.c_int64,
            'uint8': ctypes.c_uint8, 'uint16': ctypes.c_uint16, 'uint32': ctypes.c_uint32,
            'uint64': ctypes.c_uint64, 'float32': ctypes.c_float, 'float64': ctypes.c_double}


class Arg:
    __slots__ = ('name', 'dtype', 'dims', 'kind')

    def __init__(self, spec):
        m = _ARG.match(spec)
        if not m or (m.group(1) not in _SCALARS and m.group(1) != 'errbuf'):
            raise ValueError('Bad kernel argument %r: expected "dtype[dims] name", "dtype name" or "errbuf name"'
                             % spec)
        type_name, dims, self.name = m.groups()
        self.kind = 'errbuf' if type_name == 'errbuf' else ('array' if dims is not None else 'scalar')
        self.dtype = None if self.kind == 'errbuf' else np.dtype(type_name)
        self.dims = tuple(d.strip() for d in dims.split(',') if d.strip()) if dims is not None else None


class KernelFunction:
    """One declared function of a compiled library: call(op, *values) checks, then calls."""

    def __init__(self, library_name, cdll, name, signature):
        self.name = name
        self.library_name = library_name
        self.args = [Arg(s) for s in _SPLIT.split(signature)] if signature.strip() else []
        try:
            self._fn = getattr(cdll, name)
        except AttributeError:
            raise errors.NotFoundError(None, None, 'Custom-op library %s has no kernel function %s (is it '
                                                   'declared extern "C" in C++?)' % (library_name, name)) from None
        self._fn.restype = ctypes.c_int
        self._fn.argtypes = [ctypes.c_void_p if a.kind != 'scalar' else _SCALARS[a.dtype.name] for a in self.args]

    def _bad(self, op, message):
        return errors.error_for_op(errors.InvalidArgumentError, op, '%s (kernel function %s of %s): %s'
                                   % (op.type, self.name, self.library_name, message))

    def check(self, op, values):
        """The ctypes arguments for `values`, after checking them against the signature."""
        if len(values) != sum(a.kind != 'errbuf' for a in self.args):
            raise self._bad(op, 'takes %d values, got %d' % (sum(a.kind != 'errbuf' for a in self.args),
                                                             len(values)))
        bound, sizes, it = [], {}, iter(values)
        errbuf = None
        for arg in self.args:
            if arg.kind == 'errbuf':
                errbuf = ctypes.create_string_buffer(ERRBUF_SIZE)
                bound.append(ctypes.cast(errbuf, ctypes.c_void_p))
                continue
            value = next(it)
            if arg.kind == 'scalar':
                bound.append(value.item() if isinstance(value, np.generic) else value)
                continue
            bound.append(self._check_array(op, arg, value, sizes))
        return bound, errbuf

    def _check_array(self, op, arg, value, sizes):
        if not isinstance(value, np.ndarray):
            raise self._bad(op, 'argument %s must be a NumPy array, got %s' % (arg.name, type(value).__name__))
        if value.dtype != arg.dtype:
            raise self._bad(op, 'argument %s must be %s, got %s' % (arg.name, arg.dtype.name, value.dtype.name))
        if value.ndim != len(arg.dims):
            raise self._bad(op, 'argument %s must have rank %d ([%s]), got shape %s'
                            % (arg.name, len(arg.dims), ','.join(arg.dims), list(value.shape)))
        for dim, size in zip(arg.dims, value.shape):
            expected = int(dim) if dim.isdigit() else sizes.setdefault(dim, size)
            if size != expected:
                raise self._bad(op, 'argument %s has shape %s, but its dimension %s is %d elsewhere'
                                % (arg.name, list(value.shape), dim, expected))
        if not value.flags.c_contiguous:
            raise self._bad(op, 'argument %s must be C-contiguous' % arg.name)
        return value.ctypes.data

    def __call__(self, op, *values):
        bound, errbuf = self.check(op, values)
        status = self._fn(*bound)
        if status != 0:
            text = errbuf.value.decode('utf-8', 'replace') if errbuf is not None else ''
            raise self._bad(op, text or 'returned status %d' % status)


class CpuLibrary:
    """A loaded shared library: `lib.function(name, signature)` declares, then `fn(op, *values)` runs."""

    def __init__(self, name, path):
        self.name = name
        self.path = path
        try:
            self._cdll = ctypes.CDLL(path)
        except OSError as e:
            raise errors.NotFoundError(None, None, 'Cannot load custom-op library %s: %s' % (name, e)) from None
        self._functions = {}

    def function(self, name, signature=''):
        fn = self._functions.get(name)
        if fn is None:
            fn = self._functions[name] = KernelFunction(self.name, self._cdll, name, signature)
        return fn
