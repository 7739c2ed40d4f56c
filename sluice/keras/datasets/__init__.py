"""tf.keras.datasets: TF 1.15's loaders, reading the files TF 1.15 downloads (same names, origins, hashes
and cache folders under ~/.keras or $KERAS_HOME). mnist also reads sluice's own MNIST files when its
cache file is absent, so it works offline."""
from sluice.keras.datasets import (boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,  # noqa: F401
                                   reuters)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.keras.datasets')
