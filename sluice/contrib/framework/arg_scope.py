"""arg_scope: default keyword arguments for a set of functions, as in TF 1.x's contrib.framework.

A stack of scopes; each scope is a dict {function key: {argument: value}}. `arg_scope([f, g], k=v)`
pushes a copy of the current scope in which f's and g's entries are updated with k=v (so an inner scope
overrides an outer one argument by argument), and pops it on exit. `add_arg_scope(f)` wraps f so that a
call merges the current scope's entry for f under the keywords given explicitly (explicit wins).
A function's key is the str() of the undecorated function (kept on the wrapper as `_key_op`), so all
wrappers of one function share an entry. Only decorated functions may appear in `arg_scope`
(ValueError otherwise); an argument a function does not take fails when it is called (TypeError).
The stack is process-wide, as in TF.
"""
import contextlib
import functools

__all__ = ['arg_scope', 'add_arg_scope', 'current_arg_scope', 'has_arg_scope', 'arg_scoped_arguments',
           'arg_scope_func_key']

_ARG_STACK = [{}]
_DECORATED = {}  # function key -> the names of its keyword arguments (those with defaults)


def _stack():
    if not _ARG_STACK:
        _ARG_STACK.append({})
    return _ARG_STACK


def current_arg_scope():
    """The innermost scope: {function key: {argument: value}}."""
    return _stack()[-1]


def arg_scope_func_key(op):
    return getattr(op, '_key_op', str(op))


def _keyword_names(func):
    """The positional-or-keyword parameters that have defaults, as TF's _kwarg_names reads them."""
    code = func.__code__
    n_defaults = len(func.__defaults__) if func.__defaults__ else 0
    return code.co_varnames[code.co_argcount - n_defaults:code.co_argcount]


def has_arg_scope(func):
    """Whether `func` was decorated with @add_arg_scope."""
    return arg_scope_func_key(func) in _DECORATED


def arg_scoped_arguments(func):
    """The keyword arguments arg_scope can set for the decorated `func`."""
    if not has_arg_scope(func):
        raise ValueError('%s is not decorated with @add_arg_scope' % (getattr(func, '__name__', func),))
    return _DECORATED[arg_scope_func_key(func)]


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Sets `kwargs` as the defaults of every op in `list_ops_or_scope` inside the block; yields the
    scope (a dict) which can be re-entered later with `arg_scope(scope)`."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError('When attempting to re-use a scope by suppling a dictionary, kwargs must be empty.')
        scope = list_ops_or_scope.copy()
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError('list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)')
        scope = current_arg_scope().copy()
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                raise ValueError('%s is not decorated with @add_arg_scope'
                                 % ((getattr(op, '__module__', None), getattr(op, '__name__', op)),))
            key = arg_scope_func_key(op)
            merged = dict(scope.get(key, {}))
            merged.update(kwargs)
            scope[key] = merged
    _stack().append(scope)
    try:
        yield scope
    finally:
        _stack().pop()


def add_arg_scope(func):
    """Decorates `func` so that calls take their missing keyword arguments from the current arg_scope."""
    key = arg_scope_func_key(func)

    @functools.wraps(func)
    def func_with_args(*args, **kwargs):
        defaults = current_arg_scope().get(key)
        if defaults:
            merged = dict(defaults)
            merged.update(kwargs)
            kwargs = merged
        return func(*args, **kwargs)

    _DECORATED[key] = _keyword_names(func)
    func_with_args._key_op = key
    return func_with_args
