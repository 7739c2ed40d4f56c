"""Op records of the ops tf.layers added: 3-D convolution and pooling (ops/nn_conv3d_pool3d.py) and the
FusedBatchNorm / FusedBatchNormV2 versions (ops/nn_batch_norm_legacy.py, built through import_graph_def
because tf.nn.fused_batch_norm emits V3 in TF 1.15 as in sluice). Loaded at the end of op_records.py."""
import numpy as np

from op_records import F32, arg, fixed, grad_of, imported, record

_VOL = arg((2, 5, 4, 5, 2))
_FILTER3D = arg((3, 2, 3, 2, 3))


def _conv3d(tf, x, w):
    return [tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], 'SAME'), tf.nn.conv3d(x, w, [1, 2, 1, 2, 1], 'VALID')]


record('Conv3D', _conv3d, [_VOL, _FILTER3D], grad=True, rtol=1e-4, atol=1e-5)
record('Conv3D', lambda tf, x, w: tf.nn.conv3d(x, w, [1, 2, 2, 2, 1], 'SAME', dilations=[1, 1, 1, 1, 1]),
       [_VOL, _FILTER3D], rtol=1e-4, atol=1e-5, name='Conv3D/strided')
grad_of('Conv3DBackpropInputV2', lambda tf, x, w: tf.nn.conv3d(x, w, [1, 2, 1, 2, 1], 'SAME'), [_VOL, _FILTER3D],
        (2, 3, 4, 3, 3), rtol=1e-4, atol=1e-5)
grad_of('Conv3DBackpropFilterV2', lambda tf, x, w: tf.nn.conv3d(x, w, [1, 2, 1, 2, 1], 'SAME'), [_VOL, _FILTER3D],
        (2, 3, 4, 3, 3), wrt=1, rtol=1e-4, atol=1e-5)
record('Conv3DBackpropInputV2',
       lambda tf, x, w: tf.nn.conv3d_transpose(x, w, [2, 5, 4, 5, 2], [1, 2, 1, 2, 1], 'SAME'),
       [arg((2, 3, 4, 3, 3)), _FILTER3D], grad=True, rtol=1e-4, atol=1e-5, name='Conv3DBackpropInputV2/transpose')


def _pools3d(fn):
    return lambda tf, x: [fn(tf)(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], 'VALID'),
                          fn(tf)(x, [1, 3, 2, 3, 1], [1, 2, 1, 2, 1], 'SAME')]


record('MaxPool3D', _pools3d(lambda tf: tf.nn.max_pool3d), [_VOL], dtypes=(F32,))
# float32 only (TF's kernels): a small volume keeps central differences clear of near-ties in a window
record('MaxPool3D', lambda tf, x: tf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], 'VALID'),
       [arg((1, 2, 4, 4, 2))], dtypes=(F32,), grad=True, name='MaxPool3D/grad')
grad_of('MaxPool3DGrad', lambda tf, x: tf.nn.max_pool3d(x, [1, 3, 2, 3, 1], [1, 2, 1, 2, 1], 'SAME'), [_VOL],
        (2, 3, 4, 3, 2), dtypes=(F32,))
record('AvgPool3D', _pools3d(lambda tf: tf.nn.avg_pool3d), [_VOL], dtypes=(F32,), grad=True)
grad_of('AvgPool3DGrad', lambda tf, x: tf.nn.avg_pool3d(x, [1, 3, 2, 3, 1], [1, 2, 1, 2, 1], 'SAME'), [_VOL],
        (2, 3, 4, 3, 2), dtypes=(F32,))

# FusedBatchNorm (all float32) and V2 (statistics in U = float32); training takes empty mean / variance.
_BN = [arg((2, 3, 2, 3)), arg((3,), 0.5, 1.5), arg((3,))]
_EMPTY = [fixed(np.zeros([0], F32), F32), fixed(np.zeros([0], F32), F32)]
_STATS = [fixed([0.1, -0.2, 0.3], F32), fixed([0.5, 1.0, 2.0], F32)]


def _fused(op_type, training):
    attrs = {'T': 'float32', 'is_training': training}
    if op_type == 'FusedBatchNormV2':
        attrs['U'] = 'float32'
    return lambda tf, *xs: imported(tf, op_type, list(xs), attrs)


for _type in ('FusedBatchNorm', 'FusedBatchNormV2'):
    for _training, _stats in ((True, _EMPTY), (False, _STATS)):
        _kind = 'train' if _training else 'infer'
        record(_type, _fused(_type, _training), _BN + _stats, dtypes=(F32,), grad=True, rtol=1e-4, atol=1e-5,
               name='%s/%s' % (_type if _type.endswith('V2') else 'FusedBatchNormV1', _kind))
        grad_of(_type.replace('FusedBatchNorm', 'FusedBatchNormGrad'), _fused(_type, _training), _BN + _stats,
                (2, 3, 2, 3), dtypes=(F32,), rtol=1e-4, atol=1e-5, name='%sGrad/%s' % (_type, _kind))
