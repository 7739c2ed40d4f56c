"""Horovod's training API on sluice: DistributedOptimizer (gradients averaged over the ranks, in
one grouped collective per dtype), broadcast_global_variables and BroadcastGlobalVariablesHook."""
from sluice.engine.graph import get_default_graph
from sluice.horovod import communicator, mpi_ops
from sluice.ops.graph_ops import group
from sluice.ops.indexed_slices import IndexedSlices
from sluice.training.optimizer import Optimizer
from sluice.training.session_run_hooks import SessionRunHook


def allreduce(tensor, average=True, device_dense='', device_sparse='', compression=None, name=None):
    """The sum (average=True: the mean) over the ranks of `tensor`; IndexedSlices are gathered."""
    import sluice as tf
    if isinstance(tensor, IndexedSlices):
        values = mpi_ops.allgather(tensor.values)
        indices = mpi_ops.allgather(tensor.indices)
        if average:
            values = tf.div(values, tf.cast(communicator.size(), values.dtype))
        return IndexedSlices(values, indices, dense_shape=tensor.dense_shape)
    summed = mpi_ops._allreduce(tensor, name=name)
    return tf.div(summed, tf.cast(communicator.size(), summed.dtype)) if average else summed


def broadcast_global_variables(root_rank):
    """An op assigning every global variable the value it has on rank root_rank."""
    import sluice as tf
    return group(*[tf.assign(v, mpi_ops.broadcast(v, root_rank)) for v in tf.global_variables()])


class BroadcastGlobalVariablesHook(SessionRunHook):
    """Broadcasts the global variables from root_rank once the session exists (after initialization
    or restore), so all ranks start from the same weights."""

    def __init__(self, root_rank, device=''):
        self.root_rank, self.device, self.bcast_op = root_rank, device, None

    def begin(self):
        graph = get_default_graph()
        if self.bcast_op is None or self.bcast_op.graph is not graph:
            with graph.device(self.device):
                self.bcast_op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord):
        session.run(self.bcast_op)


class DistributedOptimizer(Optimizer):
    """Wraps an optimizer: compute_gradients averages each gradient over the ranks (dense ones in one
    HorovodGroupedAllreduce per dtype, Horovod's tensor fusion); apply_gradients is the wrapped one's."""

    def __init__(self, optimizer, name=None, use_locking=False, device_dense='', device_sparse='',
                 compression=None, sparse_as_dense=False, backward_passes_per_step=1):
        if backward_passes_per_step != 1:
            raise NotImplementedError('sluice.horovod.DistributedOptimizer: backward_passes_per_step > 1 is not '
                                      'implemented yet')
        super().__init__(use_locking, name or 'Distributed' + type(optimizer).__name__)
        self._optimizer = optimizer
        self._sparse_as_dense = sparse_as_dense

    def compute_gradients(self, *args, **kwargs):
        import sluice as tf
        grads_and_vars = self._optimizer.compute_gradients(*args, **kwargs)
        if communicator.size() == 1:
            return grads_and_vars
        result = list(grads_and_vars)
        dense = {}
        for i, (g, v) in enumerate(result):
            if g is None:
                continue
            if isinstance(g, IndexedSlices):
                if not self._sparse_as_dense:
                    result[i] = (allreduce(g), v)
                    continue
                g = tf.convert_to_tensor(g)
            dense.setdefault(g.dtype.base_dtype, []).append((i, g))
        with tf.name_scope(self._name + '_Allreduce'):
            for dtype, items in dense.items():
                summed = mpi_ops.grouped_allreduce([g for _, g in items])
                scale = tf.cast(1.0 / communicator.size(), dtype)
                for (i, _), s in zip(items, summed):
                    result[i] = (s * scale, result[i][1])
        return result

    def apply_gradients(self, *args, **kwargs):
        return self._optimizer.apply_gradients(*args, **kwargs)

    def get_slot(self, *args, **kwargs):
        return self._optimizer.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._optimizer.get_slot_names(*args, **kwargs)

    def variables(self, *args, **kwargs):
        return self._optimizer.variables(*args, **kwargs)
