"""tf.train: optimizers, schedules, moving averages, checkpoints and the Example protos."""
from sluice.io.protos import (BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList,  # noqa: F401
                              Int64List, SaverDef, SequenceExample)
from sluice.io.graph_io import write_graph  # noqa: F401
from sluice.io.meta_graph import export_meta_graph, import_meta_graph  # noqa: F401
from sluice.io.saver import *  # noqa: F401,F403
from sluice.summary import summary_iterator  # noqa: F401
from sluice.summary import FileWriter as SummaryWriter  # noqa: F401  (TF 0.12's name, kept for old programs)
from sluice.training import *  # noqa: F401,F403
from sluice.queues.coordinator import Coordinator, LooperThread  # noqa: F401,E402
from sluice.queues.queue_runner import QueueRunner, add_queue_runner, start_queue_runners  # noqa: F401,E402
from sluice.queues.input import (batch, batch_join, input_producer, limit_epochs, match_filenames_once,  # noqa: F401,E402
                                 range_input_producer, shuffle_batch, shuffle_batch_join, slice_input_producer,
                                 string_input_producer)
from sluice.training.session_run_hooks import *  # noqa: F401,F403,E402
from sluice.training.monitored_session import *  # noqa: F401,F403,E402
from sluice.profiler.profiler_hook import ProfilerHook  # noqa: F401,E402
from sluice.training.supervisor import Supervisor  # noqa: F401,E402


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.train')
