"""tf.contrib.layers: TF 1.15's layer functions over sluice's ops, with TF's names, defaults, variable
names ('fully_connected/weights', 'Conv/biases', 'BatchNorm/moving_mean') and collections
(MODEL_VARIABLES, UPDATE_OPS, REGULARIZATION_LOSSES). Every layer function takes arg_scope defaults.

Names of TF's contrib.layers that sluice lacks raise an AttributeError saying so.
"""
from sluice.contrib.framework.arg_scope import add_arg_scope, arg_scope  # noqa: F401
from sluice.contrib.layers.activation_layers import *  # noqa: F401,F403
from sluice.contrib.layers.composition import *  # noqa: F401,F403
from sluice.contrib.layers.dense_conv import *  # noqa: F401,F403
from sluice.contrib.layers.dropout_layer import *  # noqa: F401,F403
from sluice.contrib.layers.embedding import *  # noqa: F401,F403
from sluice.contrib.layers.normalization import *  # noqa: F401,F403
from sluice.contrib.layers.optimizers import *  # noqa: F401,F403
from sluice.contrib.layers.pooling import *  # noqa: F401,F403
from sluice.contrib.layers.summaries import *  # noqa: F401,F403
from sluice.contrib.layers import named_outputs as utils  # noqa: F401  (TF's contrib.layers.utils subset)
from sluice.ops.init_ops import (xavier_initializer, xavier_initializer_conv2d,  # noqa: F401
                                 contrib_variance_scaling_initializer as variance_scaling_initializer)
from sluice.ops.regularizers import (apply_regularization, l1_l2_regularizer, l1_regularizer,  # noqa: F401
                                     l2_regularizer, sum_regularizer)

from sluice.contrib.layers import (activation_layers, composition, dense_conv, dropout_layer,  # noqa: E402
                                   embedding, normalization, optimizers, pooling, summaries)
from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__all__ = [name for module in (activation_layers, composition, dense_conv, dropout_layer, embedding, normalization,
                               optimizers, pooling, summaries) for name in module.__all__]
__all__ += ['add_arg_scope', 'arg_scope', 'utils', 'xavier_initializer', 'xavier_initializer_conv2d',
            'variance_scaling_initializer', 'apply_regularization', 'l1_l2_regularizer', 'l1_regularizer',
            'l2_regularizer', 'sum_regularizer']

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.layers')
