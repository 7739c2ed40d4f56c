"""tf.keras.layers cases run on both sluice and TensorFlow (tests/keras/test_keras_layers_vs_tf.py).

Each case builds layers on placeholders with `tf` (sluice or tf.compat.v1) and returns
{'inputs': [placeholders], 'outputs': [tensors], 'layers': [layers], 'training': bool, 'masks': [tensors]}.
`evaluate` sets the layers' weights (seeded values, or those `given`), feeds seeded inputs and fetches the
outputs in the inference phase (and the training phase when the case is deterministic there) and the
gradients of sum(outputs ** 2), runs the layers' updates once in training and reads the weights back.
It returns (arrays, meta).
"""
import numpy as np


def _ph(tf, shape, dtype='float32'):
    return tf.placeholder(dtype, shape)


def _single(layer_fn, shape, training=False, dtype='float32'):
    def case(tf, L):
        x = _ph(tf, shape, dtype)
        layer = layer_fn(L)
        y = layer(x)
        return {'inputs': [x], 'outputs': [y], 'layers': [layer], 'training': training}
    return case


def _merge(layer_fn, shapes):
    def case(tf, L):
        xs = [_ph(tf, s) for s in shapes]
        layer = layer_fn(L)
        return {'inputs': xs, 'outputs': [layer(xs)], 'layers': [layer], 'training': True, 'merge': True}
    return case


def _masking(tf, L):
    x = _ph(tf, (None, 5, 3))
    layer = L.Masking(mask_value=0.5)
    y = layer(x)
    return {'inputs': [x], 'outputs': [y], 'layers': [layer], 'training': True, 'masks': [y._keras_mask]}


def _embedding(tf, L):
    x = _ph(tf, (None, 4), 'int32')
    layer = L.Embedding(7, 3, mask_zero=True)
    y = layer(x)
    return {'inputs': [x], 'outputs': [y], 'layers': [layer], 'training': True, 'masks': [y._keras_mask]}


def _masked_average(tf, L):
    x = _ph(tf, (None, 5, 3))
    masked = L.Masking(mask_value=0.5)(x)
    layer = L.GlobalAveragePooling1D()
    return {'inputs': [x], 'outputs': [layer(masked)], 'layers': [layer], 'training': True}


def _two_calls(tf, L):
    """One Dense on two inputs: shared weights, the second call's ops under 'dense_1'."""
    a, b = _ph(tf, (None, 3)), _ph(tf, (None, 3))
    layer = L.Dense(2)
    return {'inputs': [a, b], 'outputs': [layer(a), layer(b)], 'layers': [layer], 'training': True}


