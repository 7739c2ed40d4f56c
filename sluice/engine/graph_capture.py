"""CUDA-graph replay: a GPU plan's device work captured once per feed shapes, then launched as one graph.

Which plans (decided once, when the plan is built; `capture_roles`):
  - the session allows it: SLUICE_CUDA_GRAPHS is not '0' and ConfigProto's
    graph_options.optimizer_options.global_jit_level is not OFF (the switch of plan compilation,
    which also turns elementwise fusion off);
  - no TF 1.x conditional region (dead values decide at run time what runs);
  - every step that touches a device touches the same one GPU;
  - every kernel step with device outputs has a capturable kernel (`kernels/registry.py`: no host
    sync, no data-dependent shape, no changing host state, state written only in place); a fused
    step is capturable when all its members are;
  - a step whose outputs all live in host memory (a GPU plan's int32 shape arithmetic, Shape's
    metadata) is stateless and reads no fed value and no device value except through a host-output
    kernel: its results are then fixed by the feed shapes and frozen at capture;
  - nothing is copied from the GPU to the host inside the plan, no variable is read on the host,
    and a fed value is read only by its copy to the GPU (which becomes a fixed input buffer).
A plan that fails a rule keeps its compiled function; one DEBUG line names the first rule it failed.

Runs of an eligible plan are keyed by the shapes of the fed values (dtypes are the signature's).
For each key the first runs are plain: they warm CuPy's kernel cache and cuBLAS and (when the plan
has fused steps) build the fused loops, so that the capture records them. On a real GPU the run
before the capture walks the steps as the capture will, for real, on the capture stream, keeping
every value until it ends: the stream's pool then has cached all the capture asks for. The run
`capture_at` (2, or the run after the fused loops are built) is the *capture pass*: the steps run
one by one in plan order and every value is kept, so that no buffer the graph reads or writes is
handed to anyone else while the program lives;
  host steps run on the host and their results stay as they are (frozen);
  a fed value's copy is the key's fixed input buffer; a host value's copy to the GPU is made once,
  outside the graph;
  device steps run under capture on a real GPU (CuPy records their launches; nothing runs), or
  run and are recorded with their fixed buffers on a fake GPU.
Every later run of the key *replays*: it checks that each variable still owns the buffer it was
captured with (an Assign, a restore or an initializer run by another plan replaces it: the program
is then dropped and captured again at the next run), copies each feed into its input buffer,
launches, and copies each fetch out of its buffer, which the next replay overwrites.
Backends (`engine/capture_backends.py`): CuPy stream capture with pinned, stream-ordered feeds and
fetches on real GPUs; the closure replay on NumPy-backed fake GPUs, which exercises everything
above the launch itself. A capture that raises is abandoned (logged at DEBUG) and the run goes
the plain way; that key is not captured again. A warm-up run that fails outside the kernels does
the same, unless it had written a variable already (then the run fails: running it again would
apply the update twice).
"""
import os
import threading

import numpy as np

from sluice.engine import capture_backends, errors, fusion
from sluice.engine.log import logger
from sluice.engine.resources import VariableSlot
from sluice.kernels import registry as kernel_registry

MAX_PROGRAMS = 4        # captured feed shapes per plan; more shapes run plain (each program holds its buffers)
_REFUSED = -1           # a key whose capture failed: it runs plain from then on
_FREE_HOST_OPS = frozenset(['Const', 'NoOp'])


def enabled_by(config):
    """Capture is on unless SLUICE_CUDA_GRAPHS=0 or the config's global_jit_level is OFF."""
    if os.environ.get('SLUICE_CUDA_GRAPHS', '1') == '0':
        return False
    graph_options = getattr(config, 'graph_options', None)
    level = getattr(getattr(graph_options, 'optimizer_options', None), 'global_jit_level', 0)
    return level != fusion.JIT_OFF


def install(plan, session, plain_run):
    """The run function of `plan`: plain_run itself, or a CapturedPlan's run around it."""
    if not plan.steps or plan._region or not any(not s.device.is_host for s in plan.steps):
        return plain_run  # not a GPU plan: nothing to decide, nothing logged
    if not hasattr(session, '_config') or not enabled_by(session._config):
        return plain_run
    device, roles, reason = capture_roles(plan)
    backend = None
    if reason is None:
        backend, reason = capture_backends.for_device(device)
    if reason is not None:
        logger.debug('Plan of %s runs without CUDA-graph capture: %s', _plan_name(plan), reason)
        return plain_run
    return CapturedPlan(plan, plain_run, device, roles, backend).run


