"""Kernels of the convolution, pooling and bias ops (ops/nn_conv_pool.py) and of their gradients,
for CPU and GPU through `ctx.xp`.

Everything works in NHWC (NCHW inputs are transposed in and out). The input is padded once
(SAME/EXPLICIT pads from nn_shape_fns.window_geometry, TF's arithmetic) and a strided view gives every
window without copying: windows[n, oh, ow, kh, kw, c] = x[n, oh*sh + kh*dh, ow*sw + kw*dw, c]
(`as_strided`, which NumPy and CuPy both have).

- Conv2D is im2col + one GEMM: one strided copy of the window view gives the [N*OH*OW, KH*KW*C]
  matrix, multiplied by the [KH*KW*C, O] filter matrix.
- Conv2DBackpropFilter is the transposed product: windows^T (over n, oh, ow) times dy.
- Conv2DBackpropInput multiplies dy by the filter matrix^T (one GEMM giving each window's
  gradient) and scatters the windows back (col2im) with one strided add per kernel offset
  (KH*KW slice additions, no per-pixel loop).
- Pooling combines, for each kernel offset, the strided slice of the padded input every output
  reads there (xp.maximum / xp.add in place, KH*KW vectorized passes). Max pooling pads with -inf
  (or the dtype's minimum); average pooling divides by the number of in-input elements of each
  window (TF: SAME padding is not counted).
- MaxPoolGrad routes each window's gradient to its first maximum in row-major order (TF's CPU
  kernel): offsets are visited in that order and a window is routed at the first offset whose
  value equals its max. AvgPoolGrad adds grad / count to every offset's slice.
- Depthwise convolution uses the same window view with an einsum per channel.
- BiasAdd adds the bias along the channel axis of data_format; BiasAddGrad sums over the others.

On GPUs, Conv2D and its gradients run on cuDNN through NVIDIA's frontend where it is installed
(kernels/cudnn_conv.py; CuPy 14 has no cuDNN bindings); these im2col + GEMM (cuBLAS) bodies are its
fallback. Pooling runs these bodies on GPUs. On CPU, float32/float64 Conv2D, its gradients and the pooling ops run the C loops
of kernels/nn_conv_pool_cpu_kernels.py (no im2col buffer) where the extension is built; these
bodies are their fallback and their reference in tests.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel
from sluice.ops import nn_shape_fns


def _fail(op, message, cls=errors.InvalidArgumentError):
    return errors.error_for_op(cls, op, message)


class _Geometry:
    """Attrs of a conv/pool node resolved once: layout, strides, dilations, padding mode."""

    def __init__(self, op, window_attr=None):
        self.op = op
        fmt = nn_shape_fns._text(op.get_attr('data_format'))
        self.nchw = fmt.startswith('NC')
        h, w, c = nn_shape_fns.layout(fmt)
        strides = op.get_attr('strides')
        dil = op._attrs.get('dilations') or [1, 1, 1, 1]
        self.strides = (strides[h], strides[w])
        self.dilations = (dil[h], dil[w])
        self.padding = nn_shape_fns._text(op.get_attr('padding'))
        self.explicit = nn_shape_fns.explicit_pairs(op, (h, w))
        if strides[0] != 1 or strides[c] != 1:
            raise _fail(op, 'Current implementation does not yet support strides in the batch and depth dimensions.',
                        errors.UnimplementedError)
        if dil[0] != 1 or dil[c] != 1:
            raise _fail(op, 'Current implementation does not yet support dilations in the batch and depth '
                            'dimensions.', errors.UnimplementedError)
        self.window = None
        if window_attr is not None:
            k = op.get_attr(window_attr)
            if k[0] != 1:
                raise _fail(op, 'Pooling is not yet supported on the batch dimension.', errors.UnimplementedError)
            if k[c] != 1:
                raise _fail(op, 'Depthwise max pooling is not supported', errors.UnimplementedError)
            self.window = (k[h], k[w])

    def plan(self, in_hw, k_hw):
        """((OH, OW), ((top, bottom), (left, right))) for input (H, W) and window (KH, KW)."""
        out, pads = [], []
        for i in range(2):
            try:
                o, before, after = nn_shape_fns.window_geometry(in_hw[i], k_hw[i], self.strides[i],
                                                                self.dilations[i], self.padding, self.explicit[i])
            except ValueError as e:
                raise _fail(self.op, 'Computed output size would be negative: %s' % e) from None
            out.append(o)
            pads.append((before, after))
        return tuple(out), tuple(pads)

    def to_nhwc(self, x):
        return x.transpose(0, 2, 3, 1) if self.nchw else x

    def from_nhwc(self, x):
        return x.transpose(0, 3, 1, 2) if self.nchw else x

    def nhwc_shape(self, shape):
        shape = [int(d) for d in shape]
        return [shape[0], shape[2], shape[3], shape[1]] if self.nchw else shape


def _pad(xp, x, pads, value=0):
    (t, b), (l, r) = pads
    if not (t or b or l or r):
        return x
    return xp.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), mode='constant', constant_values=value)


def _windows(xp, x, out_hw, k_hw, geo):
    """The view [N, OH, OW, KH, KW, C] of a padded NHWC array."""
    n, _, _, c = x.shape
    s0, s1, s2, s3 = x.strides
    (sh, sw), (dh, dw) = geo.strides, geo.dilations
    shape = (n, out_hw[0], out_hw[1], k_hw[0], k_hw[1], c)
    strides = (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _offsets(k_hw, out_hw, geo):
    """(i, j, index) per kernel offset: index selects, in a padded NHWC array, the element each output
    position reads at that offset (a strided slice, so every pass is one vectorized operation)."""
    (sh, sw), (dh, dw) = geo.strides, geo.dilations
    for i in range(k_hw[0]):
        for j in range(k_hw[1]):
            r0, c0 = i * dh, j * dw
            yield i, j, (slice(None), slice(r0, r0 + sh * (out_hw[0] - 1) + 1, sh),
                         slice(c0, c0 + sw * (out_hw[1] - 1) + 1, sw), slice(None))


def _scatter_windows(xp, cols, in_hw, pads, geo, dtype):
    """col2im: adds cols [N, OH, OW, KH, KW, C] back into an [N, H, W, C] array (pads cut off)."""
    n, oh, ow, kh, kw, c = cols.shape
    (t, b), (l, r) = pads
    out = xp.zeros((n, in_hw[0] + t + b, in_hw[1] + l + r, c), dtype=dtype)
    for i, j, index in _offsets((kh, kw), (oh, ow), geo):
        out[index] += cols[:, :, :, i, j, :]
    return out[:, t:t + in_hw[0], l:l + in_hw[1], :]


def _sizes(value, op, what):
    sizes = [int(v) for v in np.reshape(np.asarray(value), [-1])]
    if len(sizes) != 4:
        raise _fail(op, '%s: %s must be 4-dimensional, got %d values' % (op.type, what, len(sizes)))
    return sizes


# -- convolution -----------------------------------------------------------------------------------------
def _im2col(xp, x, out_hw, k_hw, pads, geo):
    """The windows of NHWC x as one contiguous matrix [N*OH*OW, KH*KW*C] (a single strided copy)."""
    win = _windows(xp, _pad(xp, x, pads), out_hw, k_hw, geo)
    return xp.ascontiguousarray(win).reshape(-1, k_hw[0] * k_hw[1] * x.shape[3])


def _conv_forward(xp, x, f, geo):
    """NHWC x [N, H, W, C] and filter [KH, KW, C, O] -> [N, OH, OW, O]: im2col, then one GEMM."""
    out_hw, pads = geo.plan(x.shape[1:3], f.shape[:2])
    cols = _im2col(xp, x, out_hw, f.shape[:2], pads, geo)
    y = xp.matmul(cols, xp.ascontiguousarray(f).reshape(-1, f.shape[3]))
    return y.reshape(x.shape[0], out_hw[0], out_hw[1], f.shape[3])


def _conv_backprop_input(xp, in_shape, f, dy, geo):
    """dy [N, OH, OW, O] times the filter matrix^T gives each window's gradient; col2im adds them up."""
    out_hw, pads = geo.plan(in_shape[1:3], f.shape[:2])
    kh, kw, c, o = f.shape
    cols = xp.matmul(xp.ascontiguousarray(dy).reshape(-1, o), f.reshape(-1, o).T)
    cols = cols.reshape(dy.shape[0], out_hw[0], out_hw[1], kh, kw, c)
    return _scatter_windows(xp, cols, in_shape[1:3], pads, geo, dy.dtype)


