"""Kernels of SampleDistortedBoundingBoxV2 and DrawBoundingBoxesV2 (ops/image_bbox_sampling_ops.py), CPU
only as in TF. The sampler's stream is the node's, made once per session from its seeds."""
import math

import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel


def _crop(rng, width, height, min_area, max_area, aspect):
    """TF's GenerateRandomCrop: (x, y, w, h) or None."""
    min_height = int(np.rint(math.sqrt(min_area / aspect)))
    max_height = int(np.rint(math.sqrt(max_area / aspect)))
    if int(np.rint(max_height * aspect)) > width:
        max_height = int((width + 0.5 - 1e-7) / aspect)
    max_height = min(max_height, height)
    min_height = min(min_height, max_height)
    if min_height < max_height:
        min_height += int(rng.integers(0, max_height - min_height + 1))
    h = min_height
    w = int(np.rint(h * aspect))
    if w * h < min_area:
        h += 1
        w = int(np.rint(h * aspect))
    area = w * h
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = 0 if h >= height else int(rng.integers(0, height - h))
    x = 0 if w >= width else int(rng.integers(0, width - w))
    return x, y, w, h


def _covers(crop, boxes, minimum):
    x, y, w, h = crop
    for ymin, xmin, ymax, xmax in boxes:
        box_area = (ymax - ymin) * (xmax - xmin)
        if box_area <= 0:
            continue
        inter = max(0, min(y + h, ymax) - max(y, ymin)) * max(0, min(x + w, xmax) - max(x, xmin))
        if inter / box_area >= minimum:
            return True
    return False


@register_kernel('SampleDistortedBoundingBoxV2', devices=('CPU',), multi_output=True, fresh_output=True)
def sample_distorted_bounding_box(op, ctx):
    seed, seed2 = op.get_attr('seed'), op.get_attr('seed2')
    low_aspect, high_aspect = op.get_attr('aspect_ratio_range')
    low_area, high_area = op.get_attr('area_range')
    attempts, use_image = op.get_attr('max_attempts'), op.get_attr('use_image_if_no_bounding_boxes')
    if not 0 < low_aspect <= high_aspect or not 0 < low_area <= high_area <= 1 or attempts <= 0:
        raise _invalid(op, 'aspect_ratio_range, area_range and max_attempts must be positive and ordered '
                           '(area_range within (0, 1])')

    def make_rng():
        if seed == 0 and seed2 == 0:
            return np.random.default_rng()
        return np.random.default_rng(np.random.SeedSequence([seed & 0xffffffff, seed2 & 0xffffffff]))
    rng = ctx.op_state(make_rng)

    def run(image_size, boxes, min_covered):
        image_size = np.asarray(image_size).reshape(-1)
        if image_size.size != 3:
            raise _invalid(op, 'image_size must contain 3 elements, got %d' % image_size.size)
        height, width = int(image_size[0]), int(image_size[1])
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        if boxes.size == 0:
            if not use_image:
                raise _invalid(op, 'No bounding boxes provided as input. One must enable '
                                   'use_image_if_no_bounding_boxes if you wish to not provide any bounding boxes.')
            boxes = np.array([[0, 0, 1, 1]], np.float32)
        if (boxes < 0).any() or (boxes > 1).any():
            raise _invalid(op, 'All bounding box coordinates must be in [0.0, 1.0]: %s' % boxes.tolist())
        pixels = boxes * np.array([height, width, height, width], np.float32)
        minimum = float(np.asarray(min_covered))
        chosen = None
        for _ in range(attempts):
            aspect = rng.uniform(low_aspect, high_aspect)
            crop = _crop(rng, width, height, low_area * height * width, high_area * height * width, aspect)
            if crop is not None and _covers(crop, pixels, minimum):
                chosen = crop
                break
        if chosen is None:
            chosen = (0, 0, width, height)
        x, y, w, h = chosen
        dtype = np.asarray(image_size).dtype
        box = np.array([[[y / height, x / width, (y + h) / height, (x + w) / width]]], np.float32)
        return np.array([y, x, 0], dtype), np.array([h, w, -1], dtype), box
    return run


@register_kernel('DrawBoundingBoxesV2', devices=('CPU',), fresh_output=True)
def draw_bounding_boxes(op, ctx):
    def run(images, boxes, colors):
        images = np.array(images, copy=True)
        if images.ndim != 4 or images.shape[-1] not in (1, 2, 3, 4):
            raise _invalid(op, 'Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)')
        batch, height, width, depth = images.shape
        colors = np.array(colors, np.float32).reshape(-1, 4)
        if depth == 1:  # gray images: every box white, as TF draws them
            colors[:, 0] = 1
        for b in range(batch):
            for i, (ymin, xmin, ymax, xmax) in enumerate(np.asarray(boxes[b]).reshape(-1, 4)):
                color = colors[i % len(colors)][:depth].astype(images.dtype)
                top, bottom = int((height - 1) * ymin), int((height - 1) * ymax)
                left, right = int((width - 1) * xmin), int((width - 1) * xmax)
                if top > bottom or left > right or bottom < 0 or right < 0 or top >= height or left >= width:
                    continue
                rows = slice(max(top, 0), min(bottom, height - 1) + 1)
                cols = slice(max(left, 0), min(right, width - 1) + 1)
                for r in (top, bottom):
                    if 0 <= r < height:
                        images[b, r, cols] = color
                for c in (left, right):
                    if 0 <= c < width:
                        images[b, rows, c] = color
        return images
    return run
