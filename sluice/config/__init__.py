"""tf.config: the process's device and execution settings (TF 1.15's tf.config: experimental devices,
memory growth, virtual and visible devices, TensorFloat-32; threading; soft placement). They apply to
Sessions created with no config, as in TF 1.x."""
from sluice.config import experimental, threading  # noqa: F401  (tf.config.experimental, tf.config.threading)
from sluice.engine import process_config as _process


def get_soft_device_placement():
    return bool(_process.get('soft_placement'))


def set_soft_device_placement(enabled):
    _process.set('soft_placement', bool(enabled))


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.config')
