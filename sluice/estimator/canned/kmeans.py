"""tf.compat.v1.estimator.experimental.KMeans (TF 1.15's KMeansClustering estimator) on ops/kmeans.py.

The model_fn builds one KMeans graph over the input points (a tensor, or a dict of [n, 1] features
concatenated in key order, or `feature_columns` through input_layer):
- loss: the sum over the batch of each point's distance to its nearest center ('loss/raw' summary);
- train_op: one Lloyd or mini-batch step, plus one global step, evaluating to the loss;
- training hooks: one that runs the initialization op after the session is created until every center is
  chosen (only the chief does; others wait), and with `relative_tolerance` one that stops training when
  |loss - previous| / (1 + |previous|) falls below it;
- eval metric 'score': the mean of the loss over the evaluated batches;
- predictions 'all_distances' (to every center) and 'cluster_index' (also the serving default).
`cluster_centers()` reads the 'clusters' variable from the latest checkpoint; `transform` gives Euclidean
(not squared) distances for the squared Euclidean metric, as TF 1.15's core class does.
"""
import logging
import time

import numpy as np

from sluice.engine.graph import get_default_graph
from sluice.estimator import export_output
from sluice.estimator.estimator import Estimator
from sluice.estimator.model_fn import EstimatorSpec
from sluice.feature_column.feature_layers import input_layer
from sluice.ops import array_ops, control_flow_ops, reduction_ops, state_ops, summary_ops
from sluice.ops import kmeans as clustering
from sluice.ops.metrics_impl import mean
from sluice.saved_model import signature_constants
from sluice.training import training_util
from sluice.training.session_run_hooks import SessionRunArgs, SessionRunHook

__all__ = ['KMeansClustering']

_log = logging.getLogger('sluice')


class _LossRelativeChangeHook(SessionRunHook):
    """Requests a stop when the loss changes by less than `tolerance` relative to 1 + |previous loss|."""

    def __init__(self, loss_tensor, tolerance):
        self._loss_tensor = loss_tensor
        self._tolerance = tolerance
        self._prev_loss = None

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        loss = run_values.results
        if self._prev_loss:  # as TF: a previous loss of exactly 0 never stops training
            if abs(loss - self._prev_loss) / (1 + abs(self._prev_loss)) < self._tolerance:
                run_context.request_stop()
        self._prev_loss = loss


class _InitializeClustersHook(SessionRunHook):
    """Runs the initialization op until the centers are chosen (chief); other tasks wait for it."""

    def __init__(self, init_op, is_initialized_var, is_chief):
        self._init_op = init_op
        self._is_initialized_var = is_initialized_var
        self._is_chief = is_chief

    def after_create_session(self, session, coord):
        while True:
            try:
                if session.run(self._is_initialized_var):
                    return
                if self._is_chief:
                    session.run(self._init_op)
                else:
                    time.sleep(1)
            except RuntimeError as e:
                _log.info(e)


def _parse_features_if_necessary(features, feature_columns):
    """The [n, k] points: `features` itself, or a dict's features (through feature_columns when given, else
    every feature, concatenated in sorted key order)."""
    if not isinstance(features, dict):
        return features
    if feature_columns:
        return input_layer(features, feature_columns)
    keys = sorted(features.keys())
    with get_default_graph().colocate_with(features[keys[0]]):
        return array_ops.concat([features[k] for k in keys], axis=1)


