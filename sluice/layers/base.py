"""tf.layers.Layer: the TF 1.x layer contract that every tf.layers class builds on.

A layer owns a variable scope, fixed the first time it is called (or given as `_scope`): without a name
it opens `variable_scope(None, default_name=<snake_case class name>)`, so unnamed layers get the scopes
dense, dense_1, ...; with `_reuse=True` it opens the named scope for reuse. `__call__`:

1. enters that scope with `auxiliary_name_scope=False` (reuse=True once built) and then its
   `original_name_scope`, so a second call re-enters 'dense/' and its ops are named 'dense/MatMul_1';
2. checks the inputs against `input_spec` (TF's messages), infers the dtype from the first input,
   builds once (`build(input_shape)`; `add_weight` is `tf.get_variable` in the layer's scope);
3. calls `call`, adds activity-regularizer losses (mean over the batch, in 'ActivityRegularizer');
4. adds the layer's updates to GraphKeys.UPDATE_OPS; weight-regularizer losses go to
   GraphKeys.REGULARIZATION_LOSSES when the weight is first created (in '<weight>/Regularizer').

The Python-side name comes from a per-graph counter (Keras's unique_object_name: the first unnamed
Dense is named 'dense_1' while its scope is 'dense', as in TF 1.15).
"""
import collections
import inspect
import re
import weakref

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys, convert_to_tensor, name_scope
from sluice.ops import array_ops, control_flow_ops, math_ops, variables
from sluice.ops import variable_scope as vs
from sluice.ops.shape_fns import constant_value
from sluice.layers import arguments

_NAME_UIDS = weakref.WeakKeyDictionary()  # graph -> {base name: count}


def to_snake_case(name):
    """'Conv2DTranspose' -> 'conv2d_transpose', 'BatchNormalization' -> 'batch_normalization'."""
    intermediate = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    insecure = re.sub('([a-z])([A-Z])', r'\1_\2', intermediate).lower()
    return insecure if insecure[0] != '_' else 'private' + insecure


def unique_object_name(base_name):
    uids = _NAME_UIDS.setdefault(_graph.get_default_graph(), collections.defaultdict(int))
    uids[base_name] += 1
    return '%s_%d' % (base_name, uids[base_name])


def smart_cond(pred, true_fn, false_fn, name=None):
    """true_fn() or false_fn() chosen now when `pred` is a Python bool or a constant tensor, else tf.cond.
    None is False: Keras's learning phase, which sluice does not have, defaults to inference."""
    if pred is None:
        return false_fn()
    if isinstance(pred, (bool, int, np.bool_)) and not _graph.is_tensor(pred):
        return true_fn() if pred else false_fn()
    if isinstance(pred, variables.Variable):
        pred = pred.value()
    value = constant_value(pred)
    if value is not None:
        return true_fn() if bool(value) else false_fn()
    return control_flow_ops.cond(pred, true_fn, false_fn, name=name)


def static_bool(pred):
    """The Python value of a bool or constant tensor `pred`, else None (Keras's tf_utils.constant_value)."""
    if pred is None:
        return False
    if isinstance(pred, (bool, int, np.bool_)) and not _graph.is_tensor(pred):
        return bool(pred)
    if isinstance(pred, variables.Variable):
        return None
    value = constant_value(pred)
    return None if value is None else bool(value)


