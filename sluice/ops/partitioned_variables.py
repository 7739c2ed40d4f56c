"""Partitioned variables: one logical variable stored as shards along one axis (TF1's `partitioner=`).

A partitioner is a function `(shape=TensorShape, dtype=DType) -> [shards per axis]` with at most one
entry above 1. For a variable 'emb' of full shape S split into n shards along axis k,
`get_partitioned_variable` makes n ordinary Variables 'emb/part_0' ... 'emb/part_<n-1>': shard i has
S[k] // n rows along k, plus one for the first S[k] % n shards, at the offset where the previous one
ends. Each shard carries a SaveSliceInfo (full name 'emb', full shape, offset, shard shape), which is
how the Saver writes all shards as ONE checkpoint tensor 'emb' and how optimizers name their slots'
slices ('emb/Adam'). Initializers are called per shard with a `_PartitionInfo` (full shape, offset), so
fan-based and constant initializers see the full variable; a Tensor initial value is sliced per shard
under 'emb/part_i/PartitionedInitializer/'.

The shards are what the variable collections hold; `PartitionedVariable` is the handle get_variable
returns: it iterates over its shards in offset order, and converts to a Tensor by concatenating them
along the partitioned axis ('emb/ConcatPartitions/concat', then an Identity named 'emb').
"""
import collections.abc
import math

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.io.meta_graph import SaveSliceInfo
from sluice.ops import array_ops
from sluice.ops import graph_ops
from sluice.ops import variables

__all__ = ['variable_axis_size_partitioner', 'min_max_variable_partitioner', 'fixed_size_partitioner',
           'create_partitioned_variables']


variables.Variable.SaveSliceInfo = SaveSliceInfo


class _PartitionInfo:
    """What an initializer is told about the shard it fills: the full shape and the shard's offset."""

    def __init__(self, full_shape, var_offset):
        if not isinstance(full_shape, collections.abc.Sequence) or isinstance(full_shape, str):
            raise TypeError('`full_shape` must be a sequence (like tuple or list) instead of '
                            + type(full_shape).__name__)
        if not isinstance(var_offset, collections.abc.Sequence) or isinstance(var_offset, str):
            raise TypeError('`var_offset` must be a sequence (like tuple or list) instead of '
                            + type(var_offset).__name__)
        if len(var_offset) != len(full_shape):
            raise ValueError('Expected equal length, but `var_offset` is of length {} while full_shape is of '
                             'length {}.'.format(len(var_offset), len(full_shape)))
        for offset, size in zip(var_offset, full_shape):
            if offset < 0 or offset >= size:
                raise ValueError('Expected 0 <= offset < shape but found offset={}, shape={} for var_offset={}, '
                                 'full_shape={}'.format(offset, size, var_offset, full_shape))
        self._full_shape = list(full_shape)
        self._var_offset = list(var_offset)

    full_shape = property(lambda self: self._full_shape)
    var_offset = property(lambda self: self._var_offset)

    def single_offset(self, shape):
        """The offset along the one partitioned axis (0 if the shard is the whole variable)."""
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self._var_offset[dim]

    def single_slice_dim(self, shape):
        """The axis the shard of `shape` is cut along, None if it is the whole variable."""
        if not isinstance(shape, collections.abc.Sequence) or isinstance(shape, str):
            raise TypeError('`shape` must be a sequence (like tuple or list) instead of ' + type(shape).__name__)
        if len(shape) != len(self._full_shape):
            raise ValueError('Expected equal length, but received shape={} of length {} while self.full_shape={} '
                             'is of length {}.'.format(shape, len(shape), self._full_shape, len(self._full_shape)))
        for i in range(len(shape)):
            if self._var_offset[i] + shape[i] > self._full_shape[i]:
                raise ValueError('With self.var_offset={}, a partition of shape={} would exceed self.full_shape={} '
                                 'in dimension {}.'.format(self._var_offset, shape, self._full_shape, i))
        slice_dim = None
        for i in range(len(shape)):
            if shape[i] == self._full_shape[i]:
                continue
            if slice_dim is not None:
                raise ValueError('Cannot use single_slice_dim() with shape={} and self.full_shape={} since slice '
                                 'dim could be either dimension {} or {}.'.format(shape, self._full_shape, i,
                                                                                  slice_dim))
            slice_dim = i
        return slice_dim