CASES = {
    'dense': _single(lambda L: L.Dense(3, activation='tanh'), (None, 4), True),
    'dense_3d': _single(lambda L: L.Dense(5, use_bias=False), (None, 3, 4), True),
    'dense_two_calls': _two_calls,
    'dense_regularized': _single(lambda L: L.Dense(2, kernel_regularizer='l2', bias_regularizer='l1'), (None, 3),
                                 True),
    'conv2d_regularized': _single(lambda L: L.Conv2D(2, 2, kernel_regularizer='l1_l2'), (None, 3, 3, 1), True),
    'activation_selu': _single(lambda L: L.Activation('selu'), (None, 4), True),
    'activation_hard_sigmoid': _single(lambda L: L.Activation('hard_sigmoid'), (None, 4), True),
    'dropout': _single(lambda L: L.Dropout(0.5), (None, 6)),
    'spatial_dropout2d': _single(lambda L: L.SpatialDropout2D(0.5), (None, 3, 3, 2)),
    'flatten': _single(lambda L: L.Flatten(), (None, 2, 3, 4), True),
    'flatten_channels_first': _single(lambda L: L.Flatten(data_format='channels_first'), (None, 2, 3, 4), True),
    'reshape': _single(lambda L: L.Reshape((3, -1)), (None, 12), True),
    'permute': _single(lambda L: L.Permute((2, 1)), (None, 3, 4), True),
    'repeat_vector': _single(lambda L: L.RepeatVector(3), (None, 4), True),
    'lambda': _single(lambda L: L.Lambda(lambda x, k: x * k + 1.0, arguments={'k': 2.0}), (None, 4), True),
    'masking': _masking,
    'conv1d_causal': _single(lambda L: L.Conv1D(3, 3, padding='causal', dilation_rate=2, activation='relu'),
                             (None, 7, 2), True),
    'conv1d_strided': _single(lambda L: L.Conv1D(2, 2, strides=2), (None, 7, 3), True),
    'conv2d': _single(lambda L: L.Conv2D(3, (3, 2), strides=(2, 1), padding='same'), (None, 6, 5, 2), True),
    'conv2d_dilated': _single(lambda L: L.Conv2D(2, 2, dilation_rate=2), (None, 6, 6, 3), True),
    'conv3d': _single(lambda L: L.Conv3D(2, 2, padding='same'), (None, 3, 4, 4, 2), True),
    'conv2d_transpose': _single(lambda L: L.Conv2DTranspose(3, 3, strides=2, padding='same'), (None, 3, 4, 2),
                                True),
    'conv2d_transpose_valid_outpad': _single(
        lambda L: L.Conv2DTranspose(2, 3, strides=2, output_padding=1), (None, 3, 3, 2), True),
    'conv3d_transpose': _single(lambda L: L.Conv3DTranspose(2, 2, strides=2), (None, 2, 3, 2, 3), True),
    'separable_conv1d': _single(lambda L: L.SeparableConv1D(4, 3, depth_multiplier=2, padding='same'),
                                (None, 6, 3), True),
    'separable_conv2d': _single(lambda L: L.SeparableConv2D(4, 2, strides=2), (None, 6, 6, 3), True),
    'depthwise_conv2d': _single(lambda L: L.DepthwiseConv2D(3, depth_multiplier=2, padding='same'),
                                (None, 5, 5, 2), True),
    'upsampling1d': _single(lambda L: L.UpSampling1D(3), (None, 4, 2), True),
    'upsampling2d': _single(lambda L: L.UpSampling2D((2, 3)), (None, 3, 2, 2), True),
    'upsampling2d_bilinear': _single(lambda L: L.UpSampling2D(2, interpolation='bilinear'), (None, 3, 3, 2),
                                     True),
    'upsampling3d': _single(lambda L: L.UpSampling3D((1, 2, 2)), (None, 2, 2, 3, 2), True),
    'zero_padding1d': _single(lambda L: L.ZeroPadding1D((1, 2)), (None, 3, 2), True),
    'zero_padding2d': _single(lambda L: L.ZeroPadding2D(((1, 0), (2, 1))), (None, 3, 2, 2), True),
    'zero_padding3d': _single(lambda L: L.ZeroPadding3D(1), (None, 2, 2, 2, 1), True),
    'cropping1d': _single(lambda L: L.Cropping1D((1, 2)), (None, 6, 2), True),
    'cropping2d': _single(lambda L: L.Cropping2D(((1, 0), (1, 1))), (None, 4, 5, 2), True),
    'cropping3d': _single(lambda L: L.Cropping3D(((1, 0), (0, 1), (1, 1))), (None, 3, 3, 4, 1), True),
    'max_pooling1d': _single(lambda L: L.MaxPooling1D(3, strides=2, padding='same'), (None, 7, 2), True),
    'average_pooling1d': _single(lambda L: L.AveragePooling1D(), (None, 6, 2), True),
    'max_pooling2d': _single(lambda L: L.MaxPooling2D((2, 3)), (None, 5, 6, 2), True),
    'average_pooling2d': _single(lambda L: L.AveragePooling2D(3, strides=2, padding='same'), (None, 5, 6, 2),
                                 True),
    'max_pooling3d': _single(lambda L: L.MaxPooling3D(), (None, 4, 4, 2, 2), True),
    'average_pooling3d': _single(lambda L: L.AveragePooling3D(2, padding='same'), (None, 3, 4, 3, 2), True),
    'global_max_pooling1d': _single(lambda L: L.GlobalMaxPooling1D(), (None, 5, 3), True),
    'global_average_pooling2d': _single(lambda L: L.GlobalAveragePooling2D(), (None, 3, 4, 2), True),
    'global_max_pooling3d': _single(lambda L: L.GlobalMaxPooling3D(), (None, 2, 3, 2, 2), True),
    'global_average_pooling1d_masked': _masked_average,
    'batch_norm_fused': _single(lambda L: L.BatchNormalization(), (None, 3, 3, 2), True),
    'batch_norm_fused_axis1': _single(lambda L: L.BatchNormalization(axis=1, momentum=0.9), (None, 2, 3, 3),
                                      True),
    'batch_norm_2d': _single(lambda L: L.BatchNormalization(epsilon=1e-2, center=False), (None, 4), True),
    'batch_norm_3d_axes': _single(lambda L: L.BatchNormalization(axis=[1, 2]), (None, 3, 2, 4), True),
    'layer_norm': _single(lambda L: L.LayerNormalization(), (None, 3, 4), True),
    'embedding': _embedding,
    'add': _merge(lambda L: L.Add(), [(None, 3), (None, 3), (None, 3)]),
    'subtract': _merge(lambda L: L.Subtract(), [(None, 3), (None, 3)]),
    'multiply_broadcast': _merge(lambda L: L.Multiply(), [(None, 2, 3), (None, 1, 3)]),
    'average': _merge(lambda L: L.Average(), [(None, 3), (None, 3)]),
    'maximum': _merge(lambda L: L.Maximum(), [(None, 3), (None, 3)]),
    'minimum': _merge(lambda L: L.Minimum(), [(None, 3), (None, 3)]),
    'concatenate': _merge(lambda L: L.Concatenate(axis=1), [(None, 2, 3), (None, 4, 3)]),
    'dot_2d': _merge(lambda L: L.Dot(axes=1), [(None, 3), (None, 3)]),
    'dot_3d': _merge(lambda L: L.Dot(axes=(2, 2)), [(None, 2, 3), (None, 4, 3)]),
    'dot_3d_axes12': _merge(lambda L: L.Dot(axes=(1, 2)), [(None, 3, 2), (None, 4, 3)]),
    'dot_normalize': _merge(lambda L: L.Dot(axes=-1, normalize=True), [(None, 4), (None, 4)]),
    'locally_connected1d': _single(lambda L: L.LocallyConnected1D(3, 2, strides=2, activation='relu'),
                                   (None, 7, 2), True),
    'locally_connected1d_channels_first': _single(
        lambda L: L.LocallyConnected1D(2, 3, data_format='channels_first'), (None, 3, 5), True),
    'locally_connected2d': _single(lambda L: L.LocallyConnected2D(2, (2, 3), strides=(1, 2)), (None, 4, 5, 2),
                                   True),
    'locally_connected2d_channels_first': _single(
        lambda L: L.LocallyConnected2D(3, 2, data_format='channels_first'), (None, 2, 3, 4), True),
    'leaky_relu': _single(lambda L: L.LeakyReLU(0.1), (None, 5), True),
    'prelu_shared': _single(lambda L: L.PReLU(shared_axes=[1, 2]), (None, 3, 3, 2), True),
    'elu': _single(lambda L: L.ELU(0.5), (None, 5), True),
    'thresholded_relu': _single(lambda L: L.ThresholdedReLU(0.2), (None, 5), True),
    'softmax': _single(lambda L: L.Softmax(axis=1), (None, 3, 2), True),
    'relu6': _single(lambda L: L.ReLU(max_value=6.), (None, 5), True),
    'relu_threshold_slope': _single(lambda L: L.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2),
                                    (None, 5), True),
    'gaussian_noise': _single(lambda L: L.GaussianNoise(0.3), (None, 4)),
    'gaussian_dropout': _single(lambda L: L.GaussianDropout(0.3), (None, 4)),
    'alpha_dropout': _single(lambda L: L.AlphaDropout(0.3), (None, 4)),
}


