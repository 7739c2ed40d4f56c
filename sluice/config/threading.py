"""tf.config.threading: the thread counts of Sessions created with no config (0: the system picks)."""
from sluice.engine import process_config as _process


def get_inter_op_parallelism_threads():
    return _process.get('inter_op')


def set_inter_op_parallelism_threads(num_threads):
    _process.set('inter_op', int(num_threads))


def get_intra_op_parallelism_threads():
    return _process.get('intra_op')


def set_intra_op_parallelism_threads(num_threads):
    _process.set('intra_op', int(num_threads))


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.config.threading')