def _conv_backprop_filter(xp, x, f_shape, dy, geo):
    """im2col(x)^T times dy: [KH*KW*C, N*OH*OW] x [N*OH*OW, O]."""
    out_hw, pads = geo.plan(x.shape[1:3], f_shape[:2])
    cols = _im2col(xp, x, out_hw, f_shape[:2], pads, geo)
    # dy may be a broadcast (stride 0) view, e.g. the ones of tf.gradients: BLAS needs real strides
    return xp.dot(cols.T, xp.ascontiguousarray(dy).reshape(-1, dy.shape[3])).reshape(f_shape)


def _check_conv(op, x, f):
    if x.ndim != 4:
        raise _fail(op, 'input must be 4-dimensional%s' % _shape_text(x.shape))
    if f.ndim != 4:
        raise _fail(op, 'filter must be 4-dimensional: %s' % _shape_text(f.shape))
    if x.shape[3] != f.shape[2]:
        raise _fail(op, 'input depth must be evenly divisible by filter depth: %d vs %d' % (x.shape[3], f.shape[2]))


def _check_dy(op, dy, expected, what='out_backprop'):
    if tuple(dy.shape) != tuple(expected):
        raise _fail(op, '%s: Size of %s doesn\'t match computed: actual = %s, computed = %s'
                    % (op.type, what, _shape_text(dy.shape), _shape_text(expected)))


