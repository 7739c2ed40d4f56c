"""tf.keras.preprocessing.image: PIL conversions and ImageDataGenerator's draws, batching and
standardization against tf_keras (which kept keras_preprocessing's); the affine transforms against
TF 1.15's matrices written out (tf_keras changed the centre and the axis order since)."""
import os

import numpy as np
import pytest

from sluice.keras.preprocessing import image

pytest.importorskip('PIL')
pytest.importorskip('scipy')


@pytest.fixture(scope='module')
def reference():
    return pytest.importorskip('tf_keras.src.preprocessing.image')


@pytest.fixture(scope='module')
def reference_utils():
    return pytest.importorskip('tf_keras.src.utils.image_utils')


def _images(n=6, rows=5, cols=7, channels=3, seed=0):
    return np.random.RandomState(seed).uniform(0, 255, (n, rows, cols, channels)).astype(np.float32)


def test_pil_round_trips_as_tf_keras(tmp_path, reference_utils):
    x = _images(1)[0]
    # keras_preprocessing 1.1 scales by shifting only negative images up, tf_keras always by the minimum
    np.testing.assert_array_equal(np.asarray(image.array_to_img(x)), (x / x.max() * 255).astype(np.uint8))
    for data_format, array in [('channels_last', x), ('channels_first', x.transpose(2, 0, 1))]:
        ours = image.array_to_img(array, data_format, scale=False)
        theirs = reference_utils.array_to_img(array, data_format, scale=False)
        assert ours.mode == theirs.mode == 'RGB'
        np.testing.assert_array_equal(image.img_to_array(ours, data_format),
                                      reference_utils.img_to_array(theirs, data_format))
    gray = image.array_to_img(x[:, :, :1] - 50, scale=True)
    assert gray.mode == 'L' and np.asarray(gray).max() == 255
    path = str(tmp_path / 'x.png')
    image.save_img(path, x)
    loaded = image.load_img(path, target_size=(3, 4), interpolation='bilinear')
    expected = reference_utils.load_img(path, target_size=(3, 4), interpolation='bilinear')
    np.testing.assert_array_equal(image.img_to_array(loaded), reference_utils.img_to_array(expected))
    assert image.img_to_array(image.load_img(path, color_mode='grayscale')).shape == (5, 7, 1)
    with pytest.raises(ValueError, match='color_mode must be'):
        image.load_img(path, color_mode='cmyk')
    with pytest.raises(ValueError, match='Expected image array to have rank 3'):
        image.array_to_img(x[0])
    with pytest.raises(ValueError, match='Unsupported channel number: 2'):
        image.array_to_img(x[:, :, :2])


def test_affine_shift_moves_pixels_by_whole_rows_and_columns():
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)   # channels first
    out = image.apply_affine_transform(x, tx=1, ty=2, row_axis=1, col_axis=2, channel_axis=0, fill_mode='constant',
                                       cval=-1)
    # an output pixel (r, c) reads the input at (r + tx, c + ty)
    np.testing.assert_array_equal(out[:, :4, :4], x[:, 1:, 2:])
    assert np.all(out[:, 4, :] == -1) and np.all(out[:, :, 4:] == -1)
    assert image.apply_affine_transform(x, row_axis=1, col_axis=2, channel_axis=0) is x


@pytest.mark.parametrize('kwargs', [dict(theta=30), dict(shear=20), dict(zx=0.7, zy=1.3),
                                    dict(theta=-45, tx=1.5, zx=1.2, zy=1.2)])
def test_affine_transform_follows_tf_1_15_s_matrix(kwargs):
    x = np.random.RandomState(1).rand(7, 9, 1)
    out = image.apply_affine_transform(x, fill_mode='nearest', order=0, **kwargs)
    theta, shear = np.deg2rad(kwargs.get('theta', 0)), np.deg2rad(kwargs.get('shear', 0))
    m = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    m = m.dot([[1, -np.sin(shear)], [0, np.cos(shear)]]).dot([[kwargs.get('zx', 1), 0], [0, kwargs.get('zy', 1)]])
    shift = np.array([kwargs.get('tx', 0), 0])
    center = np.array([7 / 2. + 0.5, 9 / 2. + 0.5])   # TF 1.15's centre (keras_preprocessing 1.1)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    for r in range(7):
        for c in range(9):
            # rotation, then the shift, then shear and zoom, about the centre
            source = m.dot(np.array([r, c]) - center) + rotation.dot(shift) + center
            i, j = [int(np.clip(np.floor(v + 0.5), 0, n - 1)) for v, n in zip(source, (7, 9))]
            assert out[r, c, 0] == x[i, j, 0], (r, c)


