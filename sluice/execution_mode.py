"""TF 1.15's switches into eager execution and TF 2 behaviour, which sluice refuses.

sluice runs TF1 graph mode only: `tf.executing_eagerly()` is always False, and the switches that
turn the other way (`disable_eager_execution`, `disable_v2_behavior`) are accepted as no-ops. A
program that asks for eager execution or TF 2 behaviour would go on to expect tensors with values
(`.numpy()`, Python control flow on tensors), so it is stopped at the call with an error naming what it
asked for, rather than left to fail later in a way that hides why.
"""

__all__ = ['enable_eager_execution', 'enable_v2_behavior']


def _refuse(choice):
    raise NotImplementedError(
        'The program called %s, but sluice runs TensorFlow 1.x graph mode only: eager execution is not '
        'supported. Build a graph and run it in a tf.Session (tf.executing_eagerly() is always False).' % choice)


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Refused: sluice has no eager mode (NotImplementedError naming tf.enable_eager_execution)."""
    _refuse('tf.enable_eager_execution()')


def enable_v2_behavior():
    """Refused: TF 2 behaviour means eager execution, which sluice does not have."""
    _refuse('tf.enable_v2_behavior()')
