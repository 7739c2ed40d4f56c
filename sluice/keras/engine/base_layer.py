"""tf.keras.layers.Layer: TF 1.15's Keras layer contract, in graph mode.

A layer is named once, at construction (`dense`, `dense_1`, ... per graph, see backend.unique_object_name).
`__call__(inputs, *args, **kwargs)`:
1. converts NumPy/Python inputs to tensors, checks them against `input_spec`, passes the inputs' masks as
   `mask` when `call` takes one;
2. opens `name_scope(layer.name)` (so a second call's ops go to 'dense_1/'; variables made in `build` are
   '<scope>/kernel'), builds once from the inputs' shapes (the dtype comes from the first input when the
   layer has none) and sets `weights=` given at construction;
3. runs `call`, adds activity-regularizer losses (mean over the batch), sets the outputs' `_keras_mask`;
4. when every input came from a layer (`_keras_history`), records a Node and tags the outputs, which is
   what the functional Model reads.
`add_weight` makes a resource variable (TF 1.15's make_variable: use_resource=True, initial value from the
initializer, glorot_uniform by default for floats, zeros for ints) and hands it to the backend, whose
`get_session()` initializes it. Layers and variables assigned to public attributes (or lists of them) are
tracked, so a layer's weights include its sublayers' (Keras's attribute tracking, for subclassed layers and
models; later mutations of such a list are not seen).
tf.layers.Layer (sluice/layers/base.py) subclasses this class, as in TF 1.15: it overrides naming, `add_weight`
(tf.get_variable in the layer's variable scope), `add_loss` and `__call__` (which enters that scope around
this `__call__`); every tf.layers class is its Keras class plus that base.
"""
import contextlib
import inspect

import numpy as np

from sluice.python.util import nest
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend
from sluice.keras.engine import node as node_module
from sluice.keras.engine.input_spec import InputSpec, assert_input_compatibility
from sluice.keras.utils.generic_utils import to_snake_case
from sluice.ops import array_ops, math_ops, variables as _variables
from sluice.ops.variable_scope import VariableAggregation, VariableSynchronization

__all__ = ['Layer', 'InputSpec']

_ALLOWED_KWARGS = {'input_shape', 'batch_input_shape', 'batch_size', 'weights', 'activity_regularizer', 'autocast'}


def _initializer(identifier):
    from sluice.keras import initializers
    return initializers.get(identifier)


def _regularizer(identifier):
    from sluice.keras import regularizers
    return regularizers.get(identifier)


def _constraint(identifier):
    from sluice.keras import constraints
    return constraints.get(identifier)


def default_initializer(dtype, name, layer_name):
    """Keras's default: glorot_uniform for floats, zeros for integers and bools."""
    if dtype.is_floating:
        return _initializer('glorot_uniform')
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool:
        return _initializer('zeros')
    raise ValueError('An initializer for variable %s of type %s is required for layer %s' %
                     (name, dtype.base_dtype, layer_name))


def weight_trainable(trainable, synchronization):
    """Whether a new weight trains: `trainable` (None: True); an ON_READ weight never does (ValueError if asked)."""
    if synchronization == VariableSynchronization.ON_READ:
        if trainable:
            raise ValueError('Synchronization value can be set to VariableSynchronization.ON_READ only for '
                             'non-trainable variables. You have specified trainable=True and '
                             'synchronization=VariableSynchronization.ON_READ.')
        return False
    return True if trainable is None else trainable


@contextlib.contextmanager
def _init_scope():
    """TF's init_scope for weights: one made while a loop body or branch is built (a Keras cell in
    tf.nn.dynamic_rnn) is made once in the graph around every function, under the full name scope
    ('rnn/while/simple_rnn_cell/kernel'); the body reads it as a capture."""
    if not isinstance(subgraph.current_graph(), subgraph.FuncGraph):
        yield
        return
    full = subgraph.inlined_name_scope()
    with subgraph.outermost_graph(), _graph.get_default_graph().name_scope(full + '/' if full else None):
        yield


