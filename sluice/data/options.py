"""tf.data.Options: accepted and merged; sluice's pipelines have no optimizations to switch.

Setting an option TF 1.15 does not have raises AttributeError, as TF's options do.
"""

_FIELDS = ('experimental_deterministic', 'experimental_distribute', 'experimental_optimization', 'experimental_slack',
           'experimental_stats', 'experimental_threading')


class _OptionGroup:
    """A group of options (optimization, threading, ...): any attribute may be set; unset ones read None."""

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        return None


class Options:
    def __init__(self):
        object.__setattr__(self, '_values', {})
        for name in ('experimental_distribute', 'experimental_optimization', 'experimental_stats',
                     'experimental_threading'):
            self._values[name] = _OptionGroup()

    def __getattr__(self, name):
        if name in _FIELDS:
            return self._values.get(name)
        raise AttributeError("'Options' object has no attribute %r" % name)

    def __setattr__(self, name, value):
        if name not in _FIELDS:
            raise AttributeError("Cannot set the property %s on Options." % name)
        self._values[name] = value

    def __eq__(self, other):
        return isinstance(other, Options) and self._values == other._values

    def merge(self, options):
        """A new Options with this one's values, overridden by those `options` sets."""
        merged = Options()
        merged._values.update(self._values)
        for name, value in options._values.items():
            if value is not None and not isinstance(value, _OptionGroup):
                merged._values[name] = value
        return merged
