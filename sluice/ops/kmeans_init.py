"""The op that chooses k-means' initial centers (TF 1.15's cluster initializer, built by ops/kmeans.py).

One run of the op does this, with missing = num_clusters - rows of 'clusters':
    if missing == 0: assert that 'initialized' is True
    else: assert missing > 0;
          new = up to `missing` centers from this batch, l2-normalized for cosine;
          'clusters' := concat('clusters', new) (and 'clusters_updated' := the same, when it is another variable);
          if none is missing now: 'initialized' := True
so with mini-batches the centers may come from several batches. The ways to choose `new`:
- 'random': rows drawn uniformly (with replacement) from all shards; the whole batch when it has no more
  rows than are missing.
- 'kmeans_plus_plus': KmeansPlusPlusInitialization over the first shard (normalized for cosine), which
  must hold at least `missing` rows.
- 'kmc2': the first shard is cut into subsets of kmc2_chain_length rows; each adds one center, the batch's
  first row when there is none yet, else the end of a KMC2ChainInitialization chain over the subset's squared
  distances to the centers so far (one center from the whole batch when it is shorter than a chain).
- a function f(inputs, missing) returning up to that many rows, or a tensor holding exactly `missing` rows.
"""
from sluice.engine import dtypes
from sluice.engine.graph import get_default_graph
from sluice.ops import array_ops, check_ops, control_flow_ops, graph_ops, math_ops, random_ops, state_ops
from sluice.ops.clustering_ops import (COSINE_DISTANCE, KMC2_INIT, RANDOM_INIT, kmc2_chain_initialization,
                                       kmeans_plus_plus_initialization, nearest_neighbors)
from sluice.ops.elementwise_ops import equal, less, less_equal, maximum, minimum
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.nn_normalization import l2_normalize

__all__ = ['ClusterInitializer']


class ClusterInitializer:
    """Builds the initialization op over the k-means variables (arguments as KMeans's, plus the variables:
    `cluster_centers_updated` is `cluster_centers` itself unless mini-batch updates sync in steps)."""

    def __init__(self, inputs, num_clusters, initial_clusters, distance_metric, random_seed,
                 kmeans_plus_plus_num_retries, kmc2_chain_length, cluster_centers, cluster_centers_updated,
                 cluster_centers_initialized):
        self._inputs = inputs
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._seed = random_seed
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._kmc2_chain_length = kmc2_chain_length
        self._cluster_centers = cluster_centers
        self._cluster_centers_updated = cluster_centers_updated
        self._cluster_centers_initialized = cluster_centers_initialized
        self._num_selected = array_ops.shape(cluster_centers)[0]
        self._num_remaining = num_clusters - self._num_selected
        self._num_data = math_ops.add_n([array_ops.shape(i)[0] for i in inputs])

    def _normalized(self, rows):
        return l2_normalize(rows, axis=1) if self._distance_metric == COSINE_DISTANCE else rows

    def _store(self, centers):
        """Assigns the centers (to both copies); returns the assigned value."""
        assigned = state_ops.assign(self._cluster_centers, centers, validate_shape=False)
        if self._cluster_centers_updated is not self._cluster_centers:
            assigned = state_ops.assign(self._cluster_centers_updated, assigned, validate_shape=False)
        return assigned

    # -- samplers: each returns up to num_remaining new rows ---------------------------------------------------
    def _random(self):
        indices = random_ops.random_uniform(array_ops.reshape(self._num_remaining, [-1]), minval=0,
                                            maxval=math_ops.cast(self._num_data, dtypes.int64), seed=self._seed,
                                            dtype=dtypes.int64)
        return embedding_lookup(self._inputs, indices, partition_strategy='div')

    def _kmeans_plus_plus(self):
        # only the first shard is searched, as in TF
        return kmeans_plus_plus_initialization(self._normalized(self._inputs[0]),
                                               math_ops.cast(self._num_remaining, dtypes.int64), self._seed,
                                               self._kmeans_plus_plus_num_retries)

    def _greedy_batch_sampler(self, sampler):
        # a batch no larger than what is missing is taken whole (mini-batches smaller than num_clusters)
        return control_flow_ops.cond(less_equal(self._num_data, self._num_remaining),
                                     lambda: array_ops.concat(self._inputs, 0), sampler)

    def _single_batch_sampler(self, sampler):
        # the batch must hold every missing center (num_data >= num_remaining)
        check = check_ops.assert_less_equal(self._num_remaining, self._num_data)
        with get_default_graph().control_dependencies([check]):
            return sampler()

    def _choose_initial_centers(self):
        if isinstance(self._initial_clusters, str):
            if self._initial_clusters == RANDOM_INIT:
                return self._greedy_batch_sampler(self._random)
            return self._single_batch_sampler(self._kmeans_plus_plus)
        if callable(self._initial_clusters):
            return self._initial_clusters(self._inputs, self._num_remaining)
        check = check_ops.assert_equal(self._num_remaining, array_ops.shape(self._initial_clusters)[0])
        with get_default_graph().control_dependencies([check]):
            return graph_ops.identity(self._initial_clusters)

    def _add_new_centers(self):
        """Adds the chosen centers; returns how many are still missing."""
        new_centers = self._normalized(self._choose_initial_centers())
        # an empty 'clusters' has shape [0], which concat would reject
        all_centers = control_flow_ops.cond(equal(self._num_selected, 0), lambda: new_centers,
                                            lambda: array_ops.concat([self._cluster_centers, new_centers], 0))
        return self._num_clusters - array_ops.shape(self._store(all_centers))[0]

    def _kmc2_multiple_centers(self):
        """Adds one center per chain of kmc2_chain_length rows of the first shard (at least one, at most the
        number missing); returns how many are still missing."""
        first_shard = self._inputs[0]
        batch_size = array_ops.shape(first_shard)[0]
        max_to_sample = math_ops.cast(batch_size / self._kmc2_chain_length, dtype=dtypes.int32)
        num_to_sample = maximum(minimum(self._num_remaining, max_to_sample), 1)

        def first_center():
            # rows are assumed shuffled, so the first row is a uniform draw
            return self._normalized(array_ops.reshape(first_shard[0], [1, -1]))

        def chained_center(i):
            start = i * self._kmc2_chain_length
            subset = first_shard[start:start + self._kmc2_chain_length]
            _, distances = nearest_neighbors(subset, self._cluster_centers, 1)
            index = kmc2_chain_initialization(array_ops.squeeze(distances), self._seed)
            new_center = self._normalized(array_ops.reshape(subset[index], [1, -1]))
            return array_ops.concat([self._cluster_centers, new_center], 0)

        def body(i, _):
            new_centers = control_flow_ops.cond(equal(self._num_selected, 0), first_center,
                                                lambda: chained_center(i))
            return i + 1, self._num_clusters - array_ops.shape(self._store(new_centers))[0]

        _, num_remaining = control_flow_ops.while_loop(lambda i, _: less(i, num_to_sample), body, [0, 0])
        return num_remaining

    def _initialize(self):
        with get_default_graph().control_dependencies([check_ops.assert_positive(self._num_remaining)]):
            if self._initial_clusters == KMC2_INIT:
                num_now_remaining = self._kmc2_multiple_centers()
            else:
                num_now_remaining = self._add_new_centers()
            return control_flow_ops.cond(
                equal(num_now_remaining, 0),
                lambda: state_ops.assign(self._cluster_centers_initialized, True), graph_ops.no_op)

    def op(self):
        """The initialization op."""
        return control_flow_ops.cond(
            equal(self._num_remaining, 0),
            lambda: check_ops.assert_equal(self._cluster_centers_initialized, True), self._initialize)
