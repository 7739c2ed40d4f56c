"""tf.keras.utils' generic helpers (TF 1.15's generic_utils): the Progbar, function (de)marshalling,
argument checks, and the custom-object registry and (de)serialization, which are sluice.keras.serialization's
(one registry for all of Keras) re-exported here under TF 1.15's module path.

Progbar prints Keras' progress lines. verbose=1 redraws one line ('\\r' on a terminal, a new line
otherwise): '  n/target [====>....] - ETA: 3s - loss: 0.1234', ending with the elapsed seconds and
time per unit once target is reached; verbose=2 prints only the final line ('n/target - 2s - loss: ...').
Metric values are averaged over the units seen (weighted by the units each update adds), except
the `stateful_metrics`, shown as last given.
"""
import binascii
import codecs
import inspect
import marshal
import re
import sys
import time
import types

import numpy as np

# One registry for all of Keras: the custom-object scope and (de)serialization live in
# sluice.keras.serialization (which losses, optimizers and layers import); tf.keras.utils re-exports them.
from sluice.keras.serialization import (_GLOBAL_CUSTOM_OBJECTS, CustomObjectScope,  # noqa: E402,F401
                                        class_and_config_for_serialized_keras_object, custom_object_scope,
                                        deserialize_keras_object, get_custom_objects,
                                        serialize_keras_class_and_config, serialize_keras_object)


def func_dump(func):
    """(base64 marshalled code, defaults, closure values) of a Python function (Lambda layers)."""
    code = codecs.encode(marshal.dumps(func.__code__), 'base64').decode('ascii')
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def _cell(value):
    return (lambda: value).__closure__[0]


