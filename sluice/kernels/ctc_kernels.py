"""Kernels of the CTC ops (ops/ctc_ops.py), CPU only as in TF, in float64 log space per batch entry.

Loss: over the extended labels l' = [blank, l1, blank, l2, ..., blank], the forward variables alpha and
backward variables beta (each including the step's log-softmax), log p = logsumexp of the last two
alphas; the gradient with respect to the logits is softmax - exp(logsumexp over the positions of each
class of alpha + beta - log p - log y), zero past the sequence's length. A label sits still on itself
and, when ctc_merge_repeated, skips a blank only between different labels (TF's transitions).
Decoders: greedy argmax, and prefix beam search keeping for each prefix the probability of ending in a
blank and in its last label.
"""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)
_NEG_INF = -np.inf


def _log_softmax(x):
    shifted = x - x.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _lse(*terms):
    stacked = np.stack(terms)
    top = stacked.max(0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide='ignore'):
        return np.where(np.isfinite(top), safe + np.log(np.exp(stacked - safe).sum(0)), _NEG_INF)


def _ctc_one(logits, labels, merge_repeated):
    """(loss, gradient [T, C]) of one sequence."""
    steps, classes = logits.shape
    blank = classes - 1
    y = _log_softmax(logits.astype(np.float64))
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    n = len(ext)
    stay = (ext == blank) | merge_repeated
    skip = np.zeros(n, dtype=bool)
    skip[2:] = (ext[2:] != blank) & ~(merge_repeated & (ext[2:] == ext[:-2]))
    alpha = np.full((steps, n), _NEG_INF)
    alpha[0, 0] = y[0, ext[0]]
    if n > 1:
        alpha[0, 1] = y[0, ext[1]]
    for t in range(1, steps):
        prev = alpha[t - 1]
        same = np.where(stay, prev, _NEG_INF)
        step = np.concatenate([[_NEG_INF], prev[:-1]])
        jump = np.where(skip, np.concatenate([[_NEG_INF, _NEG_INF], prev[:-2]]), _NEG_INF)
        alpha[t] = _lse(same, step, jump) + y[t, ext]
    beta = np.full((steps, n), _NEG_INF)
    beta[-1, -1] = y[-1, ext[-1]]
    if n > 1:
        beta[-1, -2] = y[-1, ext[-2]]
    skip_from = np.zeros(n, dtype=bool)
    skip_from[:-2] = skip[2:]
    for t in range(steps - 2, -1, -1):
        nxt = beta[t + 1]
        same = np.where(stay, nxt, _NEG_INF)
        step = np.concatenate([nxt[1:], [_NEG_INF]])
        jump = np.where(skip_from, np.concatenate([nxt[2:], [_NEG_INF, _NEG_INF]]), _NEG_INF)
        beta[t] = _lse(same, step, jump) + y[t, ext]
    log_p = _lse(alpha[-1, -1], alpha[-1, -2]) if n > 1 else alpha[-1, -1]
    ab = alpha + beta
    per_class = np.full((steps, classes), _NEG_INF)
    for k in np.unique(ext):
        per_class[:, k] = _lse(*ab[:, ext == k].T) if (ext == k).sum() > 1 else ab[:, ext == k][:, 0]
    with np.errstate(over='ignore', invalid='ignore'):
        grad = np.exp(y) - np.exp(per_class - log_p - y)
    return -log_p, grad


@register_kernel('CTCLoss', devices=_CPU, multi_output=True, fresh_output=True)
def ctc_loss(op, ctx):
    collapse = op.get_attr('preprocess_collapse_repeated')
    merge = op.get_attr('ctc_merge_repeated')
    ignore_longer = op.get_attr('ignore_longer_outputs_than_inputs')
    dtype = op.get_attr('T').as_numpy_dtype

    def run(inputs, indices, values, lengths):
        inputs, indices, values, lengths = (np.asarray(a) for a in (inputs, indices, values, lengths))
        if inputs.ndim != 3:
            raise _invalid(op, 'inputs is not a 3-Tensor')
        max_time, batch, classes = inputs.shape
        if lengths.shape != (batch,):
            raise _invalid(op, 'len(sequence_length) != batch_size.  len(sequence_length):  %d batch_size: %d'
                           % (lengths.size, batch))
        if lengths.size and lengths.max() > max_time:
            raise _invalid(op, 'sequence_length(b) <= time')
        loss = np.zeros(batch, dtype=dtype)
        grad = np.zeros(inputs.shape, dtype=dtype)
        for b in range(batch):
            labels = values[indices[:, 0] == b].astype(np.int64) if indices.size else np.zeros(0, np.int64)
            if collapse and labels.size:
                labels = labels[np.concatenate([[True], labels[1:] != labels[:-1]])]
            if labels.size and (labels.min() < 0 or labels.max() >= classes - 1):
                raise _invalid(op, 'Labels must be in range [0, %d) (num_classes - 1), got %s in batch %d'
                               % (classes - 1, labels.tolist(), b))
            steps = int(lengths[b])
            repeats = int((labels[1:] == labels[:-1]).sum()) if merge else 0
            needed = labels.size + repeats
            if needed > steps:
                if ignore_longer:
                    continue
                raise _invalid(op, 'Not enough time for target transition sequence (required: %d, available: %d)%d'
                               'You can turn this error into a warning by using the flag '
                               'ignore_longer_outputs_than_inputs' % (needed, steps, b))
            if steps == 0:
                continue
            loss[b], g = _ctc_one(inputs[:steps, b], labels, merge)
            grad[:steps, b] = g
        return loss, grad
    return run


