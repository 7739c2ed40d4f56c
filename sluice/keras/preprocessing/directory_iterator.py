"""ImageDataGenerator.flow_from_directory's iterator (TF 1.15 / keras_preprocessing 1.1): one
subdirectory per class (sorted names, or `classes` in the given order, numbered from 0); each class's
images are the files under it, recursively, whose names end in a known image extension, walked in
sorted order (a `subset` takes the class's first validation_split of them for 'validation', the rest
for 'training'). A batch loads each image with load_img (color_mode, target_size, interpolation),
augments and standardizes it with the generator, and labels it per class_mode: 'categorical' one-hot
rows, 'binary'/'sparse' class indices, 'input' the images themselves, None no labels.
"""
import os
import warnings

import numpy as np

from sluice.keras.preprocessing import image
from sluice.keras.preprocessing.image_data_generator import Iterator

WHITE_LIST_FORMATS = ('png', 'jpg', 'jpeg', 'bmp', 'ppm', 'tif', 'tiff')
_CHANNELS = {'rgba': 4, 'rgb': 3, 'grayscale': 1}


def _iter_valid_files(directory, white_list_formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for fname in sorted(files):
            if fname.lower().endswith('.tiff'):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. Please verify your '
                              'output.')
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """(class index per file, paths relative to the parent of `directory`) of one class directory."""
    dirname = os.path.basename(directory)
    valid_files = list(_iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        valid_files = valid_files[int(split[0] * len(valid_files)):int(split[1] * len(valid_files))]
    filenames = [os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory))
                 for root, fname in valid_files]
    return [class_indices[dirname]] * len(filenames), filenames


class DirectoryIterator(Iterator):
    """Batches of images read from class subdirectories of `directory` (see the module docstring)."""

    allowed_class_modes = {'categorical', 'binary', 'sparse', 'input', None}
    white_list_formats = WHITE_LIST_FORMATS

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode='rgb', classes=None,
                 class_mode='categorical', batch_size=32, shuffle=True, seed=None, data_format='channels_last',
                 save_to_dir=None, save_prefix='', save_format='png', follow_links=False, subset=None,
                 interpolation='nearest', dtype='float32'):
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        if color_mode not in _CHANNELS:
            raise ValueError('Invalid color mode:', color_mode, '; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format
        channels = (_CHANNELS[color_mode],)
        self.image_shape = self.target_size + channels if data_format == 'channels_last' else channels + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.subset = subset
        self.split = self._split(subset, image_data_generator)
        if class_mode not in self.allowed_class_modes:
            raise ValueError('Invalid class_mode: {}; expected one of: {}'.format(class_mode,
                                                                                  self.allowed_class_modes))
        self.directory = directory
        self.class_mode = class_mode
        self.dtype = dtype
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        labels, self.filenames = [], []
        for subdir in classes:
            class_labels, filenames = _list_valid_filenames_in_directory(
                os.path.join(directory, subdir), self.white_list_formats, self.split, self.class_indices,
                follow_links)
            labels += class_labels
            self.filenames += filenames
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype='int32')
        print('Found %d images belonging to %d classes.' % (self.samples, self.num_classes))
        self._filepaths = [os.path.join(directory, fname) for fname in self.filenames]
        super(DirectoryIterator, self).__init__(self.samples, batch_size, shuffle, seed)

    @staticmethod
    def _split(subset, image_data_generator):
        if subset is None:
            return None
        validation_split = image_data_generator._validation_split
        if subset == 'validation':
            return (0, validation_split)
        if subset == 'training':
            return (validation_split, 1)
        raise ValueError('Invalid subset name: %s;expected "training" or "validation"' % (subset,))

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    def _load(self, path):
        img = image.load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                             interpolation=self.interpolation)
        x = image.img_to_array(img, data_format=self.data_format)
        img.close()
        generator = self.image_data_generator
        if generator:
            x = generator.standardize(generator.apply_transform(x, generator.get_random_transform(x.shape)))
        return x

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._load(self._filepaths[j])
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                fname = '{prefix}_{index}_{hash}.{format}'.format(prefix=self.save_prefix, index=j,
                                                                  hash=np.random.randint(1e7), format=self.save_format)
                image.array_to_img(batch_x[i], self.data_format, scale=True).save(os.path.join(self.save_to_dir, fname))
        if self.class_mode == 'input':
            return batch_x, batch_x.copy()
        if self.class_mode in {'binary', 'sparse'}:
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == 'categorical':
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.
            return batch_x, batch_y
        return batch_x