def func_load(code, defaults=None, closure=None, globs=None):
    """The function `func_dump` described (the code's bytes must come from this Python version)."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
        if isinstance(defaults, list):
            defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(c if isinstance(c, types.CellType) else _cell(c) for c in closure)
    try:
        raw_code = codecs.decode(code.encode('ascii'), 'base64')
    except (UnicodeEncodeError, binascii.Error):
        raw_code = code.encode('raw_unicode_escape')
    code = marshal.loads(raw_code)
    return types.FunctionType(code, globals() if globs is None else globs, name=code.co_name,
                              argdefs=defaults, closure=closure)


def has_arg(fn, name, accept_all=False):
    """Whether `fn` takes a keyword argument `name` (or any, with accept_all and **kwargs)."""
    spec = inspect.getfullargspec(fn)
    if accept_all and spec.varkw is not None:
        return True
    return name in spec.args or name in spec.kwonlyargs


def to_snake_case(name):
    """'MyDenseLayer' -> 'my_dense_layer'; a private class ('_X') gets the prefix 'private'."""
    words = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    snake = re.sub('([a-z])([A-Z])', r'\1_\2', words).lower()
    return snake if snake[0] != '_' else 'private' + snake


def object_list_uid(object_list):
    """One string naming the objects (a nested structure) by id, as Keras keys its caches."""
    from sluice.python.util import nest
    return ', '.join(str(abs(id(x))) for x in nest.flatten(object_list))


def is_all_none(structure):
    from sluice.python.util import nest
    return all(element is None for element in nest.flatten(structure))


def check_for_unexpected_keys(name, input_dict, expected_values):
    unknown = set(input_dict.keys()).difference(expected_values)
    if unknown:
        raise ValueError('Unknown entries in {} dictionary: {}. Only expected following keys: {}'.format(
            name, list(unknown), expected_values))


def validate_kwargs(kwargs, allowed_kwargs, error_message='Keyword argument not understood:'):
    """Raises TypeError(error_message, kwarg) for the first keyword not in allowed_kwargs."""
    for kwarg in kwargs:
        if kwarg not in allowed_kwargs:
            raise TypeError(error_message, kwarg)


def to_list(x):
    """x if it is a list, else [x]."""
    if isinstance(x, list):
        return x
    return [x]


def make_batches(size, batch_size):
    """[(start, end)] index pairs covering range(size) in batches."""
    count = int(np.ceil(size / float(batch_size)))
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(count)]


def slice_arrays(arrays, start=None, stop=None):
    """arrays[start:stop] for an array or a list of them (None entries stay None); `start` may be
    a list of indices instead."""
    if arrays is None:
        return [None]
    if isinstance(start, list) and stop is not None:
        raise ValueError('The stop argument has to be None if the value of start is a list.')
    if isinstance(arrays, list):
        if hasattr(start, '__len__'):
            if hasattr(start, 'shape'):
                start = start.tolist()
            return [None if x is None else x[start] for x in arrays]
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(start, '__len__'):
        if hasattr(start, 'shape'):
            start = start.tolist()
        return arrays[start]
    if hasattr(start, '__getitem__'):
        return arrays[start:stop]
    return [None]


def _format_duration(seconds):
    if seconds > 3600:
        return '%d:%02d:%02d' % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return '%d:%02d' % (seconds // 60, seconds % 60)
    return '%ds' % seconds


def _format_rate(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return ' %.0fs/%s' % (time_per_unit, unit_name)
    if time_per_unit >= 1e-3:
        return ' %.0fms/%s' % (time_per_unit * 1e3, unit_name)
    return ' %.0fus/%s' % (time_per_unit * 1e6, unit_name)


class Progbar(object):
    """A progress bar over `target` units (None: unknown); see the module docstring for the lines."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name='step'):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        # Keras redraws in place on a terminal, in notebooks, and on every POSIX system.
        self._dynamic_display = ((hasattr(sys.stdout, 'isatty') and sys.stdout.isatty())
                                 or 'ipykernel' in sys.modules or 'posix' in sys.modules)
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}          # name -> [weighted sum, units] (stateful: [value, 1])
        self._values_order = []
        self._start = time.time()
        self._last_update = 0

    def update(self, current, values=None):
        """Moves the bar to `current` units; `values` is [(name, value for the last units)]."""
        for name, value in values or ():
            if name not in self._values_order:
                self._values_order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                added = current - self._seen_so_far
                total = self._values.setdefault(name, [0, 0])
                total[0] += value * added
                total[1] += added
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 1:
            if now - self._last_update < self.interval and self.target is not None and current < self.target:
                return
            self._draw(current, now)
        elif self.verbose == 2 and self.target is not None and current >= self.target:
            line = self._count(current) + ' - %.0fs' % (now - self._start)
            sys.stdout.write(line + self._metrics(verbose=2) + '\n')
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _count(self, current):
        digits = int(np.log10(self.target)) + 1
        return ('%' + str(digits) + 'd/%d') % (current, self.target)

    def _bar(self, current):
        if self.target is None:
            return '%7d/Unknown' % current
        filled = int(self.width * float(current) / self.target)
        bar = self._count(current) + ' ['
        if filled > 0:
            bar += '=' * (filled - 1) + ('>' if current < self.target else '=')
        return bar + '.' * (self.width - filled) + ']'

    def _metrics(self, verbose):
        text = ''
        for name in self._values_order:
            total, units = self._values[name]
            average = np.mean(total / max(1, units))
            # verbose=1 switches to exponent notation by magnitude, verbose=2 by signed value (as Keras)
            small = abs(average) <= 1e-3 if verbose == 1 else average <= 1e-3
            text += ' - %s:' % name + (' %.4e' % average if small else ' %.4f' % average)
        return text

    def _draw(self, current, now):
        previous_width = self._total_width
        sys.stdout.write('\b' * previous_width + '\r' if self._dynamic_display else '\n')
        bar = self._bar(current)
        self._total_width = len(bar)
        sys.stdout.write(bar)
        time_per_unit = (now - self._start) / current if current else 0
        if self.target is not None and current < self.target:
            info = ' - ETA: %s' % _format_duration(time_per_unit * (self.target - current))
        else:
            info = ' - %.0fs' % (now - self._start) + _format_rate(time_per_unit, self.unit_name)
        info += self._metrics(verbose=1)
        self._total_width += len(info)
        if previous_width > self._total_width:
            info += ' ' * (previous_width - self._total_width)
        if self.target is not None and current >= self.target:
            info += '\n'
        sys.stdout.write(info)
        sys.stdout.flush()
