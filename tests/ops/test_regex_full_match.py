"""tf.strings.regex_full_match (StaticRegexFullMatch / RegexFullMatch) against TensorFlow."""
import numpy as np
import pytest

import sluice as tf

_STRINGS = [[b's3://bucket/x', b'/tmp/model'], [b'gs://a', b's3:/']]


@pytest.mark.parametrize('pattern', ['^s3://.*', 's3.*', '.*model', '(gs|s3)://[a-z]+.*', ''])
@pytest.mark.parametrize('static', [True, False])
def test_matches_as_tensorflow(pattern, static):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    results = []
    for module in (tf, tf1):
        with module.Graph().as_default(), module.Session() as sess:
            strings = module.constant(_STRINGS)
            p = pattern if static else module.constant(pattern)
            out = module.strings.regex_full_match(strings, p) if module is tf1 else tf.regex_full_match(strings, p)
            results.append((sess.run(out), out.op.type, out.dtype.name))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1:] == results[1][1:]


def test_bad_pattern_is_invalid_argument():
    with tf.Graph().as_default(), tf.Session() as sess:
        out = tf.regex_full_match(tf.constant(['a']), tf.constant('('))
        with pytest.raises(tf.errors.InvalidArgumentError, match='Invalid pattern'):
            sess.run(out)
