"""tf.load_op_library(path): a custom-op library, compiled, registered and wrapped in a module.

A library is a folder holding `op_library.py`, or a single .py file, that declares (see
declaration.py and docs in sluice/custom_ops/__init__.py):
    Op objects, at module level   each custom op, its kernels and gradient;
    CPU_SOURCES = [...]           C or C++ files (beside the declaration) with the CPU kernels;
    CUDA_SOURCES = [...]          CUDA C files with the GPU kernels (optional);
    CFLAGS = [...]                extra compiler flags (optional).

Loading: (1) import the declaration under a private module name; (2) compile CPU_SOURCES with
the system compiler into the per-user cache (compiler.py), unless already built for these
sources, and load it with ctypes, declaring each CPU kernel's functions (their signatures are
checked now: a missing symbol is an error at load time); (3) register each op with the op
registry, its CPU kernel for 'CPU' and its GPU kernel for 'GPU' (on a NumPy-backed fake GPU
the CPU builder runs instead, as for sluice's own CuPy kernels; CUDA_SOURCES are compiled with
CuPy's RawModule on the first GPU plan), and its gradient; (4) return a module with one function
per op, named as TF names them ('NegTrainWord2vec' -> neg_train_word2vec), taking the inputs
(positionally or by name), the attrs by keyword and `name`. Loading the same path again returns
the same module; an op name already taken by another library or by sluice is AlreadyExistsError.
`unload_op_library(module)` removes a library's ops and kernels (for tests).
"""
import collections
import importlib.util
import os
import sys
import threading
import types

from sluice.custom_ops import compiler
from sluice.custom_ops.declaration import Op
from sluice.custom_ops.native import CpuLibrary
from sluice.engine import errors, op_builder, op_registry
from sluice.kernels import registry as kernel_registry

_loaded = {}            # realpath -> module
_lock = threading.RLock()


def _declaration_file(path):
    path = os.path.realpath(os.fspath(path))
    if os.path.isdir(path):
        path = os.path.join(path, 'op_library.py')
    if not (os.path.isfile(path) and path.endswith('.py')):
        raise errors.NotFoundError(None, None, '%s: not a custom-op library (a folder with op_library.py, or a '
                                               '.py declaration file)' % path)
    return path


def _import_declaration(path):
    name = '_sluice_op_library_%x' % (hash(path) & 0xFFFFFFFF)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _declared_ops(declaration):
    ops = [value for value in vars(declaration).values() if isinstance(value, Op)]
    if not ops:
        raise errors.InvalidArgumentError(None, None, 'Custom-op library %s declares no Op' % declaration.__file__)
    return ops


def _compile_cpu(name, folder, declaration, ops):
    sources = list(getattr(declaration, 'CPU_SOURCES', ()))
    if not any(op.cpu for op in ops):
        return None
    if not sources:
        raise errors.InvalidArgumentError(None, None, 'Custom-op library %s has CPU kernels but no CPU_SOURCES'
                                          % name)
    path = compiler.build_shared_library(name, folder, sources, getattr(declaration, 'CFLAGS', ()))
    lib = CpuLibrary(name, path)
    for op in ops:
        if op.cpu:
            for function, signature in op.cpu.functions.items():
                lib.function(function, signature)
    return lib


class _GpuModule:
    """The library's CUDA sources as one cupy.RawModule, compiled (NVRTC) on first use."""

    def __init__(self, name, folder, sources):
        self.name, self.folder, self.sources = name, folder, list(sources)
        self._module = None
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._module is None:
                import cupy
                code = []
                for source in self.sources:
                    with open(os.path.join(self.folder, source)) as f:
                        code.append('#line 1 "%s"\n%s' % (source, f.read()))
                try:
                    self._module = cupy.RawModule(code='\n'.join(code), options=('-std=c++14',))
                    self._module.compile()
                except cupy.cuda.compiler.CompileException as e:
                    raise compiler.CompileError('Compiling the CUDA kernels of custom-op library %s failed:\n%s'
                                                % (self.name, e)) from None
            return self._module


