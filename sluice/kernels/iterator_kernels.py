"""Kernels of the iterator ops: the session's iterator state and its handles.

An iterator node (IteratorV2, OneShotIterator) outputs the session's IteratorState for that node
(ResourceStore; a shared_name shares it across nodes). MakeIterator closes the state's current
iteration (ending its threads) and starts one over a dataset value; OneShotIterator starts it
itself the first time it runs. IteratorGetNext takes the next element under the state's lock (one
consumer at a time: the generators behind it are not reentrant) and raises OutOfRangeError 'End
of sequence' at the end, as TF. An element whose function failed raises its error and the next
call goes on (dataset_sources.ElementError); an error of the pipeline itself (a file that cannot
be read) ends the iteration: later calls see End of sequence. Session.close() closes every state
(close_for_session): waiting consumers are woken (prefetch buffers are cancelled first), then the
iteration is closed and its threads joined.
"""
import itertools
import threading

import numpy as np

from sluice.engine import errors
from sluice.kernels import dataset_batching
from sluice.kernels.dataset_sources import ElementError
from sluice.kernels.dataset_kernels import string_fixer
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)
_END = object()
_ids = itertools.count(1)


class IteratorState:
    def __init__(self, name, types, shapes):
        self.name = name
        self.types = list(types)
        self.shapes = list(shapes)
        self.handle = ('sluice-iterator:%d:%s' % (next(_ids), name)).encode()
        self._lock = threading.Lock()
        self._it = None
        self._prefetchers = []
        self._closed = False
        self.fresh = False  # whether the current iteration's elements are new arrays (DatasetValue.fresh)

    def reset(self, value):
        with self._lock:
            self._close_iteration()
            self._it = value.iterate()
            self.fresh = value.fresh

    def start_once(self, value):
        with self._lock:
            if self._it is None and not self._closed:
                self._it = value.iterate()
                self.fresh = value.fresh

    def get_next(self, op):
        with self._lock:
            it = self._it
            if it is None:
                raise errors.error_for_op(
                    errors.FailedPreconditionError, op,
                    'GetNext() failed because the iterator has not been initialized. Ensure that you have run the '
                    'initializer operation for this iterator before getting the next element.')
            outer = dataset_batching.set_pipeline_owner(self)
            try:
                element = next(it, _END)
            finally:
                dataset_batching.set_pipeline_owner(outer)
            if element is _END:
                raise errors.error_for_op(errors.OutOfRangeError, op, 'End of sequence')
            if type(element) is ElementError:
                raise element.error  # and the next call goes on with the next element
            return element

    def add_prefetcher(self, prefetcher):
        self._prefetchers = [p for p in self._prefetchers if p.running()] + [prefetcher]

    def _close_iteration(self):
        it, self._it = self._it, None
        prefetchers, self._prefetchers = self._prefetchers, []
        if it is not None:
            it.close()
        for p in prefetchers:
            p.close()

    def close_for_session(self):
        self._closed = True
        for p in list(self._prefetchers):
            p.cancel()
        # A consumer blocked elsewhere (a generator that never returns) keeps the lock: leave it then.
        if self._lock.acquire(timeout=10):
            try:
                self._close_iteration()
            finally:
                self._lock.release()


def _iterator_state(op, ctx):
    types = op.get_attr('output_types')
    shapes = op.get_attr('output_shapes')
    shared = op.get_attr('shared_name')
    key = ('iterator', op.get_attr('container'), shared) if shared else op
    state = ctx.resources.op_state(key, lambda: IteratorState(shared or op.name, types, shapes))
    handles = ctx.resources.op_state(('iterator', 'handles'), dict)
    handles[state.handle] = state
    return state


@register_kernel('IteratorV2', devices=_CPU)
def iterator_v2(op, ctx):
    state = _iterator_state(op, ctx)
    return lambda: state


@register_kernel('OneShotIterator', devices=_CPU)
def one_shot_iterator(op, ctx):
    state = _iterator_state(op, ctx)

    def run(dataset):
        state.start_once(dataset)
        return state
    return run


@register_kernel('MakeIterator', devices=_CPU)
def make_iterator(op, ctx):
    def run(dataset, iterator):
        iterator.reset(dataset)
    return run


@register_kernel('IteratorGetNext', devices=_CPU, multi_output=True, fresh_output=True)
def iterator_get_next(op, ctx):
    types = op.get_attr('output_types')
    fix = string_fixer(types)
    n = len(types)

    def run(iterator):
        element = iterator.get_next(op)
        if not iterator.fresh:  # rows of a constant, cached elements: the graph gets copies it may own
            element = [np.array(c) if isinstance(c, np.ndarray) else c for c in element]
        if len(element) != n:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'Expected %d components but the iterator '
                                      'produced %d' % (n, len(element)))
        return tuple(fix(element)) if fix else element
    return run


@register_kernel('IteratorToStringHandle', devices=_CPU)
def iterator_to_string_handle(op, ctx):
    def run(iterator):
        value = np.empty((), dtype=object)
        value[()] = iterator.handle
        return value
    return run


@register_kernel('IteratorFromStringHandleV2', devices=_CPU)
def iterator_from_string_handle(op, ctx):
    handles = ctx.resources.op_state(('iterator', 'handles'), dict)
    types = list(op.get_attr('output_types'))

    def run(handle):
        key = handle.item() if isinstance(handle, np.ndarray) else handle
        key = key.encode() if isinstance(key, str) else key
        state = handles.get(key)
        if state is None:
            raise errors.error_for_op(errors.InvalidArgumentError, op,
                                      'Could not find an iterator for the string handle %r in this session' % key)
        if types and [t.base_dtype for t in state.types] != [t.base_dtype for t in types]:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'Expected types %s but got iterator with '
                                      'types %s' % ([t.name for t in types], [t.name for t in state.types]))
        return state
    return run

