"""tf.data.Iterator (TF 1.15): one-shot, initializable, reinitializable and feedable iterators.

An Iterator wraps an iterator resource tensor (IteratorV2, OneShotIterator or
IteratorFromStringHandleV2, sluice/ops/dataset_ops.py) and the element structure. `get_next()` adds
an IteratorGetNext op and packs its outputs as the structure, with the static shapes of the
dataset; `make_initializer(dataset)` adds MakeIterator after checking that the dataset's types
match and its shapes are compatible (TF's TypeErrors).
"""
from sluice.data import structure as nest
from sluice.data.dataset_ops import DatasetV1, _classes, _element_attrs
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder

_STATEFUL_SOURCES = ('VariableV2', 'VarHandleOp', 'HashTableV2', 'MutableHashTableV2')


class Iterator:
    def __init__(self, resource, initializer, types, shapes, classes=None):
        self._iterator_resource = resource
        self._initializer = initializer
        self._types, self._shapes = types, shapes
        self._classes = classes if classes is not None else _classes(types)
        self._get_next_calls = 0

    # -- construction --
    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        types = nest.as_types(output_types) if nest.is_structure(output_types) else dtypes.as_dtype(output_types)
        shapes = nest.shapes_like(types, output_shapes)
        attrs = dict(_element_attrs(types, shapes), shared_name=shared_name or '')
        resource = op_builder.output('IteratorV2', [], attrs, name='Iterator')
        return Iterator(resource, None, types, shapes, output_classes)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        types = nest.as_types(output_types) if nest.is_structure(output_types) else dtypes.as_dtype(output_types)
        shapes = nest.shapes_like(types, output_shapes)
        handle = _graph.convert_to_tensor(string_handle, dtype=dtypes.string, name='string_handle')
        resource = op_builder.output('IteratorFromStringHandleV2', [handle], _element_attrs(types, shapes),
                                     name='IteratorFromStringHandleV2')
        return Iterator(resource, None, types, shapes, output_classes)

    # -- the element --
    @property
    def output_types(self):
        return self._types

    @property
    def output_shapes(self):
        return self._shapes

    @property
    def output_classes(self):
        return self._classes

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError('Iterator does not have an initializer.')
        return self._initializer

    def make_initializer(self, dataset, name=None):
        with _graph.name_scope(name, 'make_initializer') as scope:
            types, shapes = dataset.output_types, dataset.output_shapes
            nest.assert_same_structure(self._types, types)
            nest.assert_same_structure(self._shapes, shapes)
            for mine, theirs in zip(nest.flatten(self._types), nest.flatten(types)):
                if mine != theirs:
                    raise TypeError('Expected output types %r but got dataset with output types %r.'
                                    % (self._types, types))
            for mine, theirs in zip(nest.flatten(self._shapes), nest.flatten(shapes)):
                if not mine.is_compatible_with(theirs):
                    raise TypeError('Expected output shapes compatible with %r but got dataset with output shapes %r.'
                                    % (self._shapes, shapes))
            g = self._iterator_resource.graph
            with g.colocate_with(self._iterator_resource.op):
                return op_builder.apply('MakeIterator', [dataset._variant_tensor, self._iterator_resource],
                                        name=scope)

    def get_next(self, name=None):
        self._get_next_calls += 1
        attrs = _element_attrs(self._types, self._shapes)
        op = op_builder.apply('IteratorGetNext', [self._iterator_resource], attrs, name=name,
                              default_name='IteratorGetNext')
        return nest.pack(self._types, op.outputs)

    def string_handle(self, name=None):
        return op_builder.output('IteratorToStringHandle', [self._iterator_resource], name=name,
                                 default_name='IteratorToStringHandle')


def _check_capturable(dataset):
    """TF's one-shot iterators capture the dataset by value: no placeholders, no stateful objects."""
    seen, stack = set(), [dataset._variant_tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type in ('Placeholder', 'PlaceholderWithDefault', 'PlaceholderV2'):
            raise ValueError('Cannot capture a placeholder (name:%s, type:%s) by value.' % (op.name, op.type))
        if op.type in _STATEFUL_SOURCES:
            raise ValueError('Failed to create a one-shot iterator for a dataset. `Dataset.make_one_shot_iterator()` '
                             'does not support datasets that capture stateful objects, such as a `Variable` or '
                             '`LookupTable`. In these cases, use `Dataset.make_initializable_iterator()`. (Original '
                             'error: Cannot capture a stateful node (name:%s, type:%s) by value.)' % (op.name, op.type))
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)


def make_one_shot_iterator(dataset):
    """tf.compat.v1.data.make_one_shot_iterator(dataset): starts itself the first time it is used."""
    if not isinstance(dataset, DatasetV1):
        raise TypeError('make_one_shot_iterator expects a Dataset, got %r' % (dataset,))
    _check_capturable(dataset)
    attrs = _element_attrs(dataset.output_types, dataset.output_shapes)
    resource = op_builder.output('OneShotIterator', [dataset._variant_tensor], attrs, name='OneShotIterator')
    return Iterator(resource, None, dataset.output_types, dataset.output_shapes, dataset.output_classes)


def make_initializable_iterator(dataset, shared_name=None):
    """tf.compat.v1.data.make_initializable_iterator(dataset): `.initializer` (re)starts it."""
    if not isinstance(dataset, DatasetV1):
        raise TypeError('make_initializable_iterator expects a Dataset, got %r' % (dataset,))
    attrs = dict(_element_attrs(dataset.output_types, dataset.output_shapes), shared_name=shared_name or '')
    resource = op_builder.output('IteratorV2', [], attrs, name='Iterator')
    it = Iterator(resource, None, dataset.output_types, dataset.output_shapes, dataset.output_classes)
    it._initializer = it.make_initializer(dataset)
    return it


def get_output_types(dataset_or_iterator):
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    return dataset_or_iterator.output_classes
