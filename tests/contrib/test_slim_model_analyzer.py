"""slim.model_analyzer: element and byte counts of variables and op outputs, and TF 1.15's printed lines
(the GAN collection's show_all_variables calls analyze_vars(..., print_info=True))."""
import sluice as tf

analyzer = tf.contrib.slim.model_analyzer


def test_analyze_vars_counts_elements_and_bytes(capsys):
    with tf.Graph().as_default():
        w = tf.get_variable('w', [3, 4])
        b = tf.get_variable('b', [5], dtype=tf.float64)
        assert analyzer.analyze_vars([w, b], print_info=True) == (17, 3 * 4 * 4 + 5 * 8)
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == 'w:0 (float32_ref 3x4) [12, bytes: 48]'
    assert lines[4] == 'b:0 (float64_ref 5) [5, bytes: 40]'
    assert lines[-2:] == ['Total size of variables: 17', 'Total bytes of variables: 88']


def test_analyze_ops_counts_known_outputs_only(capsys):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, 3], name='x')   # unknown dimension: counts 0
        tf.constant(1.0, name='c')                            # scalar: 1 element
        tf.zeros([2, 3], name='z')
        assert analyzer.analyze_ops(g, print_info=True) == 0 + 1 + 6
        assert x.get_shape().num_elements() is None
    out = capsys.readouterr().out
    assert 'x \t-> (float32 ?x3) [0]' in out
    assert 'z \t-> (float32 2x3) [6]' in out
