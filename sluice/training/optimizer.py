"""tf.train.Optimizer: the base class of TF1's optimizers.

minimize(loss) = compute_gradients(loss) (tf.gradients with respect to the variables' Refs) then
apply_gradients(grads_and_vars). apply_gradients creates the slots once (outside any control
dependencies), opens the optimizer's name scope, lets the subclass convert its hyper-parameters
to tensors (_prepare), adds one update per variable with a gradient under 'update_<var>' and
colocated with the variable (_apply_dense for a Tensor gradient, _apply_sparse_duplicate_indices
for IndexedSlices), groups them (_finish) and, given a global step, increments it with an
AssignAdd that runs after the updates. The op it returns is added to the TRAIN_OP collection.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops
from sluice.ops import constant_op
from sluice.ops import graph_ops
from sluice.ops import manip_ops
from sluice.ops import resource_variables
from sluice.ops import segment_ops
from sluice.ops import state_ops
from sluice.ops import variables
from sluice.training import slot_creator

__all__ = ['Optimizer']


def _var_key(var):
    return (var.op.graph, var.op.name)


def _is_indexed_slices(value):
    return (not isinstance(value, _graph.Tensor) and hasattr(value, 'indices') and hasattr(value, 'values')
            and hasattr(value, 'dense_shape'))


class _SlicesView:
    """IndexedSlices-like (values, indices, dense_shape), used when tf.IndexedSlices is not available."""

    def __init__(self, values, indices, dense_shape=None):
        self.values = values
        self.indices = indices
        self.dense_shape = dense_shape


def indexed_slices(values, indices, dense_shape=None):
    """A tf.IndexedSlices when sluice has one, else an equivalent plain holder."""
    from sluice.ops import gradients_impl
    cls = getattr(gradients_impl, 'IndexedSlices', None)
    if cls is None:
        return _SlicesView(values, indices, dense_shape)
    return cls(values, indices, dense_shape)


def deduplicate_indexed_slices(values, indices):
    """(summed_values, unique_indices): TF's graph, Unique then UnsortedSegmentSum (so it travels to TF)."""
    unique_indices, new_index_positions = manip_ops.unique(indices)
    summed_values = segment_ops.unsorted_segment_sum(values, new_index_positions, array_ops.shape(unique_indices)[0])
    return summed_values, unique_indices


def _convert_gradient(g):
    if g is None or _is_indexed_slices(g):
        return g
    try:
        return _graph.convert_to_tensor(g)
    except (TypeError, ValueError):
        raise TypeError('Gradient must be convertible to a Tensor or IndexedSlices, or None: %s' % (g,)) from None


def _check_updatable(v):
    if not isinstance(v, variables.Variable):
        raise NotImplementedError('Trying to update a Tensor ', v)


