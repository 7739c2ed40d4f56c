"""examples/keras_mnist.py (TF 1.x's Keras quick-start) learns: one epoch on 3,000 images from the MNIST copy
sluice ships reaches 85% on the test set."""
import importlib.util
import os

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       'examples', 'keras_mnist.py')


def test_keras_quick_start_learns(capsys):
    spec = importlib.util.spec_from_file_location('keras_mnist', EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    accuracy = module.main(['--epochs', '1', '--train_size', '3000'])
    assert accuracy > 0.85
    out = capsys.readouterr().out
    assert '3000/3000' in out and ' - acc: ' in out and 'test accuracy' in out
