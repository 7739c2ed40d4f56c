"""ExtractImagePatches (ctx.xp, CPU and GPU): zero-pad by the SAME amounts, then one fancy-indexing gather of
rows (i * stride + a * rate) and columns, reshaped to [batch, out_rows, out_cols, ksize_rows * ksize_cols * depth]."""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel
from sluice.ops.image_patches_ops import output_size


@register_kernel('ExtractImagePatches', fresh_output=True)
def extract_image_patches(op, ctx):
    xp = ctx.xp
    ksizes, strides, rates = (op.get_attr(k) for k in ('ksizes', 'strides', 'rates'))
    padding = op.get_attr('padding')
    padding = padding.decode() if isinstance(padding, bytes) else padding

    def axis(size, i):
        out, before = output_size(size, ksizes[i], strides[i], rates[i], padding)
        taps = np.arange(out)[:, None] * strides[i] + np.arange(ksizes[i])[None, :] * rates[i] - before
        return taps, before

    def run(images):
        if images.ndim != 4:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'input must be 4-dimensional%s'
                                      % list(images.shape))
        n, h, w, d = images.shape
        rows, _ = axis(h, 1)
        cols, _ = axis(w, 2)
        # pad on both sides enough for every tap, shifting indices into the padded frame
        lo_r, hi_r = max(0, -int(rows.min(initial=0))), max(0, int(rows.max(initial=0)) - h + 1)
        lo_c, hi_c = max(0, -int(cols.min(initial=0))), max(0, int(cols.max(initial=0)) - w + 1)
        padded = xp.pad(images, ((0, 0), (lo_r, hi_r), (lo_c, hi_c), (0, 0)))
        r = xp.asarray(rows + lo_r)[:, None, :, None]
        c = xp.asarray(cols + lo_c)[None, :, None, :]
        patches = padded[:, r, c, :]                      # [n, out_r, out_c, kr, kc, d]
        return patches.reshape(n, rows.shape[0], cols.shape[0], -1)
    return run
