"""`tensorflow.python.util.nest` (tf.nest): nested structures of Python values.

A structure is a tuple, a list, a namedtuple or a mapping (dict, OrderedDict, defaultdict); anything else,
strings and None included, is a leaf. Flattening walks depth first, mappings in sorted key order (so
the order does not depend on insertion); packing rebuilds each container with its own type, a mapping
with its original keys. Two structures are the same when they nest the same way, with the same mapping
keys and, when `check_types`, the same container types (list vs tuple, one namedtuple class vs another).
"""
import collections
import collections.abc as _abc

__all__ = ['is_sequence', 'is_nested', 'flatten', 'pack_sequence_as', 'map_structure', 'assert_same_structure',
           'flatten_up_to', 'map_structure_up_to']


def is_sequence(seq):
    """True for the containers nest walks into (tuple, list, namedtuple, mapping); False for leaves."""
    return isinstance(seq, (list, tuple, _abc.Mapping))


is_nested = is_sequence


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError('nest only supports dicts with sortable keys.')


def _children(seq):
    if isinstance(seq, _abc.Mapping):
        return [seq[k] for k in _sorted_keys(seq)]
    return list(seq)


def _rebuild(instance, children):
    """A container like `instance` holding `children` (given in flattening order)."""
    if isinstance(instance, _abc.Mapping):
        by_key = dict(zip(_sorted_keys(instance), children))
        if isinstance(instance, collections.defaultdict):
            result = collections.defaultdict(instance.default_factory)
            for key in instance:
                result[key] = by_key[key]
            return result
        return type(instance)((key, by_key[key]) for key in instance)
    if isinstance(instance, tuple) and hasattr(instance, '_fields'):
        return type(instance)(*children)
    return type(instance)(children)


def flatten(structure, expand_composites=False):
    """The leaves of `structure`, depth first (a leaf alone gives [leaf])."""
    if not is_sequence(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _packed(structure, flat, index):
    if not is_sequence(structure):
        return flat[index], index + 1
    children = []
    for child in _children(structure):
        value, index = _packed(child, flat, index)
        children.append(value)
    return _rebuild(structure, children), index


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """`flat_sequence`'s values arranged as `structure` (whose own leaves are ignored)."""
    if not is_sequence(flat_sequence):
        raise TypeError('flat_sequence must be a sequence')
    flat_sequence = list(flat_sequence)
    if not is_sequence(structure):
        if len(flat_sequence) != 1:
            raise ValueError('Structure is a scalar but len(flat_sequence) == %d > 1' % len(flat_sequence))
        return flat_sequence[0]
    size = len(flatten(structure))
    if size != len(flat_sequence):
        raise ValueError('Could not pack sequence. Structure had %d elements, but flat_sequence had %d elements.  '
                         'Structure: %s, flat_sequence: %s.' % (size, len(flat_sequence), structure, flat_sequence))
    return _packed(structure, flat_sequence, 0)[0]


def _same_type(a, b):
    if isinstance(a, _abc.Mapping) and isinstance(b, _abc.Mapping):
        return True  # TF treats all mappings alike
    return type(a) is type(b)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """ValueError when the two nest differently or differ in mapping keys; TypeError when `check_types` and
    a container's type differs."""
    def walk(a, b):
        if is_sequence(a) != is_sequence(b) or (is_sequence(a) and len(a) != len(b)):
            raise ValueError("The two structures don't have the same nested structure.\n\nFirst structure: %s\n\n"
                             "Second structure: %s\n\nMore specifically: Substructure %r is %s while substructure "
                             "%r is %s" % (nest1, nest2, a, _describe(a), b, _describe(b)))
        if not is_sequence(a):
            return
        if check_types and not _same_type(a, b):
            raise TypeError("The two structures don't have the same sequence type. First structure has type %s, "
                            "while second structure has type %s." % (type(a), type(b)))
        if isinstance(a, _abc.Mapping) or isinstance(b, _abc.Mapping):
            if not (isinstance(a, _abc.Mapping) and isinstance(b, _abc.Mapping)):
                raise ValueError("The two structures don't have the same nested structure: %s is a mapping and %s "
                                 "is not" % ((a, b) if isinstance(a, _abc.Mapping) else (b, a)))
            if set(a) != set(b):
                raise ValueError("The two dictionaries don't have the same set of keys. First structure has keys "
                                 "%s, while second structure has keys %s." % (_sorted_keys(a), _sorted_keys(b)))
        for x, y in zip(_children(a), _children(b)):
            walk(x, y)
    walk(nest1, nest2)


def _describe(value):
    return 'a sequence of length %d' % len(value) if is_sequence(value) else 'not a sequence'


def map_structure(func, *structure, **kwargs):
    """`func` applied to the leaves in the same place of each structure, packed as the first."""
    if not callable(func):
        raise TypeError('func must be callable, got: %s' % func)
    if not structure:
        raise ValueError('Must provide at least one structure')
    check_types = kwargs.pop('check_types', True)
    kwargs.pop('expand_composites', None)
    if kwargs:
        raise ValueError('Only valid keyword arguments are `check_types` and `expand_composites`, not: `%s`'
                         % '`, `'.join(kwargs))
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)])


def flatten_up_to(shallow_tree, input_tree, check_types=True, expand_composites=False):
    """`input_tree` flattened only as deep as `shallow_tree` nests (deeper parts stay whole)."""
    if not is_sequence(shallow_tree):
        return [input_tree]
    if not is_sequence(input_tree):
        raise TypeError('If shallow structure is a sequence, input must also be a sequence. Input has type: %s.'
                        % type(input_tree))
    if check_types and not _same_type(shallow_tree, input_tree):
        raise TypeError('The two structures don\'t have the same sequence type. Input structure has type %s, while '
                        'shallow structure has type %s.' % (type(input_tree), type(shallow_tree)))
    if len(input_tree) != len(shallow_tree):
        raise ValueError('The two structures don\'t have the same sequence length. Input structure has length %d, '
                         'while shallow structure has length %d.' % (len(input_tree), len(shallow_tree)))
    if isinstance(shallow_tree, _abc.Mapping):
        missing = set(shallow_tree) - set(input_tree)
        if missing:
            raise ValueError("The shallow_tree's keys are not a subset of the input_tree's keys. The shallow_tree "
                             "has the following keys that are not in the input_tree: %s." % sorted(missing))
        pairs = [(shallow_tree[k], input_tree[k]) for k in _sorted_keys(shallow_tree)]
    else:
        pairs = zip(shallow_tree, input_tree)
    out = []
    for shallow, value in pairs:
        out.extend(flatten_up_to(shallow, value, check_types))
    return out


def map_structure_up_to(shallow_tree, func, *inputs, **kwargs):
    """`func` applied to the parts of each input at the leaves of `shallow_tree`, packed as `shallow_tree`."""
    if not inputs:
        raise ValueError('Cannot map over no sequences')
    check_types = kwargs.pop('check_types', True)
    flats = [flatten_up_to(shallow_tree, value, check_types) for value in inputs]
    return pack_sequence_as(shallow_tree, [func(*parts) for parts in zip(*flats)])


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.util.nest')
