"""Model: a Network that compiles a loss and trains (TF 1.15's Keras `training.py`, v1 graph path).

compile() builds, per output (named after its layer: 'dense_1'):
- a target placeholder '<output>_target' (the output's rank and dtype; int32 for sparse categorical
  crossentropy) unless `target_tensors` gives one, and a sample-weight placeholder '<output>_sample_weights'
  defaulting to [1.] (shape [None], or [[1.]] / [None, None] with sample_weight_mode='temporal');
- its loss under name scope 'loss/<output>_loss': the per-sample loss times the sample weights (times the
  output's mask when it has one), summed and divided by the number of elements (TF 1.15's
  SUM_OVER_BATCH_SIZE); the total is the loss-weighted sum plus the layers' regularization losses;
- its metrics: stateful Metric objects (functions wrapped in MeanMetricWrapper), named as TF 1.15 names them
  ('acc', 'mean_absolute_error', 'weighted_acc'; prefixed '<output>_' when there are several outputs, where each
  output's loss is a Mean metric '<output>_loss' too).
`metrics_names` is ['loss'] + those names. The train/test/predict functions are K.functions made on first use:
train feeds inputs, targets, sample weights and the learning phase (True) and runs the optimizer's updates
and the layers' updates after the loss and metrics; test feeds the same without updates; predict feeds inputs.
Subclassed models compile lazily: the graph parts wait until the first call sets the model's inputs.
"""
import numpy as np

from sluice.python.util import nest
from sluice.keras import backend
from sluice.keras.engine import training_utils
from sluice.keras.engine.network import Network
from sluice.ops import array_ops, constant_op, graph_ops, math_ops

__all__ = ['Model']

_COMPILE_KWARGS = ('run_eagerly', 'experimental_run_tf_function', 'target_tensors', 'sample_weight_mode')


def _losses_module():
    from sluice.keras import losses
    return losses


def _metrics_module():
    from sluice.keras import metrics
    return metrics


