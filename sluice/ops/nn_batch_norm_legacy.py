"""FusedBatchNorm and FusedBatchNormV2 with their gradients FusedBatchNormGrad / FusedBatchNormGradV2: the
op versions before FusedBatchNormV3 (ops/nn_normalization.py), which graphs and checkpointed meta graphs
written by TF 1.x before 1.14 contain. tf.nn.fused_batch_norm emits V3, as TF 1.15 does; these run when
imported (tf.import_graph_def, tf.train.import_meta_graph). Kernels in
kernels/nn_batch_norm_legacy_kernels.py.

FusedBatchNorm keeps every input and output in T (float32); V2 keeps x and y in T (float16, bfloat16 or
float32) and the statistics in U (float32). Outputs: y, the batch mean, the batch variance (unbiased, as
the moving averages want), and two reserve spaces that carry the batch mean and the biased batch
variance to the gradient (TF's CPU convention).
"""
from sluice.engine import dtypes
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops.nn_normalization import fused_batch_norm_grad_grad
from sluice.ops.nn_shape_fns import _dims, _merge_dim, _with_rank, layout

_HALF_OR_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32)
_ATTRS = {'epsilon': ('float', 1e-4), 'data_format': ('string', 'NHWC'), 'is_training': ('bool', True)}


def _forward_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    for t in op._inputs[1:3] if op._attrs['is_training'] else op._inputs[1:]:
        c = _merge_dim(op, c, _with_rank(op, _dims(t), 1)[0])
    return [TensorShape(x)] + [TensorShape([c])] * 4


def _grad_shape(op):
    x = _with_rank(op, _dims(op._inputs[1]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    return [TensorShape(x), TensorShape([c]), TensorShape([c]), TensorShape([0]), TensorShape([0])]


register_op('FusedBatchNorm', inputs=['x: T', 'scale: T', 'offset: T', 'mean: T', 'variance: T'],
            outputs=['y: T', 'batch_mean: T', 'batch_variance: T', 'reserve_space_1: T', 'reserve_space_2: T'],
            attrs=dict(_ATTRS, T=('type', dtypes.float32)), shape_fn=_forward_shape,
            allowed={'T': (dtypes.float32,)})

register_op('FusedBatchNormV2', inputs=['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
            outputs=['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U'],
            attrs=dict(_ATTRS, T='type', U='type'), shape_fn=_forward_shape,
            allowed={'T': _HALF_OR_FLOAT, 'U': (dtypes.float32,)})

register_op('FusedBatchNormGrad', inputs=['y_backprop: T', 'x: T', 'scale: T', 'reserve_space_1: T',
                                          'reserve_space_2: T'],
            outputs=['x_backprop: T', 'scale_backprop: T', 'offset_backprop: T', 'reserve_space_3: T',
                     'reserve_space_4: T'],
            attrs=dict(_ATTRS, T=('type', dtypes.float32)), shape_fn=_grad_shape, allowed={'T': (dtypes.float32,)})

register_op('FusedBatchNormGradV2', inputs=['y_backprop: T', 'x: T', 'scale: float32', 'reserve_space_1: U',
                                            'reserve_space_2: U'],
            outputs=['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_3: U',
                     'reserve_space_4: U'],
            attrs=dict(_ATTRS, T='type', U='type'), shape_fn=_grad_shape,
            allowed={'T': _HALF_OR_FLOAT, 'U': (dtypes.float32,)})


def _fused_grad(grad_type):
    def gradient(op, grad_y, *unused):
        """Training reads the saved batch mean and variance; inference the given mean and variance."""
        x, scale = op._inputs[0], op._inputs[1]
        attrs = {n: op._attrs[n] for n in ('epsilon', 'data_format', 'is_training')}
        saved = (op._outputs[3], op._outputs[4]) if op._attrs['is_training'] else (op._inputs[3], op._inputs[4])
        outs = x.graph._create_op(grad_type, [grad_y, x, scale] + list(saved), attrs, name=grad_type)._outputs
        return [outs[0], outs[1], outs[2], None, None]
    return gradient


register_gradient('FusedBatchNorm')(_fused_grad('FusedBatchNormGrad'))
register_gradient('FusedBatchNormV2')(_fused_grad('FusedBatchNormGradV2'))
register_gradient('FusedBatchNormGrad')(fused_batch_norm_grad_grad)
register_gradient('FusedBatchNormGradV2')(fused_batch_norm_grad_grad)
