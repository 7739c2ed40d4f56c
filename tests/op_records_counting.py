"""Op records of the counting, binning, searching and tensor-scatter ops (ops/counting_ops.py): values
against TF (and the scatters' gradients). Loaded at the end of op_records.py."""
from op_records import F32, FLOATS, I32, I64, REALS, arg, fixed, record

record('UniqueWithCounts', lambda tf, x: list(tf.unique_with_counts(x)) + list(tf.unique_with_counts(x, tf.int64)),
       [fixed([3, 1, 3, 2, 1, 5, 3])], dtypes=(F32, I32))
record('Bincount', lambda tf, x, w: [tf.math.bincount(x), tf.bincount(x, minlength=9), tf.bincount(x, maxlength=3),
                                     tf.bincount(x, weights=w), tf.bincount(x, dtype=tf.float32)],
       [fixed([1, 4, 4, 0, 2, 4]), arg((6,))], dtypes=(F32,))
record('HistogramFixedWidth', lambda tf, x: [tf.histogram_fixed_width(x, [-0.5, 0.5], nbins=5),
                                             tf.histogram_fixed_width(x, [-1.0, 1.0], nbins=3, dtype=tf.int64),
                                             tf.histogram_fixed_width_bins(x, [-0.5, 0.5], nbins=4)],
       [arg((4, 5))], dtypes=(F32,))  # TF's histogram_fixed_width_bins fails on float64 with Python ranges
record(('LowerBound', 'UpperBound'),
       lambda tf, s, v: [tf.searchsorted(s, v), tf.searchsorted(s, v, side='right'),
                         tf.searchsorted(s, v, out_type=tf.int64)],
       [fixed([[0.0, 0.25, 0.5, 0.5, 0.75], [-1.0, -0.5, 0.0, 0.5, 1.0]], F32),
        fixed([[0.5, -2.0, 0.3], [0.0, 2.0, 0.5]], F32)], dtypes=(F32,))
record('TensorScatterUpdate', lambda tf, t, i, u: [tf.tensor_scatter_update(t, i, u),
                                                   tf.tensor_scatter_nd_update(t, i[:1], u[:1])],
       [arg((4, 3)), fixed([[2], [0]]), arg((2, 3))], dtypes=REALS, grad=True)
record(('TensorScatterAdd', 'TensorScatterSub'),
       lambda tf, t, i, u: [tf.tensor_scatter_add(t, i, u), tf.tensor_scatter_sub(t, i, u)],
       [arg((4, 3)), fixed([[2, 1], [0, 0], [2, 1]], I64), arg((3,))], dtypes=REALS, grad=True)
record('GatherV2', lambda tf, p, i: [tf.batch_gather(p, i)], [arg((2, 3, 4)), fixed([[2, 0], [1, 1]])], dtypes=FLOATS,
       grad=True, name='GatherV2/batch_gather')
