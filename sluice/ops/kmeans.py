"""The k-means training graph of TF 1.15 (`tensorflow.python.ops.clustering_ops.KMeans`; the contrib class
differs in two details, see `contrib/factorization`).

Variables, named as TF names them: 'clusters' (the centers; its shape is set at run time, validate_shape=False)
and 'initialized' (bool); with mini-batch training also an int64 count per cluster (an unnamed 'Variable':
ones for plain mini-batch, zeros when mini_batch_steps_per_iteration > 1, which also adds 'clusters_updated'
and 'update_in_steps').

`training_graph()` returns TF 1.15's 6-tuple (all_scores, cluster_idx, scores, cluster_centers_initialized,
init_op, training_op); the first three are tuples with one item per input shard.
- init_op (kmeans_init.py) chooses the missing centers, possibly over several runs, and sets 'initialized'.
- Scores: squared Euclidean ||x||^2 - 2 x.c + ||c||^2, or cosine 1 - x.c over l2-normalized rows; the nearest
  center and its score come from NearestNeighbors (for cosine, half the squared distance of unit rows).
- Full batch (Lloyd): each center becomes the mean of its points, sum / (count + 1e-6) (re-normalized for
  cosine); a center with no points becomes 0.
- Mini-batch: for each center hit by the batch, with old value x, old count n and k new points d_i,
  x += (sum(d_i) - k x) / (n + k) and n += k. With mini_batch_steps_per_iteration = s > 1 the updates go to
  'clusters_updated'; every s steps it is copied (normalized for cosine) into 'clusters', which assigns
  points, and the counts restart from zero.
"""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, get_default_graph
from sluice.ops import array_ops, constant_op, control_flow_ops, filling_ops, graph_ops, math_ops, random_ops
from sluice.ops import reduction_ops, segment_ops, state_ops
from sluice.ops.clustering_ops import (CLUSTERS_VAR_NAME, COSINE_DISTANCE, KMC2_INIT, KMEANS_PLUS_PLUS_INIT,
                                       RANDOM_INIT, SQUARED_EUCLIDEAN_DISTANCE, nearest_neighbors)
from sluice.ops.elementwise_ops import less_equal, reciprocal, square
from sluice.ops.indexing_ops import gather
from sluice.ops.kmeans_init import ClusterInitializer
from sluice.ops.manip_ops import unique
from sluice.ops.nn_normalization import l2_normalize
from sluice.ops.training_ops import scatter_add
from sluice.ops.variables import Variable

__all__ = ['KMeans', 'SQUARED_EUCLIDEAN_DISTANCE', 'COSINE_DISTANCE', 'RANDOM_INIT', 'KMEANS_PLUS_PLUS_INIT',
           'KMC2_INIT', 'CLUSTERS_VAR_NAME']


def _colocated(tensor):
    return get_default_graph().colocate_with(tensor, ignore_existing=True)


