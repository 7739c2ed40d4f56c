"""k-means in NumPy as TF 1.15's clustering_ops states it (the reference of the k-means tests): squared
Euclidean or cosine assignment, Lloyd steps (sum / (count + 1e-6)) and mini-batch steps with counts
(x += (sum(d) - k x) / (n + k)), the latter synced every `steps` steps into the centers that assign points."""
import numpy as np


def normalize(a):
    return a / np.sqrt(np.maximum((a * a).sum(1, keepdims=True), 1e-12))


def distances(x, c):
    return (x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None]


def assign(x, c, cosine):
    """(nearest center, its score, the rows as scored): cosine scores unit rows by 1 - x.c."""
    if cosine:
        x, c = normalize(x), normalize(c)
        d = 1 - x @ c.T
    else:
        d = distances(x, c)
    idx = d.argmin(1)
    return idx, d[np.arange(len(x)), idx], x


def lloyd(data, centers, steps, cosine=False):
    c = np.asarray(centers, np.float64)
    c = normalize(c) if cosine else c
    for _ in range(steps):
        idx, _, x = assign(data, c, cosine)
        sums = np.zeros_like(c)
        np.add.at(sums, idx, x)
        counts = np.bincount(idx, minlength=len(c))[:, None]
        c = sums / (counts + 1e-6)
        c = normalize(c) if cosine else c
    return c


def mini_batch(data, centers, batches, cosine=False, steps_per_iteration=1):
    """The centers that assign points after the given batches (slices or index arrays of data)."""
    c = np.asarray(centers, np.float64)
    c = normalize(c) if cosine else c
    updated = c.copy()
    counts = np.ones(len(c)) if steps_per_iteration == 1 else np.zeros(len(c))
    left = steps_per_iteration
    for batch in batches:
        idx, _, x = assign(data[batch], c, cosine)
        if steps_per_iteration > 1:
            if left <= 0:  # sync: the step's points were assigned with the centers before it
                c = normalize(updated) if cosine else updated.copy()
                counts[:] = 0
                left = steps_per_iteration - 1
            else:
                left -= 1
        else:
            updated = c
        for j in np.unique(idx):
            points = x[idx == j]
            k = len(points)
            updated[j] += (points.sum(0) - k * updated[j]) / (counts[j] + k)
            counts[j] += k
    return c, updated
