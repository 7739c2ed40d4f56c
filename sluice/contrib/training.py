"""tf.contrib.training: HParams and checkpoints_iterator (TF 1.x's contrib names)."""
from sluice.contrib.hparam import HParams, parse_values  # noqa: F401
from sluice.train import checkpoints_iterator  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.training')
