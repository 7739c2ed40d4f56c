"""Element structures of tf.data: nested tuples, namedtuples and dicts of components.

tf.data's nest rules differ from tf.nest's: a tuple (or namedtuple) or a dict is a structure; a list
is an atom (converted to one tensor), as in TF 1.15's data/util/nest. Dicts flatten in sorted key
order. A dataset keeps its element's structure as three parallel nests (types, shapes, classes);
the graph ops and the kernels only see the flat lists.
"""
from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape


def is_structure(x):
    return isinstance(x, (tuple, dict))


def flatten(x):
    """The leaves of `x`, dicts in sorted key order."""
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in flatten(x[k])]
    if isinstance(x, tuple):
        return [leaf for v in x for leaf in flatten(v)]
    return [x]


def pack(structure, flat):
    """The leaves `flat` arranged as `structure`."""
    flat = list(flat)
    it = iter(flat)

    def build(s):
        if isinstance(s, dict):
            values = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, values[k]) for k in s)
        if isinstance(s, tuple) and hasattr(s, '_fields'):
            return type(s)(*[build(v) for v in s])
        if isinstance(s, tuple):
            return tuple(build(v) for v in s)
        return next(it)
    result = build(structure)
    if next(it, it) is not it:
        raise ValueError('Structure had %d elements, but flat_sequence had %d elements.'
                         % (len(flatten(structure)), len(flat)))
    return result


def map_structure(fn, *structures):
    flats = [flatten(s) for s in structures]
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    return pack(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def assert_same_structure(a, b):
    """ValueError when `a` and `b` nest differently (TypeError when sequence types differ)."""
    def walk(x, y):
        if is_structure(x) != is_structure(y):
            raise ValueError("The two structures don't have the same nested structure.\n\nFirst structure: %s"
                             "\n\nSecond structure: %s" % (a, b))
        if not is_structure(x):
            return
        if isinstance(x, dict) != isinstance(y, dict):
            raise TypeError("The two structures don't have the same sequence type. First structure has type %s, "
                            "while second structure has type %s." % (type(x), type(y)))
        if len(x) != len(y):
            raise ValueError("The two structures don't have the same number of elements. First structure: %s, "
                             "second structure: %s." % (a, b))
        if isinstance(x, dict):
            if sorted(x) != sorted(y):
                raise ValueError("The two dictionaries don't have the same set of keys. First structure has "
                                 "keys %s, while second structure has keys %s." % (sorted(x), sorted(y)))
            for k in sorted(x):
                walk(x[k], y[k])
        else:
            for u, v in zip(x, y):
                walk(u, v)
    walk(a, b)


def to_tensors(value, name='component'):
    """`value` with each leaf converted to a Tensor (a list leaf becomes one tensor)."""
    flat = flatten(value)
    tensors = []
    for i, v in enumerate(flat):
        if isinstance(v, _graph.Tensor):
            tensors.append(v)
        elif hasattr(v, 'indices') and hasattr(v, 'dense_shape'):
            raise NotImplementedError('sluice does not implement tf.data datasets of SparseTensors yet')
        else:
            tensors.append(_graph.convert_to_tensor(v, name='%s_%d' % (name, i)))
    return pack(value, tensors)


def as_types(structure):
    return map_structure(lambda t: _dtypes.as_dtype(t), structure)


def as_shapes(structure):
    return map_structure(lambda s: tensor_shape.as_shape(s), structure)


def shapes_like(types, shapes):
    """`shapes` nested as `types`; None gives unknown shapes (from_generator, from_structure)."""
    if shapes is None:
        return map_structure(lambda _: tensor_shape.unknown_shape(), types)
    return _pack_partial(types, shapes, lambda s: tensor_shape.as_shape(s))


def _pack_partial(structure, value, convert):
    """`value` (which may give a leaf for a whole substructure of `structure`) as `structure`."""
    if is_structure(structure) and is_structure(value):
        assert_same_structure(_shallow(structure), _shallow(value))
        if isinstance(structure, dict):
            items = {k: _pack_partial(structure[k], value[k], convert) for k in structure}
            return type(structure)((k, items[k]) for k in structure)
        parts = [_pack_partial(s, v, convert) for s, v in zip(structure, value)]
        return type(structure)(*parts) if hasattr(structure, '_fields') else tuple(parts)
    if is_structure(structure):
        return map_structure(lambda _: convert(value), structure)
    return convert(value)


def _shallow(x):
    if isinstance(x, dict):
        return {k: 0 for k in x}
    return tuple(0 for _ in x)


def most_specific_compatible_shape(a, b):
    """The shape both `a` and `b` satisfy (unknown where they differ): concatenate's and from_structure's rule."""
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return tensor_shape.unknown_shape()
    return tensor_shape.TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])
