"""tf.test.Benchmark: time a fetch in a session and report the median wall time.

run_op_benchmark runs the fetch `burn_iters` times untimed, then `min_iters` times timed, and reports
the median of the timed runs (with throughput = mbs / median). report_benchmark logs the entry through
the 'tensorflow' logger as TF does; writing TF's benchmark-report files (TEST_REPORT_FILE_PREFIX) is
not implemented. With store_trace a further traced run adds its Chrome trace to the returned extras; store_memory_usage
adds nothing (sluice's step stats carry no allocator maxima).
"""
import inspect
import time

from sluice.engine.log import logger

__all__ = ['Benchmark']


def _median(values):
    if not values:
        return -1
    s = sorted(values)
    return (s[len(s) // 2] + s[(len(s) - 1) // 2]) / 2.0


class Benchmark:
    """Base class of benchmarks: subclasses time work and call report_benchmark."""

    def _default_name(self):
        # the benchmark method that called us, as TF's name inference does
        for frame in inspect.stack()[2:]:
            if frame.function.startswith('benchmark'):
                return '%s.%s' % (type(self).__name__, frame.function)
        return type(self).__name__

    def report_benchmark(self, iters=None, cpu_time=None, wall_time=None, throughput=None, extras=None,
                         name=None, metrics=None):
        """Logs one benchmark entry: iterations, CPU and wall seconds per iteration, throughput, extras."""
        name = name or self._default_name()
        logger.info('Benchmark [%s] iters: %d, wall_time: %g, cpu_time: %g, throughput: %g, %s', name,
                    iters if iters is not None else -1, wall_time if wall_time is not None else -1,
                    cpu_time if cpu_time is not None else -1, throughput if throughput is not None else -1,
                    str(extras) if extras else '')

    def run_op_benchmark(self, sess, op_or_tensor, feed_dict=None, burn_iters=2, min_iters=10, store_trace=False,
                         store_memory_usage=True, name=None, extras=None, mbs=0):
        """The dict reported: iters, median wall_time, extras, name, throughput (mbs per second)."""
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        deltas = []
        for _ in range(min_iters):
            start = time.time()
            sess.run(op_or_tensor, feed_dict=feed_dict)
            deltas.append(time.time() - start)
        extras = {} if extras is None else extras
        unreported = {}
        if store_trace:
            from sluice.io.protos import RunMetadata, RunOptions
            from sluice.python.client.timeline import Timeline
            run_metadata = RunMetadata()
            sess.run(op_or_tensor, feed_dict=feed_dict, options=RunOptions(trace_level=RunOptions.FULL_TRACE),
                     run_metadata=run_metadata)
            unreported['full_trace_chrome_format'] = Timeline(run_metadata.step_stats).generate_chrome_trace_format()
        median = _median(deltas)
        values = {'iters': min_iters, 'wall_time': median, 'extras': extras,
                  'name': name or self._default_name(), 'throughput': mbs / median if median > 0 else 0.0}
        self.report_benchmark(**values)
        values['extras'].update(unreported)
        return values

    def evaluate(self, tensors):
        """The values of the tensors in the default session."""
        from sluice.engine.session import get_default_session
        return get_default_session().run(tensors)
