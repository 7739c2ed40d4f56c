"""tf.data.experimental's grouping and scan transformations (TF 1.15): group_by_window,
bucket_by_sequence_length and scan.

Each function given here is traced once into a FuncGraph whose arguments follow TF's calling
convention (`trace_function`): key_func(*element) when the element is a tuple, reduce_func(key,
window_dataset) with the window a Dataset inside the function, window_size_func(key), and
scan_func(state, element). bucket_by_sequence_length is group_by_window keyed by the bucket whose
[lower, upper) length range holds the element, each window padded_batch-ed (or batched with
no_padding) to that bucket's batch size, as TF 1.15 builds it. scan re-traces its function with
the state's shapes relaxed until they stop changing, as TF does.
"""
from sluice.data import structure as nest
from sluice.data.dataset_ops import DatasetV1
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine.subgraph import FuncGraph, building, unique_fn_name
from sluice.engine.tensor_shape import TensorShape
from sluice.kernels import dataset_grouping as _kernels  # noqa: F401  (registers the ops and kernels)

_SCALAR = TensorShape([])


class DatasetArg:
    """A function argument that is a dataset with elements of (types, shapes)."""

    def __init__(self, types, shapes):
        self.types, self.shapes = types, shapes


def trace_function(fn, args, kind, unpack=False):
    """fn traced over `args` (each a DatasetArg or a (types, shapes) pair) into a FuncGraph.

    unpack: call fn(*element) when the one argument's element is a tuple. Returns (graph, flat
    results, result structure, captured outer tensors)."""
    g = subgraph.current_graph()
    with _graph.name_scope(None, kind) as scope:
        fg = FuncGraph(unique_fn_name(scope, 'fn'), g)
    with building(fg), fg.device('/device:CPU:0'):
        flat_args, values = [], []
        for arg in args:
            if isinstance(arg, DatasetArg):
                t = fg.add_arg(dtypes.variant, _SCALAR, name='arg%d' % len(flat_args))
                flat_args.append(t)
                values.append(DatasetV1(t, arg.types, arg.shapes))
            else:
                types, shapes = arg
                leaves = [fg.add_arg(t, s, name='arg%d' % (len(flat_args) + i)) for i, (t, s) in
                          enumerate(zip(nest.flatten(types), nest.flatten(shapes)))]
                flat_args.extend(leaves)
                values.append(nest.pack(types, leaves))
        if unpack and type(values[0]) is tuple:
            values = list(values[0])
        result = fn(*values)
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


def _int64_scalar(fn, message):
    def wrapped(*args):
        return _graph.convert_to_tensor(fn(*args), dtype=dtypes.int64)

    def check(flat):
        if len(flat) != 1 or not flat[0].shape.is_compatible_with(_SCALAR):
            raise ValueError(message)
    return wrapped, check


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """Groups elements by key_func, reducing each window of up to window_size(_func) elements."""
    if (window_size is not None and window_size_func) or not (window_size is not None or window_size_func):
        raise ValueError('Must pass either window_size or window_size_func.')
    if window_size is not None:
        def window_size_func(unused_key):
            return _graph.convert_to_tensor(window_size, dtype=dtypes.int64)

    def apply(dataset):
        kind = 'GroupByWindowDataset'
        key_fn, key_check = _int64_scalar(key_func, '`key_func` must return a single tf.int64 scalar tensor.')
        key_fg, key_flat, _, key_ext = trace_function(
            key_fn, [(dataset.output_types, dataset.output_shapes)], kind + '_key_func', unpack=True)
        key_check(key_flat)
        size_fn, size_check = _int64_scalar(window_size_func,
                                            '`window_size_func` must return a single tf.int64 scalar tensor.')
        size_fg, size_flat, _, size_ext = trace_function(size_fn, [(dtypes.int64, _SCALAR)],
                                                         kind + '_window_size_func')
        size_check(size_flat)
        reduce_fg, _, result, reduce_ext = trace_function(
            reduce_func, [(dtypes.int64, _SCALAR), DatasetArg(dataset.output_types, dataset.output_shapes)],
            kind + '_reduce_func')
        if not isinstance(result, DatasetV1):
            raise TypeError('`reduce_func` must return a `Dataset` object.')
        attrs = {'key_func': key_fg, 'reduce_func': reduce_fg, 'window_size_func': size_fg,
                 'Tkey_func_other_arguments': [t.dtype.base_dtype for t in key_ext],
                 'Treduce_func_other_arguments': [t.dtype.base_dtype for t in reduce_ext],
                 'Twindow_size_func_other_arguments': [t.dtype.base_dtype for t in size_ext]}
        captures = (key_fg.control_captures + reduce_fg.control_captures + size_fg.control_captures) or None
        with _graph.get_default_graph().control_dependencies(captures):
            return dataset._derive('GroupByWindowDataset', [key_ext, reduce_ext, size_ext], result.output_types,
                                   result.output_shapes, attrs)
    return apply


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes=None,
                              padding_values=None, pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """Batches elements of similar length together, padding each batch (TF 1.15's construction)."""
    import numpy as np
    from sluice.ops import array_ops, check_ops, math_ops
    from sluice.engine import tensor_shape
    with _graph.name_scope('bucket_by_seq_length'):
        if len(bucket_batch_sizes) != len(bucket_boundaries) + 1:
            raise ValueError('len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1')
        batch_sizes = _graph.convert_to_tensor(bucket_batch_sizes, dtype=dtypes.int64)

    def element_to_bucket_id(*args):
        seq_length = element_length_func(*args)
        boundaries = list(bucket_boundaries)
        buckets_min = [np.iinfo(np.int32).min] + boundaries
        buckets_max = boundaries + [np.iinfo(np.int32).max]
        in_bucket = math_ops.logical_and(math_ops.less_equal(buckets_min, seq_length),
                                         math_ops.less(seq_length, buckets_max))
        return math_ops.reduce_min(array_ops.where(in_bucket))

    def window_size_fn(bucket_id):
        return batch_sizes[bucket_id]

    def make_padded_shapes(shapes, none_filler=None):
        padded = [[none_filler if d is None else d for d in TensorShape(s).as_list()]
                  for s in nest.flatten(shapes)]
        return nest.pack(shapes, [tensor_shape.as_shape(p) for p in padded])

    def batching_fn(bucket_id, grouped_dataset):
        batch_size = window_size_fn(bucket_id)
        if no_padding:
            return grouped_dataset.batch(batch_size, drop_remainder=drop_remainder)
        none_filler = None
        if pad_to_bucket_boundary:
            check = check_ops.assert_less(
                bucket_id, _graph.convert_to_tensor(len(bucket_batch_sizes) - 1, dtype=dtypes.int64),
                message='When pad_to_bucket_boundary=True, elements must have length < max(bucket_boundaries).')
            with _graph.get_default_graph().control_dependencies([check]):
                boundaries = _graph.convert_to_tensor(bucket_boundaries, dtype=dtypes.int64)
                none_filler = boundaries[bucket_id] - 1
        if none_filler is None:
            shapes = make_padded_shapes(padded_shapes or grouped_dataset.output_shapes)
            return grouped_dataset.padded_batch(batch_size, shapes, padding_values, drop_remainder=drop_remainder)
        return _padded_to_filler(grouped_dataset, batch_size, padded_shapes, none_filler, padding_values,
                                 drop_remainder)

    def apply(dataset):
        return dataset.apply(group_by_window(element_to_bucket_id, batching_fn, window_size_func=window_size_fn))
    return apply