# ---------------------------------------------------------------------------------------------
# Partitioners
# ---------------------------------------------------------------------------------------------
def _element_size(dtype, bytes_per_string_element):
    return bytes_per_string_element if dtype.base_dtype == dtypes.string else dtype.size


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16, max_shards=None):
    """Shards along `axis` so that each shard stays under max_shard_bytes (at most max_shards of them)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError('Both max_shard_bytes and bytes_per_string_element must be positive.')
    if max_shards and max_shards < 1:
        raise ValueError('max_shards must be positive.')

    def _partitioner(shape, dtype):
        if not isinstance(shape, tensor_shape.TensorShape):
            raise ValueError('shape is not a TensorShape: %s' % shape)
        if not shape.is_fully_defined():
            raise ValueError('shape is not fully defined: %s' % shape)
        if not isinstance(dtype, dtypes.DType):
            raise ValueError('dtype is not a DType: %s' % dtype)
        dims = shape.as_list()
        bytes_per_slice = 1.0 * (shape.num_elements() / dims[axis]) * _element_size(dtype, bytes_per_string_element)
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        axis_shards = int(math.ceil(1.0 * dims[axis] / slices_per_shard))
        if max_shards:
            axis_shards = min(max_shards, axis_shards)
        partitions = [1] * len(dims)
        partitions[axis] = axis_shards
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10, bytes_per_string_element=16):
    """Shards along `axis`, each at least min_slice_size bytes, at most max_partitions of them."""
    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise ValueError('Can not partition variable along axis %d when shape is only %s' % (axis, shape))
        dims = tensor_shape.as_shape(shape).as_list()
        total_size_bytes = tensor_shape.as_shape(shape).num_elements() * _element_size(dtype, bytes_per_string_element)
        partitions = total_size_bytes / min_slice_size
        partitions_list = [1] * len(dims)
        partitions_list[axis] = max(1, min(dims[axis], max_partitions, int(math.ceil(partitions))))
        return partitions_list
    return _partitioner


def fixed_size_partitioner(num_shards, axis=0):
    """num_shards shards along `axis` (fewer if the axis is shorter)."""
    def _partitioner(shape, **unused_args):
        partitions_list = [1] * len(shape)
        partitions_list[axis] = min(num_shards, tensor_shape.as_shape(shape).as_list()[axis])
        return partitions_list
    return _partitioner


def call_partitioner(partitioner, shape, dtype):
    """The partitioner's slicing of a new variable, checked as TF checks it."""
    if not shape.is_fully_defined():
        raise ValueError('Shape of a new partitioned variable must be fully defined, but instead was %s.' % (shape,))
    if shape.ndims < 1:
        raise ValueError('A partitioned Variable must have rank at least 1, shape: %s' % shape)
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, collections.abc.Sequence) or isinstance(slicing, str):
        raise ValueError('Partitioner must return a sequence, but saw: %s' % slicing)
    if len(slicing) != shape.ndims:
        raise ValueError("Partitioner returned a partition list that does not match the Variable's rank: %s vs. %s"
                         % (slicing, shape))
    if any(p < 1 for p in slicing):
        raise ValueError('Partitioner returned zero partitions for some axes: %s' % slicing)
    if sum(p > 1 for p in slicing) > 1:
        raise ValueError('Can only slice a variable along one dimension: shape: %s, partitioning: %s'
                         % (shape, slicing))
    return list(slicing)


def slice_dim_and_num_slices(slicing):
    """(axis, shards): the one axis with more than one shard, or (0, 1)."""
    for dim, num in enumerate(slicing):
        if num > 1:
            return dim, num
    return 0, 1


def iter_slices(full_shape, num_slices, slice_dim):
    """(offset, shape) of each shard: the first full_shape[slice_dim] % num_slices shards get a row more."""
    excess = full_shape[slice_dim] % num_slices
    base = full_shape[slice_dim] // num_slices
    offset = [0] * len(full_shape)
    for i in range(num_slices):
        shape = list(full_shape)
        shape[slice_dim] = base + (1 if i < excess else 0)
        yield list(offset), shape
        offset[slice_dim] += shape[slice_dim]


