"""The Python generators behind Dataset.from_generator, by token.

A GeneratorDataset node names its generator by a token attr (as TF's py_func tokens): the callable
and its element structure stay in this process, in a registry the kernel reads.
"""
import itertools
import threading

from sluice.data import structure as nest

_lock = threading.Lock()
_specs = {}
_tokens = itertools.count()


class GeneratorSpec:
    def __init__(self, fn, structure):
        self.fn = fn
        self.structure = structure

    def flatten(self, value):
        """The yielded `value` as a flat list following the structure; TypeError when it does not match."""
        try:
            nest.assert_same_structure(self.structure, value)
            return nest.flatten(value)
        except (ValueError, TypeError, KeyError):
            raise TypeError('`generator` yielded an element that did not match the expected structure. The expected '
                            'structure was %s, but the yielded element was %s.' % (self.structure, value)) from None


def register(fn, structure):
    with _lock:
        token = 'pyfunc_%d' % next(_tokens)
        _specs[token] = GeneratorSpec(fn, structure)
    return token


def lookup(token):
    token = token.decode() if isinstance(token, bytes) else token
    with _lock:
        spec = _specs.get(token)
    if spec is None:
        from sluice.engine import errors
        raise errors.InvalidArgumentError(None, None, 'No Python generator is registered for token %s' % token)
    return spec
