"""Host dataset values of tf.data's element-wise and order transformations: map (serial and
parallel), flat_map, interleave, filter, shuffle, repeat, take, skip, ignore_errors.

Each value wraps its input value(s) and iterates them (dataset_sources.py states the protocol).
Functions are callables made by the kernels from planned function graphs: `fn(element)` returns
the result tuple. shuffle, repeat, take and skip also transform index streams (`index_view`), so
`from_tensor_slices(...).shuffle(...).repeat().batch(n)` never builds an element in Python: the
batch gathers rows by index (dataset_batching.py).

Shuffle keeps TF's buffer semantics: fill a buffer with the first `buffer_size` elements, then
repeatedly output a uniformly chosen buffer entry and put the next input element in its place;
when the input ends, drain the buffer in a random order. Over an index stream this runs a chunk at
a time in NumPy (_replace_in_buffer), and element iteration of an index view goes through the same
path, so batched and unbatched pipelines see one order. The random stream is NumPy's PCG64 seeded
with (seed, seed2, epoch) (epoch 0 always unless reshuffle_each_iteration): a seeded pipeline gives
the same order in every run and session; seed = seed2 = 0 means a fresh random seed per dataset.

A function that raises an OpError for an element yields an ElementError in its place
(dataset_sources.py), which later stages pass on, so the iterator can raise it and go on.
"""
import collections
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sluice.engine import errors
from sluice.kernels.dataset_sources import INDEX_CHUNK, DatasetValue, ElementError, call_or_error, closing_iter

_END = object()
AUTOTUNE_PARALLELISM = 2  # what num_parallel_calls=AUTOTUNE gets: the machines sluice runs on have few cores


class MapValue(DatasetValue):
    """map(fn): `vectorized` fns may also run once on a whole batch of input elements (batch asks)."""

    def __init__(self, input_value, fn, vectorized=False, num_parallel_calls=1):
        self.input = input_value
        self.fn = fn
        self.vectorized = vectorized
        n = int(num_parallel_calls)
        self.num_parallel_calls = AUTOTUNE_PARALLELISM if n == -1 else max(1, n)

    def iterate(self):
        if self.num_parallel_calls > 1:
            return _parallel_map(self.input, self.fn, self.num_parallel_calls)
        return _serial_map(self.input, self.fn)


def _serial_map(input_value, fn):
    it = closing_iter(input_value)
    try:
        for element in it:
            if type(element) is not ElementError:
                element = call_or_error(fn, element)
            yield element
    finally:
        it.close()


def _parallel_map(input_value, fn, n):
    """fn over the input on `n` pool threads, results in input order; the pool ends with the generator."""
    pool = ThreadPoolExecutor(n, thread_name_prefix='sluice-data-map')
    pending = collections.deque()
    it = closing_iter(input_value)
    done = False
    try:
        while True:
            while not done and len(pending) < 2 * n:
                element = next(it, _END)
                if element is _END:
                    done = True
                elif type(element) is ElementError:
                    pending.append(element)
                else:
                    pending.append(pool.submit(call_or_error, fn, element))
            if not pending:
                return
            item = pending.popleft()
            yield item if type(item) is ElementError else item.result()
    finally:
        for f in pending:
            if type(f) is not ElementError:
                f.cancel()
        pool.shutdown(wait=True)
        it.close()


class FilterValue(DatasetValue):
    def __init__(self, input_value, predicate):
        self.input = input_value
        self.fresh = input_value.fresh
        self.predicate = predicate

    def iterate(self):
        predicate = self.predicate
        it = closing_iter(self.input)
        try:
            for element in it:
                if type(element) is not ElementError:
                    keep = call_or_error(predicate, element)
                    if type(keep) is ElementError:
                        element = keep
                    elif not keep:
                        continue
                yield element
        finally:
            it.close()


class FlatMapValue(DatasetValue):
    def __init__(self, input_value, fn):
        self.input = input_value
        self.fn = fn  # element -> a dataset value

    def iterate(self):
        it = closing_iter(self.input)
        try:
            for element in it:
                inner = element if type(element) is ElementError else call_or_error(self.fn, element)
                if type(inner) is ElementError:
                    yield inner
                    continue
                inner = closing_iter(inner)
                try:
                    yield from inner
                finally:
                    inner.close()
        finally:
            it.close()


