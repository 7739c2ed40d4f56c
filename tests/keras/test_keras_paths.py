"""TF 1.x's other paths to Keras (`tensorflow.python.keras.*`, `tf.contrib.keras`) are tf.keras's own
modules, not copies: classes and registries are shared."""
import importlib

import sluice as tf


def test_python_keras_paths_are_the_same_modules():
    assert importlib.import_module('sluice.python.keras') is tf.keras
    assert importlib.import_module('sluice.python.keras.backend') is tf.keras.backend
    from sluice.python.keras.engine import base_layer
    assert base_layer.Layer is tf.keras.engine.Layer
    assert tf.python.keras is tf.keras and tf.contrib.keras is tf.keras


def test_version_and_input_names():
    assert tf.keras.__version__ == '2.2.4-tf'  # TF 1.15's
    assert tf.keras.layers.Input is tf.keras.Input and tf.keras.layers.InputLayer.__name__ == 'InputLayer'
