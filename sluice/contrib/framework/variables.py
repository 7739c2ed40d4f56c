"""tf.contrib.framework's variable functions (also slim's): model variables, lookups by scope, suffix and
name, variables to restore, assignment from values or a checkpoint, and the global-step helpers.

`variable` is get_variable with explicit collections (GLOBAL_VARIABLES unless given); `model_variable`
adds GLOBAL_VARIABLES and MODEL_VARIABLES to the collections it is given. Both take arg_scope defaults.
Lookups filter a collection with the graph's regex-prefix scope filter (`get_collection(key, scope)`);
a suffix becomes the pattern `scope.*suffix:`, as in TF.
"""
import functools
import logging

from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.io.checkpoint_reader import NewCheckpointReader
from sluice.ops import graph_ops
from sluice.ops import variable_scope as vs
from sluice.training import training_util

__all__ = ['add_model_variable', 'assert_global_step', 'assert_or_get_global_step', 'assign_from_checkpoint',
           'assign_from_checkpoint_fn', 'assign_from_values', 'assign_from_values_fn', 'create_global_step',
           'filter_variables', 'get_global_step', 'get_or_create_global_step', 'get_local_variables',
           'get_model_variables', 'get_trainable_variables', 'get_unique_variable', 'get_variables_by_name',
           'get_variables_by_suffix', 'get_variable_full_name', 'get_variables_to_restore', 'get_variables',
           'global_variable', 'local_variable', 'model_variable', 'variable', 'VariableDeviceChooser',
           'init_from_checkpoint', 'list_variables', 'load_variable', 'load_checkpoint']

_log = logging.getLogger('sluice')

assert_global_step = training_util.assert_global_step
get_global_step = training_util.get_global_step
create_global_step = training_util.create_global_step
get_or_create_global_step = training_util.get_or_create_global_step


def _checkpoint_functions():
    from sluice.io import checkpoint_init, checkpoint_reader
    return checkpoint_init, checkpoint_reader


def init_from_checkpoint(checkpoint_dir, assignment_map):
    """Makes the initializers of the mapped variables load them from the checkpoint (tf.train's)."""
    return _checkpoint_functions()[0].init_from_checkpoint(checkpoint_dir, assignment_map)


def list_variables(checkpoint_dir):
    return _checkpoint_functions()[1].list_variables(checkpoint_dir)


def load_variable(checkpoint_dir, name):
    return _checkpoint_functions()[1].load_variable(checkpoint_dir, name)


def load_checkpoint(filepattern):
    return _checkpoint_functions()[1].load_checkpoint(filepattern)


def assert_or_get_global_step(graph=None, global_step_tensor=None):
    """`global_step_tensor` checked, or the graph's global step (None if it has none)."""
    if global_step_tensor is None:
        return get_global_step(graph)
    assert_global_step(global_step_tensor)
    return global_step_tensor


