"""Op records of the tf.image ops beyond the resizes: colour spaces and HSV adjustments
(ops/image_color_ops.py). Loaded at the end of op_records.py."""
from op_records import EXEMPT, F32, FLOATS, arg, record

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
