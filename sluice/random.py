"""tf.random: random ops under their TF1 `tf.random.*` names."""
from sluice.ops.random_ops import get_seed  # noqa: F401
from sluice.ops.random_ops import categorical  # noqa: F401
from sluice.ops.random_ops import multinomial  # noqa: F401
from sluice.ops.random_ops import random_gamma as gamma  # noqa: F401
from sluice.ops.random_ops import random_normal as normal  # noqa: F401
from sluice.ops.random_ops import random_poisson as poisson  # noqa: F401
from sluice.ops.random_ops import random_shuffle as shuffle  # noqa: F401
from sluice.ops.random_ops import random_uniform as uniform  # noqa: F401
from sluice.ops.random_ops import truncated_normal  # noqa: F401


def set_random_seed(seed):
    from sluice.engine.graph import get_default_graph
    get_default_graph().seed = seed


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.random')