# ---------------------------------------------------------------------------------------------
# PartitionedVariable
# ---------------------------------------------------------------------------------------------
class PartitionedVariable:
    """The shards of one variable, in offset order; converts to their concatenation."""

    def __init__(self, name, shape, dtype, variable_list, partitions):
        if not isinstance(variable_list, (list, tuple)):
            raise TypeError('variable_list is not a list or tuple: %s' % variable_list)
        if not isinstance(partitions, (list, tuple)):
            raise TypeError('partitions is not a list or tuple: %s' % partitions)
        if not all(p >= 1 for p in partitions):
            raise ValueError('partition values must be positive: %s' % partitions)
        if not variable_list:
            raise ValueError('variable_list may not be empty')
        shape = tensor_shape.as_shape(shape)
        if not all(v._get_save_slice_info() is not None for v in variable_list):
            raise ValueError('All variables must have a save_slice_info available: %s'
                             % [v.name for v in variable_list])
        if len(shape) != len(partitions):
            raise ValueError('len(shape) != len(partitions): %s vs. %s' % (shape, partitions))
        for v in variable_list:
            if list(v._get_save_slice_info().full_shape) != shape.as_list():
                raise ValueError("All variables' full shapes must match shape: %s; but full shapes were: %s"
                                 % (shape, str([v._get_save_slice_info().full_shape])))
        self._variable_list = sorted(variable_list, key=lambda v: v._get_save_slice_info().var_offset)
        self._name = name
        self._shape = shape
        self._dtype = dtypes.as_dtype(dtype)
        self._partitions = list(partitions)

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._variable_list[0].graph)

    def get_shape(self):
        return self._shape

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        axes = self._partition_axes()
        if len(axes) > 1:
            raise ValueError('Cannot get a length for %d > 1 partition axes' % len(axes))
        return len(self._variable_list)

    def __repr__(self):
        return "<tf.PartitionedVariable '%s' shape=%s dtype=%s parts=%d>" % (
            self._name, self._shape, self._dtype.name, len(self._variable_list))

    def _partition_axes(self):
        if all(p == 1 for p in self._partitions):
            return [0]
        return [i for i, p in enumerate(self._partitions) if p > 1]

    def _get_variable_list(self):
        return self._variable_list

    def get_variable_list(self):
        return self._variable_list

    def _get_partitions(self):
        return self._partitions

    def get_partitions(self):
        return self._partitions

    def _concat(self):
        """The shards concatenated, under the control dependencies in force."""
        g = self.graph
        if len(self._variable_list) == 1:
            with g.as_default(), g.name_scope(None):
                return graph_ops.identity(self._variable_list[0], name=self._name)
        axes = self._partition_axes()
        if len(axes) > 1:
            raise NotImplementedError('Cannot concatenate along more than one dimension: %s.  Multi-axis partition '
                                      'concat is not supported' % str(axes))
        with g.as_default():
            with g.name_scope(self._name + '/ConcatPartitions/'):
                concatenated = array_ops.concat(self._variable_list, axes[0])
            with g.name_scope(None):
                return graph_ops.identity(concatenated, name=self._name)

    def as_tensor(self):
        """The shards concatenated, free of the control dependencies in force (like a variable's read)."""
        with self.graph.control_dependencies(None):
            return self._concat()

    def _apply_assign_fn(self, assign_fn, value):
        axes = self._partition_axes()
        if len(axes) > 1:
            raise NotImplementedError('Cannot do assign action along more than one dimension: %s.  Multi-axis '
                                      'partition assign action is not supported ' % str(axes))
        if isinstance(value, list):
            if len(value) != len(self._variable_list):
                raise ValueError('Assigning %d values to the %d shards of %s'
                                 % (len(value), len(self._variable_list), self._name))
            value_list = value
        elif isinstance(value, PartitionedVariable):
            value_list = list(value)
        else:
            sizes = [v.shape.as_list()[axes[0]] for v in self._variable_list]
            with self.graph.as_default():
                value_list = array_ops.split(value, sizes, axis=axes[0])
        return [assign_fn(var, value_list[i]) for i, var in enumerate(self._variable_list)]

    def assign(self, value, use_locking=False, name=None, read_value=True):
        return self._apply_assign_fn(lambda var, v: var.assign(v, use_locking=use_locking, name=name,
                                                               read_value=read_value), value)

    def assign_add(self, value, use_locking=False, name=None, read_value=True):
        return self._apply_assign_fn(lambda var, v: var.assign_add(v, use_locking=use_locking, name=name,
                                                                   read_value=read_value), value)

    def assign_sub(self, value, use_locking=False, name=None, read_value=True):
        return self._apply_assign_fn(lambda var, v: var.assign_sub(v, use_locking=use_locking, name=name,
                                                                   read_value=read_value), value)


def _partitioned_variable_conversion(value, dtype=None, name=None, as_ref=False):
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
        raise ValueError("Incompatible type conversion requested to type '%s' for variable of type '%s'"
                         % (dtypes.as_dtype(dtype).name, value.dtype.name))
    if as_ref:
        raise NotImplementedError("PartitionedVariable doesn't support being used as a reference.")
    return value.as_tensor()


_graph.register_tensor_conversion_function(PartitionedVariable, _partitioned_variable_conversion)


# ---------------------------------------------------------------------------------------------
# Creating (or reusing) the shards: _VariableStore's partitioned path
# ---------------------------------------------------------------------------------------------
def _check_reuse(name, existing, shape, dtype, partitions, reuse):
    if reuse is False:
        raise ValueError('Partitioned variable with name %s already exists. Did you mean to set reuse=True or '
                         'reuse=tf.AUTO_REUSE in VarScope?' % name)
    if not shape.is_compatible_with(existing.get_shape()):
        raise ValueError('Trying to reuse partitioned variable %s, but specified shape %s and found shape %s.'
                         % (name, shape, existing.get_shape()))
    if not dtype.is_compatible_with(existing.dtype):
        raise ValueError('Trying to reuse partitioned variable %s, but specified dtype %s and found dtype %s.'
                         % (name, dtype.name, existing.dtype.name))
    if partitions is not None and existing._get_partitions() != partitions:
        raise ValueError('Trying to reuse partitioned variable %s, but specified partitions %s and found '
                         'partitions %s.' % (name, partitions, existing._get_partitions()))
    return existing


