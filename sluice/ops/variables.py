"""tf.Variable (TF1's reference variable) and the variable collections and initializers.

A Variable named 'v' is four nodes, as in TF1: 'v' (VariableV2, the storage's Ref),
'v/initial_value' (or the initializer's ops), 'v/Assign' (its initializer) and 'v/read'
(an Identity reading it); the last two are colocated with 'v'. Its value lives in each Session.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.graph import GraphKeys, name_scope
from sluice.ops import graph_ops
from sluice.ops import state_ops

__all__ = ['report_uninitialized_variables', 'Variable', 'global_variables', 'all_variables', 'trainable_variables', 'local_variables',
           'model_variables', 'moving_average_variables', 'variables_initializer', 'global_variables_initializer',
           'local_variables_initializer', 'initialize_all_variables', 'initialize_local_variables',
           'initialize_variables', 'is_variable_initialized']


class Variable:
    """A tensor whose value persists across Session.run calls (TF1 semantics)."""

    def __new__(cls, *args, use_resource=None, variable_def=None, **kwargs):
        # TF1's VariableV1: use_resource=True (or tf.enable_resource_variables()) makes a ResourceVariable.
        if cls is Variable and variable_def is None:
            from sluice.ops import resource_variables
            if use_resource or use_resource is None and resource_variables.resource_variables_enabled():
                return super().__new__(resource_variables.ResourceVariable)
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=None, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, use_resource=None, synchronization=None,
                 aggregation=None, shape=None):
        if variable_def is not None:
            self._init_from_graph(variable_def, import_scope)
            return
        if initial_value is None:
            raise ValueError('initial_value must be specified.')
        trainable = True if trainable is None else trainable
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        init_from_fn = callable(initial_value)
        g0 = _graph.get_default_graph()
        # Like TF's init_scope: a variable's nodes ignore the control dependencies in force.
        with g0.control_dependencies(None), \
                name_scope(name, 'Variable', [] if init_from_fn else [initial_value]) as scope:
            if init_from_fn:
                with name_scope('Initializer'):
                    initial_value = initial_value()
            self._initial_value = _graph.convert_to_tensor(initial_value, name='initial_value', dtype=dtype)
            g = self._initial_value.graph
            if shape is not None:
                var_shape = tensor_shape.as_shape(shape)
            elif validate_shape:
                var_shape = self._initial_value.shape
                if not var_shape.is_fully_defined():
                    raise ValueError('initial_value must have a shape specified: %s' % self._initial_value)
            else:
                var_shape = tensor_shape.unknown_shape()
            with g.as_default():
                self._variable = state_ops.variable_op_v2(var_shape, self._initial_value.dtype.base_dtype, name=scope)
                with g.colocate_with(self._variable.op):
                    self._initializer_op = state_ops.assign(self._variable, self._initial_value,
                                                            validate_shape=validate_shape).op
                    self._snapshot = graph_ops.identity(self._variable, name='read')
        self._trainable = trainable
        self._constraint = constraint
        self._caching_device = caching_device
        self._save_slice_info = None
        g.add_to_collections(collections, self)

    def _init_from_graph(self, variable_def, import_scope):
        """Rebuilds a Variable over existing nodes (from a VariableDef proto), as after import."""
        g = _graph.get_default_graph()

        def scoped(name):
            return (import_scope + '/' + name) if import_scope else name
        self._variable = g.as_graph_element(scoped(variable_def.variable_name))
        self._initializer_op = g.as_graph_element(scoped(variable_def.initializer_name))
        self._snapshot = g.as_graph_element(scoped(variable_def.snapshot_name))
        self._initial_value = (g.as_graph_element(scoped(variable_def.initial_value_name))
                               if variable_def.initial_value_name else None)
        self._trainable = getattr(variable_def, 'trainable', True)
        self._constraint = None
        self._caching_device = None
        self._save_slice_info = None

    # -- identity --
    name = property(lambda self: self._variable.name)
    op = property(lambda self: self._variable.op)
    graph = property(lambda self: self._variable.graph)
    device = property(lambda self: self._variable.device)
    dtype = property(lambda self: self._variable.dtype)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    def set_shape(self, shape):
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    def value(self):
        """The tensor reading this variable (its 'read' node)."""
        return self._snapshot

    def read_value(self):
        with _graph.graph_of([self._variable]).as_default():
            return graph_ops.identity(self._variable, name='read')

    def _ref(self):
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def initialized_value(self):
        """The value, initialized first if needed (for initial values built from other variables)."""
        from sluice.ops import control_flow_ops
        with _graph.graph_of([self._variable]).as_default():
            return control_flow_ops.cond(is_variable_initialized(self), self.read_value,
                                         lambda: self.initial_value)

    # -- updates --
    def assign(self, value, use_locking=False, name=None, read_value=True):
        with _graph.graph_of([self._variable]).as_default():
            result = state_ops.assign(self._variable, value, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        with _graph.graph_of([self._variable]).as_default():
            result = state_ops.assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        with _graph.graph_of([self._variable]).as_default():
            result = state_ops.assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return result if read_value else result.op

    def load(self, value, session=None):
        """Writes `value` into the variable in `session` (or the default one) through its initializer."""
        from sluice.engine import session as _session
        session = session or _session.get_default_session()
        if session is None:
            raise ValueError('Either session argument should be provided or default session should be established')
        session.run(self._initializer_op, {self._initializer_op._inputs[1]: value})

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def to_proto(self, export_scope=None):
        """This variable as a VariableDef proto (for MetaGraph collections)."""
        from sluice.io import meta_graph
        return meta_graph.variable_to_proto(self, export_scope)

    @staticmethod
    def from_proto(variable_def, import_scope=None):
        from sluice.io import meta_graph
        return meta_graph.variable_from_proto(variable_def, import_scope)

    def _set_save_slice_info(self, info):
        self._save_slice_info = info

    def _get_save_slice_info(self):
        return self._save_slice_info

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (self.name, self.shape, self.dtype.name)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")

    def __bool__(self):
        raise TypeError('Using a `tf.Variable` as a Python `bool` is not allowed.')


# Variables behave like their value in expressions: each operator reads the variable.
_OPERATORS = ('__add__', '__radd__', '__sub__', '__rsub__', '__mul__', '__rmul__', '__div__', '__rdiv__',
              '__truediv__', '__rtruediv__', '__floordiv__', '__rfloordiv__', '__mod__', '__rmod__',
              '__pow__', '__rpow__', '__matmul__', '__rmatmul__', '__lt__', '__le__', '__gt__', '__ge__',
              '__and__', '__rand__', '__or__', '__ror__', '__xor__', '__rxor__', '__neg__', '__abs__',
              '__invert__', '__getitem__')


def _delegate(name):
    def operator(self, *args):
        return getattr(self.value(), name)(*args)
    operator.__name__ = name
    return operator


for _name in _OPERATORS:
    setattr(Variable, _name, _delegate(_name))


def _variable_conversion(value, dtype=None, name=None, as_ref=False):
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
        raise ValueError('Incompatible type conversion requested to type %r for variable of type %r'
                         % (dtypes.as_dtype(dtype).name, value.dtype.name))
    return value._ref() if as_ref else value.value()


_graph.register_tensor_conversion_function(Variable, _variable_conversion, priority=10)


# -- collections --
def global_variables(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def all_variables():
    return global_variables()


def trainable_variables(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


# -- initializers --
def variables_initializer(var_list, name='init'):
    """One op running the initializers of `var_list` (a NoOp when it is empty)."""
    var_list = list(var_list)
    if var_list:
        return graph_ops.group(*[v.initializer for v in var_list], name=name)
    return graph_ops.no_op(name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables())


def initialize_all_variables():
    return global_variables_initializer()


def initialize_local_variables():
    return local_variables_initializer()


def initialize_variables(var_list, name='init'):
    return variables_initializer(var_list, name=name)


def is_variable_initialized(variable):
    return state_ops.is_variable_initialized(variable)


def report_uninitialized_variables(var_list=None, name='report_uninitialized_variables'):
    """A 1-D string tensor with the names of the variables in var_list (default: global and local
    variables) that are not initialized in the session running it."""
    from sluice.ops import array_ops, constant_op, math_ops  # they import this module
    if var_list is None:
        var_list = global_variables() + local_variables()
    var_list = list(var_list)
    g = _graph.get_default_graph()
    with name_scope(name):
        if var_list:
            init_vars = [state_ops.is_variable_initialized(v) for v in var_list]
        with g.device('/cpu:0'):
            if not var_list:
                return constant_op.constant([], dtype=dtypes.string)
            mask = math_ops.logical_not(array_ops.stack(init_vars))
            names = constant_op.constant([v.op.name for v in var_list])
            return array_ops.boolean_mask(names, mask)
