"""`tensorflow.python.ops.gen_nn_ops`: TF 1.15's generated op wrappers whose name and arguments
agree with a sluice function.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.nn import (avg_pool3d, bias_add, conv3d_backprop_filter_v2, depthwise_conv2d_native,  # noqa: F401
                       elu, l2_loss, leaky_relu, lrn, max_pool3d, relu, relu6, selu)
from sluice.math import (in_top_k, softplus, softsign, top_k)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_nn_ops')
