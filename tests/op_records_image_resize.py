"""Op records of ResizeBicubic(Grad) and ResizeArea (ops/image_resize_ops.py): values (and bicubic's
gradient) against TF, up- and down-sampling, align_corners and half_pixel_centers. Loaded at the end of
op_records.py."""
from op_records import EXEMPT, F32, F64, I32, arg, record


def _bicubic(tf, x):
    return [tf.image.resize_bicubic(x, [9, 7]), tf.image.resize_bicubic(x, [3, 4], align_corners=True),
            tf.image.resize_bicubic(x, [11, 3], half_pixel_centers=True),
            tf.image.resize_images(x, [6, 6], method=tf.image.ResizeMethod.BICUBIC)]


record('ResizeBicubic', _bicubic, [arg((2, 5, 6, 3))], dtypes=(F32,), grad=True)
# float64 images: TF's gradient multiplies float32 weights in float before adding in double; values only.
record('ResizeBicubic', _bicubic, [arg((2, 5, 6, 3))], dtypes=(F64,), name='ResizeBicubic/float64')
record('ResizeBicubic', _bicubic, [arg((1, 5, 6, 2), low=0, high=9)], dtypes=(I32,), name='ResizeBicubic/int')


def _area(tf, x):
    return [tf.image.resize_area(x, [3, 2]), tf.image.resize_area(x, [7, 9]), tf.image.resize_area(x, [4, 4],
                                                                                                   align_corners=True),
            tf.image.resize_images(x, [5, 3], method=tf.image.ResizeMethod.AREA)]


record('ResizeArea', _area, [arg((2, 6, 5, 3))], dtypes=(F32, F64, I32))

EXEMPT.update({
    'ResizeBicubicGrad': "ResizeBicubic's gradient: checked against TF's and finite differences by the ResizeBicubic "
                         'record (grad=True)',
    'SampleDistortedBoundingBoxV2': 'random crops (sluice\'s stream, TF\'s rules): the contract in '
                                    'tests/ops/test_image_bbox_sampling.py',
    'DrawBoundingBoxesV2': 'equal to TF for RGB and gray images in tests/ops/test_image_bbox_sampling.py'})
