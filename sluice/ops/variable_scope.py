"""tf.variable_scope and tf.get_variable: named, shareable variables (TF1 semantics).

Two objects hang off each Graph, in collections keyed by tuples (so they stay out of
`get_all_collection_keys` and exported MetaGraphs), as TF keeps them:
  ('__variable_store',)  the _VariableStore: full variable name -> Variable, for sharing;
  ('__varscope',)        the _VariableScopeStore: this thread's current VariableScope and how many
                         times each scope name was opened (to uniquify `default_name` scopes).

`variable_scope(name)` opens a name scope of the same name (uniquified like any name scope, so
re-entering 'conv1' gives ops under 'conv1_1/' while variables stay under 'conv1/'), then pushes a
VariableScope carrying the defaults (initializer, regularizer, dtype, reuse...) that get_variable
reads. get_variable resolves the full name 'scope/name' and, under the root name scope, either
returns the stored variable (reuse=True or AUTO_REUSE, with shape and dtype checks) or creates it
with the initializer called under 'scope/name/Initializer/' (TF's node names), then runs the
regularizer under 'scope/name/Regularizer/' into REGULARIZATION_LOSSES. With a partitioner (argument or
scope default) and a shape of rank >= 1, the store makes the shards 'scope/name/part_i' instead and returns
their PartitionedVariable (ops/partitioned_variables.py); a reusing get_variable finds it by name alone.
"""
import enum
import inspect
import threading
import traceback

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine import tensor_shape
from sluice.engine.graph import GraphKeys
from sluice.ops import init_ops
from sluice.ops import partitioned_variables
from sluice.ops import variables

__all__ = ['AUTO_REUSE', 'VariableScope', 'VariableSynchronization', 'VariableAggregation', 'variable_scope',
           'variable_op_scope', 'get_variable', 'get_local_variable', 'get_variable_scope', 'no_regularizer']

_VARSTORE_KEY = ('__variable_store',)
_VARSCOPESTORE_KEY = ('__varscope',)


class _ReuseMode(enum.Enum):
    """Reuse modes besides True/False: AUTO_REUSE creates missing variables and returns existing ones."""
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableSynchronization(enum.Enum):
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3
    ONLY_FIRST_TOWER = 3  # TF1 alias


def no_regularizer(_):
    """Use as a scope's regularizer to turn regularization off for its variables."""
    return None


# ---------------------------------------------------------------------------------------------
# The variable store
# ---------------------------------------------------------------------------------------------
def _takes_argument(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _needs_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty for p in params
               if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD))


def _check_trainable(synchronization, trainable, name):
    if synchronization == VariableSynchronization.ON_READ:
        if trainable:
            raise ValueError('Synchronization value can be set to VariableSynchronization.ON_READ only for '
                             'non-trainable variables. You have specified trainable=True and '
                             'synchronization=VariableSynchronization.ON_READ.')
        return False
    return True if trainable is None else trainable


