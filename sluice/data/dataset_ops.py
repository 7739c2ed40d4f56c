"""tf.data.Dataset (TF 1.15's DatasetV1): sources and transformations as graph ops.

Each Dataset object adds its dataset op (sluice/ops/dataset_ops.py) to the graph when it is made,
as TF does: its `_variant_tensor` takes the input datasets' variants and the op's tensor arguments
(converted to tensors there and then), and the object keeps the element's nested structure
(output_types, output_shapes, output_classes). Functions given to map, filter, flat_map and
interleave are traced once into a FuncGraph (`_trace`, as control flow traces its bodies), built on
the CPU; outer tensors they use become the op's `other_arguments`. Iterators are in iterator_ops.py.
"""
from sluice.data import generators
from sluice.data import structure as nest
from sluice.data.options import Options
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import subgraph
from sluice.engine import tensor_shape
from sluice.engine.subgraph import FuncGraph, building, unique_fn_name
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import random_ops
from sluice.ops.shape_fns import constant_value

AUTOTUNE = -1


def _int64(value, name):
    return _graph.convert_to_tensor(value, dtype=dtypes.int64, name=name)


def _element_attrs(types, shapes):
    return {'output_types': [t.base_dtype for t in nest.flatten(types)],
            'output_shapes': [tensor_shape.as_shape(s) for s in nest.flatten(shapes)]}


def _classes(types):
    return nest.map_structure(lambda _: _graph.Tensor, types)


def _trace(fn, input_types, input_shapes, kind):
    """fn traced once into a FuncGraph over one element: (graph, flat results, structure, captured)."""
    g = subgraph.current_graph()
    with _graph.name_scope(None, kind) as scope:
        fg = FuncGraph(unique_fn_name(scope, 'fn'), g)
    with building(fg), fg.device('/device:CPU:0'):
        flat_args = [fg.add_arg(t, s, name='arg%d' % i) for i, (t, s) in
                     enumerate(zip(nest.flatten(input_types), nest.flatten(input_shapes)))]
        args = nest.pack(input_types, flat_args)
        result = fn(*args) if type(args) is tuple else fn(args)
        if isinstance(result, list):
            result = tuple(result)  # TF 1.15 reads a returned list as a tuple
        if isinstance(result, DatasetV1):
            flat, structure = [result._variant_tensor], result
        else:
            structure = nest.to_tensors(result)
            flat = nest.flatten(structure)
    fg.set_outputs(flat)
    external = subgraph.external_inputs(fg)
    fg.arrange_inputs(flat_args, external)
    return fg, flat, structure, external


