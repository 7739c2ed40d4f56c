"""The aymericdamien TensorFlow-Examples k-means program (2_BasicModels/kmeans.py) on 3000 MNIST images:
its graph as written (contrib KMeans, cosine, mini-batch, the 6-tuple, reduce_mean of the scores tuple, a
label map built from NumPy int64 argmaxes) reaches the accuracy range of TF's run of the full program
(0.71 in the example's notebook)."""
import numpy as np

import sluice as tf
from sluice.contrib.factorization import KMeans
from sluice.examples.tutorials.mnist import input_data


def test_kmeans_example_accuracy(tmp_path):
    mnist = input_data.read_data_sets(str(tmp_path), one_hot=True)
    images, labels = mnist.train.images[:3000], mnist.train.labels[:3000]
    k = 25
    X = tf.placeholder(tf.float32, shape=[None, 784])
    Y = tf.placeholder(tf.float32, shape=[None, 10])
    graph = KMeans(inputs=X, num_clusters=k, distance_metric='cosine', use_mini_batch=True).training_graph()
    (all_scores, cluster_idx, scores, cluster_centers_initialized, init_op, train_op) = graph
    cluster_idx = cluster_idx[0]
    avg_distance = tf.reduce_mean(scores)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer(), feed_dict={X: images})
        sess.run(init_op, feed_dict={X: images})
        distances = []
        for _ in range(10):
            _, d, idx = sess.run([train_op, avg_distance, cluster_idx], feed_dict={X: images})
            distances.append(d)
        assert distances[-1] < distances[0]
        counts = np.zeros(shape=(k, 10))
        for i in range(len(idx)):
            counts[idx[i]] += labels[i]
        labels_map = tf.convert_to_tensor([np.argmax(c) for c in counts])
        cluster_label = tf.nn.embedding_lookup(labels_map, cluster_idx)
        correct = tf.equal(cluster_label, tf.cast(tf.argmax(Y, 1), tf.int32))
        accuracy = sess.run(tf.reduce_mean(tf.cast(correct, tf.float32)),
                            feed_dict={X: mnist.test.images[:2000], Y: mnist.test.labels[:2000]})
    assert 0.55 < accuracy < 0.9