class _VariableStore:
    """The variables get_variable made in one graph, by full name."""

    def __init__(self):
        self._vars = {}
        self._partitioned_vars = {}  # full name -> PartitionedVariable (its shards are in _vars)

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None, reuse=None,
                     trainable=None, collections=None, caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE):
        if custom_getter is not None and not callable(custom_getter):
            raise ValueError('Passed a custom_getter which is not callable: %s' % custom_getter)
        dtype = getattr(dtype, 'base_dtype', dtype)

        def true_getter(name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None, reuse=None,
                        trainable=None, collections=None, caching_device=None, partitioner=None,
                        validate_shape=True, use_resource=None, constraint=None,
                        synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE):
            is_scalar = shape is not None and isinstance(shape, (list, tuple)) and not shape
            partitioned = partitioner is not None and not is_scalar
            if partitioned and not callable(partitioner):
                raise ValueError('Partitioner must be callable, but received: %s' % partitioner)
            # A reusing get_variable finds a partitioned variable without being given the partitioner.
            if partitioned or (reuse is True and partitioner is None and name in self._partitioned_vars):
                with _graph.get_default_graph().name_scope(None):
                    return self._get_partitioned_variable(
                        name, partitioner, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, reuse=reuse, trainable=trainable, collections=collections,
                        caching_device=caching_device, validate_shape=validate_shape, use_resource=use_resource,
                        constraint=constraint, synchronization=synchronization, aggregation=aggregation)
            return self._get_single_variable(
                name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer, reuse=reuse,
                trainable=trainable, collections=collections, caching_device=caching_device,
                validate_shape=validate_shape, constraint=constraint, synchronization=synchronization,
                aggregation=aggregation, use_resource=use_resource)

        trainable = _check_trainable(synchronization, trainable, name)
        kwargs = dict(name=name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                      reuse=reuse, trainable=trainable, collections=collections, caching_device=caching_device,
                      partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
                      synchronization=synchronization, aggregation=aggregation)
        if custom_getter is None:
            return true_getter(constraint=constraint, **kwargs)
        if _takes_argument(custom_getter, 'constraint'):
            kwargs['constraint'] = constraint
        return custom_getter(getter=true_getter, **kwargs)

    def _get_partitioned_variable(self, name, partitioner, shape=None, dtype=dtypes.float32, initializer=None,
                                  reuse=None, **single_kwargs):
        dtype = dtypes.as_dtype(dtype)
        default = _default_initializer(name, dtype) if initializer is None else None
        return partitioned_variables.get_partitioned_variable(
            self, name, partitioner, shape=shape, dtype=dtype, initializer=initializer, reuse=reuse,
            default_initializer=default, **single_kwargs)

    def _get_single_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None,
                             reuse=None, trainable=None, collections=None, caching_device=None,
                             validate_shape=True, constraint=None, synchronization=None, aggregation=None,
                             use_resource=None, partition_info=None):
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError('If initializer is a constant, do not specify shape.')
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = tensor_shape.as_shape(shape)

        if name in self._vars:
            found = self._vars[name]
            if reuse is False:
                message = ('Variable %s already exists, disallowed. Did you mean to set reuse=True or '
                           'reuse=tf.AUTO_REUSE in VarScope?' % name)
                frames = list(reversed(getattr(found.op, 'traceback', None) or []))[:5]
                raise ValueError('%s Originally defined at:\n\n%s' % (message, ''.join(traceback.format_list(frames))))
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError('Trying to share variable %s, but specified shape %s and found shape %s.'
                                 % (name, shape, found.get_shape()))
            if not dtype.is_compatible_with(found.dtype):
                raise ValueError('Trying to share variable %s, but specified dtype %s and found dtype %s.'
                                 % (name, dtype.name, found.dtype.name))
            return found

        if reuse is True:
            raise ValueError('Variable %s does not exist, or was not created with tf.get_variable(). Did you mean '
                             'to set reuse=tf.AUTO_REUSE in VarScope?' % name)

        if initializer is None:
            if shape is None:
                raise ValueError('Variable %s did not get an initializer, so its `shape` argument must be '
                                 'specified.' % name)
            initializer = _default_initializer(name, dtype)
        if from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                dims = shape.as_list()
                if _takes_argument(initializer, 'partition_info'):
                    def init_val():
                        return initializer(dims, dtype=dtype, partition_info=partition_info)
                else:
                    def init_val():
                        return initializer(dims, dtype=dtype)
                variable_dtype = dtype.base_dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            else:
                raise ValueError("The initializer passed is not valid. It should be a callable with no arguments "
                                 "and the shape should not be provided or an instance of "
                                 "`tf.keras.initializers.*' and `shape` should be fully defined.")

        # TF's init_scope: a variable made while a loop body or branch is built is made outside it, once,
        # and (with its regularizer ops) ignores the control dependencies in force.
        with subgraph.outermost_graph():
            g = _graph.get_default_graph()
            with g.control_dependencies(None):
                v = variables.Variable(initial_value=init_val, name=name, trainable=trainable,
                                       collections=collections, caching_device=caching_device, dtype=variable_dtype,
                                       validate_shape=validate_shape, constraint=constraint,
                                       synchronization=synchronization, aggregation=aggregation,
                                       use_resource=use_resource)
                self._vars[name] = v
                if regularizer:
                    with g.colocate_with(v.op), g.name_scope(name + '/Regularizer/'):
                        loss = regularizer(v)
                    if loss is not None:
                        g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v