def _shape_text(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


@register_kernel('Conv2D', fresh_output=True)
def conv2d(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(x, f):
        x = geo.to_nhwc(x)
        _check_conv(op, x, f)
        return xp.ascontiguousarray(geo.from_nhwc(_conv_forward(xp, x, f, geo)))
    return run


@register_kernel('Conv2DBackpropInput', host_inputs=(0,), fresh_output=True)
def conv2d_backprop_input(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(sizes, f, dy):
        in_shape = geo.nhwc_shape(_sizes(sizes, op, 'input_sizes'))
        dy = geo.to_nhwc(dy)
        if in_shape[3] != f.shape[2]:
            raise _fail(op, 'Conv2DCustomBackpropInput: input and filter must have the same depth: %d vs %d'
                        % (in_shape[3], f.shape[2]))
        out_hw, _ = geo.plan(in_shape[1:3], f.shape[:2])
        _check_dy(op, dy, (in_shape[0], out_hw[0], out_hw[1], f.shape[3]))
        return xp.ascontiguousarray(geo.from_nhwc(_conv_backprop_input(xp, in_shape, f, dy, geo)))
    return run


@register_kernel('Conv2DBackpropFilter', host_inputs=(1,), fresh_output=True)
def conv2d_backprop_filter(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(x, sizes, dy):
        f_shape = _sizes(sizes, op, 'filter_sizes')
        x, dy = geo.to_nhwc(x), geo.to_nhwc(dy)
        if x.shape[3] != f_shape[2]:
            raise _fail(op, 'Conv2DCustomBackpropFilter: input and filter must have the same depth: %d vs %d'
                        % (x.shape[3], f_shape[2]))
        out_hw, _ = geo.plan(x.shape[1:3], f_shape[:2])
        _check_dy(op, dy, (x.shape[0], out_hw[0], out_hw[1], f_shape[3]))
        return xp.ascontiguousarray(_conv_backprop_filter(xp, x, f_shape, dy, geo))
    return run


# -- depthwise convolution -------------------------------------------------------------------------------
@register_kernel('DepthwiseConv2dNative', fresh_output=True)
def depthwise_conv2d(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(x, f):
        x = geo.to_nhwc(x)
        if x.shape[3] != f.shape[2]:
            raise _fail(op, 'input and filter must have the same depth: %d vs %d' % (x.shape[3], f.shape[2]))
        out_hw, pads = geo.plan(x.shape[1:3], f.shape[:2])
        win = _windows(xp, _pad(xp, x, pads), out_hw, f.shape[:2], geo)
        y = xp.einsum('nhwijc,ijcm->nhwcm', win, f)
        y = y.reshape(y.shape[:3] + (-1,))
        return xp.ascontiguousarray(geo.from_nhwc(y))
    return run


@register_kernel('DepthwiseConv2dNativeBackpropInput', host_inputs=(0,), fresh_output=True)
def depthwise_backprop_input(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(sizes, f, dy):
        in_shape = geo.nhwc_shape(_sizes(sizes, op, 'input_sizes'))
        dy = geo.to_nhwc(dy)
        kh, kw, c, m = f.shape
        out_hw, pads = geo.plan(in_shape[1:3], (kh, kw))
        dy = dy.reshape(dy.shape[:3] + (c, m))
        cols = xp.einsum('nhwcm,ijcm->nhwijc', dy, f)
        return xp.ascontiguousarray(geo.from_nhwc(_scatter_windows(xp, cols, in_shape[1:3], pads, geo, dy.dtype)))
    return run


@register_kernel('DepthwiseConv2dNativeBackpropFilter', host_inputs=(1,), fresh_output=True)
def depthwise_backprop_filter(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op)

    def run(x, sizes, dy):
        kh, kw, c, m = _sizes(sizes, op, 'filter_sizes')
        x, dy = geo.to_nhwc(x), geo.to_nhwc(dy)
        out_hw, pads = geo.plan(x.shape[1:3], (kh, kw))
        win = _windows(xp, _pad(xp, x, pads), out_hw, (kh, kw), geo)
        dy = dy.reshape(dy.shape[:3] + (c, m))
        return xp.ascontiguousarray(xp.einsum('nhwijc,nhwcm->ijcm', win, dy))
    return run


# -- pooling ---------------------------------------------------------------------------------------------
def _lowest(dtype):
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == 'f' else np.iinfo(dtype).min


def _check_pool_input(op, x):
    if x.ndim != 4:
        raise _fail(op, 'input must be 4-dimensional')


def _reduce_windows(xp, padded, k_hw, out_hw, geo, combine):
    """combine(acc, window slice) over the kernel offsets, starting from the first offset's copy."""
    out = None
    for _, _, index in _offsets(k_hw, out_hw, geo):
        part = padded[index]
        if out is None:
            out = part.copy()
        else:
            combine(out, part, out=out)
    return out


@register_kernel('MaxPool', fresh_output=True)
def max_pool(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op, 'ksize')
    k_hw = geo.window

    def run(x):
        _check_pool_input(op, x)
        x = geo.to_nhwc(x)
        out_hw, pads = geo.plan(x.shape[1:3], k_hw)
        padded = _pad(xp, x, pads, _lowest(x.dtype))
        y = _reduce_windows(xp, padded, k_hw, out_hw, geo, xp.maximum)
        return xp.ascontiguousarray(geo.from_nhwc(y))
    return run


def _window_counts(xp, in_hw, out_hw, k_hw, pads, geo, dtype):
    """[OH, OW, 1]: how many elements of each window lie inside the input."""
    counts = []
    for i in range(2):
        start = np.arange(out_hw[i]) * geo.strides[i] - pads[i][0]
        lo, hi = np.maximum(start, 0), np.minimum(start + k_hw[i], in_hw[i])
        counts.append(hi - lo)
    table = np.outer(counts[0], counts[1]).astype(dtype)[:, :, None]
    return xp.asarray(table)


def _counts_for(cache, xp, in_hw, out_hw, k_hw, pads, geo, dtype):
    key = (tuple(in_hw), np.dtype(dtype).str)
    if key not in cache:
        cache[key] = _window_counts(xp, in_hw, out_hw, k_hw, pads, geo, dtype)
    return cache[key]


@register_kernel('AvgPool', fresh_output=True)
def avg_pool(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op, 'ksize')
    k_hw = geo.window
    cache = {}

    def run(x):
        _check_pool_input(op, x)
        x = geo.to_nhwc(x)
        out_hw, pads = geo.plan(x.shape[1:3], k_hw)
        total = _reduce_windows(xp, _pad(xp, x, pads), k_hw, out_hw, geo, xp.add)
        y = total / _counts_for(cache, xp, x.shape[1:3], out_hw, k_hw, pads, geo, x.dtype)
        return xp.ascontiguousarray(geo.from_nhwc(y))
    return run


@register_kernel('MaxPoolGrad', fresh_output=True)
def max_pool_grad(op, ctx):
    """Each window's gradient goes to its first maximum in row-major order: offsets are visited in
    that order and an output position is routed at the first offset whose value equals its max."""
    xp = ctx.xp
    geo = _Geometry(op, 'ksize')
    k_hw = geo.window

    def run(x, y, grad):
        x, y, grad = geo.to_nhwc(x), geo.to_nhwc(y), geo.to_nhwc(grad)
        out_hw, pads = geo.plan(x.shape[1:3], k_hw)
        expected = (x.shape[0], out_hw[0], out_hw[1], x.shape[3])
        _check_dy(op, grad, expected, 'grad')
        _check_dy(op, y, expected, 'orig_output')
        padded = _pad(xp, x, pads, _lowest(x.dtype))
        dx = xp.zeros(padded.shape, dtype=grad.dtype)
        pending = xp.ones(y.shape, dtype=bool)
        zero = grad.dtype.type(0)
        for _, _, index in _offsets(k_hw, out_hw, geo):
            hit = (padded[index] == y) & pending
            dx[index] += xp.where(hit, grad, zero)
            pending &= ~hit
        (t, _), (l, _) = pads
        return xp.ascontiguousarray(geo.from_nhwc(dx[:, t:t + x.shape[1], l:l + x.shape[2], :]))
    return run


@register_kernel('AvgPoolGrad', host_inputs=(0,), fresh_output=True)
def avg_pool_grad(op, ctx):
    xp = ctx.xp
    geo = _Geometry(op, 'ksize')
    k_hw = geo.window
    cache = {}

    def run(sizes, grad):
        in_shape = geo.nhwc_shape(_sizes(sizes, op, 'orig_input_shape'))
        grad = geo.to_nhwc(grad)
        out_hw, pads = geo.plan(in_shape[1:3], k_hw)
        _check_dy(op, grad, (in_shape[0], out_hw[0], out_hw[1], in_shape[3]), 'grad')
        share = grad / _counts_for(cache, xp, in_shape[1:3], out_hw, k_hw, pads, geo, grad.dtype)
        (t, b), (l, r) = pads
        dx = xp.zeros((in_shape[0], in_shape[1] + t + b, in_shape[2] + l + r, in_shape[3]), dtype=grad.dtype)
        for _, _, index in _offsets(k_hw, out_hw, geo):
            dx[index] += share
        return xp.ascontiguousarray(geo.from_nhwc(dx[:, t:t + in_shape[1], l:l + in_shape[2], :]))
    return run


# -- bias ------------------------------------------------------------------------------------------------
def _channel_axis(op, ndim):
    return 1 if nn_shape_fns._text(op.get_attr('data_format')) == 'NCHW' else ndim - 1


@register_kernel('BiasAdd', fresh_output=True)
def bias_add(op, ctx):
    def run(value, bias):
        axis = _channel_axis(op, value.ndim)
        if bias.ndim != 1 or value.ndim < 2 or value.shape[axis] != bias.shape[0]:
            raise _fail(op, 'Must provide as many biases as the last dimension of the input tensor: %s vs. %s'
                        % (_shape_text(bias.shape), _shape_text(value.shape)))
        shape = [1] * value.ndim
        shape[axis] = bias.shape[0]
        return value + bias.reshape(shape)
    return run


@register_kernel('BiasAddGrad', fresh_output=True)
def bias_add_grad(op, ctx):
    def run(dy):
        axis = _channel_axis(op, dy.ndim)
        return dy.sum(axis=tuple(a for a in range(dy.ndim) if a != axis), dtype=dy.dtype)
    return run


# The CPU specializations on the C loops and the GPU ones on cuDNN (they use the helpers above, so they
# load after them).
from sluice.kernels import nn_conv_pool_cpu_kernels  # noqa: E402,F401
from sluice.kernels import cudnn_conv  # noqa: E402,F401  (the GPU specializations on cuDNN)
