"""tf.contrib.training.HParams: named hyperparameters with fixed types, overridable from a string or JSON.

Each hyperparameter's type comes from its first value (int, float, bool, str, or a list of one of them).
`parse('lr=0.1,layers=[64,64],sizes[1]=3,use_bn=false')` overrides values by that type: an int widens to
a float, nothing else converts; a name appears once per string; `name[i]=v` sets one list element.
`values()`, `to_json()` and `parse_json()` round-trip the values.
"""
import json
import numbers
import re

_ASSIGNMENT = re.compile(r'(?P<name>[a-zA-Z][\w\.]*)(\[\s*(?P<index>\d+)\s*\])?\s*=\s*'
                         r'((?P<val>[^,\[]*)|\[(?P<vals>[^\]]*)\])(\s*,\s*|$)')


def _parse_bool(text):
    if text in ('true', 'True'):
        return True
    if text in ('false', 'False'):
        return False
    try:
        return bool(int(text))
    except ValueError:
        raise ValueError('%r is not a boolean' % text) from None


def _parser(kind):
    return _parse_bool if kind is bool else kind


def _cast(name, kind, value):
    """`value` as `kind`, or ValueError when the types do not agree (an int may become a float)."""
    message = 'Could not cast hparam \'%s\' of type \'%s\' from value %r' % (name, kind, value)
    if issubclass(kind, str):
        if not isinstance(value, str):
            raise ValueError(message)
        return value
    if issubclass(kind, bool) != isinstance(value, bool):
        raise ValueError(message)
    if issubclass(kind, numbers.Integral) and not isinstance(value, numbers.Integral):
        raise ValueError(message)
    if issubclass(kind, numbers.Number) and not isinstance(value, numbers.Number):
        raise ValueError(message)
    return kind(value)


def parse_values(values, type_map, ignore_unknown=False):
    """{name: value, list or {index: value}} from 'a=1,b=[1,2],c[0]=3', typed by `type_map`."""
    results = {}
    pos = 0
    while pos < len(values):
        m = _ASSIGNMENT.match(values, pos)
        if not m:
            raise ValueError('Malformed hyperparameter value: %s' % values[pos:])
        pos = m.end()
        name = m.group('name')
        if name not in type_map:
            if ignore_unknown:
                continue
            raise ValueError('Unknown hyperparameter type for %s' % name)
        kind = type_map[name]
        parse = _parser(kind)

        def parsed(text, name=name, kind=kind, parse=parse):
            try:
                return parse(text)
            except ValueError:
                raise ValueError("Could not parse hparam '%s' of type '%s' with value '%s' in %s" %
                                 (name, kind.__name__, text, values)) from None
        if m.group('vals') is not None:
            if m.group('index') is not None:
                raise ValueError('Assignment of a list to a list index.')
            if name in results:
                raise ValueError("Multiple assignments to variable '%s' in %s" % (name, values))
            items = [v.strip() for v in m.group('vals').split(',') if v.strip()]
            results[name] = [parsed(v) for v in items]
        else:
            value = parsed(m.group('val').strip())
            index = m.group('index')
            if index is None:
                if name in results:
                    raise ValueError("Multiple assignments to variable '%s' in %s" % (name, values))
                results[name] = value
            else:
                slots = results.setdefault(name, {})
                if not isinstance(slots, dict) or int(index) in slots:
                    raise ValueError("Multiple assignments to variable '%s' in %s" % ('%s[%s]' % (name, index),
                                                                                      values))
                slots[int(index)] = value
    return results


class HParams:
    """Hyperparameters as attributes: HParams(learning_rate=0.1, layers=[64, 64])."""

    def __init__(self, hparam_def=None, model_structure=None, **kwargs):
        self._hparam_types = {}
        self._model_structure = model_structure
        if hparam_def is not None:
            raise NotImplementedError('sluice does not implement HParams from an HParamDef proto yet')
        for name, value in kwargs.items():
            self.add_hparam(name, value)

    def add_hparam(self, name, value):
        if getattr(self, name, None) is not None:  # a method's name, or one already added
            raise ValueError('Hyperparameter name is reserved: %s' % name)
        if isinstance(value, (list, tuple)):
            if not value:
                raise ValueError('Multi-valued hyperparameters cannot be empty: %s' % name)
            self._hparam_types[name] = (type(value[0]), True)
        else:
            self._hparam_types[name] = (type(value), False)
        setattr(self, name, value)

    def set_hparam(self, name, value):
        kind, is_list = self._hparam_types[name]
        if isinstance(value, list):
            if not is_list:
                raise ValueError('Must not pass a list for single-valued parameter: %s' % name)
            setattr(self, name, [_cast(name, kind, v) for v in value])
        else:
            if is_list:
                raise ValueError('Must pass a list for multi-valued parameter: %s.' % name)
            setattr(self, name, _cast(name, kind, value))

    def del_hparam(self, name):
        if hasattr(self, name):
            delattr(self, name)
            del self._hparam_types[name]

    def parse(self, values):
        type_map = {name: kind for name, (kind, _) in self._hparam_types.items()}
        return self.override_from_dict(parse_values(values, type_map))

    def override_from_dict(self, values_dict):
        for name, value in values_dict.items():
            if isinstance(value, dict):  # list elements by index
                current = list(getattr(self, name))
                for index, item in value.items():
                    current[index] = item
                value = current
            self.set_hparam(name, value)
        return self

    set_from_map = override_from_dict

    def set_model_structure(self, model_structure):
        self._model_structure = model_structure

    def get_model_structure(self):
        return self._model_structure

    def to_json(self, indent=None, separators=None, sort_keys=False):
        def remove_callables(x):
            if isinstance(x, dict):
                return {k: remove_callables(v) for k, v in x.items() if not callable(v)}
            if isinstance(x, list):
                return [remove_callables(v) for v in x if not callable(v)]
            return x
        return json.dumps(remove_callables(self.values()), indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def parse_json(self, values_json):
        return self.override_from_dict(json.loads(values_json))

    def values(self):
        return {name: getattr(self, name) for name in self._hparam_types}

    def get(self, key, default=None):
        if key not in self._hparam_types:
            return default
        if default is not None:
            kind, is_list = self._hparam_types[key]
            message = 'Hparam \'%s\' of type \'%s\' is incompatible with default=%s' % (key, kind, default)
            if is_list != isinstance(default, list):
                raise ValueError(message)
            try:
                for item in default if is_list else [default]:
                    _cast(key, kind, item)
            except ValueError as e:
                raise ValueError('%s. %s' % (message, e)) from None
        return getattr(self, key)

    def __contains__(self, key):
        return key in self._hparam_types

    def __str__(self):
        return str(sorted(self.values().items()))

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, self.__str__())
