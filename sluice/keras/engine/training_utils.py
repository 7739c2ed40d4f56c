"""Checking and shaping what users hand to compile/fit (TF 1.15's Keras rules, with its messages).

- Data: a single array, a list (in the model's input order) or a dict (by input name) becomes a list of
  arrays, one per input; a 1-D array becomes a column unless the input itself is 1-D; shapes are checked
  without the batch axis ('Error when checking input: expected dense_input to have shape (784,) but got array
  with shape (10,)'); inputs, targets and sample weights must agree on the number of samples.
- Weights: sample weights are 1-D per sample (2-D per timestep with sample_weight_mode='temporal');
  a class_weight dict becomes per-sample weights from each target's class (argmax of one-hot rows).
- Losses and metrics per output: one entry for all outputs, a list in output order, or a dict by output
  name. metrics=['accuracy'] resolves by the loss and the output's last dimension (binary when it is 1 or the
  loss is binary crossentropy, sparse categorical when the loss is, else categorical); its name is 'acc'.
- Batches: [start, end) ranges of `batch_size`; shuffle=True permutes samples, 'batch' permutes within batches.
  Data tensors (symbolic inputs) are whole batches already: they need `steps_per_epoch` / `steps`.
"""
import numpy as np

from sluice.python.util import nest
from sluice.engine import graph as _graph


# -- data --------------------------------------------------------------------------------------------------------
def _as_array(x):
    if x is None or _graph.is_tensor(x):
        return x
    if type(x).__name__ in ('DataFrame', 'Series'):
        return x.values
    if isinstance(x, int):
        raise ValueError('Expected an array data type but received an integer: {}'.format(x))
    return np.asarray(x)


def standardize_single_array(x, expected_shape=None):
    x = _as_array(x)
    if x is not None and x.shape is not None and len(x.shape) == 1 and \
            (expected_shape is None or len(expected_shape) != 1):
        x = np.expand_dims(x, 1)
    return x


def standardize_input_data(data, names, shapes=None, check_batch_axis=True, exception_prefix=''):
    """A list of arrays in the order of `names`, checked against `shapes` (full shapes, batch first)."""
    try:
        data_len = len(data)
    except TypeError:
        data_len = None
    if not names:
        if data_len and not isinstance(data, dict):
            raise ValueError('Error when checking model ' + exception_prefix + ': expected no data, but got:', data)
        return []
    if data is None:
        return [None for _ in names]
    if isinstance(data, dict):
        try:
            data = [data[name] for name in names]
        except KeyError as e:
            raise ValueError('No data provided for "' + e.args[0] + '". Need data for each key in: ' + str(names))
    elif isinstance(data, (list, tuple)):
        if isinstance(data[0], (list, tuple)):
            data = [np.asarray(d) for d in data]
        elif len(names) == 1 and isinstance(data[0], (float, int)):
            data = [np.asarray(data)]
        else:
            data = list(data)
    else:
        data = [data]
    data = [standardize_single_array(x, shape) for x, shape in zip(data, shapes or [None] * len(data))]
    if len(data) != len(names):
        if data and hasattr(data[0], 'shape'):
            raise ValueError('Error when checking model ' + exception_prefix + ': the list of Numpy arrays that you '
                             'are passing to your model is not the size the model expected. Expected to see ' +
                             str(len(names)) + ' array(s), but instead got the following list of ' + str(len(data)) +
                             ' arrays: ' + str(data)[:200] + '...')
        if len(names) > 1:
            raise ValueError('Error when checking model ' + exception_prefix + ': you are passing a list as input to '
                             'your model, but the model expects a list of ' + str(len(names)) + ' Numpy arrays '
                             'instead. The list you passed was: ' + str(data)[:200])
        raise TypeError('Error when checking model ' + exception_prefix + ': data should be a Numpy array, or '
                        'list/dict of Numpy arrays. Found: ' + str(data)[:200] + '...')
    if shapes:
        for name, x, shape in zip(names, data, shapes):
            if shape is None or x is None:
                continue
            data_shape = tuple(x.shape.as_list()) if _graph.is_tensor(x) else x.shape
            if len(data_shape) != len(shape):
                raise ValueError('Error when checking ' + exception_prefix + ': expected ' + name + ' to have ' +
                                 str(len(shape)) + ' dimensions, but got array with shape ' + str(data_shape))
            if not check_batch_axis:
                data_shape, shape = data_shape[1:], tuple(shape)[1:]
            for dim, ref_dim in zip(data_shape, shape):
                if ref_dim != dim and ref_dim is not None and dim is not None:
                    raise ValueError('Error when checking ' + exception_prefix + ': expected ' + name + ' to have '
                                     'shape ' + str(tuple(shape)) + ' but got array with shape ' + str(data_shape))
    return data


