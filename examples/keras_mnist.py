"""The TF 1.x Keras quick-start, unchanged but for the import: a Sequential MLP trained on MNIST with
compile/fit/evaluate (graph mode, on the best device present).

    python examples/keras_mnist.py [--epochs 5] [--train_size 60000]
"""
import argparse

import sluice as tf


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--train_size', type=int, default=60000)
    args = parser.parse_args(argv)

    mnist = tf.keras.datasets.mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train, x_test = x_train[:args.train_size] / 255.0, x_test / 255.0
    y_train = y_train[:args.train_size]

    model = tf.keras.models.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(512, activation=tf.nn.relu),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax)
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    model.fit(x_train, y_train, epochs=args.epochs, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print('test loss %.4f, test accuracy %.4f' % (loss, accuracy))
    return accuracy


if __name__ == '__main__':
    main()