def local_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable variable in LOCAL_VARIABLES."""
    from sluice.ops.variables import Variable
    return Variable(initial_value, trainable=False, collections=[GraphKeys.LOCAL_VARIABLES],
                    validate_shape=validate_shape, name=name)


def global_variable(initial_value, validate_shape=True, name=None, use_resource=None):
    """A non-trainable variable in GLOBAL_VARIABLES."""
    from sluice.ops.variables import Variable
    return Variable(initial_value, trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES],
                    validate_shape=validate_shape, name=name)


@add_arg_scope
def variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True, collections=None,
             caching_device=None, device=None, partitioner=None, custom_getter=None, use_resource=None,
             synchronization=vs.VariableSynchronization.AUTO, aggregation=vs.VariableAggregation.NONE):
    """get_variable(name, ...) in `collections` (default GLOBAL_VARIABLES), on `device` if given."""
    collections = list(collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES])
    collections = list(dict.fromkeys(collections))  # once each, in order
    getter = vs.get_variable
    if custom_getter is not None:
        getter = functools.partial(custom_getter, reuse=vs.get_variable_scope().reuse)
    with _graph.get_default_graph().device(device or ''):
        return getter(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                      trainable=trainable, collections=collections, caching_device=caching_device,
                      partitioner=partitioner, use_resource=use_resource, synchronization=synchronization,
                      aggregation=aggregation)


@add_arg_scope
def model_variable(name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None, trainable=True,
                   collections=None, caching_device=None, device=None, partitioner=None, custom_getter=None,
                   use_resource=None, synchronization=vs.VariableSynchronization.AUTO,
                   aggregation=vs.VariableAggregation.NONE):
    """`variable` that also joins GLOBAL_VARIABLES and MODEL_VARIABLES."""
    collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    return variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                    trainable=trainable, collections=collections, caching_device=caching_device, device=device,
                    partitioner=partitioner, custom_getter=custom_getter, use_resource=use_resource,
                    synchronization=synchronization, aggregation=aggregation)


def add_model_variable(var):
    """Adds `var` to MODEL_VARIABLES (once)."""
    g = _graph.get_default_graph()
    if var not in g.get_collection(GraphKeys.MODEL_VARIABLES):
        g.add_to_collection(GraphKeys.MODEL_VARIABLES, var)


def get_variables(scope=None, suffix=None, collection=GraphKeys.GLOBAL_VARIABLES):
    """The variables of `collection` whose names match `scope` (a prefix regex) and end in `suffix`."""
    if isinstance(scope, vs.VariableScope):
        scope = scope.name
    if suffix is not None:
        if ':' not in suffix:
            suffix += ':'
        scope = (scope or '') + '.*' + suffix
    return _graph.get_default_graph().get_collection(collection, scope)


def get_model_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_to_restore(include=None, exclude=None):
    """Global variables under the scopes in `include` (all if None) and under none of `exclude`."""
    if include is None:
        included = get_variables()
    else:
        if not isinstance(include, (list, tuple)):
            raise TypeError('include is provided but is not a list or a tuple.')
        included = [v for scope in include for v in get_variables(scope)]
    excluded = set()
    if exclude is not None:
        if not isinstance(exclude, (list, tuple)):
            raise TypeError('exclude is provided but is not a list or a tuple.')
        for scope in exclude:
            excluded.update(get_variables(scope))
    return [v for v in included if v not in excluded]


def get_variables_by_suffix(suffix, scope=None):
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name, scope=None):
    """Variables whose last name component is `given_name`."""
    return get_variables(scope=scope, suffix='/' + given_name + ':|^' + given_name + ':')


def get_unique_variable(var_op_name):
    """The variable whose op is named exactly `var_op_name`."""
    candidates = get_variables(scope=var_op_name)
    if not candidates:
        raise ValueError("Couldn't find variable %s" % var_op_name)
    for candidate in candidates:
        if candidate.op.name == var_op_name:
            return candidate
    raise ValueError('Variable %s does not uniquely identify a variable' % var_op_name)


def get_variable_full_name(var):
    """The name a variable has in a checkpoint."""
    info = getattr(var, '_save_slice_info', None)
    return info.full_name if info else var.op.name


def _assign_through_placeholder(var, value, feed_dict, assign_ops):
    # A placeholder keeps large values out of the graph, as TF does.
    ph = graph_ops.placeholder(var.dtype.base_dtype, shape=var.get_shape(), name='placeholder/' + var.op.name)
    assign_ops.append(var.assign(ph))
    feed_dict[ph] = value


def _find_global_variable(name):
    found = _graph.get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, name)
    if not found:
        raise ValueError("Variable %s wasn't found" % name)
    if len(found) == 1:
        return found[0]
    for v in found:
        if v.op.name == name:
            return v
    raise ValueError("Variable %s doesn't uniquely identify a variable" % name)


def assign_from_values(var_names_to_values):
    """(assign_op, feed_dict) that set the named global variables to NumPy values."""
    feed_dict, assign_ops = {}, []
    for name, value in var_names_to_values.items():
        var = _find_global_variable(name)
        _assign_through_placeholder(var, value.reshape(var.get_shape().as_list()), feed_dict, assign_ops)
    return graph_ops.group(*assign_ops), feed_dict


def assign_from_values_fn(var_names_to_values):
    """A function session -> None running assign_from_values' op."""
    assign_op, feed_dict = assign_from_values(var_names_to_values)
    return lambda session: session.run(assign_op, feed_dict)


