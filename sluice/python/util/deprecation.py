"""`tensorflow.python.util.deprecation`: decorators that mark functions, arguments and names deprecated.

A decorated function behaves as before and logs one warning through the 'tensorflow' logger (the first
call only, unless warn_once=False), naming the caller's file and line, what is deprecated, when it goes
and what to do instead; `silence()` turns the warnings off inside a block. The date, when given, must be
ISO 8601 (YYYY-MM-DD) and the instructions must not be empty (ValueError otherwise), as in TF.
"""
import contextlib
import functools
import inspect
import re

from sluice.engine.log import tf_logger as _logger
from sluice.ops.deprecation import deprecated_argument_lookup  # noqa: F401

__all__ = ['deprecated', 'deprecated_args', 'deprecated_arg_values', 'deprecated_alias', 'deprecated_endpoints',
           'deprecated_argument_lookup', 'silence']

_PRINT_DEPRECATION_WARNINGS = True
_warned = set()


def _validate(date, instructions):
    if date is not None and not re.match(r'20\d\d-[01]\d-[0123]\d', date):
        raise ValueError('Date must be YYYY-MM-DD.')
    if not instructions:
        raise ValueError('Don\'t deprecate things without conversion instructions!')


def _call_location():
    frame = inspect.currentframe().f_back.f_back  # past the wrapper: the user's call
    return '%s:%d' % (frame.f_code.co_filename, frame.f_lineno) if frame else '<unknown>'


def _warn(key, warn_once, message, *args):
    if not _PRINT_DEPRECATION_WARNINGS or key in _warned:
        return
    if warn_once:
        _warned.add(key)
    _logger.warning(message, *args)


def _when(date):
    return 'in a future version' if date is None else 'after %s' % date


def deprecated(date, instructions, warn_once=True):
    """Decorator: calling the function logs that it is deprecated."""
    _validate(date, instructions)

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            _warn(func, warn_once, 'From %s: %s (from %s) is deprecated and will be removed %s.\n'
                  'Instructions for updating:\n%s', _call_location(), func.__qualname__, func.__module__,
                  _when(date), instructions)
            return func(*args, **kwargs)
        return wrapper
    return decorate


def _arg_position(func, name):
    names = list(inspect.signature(func).parameters)
    if name not in names:
        raise ValueError('The following deprecated arguments are not present in the function signature: %s.'
                         % [name])
    return names.index(name)


def deprecated_args(date, instructions, *deprecated_arg_names_or_tuples, **kwargs):
    """Decorator: passing any of the named arguments (or, for (name, ok_value) pairs, passing it with a value
    other than ok_value) logs that the argument is deprecated."""
    _validate(date, instructions)
    if not deprecated_arg_names_or_tuples:
        raise ValueError('Specify which argument is deprecated.')
    warn_once = kwargs.pop('warn_once', True)
    specs = [(arg, False, None) if isinstance(arg, str) else (arg[0], True, arg[1])
             for arg in deprecated_arg_names_or_tuples]

    def decorate(func):
        positions = {name: _arg_position(func, name) for name, _, _ in specs}

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for name, has_ok_value, ok_value in specs:
                if positions[name] < len(args):
                    value, given = args[positions[name]], True
                else:
                    value, given = kwargs.get(name), name in kwargs
                if given and not (has_ok_value and value == ok_value):
                    _warn((func, name), warn_once, 'From %s: calling %s (from %s) with %s is deprecated and will '
                          'be removed %s.\nInstructions for updating:\n%s', _call_location(), func.__qualname__,
                          func.__module__, name, _when(date), instructions)
            return func(*args, **kwargs)
        return wrapper
    return decorate


def deprecated_arg_values(date, instructions, warn_once=True, **deprecated_kwargs):
    """Decorator: calling the function with one of the given keyword values logs that the value is deprecated."""
    _validate(date, instructions)
    if not deprecated_kwargs:
        raise ValueError('Specify which argument values are deprecated.')

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = inspect.signature(func).bind(*args, **kwargs)
            for name, value in deprecated_kwargs.items():
                if name in bound.arguments and bound.arguments[name] == value:
                    _warn((func, name), warn_once, 'From %s: calling %s (from %s) with %s=%s is deprecated and will '
                          'be removed %s.\nInstructions for updating:\n%s', _call_location(), func.__qualname__,
                          func.__module__, name, value, _when(date), instructions)
            return func(*args, **kwargs)
        return wrapper
    return decorate


def deprecated_alias(deprecated_name, name, func_or_class, warn_once=True):
    """`func_or_class` under an old name: calling (or instantiating) it logs that the name is deprecated."""
    message = 'From %s: The name %s is deprecated. Please use %s instead.\n'
    if inspect.isclass(func_or_class):
        class _NewClass(func_or_class):
            def __init__(self, *args, **kwargs):
                _warn(_NewClass, warn_once, message, _call_location(), deprecated_name, name)
                super().__init__(*args, **kwargs)
        _NewClass.__name__ = _NewClass.__qualname__ = func_or_class.__name__
        _NewClass.__module__ = func_or_class.__module__
        return _NewClass

    @functools.wraps(func_or_class)
    def wrapper(*args, **kwargs):
        _warn(wrapper, warn_once, message, _call_location(), deprecated_name, name)
        return func_or_class(*args, **kwargs)
    return wrapper


def deprecated_endpoints(*args):
    """Decorator recording the deprecated public names of a function (`_tf_deprecated_api_names`)."""
    def decorate(func):
        if '_tf_deprecated_api_names' in func.__dict__:
            raise ValueError('Function %s already has deprecated endpoints.' % func.__name__)
        func._tf_deprecated_api_names = args
        return func
    return decorate


@contextlib.contextmanager
def silence():
    """Inside the block, deprecated functions log nothing."""
    global _PRINT_DEPRECATION_WARNINGS
    before, _PRINT_DEPRECATION_WARNINGS = _PRINT_DEPRECATION_WARNINGS, False
    try:
        yield
    finally:
        _PRINT_DEPRECATION_WARNINGS = before


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.util.deprecation')
