"""Host kernels of ops/candidate_sampling_ops.py (TF runs them on the CPU only).

Each sampler node keeps a NumPy Generator per session (seeded from its seed and seed2 attrs, OS entropy
when both are 0), so successive runs draw new candidates. Log-uniform draws are
floor(exp(u * log(range_max + 1))) - 1 for u uniform in [0, 1), TF's inversion of the Zipfian CDF."""
import threading

import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)
_FLT_MAX = np.finfo(np.float32).max


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


class _Stream:
    def __init__(self, seed, seed2):
        self.lock = threading.Lock()
        self.rng = (np.random.default_rng() if seed == 0 and seed2 == 0
                    else np.random.default_rng(np.random.SeedSequence([seed, seed2])))


def _check_true_classes(op, true_classes, num_true):
    if true_classes.ndim != 2:
        raise _invalid(op, 'true_classes must be a matrix')
    if true_classes.shape[1] != num_true:
        raise _invalid(op, 'true_classes must have num_true columns, expected: %d was: %d'
                       % (true_classes.shape[1], num_true))


def _log_uniform(range_max):
    log_range = np.log(range_max + 1.0)

    def draw(rng, n):
        return (np.exp(rng.random(n) * log_range)).astype(np.int64) - 1

    def probability(values):
        values = values.astype(np.float64)
        return np.log((values + 2.0) / (values + 1.0)) / log_range
    return draw, probability


def _uniform(range_max):
    def draw(rng, n):
        return rng.integers(0, range_max, size=n, dtype=np.int64)

    def probability(values):
        return np.full(values.shape, 1.0 / range_max)
    return draw, probability


def _expected_count(p, num_sampled, num_tries):
    if num_tries == num_sampled:
        return p * num_sampled
    return -np.expm1(num_tries * np.log1p(-p))


def _sampler_kernel(op_type, distribution):
    @register_kernel(op_type, devices=_CPU, multi_output=True, fresh_output=True)
    def build(op, ctx):
        num_true, num_sampled = op.get_attr('num_true'), op.get_attr('num_sampled')
        unique, range_max = op.get_attr('unique'), op.get_attr('range_max')
        if unique and num_sampled > range_max:
            raise _invalid(op, "Sampler's range is too small.")
        draw, probability = distribution(range_max)
        stream = ctx.op_state(lambda: _Stream(int(op.get_attr('seed')), int(op.get_attr('seed2'))))

        def run(true_classes):
            _check_true_classes(op, true_classes, num_true)
            with stream.lock:
                if not unique:
                    sampled, tries = draw(stream.rng, num_sampled), num_sampled
                else:  # rejection: draw in batches, keep first occurrences in draw order
                    seen, picked, tries = set(), [], 0
                    while len(picked) < num_sampled:
                        for value in draw(stream.rng, num_sampled).tolist():
                            tries += 1
                            if value not in seen:
                                seen.add(value)
                                picked.append(value)
                                if len(picked) == num_sampled:
                                    break
                    sampled = np.array(picked, np.int64)
            true_count = _expected_count(probability(true_classes), num_sampled, tries).astype(np.float32)
            sampled_count = _expected_count(probability(sampled), num_sampled, tries).astype(np.float32)
            return sampled, true_count, sampled_count
        return run
    return build


_sampler_kernel('LogUniformCandidateSampler', _log_uniform)
_sampler_kernel('UniformCandidateSampler', _uniform)


@register_kernel('ComputeAccidentalHits', devices=_CPU, multi_output=True, fresh_output=True)
def compute_accidental_hits(op, ctx):
    num_true = op.get_attr('num_true')

    def run(true_classes, sampled):
        _check_true_classes(op, true_classes, num_true)
        if sampled.ndim != 1:
            raise _invalid(op, 'sampled_candidates must be a vector')
        # TF maps each sampled id to its LAST position, then walks rows and true columns in order: one hit
        # per true entry found (a repeated true id hits twice, a repeated sampled id once)
        last = {value: pos for pos, value in enumerate(sampled.tolist())}
        hits = [(row, last[value]) for row, values in enumerate(true_classes.tolist()) for value in values
                if value in last]
        rows = np.array([h[0] for h in hits], np.int64)
        positions = np.array([h[1] for h in hits], np.int64)
        return (rows.astype(np.int32), positions.astype(np.int64),
                np.full(rows.shape, -_FLT_MAX, np.float32))
    return run
