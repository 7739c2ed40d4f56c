"""`tensorflow.python.*` module paths that TF1 programs import directly, served as `sluice.python.*`.

`tensorflow.python.keras.*` is `sluice.keras.*` itself: an import hook hands out the same module
objects, so classes and registries are not duplicated."""
import importlib
import importlib.abc
import importlib.util
import sys

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

_ALIASES = {'sluice.python.keras': 'sluice.keras'}


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `<alias>.X` as the module `<target>.X`."""

    def _target(self, fullname):
        for alias, target in _ALIASES.items():
            if fullname == alias or fullname.startswith(alias + '.'):
                return target + fullname[len(alias):]
        return None

    def find_spec(self, fullname, path, target=None):
        if self._target(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module(self._target(spec.name))

    def exec_module(self, module):
        pass


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

__getattr__ = _package_getattr(__name__, 'tensorflow.python')
