"""slim.prefetch_queue: a queue of capacity `capacity` (8) that `num_threads` queue-runner threads keep
filled with evaluations of `tensors` (a list, or a dict whose keys name the components, sorted), so a
consumer dequeues ready values; a scalar summary 'fraction_of_<capacity>_full' reports its fill level.
dynamic_pad uses a PaddingFIFOQueue (dimensions unknown in `tensors` padded per dequeue_many).
"""
from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.ops import math_ops, summary_ops
from sluice.queues.data_flow_ops import FIFOQueue, PaddingFIFOQueue
from sluice.queues.queue_runner import QueueRunner, add_queue_runner

__all__ = ['prefetch_queue']


def prefetch_queue(tensors, capacity=8, num_threads=1, dynamic_pad=False, shared_name=None, name=None):
    """A queue prefetching `tensors`; dequeue() gives values with their dtypes and shapes."""
    if isinstance(tensors, dict):
        names = sorted(tensors.keys())
        tensor_list = [tensors[n] for n in names]
    else:
        names, tensor_list = None, tensors
    with _graph.name_scope(name, 'prefetch_queue', tensor_list):
        queue_class = PaddingFIFOQueue if dynamic_pad else FIFOQueue
        queue = queue_class(capacity=capacity, dtypes=[t.dtype for t in tensor_list],
                            shapes=[t.get_shape() for t in tensor_list], names=names, shared_name=shared_name)
        enqueue_op = queue.enqueue(tensors)
        add_queue_runner(QueueRunner(queue, [enqueue_op] * num_threads))
        summary_ops.scalar('fraction_of_%d_full' % capacity,
                           math_ops.cast(queue.size(), _dtypes.float32) * (1. / capacity))
        return queue


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim.prefetch_queue')
