"""`tensorflow.python.framework.function`: TF1's graph functions (Defun), which sluice does not have.

sluice has no FunctionDef library: a graph function is neither built nor run. Defun and the names
around it raise NotImplementedError at the decoration, naming what the program used.
"""

__all__ = ['Defun']


class Defun:
    """@function.Defun(...): refused, since sluice has no graph functions."""

    def __init__(self, *input_types, **kwargs):
        raise NotImplementedError('sluice does not implement tensorflow.python.framework.function.Defun yet: graph '
                                  'functions (the FunctionDef library) are not supported; call the Python function '
                                  'directly to build its ops inline.')


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.function')