class Layer:
    """Base class of Keras layers: `build` makes weights, `call` maps inputs to outputs."""

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        for key in kwargs:
            if key not in _ALLOWED_KWARGS:
                raise TypeError('Keyword argument not understood:', key)
        self._trainable = trainable
        self.stateful = False
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self._init_set_name(name)
        self._activity_regularizer = kwargs.pop('activity_regularizer', None)
        self._maybe_create_attribute('_trainable_weights', [])
        self._maybe_create_attribute('_non_trainable_weights', [])
        self._maybe_create_attribute('_layers', [])
        self._updates, self._losses, self._callable_losses, self._metrics = [], [], [], []
        self._conditional_loss_ids = set()  # ids of losses added with `inputs` (Tensors take no new attributes)
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype).base_dtype.name
        self._inbound_nodes, self._outbound_nodes = [], []
        self._dynamic = dynamic
        params = inspect.signature(self.call).parameters
        self._call_fn_args = [p for p in params if params[p].kind not in (inspect.Parameter.VAR_POSITIONAL,
                                                                          inspect.Parameter.VAR_KEYWORD)]
        self._call_accepts_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())
        self._expects_training_arg = 'training' in self._call_fn_args or self._call_accepts_kwargs
        self._expects_mask_arg = 'mask' in self._call_fn_args or self._call_accepts_kwargs
        if 'input_shape' in kwargs or 'batch_input_shape' in kwargs:
            if 'batch_input_shape' in kwargs:
                self._batch_input_shape = tuple(kwargs['batch_input_shape'])
            else:
                self._batch_input_shape = (kwargs.get('batch_size'),) + tuple(kwargs['input_shape'])
        self._initial_weights = kwargs.get('weights')

    def _init_set_name(self, name, zero_based=True):
        if not name:
            self._name = backend.unique_object_name(to_snake_case(type(self).__name__), zero_based=zero_based)
        else:
            self._name = name

    def _maybe_create_attribute(self, name, default):
        if not hasattr(self, name):
            object.__setattr__(self, name, default)

    # -- attribute tracking ------------------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if not name.startswith('_'):  # private attributes are the layer's own bookkeeping
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, Layer) and item is not self:
                    self._maybe_create_attribute('_layers', [])
                    if not any(item is known for known in self._layers):
                        self._layers.append(item)
                elif isinstance(item, _variables.Variable) and hasattr(self, '_trainable_weights'):
                    # A variable made outside add_weight (self.w = tf.Variable(...)) counts as a weight.
                    known = self._trainable_weights + self._non_trainable_weights
                    if not any(item is w for w in known):
                        (self._trainable_weights if item.trainable else self._non_trainable_weights).append(item)
        object.__setattr__(self, name, value)

    def _gather_children_attribute(self, attribute):
        return [x for layer in getattr(self, '_layers', []) for x in getattr(layer, attribute)]

    @staticmethod
    def _dedup_weights(weights):
        seen, out = set(), []
        for w in weights:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        return out

    # -- properties ----------------------------------------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    dynamic = property(lambda self: self._dynamic)
    inbound_nodes = property(lambda self: self._inbound_nodes)
    outbound_nodes = property(lambda self: self._outbound_nodes)
    metrics = property(lambda self: list(self._metrics))

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in getattr(self, '_layers', []):
            layer.trainable = value

    @property
    def activity_regularizer(self):
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, regularizer):
        self._activity_regularizer = regularizer

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self._dedup_weights(self._trainable_weights + self._gather_children_attribute('trainable_weights'))

    @property
    def non_trainable_weights(self):
        if self.trainable:
            weights = self._non_trainable_weights + self._gather_children_attribute('non_trainable_weights')
        else:
            weights = self._trainable_weights + self._non_trainable_weights + \
                self._gather_children_attribute('weights')
        return self._dedup_weights(weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)
    variables = property(lambda self: self.weights)

    @property
    def updates(self):
        if not self.trainable and not self.stateful:
            return []
        return list(self._updates) + self._gather_children_attribute('updates')

    @property
    def losses(self):
        own = list(self._losses)
        for make in self._callable_losses:
            loss = make()
            if loss is not None:
                own.append(loss)
        return own + self._gather_children_attribute('losses')

    def add_loss(self, losses, inputs=None):
        """Loss tensors (or zero-argument callables, evaluated when `losses` is read) this layer adds."""
        for loss in nest.flatten(losses):
            if loss is None:
                continue
            if callable(loss) and not _graph.is_tensor(loss):
                self._callable_losses.append(loss)
                continue
            if not _graph.is_tensor(loss):
                loss = _graph.convert_to_tensor(loss, dtype=backend.floatx())
            if inputs is not None:
                self._conditional_loss_ids.add(id(loss))
            self._losses.append(loss)

    def add_update(self, updates, inputs=None):
        for update in nest.flatten(updates):
            if callable(update) and not isinstance(update, _graph.Operation) and not _graph.is_tensor(update):
                update = update()
            self._updates.append(update if isinstance(update, _graph.Operation) else
                                 getattr(update, 'op', update))

    def get_updates_for(self, inputs):
        return self.updates if inputs is not None else []

    def get_losses_for(self, inputs):
        if inputs is None:
            return [x for x in self.losses if id(x) not in self._all_conditional_loss_ids()]
        return [x for x in self.losses if id(x) in self._all_conditional_loss_ids()]

    def _all_conditional_loss_ids(self):
        ids = set(self._conditional_loss_ids)
        for layer in getattr(self, '_layers', []):
            ids |= layer._all_conditional_loss_ids()
        return ids

    # -- weights ---------------------------------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, partitioner=None, use_resource=None,
                   synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE, **kwargs):
        """A resource variable '<name scope>/<name>' (shape () by default), tracked and initialized by Keras."""
        for key in kwargs:
            if key not in ('getter', 'collections', 'experimental_autocast'):
                raise TypeError('Unknown keyword argument:', key)
        if partitioner is not None:
            raise NotImplementedError('sluice does not implement partitioned Keras weights yet')
        shape = () if shape is None else shape
        dtype = dtypes.as_dtype(dtype or self.dtype or backend.floatx())
        if self._dtype is None:
            self._dtype = dtype.base_dtype.name
        trainable = weight_trainable(trainable, synchronization)
        initializer = _initializer(initializer) if initializer is not None else \
            default_initializer(dtype, name, self.name)
        if isinstance(initializer, type):
            initializer = initializer()
        regularizer = _regularizer(regularizer)
        getter = kwargs.get('getter')
        shape = TensorShape(shape)
        if getter is not None:
            variable = getter(name=name, shape=shape, dtype=dtype, initializer=initializer, trainable=trainable,
                              constraint=_constraint(constraint))
        else:
            with _init_scope(), _graph.get_default_graph().control_dependencies(None):
                variable = _variables.Variable(
                    initial_value=lambda: initializer(shape.as_list(), dtype=dtype), name=name,
                    trainable=trainable, dtype=dtype.base_dtype, constraint=_constraint(constraint),
                    use_resource=True if use_resource is None else use_resource,
                    collections=kwargs.get('collections'), synchronization=synchronization,
                    aggregation=aggregation, shape=shape)
        backend.track_variable(variable)
        if regularizer is not None:
            scope_name = variable.name[:variable.name.find(':')]
            self._handle_weight_regularization(scope_name, variable, regularizer)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(variable)
        return variable

    add_variable = add_weight

    def _handle_weight_regularization(self, name, variable, regularizer):
        def loss():
            with backend.name_scope(name + '/Regularizer'):
                return regularizer(variable)
        self.add_loss(loss)

    def get_weights(self):
        return backend.batch_get_value(self.weights)

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError('You called `set_weights(weights)` on layer "' + self.name + '" with a  weight list '
                             'of length ' + str(len(weights)) + ', but the layer was expecting ' +
                             str(len(params)) + ' weights. Provided weights: ' + str(weights)[:50] + '...')
        pairs = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape.as_list()) != w.shape:
                raise ValueError('Layer weight shape ' + str(tuple(p.shape.as_list())) +
                                 ' not compatible with provided weight shape ' + str(w.shape))
            pairs.append((p, w))
        backend.batch_set_value(pairs)

    def count_params(self):
        if not self.built:
            raise ValueError('You tried to call `count_params` on ' + self.name + ', but the layer isn\'t built. '
                             'You can build it manually via: `' + self.name + '.build(batch_input_shape)`.')
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- building and calling --------------------------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError('sluice does not compute output shapes of %s in graph mode (TF 1.15 neither): '
                                  'override compute_output_shape' % type(self).__name__)

    def compute_mask(self, inputs, mask=None):
        if not self.supports_masking:
            if any(m is not None for m in nest.flatten(mask)):
                raise TypeError('Layer ' + self.name + ' does not support masking, but was passed an input_mask: '
                                + str(mask))
            return None
        return mask

    def _name_scope(self):
        return self.name

    def __call__(self, inputs, *args, **kwargs):
        if any(isinstance(x, (np.ndarray, float, int)) for x in nest.flatten(inputs)):
            inputs = nest.map_structure(
                lambda x: _graph.convert_to_tensor(x) if isinstance(x, (np.ndarray, float, int)) else x, inputs)
        input_masks = self._collect_input_masks(inputs)
        mask_by_framework = False
        if self._expects_mask_arg and input_masks is not None and not self._arg_passed('mask', args, kwargs):
            kwargs['mask'] = input_masks
            mask_by_framework = True
        if 'training' in kwargs and not self._expects_training_arg:
            kwargs.pop('training')
        training_by_framework = False
        if self._expects_training_arg and not self._arg_passed('training', args, kwargs) and \
                backend.global_learning_phase_is_set():
            kwargs['training'] = bool(backend.learning_phase())
            training_by_framework = True
        assert_input_compatibility(self.input_spec, inputs, self.name)
        with backend.get_graph().as_default(), backend.name_scope(self._name_scope()):
            self._maybe_build(inputs)
            outputs = self.call(inputs, *args, **kwargs)
            if outputs is None:
                raise ValueError("A layer's `call` method should return a Tensor or a list of Tensors, not None "
                                 '(layer: ' + self.name + ').')
            if all(hasattr(x, '_keras_history') for x in nest.flatten(inputs)):
                if training_by_framework:
                    kwargs.pop('training')
                if mask_by_framework:
                    kwargs.pop('mask')
                outputs = self._set_connectivity_metadata(inputs, outputs, args, kwargs)
            self._handle_activity_regularization(inputs, outputs)
            self._set_mask_metadata(inputs, outputs, input_masks)
            if hasattr(self, '_set_inputs') and not getattr(self, 'inputs', None):
                self._set_inputs(inputs, outputs)
        return outputs

    def apply(self, inputs, *args, **kwargs):
        return self.__call__(inputs, *args, **kwargs)

    def _arg_passed(self, arg_name, args, kwargs):
        if arg_name in kwargs:
            return True
        positional = self._call_fn_args[1:]  # after `inputs`
        return arg_name in positional[:len(args)]

    def _maybe_build(self, inputs):
        if self.built:
            return
        first = nest.flatten(inputs)[0]
        if self._dtype is None and hasattr(first, 'dtype'):
            self._dtype = first.dtype.base_dtype.name
        shapes = nest.map_structure(lambda x: x.shape if hasattr(x, 'shape') else None, inputs)
        if isinstance(shapes, (list, tuple)) and len(shapes) == 1 and not isinstance(inputs, (list, tuple)):
            shapes = shapes[0]
        self.build(shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _collect_input_masks(self, inputs):
        masks = nest.map_structure(lambda x: getattr(x, '_keras_mask', None), inputs)
        return None if all(m is None for m in nest.flatten(masks)) else masks

    def _set_mask_metadata(self, inputs, outputs, previous_mask):
        flat = nest.flatten(outputs)
        if all(getattr(x, '_keras_mask', None) is not None for x in flat):
            return  # call() set them
        if not self.supports_masking and previous_mask is None and \
                type(self).compute_mask is Layer.compute_mask:
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for x, m in zip(flat, nest.flatten(masks) if isinstance(masks, (list, tuple)) else [masks] * len(flat)):
            try:
                x._keras_mask = m
            except AttributeError:
                pass

    def _handle_activity_regularization(self, inputs, outputs):
        if not self._activity_regularizer:
            return
        for output in nest.flatten(outputs):
            with backend.name_scope('ActivityRegularizer'):
                loss = self._activity_regularizer(output)
                batch = math_ops.cast(array_ops.shape(output)[0], loss.dtype)
                self.add_loss(loss / batch, inputs=inputs)

    # -- connectivity --------------------------------------------------------------------------------------------
    def _set_connectivity_metadata(self, inputs, outputs, args, kwargs):
        # An output that is an input (an identity layer) gets a fresh tensor so each has its own history.
        input_ids = set(id(x) for x in nest.flatten(inputs))
        from sluice.ops import graph_ops
        outputs = nest.map_structure(lambda x: graph_ops.identity(x) if id(x) in input_ids else x, outputs)
        arguments = dict(kwargs)
        if args:
            arguments['_positional'] = args
        history = [x._keras_history for x in nest.flatten(inputs)]
        node_module.Node(self, inbound_layers=nest.pack_sequence_as(inputs, [h.layer for h in history]),
                         node_indices=nest.pack_sequence_as(inputs, [h.node_index for h in history]),
                         tensor_indices=nest.pack_sequence_as(inputs, [h.tensor_index for h in history]),
                         input_tensors=inputs, output_tensors=outputs, arguments=arguments)
        node_index = len(self._inbound_nodes) - 1
        for i, x in enumerate(nest.flatten(outputs)):
            x._keras_history = node_module.KerasHistory(self, node_index, i)
        return outputs

    def _node_attribute(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError('The layer has never been called and thus has no defined ' + attr_name + '.')
        if not len(self._inbound_nodes) > node_index:
            raise ValueError('Asked to get ' + attr_name + ' at node ' + str(node_index) + ', but the layer has only ' +
                             str(len(self._inbound_nodes)) + ' inbound nodes.')
        values = getattr(self._inbound_nodes[node_index], attr)
        return values[0] if isinstance(values, list) and len(values) == 1 else values

    def get_input_at(self, node_index):
        return self._node_attribute(node_index, 'input_tensors', 'input')

    def get_output_at(self, node_index):
        return self._node_attribute(node_index, 'output_tensors', 'output')

    def get_input_shape_at(self, node_index):
        return self._node_attribute(node_index, 'input_shapes', 'input shape')

    def get_output_shape_at(self, node_index):
        return self._node_attribute(node_index, 'output_shapes', 'output shape')

    def get_input_mask_at(self, node_index):
        inputs = self.get_input_at(node_index)
        return nest.map_structure(lambda x: getattr(x, '_keras_mask', None), inputs)

    def get_output_mask_at(self, node_index):
        outputs = self.get_output_at(node_index)
        return nest.map_structure(lambda x: getattr(x, '_keras_mask', None), outputs)

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError('Layer ' + self.name + ' is not connected, no input to return.')
        return self._node_attribute(0, 'input_tensors', 'input')

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError('Layer ' + self.name + ' has no inbound nodes.')
        return self._node_attribute(0, 'output_tensors', 'output')

    input_mask = property(lambda self: self.get_input_mask_at(0))
    output_mask = property(lambda self: self.get_output_mask_at(0))

    @property
    def input_shape(self):
        if not self._inbound_nodes:
            raise AttributeError('The layer has never been called and thus has no defined input shape.')
        shapes = set(str(node.input_shapes) for node in self._inbound_nodes)
        if len(shapes) == 1:
            return self._inbound_nodes[0].input_shapes
        raise AttributeError('The layer "' + str(self.name) + ' has multiple inbound nodes, with different input '
                             'shapes. Hence the notion of "input shape" is ill-defined for the layer. Use '
                             '`get_input_shape_at(node_index)` instead.')

    @property
    def output_shape(self):
        if not self._inbound_nodes:
            raise AttributeError('The layer has never been called and thus has no defined output shape.')
        shapes = set(str(node.output_shapes) for node in self._inbound_nodes)
        if len(shapes) == 1:
            return self._inbound_nodes[0].output_shapes
        raise AttributeError('The layer "%s" has multiple inbound nodes, with different output shapes. Hence the '
                             'notion of "output shape" is ill-defined for the layer. Use '
                             '`get_output_shape_at(node_index)` instead.' % self.name)

    # -- config ---------------------------------------------------------------------------------------------------
    def get_config(self):
        config = {'name': self.name, 'trainable': self.trainable}
        if hasattr(self, '_batch_input_shape'):
            config['batch_input_shape'] = self._batch_input_shape
        config['dtype'] = self.dtype
        own_init = type(self).__init__
        if own_init is not Layer.__init__ and type(self).get_config is Layer.get_config:
            extra = [p for p in inspect.signature(own_init).parameters
                     if p not in ('self', 'trainable', 'name', 'dtype', 'dynamic', 'args', 'kwargs')]
            if extra:
                raise NotImplementedError('Layers with arguments in `__init__` must override `get_config`.')
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
