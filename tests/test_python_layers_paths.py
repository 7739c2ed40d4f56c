"""`tensorflow.python.layers.*` (and `tensorflow.python.framework.smart_cond`) as TF1 programs import them:
the layer modules are tf.layers' own objects; `utils` computes what TF's module computes."""
import itertools

import pytest

import sluice as tf
from sluice.python.framework import smart_cond
from sluice.python.layers import base, convolutional, core, layers, normalization, pooling, utils

_LENGTH_CASES = list(itertools.product([None, 1, 5, 8], [1, 3, 4], ['same', 'valid', 'full'], [1, 2, 3]))


def test_layer_modules_are_tf_layers():
    assert core.Dense is tf.layers.Dense and core.dense is tf.layers.dense and core.Dropout is tf.layers.Dropout
    assert convolutional.Conv2D is tf.layers.Conv2D and pooling.max_pooling2d is tf.layers.max_pooling2d
    assert normalization.BatchNormalization is tf.layers.BatchNormalization and base.Layer is tf.layers.Layer
    assert layers.conv1d is tf.layers.conv1d and layers.Flatten is tf.layers.Flatten
    import sluice.python.layers.utils as by_path
    assert by_path is utils
    with pytest.raises(AttributeError, match='sluice does not implement tensorflow.python.layers.utils.nothing'):
        utils.nothing


@pytest.mark.tf
def test_utils_match_tensorflow():
    pytest.importorskip('tensorflow')
    from tensorflow.python.layers import utils as real
    for n, f, padding, s in _LENGTH_CASES:
        assert utils.conv_output_length(n, f, padding, s) == real.conv_output_length(n, f, padding, s)
        assert utils.conv_output_length(n, f, padding, s, 2) == real.conv_output_length(n, f, padding, s, 2)
        assert utils.conv_input_length(n, f, padding, s) == real.conv_input_length(n, f, padding, s)
        assert utils.deconv_output_length(n, f, padding, s) == real.deconv_output_length(n, f, padding, s)
    for fmt, ndim in itertools.product(['channels_last', 'channels_first'], [3, 4, 5]):
        assert utils.convert_data_format(fmt, ndim) == real.convert_data_format(fmt, ndim)
    assert utils.normalize_tuple(3, 2, 'strides') == real.normalize_tuple(3, 2, 'strides') == (3, 3)
    assert utils.normalize_tuple([1, 2], 2, 'strides') == real.normalize_tuple([1, 2], 2, 'strides')
    assert utils.normalize_padding('SAME') == real.normalize_padding('SAME')
    assert utils.normalize_data_format('Channels_First') == real.normalize_data_format('Channels_First')
    bad_calls = [('normalize_padding', ('causal',)), ('normalize_data_format', ('nhwc',))]
    for call, args in bad_calls:
        with pytest.raises(ValueError) as ours:
            getattr(utils, call)(*args)
        with pytest.raises(ValueError) as theirs:
            getattr(real, call)(*args)
        assert str(ours.value) == str(theirs.value).rstrip('.')  # TF 2.x ends with a period, 1.15 did not
    for pred in [True, False, 1, 0]:
        assert utils.constant_value(pred) == real.constant_value(pred)


def test_normalize_tuple_messages():
    # TF 1.15's wording (TF 2.x's Keras-based module says 'Argument `x` must be ...')
    prefix = 'The `kernel_size` argument must be a tuple of 2 integers. Received: '
    for bad, tail in [((1, 2, 3), '(1, 2, 3)'), (4.5, '4.5'), ('ab', "ab including element a of type <class 'str'>")]:
        with pytest.raises(ValueError) as error:
            utils.normalize_tuple(bad, 2, 'kernel_size')
        assert str(error.value) == prefix + tail
    for args, expected in [(('NHWC', 4), ('Invalid data_format:', 'NHWC')),
                           (('channels_last', 2), ('Input rank not supported:', 2))]:
        with pytest.raises(ValueError) as error:
            utils.convert_data_format(*args)
        assert error.value.args == expected


def test_smart_cond_static_and_dynamic():
    assert utils.smart_cond(True, lambda: 'yes', lambda: 'no') == 'yes'
    assert utils.smart_cond(0, lambda: 'yes', lambda: 'no') == 'no'
    assert utils.smart_cond(tf.constant(False), lambda: 'yes', lambda: 'no') == 'no'
    with tf.Graph().as_default():
        flag = tf.placeholder(tf.bool, [])
        out = utils.smart_cond(flag, lambda: tf.constant(1.0), lambda: tf.constant(2.0))
        variable = tf.Variable(True)
        out_v = utils.smart_cond(variable, lambda: tf.constant(3.0), lambda: tf.constant(4.0))
        assert utils.constant_value(flag) is None and utils.constant_value(variable) is None
        with tf.Session() as sess:
            sess.run(variable.initializer)
            assert sess.run(out, {flag: True}) == 1.0 and sess.run(out, {flag: False}) == 2.0
            assert sess.run(out_v) == 3.0


def test_smart_cond_errors():
    with pytest.raises(TypeError, match='`true_fn` must be callable.'):
        smart_cond.smart_cond(True, 1, lambda: 2)
    with pytest.raises(TypeError, match='`false_fn` must be callable.'):
        smart_cond.smart_cond(True, lambda: 1, None)
    with pytest.raises(TypeError, match='`pred` must be a Tensor, or a Python bool, or 1 or 0'):
        smart_cond.smart_cond('yes', lambda: 1, lambda: 2)
    assert smart_cond.smart_constant_value(1) is True


def test_static_shape_and_uid():
    with tf.Graph().as_default():
        assert utils.static_shape(tf.placeholder(tf.float32, [None, 3])) == (None, 3)
        assert utils.static_shape(tf.placeholder(tf.float32)) is None and utils.static_shape(None) is None
    a, b = object(), object()
    assert utils.object_list_uid([a, [b]]) == '%d, %d' % (id(a), id(b))


def test_contrib_framework_serves_smart_cond():
    assert tf.contrib.framework.smart_cond is smart_cond.smart_cond
    assert tf.contrib.framework.smart_constant_value is smart_cond.smart_constant_value
