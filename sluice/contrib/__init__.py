"""tf.contrib: a lazy namespace, as in TF 1.x.

Each submodule (`tf.contrib.layers`, `tf.contrib.rnn`, ...) is a module of this package and is imported
on first attribute access, so `import sluice as tf` pays nothing for contrib. A name with no module here
raises an AttributeError that says sluice does not implement it yet.
"""
import importlib
import importlib.util

from sluice.unimplemented import namespace_getattr

_missing = namespace_getattr(__name__, 'tf.contrib')


def __getattr__(name):
    if not name.startswith('_') and importlib.util.find_spec('%s.%s' % (__name__, name)) is not None:
        return importlib.import_module('%s.%s' % (__name__, name))  # the import binds it on this package
    return _missing(name)
