"""Writes the golden TensorFlow event file in this folder with real TensorFlow (run once, by hand).

    /path/to/python-with-tensorflow tests/data/events/make_golden.py

tf_events.golden: what tf.compat.v1.summary.FileWriter writes for a small graph given to its
constructor (a graph_def event, then a meta_graph_def event), two steps of a merged summary
(scalar 'train/loss', histogram 'weights', 2x3 RGB float image 'picture/image', text 'note'), a
SessionLog START at step 2 and run metadata tagged 'step2'.  tests/test_summary.py holds the values
these events contain; TensorFlow is not needed to run the tests.
"""
import os
import shutil
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    loss = tf.placeholder(tf.float32, [], name='loss_value')
    with tf.name_scope('train'):
        tf.summary.scalar('loss', loss)
    tf.summary.histogram('weights', tf.constant([-1.0, 0.0, 0.5, 2.0]))
    picture = tf.constant(np.array([[[0.0, 0.5, 1.0], [0.25, 0.75, 2.0], [0.1, 0.2, 0.3]],
                                    [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]], np.float32)[None])
    tf.summary.image('picture', picture, max_outputs=1)
    tf.summary.text('note', tf.constant('hello board'))
    merged = tf.summary.merge_all()
    folder = tempfile.mkdtemp()
    try:
        with tf.Session() as sess:
            writer = tf.summary.FileWriter(folder, sess.graph)
            for step, value in ((1, 0.75), (2, 0.5)):
                options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE) if step == 2 else None
                metadata = tf.RunMetadata()
                summary = sess.run(merged, {loss: value}, options=options, run_metadata=metadata)
                writer.add_summary(summary, step)
            writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), 2)
            writer.add_run_metadata(metadata, 'step2', 2)
            writer.close()
        (name,) = os.listdir(folder)
        shutil.copy(os.path.join(folder, name), os.path.join(HERE, 'tf_events.golden'))
    finally:
        shutil.rmtree(folder)


if __name__ == '__main__':
    main()