def standardize_sample_or_class_weights(x_weight, output_names, weight_type):
    """One weight entry (or None) per output, from None, a single entry, a list or a dict by output name."""
    if x_weight is None or (isinstance(x_weight, (list, tuple)) and len(x_weight) == 0):
        return [None for _ in output_names]
    if len(output_names) == 1:
        if isinstance(x_weight, (list, tuple)) and len(x_weight) == 1:
            return list(x_weight)
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, (list, tuple)):
        if len(x_weight) != len(output_names):
            raise ValueError('Provided `' + weight_type + '` was a list of ' + str(len(x_weight)) + ' elements, but '
                             'the model has ' + str(len(output_names)) + ' outputs. You should provide one `' +
                             weight_type + '`array per model output.')
        return list(x_weight)
    if isinstance(x_weight, dict):
        for key in x_weight:
            if key not in output_names:
                raise ValueError('Unknown entry in ' + weight_type + ' dictionary: "' + key + '". Only expected '
                                 'the following keys: ' + str(output_names))
        return [x_weight.get(name) for name in output_names]
    raise TypeError('The model has multiple outputs, so `' + weight_type + '` should be either a list or a dict. '
                    'Provided `' + weight_type + '` type not understood: ' + str(x_weight))


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """Per-sample (or per-timestep) weights for targets `y`, or None when every weight would be 1."""
    if sample_weight_mode is not None and sample_weight_mode != 'samplewise':
        if sample_weight_mode != 'temporal':
            raise ValueError('"sample_weight_mode should be None or "temporal". Found: ' + str(sample_weight_mode))
        if len(y.shape) < 3:
            raise ValueError('Found a sample_weight array for an input with shape ' + str(y.shape) + '. Timestep-wise'
                             ' sample weighting (use of sample_weight_mode="temporal") is restricted to outputs '
                             'that are at least 3D, i.e. that have a time dimension.')
        if sample_weight is not None and len(np.shape(sample_weight)) != 2:
            raise ValueError('Found a sample_weight array with shape ' + str(np.shape(sample_weight)) + '. In order '
                             'to use timestep-wise sample weighting, you should pass a 2D sample_weight array.')
    elif sample_weight is not None and len(np.shape(sample_weight)) != 1:
        raise ValueError('Found a sample_weight array with shape ' + str(np.shape(sample_weight)) + '. In order to '
                         'use timestep-wise sample weights, you should specify sample_weight_mode="temporal" in '
                         'compile(). If you just mean to use sample-wise weights, make sure your sample_weight '
                         'array is 1D.')
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if len(sample_weight.shape) > len(y.shape):
            raise ValueError('Found a sample_weight with shape' + str(sample_weight.shape) + '.Expected '
                             'sample_weight with rank less than or equal to ' + str(len(y.shape)))
        if y.shape[:sample_weight.ndim] != sample_weight.shape:
            raise ValueError('Found a sample_weight array with shape ' + str(sample_weight.shape) + ' for an input '
                             'with shape ' + str(y.shape) + '. sample_weight cannot be broadcast.')
    if isinstance(class_weight, dict):
        if len(y.shape) > 2:
            raise ValueError('`class_weight` not supported for 3+ dimensional targets.')
        if len(y.shape) == 2 and y.shape[1] > 1:
            y_classes = np.argmax(y, axis=1)
        elif len(y.shape) == 2 and y.shape[1] == 1:
            y_classes = np.reshape(y, y.shape[0])
        else:
            y_classes = y
        missing = set(np.unique(y_classes).tolist()) - set(class_weight)
        if missing:
            raise ValueError('`class_weight` must contain all classes in the data. The classes %s exist in the data '
                             'but not in `class_weight`.' % missing)
        class_sample_weight = np.asarray([class_weight[c] for c in y_classes.tolist()], dtype=np.float64)
        return class_sample_weight if sample_weight is None else class_sample_weight * sample_weight
    return sample_weight