def _sparse(paths, batch):
    """(indices, values, dense_shape) of the label sequences of one rank of paths."""
    indices = [(b, j) for b, path in enumerate(paths) for j in range(len(path))]
    values = [v for path in paths for v in path]
    width = max((len(p) for p in paths), default=0)
    return (np.array(indices, dtype=np.int64).reshape(-1, 2), np.array(values, dtype=np.int64),
            np.array([batch, width], dtype=np.int64))


@register_kernel('CTCGreedyDecoder', devices=_CPU, multi_output=True, fresh_output=True)
def ctc_greedy_decoder(op, ctx):
    merge = op.get_attr('merge_repeated')

    def run(inputs, lengths):
        inputs, lengths = np.asarray(inputs), np.asarray(lengths)
        max_time, batch, classes = inputs.shape
        blank = classes - 1
        paths, log_prob = [], np.zeros((batch, 1), dtype=inputs.dtype)
        for b in range(batch):
            steps = inputs[:int(lengths[b]), b]
            best = steps.argmax(-1)
            log_prob[b, 0] = -steps.max(-1).sum() if steps.size else 0.0
            path, previous = [], None
            for k in best:
                if k != blank and not (merge and k == previous):
                    path.append(int(k))
                previous = k
            paths.append(path)
        return _sparse(paths, batch) + (log_prob,)
    return run


def _beam_search(log_probs, beam_width, blank):
    """The prefixes (tuples of labels) with log p(ending in blank), log p(ending in their last label)."""
    beams = {(): (0.0, _NEG_INF)}
    for y in log_probs:
        nxt = {}

        def add(prefix, blank_lp, label_lp):
            b0, l0 = nxt.get(prefix, (_NEG_INF, _NEG_INF))
            nxt[prefix] = (np.logaddexp(b0, blank_lp), np.logaddexp(l0, label_lp))
        for prefix, (p_blank, p_label) in beams.items():
            total = np.logaddexp(p_blank, p_label)
            add(prefix, total + y[blank], _NEG_INF)
            if prefix:  # the last label held
                add(prefix, _NEG_INF, p_label + y[prefix[-1]])
            for k in range(len(y)):
                if k == blank:
                    continue
                # A repeat of the last label extends the prefix only through a blank.
                source = p_blank if prefix and k == prefix[-1] else total
                add(prefix + (k,), _NEG_INF, source + y[k])
        ranked = sorted(nxt.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    return sorted(((p, np.logaddexp(*lp)) for p, lp in beams.items()), key=lambda item: -item[1])


@register_kernel('CTCBeamSearchDecoder', devices=_CPU, multi_output=True, fresh_output=True)
def ctc_beam_search_decoder(op, ctx):
    beam_width, top_paths = op.get_attr('beam_width'), op.get_attr('top_paths')
    merge = op.get_attr('merge_repeated')
    if top_paths > beam_width:
        raise _invalid(op, 'top_paths must be <= beam_width')

    def run(inputs, lengths):
        inputs, lengths = np.asarray(inputs), np.asarray(lengths)
        max_time, batch, classes = inputs.shape
        ranks = [[] for _ in range(top_paths)]
        log_prob = np.zeros((batch, top_paths), dtype=inputs.dtype)
        for b in range(batch):
            found = _beam_search(_log_softmax(inputs[:int(lengths[b]), b].astype(np.float64)), beam_width,
                                 classes - 1)
            for r in range(top_paths):
                path, lp = found[r] if r < len(found) else ((), _NEG_INF)
                if merge:
                    path = [k for j, k in enumerate(path) if j == 0 or k != path[j - 1]]
                ranks[r].append(list(path))
                log_prob[b, r] = lp
        parts = [_sparse(paths, batch) for paths in ranks]
        return ([p[0] for p in parts] + [p[1] for p in parts] + [p[2] for p in parts] + [log_prob])
    return run
