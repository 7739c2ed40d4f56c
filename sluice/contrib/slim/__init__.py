"""tf.contrib.slim: TF 1.15's slim namespace, the union of contrib.framework's arg_scope and variable
helpers, contrib.layers' layers, initializers and regularizers, slim.losses, slim.learning, slim.nets,
slim.queues, slim.model_analyzer and slim's data modules (slim.dataset, dataset_data_provider,
tfexample_decoder, parallel_reader; slim/data/).

Names of TF's slim that sluice lacks raise an AttributeError saying so.
"""
from sluice.contrib.framework.arg_scope import *  # noqa: F401,F403
from sluice.contrib.framework.variables import *  # noqa: F401,F403
from sluice.contrib.layers import *  # noqa: F401,F403
from sluice.contrib.layers import utils  # noqa: F401
from sluice.contrib.slim import learning, losses, model_analyzer, prefetch_queue  # noqa: F401
from sluice.contrib.slim import python, queues  # noqa: F401
from sluice.contrib.slim.data import (data_decoder, data_provider, dataset, dataset_data_provider,  # noqa: F401
                                      parallel_reader, tfexample_decoder)
from sluice.contrib.slim import nets  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim')