class InputSpec:
    """What a layer accepts: dtype, shape, ndim, max_ndim, min_ndim, and axes ({axis: size})."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = axes or {}

    def __repr__(self):
        return 'InputSpec(%s)' % ', '.join('%s=%s' % (k, v) for k, v in (
            ('dtype', self.dtype), ('shape', self.shape), ('ndim', self.ndim), ('max_ndim', self.max_ndim),
            ('min_ndim', self.min_ndim), ('axes', self.axes)) if v)


def assert_input_compatibility(spec, inputs, layer_name):
    """ValueError, with Keras's messages, when an input breaks the layer's InputSpec."""
    if spec is None:
        return
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    xs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if len(xs) != len(specs):
        raise ValueError('Layer ' + layer_name + ' expects ' + str(len(specs)) + ' inputs, but it received ' +
                         str(len(xs)) + ' input tensors. Inputs received: ' + str(inputs))
    for i, (x, s) in enumerate(zip(xs, specs)):
        if s is None:
            continue
        dims = x.shape._dims
        head = 'Input ' + str(i) + ' of layer ' + layer_name + ' is incompatible with the layer: '
        if s.ndim is not None and (dims is None or len(dims) != s.ndim):
            raise ValueError(head + 'expected ndim=' + str(s.ndim) + ', found ndim=' +
                             str(None if dims is None else len(dims)) + '. Full shape received: ' + str(x.shape))
        if s.max_ndim is not None and dims is not None and len(dims) > s.max_ndim:
            raise ValueError(head + 'expected max_ndim=' + str(s.max_ndim) + ', found ndim=' + str(len(dims)))
        if s.min_ndim is not None and (dims is None or len(dims) < s.min_ndim):
            raise ValueError(head + ': expected min_ndim=' + str(s.min_ndim) + ', found ndim=' +
                             str(None if dims is None else len(dims)) + '. Full shape received: ' + str(x.shape))
        if s.dtype is not None and x.dtype.base_dtype.name != dtypes.as_dtype(s.dtype).name:
            raise ValueError(head + 'expected dtype=' + str(s.dtype) + ', found dtype=' + str(x.dtype))
        if dims is not None:
            for axis, value in s.axes.items():
                if value is not None and dims[int(axis)] not in (value, None):
                    raise ValueError(head + 'expected axis ' + str(axis) + ' of input shape to have value ' +
                                     str(value) + ' but received input with shape ' + str(x.shape))


def _add_to_collection(elements, key):
    collection = _graph.get_default_graph().get_collection_ref(key)
    present = set(id(e) for e in collection)
    for e in elements:
        if id(e) not in present:
            collection.append(e)
            present.add(id(e))


# Keras's model-input keywords (input_shape, ...) mean nothing to a tf.layers graph and are accepted as TF does.
_LAYER_KWARGS = ('_scope', '_reuse', 'activity_regularizer', 'input_shape', 'batch_input_shape', 'batch_size',
                 'autocast', 'input_dim')


class Layer:
    """Base layer (tf.layers.Layer): trainable, name, dtype (None: the first input's dtype)."""

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        for key in kwargs:
            if key in ('weights', 'dynamic'):
                raise NotImplementedError('sluice does not implement tf.layers.Layer(%s=...) yet' % key)
            if key not in _LAYER_KWARGS:
                raise TypeError('Keyword argument not understood:', key)
        scope = kwargs.get('_scope')
        self._reuse = kwargs.get('_reuse')
        self._activity_regularizer = arguments.regularizer(kwargs.get('activity_regularizer'))
        self._trainable = trainable
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._trainable_weights, self._non_trainable_weights = [], []
        self._losses, self._updates, self._conditional_losses = [], [], []
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self.stateful = False
        self._init_set_name(name)
        self._call_fn_args = list(inspect.signature(self.call).parameters)
        self._call_has_scope_arg = 'scope' in self._call_fn_args
        if scope:
            with vs.variable_scope(scope) as captured:
                self._scope = captured
        else:
            self._scope = None
        self._current_scope = None

    def _init_set_name(self, name):
        base = to_snake_case(type(self).__name__)
        if isinstance(name, vs.VariableScope):
            self._base_name, self._name = name.name, unique_object_name(base)
        elif not name:
            self._base_name, self._name = base, unique_object_name(base)
        else:
            self._base_name = self._name = name

    # -- properties ----------------------------------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: None if self._dtype is None else self._dtype.name)
    activity_regularizer = property(lambda self: self._activity_regularizer)
    graph = property(lambda self: None)  # tf.layers no longer track their graph (TF 1.15)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    @property
    def scope_name(self):
        if not self._scope:
            raise ValueError('No name available for layer scope because the layer "' + self._name +
                             '" has not been used yet. The scope name  is determined the first time the layer '
                             'instance is called. You must therefore call the layer before querying `scope_name`.')
        return self._scope.name

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)
    variables = property(lambda self: self.weights)

    @property
    def losses(self):
        return list(self._losses)

    @property
    def updates(self):
        if not self.trainable and not self.stateful:
            return []
        return list(self._updates)

    def get_losses_for(self, inputs):
        conditional = set(id(l) for l in self._conditional_losses)
        return [l for l in self._losses if (id(l) in conditional) == (inputs is not None)]

    def get_updates_for(self, inputs):
        return self.updates if inputs is not None else []

    def count_params(self):
        if not self.built:
            raise ValueError('You tried to call `count_params` on ' + self.name + ', but the layer isn\'t built. '
                             'You can build it manually via: `' + self.name + '.build(batch_input_shape)`.')
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- building --------------------------------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError('sluice does not implement compute_output_shape for %s yet' % type(self).__name__)

    def _name_scope(self):
        return self._current_scope.original_name_scope

    def _set_scope(self, scope=None):
        if self._scope is None:
            if self._reuse:
                with vs.variable_scope(scope if scope is not None else self._base_name) as captured:
                    self._scope = captured
            else:
                with vs.variable_scope(scope, default_name=self._base_name) as captured:
                    self._scope = captured

    def add_loss(self, losses, inputs=None):
        """Adds loss tensors (or zero-argument callables making them) and puts them in REGULARIZATION_LOSSES."""
        new = []
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if callable(loss):
                loss = loss()
            if loss is None:
                continue
            if not _graph.is_tensor(loss):
                loss = convert_to_tensor(loss, dtype=dtypes.float32)
            new.append(loss)
        self._losses.extend(new)
        if inputs is not None:
            self._conditional_losses.extend(new)
        _add_to_collection(new, GraphKeys.REGULARIZATION_LOSSES)

    def add_update(self, updates, inputs=None):
        """Adds update ops: an Operation, a tensor (its op) or a callable making one (called now)."""
        for u in updates if isinstance(updates, (list, tuple)) else [updates]:
            while callable(u) and not isinstance(u, _graph.Operation):
                u = u()
            if not isinstance(u, _graph.Operation):
                u = u.op if hasattr(u, 'op') else convert_to_tensor(u).op
            self._updates.append(u)

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, use_resource=None, synchronization=vs.VariableSynchronization.AUTO,
                   aggregation=vs.VariableAggregation.NONE, partitioner=None, **kwargs):
        """tf.get_variable(name) in the layer's variable scope; the regularizer's loss is added once."""
        for key in kwargs:
            if key != 'experimental_autocast':
                raise TypeError('Unknown keyword argument:', key)
        if synchronization == vs.VariableSynchronization.ON_READ:
            if trainable:
                raise ValueError('Synchronization value can be set to VariableSynchronization.ON_READ only for '
                                 'non-trainable variables. You have specified trainable=True and '
                                 'synchronization=VariableSynchronization.ON_READ.')
            trainable = False
        elif trainable is None:
            trainable = True
        g = _graph.get_default_graph()
        existing = set(id(v) for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES))
        dtype = dtypes.as_dtype(dtype or self._dtype or dtypes.float32)
        if self._dtype is None:
            self._dtype = dtype.base_dtype
        self._set_scope(None)
        reuse = self.built or self._reuse
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with name_scope(self._name_scope()):
                initializer = arguments.initializer(initializer) or scope.initializer or \
                    arguments.default_initializer(dtype, name, self.name)
                variable = vs.get_variable(name, shape, dtype=dtype, initializer=initializer,
                                           trainable=trainable and self.trainable, constraint=constraint,
                                           partitioner=partitioner, use_resource=use_resource,
                                           synchronization=synchronization, aggregation=aggregation)
                regularizer = arguments.regularizer(regularizer)
                # A partitioned variable's weights are its shards, each regularized on its own.
                parts = list(variable) if hasattr(variable, '_get_variable_list') else [variable]
                if regularizer and not any(id(v) in existing for v in parts):
                    for part in parts:
                        with name_scope(name + '/Regularizer'):
                            self.add_loss(regularizer(part))
        # TF's check by identity never finds a PartitionedVariable among TRAINABLE_VARIABLES (its shards
        # are there), so TF files its shards under non_trainable_weights; sluice does the same.
        in_trainable = any(v is variable for v in g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        if trainable and self.trainable and in_trainable:
            self._trainable_weights.extend(parts)
        else:  # non-trainable, or a custom getter overrode `trainable`
            self._non_trainable_weights.extend(parts)
        return variable

    add_variable = add_weight  # Keras's older name, still used by TF 1.x code

    # -- calling ---------------------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        scope = kwargs.pop('scope', None)
        self._set_scope(scope)
        reuse = True if self.built else self._reuse
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            if self._call_has_scope_arg:
                kwargs['scope'] = scope
            if 'training' in kwargs and 'training' not in self._call_fn_args:
                kwargs.pop('training')
            inputs = _convert_inputs(inputs)
            assert_input_compatibility(self.input_spec, inputs, self.name)
            with name_scope(self._name_scope()):
                self._maybe_build(inputs)
                outputs = self.call(inputs, *args, **kwargs)
                if outputs is None:
                    raise ValueError("A layer's `call` method should return a Tensor or a list of Tensors, not "
                                     'None (layer: ' + self.name + ').')
                self._handle_activity_regularization(inputs, outputs)
        _add_to_collection(self.updates, GraphKeys.UPDATE_OPS)
        return outputs

    def apply(self, inputs, *args, **kwargs):
        """The layer applied to inputs (the same as calling it)."""
        return self.__call__(inputs, *args, **kwargs)

    def _maybe_build(self, inputs):
        if self.built:
            return
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        if self._dtype is None and hasattr(first, 'dtype'):
            self._dtype = first.dtype.base_dtype
        shapes = [x.shape for x in inputs] if isinstance(inputs, (list, tuple)) else inputs.shape
        self.build(shapes)
        self.built = True

    def _handle_activity_regularization(self, inputs, outputs):
        if not self._activity_regularizer:
            return
        with name_scope('ActivityRegularizer'):
            for output in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                loss = self._activity_regularizer(output)
                batch = math_ops.cast(array_ops.shape(output)[0], loss.dtype)
                self.add_loss(loss / batch, inputs=inputs)

    def get_weights(self):
        from sluice.engine.session import get_default_session
        return get_default_session().run(self.weights)

    def set_weights(self, weights):
        from sluice.engine.session import get_default_session
        params = self.weights
        if len(params) != len(weights):
            raise ValueError('You called `set_weights(weights)` on layer "' + self.name + '" with a  weight list '
                             'of length ' + str(len(weights)) + ', but the layer was expecting ' +
                             str(len(params)) + ' weights.')
        session = get_default_session()
        for p, w in zip(params, weights):
            p.load(np.asarray(w), session)


def _convert_inputs(inputs):
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_convert_inputs(x) for x in inputs)
    if isinstance(inputs, (np.ndarray, float, int)):
        return convert_to_tensor(inputs)
    return inputs

