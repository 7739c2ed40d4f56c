"""tf.train.init_from_checkpoint: variables initialized from a checkpoint instead of their initializers.

Each mapped variable's initializer is rewritten, as TF does, to an Assign of a RestoreV2 (on the
variable's host CPU) of the checkpoint tensor; the variable's initial value becomes that read.
Partitioned variables get one RestoreV2 per slice, with the slice's spec.
"""
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.engine.log import logger
from sluice.io import saveables
from sluice.io.checkpoint_reader import NewCheckpointReader, checkpoint_filename
from sluice.ops import io_ops
from sluice.ops import state_ops
from sluice.ops import variables as _variables


def _variables_by_name():
    g = _graph.get_default_graph()
    found = {}
    for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES) + g.get_collection(GraphKeys.LOCAL_VARIABLES):
        info = v._get_save_slice_info() if isinstance(v, _variables.Variable) else None
        key = info.full_name if info is not None else v.op.name
        found.setdefault(key, []).append(v)
    return found


def _set_checkpoint_initializer(variable, ckpt_file, tensor_name, slice_spec, name='checkpoint_initializer'):
    """Makes `variable`'s initializer a RestoreV2 of `tensor_name` from `ckpt_file` (TF's rewrite)."""
    g = variable.graph
    with g.as_default(), g.device(variable.device), g.device('/cpu:0'):
        restore = io_ops.restore_v2(ckpt_file, [tensor_name], [slice_spec], [variable.dtype.base_dtype],
                                    name=name)[0]
    ref = variable._ref()
    with g.as_default(), g.colocate_with(ref.op):
        init = state_ops.assign(ref, restore, validate_shape=variable.shape.is_fully_defined()).op
    restore.set_shape(variable.shape)
    variable._initializer_op = init
    variable._initial_value = restore


def _set_variable_or_list_initializer(variable_or_list, ckpt_file, tensor_name):
    if isinstance(variable_or_list, (list, tuple)) or saveables.is_partitioned(variable_or_list):
        slice_name = None
        for v in list(variable_or_list):
            info = v._get_save_slice_info()
            if slice_name is None:
                slice_name = info.full_name
            elif slice_name != info.full_name:
                raise ValueError('Slices must all be from the same tensor: %s != %s' % (slice_name, info.full_name))
            _set_checkpoint_initializer(v, ckpt_file, tensor_name, saveables.slice_spec(info))
    else:
        _set_checkpoint_initializer(variable_or_list, ckpt_file, tensor_name, '')


def _graph_variable(name, by_name):
    """The variable called `name`, or the list of slices of the partitioned variable `name`, or None."""
    found = by_name.get(name)
    if not found:
        return None
    return found if len(found) > 1 or saveables.is_sliced(found[0]) else found[0]


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Replaces the initializers of variables by reads of a checkpoint (tf.train.init_from_checkpoint).

    `assignment_map` entries, as in TF: {'ckpt/name': variable, variable name or list of slices}
    for one variable, or {'ckpt_scope/': 'graph_scope/'} for every graph variable under the scope
    (taken from the checkpoint under the same name below ckpt_scope; '/' stands for the root).
    Variables are looked up in the global and local variable collections by their op names
    (partitioned ones by their full name).
    """
    ckpt_file = checkpoint_filename(ckpt_dir_or_file)
    if ckpt_file is None:
        raise ValueError("Couldn't find 'checkpoint' file or checkpoints in given directory %s" % ckpt_dir_or_file)
    shapes = NewCheckpointReader(ckpt_file).get_variable_to_shape_map()
    by_name = _variables_by_name()
    for ckpt_name, current in sorted(assignment_map.items(), key=lambda item: item[0]):
        if isinstance(current, _variables.Variable) or saveables.is_partitioned(current) or (
                isinstance(current, (list, tuple)) and all(isinstance(v, _variables.Variable) for v in current)):
            var = current
        else:
            var = _graph_variable(current, by_name)
        if var is not None:
            if ckpt_name not in shapes:
                raise ValueError('Tensor %s is not found in %s checkpoint %s' % (ckpt_name, ckpt_dir_or_file, shapes))
            if isinstance(var, _variables.Variable) and not var.shape.is_compatible_with(shapes[ckpt_name]):
                raise ValueError("Shape of variable %s (%s) doesn't match with shape of tensor %s (%s) from "
                                 'checkpoint reader.' % (var.name, var.shape, ckpt_name, shapes[ckpt_name]))
            _set_variable_or_list_initializer(var, ckpt_file, ckpt_name)
            logger.debug('Initialize variable %s from checkpoint %s with %s', current, ckpt_dir_or_file, ckpt_name)
            continue
        scopes = current[:current.rindex('/')] if '/' in current else ''
        if not ckpt_name.endswith('/'):
            raise ValueError("Assignment map with scope only name {} should map to scope only {}. Should be "
                             "'scope/': 'other_scope/'.".format(scopes, ckpt_name))
        for var_name in sorted(n for n in by_name if not scopes or n.startswith(scopes + '/')):
            full = var_name[len(scopes):]
            if current != '/':
                full = full[1:]
            if ckpt_name != '/':
                full = ckpt_name + full
            if full.endswith('/'):
                full = full[:-1]
            if full not in shapes:
                raise ValueError('Tensor %s (%s in %s) is not found in %s checkpoint'
                                 % (full, var_name[len(scopes) + 1:], ckpt_name, ckpt_dir_or_file))
            _set_variable_or_list_initializer(_graph_variable(var_name, by_name), ckpt_file, full)