class DatasetV1:
    """A dataset: a variant tensor plus the nested types and shapes of its elements."""

    def __init__(self, variant, types, shapes, classes=None, options=None):
        self._variant_tensor = variant
        self._types = types
        self._shapes = shapes
        self._classes = classes if classes is not None else _classes(types)
        self._options = options or Options()

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

    def __repr__(self):
        return '<%s shapes: %s, types: %s>' % (type(self).__name__, self._shapes, self._types)

    def __iter__(self):
        raise RuntimeError('dataset.__iter__() is only supported when eager execution is enabled.')

    def _derive(self, op_type, args, types, shapes, attrs=None, inputs=None, name=None):
        """The dataset of `op_type` over this one (or `inputs`) with tensor `args`."""
        variants = [self._variant_tensor] if inputs is None else inputs
        attrs = dict(_element_attrs(types, shapes), **(attrs or {}))
        variant = op_builder.output(op_type, variants + list(args), attrs, name=name)
        return DatasetV1(variant, types, shapes, options=self._options)

    # -- sources --
    @staticmethod
    def from_tensors(tensors):
        tensors = nest.to_tensors(tensors)
        flat = nest.flatten(tensors)
        types = nest.map_structure(lambda t: t.dtype.base_dtype, tensors)
        shapes = nest.map_structure(lambda t: t.shape, tensors)
        attrs = dict(_element_attrs(types, shapes), Toutput_types=[t.dtype.base_dtype for t in flat])
        return DatasetV1(op_builder.output('TensorDataset', [flat], attrs), types, shapes)

    @staticmethod
    def from_tensor_slices(tensors):
        tensors = nest.to_tensors(tensors)
        flat = nest.flatten(tensors)
        for t in flat:
            if t.shape.ndims == 0:
                raise ValueError('Shape must be at least rank 1 but is rank 0 for \'TensorSliceDataset\'')
        types = nest.map_structure(lambda t: t.dtype.base_dtype, tensors)
        shapes = nest.map_structure(lambda t: TensorShape(t.shape.dims[1:]) if t.shape.ndims is not None
                                    else tensor_shape.unknown_shape(), tensors)
        attrs = dict(_element_attrs(types, shapes), Toutput_types=[t.dtype.base_dtype for t in flat])
        return DatasetV1(op_builder.output('TensorSliceDataset', [flat], attrs), types, shapes)

    from_sparse_tensor_slices = None  # replaced below: absent in sluice

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        if not callable(generator):
            raise TypeError('`generator` must be callable.')
        types = nest.as_types(output_types) if nest.is_structure(output_types) else dtypes.as_dtype(output_types)
        shapes = nest.shapes_like(types, output_shapes)
        token = generators.register(generator, types)
        # args are tensors evaluated when an iterator starts on the dataset; the generator gets their values
        args = [_graph.convert_to_tensor(a, name='args_%d' % i) for i, a in enumerate(args or ())]
        attrs = dict(_element_attrs(types, shapes), generator_token=token,
                     Targuments=[a.dtype.base_dtype for a in args])
        return DatasetV1(op_builder.output('GeneratorDataset', [args], attrs), types, shapes)

    @staticmethod
    def range(*args):
        if not 1 <= len(args) <= 3:
            raise ValueError('Invalid arguments to RangeDataset: %s' % (args,))
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (args + (1,))[:3]
        inputs = [_int64(start, 'start'), _int64(stop, 'stop'), _int64(step, 'step')]
        attrs = _element_attrs(dtypes.int64, TensorShape([]))
        return DatasetV1(op_builder.output('RangeDataset', inputs, attrs), dtypes.int64, TensorShape([]))

    @staticmethod
    def zip(datasets):
        flat = nest.flatten(datasets)
        for ds in flat:
            if not isinstance(ds, DatasetV1):
                raise TypeError('The argument to `Dataset.zip()` must be a nested structure of `Dataset` objects.')
        types = nest.map_structure(lambda ds: ds.output_types, datasets)
        shapes = nest.map_structure(lambda ds: ds.output_shapes, datasets)
        attrs = dict(_element_attrs(types, shapes), N=len(flat))
        variant = op_builder.output('ZipDataset', [[ds._variant_tensor for ds in flat]], attrs)
        return DatasetV1(variant, types, shapes)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None):
        from sluice.ops import array_ops
        from sluice.queues.readers import matching_files
        names = matching_files(file_pattern)
        ds = DatasetV1.from_tensor_slices(names)
        if shuffle is None or shuffle:
            ds = ds.shuffle(array_ops.size(names, out_type=dtypes.int64), seed=seed)
        return ds

    # -- combining --
    def concatenate(self, dataset):
        if [t for t in nest.flatten(self._types)] != [t for t in nest.flatten(dataset.output_types)]:
            raise TypeError('Two datasets to concatenate have different types %s and %s'
                            % (self._types, dataset.output_types))
        nest.assert_same_structure(self._types, dataset.output_types)
        shapes = nest.map_structure(nest.most_specific_compatible_shape, self._shapes, dataset.output_shapes)
        return self._derive('ConcatenateDataset', [], self._types, shapes,
                            inputs=[self._variant_tensor, dataset._variant_tensor])

    # -- functions --
    def _function_op(self, op_type, fn, func_attr, extra_args=(), kind='Dataset_map', want=None):
        fg, flat, structure, external = _trace(fn, self._types, self._shapes, kind)
        if want is not None:
            want(flat)
        attrs = {func_attr: fg, 'Targuments': [t.dtype.base_dtype for t in external]}
        return fg, flat, structure, external, attrs

    def map(self, map_func, num_parallel_calls=None):
        fg, flat, structure, external, attrs = self._function_op('MapDataset', map_func, 'f')
        types = nest.map_structure(lambda t: t.dtype.base_dtype, structure)
        shapes = nest.map_structure(lambda t: t.shape, structure)
        with _graph.get_default_graph().control_dependencies(fg.control_captures or None):
            if num_parallel_calls is None:
                return self._derive('MapDataset', [external], types, shapes, attrs)
            n = _graph.convert_to_tensor(num_parallel_calls, dtype=dtypes.int32, name='num_parallel_calls')
            return self._derive('ParallelMapDataset', [external, n], types, shapes, attrs)

    def flat_map(self, map_func):
        return self._dataset_function_op('FlatMapDataset', map_func, [])

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None):
        if cycle_length == AUTOTUNE:
            cycle_length = 2  # TF picks the number of cores; this machine's
        args = [_int64(cycle_length, 'cycle_length'), _int64(block_length, 'block_length')]
        return self._dataset_function_op('InterleaveDataset', map_func, args)

    def _dataset_function_op(self, op_type, map_func, args):
        fg, flat, result, external, attrs = self._function_op(op_type, map_func, 'f', kind='Dataset_flat_map')
        if not isinstance(result, DatasetV1):
            raise TypeError('`map_func` must return a `Dataset` object.')
        with _graph.get_default_graph().control_dependencies(fg.control_captures or None):
            return self._derive(op_type, [external] + args, result.output_types, result.output_shapes, attrs)

    def filter(self, predicate):
        def check(flat):
            if len(flat) != 1 or flat[0].dtype.base_dtype != dtypes.bool or flat[0].shape.ndims not in (0, None):
                raise ValueError('`predicate` must return a scalar boolean tensor.')
        fg, flat, _, external, _ = self._function_op('FilterDataset', predicate, 'predicate',
                                                     kind='Dataset_filter', want=check)
        attrs = {'predicate': fg, 'Targuments': [t.dtype.base_dtype for t in external]}
        with _graph.get_default_graph().control_dependencies(fg.control_captures or None):
            return self._derive('FilterDataset', [external], self._types, self._shapes, attrs)

    # -- batching --
    def _batch_shapes(self, batch_size, drop_remainder):
        known = constant_value(batch_size) if drop_remainder is True else None
        dim = int(known) if known is not None else None
        return nest.map_structure(lambda s: TensorShape([dim]).concatenate(s), self._shapes)

    def batch(self, batch_size, drop_remainder=False):
        size = _int64(batch_size, 'batch_size')
        drop = _graph.convert_to_tensor(drop_remainder, dtype=dtypes.bool, name='drop_remainder')
        shapes = self._batch_shapes(size, drop_remainder)
        return self._derive('BatchDatasetV2', [size, drop], self._types, shapes)

    def padded_batch(self, batch_size, padded_shapes, padding_values=None, drop_remainder=False):
        from sluice.data import batching
        return batching.padded_batch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self):
        shapes = nest.map_structure(lambda s: TensorShape(s.dims[1:]) if s.ndims else tensor_shape.unknown_shape(),
                                    self._shapes)
        return self._derive('UnbatchDataset', [], self._types, shapes)

    # -- order and counts --
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        seed1, seed2 = random_ops.get_seed(seed)
        args = [_int64(buffer_size, 'buffer_size'), _int64(seed1 or 0, 'seed'), _int64(seed2 or 0, 'seed2')]
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return self._derive('ShuffleDataset', args, self._types, self._shapes,
                            {'reshuffle_each_iteration': reshuffle})

    def repeat(self, count=None):
        return self._derive('RepeatDataset', [_int64(-1 if count is None else count, 'count')], self._types,
                            self._shapes)

    def take(self, count):
        return self._derive('TakeDataset', [_int64(count, 'count')], self._types, self._shapes)

    def skip(self, count):
        return self._derive('SkipDataset', [_int64(count, 'count')], self._types, self._shapes)

    def prefetch(self, buffer_size):
        return self._derive('PrefetchDataset', [_int64(buffer_size, 'buffer_size')], self._types, self._shapes)

    def cache(self, filename=''):
        name = _graph.convert_to_tensor(filename, dtype=dtypes.string, name='filename')
        return self._derive('CacheDataset', [name], self._types, self._shapes)

    # -- the rest of the API --
    def apply(self, transformation_func):
        dataset = transformation_func(self)
        if not isinstance(dataset, DatasetV1):
            raise TypeError('`transformation_func` must return a Dataset. Got %s.' % (dataset,))
        return dataset

    def with_options(self, options):
        merged = self._options.merge(options)
        return DatasetV1(self._variant_tensor, self._types, self._shapes, self._classes, merged)

    def options(self):
        return self._options

    def make_one_shot_iterator(self):
        from sluice.data import iterator_ops
        return iterator_ops.make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        from sluice.data import iterator_ops
        return iterator_ops.make_initializable_iterator(self, shared_name)

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        raise AttributeError("'Dataset' object has no attribute %r: sluice does not implement "
                             'tf.data.Dataset.%s yet' % (name, name))


del DatasetV1.from_sparse_tensor_slices
Dataset = DatasetV1
