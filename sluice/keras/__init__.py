"""tf.keras: TF 1.15's Keras in graph mode (layers build ops in the default graph; models train through
`backend.get_session()`)."""
from sluice.keras import backend  # noqa: F401
from sluice.keras import engine  # noqa: F401
from sluice.keras import activations, constraints, initializers, losses, metrics, regularizers  # noqa: F401
from sluice.keras import models  # noqa: F401
from sluice.keras.engine import Input, Model, Sequential  # noqa: F401
from sluice.keras import optimizers  # noqa: F401
from sluice.keras import callbacks, datasets, preprocessing, utils  # noqa: F401
from sluice.keras import layers  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__version__ = '2.2.4-tf'  # the Keras API version TF 1.15's tf.keras reports

__getattr__ = _namespace_getattr(__name__, 'tf.keras')
