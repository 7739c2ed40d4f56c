"""Keras and tf.layers layers under tf.variable_scope, run on sluice or on TensorFlow (tf_keras), printing
one JSON line of what was built: variable names, output names, layer names and weight counts.

    python tests/layers/keras_scope_reference.py sluice|tf
"""
import json
import os
import sys

os.environ['TF_USE_LEGACY_KERAS'] = '1'
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')


def _import(backend):
    if backend == 'tf':
        import tensorflow.compat.v1 as tf
        import tf_keras
        tf.disable_v2_behavior()
        tf.keras = tf_keras
        return tf
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    import sluice
    return sluice


def build(tf):
    x = tf.placeholder(tf.float32, (None, 4), name='x')
    with tf.variable_scope('s'):
        keras_dense = tf.keras.layers.Dense(2)
        y1 = keras_dense(x)
        legacy = tf.layers.Dense(3)
        z1 = legacy(x)
    with tf.variable_scope('s', reuse=True):
        y2 = keras_dense(x)  # the same Keras layer: its own weights again
        fresh = tf.keras.layers.Dense(2)  # a new Keras layer makes new variables even under reuse=True
        y3 = fresh(x)
        z2 = tf.layers.Dense(3, name='dense')(x)  # tf.layers reuses 's/dense/...' through get_variable
        try:
            tf.layers.Dense(3, name='missing')(x)
            missing = 'built'
        except ValueError as e:
            missing = str(e).split('.')[0]
    return {'variables': [v.name for v in tf.global_variables()],
            'outputs': [t.name for t in (y1, y2, y3, z1, z2)],
            'layers': [keras_dense.name, fresh.name, legacy.name, legacy.scope_name],
            'weights': [len(keras_dense.weights), len(fresh.weights), len(legacy.weights)],
            'missing': missing}


if __name__ == '__main__':
    print(json.dumps(build(_import(sys.argv[1]))))
