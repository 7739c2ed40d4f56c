"""Host dataset values of tf.data's batching and buffering: batch, padded_batch, unbatch, prefetch
and cache (in memory; cache to a file is dataset_cache.py).

batch takes the fastest path its input allows, with the same elements and order:
  - rows by index (the input has an `index_view`): one fancy index per component per batch;
  - a map whose function is elementwise-safe (MapValue.vectorized): the map's *inputs* are
    gathered or stacked into one batch and the function runs once on it;
  - otherwise: batch_size elements stacked per component.
A batch whose elements include a failed one (ElementError) is that error, as TF drops the batch.
prefetch runs its input on a background thread that fills a bounded buffer; the thread ends when
the iterator is closed (re-initialized, or its session closed), and errors reach the consumer at
the element where they happened.
"""
import collections
import itertools
import threading

import numpy as np

from sluice.engine import errors
from sluice.engine import run_context
from sluice.kernels.dataset_sources import DatasetValue, ElementError, call_or_error, closing_iter, first_error
from sluice.kernels.dataset_transforms import MapValue

_END = object()


def _shape_list(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def stack_components(elements, n_components):
    """The batch of `elements` (tuples of arrays): each component stacked; TF's error for mixed shapes."""
    out = []
    for c in range(n_components):
        column = [np.asarray(e[c]) for e in elements]
        first = column[0].shape
        for j, a in enumerate(column):
            if a.shape != first:
                raise errors.InvalidArgumentError(
                    None, None, 'Cannot batch tensors with different shapes in component %d. First element had '
                                'shape %s and element %d had shape %s.' % (c, _shape_list(first), j,
                                                                          _shape_list(a.shape)))
        out.append(np.stack(column))
    return tuple(out)


def _index_batches(arrays, stream, batch_size, drop_remainder):
    """Batches gathered by index from an index stream."""
    pending, have = [], 0
    try:
        for chunk in stream:
            pending.append(chunk)
            have += len(chunk)
            while have >= batch_size:
                joined = pending[0] if len(pending) == 1 else np.concatenate(pending)
                idx, rest = joined[:batch_size], joined[batch_size:]
                pending, have = ([rest] if len(rest) else []), len(rest)
                yield idx
        if have and not drop_remainder:
            yield np.concatenate(pending)
    finally:
        stream.close()


class BatchValue(DatasetValue):
    fresh = True  # gathered or stacked: new arrays
    def __init__(self, input_value, batch_size, drop_remainder, n_components):
        if batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, 'Batch size must be greater than zero.')
        self.input = input_value
        self.batch_size = int(batch_size)
        self.drop_remainder = bool(drop_remainder)
        self.n = n_components

    def iterate(self):
        source = self.input
        view = source.index_view()
        if view is not None:
            arrays, make_stream = view
            for idx in _index_batches(arrays, make_stream(), self.batch_size, self.drop_remainder):
                yield tuple(np.take(a, idx, axis=0) for a in arrays)
            return
        if isinstance(source, MapValue) and source.vectorized:
            yield from self._mapped_batches(source)
            return
        it = closing_iter(source)
        try:
            while True:
                elements = list(itertools.islice(it, self.batch_size))
                if not elements or (self.drop_remainder and len(elements) < self.batch_size):
                    return
                error = first_error(elements)  # TF drops the batch an error falls in
                yield error if error is not None else call_or_error(lambda e: stack_components(e, self.n), elements)
        finally:
            it.close()

    def _mapped_batches(self, mapped):
        """map then batch: the map's input batched, the function run once per batch."""
        fn, inner = mapped.fn, mapped.input
        view = inner.index_view()
        if view is not None:
            arrays, make_stream = view
            for idx in _index_batches(arrays, make_stream(), self.batch_size, self.drop_remainder):
                yield self._map_batch(fn, tuple(np.take(a, idx, axis=0) for a in arrays))
            return
        columns = inner.string_columns(self.batch_size)
        if columns is not None:  # records read straight into one string column per batch
            try:
                for column in columns:
                    if self.drop_remainder and len(column) < self.batch_size:
                        return
                    yield self._map_batch(fn, (column,))
            finally:
                columns.close()
            return
        it = closing_iter(inner)
        try:
            while True:
                elements = list(itertools.islice(it, self.batch_size))
                if not elements or (self.drop_remainder and len(elements) < self.batch_size):
                    return
                error = first_error(elements)
                if error is not None:
                    yield error
                    continue
                try:
                    batch = tuple(np.stack([np.asarray(e[c]) for e in elements]) for c in range(len(elements[0])))
                except ValueError:  # inputs of different shapes: map each, then batch the results
                    yield self._map_each(fn, elements)
                    continue
                yield self._map_batch(fn, batch)
        finally:
            it.close()

    def _map_batch(self, fn, batch):
        """fn on the whole batch; on an error, element by element, so the error (or the mismatch of shapes
        batch reports) is the one the unbatched pipeline gives."""
        try:
            return fn(batch)
        except errors.OpError:
            return self._map_each(fn, [tuple(c[j] for c in batch) for j in range(len(batch[0]))])

    def _map_each(self, fn, elements):
        results = [call_or_error(fn, e) for e in elements]
        error = first_error(results)
        return error if error is not None else call_or_error(lambda r: stack_components(r, self.n), results)