def check_array_lengths(inputs, targets, weights=None):
    def counts(arrays):
        return set(x.shape[0] for x in arrays if x is not None and not _graph.is_tensor(x))
    set_x, set_y, set_w = counts(inputs), counts(targets), counts(weights or [])
    if len(set_x) > 1:
        raise ValueError('All input arrays (x) should have the same number of samples. Got array shapes: ' +
                         str([x.shape for x in inputs]))
    if len(set_y) > 1:
        raise ValueError('All target arrays (y) should have the same number of samples. Got array shapes: ' +
                         str([y.shape for y in targets]))
    if set_x and set_y and list(set_x)[0] != list(set_y)[0]:
        raise ValueError('Input arrays should have the same number of samples as target arrays. Found ' +
                         str(list(set_x)[0]) + ' input samples and ' + str(list(set_y)[0]) + ' target samples.')
    if len(set_w) > 1:
        raise ValueError('All sample_weight arrays should have the same number of samples. Got array shapes: ' +
                         str([w.shape for w in weights]))
    if set_y and set_w and list(set_y)[0] != list(set_w)[0]:
        raise ValueError('Sample_weight arrays should have the same number of samples as target arrays. Got ' +
                         str(list(set_y)[0]) + ' input samples and ' + str(list(set_w)[0]) + ' target samples.')


# -- losses and metrics per output ----------------------------------------------------------------------------
def per_output(value, output_names, what):
    """`value` (one entry, a list in output order, or a dict by name) as one entry per output."""
    if isinstance(value, dict):
        for key in value:
            if key not in output_names:
                raise ValueError('Unknown entry in ' + what + ' dictionary: "' + key + '". Only expected the '
                                 'following keys: ' + str(output_names))
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and what == 'loss':
        if len(value) != len(output_names):
            raise ValueError('When passing a list as loss, it should have one entry per model outputs. The model '
                             'has ' + str(len(output_names)) + ' outputs, but you passed loss=' + str(value))
        return list(value)
    return [value] * len(output_names)


def loss_weights_per_output(loss_weights, output_names):
    if loss_weights is None:
        return [1.] * len(output_names)
    if isinstance(loss_weights, dict):
        for key in loss_weights:
            if key not in output_names:
                raise ValueError('Unknown entry in loss_weights dictionary: "' + key + '". Only expected the '
                                 'following keys: ' + str(output_names))
        return [loss_weights.get(name, 1.) for name in output_names]
    if isinstance(loss_weights, (list, tuple)):
        if len(loss_weights) != len(output_names):
            raise ValueError('When passing a list as loss_weights, it should have one entry per model output. The '
                             'model has ' + str(len(output_names)) + ' outputs, but you passed loss_weights=' +
                             str(loss_weights))
        return list(loss_weights)
    raise TypeError('Could not interpret loss_weights argument: ' + str(loss_weights) + ' - expected a list of '
                    'dicts.')


def metrics_per_output(metrics, output_names):
    """A list of metric identifiers per output (a flat list applies to every output)."""
    if not metrics:
        return [[] for _ in output_names]
    if isinstance(metrics, dict):
        for key in metrics:
            if key not in output_names:
                raise ValueError('Unknown entry in metrics dictionary: "' + key + '". Only expected the following '
                                 'keys: ' + str(output_names))
        return [nest.flatten(metrics.get(name, [])) for name in output_names]
    if isinstance(metrics, (list, tuple)):
        if metrics and isinstance(metrics[0], (list, tuple)) and len(metrics) == len(output_names):
            return [list(m) for m in metrics]
        return [list(metrics) for _ in output_names]
    raise TypeError('Type of `metrics` argument not understood. Expected a list or dictionary, found: ' +
                    str(metrics))