def test_channel_shift_clips_to_the_image_range():
    x = np.array([[[0., 10.], [5., 20.]]])
    np.testing.assert_array_equal(image.apply_channel_shift(x, 8, channel_axis=2), [[[8., 18.], [13., 20.]]])


def test_random_transform_draws_as_tf_keras(reference):
    kwargs = dict(rotation_range=20, width_shift_range=0.2, height_shift_range=[1, 2, 3], shear_range=5,
                  zoom_range=0.1, channel_shift_range=4., horizontal_flip=True, vertical_flip=True,
                  brightness_range=(0.5, 1.5))
    ours = image.ImageDataGenerator(**kwargs).get_random_transform((5, 7, 3), seed=3)
    theirs = reference.ImageDataGenerator(**kwargs).get_random_transform((5, 7, 3), seed=3)
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, err_msg=key)


@pytest.mark.parametrize('kwargs', [dict(horizontal_flip=True, vertical_flip=True), dict(rescale=1 / 255.),
                                    dict(samplewise_center=True, samplewise_std_normalization=True),
                                    dict(featurewise_center=True, featurewise_std_normalization=True),
                                    dict(channel_shift_range=30.)])
def test_flow_batches_as_tf_keras(reference, kwargs):
    x, y, w = _images(), np.arange(6), np.linspace(0, 1, 6)
    ours, theirs = image.ImageDataGenerator(**kwargs), reference.ImageDataGenerator(**kwargs)
    ours.fit(x)
    theirs.fit(x)
    mine = ours.flow(x, y, batch_size=4, seed=5, sample_weight=w)
    other = theirs.flow(x, y, batch_size=4, seed=5, sample_weight=w)
    assert len(mine) == len(other) == 2
    for i in range(2):
        for a, b in zip(mine[i], other[i]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for a, b in zip(next(mine), next(other)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_zca_whitening_decorrelates_pixels():
    x = np.random.RandomState(2).rand(200, 2, 2, 1).astype(np.float64)
    x[..., 0] += x[:, :1, :1, :1].squeeze(-1) * 2   # correlated pixels
    generator = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-9, dtype='float64')
    generator.fit(x)
    white = np.stack([generator.standardize(np.copy(xi)) for xi in x]).reshape(200, -1)
    # the mean is per channel, so ZCA whitens the second moment of the centred pixels: W' S W = I
    np.testing.assert_allclose(white.T.dot(white) / 200, np.eye(4), atol=1e-6)


def test_flow_with_extra_inputs_subsets_and_saving(tmp_path):
    x, extra, y = _images(10), np.arange(10) * 2, np.array([0, 1] * 5)
    generator = image.ImageDataGenerator(validation_split=0.3)
    batch = generator.flow((x, extra), y, batch_size=10, shuffle=False, subset='validation')[0]
    np.testing.assert_array_equal(batch[0][1], [0, 2, 4])
    np.testing.assert_array_equal(batch[1], [0, 1, 0])
    training = generator.flow(x, batch_size=4, shuffle=False, subset='training', save_to_dir=str(tmp_path),
                              save_prefix='aug')
    assert len(training) == 2 and training[1].shape == (3, 5, 7, 3)
    assert len(os.listdir(str(tmp_path))) == 3
    with pytest.raises(ValueError, match='Invalid subset name'):
        generator.flow(x, y, subset='test')
    with pytest.raises(ValueError, match='different number of classes after the split'):
        generator.flow(x, np.arange(10), subset='training')


def test_generator_errors_and_warnings():
    with pytest.raises(ValueError, match='should have rank 4'):
        image.ImageDataGenerator().flow(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r'`x` \(images tensor\) and `y` \(labels\) should have the same length'):
        image.ImageDataGenerator().flow(np.zeros((2, 3, 3, 1)), [1])
    with pytest.raises(ValueError, match='`validation_split` must be strictly between 0 and 1'):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match='`zoom_range` should be a float or a tuple or list of two floats'):
        image.ImageDataGenerator(zoom_range=[1, 2, 3])
    with pytest.raises(ValueError, match='`data_format` should be'):
        image.ImageDataGenerator(data_format='channels_middle')
    with pytest.warns(UserWarning, match='overrides setting of `featurewise_center`'):
        image.ImageDataGenerator(featurewise_std_normalization=True)
    with pytest.warns(UserWarning, match="hasn't been fit on any training data"):
        image.ImageDataGenerator(featurewise_center=True).standardize(np.zeros((2, 2, 1)))
    with pytest.warns(UserWarning, match='expected either 1, 3, or 4 channels'):
        image.ImageDataGenerator().flow(np.zeros((2, 3, 3, 5)))
    with pytest.raises(NotImplementedError, match='flow_from_dataframe'):
        image.ImageDataGenerator().flow_from_dataframe(None)
    with pytest.raises(ValueError, match='Asked to retrieve element 3'):
        image.ImageDataGenerator().flow(np.zeros((2, 3, 3, 1)), batch_size=1)[3]


