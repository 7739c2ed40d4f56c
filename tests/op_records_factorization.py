"""Op records of the clustering ops (ops/clustering_ops.py): values against TF's gen_clustering_ops. The
seeded samplers draw from sluice's own stream, so their records take cases whose result the stream cannot
change: k-means++ asked for every row (the rows' sum), and k-MC^2 chains whose only move is forced.
Loaded at the end of op_records.py."""
import importlib

import numpy as np

from op_records import F32, arg, fixed, record


def _gen(tf):
    """tensorflow.python.ops.gen_clustering_ops, or sluice's module of that path."""
    return importlib.import_module(tf.__name__.split('.')[0] + '.python.ops.gen_clustering_ops')


def _nearest_numpy(points, centers, k):
    d = (points ** 2).sum(1)[:, None] - 2 * points @ centers.T + (centers ** 2).sum(1)[None]
    idx = np.argsort(d, axis=1, kind='stable')[:, :min(int(k), len(centers))]
    return [idx.astype(np.int64), np.take_along_axis(d, idx, 1).astype(np.float32)]


record('NearestNeighbors',
       lambda tf, p, c: list(_gen(tf).nearest_neighbors(p, c, 2)) + list(_gen(tf).nearest_neighbors(p, c, 1))
       + list(_gen(tf).nearest_neighbors(p, c, 9)),
       [arg((7, 3)), arg((4, 3))], dtypes=(F32,), rtol=1e-4, atol=1e-5,
       numpy=lambda p, c: _nearest_numpy(p, c, 2) + _nearest_numpy(p, c, 1) + _nearest_numpy(p, c, 9))
record('KmeansPlusPlusInitialization',
       lambda tf, p: [tf.reduce_sum(_gen(tf).kmeans_plus_plus_initialization(p, 5, 7, 2), 0),
                      tf.reduce_sum(_gen(tf).kmeans_plus_plus_initialization(p, 5, -3, -1), 0)],
       [arg((5, 3))], dtypes=(F32,), rtol=1e-5, atol=1e-5, cpu_only='a host sampler, as in TF',
       numpy=lambda p: [p.sum(0), p.sum(0)])
record('KMC2ChainInitialization',
       lambda tf, d, z: [_gen(tf).kmc2_chain_initialization(d, 3), _gen(tf).kmc2_chain_initialization(z, 11)],
       [fixed([0.0, 0.0, 5.0, 0.0, 0.0], F32), fixed([0.0, 0.0, 0.0], F32)], dtypes=(F32,),
       cpu_only='a host sampler, as in TF', numpy=lambda d, z: [np.int64(2), np.int64(0)])
