"""tf.initializers: TF1's initializer namespace (the init_ops classes under short names, and the
variable-initializer ops)."""
from sluice.ops.init_ops import Constant as constant  # noqa: F401
from sluice.ops.init_ops import GlorotNormal as glorot_normal  # noqa: F401
from sluice.ops.init_ops import GlorotUniform as glorot_uniform  # noqa: F401
from sluice.ops.init_ops import Identity as identity  # noqa: F401
from sluice.ops.init_ops import Ones as ones  # noqa: F401
from sluice.ops.init_ops import Orthogonal as orthogonal  # noqa: F401
from sluice.ops.init_ops import RandomNormal as random_normal  # noqa: F401
from sluice.ops.init_ops import RandomUniform as random_uniform  # noqa: F401
from sluice.ops.init_ops import TruncatedNormal as truncated_normal  # noqa: F401
from sluice.ops.init_ops import UniformUnitScaling as uniform_unit_scaling  # noqa: F401
from sluice.ops.init_ops import VarianceScaling as variance_scaling  # noqa: F401
from sluice.ops.init_ops import Zeros as zeros  # noqa: F401
from sluice.ops.init_ops import he_normal, he_uniform, lecun_normal, lecun_uniform  # noqa: F401
from sluice.ops.variables import global_variables_initializer as global_variables  # noqa: F401
from sluice.ops.variables import local_variables_initializer as local_variables  # noqa: F401
from sluice.ops.variables import variables_initializer as variables  # noqa: F401


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.initializers')
