"""tf.layers.Layer: a Keras layer (sluice.keras.engine.base_layer.Layer) with TF 1.x variable-scope semantics,
as TF 1.15 builds it (tensorflow/python/layers/base.py). Every tf.layers class subclasses its Keras class
and this one, so the computation is Keras's; what this class adds:

- a variable scope, fixed the first time the layer is called (or given as `_scope`): without a name it
  opens `variable_scope(None, default_name=<snake_case class name>)`, so unnamed layers get the scopes
  dense, dense_1, ...; with `_reuse=True` it opens the named scope for reuse;
- `__call__` enters that scope with `auxiliary_name_scope=False` (reuse=True once built) and then runs
  Keras's `__call__`, whose name scope is the variable scope's `original_name_scope` (a second call's ops
  are 'dense/MatMul_1'); afterwards the layer's updates go to GraphKeys.UPDATE_OPS;
- `add_weight` is `tf.get_variable` in that scope (the scope's initializer and partitioner apply; the
  weight-regularizer loss is added once, when the variable is first created, in '<weight>/Regularizer');
- losses are tensors made at once and also put in GraphKeys.REGULARIZATION_LOSSES;
- the Python-side name counts from 1 (Keras's unique_object_name, not zero-based: the first unnamed Dense
  is named 'dense_1' while its scope is 'dense', as in TF 1.15).
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys, convert_to_tensor, name_scope
from sluice.keras import backend, initializers, regularizers
from sluice.keras.engine import base_layer
from sluice.keras.engine.input_spec import InputSpec  # noqa: F401  (tf.layers.InputSpec)
from sluice.keras.utils.generic_utils import to_snake_case
from sluice.keras.utils.tf_utils import smart_cond, static_bool  # noqa: F401  (tf.layers' import path)
from sluice.ops import variable_scope as vs


def _add_to_collection(elements, key):
    collection = _graph.get_default_graph().get_collection_ref(key)
    present = set(id(e) for e in collection)
    for e in elements:
        if id(e) not in present:
            collection.append(e)
            present.add(id(e))


class Layer(base_layer.Layer):
    """Base layer (tf.layers.Layer): trainable, name, dtype (None: the first input's dtype)."""
    _is_legacy_layer = True  # Keras models refuse it (keras.utils.tf_utils.assert_no_legacy_layers)

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        for key in ('weights', 'dynamic'):
            if key in kwargs:
                raise NotImplementedError('sluice does not implement tf.layers.Layer(%s=...) yet' % key)
        scope = kwargs.pop('_scope', None)
        self._reuse = kwargs.pop('_reuse', None)
        kwargs.pop('input_dim', None)  # a Keras model-input keyword: nothing to a tf.layers graph
        kwargs['activity_regularizer'] = regularizers.get(kwargs.get('activity_regularizer'))
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._call_has_scope_arg = 'scope' in self._call_fn_args
        if scope:
            with vs.variable_scope(scope) as captured:
                self._scope = captured
        else:
            self._scope = None
        self._current_scope = None

    def _init_set_name(self, name, zero_based=False):
        base = to_snake_case(type(self).__name__)
        if isinstance(name, vs.VariableScope):
            self._base_name, self._name = name.name, backend.unique_object_name(base, zero_based=zero_based)
        elif not name:
            self._base_name, self._name = base, backend.unique_object_name(base, zero_based=zero_based)
        else:
            self._base_name = self._name = name

    graph = property(lambda self: None)  # tf.layers no longer track their graph (TF 1.15)

    @property
    def scope_name(self):
        if not self._scope:
            raise ValueError('No name available for layer scope because the layer "' + self._name +
                             '" has not been used yet. The scope name  is determined the first time the layer '
                             'instance is called. You must therefore call the layer before querying `scope_name`.')
        return self._scope.name

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
        """Loss tensors (callables are called now), also put in GraphKeys.REGULARIZATION_LOSSES."""
        new = []
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if callable(loss) and not _graph.is_tensor(loss):
                loss = loss()
            if loss is None:
                continue
            if not _graph.is_tensor(loss):
                loss = convert_to_tensor(loss, dtype=backend.floatx())
            new.append(loss)
        super().add_loss(new, inputs=inputs)
        _add_to_collection(new, GraphKeys.REGULARIZATION_LOSSES)

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, use_resource=None, synchronization=vs.VariableSynchronization.AUTO,
                   aggregation=vs.VariableAggregation.NONE, partitioner=None, **kwargs):
        """tf.get_variable(name) in the layer's variable scope; the regularizer's loss is added once."""
        for key in kwargs:
            if key != 'experimental_autocast':
                raise TypeError('Unknown keyword argument:', key)
        trainable = base_layer.weight_trainable(trainable, synchronization)
        g = _graph.get_default_graph()
        existing = set(id(v) for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES))
        dtype = dtypes.as_dtype(dtype or self._dtype or dtypes.float32)
        if self._dtype is None:
            self._dtype = dtype.base_dtype.name
        self._set_scope(None)
        reuse = self.built or self._reuse
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with name_scope(self._name_scope()):
                initializer = initializers.get(initializer) or scope.initializer or \
                    base_layer.default_initializer(dtype, name, self.name)
                variable = vs.get_variable(name, shape, dtype=dtype, initializer=initializer,
                                           trainable=trainable and self.trainable, constraint=constraint,
                                           partitioner=partitioner, use_resource=use_resource,
                                           synchronization=synchronization, aggregation=aggregation)
                regularizer = regularizers.get(regularizer)
                # A partitioned variable's weights are its shards, each regularized on its own.
                parts = list(variable) if hasattr(variable, '_get_variable_list') else [variable]
                if regularizer and not any(id(v) in existing for v in parts):
                    for part in parts:
                        with name_scope(name + '/Regularizer'):
                            self.add_loss(regularizer(part))
        for part in parts:
            backend.track_variable(part)
        # TF's check by identity never finds a PartitionedVariable among TRAINABLE_VARIABLES (its shards
        # are there), so TF files its shards under non_trainable_weights; sluice does the same.
        in_trainable = any(v is variable for v in g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        if trainable and self.trainable and in_trainable:
            self._trainable_weights.extend(parts)
        else:  # non-trainable, or a custom getter overrode `trainable`
            self._non_trainable_weights.extend(parts)
        return variable

    add_variable = add_weight  # Keras's older name, still used by TF 1.x code

    def __call__(self, inputs, *args, **kwargs):
        scope = kwargs.pop('scope', None)
        self._set_scope(scope)
        reuse = True if self.built else self._reuse
        with vs.variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            if self._call_has_scope_arg:
                kwargs['scope'] = scope
            outputs = super().__call__(inputs, *args, **kwargs)
        _add_to_collection(self.updates, GraphKeys.UPDATE_OPS)
        return outputs
