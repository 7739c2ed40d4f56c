"""Kernels of ops/image_boxes_ops.py.

NonMaxSuppressionV2/V3 (a host loop; on a GPU the boxes are copied over): boxes with score above
score_threshold, by decreasing score (ties by index), are kept greedily unless their IoU with a kept box
exceeds iou_threshold, until max_output_size are kept.
CropAndResize (ctx.xp, CPU and GPU): crop row y of box (y1, y2) samples the image at
y1 * (h - 1) + y * (y2 - y1) * (h - 1) / (crop_h - 1) (the box centre when crop_h is 1), the same for x;
bilinear between the four neighbours or the nearest pixel (rounded half away from zero); samples outside
[0, h - 1] or [0, w - 1] take extrapolation_value. Arithmetic in float32 as TF's kernel."""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _iou_with(boxes, areas, i, others):
    ymin = np.maximum(boxes[i, 0], boxes[others, 0])
    xmin = np.maximum(boxes[i, 1], boxes[others, 1])
    ymax = np.minimum(boxes[i, 2], boxes[others, 2])
    xmax = np.minimum(boxes[i, 3], boxes[others, 3])
    inter = np.maximum(ymax - ymin, 0) * np.maximum(xmax - xmin, 0)
    union = areas[i] + areas[others] - inter
    ok = (areas[i] > 0) & (areas[others] > 0)
    return np.where(ok, inter / np.where(ok, union, 1), 0)


def _nms(op, boxes, scores, max_output_size, iou_threshold, score_threshold):
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise _invalid(op, 'boxes must be 2-D and have 4 columns: %s' % list(boxes.shape))
    if scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise _invalid(op, 'scores has incompatible shape')
    for name, value in (('max_output_size', max_output_size), ('iou_threshold', iou_threshold)):
        if np.ndim(value) != 0:
            raise _invalid(op, '%s must be 0-D, got shape %s' % (name, list(np.shape(value))))
    iou_threshold = float(iou_threshold)
    if not 0 <= iou_threshold <= 1:
        raise _invalid(op, 'iou_threshold must be in [0, 1]')
    b = boxes.astype(np.float32)
    corners = np.stack([np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3]),
                        np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])], axis=1)
    areas = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])
    s = scores.astype(np.float32)
    order = [i for i in np.argsort(-s, kind='stable').tolist() if s[i] > score_threshold]
    kept = []
    limit = int(max_output_size)
    for i in order:
        if len(kept) >= limit:
            break
        if not kept or not np.any(_iou_with(corners, areas, i, np.array(kept)) > iou_threshold):
            kept.append(i)
    return np.array(kept, np.int32)


def _host(xp, array):
    # the greedy loop is sequential: on a GPU the (small) boxes and scores are copied to the host
    return array if xp is np else xp.asnumpy(array)


@register_kernel('NonMaxSuppressionV2', host_inputs=(2, 3), fresh_output=True)
def non_max_suppression_v2(op, ctx):
    xp = ctx.xp

    def run(boxes, scores, max_output_size, iou_threshold):
        return xp.asarray(_nms(op, _host(xp, boxes), _host(xp, scores), max_output_size, iou_threshold, -np.inf))
    return run


@register_kernel('NonMaxSuppressionV3', host_inputs=(2, 3, 4), fresh_output=True)
def non_max_suppression_v3(op, ctx):
    xp = ctx.xp

    def run(boxes, scores, max_output_size, iou_threshold, score_threshold):
        if np.ndim(score_threshold) != 0:
            raise _invalid(op, 'score_threshold must be 0-D, got shape %s' % list(np.shape(score_threshold)))
        return xp.asarray(_nms(op, _host(xp, boxes), _host(xp, scores), max_output_size, iou_threshold,
                               float(score_threshold)))
    return run


def _sample_positions(xp, lo, hi, size, crop):
    """[num_boxes, crop] float32 sample coordinates along one axis."""
    lo, hi = lo.astype(np.float32)[:, None], hi.astype(np.float32)[:, None]
    extent = np.float32(size - 1)
    if crop > 1:
        steps = xp.arange(crop, dtype=np.float32)[None, :]
        return lo * extent + steps * ((hi - lo) * extent / np.float32(crop - 1))
    return np.float32(0.5) * (lo + hi) * extent


@register_kernel('CropAndResize', host_inputs=(3,), fresh_output=True)
def crop_and_resize(op, ctx):
    xp = ctx.xp
    method = op.get_attr('method')
    method = method.decode() if isinstance(method, bytes) else method
    fill = np.float32(op.get_attr('extrapolation_value'))

    def run(image, boxes, box_ind, crop_size):
        if image.ndim != 4:
            raise _invalid(op, 'input image must be 4-D, got shape %s' % list(image.shape))
        crop_size = np.asarray(crop_size)
        if crop_size.shape != (2,):
            raise _invalid(op, 'crop_size must be a 1-D tensor of 2 elements')
        crop_h, crop_w = int(crop_size[0]), int(crop_size[1])
        if crop_h <= 0 or crop_w <= 0:
            raise _invalid(op, 'crop dimensions must be positive')
        if boxes.ndim != 2 or boxes.shape[1] != 4 or box_ind.shape != (boxes.shape[0],):
            raise _invalid(op, 'boxes must be [num_boxes, 4] and box_index [num_boxes]')
        batch, height, width, _ = image.shape
        index = np.asarray(box_ind) if xp is np else box_ind.get()
        if index.size and (index.min() < 0 or index.max() >= batch):
            raise _invalid(op, 'box_index has values outside [0, batch_size)')
        ys = _sample_positions(xp, boxes[:, 0], boxes[:, 2], height, crop_h)
        xs = _sample_positions(xp, boxes[:, 1], boxes[:, 3], width, crop_w)
        ys = xp.broadcast_to(ys, (boxes.shape[0], crop_h))
        xs = xp.broadcast_to(xs, (boxes.shape[0], crop_w))
        outside = ((ys < 0) | (ys > height - 1))[:, :, None] | ((xs < 0) | (xs > width - 1))[:, None, :]
        src = image[box_ind].astype(np.float32)            # [n, h, w, d]
        n = xp.arange(boxes.shape[0])[:, None, None]
        if method == 'nearest':
            yi = xp.clip(xp.floor(ys + np.float32(0.5)), 0, height - 1).astype(np.int64)
            xi = xp.clip(xp.floor(xs + np.float32(0.5)), 0, width - 1).astype(np.int64)
            out = src[n, yi[:, :, None], xi[:, None, :]]
        else:
            top, left = xp.floor(ys), xp.floor(xs)
            ylerp, xlerp = (ys - top)[:, :, None, None], (xs - left)[:, None, :, None]
            t = xp.clip(top, 0, height - 1).astype(np.int64)[:, :, None]
            bo = xp.clip(xp.ceil(ys), 0, height - 1).astype(np.int64)[:, :, None]
            le = xp.clip(left, 0, width - 1).astype(np.int64)[:, None, :]
            ri = xp.clip(xp.ceil(xs), 0, width - 1).astype(np.int64)[:, None, :]
            tl, tr, bl, br = src[n, t, le], src[n, t, ri], src[n, bo, le], src[n, bo, ri]
            upper = tl + (tr - tl) * xlerp
            lower = bl + (br - bl) * xlerp
            out = upper + (lower - upper) * ylerp
        return xp.where(outside[..., None], fill, out).astype(np.float32)
    return run
