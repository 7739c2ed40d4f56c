"""What a kernel checks and raises when its inputs are bad at run time: TF's InvalidArgumentError, naming the
node (`errors.error_for_op` adds its name and where it was created), with shapes written as TF
writes them ('[2,3]')."""
import numpy as np

from sluice.engine import errors


def invalid(op, message):
    """The InvalidArgumentError for `op` with `message`, ready to raise."""
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def dims_text(shape):
    """A shape as TF prints it in kernel messages: [2,3]."""
    return '[%s]' % ','.join(str(int(d)) for d in shape)


def broadcastable(s, t):
    """Whether shapes s and t broadcast together (NumPy's rules, which are TF's)."""
    try:
        np.broadcast_shapes(s, t)
        return True
    except ValueError:
        return False