def test_brightness_goes_through_pil_scaled_to_255():
    x = np.full((2, 2, 3), 0.5, np.float32)
    x[0, 0] = 1.0
    brighter = image.apply_brightness_shift(x, 1.0)
    assert brighter.max() == 255 and brighter[1, 1, 0] == 127


@pytest.fixture
def class_directory(tmp_path):
    rng = np.random.RandomState(3)
    for label, count in [('cats', 3), ('dogs', 2), ('empty', 0)]:
        folder = tmp_path / 'data' / label
        folder.mkdir(parents=True)
        for i in range(count):
            image.save_img(str(folder / ('%d.png' % i)), rng.uniform(0, 255, (6, 5, 3)), scale=False)
    (tmp_path / 'data' / 'cats' / 'notes.txt').write_text('not an image')
    nested = tmp_path / 'data' / 'dogs' / 'puppies'
    nested.mkdir()
    image.save_img(str(nested / 'p.jpg'), rng.uniform(0, 255, (8, 8, 3)))
    return str(tmp_path / 'data')


@pytest.mark.parametrize('kwargs', [dict(class_mode='categorical'), dict(class_mode='sparse', color_mode='grayscale'),
                                    dict(class_mode='binary', classes=['dogs', 'cats']),
                                    dict(class_mode=None, target_size=(3, 4), interpolation='bilinear'),
                                    dict(class_mode='input', color_mode='rgba')])
def test_flow_from_directory_as_tf_keras(reference, class_directory, capsys, kwargs):
    generator_kwargs = dict(rescale=1 / 255., horizontal_flip=True)
    ours = image.ImageDataGenerator(**generator_kwargs).flow_from_directory(
        class_directory, target_size=kwargs.pop('target_size', (6, 5)), batch_size=4, seed=2, **kwargs)
    ours_out = capsys.readouterr().out
    kwargs['target_size'] = ours.target_size
    theirs = reference.ImageDataGenerator(**generator_kwargs).flow_from_directory(
        class_directory, batch_size=4, seed=2, **kwargs)
    assert ours_out == capsys.readouterr().out
    assert ours.filenames == theirs.filenames and ours.class_indices == theirs.class_indices
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    assert len(ours) == len(theirs) == 2
    for i in range(2):
        mine, other = ours[i], theirs[i]
        for a, b in zip(mine if isinstance(mine, tuple) else [mine], other if isinstance(other, tuple) else [other]):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_flow_from_directory_subsets_and_errors(class_directory, capsys):
    generator = image.ImageDataGenerator(validation_split=0.5)
    validation = generator.flow_from_directory(class_directory, target_size=(6, 5), subset='validation')
    training = generator.flow_from_directory(class_directory, target_size=(6, 5), subset='training')
    assert validation.filenames == [os.path.join('cats', '0.png'), os.path.join('dogs', '0.png')]
    assert len(training.filenames) == 4   # int(n * 0.5) of each class validates: cats 1 of 3, dogs 1 of 3
    assert 'Found 2 images belonging to 3 classes.' in capsys.readouterr().out
    with pytest.raises(ValueError, match='Invalid class_mode'):
        generator.flow_from_directory(class_directory, class_mode='raw')
    with pytest.raises(ValueError, match='Invalid color mode'):
        generator.flow_from_directory(class_directory, color_mode='cmyk')