def _default_initializer(name, dtype):
    """glorot_uniform for floats, zeros for integers, bools and strings (TF's defaults)."""
    if dtype.is_floating:
        return init_ops.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_unsigned or dtype.is_bool or dtype == dtypes.string:
        return init_ops.zeros_initializer()
    raise ValueError('An initializer for variable %s of %s is required' % (name, dtype.base_dtype))


def _get_default_variable_store():
    g = _graph.get_default_graph()
    store = g.get_collection(_VARSTORE_KEY)
    if store:
        return store[0]
    store = _VariableStore()
    g.add_to_collection(_VARSTORE_KEY, store)
    return store


# ---------------------------------------------------------------------------------------------
# Variable scopes
# ---------------------------------------------------------------------------------------------
class VariableScope:
    """The defaults get_variable uses inside a `variable_scope`: name prefix, reuse, initializer..."""

    def __init__(self, reuse, name='', initializer=None, regularizer=None, caching_device=None, partitioner=None,
                 custom_getter=None, name_scope='', dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """Reuse variables in this scope (and scopes opened inside it from now on)."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_dtype(self, dtype):
        self._dtype = dtype

    def set_use_resource(self, use_resource):
        self._use_resource = use_resource

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_caching_device(self, caching_device):
        self._caching_device = caching_device

    def set_partitioner(self, partitioner):
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter):
        self._custom_getter = custom_getter

    def get_collection(self, name):
        scope = self._name + '/' if self._name else ''
        return _graph.get_default_graph().get_collection(name, scope)

    def trainable_variables(self):
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def global_variables(self):
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def local_variables(self):
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None, regularizer=None, reuse=None,
                     trainable=None, collections=None, caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None,
                     synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE):
        """Gets or creates `name` in this scope, filling unset arguments from the scope's defaults."""
        regularizer = self._regularizer if regularizer is None else regularizer
        caching_device = self._caching_device if caching_device is None else caching_device
        partitioner = self._partitioner if partitioner is None else partitioner
        custom_getter = self._custom_getter if custom_getter is None else custom_getter
        reuse = self._reuse if reuse is None else reuse
        use_resource = self._use_resource if use_resource is None else use_resource
        full_name = self._name + '/' + name if self._name else name
        # Variables are named from the root, whatever name scope is open.
        with _graph.get_default_graph().name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                dtype = dtypes.as_dtype(dtype)
                init_dtype = _graph.convert_to_tensor(initializer).dtype.base_dtype
                if init_dtype != dtype:
                    raise ValueError("Initializer type '%s' and explicit dtype '%s' don't match."
                                     % (init_dtype, dtype))
            initializer = self._initializer if initializer is None else initializer
            constraint = self._constraint if constraint is None else constraint
            dtype = self._dtype if dtype is None else dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer, reuse=reuse,
                trainable=trainable, collections=collections, caching_device=caching_device,
                partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
                custom_getter=custom_getter, constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)

    def _get_partitioned_variable(self, var_store, name, shape=None, dtype=None, initializer=None, regularizer=None,
                                  trainable=None, collections=None, caching_device=None, partitioner=None,
                                  validate_shape=True, use_resource=None, constraint=None,
                                  synchronization=VariableSynchronization.AUTO,
                                  aggregation=VariableAggregation.NONE):
        """The partitioned variable `name` of this scope, bypassing custom getters (create_partitioned_variables)."""
        initializer = self._initializer if initializer is None else initializer
        regularizer = self._regularizer if regularizer is None else regularizer
        constraint = self._constraint if constraint is None else constraint
        caching_device = self._caching_device if caching_device is None else caching_device
        partitioner = self._partitioner if partitioner is None else partitioner
        dtype = self._dtype if dtype is None else dtype
        use_resource = self._use_resource if use_resource is None else use_resource
        if self._custom_getter is not None:
            raise ValueError("Private access to _get_partitioned_variable is not allowed when a custom getter is "
                             "set.  Current custom getter: %s.  It is likely that you're using "
                             "create_partitioned_variables.  If so, consider instead using get_variable with a "
                             "non-empty partitioner parameter instead." % self._custom_getter)
        if partitioner is None:
            raise ValueError('No partitioner was specified')
        full_name = '/'.join(part for part in (self.name, name) if part)
        with _graph.get_default_graph().name_scope(None):
            return var_store._get_partitioned_variable(
                full_name, partitioner, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                reuse=self.reuse, trainable=_check_trainable(synchronization, trainable, full_name),
                collections=collections, caching_device=caching_device, validate_shape=validate_shape,
                use_resource=use_resource, constraint=constraint, synchronization=synchronization,
                aggregation=aggregation)


