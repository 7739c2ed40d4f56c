"""Dataset.padded_batch: padded shapes and padding values as the op's per-component inputs.

Each component's padded shape becomes an int64 vector (-1 where the shape leaves a dimension unknown:
the kernel pads it to the batch's largest), its padding value a scalar of the component's type
(0, or b'' for strings, unless given). The batch's static shape is [batch] + the padded shape.
"""
from sluice.data import structure as nest
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.tensor_shape import TensorShape


def _default_padding(dtype):
    return b'' if dtype.base_dtype == dtypes.string else 0


def padded_batch(dataset, batch_size, padded_shapes, padding_values, drop_remainder):
    types = dataset.output_types
    shapes = nest.shapes_like(types, padded_shapes)
    flat_types, flat_shapes = nest.flatten(types), nest.flatten(shapes)
    for want, have in zip(flat_shapes, nest.flatten(dataset.output_shapes)):
        if want.ndims is None:
            raise ValueError('Padded shape %s must be a 1-D tensor of tf.int64 values, but its shape was unknown.'
                             % want)
        if not want.is_compatible_with(have) and not (have.ndims == want.ndims and all(
                h is None or w is None or w >= h for w, h in zip(want.as_list(), have.as_list()))):
            raise ValueError('The padded shape %s is not compatible with the corresponding input component shape %s.'
                             % (want, have))
    if padding_values is None:
        flat_values = [_default_padding(t) for t in flat_types]
    else:
        flat_values = nest.flatten(nest._pack_partial(types, padding_values, lambda v: v))
    values = [_graph.convert_to_tensor(v, dtype=t, name='padding_value') for v, t in zip(flat_values, flat_types)]
    shape_tensors = [_graph.convert_to_tensor([-1 if d is None else d for d in s.as_list()], dtype=dtypes.int64,
                                              name='padded_shape') if s.ndims else
                     _graph.convert_to_tensor([], dtype=dtypes.int64, name='padded_shape') for s in flat_shapes]
    size = _graph.convert_to_tensor(batch_size, dtype=dtypes.int64, name='batch_size')
    drop = _graph.convert_to_tensor(drop_remainder, dtype=dtypes.bool, name='drop_remainder')
    from sluice.ops.shape_fns import constant_value
    known = constant_value(size) if drop_remainder is True else None
    dim = None if known is None else int(known)
    out_shapes = nest.map_structure(lambda s: TensorShape([dim]).concatenate(s), shapes)
    attrs = {'Toutput_types': [t.base_dtype for t in flat_types], 'N': len(flat_types)}
    return dataset._derive('PaddedBatchDatasetV2', [size, shape_tensors, values, drop], types, out_shapes, attrs)