class _ModelFn:
    """The estimator's model_fn; `graph_class` is the KMeans graph builder (core or contrib)."""

    def __init__(self, num_clusters, initial_clusters, distance_metric, seed, use_mini_batch,
                 mini_batch_steps_per_iteration, kmeans_plus_plus_num_retries, relative_tolerance, feature_columns,
                 graph_class=clustering.KMeans):
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._seed = seed
        self._use_mini_batch = use_mini_batch
        self._mini_batch_steps_per_iteration = mini_batch_steps_per_iteration
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._relative_tolerance = relative_tolerance
        self._feature_columns = feature_columns
        self._graph_class = graph_class

    def model_fn(self, features, mode, config):
        """features -> EstimatorSpec; there are no labels (input_fn returns features or (features, None))."""
        input_points = _parse_features_if_necessary(features, self._feature_columns)
        (all_distances, model_predictions, losses, is_initialized, init_op, training_op) = self._graph_class(
            inputs=input_points, num_clusters=self._num_clusters, initial_clusters=self._initial_clusters,
            distance_metric=self._distance_metric, use_mini_batch=self._use_mini_batch,
            mini_batch_steps_per_iteration=self._mini_batch_steps_per_iteration, random_seed=self._seed,
            kmeans_plus_plus_num_retries=self._kmeans_plus_plus_num_retries).training_graph()

        loss = reduction_ops.reduce_sum(losses)
        summary_ops.scalar('loss/raw', loss)
        incr_step = state_ops.assign_add(training_util.get_global_step(), 1)
        training_op = control_flow_ops.with_dependencies([training_op, incr_step], loss)

        training_hooks = [_InitializeClustersHook(init_op, is_initialized, config.is_chief)]
        if self._relative_tolerance is not None:
            training_hooks.append(_LossRelativeChangeHook(loss, self._relative_tolerance))

        export_outputs = {
            KMeansClustering.ALL_DISTANCES: export_output.PredictOutput(all_distances[0]),
            KMeansClustering.CLUSTER_INDEX: export_output.PredictOutput(model_predictions[0]),
            signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY: export_output.PredictOutput(model_predictions[0]),
        }
        return EstimatorSpec(
            mode=mode,
            predictions={KMeansClustering.ALL_DISTANCES: all_distances[0],
                         KMeansClustering.CLUSTER_INDEX: model_predictions[0]},
            loss=loss, train_op=training_op, eval_metric_ops={KMeansClustering.SCORE: mean(loss)},
            training_hooks=training_hooks, export_outputs=export_outputs)


class KMeansClustering(Estimator):
    """An Estimator for k-means clustering (full-batch Lloyd or mini-batch; see ops/kmeans.py)."""

    SQUARED_EUCLIDEAN_DISTANCE = clustering.SQUARED_EUCLIDEAN_DISTANCE
    COSINE_DISTANCE = clustering.COSINE_DISTANCE
    RANDOM_INIT = clustering.RANDOM_INIT
    KMEANS_PLUS_PLUS_INIT = clustering.KMEANS_PLUS_PLUS_INIT
    SCORE = 'score'                    # evaluate(): the sum of distances to the nearest centers
    CLUSTER_INDEX = 'cluster_index'    # predict(): the nearest center of each point
    ALL_DISTANCES = 'all_distances'    # predict(): the distance of each point to each center
    CLUSTER_CENTERS_VAR_NAME = clustering.CLUSTERS_VAR_NAME

    _graph_class = clustering.KMeans
    _transform_takes_sqrt = True       # TF 1.15 core: transform() gives Euclidean distances

    def __init__(self, num_clusters, model_dir=None, initial_clusters=RANDOM_INIT,
                 distance_metric=SQUARED_EUCLIDEAN_DISTANCE, seed=None, use_mini_batch=True,
                 mini_batch_steps_per_iteration=1, kmeans_plus_plus_num_retries=2, relative_tolerance=None,
                 config=None, feature_columns=None):
        if isinstance(initial_clusters, str) and initial_clusters not in (self.RANDOM_INIT,
                                                                          self.KMEANS_PLUS_PLUS_INIT):
            raise ValueError("Unsupported initialization algorithm '%s'" % initial_clusters)
        if distance_metric not in (self.SQUARED_EUCLIDEAN_DISTANCE, self.COSINE_DISTANCE):
            raise ValueError("Unsupported distance metric '%s'" % distance_metric)
        self._distance_metric = distance_metric
        model_fn = _ModelFn(num_clusters, initial_clusters, distance_metric, seed, use_mini_batch,
                            mini_batch_steps_per_iteration, kmeans_plus_plus_num_retries, relative_tolerance,
                            feature_columns, self._graph_class).model_fn
        super().__init__(model_fn=model_fn, model_dir=model_dir, config=config)

    def _predict_one_key(self, input_fn, predict_key):
        for result in self.predict(input_fn=input_fn, predict_keys=[predict_key]):
            yield result[predict_key]

    def predict_cluster_index(self, input_fn):
        """Yields the index of the nearest center of each input point."""
        yield from self._predict_one_key(input_fn, self.CLUSTER_INDEX)

    def score(self, input_fn):
        """The sum of distances from the points of input_fn's first batch to their nearest centers."""
        return self.evaluate(input_fn=input_fn, steps=1)[self.SCORE]

    def transform(self, input_fn):
        """Yields each point's distances to all centers."""
        take_sqrt = self._transform_takes_sqrt and self._distance_metric == self.SQUARED_EUCLIDEAN_DISTANCE
        for distances in self._predict_one_key(input_fn, self.ALL_DISTANCES):
            yield np.sqrt(distances) if take_sqrt else distances

    def cluster_centers(self):
        """The cluster centers of the latest checkpoint."""
        return self.get_variable_value(self.CLUSTER_CENTERS_VAR_NAME)