class KMeans:
    """Builds the k-means graph over `inputs` (a tensor or a list of shards, rows assumed shuffled)."""

    def __init__(self, inputs, num_clusters, initial_clusters=RANDOM_INIT, distance_metric=SQUARED_EUCLIDEAN_DISTANCE,
                 use_mini_batch=False, mini_batch_steps_per_iteration=1, random_seed=0,
                 kmeans_plus_plus_num_retries=2, kmc2_chain_length=200):
        if isinstance(initial_clusters, str) and initial_clusters not in (RANDOM_INIT, KMEANS_PLUS_PLUS_INIT,
                                                                          KMC2_INIT):
            raise ValueError("Unsupported initialization algorithm '%s'" % initial_clusters)
        if distance_metric not in (SQUARED_EUCLIDEAN_DISTANCE, COSINE_DISTANCE):
            raise ValueError("Unsupported distance metric '%s'" % distance_metric)
        self._inputs = inputs if isinstance(inputs, list) else [inputs]
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._use_mini_batch = use_mini_batch
        self._mini_batch_steps_per_iteration = int(mini_batch_steps_per_iteration)
        self._seed = self._sampler_seed(random_seed)
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._kmc2_chain_length = kmc2_chain_length

    @staticmethod
    def _sampler_seed(random_seed):
        """The seed the samplers get: TF 1.15 core folds in the graph seed (get_seed's first half)."""
        return random_ops.get_seed(random_seed)[0]

    @staticmethod
    def _initial_centers_value():
        """The initial value of the (empty) 'clusters' variable: a [] placeholder_with_default in core TF."""
        return graph_ops.placeholder_with_default([], shape=None)

    # -- distances ----------------------------------------------------------------------------------------
    @classmethod
    def _distance_graph(cls, inputs, clusters, distance_metric):
        """One [rows, num_clusters] score matrix per input shard."""
        assert isinstance(inputs, list)
        if distance_metric == SQUARED_EUCLIDEAN_DISTANCE:
            return cls._compute_euclidean_distance(inputs, clusters)
        if distance_metric == COSINE_DISTANCE:
            return cls._compute_cosine_distance(inputs, clusters, inputs_normalized=True)
        raise ValueError("Unsupported distance metric '%s'" % distance_metric)

    @classmethod
    def _compute_euclidean_distance(cls, inputs, clusters):
        output = []
        for inp in inputs:
            with _colocated(inp):
                # ||x||^2 (a column) - 2 x.c + ||c||^2 (a row): two broadcast additions around one product
                point_norms = reduction_ops.reduce_sum(square(inp), 1, keepdims=True)
                center_norms = array_ops.transpose(reduction_ops.reduce_sum(square(clusters), 1, keepdims=True))
                output.append(point_norms - 2 * math_ops.matmul(inp, clusters, transpose_b=True) + center_norms)
        return output

    @classmethod
    def _compute_cosine_distance(cls, inputs, clusters, inputs_normalized=True):
        output = []
        if not inputs_normalized:
            with _colocated(clusters):
                clusters = l2_normalize(clusters, axis=1)
        for inp in inputs:
            with _colocated(inp):
                if not inputs_normalized:
                    inp = l2_normalize(inp, axis=1)
                output.append(1 - math_ops.matmul(inp, clusters, transpose_b=True))
        return output

    def _infer_graph(self, inputs, clusters):
        """(all_scores, scores, cluster_idx), each a tuple with one tensor per input shard."""
        assert isinstance(inputs, list)
        all_scores = self._distance_graph(inputs, clusters, self._distance_metric)
        if self._distance_metric == COSINE_DISTANCE and not self._clusters_l2_normalized():
            # for unit rows, cosine distance = squared Euclidean / 2, so NearestNeighbors serves both
            with _colocated(clusters):
                clusters = l2_normalize(clusters, axis=1)
        output = []
        for inp, score in zip(inputs, all_scores):
            with _colocated(inp):
                indices, distances = nearest_neighbors(inp, clusters, 1)
                if self._distance_metric == COSINE_DISTANCE:
                    distances *= 0.5
                output.append((score, array_ops.squeeze(distances, [-1]), array_ops.squeeze(indices, [-1])))
        return tuple(zip(*output))

    def _clusters_l2_normalized(self):
        """Whether the stored centers are kept unit-length (cosine, except plain mini-batch)."""
        return (self._distance_metric == COSINE_DISTANCE and
                (not self._use_mini_batch or self._mini_batch_steps_per_iteration > 1))

    # -- variables ------------------------------------------------------------------------------------------
    def _create_variables(self, num_clusters):
        """(cluster_centers, cluster_centers_initialized, cluster_counts, cluster_centers_updated,
        update_in_steps); the counts are None in full-batch mode, the last None unless synced in steps."""
        init_value = self._initial_centers_value()
        cluster_centers = Variable(init_value, name=CLUSTERS_VAR_NAME, validate_shape=False)
        cluster_centers_initialized = Variable(False, dtype=dtypes.bool, name='initialized')
        if self._use_mini_batch and self._mini_batch_steps_per_iteration > 1:
            cluster_centers_updated = Variable(init_value, name='clusters_updated', validate_shape=False)
            update_in_steps = Variable(self._mini_batch_steps_per_iteration, dtype=dtypes.int64,
                                       name='update_in_steps')
            cluster_counts = Variable(filling_ops.zeros([num_clusters], dtype=dtypes.int64))
        else:
            cluster_centers_updated, update_in_steps = cluster_centers, None
            cluster_counts = (Variable(filling_ops.ones([num_clusters], dtype=dtypes.int64))
                              if self._use_mini_batch else None)
        return (cluster_centers, cluster_centers_initialized, cluster_counts, cluster_centers_updated,
                update_in_steps)

    @classmethod
    def _l2_normalize_data(cls, inputs):
        output = []
        for inp in inputs:
            with _colocated(inp):
                output.append(l2_normalize(inp, axis=1))
        return output

    # -- the graph --------------------------------------------------------------------------------------------
    def training_graph(self):
        """(all_scores, cluster_idx, scores, cluster_centers_initialized, init_op, training_op).

        Run init_op until cluster_centers_initialized is True (one worker), then training_op any number of
        times: one Lloyd iteration over the full input, or one mini-batch step."""
        if isinstance(self._initial_clusters, str) or callable(self._initial_clusters):
            initial_clusters = self._initial_clusters
            num_clusters = convert_to_tensor(self._num_clusters)
        else:
            initial_clusters = convert_to_tensor(self._initial_clusters)
            num_clusters = array_ops.shape(initial_clusters)[0]

        inputs = self._inputs
        (cluster_centers_var, cluster_centers_initialized, total_counts, cluster_centers_updated,
         update_in_steps) = self._create_variables(num_clusters)
        init_op = ClusterInitializer(
            self._inputs, num_clusters, initial_clusters, self._distance_metric, self._seed,
            self._kmeans_plus_plus_num_retries, self._kmc2_chain_length, cluster_centers_var,
            cluster_centers_updated, cluster_centers_initialized).op()
        cluster_centers = cluster_centers_var
        if self._distance_metric == COSINE_DISTANCE:
            inputs = self._l2_normalize_data(inputs)
            if not self._clusters_l2_normalized():
                cluster_centers = l2_normalize(cluster_centers, axis=1)

        all_scores, scores, cluster_idx = self._infer_graph(inputs, cluster_centers)
        if self._use_mini_batch:
            # a step that syncs assigns its points with the centers it started from (TF leaves the order open)
            with get_default_graph().control_dependencies(list(cluster_idx)):
                sync_updates_op = self._mini_batch_sync_updates_op(update_in_steps, cluster_centers_var,
                                                                   cluster_centers_updated, total_counts)
            with get_default_graph().control_dependencies([sync_updates_op]):
                training_op = self._mini_batch_training_op(inputs, cluster_idx, cluster_centers_updated,
                                                           total_counts)
        else:
            training_op = self._full_batch_training_op(inputs, num_clusters, cluster_idx, cluster_centers_var)
        return all_scores, cluster_idx, scores, cluster_centers_initialized, init_op, training_op

    def _mini_batch_sync_updates_op(self, update_in_steps, cluster_centers_var, cluster_centers_updated,
                                    total_counts):
        """Every mini_batch_steps_per_iteration steps: copy the updated centers into 'clusters' and zero the
        counts; in between, count the step down. A no-op unless those steps are > 1."""
        if not (self._use_mini_batch and self._mini_batch_steps_per_iteration > 1):
            return graph_ops.no_op()
        graph = get_default_graph()

        def sync():
            # reset the countdown first, and copy the centers before zeroing the counts, as TF orders them
            with graph.control_dependencies([state_ops.assign(update_in_steps,
                                                              self._mini_batch_steps_per_iteration - 1)]):
                centers = cluster_centers_updated
                if self._distance_metric == COSINE_DISTANCE:
                    centers = l2_normalize(cluster_centers_updated, axis=1)
                with graph.control_dependencies([state_ops.assign(cluster_centers_var, centers)]):
                    with graph.control_dependencies([state_ops.assign(total_counts,
                                                                      filling_ops.zeros_like(total_counts))]):
                        return graph_ops.identity(update_in_steps)

        with _colocated(update_in_steps):
            return control_flow_ops.cond(less_equal(update_in_steps, 0), sync,
                                         lambda: state_ops.assign_sub(update_in_steps, 1))

    def _mini_batch_training_op(self, inputs, cluster_idx_list, cluster_centers, total_counts):
        """x += (sum(d_i) - k x) / (n + k) and n += k for each center the batch hits."""
        update_ops = []
        for inp, cluster_idx in zip(inputs, cluster_idx_list):
            with _colocated(inp):
                cluster_idx = array_ops.reshape(cluster_idx, [-1])
                # one update per distinct center, summed locally
                unique_ids, unique_idx = unique(cluster_idx)
                num_unique = array_ops.size(unique_ids)
                with _colocated(total_counts):
                    old_counts = gather(total_counts, unique_ids)
                with _colocated(cluster_centers):
                    old_centers = gather(cluster_centers, unique_ids)
                count_updates = segment_ops.unsorted_segment_sum(
                    filling_ops.ones_like(unique_idx, dtype=total_counts.dtype), unique_idx, num_unique)
                center_updates = segment_ops.unsorted_segment_sum(inp, unique_idx, num_unique)
                # [num_unique, 1, ..., 1]: counts and rates broadcast over the rows' other dimensions
                broadcast_shape = array_ops.concat([
                    array_ops.reshape(num_unique, [1]),
                    filling_ops.ones(array_ops.reshape(array_ops.rank(inp) - 1, [1]), dtype=dtypes.int32)], 0)
                center_updates -= math_ops.cast(array_ops.reshape(count_updates, broadcast_shape),
                                                inp.dtype) * old_centers
                learning_rate = reciprocal(math_ops.cast(old_counts + count_updates, inp.dtype))
                center_updates *= array_ops.reshape(learning_rate, broadcast_shape)
            # the counts change only after the old ones are read: TF's graph leaves that order to the executor,
            # whose usual order gives the formula above some steps and n + 2k other steps
            with get_default_graph().control_dependencies([old_counts]):
                update_ops.append(scatter_add(total_counts, unique_ids, count_updates))
            update_ops.append(scatter_add(cluster_centers, unique_ids, center_updates))
        return graph_ops.group(*update_ops)

    def _full_batch_training_op(self, inputs, num_clusters, cluster_idx_list, cluster_centers):
        """One Lloyd step: each center becomes the mean of the points assigned to it."""
        cluster_sums, cluster_counts = [], []
        epsilon = constant_op.constant(1e-6, dtype=inputs[0].dtype)
        for inp, cluster_idx in zip(inputs, cluster_idx_list):
            with _colocated(inp):
                cluster_sums.append(segment_ops.unsorted_segment_sum(inp, cluster_idx, num_clusters))
                ones = array_ops.reshape(filling_ops.ones(array_ops.reshape(array_ops.shape(inp)[0], [-1])),
                                         [-1, 1])
                cluster_counts.append(segment_ops.unsorted_segment_sum(ones, cluster_idx, num_clusters))
        with _colocated(cluster_centers):
            new_centers = math_ops.add_n(cluster_sums) / (
                math_ops.cast(math_ops.add_n(cluster_counts), cluster_sums[0].dtype) + epsilon)
            if self._clusters_l2_normalized():
                new_centers = l2_normalize(new_centers, axis=1)
        return state_ops.assign(cluster_centers, new_centers)