def loss_function_name(loss_fn):
    """The name of the function a loss computes ('sparse_categorical_crossentropy', ...), for resolving metrics."""
    fn = getattr(loss_fn, 'fn', loss_fn)
    name = getattr(fn, '__name__', None) or type(loss_fn).__name__
    aliases = {'SparseCategoricalCrossentropy': 'sparse_categorical_crossentropy',
               'BinaryCrossentropy': 'binary_crossentropy', 'CategoricalCrossentropy': 'categorical_crossentropy'}
    return aliases.get(name, name)


def metric_name(metric, metrics_module, weighted=False):
    prefix = 'weighted_' if weighted else ''
    if metric in ('accuracy', 'acc'):
        return prefix + 'acc'
    if metric in ('crossentropy', 'ce'):
        return prefix + 'ce'
    fn = metrics_module.get(metric)
    return prefix + (fn.name if hasattr(fn, 'name') else fn.__name__)


def metric_function(metric, output_shape, loss_fn, metrics_module):
    if metric not in ('accuracy', 'acc', 'crossentropy', 'ce'):
        return metrics_module.get(metric)
    loss_name = loss_function_name(loss_fn) if loss_fn is not None else ''
    binary = (output_shape is not None and output_shape[-1] == 1) or loss_name == 'binary_crossentropy'
    sparse = loss_name == 'sparse_categorical_crossentropy'
    if metric in ('accuracy', 'acc'):
        kind = 'binary_accuracy' if binary else ('sparse_categorical_accuracy' if sparse else 'categorical_accuracy')
    else:
        kind = 'binary_crossentropy' if binary else \
            ('sparse_categorical_crossentropy' if sparse else 'categorical_crossentropy')
    return getattr(metrics_module, kind)


def unique_name(name, existing):
    base, i = name, 0
    while name in existing:
        i += 1
        name = '%s_%d' % (base, i)
    return name


# -- batches ---------------------------------------------------------------------------------------------------
def make_batches(size, batch_size):
    count = int(np.ceil(size / float(batch_size)))
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(count)]


def batch_shuffle(index_array, batch_size):
    """Permutes whole batches of `index_array` (the last partial batch stays at the end)."""
    batch_count = len(index_array) // batch_size
    last = index_array[batch_count * batch_size:]
    index_array = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
    np.random.shuffle(index_array)
    return np.append(index_array.flatten(), last)


def slice_arrays(arrays, indices):
    return [None if x is None else x[indices] for x in arrays]


def check_steps_argument(input_data, steps, steps_name):
    """TF's rule: symbolic tensors as data give one batch per step, so the number of steps must be given."""
    if steps is None and any(_graph.is_tensor(x) for x in nest.flatten(input_data)):
        raise ValueError('When using data tensors as input to a model, you should specify the `%s` argument.'
                         % steps_name)


def num_samples(arrays):
    for x in arrays:
        if x is not None and hasattr(x, 'shape'):
            return int(x.shape[0])
    return None


def unpack_validation_data(validation_data):
    if isinstance(validation_data, (list, tuple)):
        if len(validation_data) == 2:
            return validation_data[0], validation_data[1], None
        if len(validation_data) == 3:
            return tuple(validation_data)
        raise ValueError('When passing a `validation_data` argument, it must contain either 2 items (x_val, y_val), '
                         'or 3 items (x_val, y_val, val_sample_weights), or alternatively it could be a dataset or a '
                         'dataset or a dataset iterator. However we received `validation_data=%s`' % validation_data)
    return validation_data, None, None


def should_run_validation(validation_freq, epoch):
    """Whether to validate after 0-based `epoch`: every `validation_freq` epochs, or at the epochs listed."""
    one_based = epoch + 1
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError('`validation_freq` can not be less than 1.')
        return one_based % validation_freq == 0
    if not hasattr(validation_freq, '__contains__'):
        raise ValueError('`validation_freq` must be an Integer or `collections_abc.Container` (e.g. list, tuple, '
                         'etc.)')
    return one_based in validation_freq