class PaddedBatchValue(DatasetValue):
    fresh = True
    """padded_batch: each component padded with its padding value to `padded_shapes` (-1: the batch's
    largest size in that dimension)."""

    def __init__(self, input_value, batch_size, padded_shapes, padding_values, drop_remainder):
        if batch_size <= 0:
            raise errors.InvalidArgumentError(None, None, 'Batch size must be greater than zero.')
        self.input = input_value
        self.batch_size = int(batch_size)
        self.padded_shapes = [tuple(int(d) for d in np.reshape(s, [-1])) for s in padded_shapes]
        self.padding_values = padding_values
        self.drop_remainder = bool(drop_remainder)

    def _pad_all(self, elements):
        return tuple(self._pad(c, [np.asarray(e[c]) for e in elements]) for c in range(len(self.padded_shapes)))

    def _pad(self, c, column):
        want = self.padded_shapes[c]
        for j, a in enumerate(column):
            if a.ndim != len(want):
                raise errors.InvalidArgumentError(
                    None, None, 'All elements in a batch must have the same rank as the padded shape for component'
                                '%d: expected rank %d but got element with rank %d' % (c, len(want), a.ndim))
        shape = [max(a.shape[d] for a in column) if want[d] < 0 else want[d] for d in range(len(want))]
        for a in column:
            if any(s > w for s, w in zip(a.shape, shape)):
                raise errors.InvalidArgumentError(
                    None, None, 'Attempted to pad to a smaller size than the input element.')
        pad = np.asarray(self.padding_values[c])
        out = np.empty([len(column)] + shape, dtype=column[0].dtype if pad.dtype != object else object)
        out[...] = pad
        for j, a in enumerate(column):
            out[(j,) + tuple(slice(0, s) for s in a.shape)] = a
        return out

    def iterate(self):
        it = closing_iter(self.input)
        try:
            while True:
                elements = list(itertools.islice(it, self.batch_size))
                if not elements or (self.drop_remainder and len(elements) < self.batch_size):
                    return
                error = first_error(elements)
                yield error if error is not None else call_or_error(self._pad_all, elements)
        finally:
            it.close()


