"""tf.ResourceVariable (TF1's `use_resource=True` variables) and the switch that makes them the default.

A ResourceVariable named 'v' is, as in TF 1.15's graph mode: 'v' (VarHandleOp, shared_name 'v'),
'v/Initializer/...' (its initial value), 'v/IsInitialized/VarIsInitializedOp', 'v/Assign'
(AssignVariableOp, its initializer) and 'v/Read/ReadVariableOp' (the value its uses read); all
colocated with the handle. It is a sluice Variable whose `_variable` is the handle, so collections,
initializers, MetaGraph VariableDefs (is_resource) and Savers (by the handle's op name) treat it as
TF does. Reads are snapshots; writes (assign, assign_add, assign_sub, scatter_*) are ops without
outputs, and with read_value=True they return a read that runs after the write. Converting it with
as_ref=True gives the handle: tf.gradients with respect to it is with respect to its handle.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.graph import GraphKeys, name_scope
from sluice.ops import graph_ops
from sluice.ops import resource_variable_ops as gen
from sluice.ops import variables

__all__ = ['ResourceVariable', 'enable_resource_variables', 'disable_resource_variables',
           'resource_variables_enabled', 'is_resource_variable']

_DEFAULT_USE_RESOURCE = [False]


def enable_resource_variables():
    """New variables are ResourceVariables unless a scope or get_variable says otherwise."""
    _DEFAULT_USE_RESOURCE[0] = True


def disable_resource_variables():
    _DEFAULT_USE_RESOURCE[0] = False


def resource_variables_enabled():
    return _DEFAULT_USE_RESOURCE[0]


def is_resource_variable(var):
    return isinstance(var, ResourceVariable)


class ResourceVariable(variables.Variable):
    """A variable read and written through a resource handle (TF1's ResourceVariable in graph mode)."""

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, dtype=None, variable_def=None, import_scope=None,
                 constraint=None, shape=None, **unused):
        if variable_def is not None:
            self._init_from_graph(variable_def, import_scope)
            self._dtype = self._snapshot.dtype.base_dtype
            return
        if initial_value is None:
            raise ValueError('initial_value must be specified.')
        trainable = True if trainable is None else trainable
        collections = list([GraphKeys.GLOBAL_VARIABLES] if collections is None else collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        init_from_fn = callable(initial_value)
        g0 = _graph.get_default_graph()
        with g0.control_dependencies(None), \
                name_scope(name, 'Variable', [] if init_from_fn else [initial_value]) as scope:
            handle_name = scope[:-1]
            with name_scope('Initializer'):
                initial_value = _graph.convert_to_tensor(initial_value() if init_from_fn else initial_value,
                                                         name='initial_value', dtype=dtype)
            self._initial_value = initial_value
            if shape is not None:
                var_shape = tensor_shape.as_shape(shape)
                if not initial_value.shape.is_compatible_with(var_shape):
                    raise ValueError("The initial value's shape (%s) is not compatible with the explicitly supplied "
                                     '`shape` argument (%s).' % (initial_value.shape, var_shape))
            elif validate_shape:
                var_shape = initial_value.shape
            else:
                var_shape = tensor_shape.unknown_shape()
            self._dtype = initial_value.dtype.base_dtype
            g = initial_value.graph
            with g.as_default():
                self._variable = gen.var_handle_op(self._dtype, var_shape, shared_name=handle_name, name=scope)
                with g.colocate_with(self._variable.op):
                    with name_scope('IsInitialized'):
                        self._is_initialized_op = gen.var_is_initialized_op(self._variable)
                    with name_scope('Assign') as n:
                        self._initializer_op = gen.assign_variable_op(self._variable, initial_value, name=n)
                    with name_scope('Read'):
                        self._snapshot = gen.read_variable_op(self._variable, self._dtype)
        self._trainable = trainable
        self._constraint = constraint
        self._caching_device = caching_device
        self._save_slice_info = None
        g.add_to_collections(collections, self)

    # -- identity: the variable's dtype and shape, not the handle's --
    dtype = property(lambda self: self._dtype)
    handle = property(lambda self: self._variable)
    create = property(lambda self: self._initializer_op)

    @property
    def shape(self):
        return self._snapshot.shape

    def get_shape(self):
        return self._snapshot.shape

    def set_shape(self, shape):
        raise NotImplementedError('sluice does not implement ResourceVariable.set_shape yet')

    def _as_graph_element(self):
        return self._snapshot  # fetching the variable fetches its value, as in TF

    # -- reads --
    def _read(self):
        value = gen.read_variable_op(self._variable, self._dtype)
        value.set_shape(self._snapshot.shape)  # a handle captured into a function body carries no shape
        return value

    def read_value(self):
        with _graph.graph_of([self._variable]).as_default():
            with name_scope('Read'), _graph.get_default_graph().colocate_with(self._variable.op):
                value = self._read()
            return graph_ops.identity(value)

    def sparse_read(self, indices, name=None):
        with _graph.graph_of([self._variable]).as_default(), name_scope(name or 'Gather') as scope:
            value = gen.resource_gather(self._variable, indices, self._dtype, name=scope)
        return graph_ops.identity(value)

    def is_initialized(self, name=None):
        return gen.var_is_initialized_op(self._variable, name=name)

    def initialized_value(self):
        from sluice.ops import control_flow_ops
        with _graph.graph_of([self._variable]).as_default():
            return control_flow_ops.cond(self.is_initialized(), self.read_value, lambda: self.initial_value)

    def eval(self, session=None):
        return self._snapshot.eval(session=session)

    # -- writes --
    def _write(self, write, value, name, read_value):
        with _graph.graph_of([self._variable]).as_default():
            value = _graph.convert_to_tensor(value, dtype=self._dtype)
            if not self.shape.is_compatible_with(value.shape):
                raise ValueError('Shapes %s and %s are incompatible' % (self.shape, value.shape))
            op = write(self._variable, value, name=name)
            if not read_value:
                return op
            with _graph.get_default_graph().control_dependencies([op]):
                return self._read()

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._write(gen.assign_variable_op, value, name, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(gen.assign_add_variable_op, delta, name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._write(gen.assign_sub_variable_op, delta, name, read_value)

    def _scatter(self, write, sparse_delta, name):
        with _graph.graph_of([self._variable]).as_default():
            op = write(self._variable, sparse_delta.indices, sparse_delta.values, name=name)
            with _graph.get_default_graph().control_dependencies([op]):
                return self._read()

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter(gen.resource_scatter_add, sparse_delta, name)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self._scatter(gen.resource_scatter_update, sparse_delta, name)

    def load(self, value, session=None):
        from sluice.engine import session as _session
        session = session or _session.get_default_session()
        if session is None:
            raise ValueError('Either session argument should be provided or default session should be established')
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    def count_up_to(self, limit):
        raise NotImplementedError('sluice does not implement ResourceVariable.count_up_to yet')

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (self.name, self.shape, self._dtype.name)


def _resource_variable_conversion(value, dtype=None, name=None, as_ref=False):
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
        raise ValueError('Incompatible type conversion requested to type %r for variable of type %r'
                         % (dtypes.as_dtype(dtype).name, value.dtype.name))
    return value._variable if as_ref else value.value()


_graph.register_tensor_conversion_function(ResourceVariable, _resource_variable_conversion, priority=10)