def _padded_to_filler(dataset, batch_size, padded_shapes, filler, padding_values, drop_remainder):
    """padded_batch with every unknown dimension padded to the int64 tensor `filler` (a bucket's
    boundary - 1): the op takes the padded shapes as tensors, so the static dims stay unknown."""
    from sluice.data.batching import _default_padding
    from sluice.ops import array_ops
    from sluice.ops.shape_fns import constant_value
    types = dataset.output_types
    wanted = nest.flatten(nest.shapes_like(types, padded_shapes or dataset.output_shapes))
    flat_types = nest.flatten(types)
    shape_tensors = [array_ops.stack([filler if d is None else _graph.convert_to_tensor(d, dtype=dtypes.int64)
                                      for d in s.as_list()]) if s.ndims else
                     _graph.convert_to_tensor([], dtype=dtypes.int64, name='padded_shape') for s in wanted]
    if padding_values is None:
        flat_values = [_default_padding(t) for t in flat_types]
    else:
        flat_values = nest.flatten(nest._pack_partial(types, padding_values, lambda v: v))
    values = [_graph.convert_to_tensor(v, dtype=t, name='padding_value') for v, t in zip(flat_values, flat_types)]
    size = _graph.convert_to_tensor(batch_size, dtype=dtypes.int64, name='batch_size')
    drop = _graph.convert_to_tensor(drop_remainder, dtype=dtypes.bool, name='drop_remainder')
    known = constant_value(size) if drop_remainder is True else None
    batch = TensorShape([None if known is None else int(known)])
    out_shapes = nest.pack(types, [batch.concatenate(s) for s in wanted])
    attrs = {'Toutput_types': [t.base_dtype for t in flat_types], 'N': len(flat_types)}
    return dataset._derive('PaddedBatchDatasetV2', [size, shape_tensors, values, drop], types, out_shapes, attrs)


def scan(initial_state, scan_func):
    """Threads a state through scan_func(state, element) -> (new_state, output) (ScanDataset)."""
    def apply(dataset):
        state = nest.to_tensors(initial_state, name='initial_state')
        types = nest.map_structure(lambda t: t.dtype.base_dtype, state)
        shapes = nest.map_structure(lambda t: t.shape, state)
        while True:
            fg, flat, result, external = trace_function(
                scan_func, [(types, shapes), (dataset.output_types, dataset.output_shapes)], 'Dataset_scan')
            if not (isinstance(result, tuple) and len(result) == 2):
                raise TypeError('The scan function must return a pair comprising the new state and the output '
                                'value.')
            new_state, output = result
            new_types = nest.map_structure(lambda t: t.dtype.base_dtype, new_state)
            if nest.flatten(new_types) != nest.flatten(types):
                raise TypeError('The element types for the new state must match the initial state. Expected %s; '
                                'got %s.' % (types, new_types))
            weakened = [old.most_specific_compatible_shape(new.shape)
                        for old, new in zip(nest.flatten(shapes), nest.flatten(new_state))]
            if all(w.ndims == o.ndims and (o.ndims is None or w.as_list() == o.as_list())
                   for w, o in zip(weakened, nest.flatten(shapes))):
                break
            shapes = nest.pack(shapes, weakened)
        out_types = nest.map_structure(lambda t: t.dtype.base_dtype, output)
        out_shapes = nest.map_structure(lambda t: t.shape, output)
        attrs = {'f': fg, 'Tstate': nest.flatten(types), 'Targuments': [t.dtype.base_dtype for t in external]}
        with _graph.get_default_graph().control_dependencies(fg.control_captures or None):
            return dataset._derive('ScanDataset', [nest.flatten(state), external], out_types, out_shapes, attrs)
    return apply