class Optimizer:
    """Base class of the optimizers (TF1's tf.train.Optimizer)."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError('Must specify the optimizer name')
        self._use_locking = use_locking
        self._name = name
        self._slots = {}          # slot name -> {(graph, var op name): slot variable}
        self._non_slot_dict = {}  # (name, graph) -> variable (Adam's beta powers)

    def get_name(self):
        return self._name

    # -- the three steps ---------------------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """compute_gradients then apply_gradients; returns the training op."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients, aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError('No gradients provided for any variable, check your graph for ops that do not support '
                             'gradients, between variables %s and loss %s.'
                             % ([str(v) for _, v in grads_and_vars], loss))
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient or None, variable)] for var_list (default: the trainable variables)."""
        if callable(loss):
            loss = loss()
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError('gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, '
                             'Optimizer.GATE_GRAPH.  Not %s' % gate_gradients)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([grad_loss])
        g = _graph.graph_of([loss])
        if var_list is None:
            var_list = (g.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                        + g.get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES))
        else:
            var_list = list(_flatten(var_list))
        if not var_list:
            raise ValueError('No variables to optimize.')
        # Gradients are taken with respect to the Refs, as TF1's ref-variable processor does.
        targets = [v._ref() if isinstance(v, variables.Variable) else v for v in var_list]
        from sluice.ops import gradients_impl
        with g.as_default():
            grads = gradients_impl.gradients(loss, targets, grad_ys=grad_loss,
                                             gate_gradients=(gate_gradients == Optimizer.GATE_OP),
                                             aggregation_method=aggregation_method,
                                             colocate_gradients_with_ops=colocate_gradients_with_ops)
            if gate_gradients == Optimizer.GATE_GRAPH:
                grads = graph_ops.tuple(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for grad, v in grads_and_vars if grad is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Applies the gradients; returns the op that runs every update (and the global step increment)."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError('No variables provided.')
        converted = []
        for grad, v in grads_and_vars:
            grad = _convert_gradient(grad)
            converted.append((grad, v))
        var_list = [v for grad, v in converted if grad is not None]
        if not var_list:
            raise ValueError('No gradients provided for any variable: %s.' % ([str(v) for _, v in converted],))
        for _, v in converted:
            _check_updatable(v)
        g = var_list[0].graph
        with g.as_default():
            with g.control_dependencies(None):  # TF's init_scope: slots never wait for the step's ops
                self._create_slots(var_list)
            update_ops = []
            with _graph.name_scope(name, self._name) as scope:
                self._prepare()
                for grad, var in converted:
                    if grad is None:
                        continue
                    with g.name_scope('update_' + var.op.name), g.colocate_with(var.op):
                        if _is_indexed_slices(grad):
                            if var.constraint is not None:
                                raise RuntimeError('Cannot use a constraint function on a sparse variable.')
                            update = self._apply_sparse_duplicate_indices(grad, var)
                        else:
                            update = self._apply_dense(grad, var)
                            if var.constraint is not None:
                                with g.control_dependencies([update]):
                                    update = var.assign(var.constraint(var))
                        update_ops.append(update)
                if global_step is None:
                    apply_updates = self._finish(update_ops, scope)
                else:
                    with g.control_dependencies([self._finish(update_ops, 'update')]):
                        with g.colocate_with(_as_op(global_step)):
                            one = constant_op.constant(1, dtype=global_step.dtype.base_dtype, name='value')
                            apply_updates = state_ops.assign_add(global_step, one, name=scope)
            if isinstance(apply_updates, _graph.Tensor):
                apply_updates = apply_updates.op
            train_ops = g.get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    # -- slots ---------------------------------------------------------------------------------------
    def get_slot(self, var, name):
        named_slots = self._slots.get(name)
        if not named_slots:
            return None
        return named_slots.get(_var_key(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """The optimizer's variables (slots and others) in the current graph, sorted by name."""
        g = _graph.get_default_graph()
        found = [v for v in self._non_slot_dict.values() if v.graph is g]
        for named in self._slots.values():
            found.extend(v for v in named.values() if v.graph is g)
        return sorted(found, key=lambda v: v.name)

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot(var, val, op_name)
        return named_slots[_var_key(var)]

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_slot_with_initializer(var, initializer, shape, dtype,
                                                                                  op_name)
        return named_slots[_var_key(var)]

    def _zeros_slot(self, var, slot_name, op_name):
        named_slots = self._slot_dict(slot_name)
        if _var_key(var) not in named_slots:
            named_slots[_var_key(var)] = slot_creator.create_zeros_slot(var, op_name)
        return named_slots[_var_key(var)]

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        """A variable of the optimizer itself (not per variable), made once per graph."""
        g = colocate_with.graph
        key = (name, g)
        v = self._non_slot_dict.get(key)
        if v is None:
            with g.as_default(), g.colocate_with(colocate_with.op):
                v = variables.Variable(initial_value, name=name, trainable=False,
                                       use_resource=resource_variables.is_resource_variable(colocate_with))
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or _graph.get_default_graph()))

    def _non_slot_variables(self):
        return self._non_slot_dict.values()

    # -- what subclasses define ----------------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError()

    def _apply_sparse(self, grad, var):
        raise NotImplementedError()

    def _apply_sparse_duplicate_indices(self, grad, var):
        """Sums the rows of grad sharing an index, then _apply_sparse (TF's default)."""
        summed_values, unique_indices = deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(indexed_slices(summed_values, unique_indices, grad.dense_shape), var)

    def _finish(self, update_ops, name_scope):
        return graph_ops.group(*update_ops, name=name_scope)

    # -- helpers -------------------------------------------------------------------------------------
    def _call_if_callable(self, param):
        return param() if callable(param) else param

    def _valid_dtypes(self):
        return {dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64}

    def _assert_valid_dtypes(self, tensors):
        valid = self._valid_dtypes()
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in valid:
                raise ValueError('Invalid type %r for %s, expected: %s.'
                                 % (dtype, t.name, [v for v in sorted(valid, key=lambda d: d.name)]))


def _as_op(x):
    if isinstance(x, variables.Variable):
        return x.op
    return x.op if isinstance(x, _graph.Tensor) else x


def _flatten(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v