class _VariableScopeStore(threading.local):
    """Per thread: the current VariableScope and how often each scope name was opened."""

    def __init__(self):
        super().__init__()
        self.current_scope = VariableScope(False)
        self.variable_scopes_count = {}

    def open_variable_scope(self, scope_name):
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name, 0) + 1

    def close_variable_subscopes(self, scope_name):
        """Forgets the counts of the scopes inside `scope_name` (all of them for None)."""
        prefix = None if scope_name is None else scope_name + '/'
        for k in self.variable_scopes_count:
            if prefix is None or k.startswith(prefix):
                self.variable_scopes_count[k] = 0

    def variable_scope_count(self, scope_name):
        return self.variable_scopes_count.get(scope_name, 0)


def get_variable_scope_store():
    g = _graph.get_default_graph()
    store = g.get_collection(_VARSCOPESTORE_KEY)
    if store:
        return store[0]
    store = _VariableScopeStore()
    g.add_to_collection(_VARSCOPESTORE_KEY, store)
    return store


def get_variable_scope():
    """The current VariableScope."""
    return get_variable_scope_store().current_scope


def _maybe_wrap_custom_getter(custom_getter, old_getter):
    """Nested custom getters compose: the inner scope's getter calls the outer one's."""
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(lambda *a, **k: old_getter(getter, *a, **k), *args, **kwargs)
    return wrapped_custom_getter


def _apply_overrides(scope, initializer, regularizer, caching_device, partitioner, custom_getter, old_getter,
                     dtype, use_resource):
    if initializer is not None:
        scope.set_initializer(initializer)
    if regularizer is not None:
        scope.set_regularizer(regularizer)
    if caching_device is not None:
        scope.set_caching_device(caching_device)
    if partitioner is not None:
        scope.set_partitioner(partitioner)
    if custom_getter is not None:
        scope.set_custom_getter(_maybe_wrap_custom_getter(custom_getter, old_getter))
    if dtype is not None:
        scope.set_dtype(dtype)
    if use_resource is not None:
        scope.set_use_resource(use_resource)


