"""The `__getattr__` that sluice's namespaces (tf, tf.math, tf.train, ...) install, so a TF name sluice
lacks fails with a message that says so.

Python calls a module's `__getattr__` only after normal lookup failed, so names that exist cost
nothing. The error is still an AttributeError (with `name` and `obj` set, so Python 3.10+ suggests
near names for typos), which keeps `hasattr(tf, 'x')` False and `getattr(tf, 'x', default)` working.
Private and dunder names (probed by import machinery, pickle, pytest) get Python's usual message.
"""
import sys


def namespace_getattr(module_name, tf_name):
    """A module `__getattr__` for the module `module_name`, published to users as `tf_name`."""
    def __getattr__(name):
        message = "module %r has no attribute %r" % (module_name, name)
        if not name.startswith('_'):
            message += ': sluice does not implement %s.%s yet' % (tf_name, name)
        error = AttributeError(message)
        error.name, error.obj = name, sys.modules.get(module_name)  # the keywords are Python 3.10+ only
        raise error
    return __getattr__


def package_getattr(module_name, tf_name):
    """`namespace_getattr` for a package whose submodules load on first use (`tf.python.framework`,
    as TF 1.x's `tensorflow.python` exposes its imported modules as attributes)."""
    missing = namespace_getattr(module_name, tf_name)

    def __getattr__(name):
        if not name.startswith('_'):
            import importlib
            try:
                return importlib.import_module('%s.%s' % (module_name, name))
            except ModuleNotFoundError as e:
                if e.name != '%s.%s' % (module_name, name):
                    raise
        return missing(name)
    return __getattr__