class InterleaveValue(DatasetValue):
    """interleave: TF's cycle (cycle_length open datasets, block_length elements from each in turn;
    an exhausted one is replaced by the dataset of the next input element in the same slot)."""

    def __init__(self, input_value, fn, cycle_length, block_length):
        if cycle_length <= 0:
            raise errors.InvalidArgumentError(None, None, 'cycle_length must be greater than zero.')
        if block_length <= 0:
            raise errors.InvalidArgumentError(None, None, 'block_length must be greater than zero.')
        self.input, self.fn = input_value, fn
        self.cycle_length, self.block_length = int(cycle_length), int(block_length)

    def iterate(self):
        cycle_length, block_length = self.cycle_length, self.block_length
        source = closing_iter(self.input)
        slots = [None] * cycle_length
        index = block = n_open = 0
        end_of_input = False
        try:
            while not end_of_input or n_open:
                current = slots[index]
                if current is not None:
                    element = next(current, _END)
                    if element is not _END:
                        block += 1
                        if block == block_length:
                            block, index = 0, (index + 1) % cycle_length
                        yield element
                        continue
                    current.close()
                    slots[index] = None
                    n_open -= 1
                    block, index = 0, (index + 1) % cycle_length
                elif not end_of_input:
                    element = next(source, _END)
                    if element is _END:
                        end_of_input = True
                        continue
                    inner = element if type(element) is ElementError else call_or_error(self.fn, element)
                    if type(inner) is ElementError:
                        yield inner
                        continue
                    slots[index] = closing_iter(inner)
                    n_open += 1
                else:
                    block, index = 0, (index + 1) % cycle_length
        finally:
            for s in slots:
                if s is not None:
                    s.close()
            source.close()


class IgnoreErrorsValue(DatasetValue):
    """ignore_errors: drops the elements whose computation failed; an error of the input itself (a file
    that cannot be read) ends it."""

    def __init__(self, input_value):
        self.input = input_value
        self.fresh = input_value.fresh

    def iterate(self):
        it = self.input.iterate()
        try:
            while True:
                try:
                    element = next(it, _END)
                except errors.OpError:
                    return
                if element is _END:
                    return
                if type(element) is not ElementError:
                    yield element
        finally:
            it.close()


# -- order and counts: over elements, and over index streams where the input has one ------------------------

def _shuffled(items, buffer_size, rng):
    """TF's shuffle buffer over an iterator of items."""
    buf = list(itertools.islice(items, buffer_size))
    draws, k = [], 0
    while buf:
        if k == len(draws):
            draws, k = rng.integers(0, 1 << 62, size=INDEX_CHUNK).tolist(), 0
        r = draws[k] % len(buf)
        k += 1
        yield buf[r]
        item = next(items, _END)
        if item is _END:
            buf[r] = buf[-1]
            buf.pop()
        else:
            buf[r] = item


def _shuffled_indices(stream, buffer_size, rng):
    """_shuffled over an index stream, vectorized. While input lasts the buffer stays full, so the
    slots r_t a whole input chunk replaces are drawn at once; the index out at step t is the one
    last written to slot r_t: the input of the previous step with the same slot in this chunk, else
    what the buffer held. When the input ends, the buffer drains in a random order."""
    buf = np.empty(0, dtype=np.int64)
    try:
        for chunk in stream:
            if len(buf) < buffer_size:
                room = buffer_size - len(buf)
                buf = np.concatenate([buf, chunk[:room]])
                chunk = chunk[room:]
                if not len(chunk):
                    continue
            yield _replace_in_buffer(buf, chunk, rng.integers(0, buffer_size, size=len(chunk)))
    finally:
        stream.close()
    drained = rng.permutation(buf)
    for start in range(0, len(drained), INDEX_CHUNK):
        yield drained[start:start + INDEX_CHUNK]


def _replace_in_buffer(buf, values, slots):
    """The outputs of `for v, r in zip(values, slots): out.append(buf[r]); buf[r] = v`, updating buf."""
    order = np.argsort(slots, kind='stable')  # steps grouped by slot, in time order within a slot
    grouped = slots[order]
    repeat = grouped[1:] == grouped[:-1]  # sorted position k+1 follows k in the same slot
    out = buf[slots]
    later, earlier = order[1:][repeat], order[:-1][repeat]
    out[later] = values[earlier]
    last = order[np.append(~repeat, True)]  # the last step of each slot
    buf[slots[last]] = values[last]
    return out