def _group_by_checkpoint_name(var_list):
    if isinstance(var_list, (list, tuple)):
        grouped = {}
        for var in var_list:
            grouped.setdefault(get_variable_full_name(var), []).append(var)
        return grouped
    return {name: list(v) if isinstance(v, (list, tuple)) else [v] for name, v in var_list.items()}


def assign_from_checkpoint(model_path, var_list, ignore_missing_vars=False):
    """(assign_op, feed_dict) loading `var_list` (variables, or {checkpoint name: variable}) from a checkpoint."""
    reader = NewCheckpointReader(model_path)
    feed_dict, assign_ops = {}, []
    for ckpt_name, variables in _group_by_checkpoint_name(var_list).items():
        if not reader.has_tensor(ckpt_name):
            message = 'Checkpoint is missing variable [%s]' % ckpt_name
            if ignore_missing_vars:
                _log.warning(message)
                continue
            raise ValueError(message)
        value = reader.get_tensor(ckpt_name)
        for var in variables:
            if var.get_shape() != value.shape:
                raise ValueError('Total size of new array must be unchanged for %s lh_shape: [%s], rh_shape: [%s]'
                                 % (ckpt_name, str(value.shape), str(var.get_shape())))
            _assign_through_placeholder(var, value, feed_dict, assign_ops)
    return graph_ops.group(*assign_ops), feed_dict


def assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars=False, reshape_variables=False):
    """A function session -> None restoring `var_list` from `model_path` with a Saver; None when
    ignore_missing_vars leaves nothing to restore."""
    from sluice.io.saver import Saver
    if not var_list:
        raise ValueError('var_list cannot be empty')
    if ignore_missing_vars:
        reader = NewCheckpointReader(model_path)
        var_dict = var_list if isinstance(var_list, dict) else {v.op.name: v for v in var_list}
        available = {}
        for name, var in var_dict.items():
            if reader.has_tensor(name):
                available[name] = var
            else:
                _log.warning('Variable %s missing in checkpoint %s', name, model_path)
        var_list = available
    if not var_list:
        _log.warning('No Variables to restore')
        return None
    saver = Saver(var_list, reshape=reshape_variables)

    def callback(session):
        saver.restore(session, model_path)
    return callback


class VariableDeviceChooser(object):
    """A device function placing variables round-robin over `num_tasks` parameter-server tasks."""

    def __init__(self, num_tasks=0, job_name='ps', device_type='CPU', device_index=0, replica=None):
        self._job_name, self._device_type, self._device_index = job_name, device_type, device_index
        self._replica, self._num_tasks, self._next_task_id = replica, num_tasks, 0

    def __call__(self, op):
        from sluice.engine.device_spec import DeviceSpec
        spec = DeviceSpec(replica=self._replica, device_type=self._device_type, device_index=self._device_index)
        if self._num_tasks > 0:
            spec = DeviceSpec(job=self._job_name, replica=self._replica, task=self._next_task_id,
                              device_type=self._device_type, device_index=self._device_index)
            self._next_task_id = (self._next_task_id + 1) % self._num_tasks
        return spec.to_string()


def filter_variables(var_list, include_patterns=None, exclude_patterns=None, reg_search=True):
    """The variables whose names match any include pattern (all if None) and no exclude pattern."""
    import re
    match = re.search if reg_search else re.match
    included = list(var_list) if include_patterns is None else \
        [v for v in var_list if any(match(p, v.name) for p in include_patterns)]
    if exclude_patterns is None:
        return included
    return [v for v in included if not any(match(p, v.name) for p in exclude_patterns)]