def _check_existing_shards(store, name, num_slices):
    if '%s/part_0' % name not in store._vars:
        return
    if '%s/part_%d' % (name, num_slices - 1) not in store._vars:
        raise ValueError('Partitioner returned a different partitioning than what was already found.  '
                         'Partitioner returned %d shards, and shard %s/part_0 was found, but %s/part_%d was not.'
                         % (num_slices, name, name, num_slices - 1))
    if '%s/part_%d' % (name, num_slices) in store._vars:
        raise ValueError('Partitioner returned a different partitioning than what was already found.  '
                         'Partitioner returned %d shards, and shard %s/part_0 was found, but so was the extra '
                         'shard %s/part_%d.' % (num_slices, name, name, num_slices))


def _shard_initializer(initializer, dtype, offset, shape, default_initializer):
    """(initializer, static shape or None, dtype) for one shard: callables run per shard, values are sliced."""
    if initializer is None:
        return default_initializer, shape, dtype
    if callable(initializer):
        return initializer, shape, dtype
    if isinstance(initializer, _graph.Tensor):
        return array_ops.slice(initializer, offset, shape), None, initializer.dtype.base_dtype
    value = _graph.convert_to_tensor(initializer, dtype=dtype)
    return array_ops.slice(value, offset, shape), None, dtype


def get_partitioned_variable(store, name, partitioner, shape=None, dtype=dtypes.float32, initializer=None,
                             reuse=None, default_initializer=None, **single_kwargs):
    """The PartitionedVariable `name` of `store` (a _VariableStore), created shard by shard if new.

    `single_kwargs` go to each shard's store._get_single_variable (regularizer, trainable, collections...).
    """
    dtype = dtypes.as_dtype(dtype)
    if name in store._vars:
        raise ValueError('A partitioner was provided, but an unpartitioned version of the variable was found: %s.  '
                         'Perhaps a variable of the same name was already created without partitioning?' % name)
    shape = tensor_shape.as_shape(shape)
    if isinstance(initializer, _graph.Tensor):
        shape = shape.merge_with(initializer.get_shape())
    partitions = None
    if not reuse or partitioner:
        partitions = call_partitioner(partitioner, shape, dtype)
    if name in store._partitioned_vars:
        return _check_reuse(name, store._partitioned_vars[name], shape, dtype, partitions, reuse)
    if reuse is True:
        raise ValueError('PartitionedVariable %s does not exist, or was not created with tf.get_variable(). Did you '
                         'mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?' % name)
    slice_dim, num_slices = slice_dim_and_num_slices(partitions)
    _check_existing_shards(store, name, num_slices)
    g = _graph.get_default_graph()
    shards = []
    for i, (offset, shard_shape) in enumerate(iter_slices(shape.as_list(), num_slices, slice_dim)):
        shard_name = '%s/part_%d' % (name, i)
        with g.name_scope(shard_name + '/PartitionedInitializer'):
            init, init_shape, shard_dtype = _shard_initializer(initializer, dtype, offset, shard_shape,
                                                               default_initializer)
        with g.name_scope(None):
            var = store._get_single_variable(shard_name, shape=init_shape, dtype=shard_dtype, initializer=init,
                                             partition_info=_PartitionInfo(shape.as_list(), offset), reuse=reuse,
                                             **single_kwargs)
        var._set_save_slice_info(SaveSliceInfo(name, shape.as_list(), offset, shard_shape))
        shards.append(var)
    partitioned = PartitionedVariable(name=name, shape=shape, dtype=dtype, variable_list=shards,
                                      partitions=partitions)
    store._partitioned_vars[name] = partitioned
    return partitioned


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32, trainable=True, collections=None,
                                 name=None, reuse=None):
    """The shards (a list of Variables) of a variable of `shape` cut as `slicing` says (deprecated TF1 API)."""
    from sluice.ops import variable_scope
    if len(shape) != len(slicing):
        raise ValueError("The 'shape' and 'slicing' of a partitioned Variable must have the length: shape: %s, "
                         "slicing: %s" % (shape, slicing))
    if len(shape) < 1:
        raise ValueError('A partitioned Variable must have rank at least 1: shape: %s' % shape)
    with variable_scope.variable_scope(name, 'PartitionedVariable', reuse=reuse):
        partitioned = variable_scope._get_partitioned_variable(
            name=None, shape=shape, dtype=dtype, initializer=initializer, trainable=trainable,
            partitioner=lambda **unused_kwargs: slicing, collections=collections)
        return list(partitioned)
