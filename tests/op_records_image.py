"""Op records of the tf.image ops beyond the resizes: colour spaces and HSV adjustments
(ops/image_color_ops.py), box ops (ops/image_boxes_ops.py), codecs and the candidate
samplers (exempt). Loaded at the end of op_records.py."""
import numpy as np

from op_records import EXEMPT, F32, FLOATS, I32, arg, fixed, imported, record

_RGB = arg((2, 3, 4, 3), low=0.0, high=1.0)

record('RGBToHSV', lambda tf, x: tf.image.rgb_to_hsv(x), [_RGB], dtypes=FLOATS)
record('HSVToRGB', lambda tf, x: tf.image.hsv_to_rgb(x), [_RGB], dtypes=FLOATS)
record('AdjustHue', lambda tf, x: [tf.image.adjust_hue(x, 0.3), tf.image.adjust_hue(x, -0.45)], [_RGB],
       dtypes=(F32,))
record('AdjustSaturation', lambda tf, x: [tf.image.adjust_saturation(x, 0.4), tf.image.adjust_saturation(x, 2.5)],
       [_RGB], dtypes=(F32,))

EXEMPT.update(dict.fromkeys(('EncodePng', 'DecodePng', 'EncodeJpeg', 'DecodeJpeg'),
                            'image codecs (string tensors, host only, not differentiable): checked against TF '
                            'in tests/ops/test_image_codecs.py'))

# The candidate samplers of the sampled losses (ops/candidate_sampling_ops.py) live in this domain file too.
EXEMPT.update(dict.fromkeys(('LogUniformCandidateSampler', 'UniformCandidateSampler'),
                            'random candidate samplers (TF draws other numbers): distributions and expected counts '
                            'checked in tests/ops/test_sampled_losses.py'))
EXEMPT['ComputeAccidentalHits'] = ('hits come in an order TF leaves to its hash map: compared with TF as sorted '
                                   'triples in tests/ops/test_sampled_losses.py')

_NMS_RNG = np.random.RandomState(0)
_CORNERS = _NMS_RNG.rand(12, 2).astype(np.float32)
_NMS_BOXES = fixed(np.concatenate([_CORNERS, _CORNERS + 0.4 * _NMS_RNG.rand(12, 2)], 1).astype(np.float32), F32)
_NMS_SCORES = fixed(_NMS_RNG.rand(12).astype(np.float32), F32)
record('NonMaxSuppressionV3', lambda tf, b, s: [tf.image.non_max_suppression(b, s, 6, 0.3),
                                                tf.image.non_max_suppression(b, s, 12, 0.6, 0.4)],
       [_NMS_BOXES, _NMS_SCORES], dtypes=(F32,))
record('NonMaxSuppressionV2', lambda tf, b, s, n, iou: imported(tf, 'NonMaxSuppressionV2', [b, s, n, iou],
                                                                {'T': 'float32', 'T_threshold': 'float32'}),
       [_NMS_BOXES, _NMS_SCORES, fixed(5, I32), fixed(0.4, F32)], dtypes=(F32,))
_CROP_BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.9, 0.7, 0.2, 0.1], [-0.3, 0.4, 1.2, 1.1]], np.float32)
record('CropAndResize', lambda tf, x: [tf.image.crop_and_resize(x, _CROP_BOXES, [0, 1, 1], [4, 3]),
                                       tf.image.crop_and_resize(x, _CROP_BOXES, [1, 0, 1], [1, 5], method='nearest',
                                                                extrapolation_value=0.5)],
       [arg((2, 5, 6, 2))], dtypes=(F32, np.float64), rtol=1e-5, atol=1e-5)


def _patches(tf, x):
    return [tf.image.extract_image_patches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], 'VALID'),
            tf.image.extract_image_patches(x, [1, 3, 2, 1], [1, 2, 3, 1], [1, 2, 1, 1], 'SAME')]


record('ExtractImagePatches', _patches, [arg((2, 7, 6, 2), low=-5, high=5)], dtypes=(F32, np.float64, I32))
