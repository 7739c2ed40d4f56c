"""Op records of the block rearrangements (ops/space_batch_ops.py): values and gradients against TF for
SpaceToDepth/DepthToSpace (NHWC; NCHW runs on GPUs only in TF, so its values are checked against the NHWC
form in tests/ops/test_space_batch.py) and SpaceToBatchND/BatchToSpaceND (1 and 2 block dimensions,
paddings and crops). Loaded at the end of op_records.py."""
from op_records import FLOATS, I32, arg, const, record

record('SpaceToDepth', lambda tf, x: [tf.space_to_depth(x, 2), tf.nn.space_to_depth(x[:, :, :, :1], 2)],
       [arg((2, 4, 6, 3))], dtypes=FLOATS + (I32,), grad=True)
record('DepthToSpace', lambda tf, x: [tf.depth_to_space(x, 2), tf.nn.depth_to_space(x[..., :4], 2)],
       [arg((2, 3, 2, 8))], dtypes=FLOATS + (I32,), grad=True)


def _to_batch(tf, x, block, pads):
    return [tf.space_to_batch_nd(x, block, pads), tf.space_to_batch(x, [[0, 0], [2, 0]], 2),
            tf.space_to_batch_nd(x, [3], [[1, 1]])]


record('SpaceToBatchND', _to_batch, [arg((2, 4, 6, 3)), const([2, 3]), const([[1, 1], [0, 3]])],
       dtypes=FLOATS + (I32,), grad=True)


def _to_space(tf, x, block, crops):
    return [tf.batch_to_space_nd(x, block, crops), tf.batch_to_space(x[:4], [[0, 1], [1, 0]], 2),
            tf.batch_to_space_nd(x, [6], [[2, 1]])]


record('BatchToSpaceND', _to_space, [arg((12, 2, 3, 2)), const([2, 3]), const([[1, 0], [0, 2]])],
       dtypes=FLOATS + (I32,), grad=True)
record('Conv2D', lambda tf, x, w: [tf.nn.atrous_conv2d(x, w, 2, 'SAME'), tf.nn.atrous_conv2d(x, w, 3, 'VALID'),
                                   tf.nn.convolution(x, w, 'SAME', dilation_rate=[2, 1], strides=None)],
       [arg((2, 9, 9, 3)), arg((3, 3, 3, 4))], dtypes=FLOATS, grad=True, name='Conv2D/atrous')
