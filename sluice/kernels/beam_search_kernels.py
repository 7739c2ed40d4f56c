"""GatherTree (tf.contrib.seq2seq.gather_tree), CPU only as in TF: each beam followed back from its last
step through the parent ids, steps past the batch entry's longest length (and after a first end_token)
set to end_token; a parent id outside [0, beam_width) is an error."""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel


@register_kernel('GatherTree', devices=('CPU',), fresh_output=True)
def gather_tree(op, ctx):
    def run(step_ids, parent_ids, max_lengths, end_token):
        step_ids, parent_ids, max_lengths = (np.asarray(a) for a in (step_ids, parent_ids, max_lengths))
        if step_ids.ndim != 3 or parent_ids.shape != step_ids.shape:
            raise _invalid(op, 'step_ids and parent_ids must be 3-D tensors of the same shape, got %s and %s'
                           % (list(step_ids.shape), list(parent_ids.shape)))
        max_time, batch, beams = step_ids.shape
        if max_lengths.shape != (batch,):
            raise _invalid(op, 'batch size dimensions differ: max_sequence_lengths.shape %s vs. batch %d'
                           % (list(max_lengths.shape), batch))
        end = np.asarray(end_token).item()
        out = np.full(step_ids.shape, end, dtype=step_ids.dtype)
        for b in range(batch):
            length = min(int(max_lengths[b]), max_time)
            if length <= 0:
                continue
            for k in range(beams):
                out[length - 1, b, k] = step_ids[length - 1, b, k]
                parent = parent_ids[length - 1, b, k]
                for level in range(length - 2, -1, -1):
                    if parent < 0 or parent >= beams:
                        raise _invalid(op, 'Saw invalid parent id %d at (batch, time, beam) == (%d, %d, %d)'
                                       % (parent, b, level, k))
                    out[level, b, k] = step_ids[level, b, parent]
                    parent = parent_ids[level, b, parent]
                ended = np.nonzero(out[:length, b, k] == end)[0]
                if ended.size:
                    out[ended[0] + 1:length, b, k] = end
        return out
    return run
