"""The engine is the bottom layer: no module under sluice/engine imports sluice.ops, sluice.io,
sluice.queues, sluice.training or the top-level `sluice` package, at module level or inside a
function. The upper layers reach the engine through hooks it offers instead (the GraphDef writer,
fetch functions, tensor conversion functions).

Each module is parsed with `ast`, so imports inside functions count, and nothing is imported.
"""
import ast
import pathlib

import pytest

ENGINE = pathlib.Path(__file__).resolve().parents[2] / 'sluice' / 'engine'
FORBIDDEN = ('sluice.ops', 'sluice.io', 'sluice.queues', 'sluice.training')


def _imported_modules(tree, package):
    """Every module an import statement of `tree` names, relative imports resolved in `package`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit('.', node.level - 1)[0] if node.level > 1 else package
                module = base + ('.' + node.module if node.module else '')
            else:
                module = node.module
            yield node.lineno, module
            # `from sluice import ops` imports sluice.ops.
            for alias in node.names:
                yield node.lineno, module + '.' + alias.name


def _violation(module):
    if module == 'sluice':
        return True
    return any(module == f or module.startswith(f + '.') for f in FORBIDDEN)


def _violations(source, package='sluice.engine'):
    tree = ast.parse(source)
    return sorted({(line, module) for line, module in _imported_modules(tree, package) if _violation(module)})


def _engine_modules():
    return sorted(ENGINE.rglob('*.py'))


@pytest.mark.parametrize('path', _engine_modules(), ids=lambda p: p.name)
def test_engine_module_imports_no_upper_layer(path):
    found = _violations(path.read_text())
    assert not found, '%s imports from an upper layer: %s' % (
        path.name, ', '.join('line %d: %s' % (line, module) for line, module in found))


def test_engine_modules_are_found():
    names = {p.name for p in _engine_modules()}
    assert {'graph.py', 'session.py', 'executor.py', 'tracing.py'} <= names


@pytest.mark.parametrize('source', [
    'from sluice.io import graph_def',
    'def f():\n    from sluice.ops.sparse_tensor import SparseTensorValue',
    'import sluice.queues.input',
    'class C:\n    def m(self):\n        import sluice.training',
    'import sluice',
    'from sluice import ops',
    'from .. import io',
    'from ..ops import math_ops',
])
def test_checker_catches_upper_layer_imports(source):
    assert _violations(source)


@pytest.mark.parametrize('source', [
    'from sluice.engine import dtypes',
    'from sluice.kernels import registry',
    'from . import graph',
    'import numpy as np',
    'from sluice.engine.graph import Tensor',
])
def test_checker_allows_engine_and_kernel_registry_imports(source):
    assert not _violations(source)


def test_upper_layers_install_their_hooks():
    """What `import sluice` registers into the engine: Graph.as_graph_def and composite fetches work."""
    import sluice as tf
    from sluice.engine import session
    from sluice.engine.node import graph_def_writer
    from sluice.io import graph_def
    assert graph_def_writer() is graph_def
    registered = {t.__name__ for t, _ in session._fetch_functions}
    assert {'SparseTensor', 'IndexedSlices'} <= registered
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name='c')
    assert [n.name for n in g.as_graph_def().node] == ['c']
