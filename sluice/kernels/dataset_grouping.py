"""Kernels and host dataset values of GroupByWindowDataset, ScanDataset, DirectedInterleaveDataset
and RandomDataset (the ops' contracts are in sluice/ops/dataset_grouping_ops.py).

group_by_window keeps one list of elements per key (a dict, so memory grows with the number of
open groups, as TF's map does); a full group is handed to reduce_func as a WindowValue and the
reduced dataset is drained before the next input element is read. scan threads its state tuple
through `f`. A directed interleave opens each data input's iterator on first use and forgets it
once it ends; it ends when the selector ends or every data input has. RandomDataset draws int64
values from NumPy's PCG64 seeded with (seed, seed2) (a fresh seed when both are 0): sluice's
stream is its own, not TF's Philox stream.
"""
import numpy as np

from sluice.engine import errors
from sluice.engine import functions
from sluice.kernels.dataset_kernels import string_fixer
from sluice.kernels.dataset_sources import DatasetValue, ElementError, closing_iter
from sluice.kernels.registry import register_kernel
from sluice.ops import dataset_grouping_ops as _ops  # noqa: F401  (registers the ops)

_CPU = ('CPU',)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _planned(ctx, fg, element_types):
    """fn(leading values, captured) -> results of the function graph `fg`."""
    plan = functions.FunctionPlan(ctx, fg)
    fix = string_fixer(element_types)

    def call(leading, captured):
        leading = fix(leading) if fix else list(leading)
        return plan(leading + list(captured))
    return call


class WindowValue(DatasetValue):
    """The elements of one group, in arrival order (what reduce_func receives)."""

    def __init__(self, elements):
        self.elements = elements

    def iterate(self):
        yield from self.elements


class GroupByWindowValue(DatasetValue):
    def __init__(self, op, input_value, key_fn, reduce_fn, window_size_fn):
        self.op = op
        self.input = input_value
        self.key_fn, self.reduce_fn, self.window_size_fn = key_fn, reduce_fn, window_size_fn

    def _key(self, element):
        key = np.asarray(self.key_fn(element)[0])
        if key.shape != () or key.dtype != np.int64:
            raise _invalid(self.op, 'Key function must return a scalar int64.')
        return int(key)

    def _window_size(self, key):
        size = np.asarray(self.window_size_fn([np.int64(key)])[0])
        if size.shape != () or size.dtype != np.int64:
            raise _invalid(self.op, 'Window size function must return a scalar int64.')
        if size <= 0:
            raise _invalid(self.op, 'Window size must be greater than zero, but got %d.' % size)
        return int(size)

    def _reduce(self, key, elements):
        dataset = self.reduce_fn([np.int64(key), WindowValue(elements)])[0]
        it = closing_iter(dataset)
        try:
            yield from it
        finally:
            it.close()

    def iterate(self):
        groups, sizes = {}, {}
        it = closing_iter(self.input)
        try:
            for element in it:
                if type(element) is ElementError:
                    yield element
                    continue
                key = self._key(element)
                if key not in groups:
                    groups[key], sizes[key] = [], self._window_size(key)
                groups[key].append(element)
                if len(groups[key]) == sizes[key]:
                    yield from self._reduce(key, groups.pop(key))
        finally:
            it.close()
        for key in sorted(groups):
            yield from self._reduce(key, groups[key])


class ScanValue(DatasetValue):
    def __init__(self, input_value, initial_state, fn, n_state):
        self.input = input_value
        self.initial_state = list(initial_state)
        self.fn = fn
        self.n_state = n_state

    def iterate(self):
        state = self.initial_state
        it = closing_iter(self.input)
        try:
            for element in it:
                if type(element) is ElementError:
                    yield element
                    continue
                results = self.fn(state, element)
                state = [np.copy(s) if isinstance(s, np.ndarray) else s for s in results[:self.n_state]]
                yield tuple(results[self.n_state:])
        finally:
            it.close()


class DirectedInterleaveValue(DatasetValue):
    def __init__(self, op, selector, inputs):
        self.op = op
        self.selector = selector
        self.inputs = inputs

    def iterate(self):
        n = len(self.inputs)
        open_, done = {}, set()
        selector = closing_iter(self.selector)
        try:
            for chosen in selector:
                if type(chosen) is ElementError:
                    yield chosen
                    continue
                i = np.asarray(chosen[0])
                if i.shape != () or i.dtype != np.int64:
                    raise _invalid(self.op, 'The selector dataset must produce scalar int64 elements.')
                i = int(i)
                if i < 0 or i >= n:
                    raise _invalid(self.op, 'Selector index out of range: %d >= %d' % (i, n))
                if i in done:
                    continue
                if i not in open_:
                    open_[i] = closing_iter(self.inputs[i])
                element = next(open_[i], None)
                if element is None:
                    open_.pop(i).close()
                    done.add(i)
                    if len(done) == n:
                        return
                    continue
                yield element
        finally:
            selector.close()
            for it in open_.values():
                it.close()


class RandomValue(DatasetValue):
    fresh = True

    def __init__(self, seed, seed2):
        self.seeds = (int(seed), int(seed2))

    def iterate(self):
        seed = None if self.seeds == (0, 0) else [s & (2 ** 64 - 1) for s in self.seeds]
        rng = np.random.Generator(np.random.PCG64(seed))
        while True:
            for v in rng.integers(-2 ** 63, 2 ** 63 - 1, size=256, dtype=np.int64, endpoint=True):
                yield (np.array(v),)


@register_kernel('GroupByWindowDataset', devices=_CPU, fresh_output=True)
def group_by_window_dataset(op, ctx):
    n_key = len(op.get_attr('Tkey_func_other_arguments'))
    n_reduce = len(op.get_attr('Treduce_func_other_arguments'))
    key_fg = op.get_attr('key_func')
    element_types = [t.dtype for t in key_fg.inputs[:len(key_fg.inputs) - n_key]]
    key_call = _planned(ctx, key_fg, element_types)
    reduce_call = _planned(ctx, op.get_attr('reduce_func'), [])
    size_call = _planned(ctx, op.get_attr('window_size_func'), [])

    def run(input_value, *args):
        key_args, reduce_args, size_args = args[:n_key], args[n_key:n_key + n_reduce], args[n_key + n_reduce:]
        return GroupByWindowValue(op, input_value, lambda e: key_call(e, key_args),
                                  lambda kw: reduce_call(kw, reduce_args), lambda k: size_call(k, size_args))
    return run


@register_kernel('ScanDataset', devices=_CPU, fresh_output=True)
def scan_dataset(op, ctx):
    n_state = len(op.get_attr('Tstate'))
    n_captured = len(op.get_attr('Targuments'))
    fg = op.get_attr('f')
    call = _planned(ctx, fg, [t.dtype for t in fg.inputs[:len(fg.inputs) - n_captured]])

    def run(input_value, *args):
        state, captured = args[:n_state], args[n_state:]
        return ScanValue(input_value, state, lambda s, e: call(list(s) + list(e), captured), n_state)
    return run


@register_kernel('DirectedInterleaveDataset', devices=_CPU, fresh_output=True)
def directed_interleave_dataset(op, ctx):
    return lambda selector, *inputs: DirectedInterleaveValue(op, selector, inputs)


@register_kernel('RandomDataset', devices=_CPU, fresh_output=True)
def random_dataset(op, ctx):
    return RandomValue