def _plan_name(plan):
    names = [t.name for t in plan.fetches] + [op.name for op in plan.targets]
    return '[%s]' % ', '.join(names[:4] + (['...'] if len(names) > 4 else []))


# -- which steps do what under capture ----------------------------------------------------------------

FEED, UPLOAD, HOST, DEVICE = 'feed', 'upload', 'host', 'device'


def capture_roles(plan):
    """(GPU, [role per step], None) for a plan that can be captured, else (None, None, reason).

    Roles: FEED (a fed value's copy to the GPU: the fixed input buffer), UPLOAD (a host value's
    copy, made once), HOST (host work, frozen), DEVICE (recorded in the graph)."""
    n_feeds = len(plan.feeds)
    gpu = None
    roles = []
    for step in plan.steps:
        role, reason = _role(plan, step, n_feeds)
        if reason is not None:
            return None, None, reason
        if role != HOST:
            if gpu is not None and step.device is not gpu:
                return None, None, 'it runs on %s and %s' % (gpu.name, step.device.name)
            gpu = step.device
        roles.append(role)
    if gpu is None:
        return None, None, 'no step runs on a GPU'
    return gpu, roles, None


def _role(plan, step, n_feeds):
    op = step.op
    where = plan.register_device
    if step.kind == 'copy':
        src, dst = where(step.inputs[0]), step.device
        if not src.is_host or dst.is_host:
            return None, 'it copies the value of %s (%s) from %s to %s' % (op.name, op.type, src.name, dst.name)
        return (FEED if step.inputs[0] < n_feeds else UPLOAD), None
    if step.kind == 'read':
        if step.device.is_host:
            return None, 'it reads the variable of %s (%s) on the host' % (op.name, op.type)
        return DEVICE, None
    ops = step.fn.members if step.kind == 'fused' else [op]
    outputs = [r for r in step.outputs if r is not None]
    on_host = outputs and all(where(r).is_host for r in outputs)
    if not outputs and op.type in _FREE_HOST_OPS:
        return HOST, None
    if on_host:
        return _host_role(plan, step, n_feeds)
    if step.device.is_host:
        return None, '%s (%s) runs on the host' % (op.name, op.type)
    for member in ops:
        kdef = kernel_registry.get_kernel(member.type, 'GPU')
        if kdef is None or not kernel_registry.is_capturable(kdef, member):
            return None, 'the kernel of %s (%s) is not capturable' % (member.name, member.type)
    if any(r < n_feeds for r in step.inputs):
        return None, '%s (%s) reads a fed value directly' % (op.name, op.type)
    return DEVICE, None


def _host_role(plan, step, n_feeds):
    """A step with host outputs: frozen at capture if its results depend on feed shapes alone."""
    op = step.op
    if op._op_def.is_stateful or any(op._ref_inputs):
        return None, '%s (%s) changes state on the host' % (op.name, op.type)
    if any(r < n_feeds for r in step.inputs):
        return None, 'the fed value %s is read by %s (%s) on the host' % (
            plan.feeds[min(r for r in step.inputs if r < n_feeds)].name, op.name, op.type)
    if any(not plan.register_device(r).is_host for r in step.inputs):
        kdef = kernel_registry.get_kernel(op.type, 'GPU')
        if kdef is None or not kdef.host_outputs or not kernel_registry.is_capturable(kdef, op):
            return None, '%s (%s) reads a device value on the host' % (op.name, op.type)
    return HOST, None


# -- runs --------------------------------------------------------------------------------------------

