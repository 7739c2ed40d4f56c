"""A TF name sluice lacks raises AttributeError saying sluice does not implement it yet, in `tf` and
its namespaces; hasattr stays False and getattr's default still works."""
import pytest

import sluice as tf


@pytest.mark.parametrize('namespace, tf_name', [
    (tf, 'tf'), (tf.math, 'tf.math'), (tf.train, 'tf.train'), (tf.linalg, 'tf.linalg'), (tf.image, 'tf.image'),
    (tf.losses, 'tf.losses'), (tf.summary, 'tf.summary'), (tf.logging, 'tf.logging'), (tf.compat, 'tf.compat'),
    (tf.gfile, 'tf.gfile'), (tf.random, 'tf.random'), (tf.metrics, 'tf.metrics'), (tf.test, 'tf.test')])
def test_missing_names_say_sluice_lacks_them(namespace, tf_name):
    with pytest.raises(AttributeError) as info:
        namespace.no_such_op
    assert str(info.value).endswith(': sluice does not implement %s.no_such_op yet' % tf_name)
    assert info.value.name == 'no_such_op'
    assert not hasattr(namespace, 'no_such_op')
    assert getattr(namespace, 'no_such_op', 7) == 7


def test_existing_names_and_private_probes_are_untouched():
    assert tf.reduce_mean is tf.math.reduce_mean
    with pytest.raises(AttributeError) as info:
        tf.__wrapped__
    assert str(info.value) == "module 'sluice' has no attribute '__wrapped__'"


def test_from_import_of_a_missing_name_is_an_import_error():
    with pytest.raises(ImportError, match='no_such_module'):
        from sluice import no_such_module  # noqa: F401


def test_contrib_is_a_lazy_namespace():
    with pytest.raises(AttributeError) as info:
        tf.contrib.no_such_module
    assert str(info.value).endswith(': sluice does not implement tf.contrib.no_such_module yet')
    assert not hasattr(tf.contrib, 'no_such_module')