class _pure_variable_scope:  # noqa: N801  (TF's name)
    """Pushes a VariableScope (no name scope): a new one under the current scope, or a given one."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, old_name_scope=None, dtype=dtypes.float32,
                 use_resource=None, constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._overrides = (initializer, regularizer, caching_device, partitioner, custom_getter)
        self._old_name_scope = old_name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        self._var_scope_store = get_variable_scope_store()
        self._last_scope = None
        if isinstance(name_or_scope, VariableScope):
            # A given scope: its defaults, reuse unless ours is set (not inherited from the parent).
            given = name_or_scope
            self._new_name = given.name
            scope = VariableScope(given.reuse if not reuse else reuse, name=given.name,
                                  initializer=given.initializer, regularizer=given.regularizer,
                                  caching_device=given.caching_device, partitioner=given.partitioner,
                                  dtype=given.dtype, custom_getter=given.custom_getter,
                                  name_scope=given.original_name_scope, use_resource=given.use_resource,
                                  constraint=constraint)
            _apply_overrides(scope, *self._overrides, given.custom_getter, dtype, use_resource)
            self._cached_scope = scope

    def __enter__(self):
        store = self._var_scope_store
        self._old = store.current_scope
        if isinstance(self._name_or_scope, VariableScope):
            store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(store.variable_scopes_count)
            scope = self._cached_scope
        else:
            old = self._old
            self._new_name = old.name + '/' + self._name_or_scope if old.name else self._name_or_scope
            self._reuse = self._reuse or old.reuse  # reuse is inherited by sub-scopes
            name_scope = self._name_or_scope if self._old_name_scope is None else self._old_name_scope
            scope = VariableScope(self._reuse, name=self._new_name, initializer=old.initializer,
                                  regularizer=old.regularizer, caching_device=old.caching_device,
                                  partitioner=old.partitioner, dtype=old.dtype, use_resource=old.use_resource,
                                  custom_getter=old.custom_getter, name_scope=name_scope,
                                  constraint=self._constraint)
            _apply_overrides(scope, *self._overrides, old.custom_getter, self._dtype, self._use_resource)
            store.open_variable_scope(self._new_name)
        store.current_scope = scope
        self._last_scope = scope
        return scope

    def __exit__(self, *exc):
        store = self._var_scope_store
        if store.current_scope is not self._last_scope:
            raise RuntimeError('Improper nesting of variable_scope.')
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_subscopes
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old


def _get_unique_variable_scope(prefix):
    """`prefix`, or prefix_1, prefix_2... the first not yet opened in the current variable scope."""
    store = get_variable_scope_store()
    current = get_variable_scope()
    name = current.name + '/' + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(name + '_%d' % idx) > 0:
        idx += 1
    return prefix + '_%d' % idx


class variable_scope:  # noqa: N801  (TF's name)
    """A context manager opening a variable scope (and, by default, a name scope of the same name).

    name_or_scope: a string (a sub-scope of the current one) or a VariableScope (entered as is);
    default_name: used, made unique, when name_or_scope is None; reuse: True, AUTO_REUSE or None
    (inherit; False means None, as in TF).
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                 use_resource=None, constraint=None, auxiliary_name_scope=True):
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._args = dict(initializer=initializer, regularizer=regularizer, caching_device=caching_device,
                          partitioner=partitioner, custom_getter=custom_getter, dtype=dtype,
                          use_resource=use_resource, constraint=constraint)
        if default_name is None and name_or_scope is None:
            raise TypeError('If default_name is None then name_or_scope is required')
        if reuse is False:
            reuse = None  # False never turns off an inherited reuse
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError('The reuse parameter must be True or False or None.')
        self._reuse = reuse
        self._graph = _graph.graph_of(values or [])
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError('The auxiliary_name_scope must be `True` or `False`, while get {}'
                            .format(auxiliary_name_scope))
        self._auxiliary_name_scope = auxiliary_name_scope
        self._pure_scope = None
        self._name_scope_arg = None   # what the name scope is (re)opened with; None: no name scope
        self._name_scope_cm = None
        self._graph_cm = None

    def _open_name_scope(self):
        self._name_scope_cm = self._graph.name_scope(self._name_scope_arg)
        return self._name_scope_cm.__enter__()

    def __enter__(self):
        self._graph_cm = self._graph.as_default()
        self._graph_cm.__enter__()
        try:
            if self._pure_scope is not None:  # entered again: same variable scope, a new name scope
                if self._name_scope_arg is not None:
                    self._open_name_scope()
                return self._pure_scope.__enter__()
            return self._enter_uncached()
        except BaseException:
            self._exit_name_and_graph(None, None, None)
            raise

    def _enter_uncached(self):
        if not self._auxiliary_name_scope:
            # Re-enter the current name scope as is instead of opening one.
            current = self._graph.get_name_scope()
            self._name_scope_arg = current + '/' if current else ''
        name_or_scope = self._name_or_scope
        if name_or_scope is not None:
            if not isinstance(name_or_scope, (VariableScope, str)):
                raise TypeError('VariableScope: name_or_scope must be a string or VariableScope.')
            if self._name_scope_arg is None:
                name_scope = name_or_scope if isinstance(name_or_scope, str) else name_or_scope.name.split('/')[-1]
                if name_scope:
                    self._name_scope_arg = name_scope
            old_name_scope = None
            if self._name_scope_arg is not None:
                opened = self._open_name_scope()
                old_name_scope = opened if isinstance(name_or_scope, str) else name_or_scope.original_name_scope
            self._pure_scope = _pure_variable_scope(name_or_scope, reuse=self._reuse, old_name_scope=old_name_scope,
                                                    **self._args)
            return self._pure_scope.__enter__()
        if self._reuse:
            raise ValueError('reuse=True cannot be used without a name_or_scope')
        if self._name_scope_arg is None:
            self._name_scope_arg = self._default_name
        opened = self._open_name_scope()
        unique_name = _get_unique_variable_scope(self._default_name)
        self._pure_scope = _pure_variable_scope(unique_name, old_name_scope=opened, **self._args)
        return self._pure_scope.__enter__()

    def _exit_name_and_graph(self, *exc):
        try:
            if self._name_scope_cm is not None:
                cm, self._name_scope_cm = self._name_scope_cm, None
                cm.__exit__(*exc)
        finally:
            if self._graph_cm is not None:
                cm, self._graph_cm = self._graph_cm, None
                cm.__exit__(*exc)

    def __exit__(self, *exc):
        try:
            self._pure_scope.__exit__(*exc)
        finally:
            self._exit_name_and_graph(*exc)