def _serializable(value):
    """`value` as a JSON-able compile argument (names for functions, configs for optimizers), or None."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_serializable(v) for v in value]
        return None if any(i is None for i in items) else items
    if isinstance(value, dict):
        items = {k: _serializable(v) for k, v in value.items()}
        return None if any(i is None for i in items.values()) else items
    if hasattr(value, 'get_config') and not isinstance(value, Network):
        try:
            return {'class_name': type(value).__name__, 'config': value.get_config()}
        except NotImplementedError:
            return None
    return getattr(value, '__name__', None)


class Model(Network):
    """Groups layers into an object with training and inference features (tf.keras.Model)."""

    _is_compiled = False
    loss = None
    history = None
    stop_training = False
    train_function = test_function = predict_function = None
    _compile_args = None
    _compile_spec = None

    # -- compile ---------------------------------------------------------------------------------------------------
    def compile(self, optimizer='rmsprop', loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, target_tensors=None, distribute=None, **kwargs):
        if distribute is not None:
            raise NotImplementedError('sluice does not implement Keras distribution strategies yet')
        unknown = [k for k in kwargs if k not in _COMPILE_KWARGS]
        if unknown:
            raise TypeError('Invalid keyword argument(s) in `compile`: %s' % (unknown,))
        if kwargs.get('run_eagerly'):
            raise NotImplementedError('sluice runs Keras models in graph mode only (run_eagerly=True is eager)')
        from sluice.keras import optimizers
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss or {}
        self._compile_spec = {'metrics': metrics, 'loss_weights': loss_weights,
                              'sample_weight_mode': sample_weight_mode, 'weighted_metrics': weighted_metrics,
                              'target_tensors': target_tensors}
        args = {'optimizer': _serializable(optimizer), 'loss': _serializable(loss),
                'metrics': _serializable(metrics), 'loss_weights': _serializable(loss_weights),
                'sample_weight_mode': sample_weight_mode, 'weighted_metrics': _serializable(weighted_metrics)}
        self._compile_args = {k: v for k, v in args.items() if v is not None}
        self._is_compiled = True
        self.train_function = self.test_function = self.predict_function = None
        self._compile_pending = False
        if self.outputs:
            self._compile_graph()
        else:
            self._compile_pending = True

    def _on_inputs_set(self):
        # compiled before its inputs existed: the graph parts are built by the next fit/evaluate, outside the
        # model's call scope (targets are 'output_1_target', not '<model>/output_1_target')
        self._compile_pending = self._is_compiled and self._compile_spec is not None

    def _compile_graph(self):
        spec = self._compile_spec
        names = self.output_names
        losses_module = _losses_module()
        self.loss_functions = [None if loss is None else losses_module.get(loss)
                               for loss in training_utils.per_output(self.loss, names, 'loss')]
        self.loss_weights_list = training_utils.loss_weights_per_output(spec['loss_weights'], names)
        self.sample_weight_modes = training_utils.per_output(spec['sample_weight_mode'], names, 'sample_weight_mode')
        target_tensors = self._target_tensors_per_output(spec['target_tensors'])
        with backend.get_graph().as_default():
            self._make_targets(target_tensors)
            self._make_sample_weights()
            self._metric_objects, self._metric_tensors, self._output_loss_metrics = [], [], []
            self.total_loss = self._make_total_loss()
            self._make_metrics(spec['metrics'], spec['weighted_metrics'])
        self._collected_trainable_weights = self.trainable_weights
        self.train_function = self.test_function = self.predict_function = None

    def _target_tensors_per_output(self, target_tensors):
        if target_tensors is None:
            return [None] * len(self.outputs)
        if isinstance(target_tensors, dict):
            return [target_tensors.get(name) for name in self.output_names]
        target_tensors = nest.flatten(target_tensors)
        if len(target_tensors) != len(self.outputs):
            raise ValueError('When passing a list as `target_tensors`, it should have one entry per model output. '
                             'The model has %s outputs, but you passed target_tensors=%s' %
                             (len(self.outputs), target_tensors))
        return target_tensors

    def _make_targets(self, target_tensors):
        self.targets, self._feed_targets, self._feed_output_names, self._feed_output_shapes = [], [], [], []
        self._feed_loss_fns = []
        for output, name, loss_fn, given in zip(self.outputs, self.output_names, self.loss_functions,
                                                 target_tensors):
            if loss_fn is None:
                self.targets.append(None)
                continue
            loss_name = training_utils.loss_function_name(loss_fn)
            if given is not None:
                target = given
            else:
                dtype = 'int32' if loss_name == 'sparse_categorical_crossentropy' else backend.dtype(output)
                target = backend.placeholder(ndim=output.shape.ndims, name=name + '_target', dtype=dtype)
                self._feed_targets.append(target)
                self._feed_output_names.append(name)
                self._feed_output_shapes.append(self._feed_output_shape(output, loss_fn, loss_name))
                self._feed_loss_fns.append(loss_fn)
            self.targets.append(target)

    @staticmethod
    def _feed_output_shape(output, loss_fn, loss_name):
        """The target shape fit checks: the output's, (.., 1) for sparse labels, None for losses users wrote."""
        shape = backend.int_shape(output)
        if loss_name == 'sparse_categorical_crossentropy':
            return None if shape is None else shape[:-1] + (1,)
        module = _losses_module()
        builtin = getattr(module, loss_name, None)
        if builtin is None or not (getattr(loss_fn, 'fn', loss_fn) is builtin or
                                   type(loss_fn).__module__ == module.__name__):
            return None
        return shape

    def _make_sample_weights(self):
        self.sample_weights, self._feed_sample_weights = [], []
        for name, mode, target in zip(self.output_names, self.sample_weight_modes, self.targets):
            if target is None:
                self.sample_weights.append(None)
                continue
            temporal = mode == 'temporal'
            default = constant_op.constant([[1.]] if temporal else [1.], dtype=backend.floatx())
            weights = graph_ops.placeholder_with_default(default, shape=[None, None] if temporal else [None],
                                                         name=name + '_sample_weights')
            self.sample_weights.append(weights)
            self._feed_sample_weights.append(weights)

    def _output_loss(self, loss_fn, y_true, y_pred, weights):
        per_sample = loss_fn.call(y_true, y_pred) if hasattr(loss_fn, 'reduction') and hasattr(loss_fn, 'call') \
            else loss_fn(y_true, y_pred)
        per_sample = math_ops.cast(per_sample, backend.floatx())
        mask = getattr(y_pred, '_keras_mask', None)
        if mask is not None:
            weights = weights * math_ops.cast(mask, backend.floatx())
        loss_rank, weight_rank = per_sample.shape.ndims, weights.shape.ndims
        if loss_rank is not None and weight_rank is not None:
            for _ in range(loss_rank - weight_rank):
                weights = array_ops.expand_dims(weights, -1)
        weighted = per_sample * weights
        total = math_ops.reduce_sum(weighted)
        if str(getattr(loss_fn, 'reduction', '')).lower().endswith('sum'):
            return total
        return math_ops.div_no_nan(total, math_ops.cast(array_ops.size(weighted), backend.floatx()))

    def _make_total_loss(self):
        metrics_module = None
        total = None
        with backend.name_scope('loss'):
            for output, name, loss_fn, target, weights, loss_weight in zip(
                    self.outputs, self.output_names, self.loss_functions, self.targets, self.sample_weights,
                    self.loss_weights_list):
                if loss_fn is None:
                    continue
                with backend.name_scope(name + '_loss'):
                    output_loss = self._output_loss(loss_fn, target, output, weights)
                if len(self.outputs) > 1:
                    metrics_module = metrics_module or _metrics_module()
                    mean = metrics_module.Mean(name=name + '_loss')
                    self._output_loss_metrics.append(mean)
                    self._metric_objects.append(mean)
                    self._metric_tensors.append((name + '_loss', mean(output_loss)))
                term = output_loss if loss_weight == 1. else loss_weight * output_loss
                total = term if total is None else total + term
            regularization = [math_ops.cast(loss, backend.floatx()) for loss in self.losses]
            if regularization:
                reg = math_ops.add_n(regularization)
                total = reg if total is None else total + reg
        if total is None:
            raise ValueError('The model cannot be compiled because it has no loss to optimize.')
        return total

    def _make_metrics(self, metrics, weighted_metrics):
        metrics_module = _metrics_module()
        names = self.output_names
        existing = set(['loss'] + [n for n, _ in self._metric_tensors])
        for weighted, spec in ((False, metrics), (True, weighted_metrics)):
            for i, identifiers in enumerate(training_utils.metrics_per_output(spec, names)):
                target, output = self.targets[i], self.outputs[i]
                if target is None:
                    continue
                for identifier in identifiers:
                    if hasattr(identifier, 'update_state') and hasattr(identifier, 'reset_states'):
                        metric, base = identifier, ('weighted_' if weighted else '') + identifier.name
                    else:
                        fn = training_utils.metric_function(identifier, backend.int_shape(output),
                                                            self.loss_functions[i], metrics_module)
                        base = training_utils.metric_name(identifier, metrics_module, weighted)
                        metric = fn
                    name = training_utils.unique_name((names[i] + '_' + base) if len(names) > 1 else base, existing)
                    existing.add(name)
                    if not hasattr(metric, 'update_state'):
                        metric = metrics_module.MeanMetricWrapper(metric, name=name)
                    with backend.name_scope(name):
                        value = metric(target, output, sample_weight=self.sample_weights[i] if weighted else None)
                    self._metric_objects.append(metric)
                    self._metric_tensors.append((name, value))

    @property
    def metrics_names(self):
        if not self._is_compiled or not hasattr(self, 'total_loss'):
            return []
        return ['loss'] + [name for name, _ in self._metric_tensors]

    @property
    def metrics(self):
        return list(getattr(self, '_metric_objects', []))

    def reset_metrics(self):
        for metric in getattr(self, '_metric_objects', []):
            metric.reset_states()

    # -- the train, test and predict functions ----------------------------------------------------------------------
    def _learning_phase_feed(self):
        phase = backend.learning_phase()
        return [] if isinstance(phase, int) else [backend.symbolic_learning_phase()]

    def _make_train_function(self):
        self._assert_compile_was_called()
        if self.train_function is None:
            inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights + self._learning_phase_feed()
            with backend.get_graph().as_default(), backend.name_scope('training'):
                with backend.name_scope(type(self.optimizer).__name__):
                    updates = self.optimizer.get_updates(params=self._collected_trainable_weights,
                                                         loss=self.total_loss)
                updates = list(updates) + list(self.updates)
                self.train_function = backend.function(
                    inputs, [self.total_loss] + [t for _, t in self._metric_tensors], updates=updates,
                    name='train_function')
        return self.train_function

    def _make_test_function(self):
        self._assert_compile_was_called()
        if self.test_function is None:
            inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
            self.test_function = backend.function(inputs, [self.total_loss] + [t for _, t in self._metric_tensors],
                                                  updates=list(self.state_updates), name='test_function')
        return self.test_function

    def _make_predict_function(self):
        if self.predict_function is None:
            self.predict_function = backend.function(self._feed_inputs, list(self.outputs),
                                                     updates=list(self.state_updates), name='predict_function')
        return self.predict_function

    def _assert_compile_was_called(self):
        if not self.optimizer:
            raise RuntimeError('You must compile your model before training/testing. Use '
                               '`model.compile(optimizer, loss)`.')

    # -- data --------------------------------------------------------------------------------------------------------
    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None, check_steps=False,
                               batch_size=None, steps=None, steps_name='steps', predict=False):
        """[inputs], [targets], [sample weights or None] as arrays, checked against the model's placeholders."""
        if not self.inputs:
            self._set_inputs(x)
            if not self.inputs:
                raise ValueError('The model could not set its inputs from the data given.')
        if not predict:
            self._assert_compile_was_called()
        if getattr(self, '_compile_pending', False):
            self._compile_pending = False
            self._compile_graph()
        x = training_utils.standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                                  check_batch_axis=False, exception_prefix='input')
        if predict:
            return x, [], []
        if y is None and self._feed_targets:
            raise ValueError('You passed `y=None`, but the model has targets to fit: pass the targets as `y`.')
        y = training_utils.standardize_input_data(y, self._feed_output_names, self._feed_output_shapes,
                                                  check_batch_axis=False, exception_prefix='target')
        # one weight array per output that has a target (fed or given as a tensor), as _feed_sample_weights
        weighted = [(name, mode) for name, mode, t in zip(self.output_names, self.sample_weight_modes, self.targets)
                    if t is not None]
        names = [name for name, _ in weighted]
        sample_weights = training_utils.standardize_sample_or_class_weights(sample_weight, names, 'sample_weight')
        class_weights = training_utils.standardize_sample_or_class_weights(class_weight, names, 'class_weight')
        fed_targets = dict(zip(self._feed_output_names, y))
        weights = []
        for (name, mode), sw, cw in zip(weighted, sample_weights, class_weights):
            if name in fed_targets:
                weights.append(training_utils.standardize_weights(fed_targets[name], sw, cw, mode))
            else:  # the target is a tensor: nothing to take class weights from
                weights.append(None if sw is None else np.asarray(sw))
        training_utils.check_array_lengths(x, y, weights)
        return x, y, weights

    # -- fit, evaluate, predict -------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        from sluice.keras.engine import training_arrays, training_generator
        if training_generator.is_batch_source(x):
            return training_generator.fit_generator(
                self, x, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose, callbacks=callbacks,
                validation_data=validation_data, validation_steps=validation_steps, validation_freq=validation_freq,
                class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch, y=y)
        return training_arrays.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                                   callbacks=callbacks, validation_split=validation_split,
                                   validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                                   sample_weight=sample_weight, initial_epoch=initial_epoch,
                                   steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                                   validation_freq=validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False):
        from sluice.keras.engine import training_arrays, training_generator
        if training_generator.is_batch_source(x):
            return training_generator.evaluate_generator(self, x, steps=steps, callbacks=callbacks, verbose=verbose,
                                                         y=y)
        return training_arrays.evaluate(self, x, y, batch_size=batch_size, verbose=verbose,
                                        sample_weight=sample_weight, steps=steps, callbacks=callbacks)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        from sluice.keras.engine import training_arrays, training_generator
        if training_generator.is_batch_source(x):
            return training_generator.predict_generator(self, x, steps=steps, callbacks=callbacks, verbose=verbose)
        return training_arrays.predict(self, x, batch_size=batch_size, verbose=verbose, steps=steps,
                                       callbacks=callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True):
        x, y, weights = self._standardize_user_data(x, y, sample_weight=sample_weight, class_weight=class_weight)
        from sluice.keras.engine import training_arrays
        outs = training_arrays.run_function(self, 'train', x + y + weights)
        if reset_metrics:
            self.reset_metrics()
        return outs[0] if len(outs) == 1 else outs

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True):
        x, y, weights = self._standardize_user_data(x, y, sample_weight=sample_weight)
        from sluice.keras.engine import training_arrays
        outs = training_arrays.run_function(self, 'test', x + y + weights)
        if reset_metrics:
            self.reset_metrics()
        return outs[0] if len(outs) == 1 else outs

    def predict_on_batch(self, x):
        x, _, _ = self._standardize_user_data(x, predict=True)
        from sluice.keras.engine import training_arrays
        outs = training_arrays.run_function(self, 'predict', x)
        return outs[0] if len(outs) == 1 else outs

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        from sluice.keras.engine import training_generator
        return training_generator.fit_generator(
            self, generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_data=validation_data, validation_steps=validation_steps, validation_freq=validation_freq,
            class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        from sluice.keras.engine import training_generator
        return training_generator.evaluate_generator(self, generator, steps=steps, callbacks=callbacks,
                                                     verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        from sluice.keras.engine import training_generator
        return training_generator.predict_generator(self, generator, steps=steps, callbacks=callbacks,
                                                    verbose=verbose)
