"""What a Saver saves: (name, variable ref, slice spec) records, by TF's saveable_object_util rules.

`op_list_to_dict` names a list of variables as TF does: a variable by its op name (a resource
variable by its VarHandleOp's), a slice of a partitioned variable by its full name (the slices
grouped in a list), a PartitionedVariable by its name. `validate_and_slice_inputs` turns such a
dict (or list) into VariableSaveables sorted by name, one per variable or slice, with the slice
spec TF writes ("<full shape> <offset,length:...>", '' for a whole variable); a variable saved
under two names is a ValueError.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import variables as _variables

_VARIABLE_OPS = ('Variable', 'VariableV2', 'AutoReloadVariable', 'VarHandleOp', 'ReadVariableOp')


class VariableSaveable:
    """One variable (or one slice of a partitioned one) saved under `name`.

    `op` is the variable's Ref tensor ('v:0') or, for a resource variable, its handle; `value()`
    is what SaveV2 takes (the Ref, or a read of the handle on the host) and `restore(tensor)` the
    op writing a restored tensor back (Assign, or AssignVariableOp)."""
    __slots__ = ('name', 'op', 'slice_spec', 'dtype', 'device', 'shape', 'is_resource')

    def __init__(self, ref, slice_spec, name):
        self.op = ref
        self.name = name
        self.slice_spec = slice_spec
        self.device = ref.device
        self.is_resource = ref.dtype.base_dtype == dtypes.resource
        if self.is_resource:
            self.dtype = ref.op.get_attr('dtype') if ref.op.type == 'VarHandleOp' else None
            self.shape = ref.op.get_attr('shape') if ref.op.type == 'VarHandleOp' else ref.shape
        else:
            self.dtype = ref.dtype.base_dtype
            self.shape = ref.shape

    def value(self):
        if not self.is_resource:
            return self.op
        from sluice.ops import graph_ops, resource_variable_ops
        g = self.op.graph
        with g.colocate_with(self.op.op), g.name_scope('Read'):
            read = resource_variable_ops.read_variable_op(self.op, self.dtype)
        with g.device('/device:CPU:0'):
            return graph_ops.identity(read)

    def restore(self, tensor, validate_shape):
        from sluice.ops import resource_variable_ops, state_ops
        with self.op.graph.colocate_with(self.op.op):
            if self.is_resource:
                return resource_variable_ops.assign_variable_op(self.op, tensor)
            return state_ops.assign(self.op, tensor, validate_shape=validate_shape).op


def is_sliced(var):
    return isinstance(var, _variables.Variable) and var._get_save_slice_info() is not None


def is_partitioned(var):
    return type(var).__name__ == 'PartitionedVariable'


def slice_spec(info):
    """TF's SaveSliceInfo.spec: "<full shape> <offset,length:...>"."""
    spec = getattr(info, 'spec', None)
    if spec is not None:
        return spec
    full = ' '.join('%d' % d for d in info.full_shape) + ' '
    return full + ':'.join('%d,%d' % (o, s) for o, s in zip(info.var_offset, info.var_shape))


def _comes_from_variable(t):
    return isinstance(t, _graph.Tensor) and t.op.type in _VARIABLE_OPS


def _as_ref(var):
    if isinstance(var, _variables.Variable):
        return var._ref()
    return var


def op_list_to_dict(op_list):
    """{save name: variable, or list of slices} for a list of variables (TF's names: op names)."""
    if not isinstance(op_list, (list, tuple, set)):
        raise TypeError('Variables to save should be passed in a dict or a list. Got %s' % (op_list,))
    flat = []

    def flatten(items):
        for x in items:
            if isinstance(x, (list, tuple)):
                flatten(x)
            else:
                flat.append(x)
    flatten(list(op_list))
    flat.sort(key=lambda x: x.name)  # deterministic graphs whatever the order given
    names_to_saveables = {}
    for var in flat:
        if is_partitioned(var):
            if var.name in names_to_saveables:
                raise ValueError('At least two variables have the same name: %s' % var.name)
            names_to_saveables[var.name] = var
        elif is_sliced(var):
            name = var._get_save_slice_info().full_name
            if name in names_to_saveables:
                if not isinstance(names_to_saveables[name], list):
                    raise ValueError('Mixing slices and non-slices with the same name: %s' % name)
                names_to_saveables[name].append(var)
            else:
                names_to_saveables[name] = [var]
        else:
            ref = _as_ref(var)
            if not _comes_from_variable(ref):
                raise TypeError('Variable to save is not a Variable: %s' % (var,))
            name = ref.op.inputs[0].op.name if ref.op.type == 'ReadVariableOp' else ref.op.name
            if name in names_to_saveables:
                raise ValueError('At least two variables have the same name: %s' % name)
            names_to_saveables[name] = var
    return names_to_saveables


def _saveables_for(op, name):
    if not isinstance(name, str):
        raise TypeError('names_to_saveables must be a dict mapping string names to trackable operations. '
                        'Name is not a string: %s' % (name,))
    if isinstance(op, (list, tuple)) or is_partitioned(op):
        slice_name = None
        for variable in list(op):
            if not isinstance(variable, _variables.Variable):
                raise ValueError('Slices must all be Variables: %s' % (variable,))
            info = variable._get_save_slice_info()
            if not info:
                raise ValueError('Slices must all be slices: %s' % (variable,))
            if slice_name is None:
                slice_name = info.full_name
            elif slice_name != info.full_name:
                raise ValueError('Slices must all be from the same tensor: %s != %s' % (slice_name, info.full_name))
            yield VariableSaveable(variable._ref(), slice_spec(info), name)
        return
    ref = _as_ref(op)
    if not _comes_from_variable(ref):
        raise TypeError('names_to_saveables must be a dict mapping string names to Tensors/Variables. Not a '
                        'variable: %s' % (op,))
    yield VariableSaveable(ref, '', name)


def validate_and_slice_inputs(names_to_saveables):
    """The saveables of a var_list (list or dict), sorted by name; ValueError for a variable saved twice."""
    if not isinstance(names_to_saveables, dict):
        names_to_saveables = op_list_to_dict(names_to_saveables)
    for name in names_to_saveables:
        if not isinstance(name, str):
            raise TypeError('names_to_saveables must be a dict mapping string names to trackable operations. '
                            'Name is not a string: %s' % (name,))
    saveables = []
    seen = set()
    for name, op in sorted(names_to_saveables.items(), key=lambda item: item[0]):
        for saveable in _saveables_for(op, name):
            if saveable.op in seen:
                raise ValueError('The same saveable will be restored with two names: %s' % saveable.name)
            saveables.append(saveable)
            seen.add(saveable.op)
    return saveables


def all_saveable_objects():
    g = _graph.get_default_graph()
    return g.get_collection(GraphKeys.GLOBAL_VARIABLES) + g.get_collection(GraphKeys.SAVEABLE_OBJECTS)