def variable_op_scope(values, name_or_scope, default_name=None, initializer=None, regularizer=None,
                      caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                      use_resource=None, constraint=None):
    """Deprecated form of variable_scope(name_or_scope, default_name, values, ...)."""
    return variable_scope(name_or_scope, default_name=default_name, values=values, initializer=initializer,
                          regularizer=regularizer, caching_device=caching_device, partitioner=partitioner,
                          custom_getter=custom_getter, reuse=reuse, dtype=dtype, use_resource=use_resource,
                          constraint=constraint)


# ---------------------------------------------------------------------------------------------
# get_variable
# ---------------------------------------------------------------------------------------------
def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None, collections=None,
                 caching_device=None, partitioner=None, validate_shape=True, use_resource=None, custom_getter=None,
                 constraint=None, synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE):
    """Gets the variable `name` of the current variable scope, or creates it (see the module docstring).

    initializer: an Initializer/callable taking (shape, dtype[, partition_info]) -- shape required; or a
    Tensor/value -- shape must be None. Defaults come from the scope, then glorot_uniform (floats) or zeros.
    """
    return get_variable_scope().get_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections, caching_device=caching_device,
        partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
        custom_getter=custom_getter, constraint=constraint, synchronization=synchronization,
        aggregation=aggregation)


def _get_partitioned_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                              collections=None, caching_device=None, partitioner=None, validate_shape=True,
                              use_resource=None, constraint=None, synchronization=VariableSynchronization.AUTO,
                              aggregation=VariableAggregation.NONE):
    """A PartitionedVariable of the current scope, custom getters not allowed (TF's private entry point)."""
    return get_variable_scope()._get_partitioned_variable(
        _get_default_variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections, caching_device=caching_device,
        partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource, constraint=constraint,
        synchronization=synchronization, aggregation=aggregation)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=False,
                       collections=None, caching_device=None, partitioner=None, validate_shape=True,
                       use_resource=None, custom_getter=None, constraint=None,
                       synchronization=VariableSynchronization.AUTO, aggregation=VariableAggregation.NONE):
    """get_variable into LOCAL_VARIABLES (not trainable, not global)."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                        trainable=False, collections=collections, caching_device=caching_device,
                        partitioner=partitioner, validate_shape=validate_shape, use_resource=use_resource,
                        custom_getter=custom_getter, constraint=constraint, synchronization=synchronization,
                        aggregation=aggregation)
