"""tf.profiler: parameter and FLOP counts of a graph (model_analyzer), options (option_builder).

`tf.train.ProfilerHook`, which writes Chrome traces of traced steps, is in profiler_hook.py.
"""
from sluice.profiler.model_analyzer import GraphNodeProto, profile  # noqa: F401
from sluice.profiler.option_builder import ProfileOptionBuilder  # noqa: F401

__all__ = ['profile', 'ProfileOptionBuilder', 'GraphNodeProto']

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.profiler')
