"""Kernels of ops/clustering_ops.py.

NearestNeighbors is one `ctx.xp` body (CPU and GPU): with half squared norms h(x) = ||x||^2 / 2, the distance
of point p to center c is 2 * (h(p) + h(c) - p.c), one matrix product; the k smallest of h(c) - p.c per row
are taken in order (a stable sort, so ties go to the lower center index, as TF's top-k of (value, index)
pairs). The seeded initializers are sequential samplers and run on the host, as TF's: a NumPy Generator
seeded from the `seed` input on every call, so equal inputs give equal outputs (the draws are sluice's own,
not TF's Philox stream).

k-means++ draws each new center with probability proportional to D^2, the squared distance to the nearest
center chosen so far (drawn by binary search in the running sum of D^2; chosen points get weight 0, and a
sum of 0 falls back to a uniform draw among the points not chosen), tries 1 + num_retries candidates and
keeps the one whose D^2 sum after adding it is smallest.
"""
import math

import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _require_matrix(op, value, what):
    if value.ndim != 2:
        raise _invalid(op, 'Input %s should be a matrix.' % what)


def _require_scalar(op, value, what):
    if np.ndim(value) != 0:
        raise _invalid(op, 'Input %s should be a scalar.' % what)


def _generator(seed):
    return np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)  # an int64 seed may be negative


@register_kernel('NearestNeighbors', multi_output=True, host_inputs=(2,), fresh_output=True)
def nearest_neighbors(op, ctx):
    xp = ctx.xp

    def run(points, centers, k):
        _require_matrix(op, points, 'points')
        _require_matrix(op, centers, 'centers')
        _require_scalar(op, k, 'k')
        if points.shape[0] == 0:
            raise _invalid(op, 'Expected points.rows() > 0.')
        if points.shape[1] != centers.shape[1]:
            raise _invalid(op, 'Expected point_dimensions == center_dimensions: %d vs %d.'
                           % (points.shape[1], centers.shape[1]))
        if int(k) < 0:
            raise _invalid(op, 'Expected k >= 0.')
        k = min(int(k), centers.shape[0])
        # einsum: the row norms without a points-sized temporary (16x faster than sum(points * points))
        partial = 0.5 * xp.einsum('ij,ij->i', centers, centers) - points @ centers.T  # h(c) - p.c
        half_norms = 0.5 * xp.einsum('ij,ij->i', points, points)[:, None]
        if k == 1:
            indices = xp.argmin(partial, axis=1)[:, None]  # the first of equal minima
        else:
            indices = xp.argsort(partial, axis=1, kind='stable')[:, :k]
        nearest = xp.take_along_axis(partial, indices, axis=1)
        return indices.astype(xp.int64), (2 * (half_norms + nearest)).astype(xp.float32)
    return run


def _kmeans_plus_plus(points, num_to_sample, rng, num_retries):
    """Row indices of the chosen centers, in the order chosen."""
    num_points = points.shape[0]
    half_norms = 0.5 * np.einsum('ij,ij->i', points, points)
    min_distances = np.full(num_points, np.inf, np.float32)
    chosen = np.zeros(num_points, bool)
    order = []

    def draw():
        if not order:
            return int(rng.integers(num_points))
        weights = np.where(chosen, 0.0, np.maximum(min_distances, 0.0))
        cumsum = np.cumsum(weights, dtype=np.float64)
        if not cumsum[-1] > 0:  # every point left coincides with a center
            return int(rng.choice(np.flatnonzero(~chosen)))
        index = int(np.searchsorted(cumsum, rng.random() * cumsum[-1], side='right'))
        index = min(index, num_points - 1)
        while chosen[index]:  # rounding landed on a zero-weight step: move to the next weighted point
            index = (index + 1) % num_points
        return index

    def with_candidate(index):
        to_candidate = (half_norms - points @ points[index]) + half_norms[index]
        return np.minimum(min_distances, to_candidate)

    for _ in range(num_to_sample):
        best, best_potential, best_distances = None, np.inf, None
        for _ in range(1 + num_retries):
            index = draw()
            distances = with_candidate(index)
            potential = float(distances.sum())
            if best is None or potential < best_potential:
                best, best_potential, best_distances = index, potential, distances
        min_distances = best_distances
        chosen[best] = True
        order.append(best)
    return order


@register_kernel('KmeansPlusPlusInitialization', devices=_CPU, fresh_output=True)
def kmeans_plus_plus_initialization(op, ctx):
    def run(points, num_to_sample, seed, num_retries):
        _require_matrix(op, points, 'points')
        for value, what in ((num_to_sample, 'num_to_sample'), (seed, 'seed'),
                            (num_retries, 'num_retries_per_sample')):
            _require_scalar(op, value, what)
        num_points, num_to_sample, num_retries = points.shape[0], int(num_to_sample), int(num_retries)
        if num_points <= 0:
            raise _invalid(op, 'Expected points.rows() > 0.')
        if num_to_sample <= 0:
            raise _invalid(op, 'Expected num_to_sample > 0.')
        if num_to_sample > num_points:
            raise _invalid(op, 'Expected num_to_sample <= points.rows(). %d vs %d.' % (num_to_sample, num_points))
        if num_retries < 0:
            num_retries = 2 + int(math.log(num_to_sample))
        order = _kmeans_plus_plus(points, num_to_sample, _generator(seed), num_retries)
        return points[np.asarray(order, np.int64)]
    return run


@register_kernel('KMC2ChainInitialization', devices=_CPU, fresh_output=True)
def kmc2_chain_initialization(op, ctx):
    def run(distances, seed):
        if distances.ndim != 1:
            raise _invalid(op, 'Input distances should be a vector.')
        _require_scalar(op, seed, 'seed')
        if distances.shape[0] == 0:
            raise _invalid(op, 'Expected distances_tensor.size() > 0.')
        uniforms = _generator(seed).random(distances.shape[0] - 1, dtype=np.float32).tolist()
        values = distances.tolist()
        selected, selected_distance = 0, values[0]
        for i, u in enumerate(uniforms, 1):
            # the chain moves to candidate i with probability min(1, d_i / d_selected)
            if values[i] > u * selected_distance:
                selected, selected_distance = i, values[i]
        return np.array(selected, np.int64)
    return run
