"""The tf.io namespace: TF 1.15's tf.io names, each looked up where sluice defines it, on first use.

`import sluice as tf; tf.io` is the package sluice.io (sluice's file formats and protos), which
installs this module's `io_getattr` as its module `__getattr__`: a name of TF 1.15's tf.io is
resolved from its home in sluice's TF 1.x namespaces (tf.io.TFRecordWriter is tf.python_io's,
tf.io.decode_png tf.image's, tf.io.write_graph tf.train's, tf.io.gfile the module io_gfile), then
cached on the package. A home that lacks the name yet (its op not written) raises the AttributeError
that says sluice does not implement tf.io.<name> yet, so a name appears as soon as its home has it.
"""
import importlib
import sys

from sluice.unimplemented import namespace_getattr

__all__ = ['IO_NAMES', 'io_getattr', 'io_dir']

# TF 1.15's tf.io names -> the sluice module that defines them (the TF 1.x namespace holding them)
_HOMES = {
    'sluice.python_io': ['TFRecordCompressionType', 'TFRecordOptions', 'TFRecordWriter', 'tf_record_iterator'],
    'sluice.train': ['match_filenames_once', 'write_graph'],
    'sluice.image': ['decode_and_crop_jpeg', 'decode_bmp', 'decode_gif', 'decode_image', 'decode_jpeg',
                     'decode_png', 'encode_jpeg', 'extract_jpeg_shape', 'is_jpeg'],
    'sluice': ['FixedLenFeature', 'FixedLenSequenceFeature', 'PaddingFIFOQueue', 'PriorityQueue', 'QueueBase',
               'RandomShuffleQueue', 'SparseFeature', 'VarLenFeature', 'decode_base64', 'decode_compressed',
               'decode_csv', 'decode_json_example', 'decode_raw', 'deserialize_many_sparse', 'encode_base64',
               'matching_files', 'parse_example', 'parse_sequence_example', 'parse_single_example',
               'parse_single_sequence_example', 'parse_tensor', 'read_file', 'serialize_many_sparse',
               'serialize_sparse', 'serialize_tensor', 'write_file'],
    None: ['decode_proto', 'encode_proto'],  # tf.io only in TF: no home in sluice yet
}
_HOME_OF = {name: home for home, names in _HOMES.items() for name in names}
IO_NAMES = sorted(list(_HOME_OF) + ['gfile'])

_missing = namespace_getattr('sluice.io', 'tf.io')


def _resolve(name):
    if name == 'gfile':
        return importlib.import_module('sluice.io_gfile')
    home = _HOME_OF.get(name)
    if home is None:
        return None
    module = importlib.import_module(home)
    try:
        return getattr(module, name)
    except AttributeError:  # the home's own "not implemented yet"
        return None


def io_getattr(name):
    """sluice.io's module __getattr__: a TF tf.io name, resolved and cached; else AttributeError."""
    value = _resolve(name) if name in IO_NAMES else None
    if value is None:
        return _missing(name)
    setattr(sys.modules['sluice.io'], name, value)
    return value


def io_dir():
    """dir(tf.io): the package's own names and the tf.io names that resolve now."""
    package = sys.modules['sluice.io']
    return sorted(set(vars(package)) | {name for name in IO_NAMES if _resolve(name) is not None})