def _rows(view):
    """The elements of an index view, row by row."""
    arrays, make_stream = view
    stream = make_stream()
    try:
        for chunk in stream:
            for i in chunk.tolist():
                yield tuple(a[i] for a in arrays)
    finally:
        stream.close()


class ShuffleValue(DatasetValue):
    def __init__(self, input_value, buffer_size, seed, seed2, reshuffle):
        if buffer_size <= 0:
            raise errors.InvalidArgumentError(None, None, 'buffer_size must be greater than zero.')
        self.input = input_value
        self.fresh = input_value.fresh
        self.buffer_size = int(buffer_size)
        if seed == 0 and seed2 == 0:
            seed, seed2 = (int(x) for x in np.random.SeedSequence().generate_state(2))
        self.seeds = (int(seed), int(seed2))
        self.reshuffle = reshuffle
        self._epochs = itertools.count()

    def _rng(self):
        epoch = next(self._epochs) if self.reshuffle else 0
        return np.random.default_rng([self.seeds[0] & 0xFFFFFFFFFFFFFFFF, self.seeds[1] & 0xFFFFFFFFFFFFFFFF,
                                      epoch])

    def iterate(self):
        view = self.index_view()
        if view is not None:  # the same order as the batches gathered by index
            return _rows(view)
        return self._iterate_elements()

    def _iterate_elements(self):
        it = closing_iter(self.input)
        try:
            yield from _shuffled(it, self.buffer_size, self._rng())
        finally:
            it.close()

    def index_view(self):
        view = self.input.index_view()
        if view is None:
            return None
        arrays, make_stream = view
        return arrays, lambda: _shuffled_indices(make_stream(), self.buffer_size, self._rng())


class RepeatValue(DatasetValue):
    def __init__(self, input_value, count):
        self.input = input_value
        self.fresh = input_value.fresh
        self.count = int(count)

    def _epochs(self, start):
        epoch = 0
        while self.count < 0 or epoch < self.count:
            it = start()
            try:
                empty = True
                for item in it:
                    empty = False
                    yield item
            finally:
                it.close()
            if empty:  # repeating an empty dataset ends (as TF's)
                return
            epoch += 1

    def iterate(self):
        view = self.index_view()
        if view is not None:  # the same order as the batches gathered by index
            return _rows(view)
        return self._iterate_elements()

    def _iterate_elements(self):
        return self._epochs(lambda: closing_iter(self.input))

    def index_view(self):
        view = self.input.index_view()
        if view is None:
            return None
        arrays, make_stream = view
        return arrays, lambda: self._epochs(make_stream)


class TakeValue(DatasetValue):
    def __init__(self, input_value, count):
        self.input = input_value
        self.fresh = input_value.fresh
        self.count = int(count)

    def iterate(self):
        view = self.index_view()
        if view is not None:  # the same order as the batches gathered by index
            return _rows(view)
        return self._iterate_elements()

    def _iterate_elements(self):
        it = closing_iter(self.input)
        try:
            yield from (it if self.count < 0 else itertools.islice(it, self.count))
        finally:
            it.close()

    def index_view(self):
        view = self.input.index_view()
        if view is None or self.count < 0:
            return view
        arrays, make_stream = view
        return arrays, lambda: _take_indices(make_stream(), self.count)


def _take_indices(stream, count):
    try:
        for chunk in stream:
            if count <= 0:
                return
            yield chunk[:count]
            count -= len(chunk)
    finally:
        stream.close()


class SkipValue(DatasetValue):
    def __init__(self, input_value, count):
        self.input = input_value
        self.fresh = input_value.fresh
        self.count = int(count)

    def iterate(self):
        view = self.index_view()
        if view is not None:  # the same order as the batches gathered by index
            return _rows(view)
        return self._iterate_elements()

    def _iterate_elements(self):
        it = closing_iter(self.input)
        try:
            if self.count < 0:
                for _ in it:
                    pass
                return
            yield from itertools.islice(it, self.count, None)
        finally:
            it.close()

    def index_view(self):
        view = self.input.index_view()
        if view is None:
            return None
        arrays, make_stream = view
        return arrays, lambda: _skip_indices(make_stream(), self.count)


def _skip_indices(stream, count):
    try:
        for chunk in stream:
            if count < 0:
                continue
            if count >= len(chunk):
                count -= len(chunk)
                continue
            yield chunk[count:]
            count = 0
    finally:
        stream.close()