class CapturedPlan:
    """The run function of an eligible plan: plain runs, one capture and replays, per feed shapes."""

    def __init__(self, plan, plain_run, device, roles, backend):
        self.plan = plan
        self.plain_run = plain_run
        self.device = device
        self.roles = roles
        self.backend = backend
        has_fused = any(s.kind == 'fused' for s in plan.steps)
        # the fused loops are built at a group's COMPILE_AT_RUN-th run: capture the run after
        self.capture_at = fusion.COMPILE_AT_RUN + 1 if has_fused else 2
        self.programs = {}   # feed shapes -> Program
        self.runs = {}       # feed shapes -> plain runs so far, or _REFUSED
        self._lock = threading.RLock()
        self.captures = 0    # how many programs were captured (tests, benchmarks)

    def run(self, feed_values):
        key = tuple([v.shape for v in feed_values])
        program = self.programs.get(key)
        if program is not None:
            result = program.replay(feed_values)
            if result is not None:
                return result
            with self._lock:
                if self.programs.get(key) is program:
                    del self.programs[key]
                    self.runs[key] = self.capture_at - 1
            logger.debug('Plan of %s: a variable was given a new buffer since the capture; capturing again',
                         _plan_name(self.plan))
            return self.plain_run(feed_values)
        n = self.runs.get(key, 0)
        if n == _REFUSED or n + 1 < self.capture_at:
            if n == _REFUSED:
                return self.plain_run(feed_values)
            self.runs[key] = n + 1
            if n + 2 == self.capture_at and self.backend.warms_before_capture:
                return self._warm(key, feed_values)
            return self.plain_run(feed_values)
        with self._lock:
            if key in self.programs or self.runs.get(key, 0) == _REFUSED:
                return self.run(feed_values) if key in self.programs else self.plain_run(feed_values)
            if len(self.programs) >= MAX_PROGRAMS:
                self.runs[key] = _REFUSED
                logger.debug('Plan of %s: feed shapes %s run without capture: %d shapes are captured already',
                             _plan_name(self.plan), key, MAX_PROGRAMS)
                return self.plain_run(feed_values)
            return self._capture(key, feed_values)

    def _warm(self, key, feed_values):
        try:
            return Program.warm(self, feed_values)
        except _KernelError as e:
            self.runs[key] -= 1  # the run's own error: warm again next time
            raise e.error from e.error.__cause__
        except _WarmFailed as e:
            self.runs[key] = _REFUSED
            cause = e.__cause__
            logger.debug('Plan of %s: the run before the capture failed (%s: %s); it runs plain',
                         _plan_name(self.plan), type(cause).__name__, cause)
            if e.updated:  # a variable was written already: running again would update it twice
                raise errors.InternalError(None, None, 'The warm-up run of %s for CUDA-graph capture failed '
                                           'after updating variables: %s: %s'
                                           % (_plan_name(self.plan), type(cause).__name__, cause)) from cause
            return self.plain_run(feed_values)

    def _capture(self, key, feed_values):
        try:
            program, results = Program.capture(self, feed_values)
        except _KernelError as e:
            raise e.error from e.error.__cause__  # the run's own error (a fake GPU's pass is the run)
        except Exception as e:  # nothing ran under capture: the run goes the plain way
            try:
                results = self.plain_run(feed_values)
            except Exception:
                self.runs[key] = self.capture_at - 1  # the run's own error (an uninitialized variable): try again
                raise
            self.runs[key] = _REFUSED  # the capture itself failed: this key runs plain from now on
            logger.debug('Plan of %s: CUDA-graph capture failed (%s: %s); it runs plain',
                         _plan_name(self.plan), type(e).__name__, e)
            return results
        if isinstance(program, str):  # the pass cannot be replayed
            self.runs[key] = _REFUSED
            logger.debug('Plan of %s runs without CUDA-graph capture: %s', _plan_name(self.plan), program)
            return results if results is not None else self.plain_run(feed_values)  # (a capture ran nothing)
        self.programs[key] = program
        self.captures += 1
        return results if results is not None else program.replay(feed_values)


class _WarmFailed(Exception):
    """The warm-up pass failed outside the kernels; `updated`: whether a variable was written already."""

    def __init__(self, error, updated):
        super().__init__(str(error))
        self.updated = updated


