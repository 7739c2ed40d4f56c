"""convert_to_tensor: Python, NumPy and registered types as Tensors of the default graph.

A Tensor converts to itself (after a dtype check). Any other value is offered to the conversion
functions registered for its type (`register_tensor_conversion_function`, lowest priority first;
sluice.ops registers the Const builder for Python and NumPy values, variables register their
reads); the first that does not return NotImplemented wins. With only a `preferred_dtype`, each
function is first tried with that dtype and, when that fails, without it. The functions that fit a
type are cached per type; registering a function clears the cache.
"""
from sluice.engine import dtypes
from sluice.engine.node import Operation, Tensor

_conversion_functions = []  # (priority, base_type, fn), lowest priority first


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """Teaches convert_to_tensor a new type: fn(value, dtype=None, name=None, as_ref=False)."""
    _conversion_functions.append((priority, base_type, conversion_func))
    _conversion_functions.sort(key=lambda e: e[0])
    _conversion_cache.clear()


_conversion_cache = {}


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, as_ref=False, dtype_hint=None):
    """Returns `value` as a Tensor of the default graph, adding a Const node for Python/NumPy values."""
    if isinstance(value, Tensor):
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
            if not dtype.is_compatible_with(value._dtype):
                raise ValueError('Tensor conversion requested dtype %s for Tensor with dtype %s: %r'
                                 % (dtype.name, value._dtype.name, value))
        return value
    preferred_dtype = preferred_dtype or dtype_hint
    fns = _conversion_cache.get(type(value))
    if fns is None:
        fns = [fn for _, base, fn in _conversion_functions if isinstance(value, base)]
        _conversion_cache[type(value)] = fns
    for fn in fns:
        if dtype is None and preferred_dtype is not None:
            try:
                result = fn(value, dtype=preferred_dtype, name=name, as_ref=as_ref)
            except (TypeError, ValueError):
                result = NotImplemented
            if result is not NotImplemented:
                return result
        result = fn(value, dtype=dtype, name=name, as_ref=as_ref)
        if result is not NotImplemented:
            if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(result.dtype):
                raise RuntimeError('Conversion function %r for type %s returned incompatible dtype: requested '
                                   '= %s, actual = %s' % (fn, type(value), dtype, result.dtype))
            return result
    raise TypeError('Cannot convert %r with type %s to Tensor: no conversion function registered.'
                    % (value, type(value)))


def convert_n_to_tensor(values, dtype=None, name=None, preferred_dtype=None):
    return [convert_to_tensor(v, dtype=dtype, preferred_dtype=preferred_dtype,
                              name=None if name is None else '%s_%d' % (name, i))
            for i, v in enumerate(values)]


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, '_as_graph_element') and not isinstance(x, Operation)
