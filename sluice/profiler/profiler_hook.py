"""tf.train.ProfilerHook: every N steps (or seconds) a traced step, saved as a Chrome trace.

The hook asks for RunOptions(trace_level=FULL_TRACE) on the steps its timer picks (never on the
first step, which only starts the timer, as in TF), then writes `output_dir/timeline-<step>.json`
(sluice.python.client.timeline, with show_dataflow / show_memory) and adds the RunMetadata to the
output_dir's summary writer under 'step_<step>', so TensorBoard shows its compute time and memory.
<step> is the global step after the run.
"""
import os

from sluice.engine.log import logger
from sluice.training import session_run_hooks as _hooks


class ProfilerHook(_hooks.SessionRunHook):
    """Captures a trace every `save_steps` steps or `save_secs` seconds into output_dir."""

    def __init__(self, save_steps=None, save_secs=None, output_dir='', show_dataflow=True, show_memory=False):
        self._output_dir = output_dir
        self._output_file = os.path.join(output_dir, 'timeline-{}.json')
        self._show_dataflow = show_dataflow
        self._show_memory = show_memory
        self._timer = _hooks.SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)
        self._file_writer = None

    def begin(self):
        from sluice.training import training_util
        self._next_step = None
        self._global_step_tensor = training_util.get_global_step()
        if self._global_step_tensor is None:
            raise RuntimeError('Global step should be created to use ProfilerHook.')
        if self._file_writer is None:
            self._file_writer = _hooks._summary_writer(self._output_dir)

    def before_run(self, run_context):
        from sluice.io.protos import RunOptions
        self._request_trace = self._next_step is not None and self._timer.should_trigger_for_step(self._next_step)
        options = RunOptions(trace_level=RunOptions.FULL_TRACE) if self._request_trace else None
        return _hooks.SessionRunArgs({'global_step': self._global_step_tensor}, options=options)

    def after_run(self, run_context, run_values):
        stale_global_step = int(run_values.results['global_step'])
        if self._next_step is None:
            self._timer.update_last_triggered_step(stale_global_step)   # start counting from here
        global_step = stale_global_step + 1
        if self._request_trace:
            global_step = int(run_context.session.run(self._global_step_tensor))
            self._timer.update_last_triggered_step(global_step)
            self._save(global_step, self._output_file.format(global_step), run_values.run_metadata.step_stats)
            self._file_writer.add_run_metadata(run_values.run_metadata, 'step_%d' % global_step)
        self._next_step = global_step + 1

    def end(self, session):
        self._file_writer.flush()    # so the run metadata is on disk when training ends

    def _save(self, step, path, step_stats):
        from sluice.python.client import timeline
        logger.info("Saving timeline for %d into '%s'.", step, path)
        with open(path, 'w') as f:
            f.write(timeline.Timeline(step_stats).generate_chrome_trace_format(
                show_dataflow=self._show_dataflow, show_memory=self._show_memory))