class _KernelError(Exception):
    """A kernel's error during a capture pass that executes (fake GPUs): the run's error, as plain."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class Program:
    """One captured feed-shape key: the fixed buffers, the pinned variables and the backend's graph.

    buffers:  every register's value at capture (index = register); the graph reads and writes them.
    inputs:   [(feed index, fixed input buffer)]; fetches: [(kind, object)] with kind 'feed' (the
              fed value is returned), 'host' (a frozen host value) or 'device' (a device buffer).
    pins:     [(variable slot, the buffer it held at capture)], checked before each replay.
    """

    def __init__(self, inputs, fetches, pins, graph, backend):
        self.inputs, self.fetches, self.pins, self.graph, self.backend = inputs, fetches, pins, graph, backend
        self._lock = threading.Lock()  # a replay owns the fixed buffers until its fetches are copied out

    @classmethod
    def capture(cls, captured, feed_values):
        """(Program, or the reason a pass that ran cannot be replayed; results of this run, or None
        when the backend's capture ran nothing)."""
        plan, backend = captured.plan, captured.backend
        run = _Pass(captured, feed_values, executing=backend.executes_capture)
        graph, reason = backend.capture(run, run.regs, run.recorded)
        regs = run.regs
        if any(isinstance(regs[r], VariableSlot) and regs[r].value is None for r in plan.fetch_regs):
            graph, reason = None, 'it fetches an uninitialized variable'  # the plain path says so
        fetches = [_fetch_source(plan, r, regs) for r in plan.fetch_regs]
        program = cls(run.inputs, fetches, _pinned_variables(regs), graph, backend)
        results = program._results(feed_values) if backend.executes_capture else None
        return (program if graph is not None else reason), results

    @staticmethod
    def warm(captured, feed_values):
        """Runs the pass for real with the capture's allocation pattern (every value kept until it
        ends), so that the capture after it finds the memory it needs cached; returns the results."""
        plan, backend = captured.plan, captured.backend
        run = _Pass(captured, feed_values, executing=True)
        try:
            backend.warm(run)
        except _KernelError:
            raise
        except Exception as e:
            raise _WarmFailed(e, run.updated) from e
        sources = [_fetch_source(plan, r, run.regs) for r in plan.fetch_regs]
        program = Program([], sources, (), backend.host_copier(), backend)
        return program._results(feed_values)

    def replay(self, feed_values):
        """The run's results, or None when a variable no longer owns its captured buffer."""
        for slot, buffer in self.pins:
            if slot.value is not buffer:
                return None
        with self._lock:
            try:
                self.graph.launch([(b, feed_values[i]) for i, b in self.inputs])
                return self._results(feed_values)
            except Exception as e:  # a device error surfaces here, not in a kernel: name what ran
                raise errors.InternalError(None, None, 'CUDA-graph replay failed: %s: %s'
                                           % (type(e).__name__, e)) from e

    def _results(self, feed_values):
        """The fetched values, copied out of the buffers the next replay overwrites."""
        device_values = [obj.value if isinstance(obj, VariableSlot) else obj  # a Ref: the variable's buffer
                         for kind, obj in self.fetches if kind == 'device']
        copied = iter(self.graph.copy_out(device_values) if device_values else ())
        results = []
        for kind, obj in self.fetches:
            if kind == 'feed':
                results.append(feed_values[obj])
                continue
            value = next(copied) if kind == 'device' else np.array(obj, copy=True)
            results.append(value[()] if value.ndim == 0 else value)
        return results


class _Pass:
    """One walk of the plan's steps in order, keeping every value: the capture pass (called under
    capture or, on a fake GPU, for real) and the warm-up pass before a real capture.

    regs: every register's value (index = register); inputs: [(feed index, fixed input buffer)];
    recorded: the device steps as (fn, input registers, output registers, multi_output)."""

    def __init__(self, captured, feed_values, executing):
        self.plan, self.roles, self.backend = captured.plan, captured.roles, captured.backend
        self.executing = executing
        self.regs = [None] * self.plan.n_registers
        self.regs[:len(feed_values)] = feed_values
        self.inputs, self.recorded = [], []
        self.updated = False  # whether an executed step has written a variable

    def __call__(self):
        plan, regs, backend = self.plan, self.regs, self.backend
        for i, (step, role) in enumerate(zip(plan.steps, self.roles)):
            args = [regs[r] for r in step.inputs]
            if role == FEED:
                buffer = backend.input_buffer(args[0], self.executing)
                self.inputs.append((step.inputs[0], buffer))
                outs = (buffer,)
            elif role == UPLOAD:
                outs = (backend.upload(args[0]),)
            else:
                try:
                    result = step.fn(*args)
                except Exception as e:
                    if not self.executing:
                        raise  # under capture: abandon it, and let the plain path report
                    try:
                        plan._fail(e, i)
                    except Exception as converted:
                        raise _KernelError(converted) from e
                self.updated = self.updated or (self.executing and any(step.op._ref_inputs))
                outs = result if step.multi_output else (result,) if step.outputs else ()
                if role == DEVICE:
                    self.recorded.append((step.fn, step.inputs, step.outputs, step.multi_output))
            for r, v in zip(step.outputs, outs):
                if r is not None:
                    regs[r] = v


def _pinned_variables(regs):
    """The variable slots among the kept values, with the buffers they hold now."""
    seen, pins = set(), []
    for v in regs:
        if isinstance(v, VariableSlot):
            if id(v) not in seen:
                seen.add(id(v))
                pins.append((v, v.value))
    return pins


def _fetch_source(plan, register, regs):
    if register < len(plan.feeds):
        return 'feed', register
    value = regs[register]
    if plan.register_device(register).is_host:
        return 'host', value
    return 'device', value