def _register(op, lib, gpu_module, owner):
    if op.name in op_registry.registered_op_types():
        raise errors.AlreadyExistsError(None, None, 'Op with name %s already registered (custom-op library %s)'
                                        % (op.name, owner))
    op_registry.register_op(op.name, op.inputs, op.outputs, op.attrs, op.shape_fn, is_stateful=op.stateful,
                            allowed=op.allowed)
    multi = len(op.outputs) > 1
    if op.cpu:
        cpu = op.cpu
        kernel_registry.register_kernel(op.name, devices=('CPU',), multi_output=multi)(
            lambda node, ctx: cpu.builder(node, ctx, lib))
    if op.gpu:
        gpu = op.gpu

        def build_gpu(node, ctx):
            if ctx.device.fake:
                if not op.cpu:
                    raise errors.error_for_op(errors.UnimplementedError, node, '%s has no CPU kernel to run on a '
                                                                               'fake GPU' % node.type)
                return op.cpu.builder(node, ctx, lib)
            return gpu.builder(node, ctx, gpu_module.get())
        kernel_registry.register_kernel(op.name, devices=('GPU',), multi_output=multi)(build_gpu)
    if op.gradient_fn is not None:
        op_registry.register_gradient(op.name)(op.gradient_fn)
    elif not op.differentiable:
        op_registry.no_gradient(op.name)


def _op_function(op):
    input_names = [spec.split(':')[0].strip() for spec in op.inputs]
    output_names = [spec.split(':')[0].strip() for spec in op.outputs]
    Outputs = collections.namedtuple(op.name, output_names) if len(output_names) > 1 else None

    def add_op(*args, name=None, **kwargs):
        if len(args) > len(input_names):
            raise TypeError('%s() takes %d inputs (%s), got %d' % (op.python_name, len(input_names),
                                                                  ', '.join(input_names), len(args)))
        inputs = list(args)
        for input_name in input_names[len(args):]:
            if input_name not in kwargs:
                raise TypeError('%s() missing input %r' % (op.python_name, input_name))
            inputs.append(kwargs.pop(input_name))
        unknown = set(kwargs) - set(op.attrs)
        if unknown:
            raise TypeError('%s() got unexpected arguments %s' % (op.python_name, ', '.join(sorted(unknown))))
        node = op_builder.apply(op.name, inputs, kwargs, name=name)
        if Outputs is not None:
            return Outputs(*node.outputs)
        return node.outputs[0] if node.outputs else node

    add_op.__name__ = add_op.__qualname__ = op.python_name
    add_op.__doc__ = op.doc or 'Adds a %s op (custom-op library).' % op.name
    return add_op


def load_op_library(library_filename):
    """Loads a custom-op library (a folder with op_library.py, or a .py file); returns its module."""
    path = _declaration_file(library_filename)
    with _lock:
        if path in _loaded:
            return _loaded[path]
        folder = os.path.dirname(path)
        name = os.path.basename(folder) if path.endswith('op_library.py') else os.path.basename(path)[:-3]
        declaration = _import_declaration(path)
        ops = _declared_ops(declaration)
        lib = _compile_cpu(name, folder, declaration, ops)
        gpu_module = _GpuModule(name, folder, getattr(declaration, 'CUDA_SOURCES', ()))
        registered = []
        try:
            for op in ops:
                _register(op, lib, gpu_module, name)
                registered.append(op)
        except Exception:
            _unregister(registered)
            raise
        module = types.ModuleType(name, 'Custom-op library %s: %s' % (name, ', '.join(op.name for op in ops)))
        module.__file__ = path
        module.OP_TYPES = [op.name for op in ops]
        module._sluice_ops = ops
        module._sluice_cpu_library = lib
        for op in ops:
            setattr(module, op.python_name, _op_function(op))
        _loaded[path] = module
        return module


def _unregister(ops):
    # The registries have no removal API (sluice's own ops are never removed); a library's are,
    # so a test can load one without leaving types behind for the op-record coverage check.
    for op in ops:
        op_registry._REGISTRY.pop(op.name, None)
        op_registry._GRADIENTS.pop(op.name, None)
        for device_type in ('CPU', 'GPU'):
            kernel_registry._KERNELS.pop((op.name, device_type), None)


def unload_op_library(module):
    """Removes the ops of a library loaded by load_op_library (graphs using them stop running)."""
    with _lock:
        _unregister(module._sluice_ops)
        _loaded.pop(module.__file__, None)