def _value(rng, shape, dtype, batch=3):
    shape = [batch if d is None else d for d in shape]
    if dtype.startswith('int'):
        return rng.randint(0, 7, size=shape).astype(dtype)
    return rng.uniform(-2, 2, size=shape).astype(dtype)


def evaluate(tf, name, given=None):
    """(arrays, meta) of one case; `given` holds the weights ('w/i') and inputs ('in/i') to use."""
    K, L = tf.keras.backend, tf.keras.layers
    graph = tf.Graph()
    with graph.as_default():
        case = CASES[name](tf, L)
        sess = K.get_session()
        rng = np.random.RandomState(sum(map(ord, name)))
        arrays = {}
        weights = [w for layer in case['layers'] for w in layer.weights]
        for layer in case['layers']:
            values = []
            for w in layer.weights:
                key = 'w/%d' % len(arrays)
                value = given[key] if given is not None else _value(rng, w.shape.as_list(), 'float32') / 2
                if given is None and 'variance' in w.name:
                    value = np.abs(value) + 0.5
                arrays[key] = value
                values.append(value)
            if values:
                layer.set_weights(values)
        feed = {}
        for i, x in enumerate(case['inputs']):
            key = 'in/%d' % i
            arrays[key] = given[key] if given is not None else _value(rng, x.shape.as_list(), x.dtype.name)
            if 'mask' in name and arrays[key].dtype.kind == 'f':
                arrays[key][:, 1] = 0.5  # a masked step
            feed[x] = arrays[key]
        phase = K.learning_phase()
        outputs = case['outputs'] + case.get('masks', [])
        for i, value in enumerate(sess.run(outputs, {**feed, phase: False})):
            arrays['out/%d' % i] = value
        if case['training']:
            for i, value in enumerate(sess.run(outputs, {**feed, phase: True})):
                arrays['train_out/%d' % i] = value
        # gradients of sum(outputs ** 2) w.r.t. the float inputs and the trainable weights, in the
        # training phase where the case is deterministic there
        sources = [x for x in case['inputs'] if x.dtype.is_floating] + \
            [w for layer in case['layers'] for w in layer.trainable_weights]
        if sources:
            loss = tf.add_n([tf.reduce_sum(tf.square(y)) for y in case['outputs']])
            grads = [g for g in tf.gradients(loss, sources) if g is not None]
            grads = [tf.convert_to_tensor(g) for g in grads]
            for i, value in enumerate(sess.run(grads, {**feed, phase: case['training']})):
                arrays['grad/%d' % i] = value
        updates = [u for layer in case['layers'] for u in layer.updates]
        if updates:
            sess.run(updates, {**feed, phase: True})
            for i, value in enumerate(sess.run(weights)):
                arrays['updated/%d' % i] = value
        losses = [l for layer in case['layers'] for l in layer.losses]
        if losses:
            arrays['losses'] = np.array(sess.run(losses, feed))
        meta = {'weights': [w.name for w in weights],
                'trainable': [w.name for layer in case['layers'] for w in layer.trainable_weights],
                'outputs': [y.name for y in case['outputs']],
                'static_shapes': [y.shape.as_list() for y in case['outputs']],
                'computed_shapes': [_shape_list(layer.compute_output_shape(_input_shapes(case)))
                                    for layer in case['layers'][:1]],
                'layer_names': [layer.name for layer in case['layers']],
                'config_keys': [sorted(layer.get_config()) for layer in case['layers']],
                'n_updates': len(updates)}
    return arrays, meta


def _input_shapes(case):
    shapes = [x.shape for x in case['inputs']]
    return shapes if case.get('merge') else shapes[0]


def _shape_list(shape):
    if isinstance(shape, (list, tuple)) and shape and not isinstance(shape[0], (int, type(None))):
        return [_shape_list(s) for s in shape]
    return [None if d is None else int(d) for d in (shape.as_list() if hasattr(shape, 'as_list') else shape)]