class UnbatchValue(DatasetValue):
    def __init__(self, input_value):
        self.input = input_value

    def iterate(self):
        it = closing_iter(self.input)
        try:
            for element in it:
                if type(element) is ElementError:
                    yield element
                    continue
                arrays = [np.asarray(c) for c in element]
                sizes = {a.shape[0] if a.ndim else None for a in arrays}
                if len(sizes) != 1 or None in sizes:
                    raise errors.InvalidArgumentError(None, None, 'Input element must have a non-scalar value in '
                                                                  'each component, with the same first dimension.')
                for i in range(sizes.pop()):
                    yield tuple(a[i] for a in arrays)
        finally:
            it.close()


class PrefetchValue(DatasetValue):
    AUTOTUNE_SIZE = 4  # the buffer AUTOTUNE (-1) gets: enough to hide one slow step

    def __init__(self, input_value, buffer_size):
        self.input = input_value
        self.fresh = input_value.fresh
        self.buffer_size = int(buffer_size) if buffer_size > 0 else self.AUTOTUNE_SIZE

    def iterate(self):
        buf = Prefetcher(self.input, self.buffer_size)
        try:
            while True:
                element = buf.get()
                if element is _END:
                    return
                yield element
        finally:
            buf.close()


_pipeline = threading.local()  # .owner: the iterator state whose pipeline this thread runs


def pipeline_owner():
    return getattr(_pipeline, 'owner', None)


def set_pipeline_owner(owner):
    """Sets this thread's owner; returns the previous one."""
    old = getattr(_pipeline, 'owner', None)
    _pipeline.owner = owner
    return old


class Prefetcher:
    """A thread iterating `value` into a buffer of at most `size` elements; registers with the
    iterator state running the pipeline (`add_prefetcher`), which can cancel it from any thread."""

    def __init__(self, value, size):
        self._value, self._size = value, size
        self._owner = pipeline_owner()
        self._buf = collections.deque()
        self._cond = threading.Condition()
        self._stop = self._done = False
        self._error = None
        self._thread = threading.Thread(target=self._fill, name='sluice-data-prefetch', daemon=True)
        self._thread.start()
        if self._owner is not None:
            self._owner.add_prefetcher(self)

    def _fill(self):
        set_pipeline_owner(self._owner)
        it = closing_iter(self._value)
        cond, buf = self._cond, self._buf
        try:
            while True:
                with cond:
                    while len(buf) >= self._size and not self._stop:
                        cond.wait()
                    if self._stop:
                        return
                element = next(it, _END)
                with cond:
                    if element is _END:
                        return
                    buf.append(element)
                    cond.notify_all()
        except BaseException as e:  # handed to the consumer at this position
            with cond:
                self._error = e
        finally:
            it.close()
            with cond:
                self._done = True
                cond.notify_all()

    def get(self):
        cond, buf = self._cond, self._buf
        with cond:
            while not buf and not self._done:
                timeout = run_context.remaining()
                if timeout is not None and timeout <= 0:
                    raise errors.DeadlineExceededError(None, None, 'Timed out waiting for a prefetched element')
                cond.wait(timeout)
            if buf and not self._stop:
                element = buf.popleft()
                cond.notify_all()
                return element
            if self._stop:
                raise errors.CancelledError(None, None, 'Iterator was cancelled')
            error, self._error = self._error, None
            if error is not None:
                raise error
            return _END

    def running(self):
        return self._thread.is_alive()

    def cancel(self):
        """Wakes the consumer and stops the filling thread (it ends after its current element)."""
        with self._cond:
            self._stop = self._done = True
            self._cond.notify_all()

    def close(self):
        self.cancel()
        if self._thread is not threading.current_thread():
            self._thread.join()


class CacheValue(DatasetValue):
    """cache() in memory: the first complete pass is recorded, later passes replay it."""

    def __init__(self, input_value):
        self.input = input_value
        self.cached = None

    def iterate(self):
        if self.cached is not None:
            yield from self.cached
            return
        recorded = []
        it = closing_iter(self.input)
        try:
            for element in it:
                recorded.append(element)
                yield element
        finally:
            it.close()
        self.cached = recorded

    def index_view(self):
        return None
