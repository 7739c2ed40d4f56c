"""Device lanes: a plan's steps on several devices run concurrently, one thread per device.

Towers (a copy of the model per device) give a plan long runs of steps on different devices that
do not read each other's values. NumPy's big kernels and BLAS release the GIL, so two towers'
kernels can overlap on two cores. ConfigProto.inter_op_parallelism_threads >= 2 turns lanes on
and bounds the threads; 0 (the default) and 1 keep one thread (see threads_for).

Building (`lane_runner`), once per plan, from its steps in plan order:
  1. Lane of a step: its device (a copy: the device it copies to; a variable read: the variable's).
  2. Phases: a step that may change state other steps read (a Ref or resource input, or no
     outputs) is a barrier: it runs alone, after every step before it and before every step after
     it, so reads and writes keep the plan's order. The steps between barriers are a phase.
  3. A phase where fewer than two devices hold MIN_KERNELS kernel steps runs as one sequence.
     Otherwise each busy device is a lane (at most `threads`: the smallest are merged; the idle
     devices' steps join the first), and each lane is a generated function over a shared
     register list; a register read by another lane of its phase gets an Event that its producer
     sets and the reader waits on. Each lane runs its steps in plan order, which is topological,
     so the earliest unfinished step never waits: no deadlock. Registers read by one lane only are
     freed after their last reader as in the compiled plan; the others live until the run ends.
  4. A lane that fails sets every Event of the run, so no lane waits for ever; the calling thread
     runs the first lane, waits for the others and raises the failure of the first failed lane.
The plan is used only when some phase runs lanes concurrently (`None` otherwise): a single-device
plan keeps the straight-line compiled function.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

from sluice.engine import dtypes
from sluice.engine import process_config

MIN_KERNELS = 8   # kernel steps a lane needs before running it on its own thread pays

_pool_lock = threading.Lock()
_pool = []        # [(ThreadPoolExecutor, its number of workers)], shared by the sessions of the process


def threads_for(config):
    """The most lanes a run may use at once under `config` (1: no concurrency). Lanes are opt-in:
    inter_op_parallelism_threads >= 2 asks for them; 0 (the system picks) means one thread. On the
    2-core machine measured, shared with other load (benchmarks/towers_concurrency.py), towers of
    128 images ran 1.03-1.32x faster in lanes, towers of 32 images 0.72-1.0x: a gain only for
    big towers, so the default stays the sequential plan."""
    setting = getattr(config, 'inter_op_parallelism_threads', 0) if config is not None else \
        process_config.get('inter_op')
    return max(1, setting)


def lane_runner(plan, threads):
    """A run(feed_values) function running `plan`'s phases' lanes concurrently, or None."""
    if threads < 2:
        return None
    phases = _phases(plan.steps, threads)
    if not any(len(p) > 1 for p in phases):
        return None
    return _LaneRunner(plan, phases, threads).run


def _is_barrier(step):
    if step.kind in ('copy', 'read'):
        return False
    op = step.op
    return any(op._ref_inputs) or not op._outputs or any(t._dtype is dtypes.resource for t in op._inputs)


def _phases(steps, threads):
    """[[step indices] per lane] per phase; a barrier step is a phase of its own."""
    phases, current = [], {}
    for i, step in enumerate(steps):
        if _is_barrier(step):
            if current:
                phases.append(_lanes(current, steps, threads))
                current = {}
            phases.append([[i]])
            continue
        current.setdefault(step.device.name, []).append(i)
    if current:
        phases.append(_lanes(current, steps, threads))
    return phases


def _lanes(by_device, steps, threads):
    """A phase's lanes: one per busy device (MIN_KERNELS kernel steps or more), the other devices'
    steps joined to the first lane, at most `threads` lanes (the smallest merged), each in plan
    order; one lane when fewer than two devices are busy."""
    busy = [lane for lane in by_device.values() if sum(steps[i].kind != 'copy' for i in lane) >= MIN_KERNELS]
    if len(busy) < 2:
        return [sorted(i for lane in by_device.values() for i in lane)]
    idle = [i for lane in by_device.values() if lane not in busy for i in lane]
    busy.sort(key=len, reverse=True)
    lanes = busy[:threads]
    for k, lane in enumerate(busy[threads:]):
        lanes[-1 - k % len(lanes)] = lanes[-1 - k % len(lanes)] + lane
    lanes[0] = lanes[0] + idle
    return [sorted(lane) for lane in lanes]


class _Aborted(Exception):
    """Raised in a lane waiting for a register another lane failed to produce."""


class _LaneRunner:
    def __init__(self, plan, phases, threads):
        self.plan = plan
        self.threads = threads
        steps = plan.steps
        producer = {r: i for i, s in enumerate(steps) for r in s.outputs if r is not None}
        lane_of = {}
        for p, lanes in enumerate(phases):
            for k, lane in enumerate(lanes):
                for i in lane:
                    lane_of[i] = (p, k)
        readers = {}
        for i, s in enumerate(steps):
            for r in s.inputs:
                readers.setdefault(r, set()).add(lane_of[i])
        # Registers crossing lanes of one phase: an Event each; they are never freed during the run.
        self.crossing = sorted(r for r, rs in readers.items() if r in producer and
                               any(x != lane_of[producer[r]] and x[0] == lane_of[producer[r]][0] for x in rs))
        shared = {r for r, rs in readers.items() if len(rs) > 1 or (r in producer and lane_of[producer[r]] not in rs)}
        event_index = {r: j for j, r in enumerate(self.crossing)}
        names = {'_fail': plan._fail, '_wait': self._wait, '__name__': 'sluice.engine.plan'}
        self.phases = []
        for p, lanes in enumerate(phases):
            functions = []
            for k, lane in enumerate(lanes):
                concurrent = len(lanes) > 1
                functions.append(self._lane_function(p, k, lane, steps, names, event_index if concurrent else {},
                                                     lane_of, producer, shared))
            self.phases.append(functions)
        self.fetch_regs = plan.fetch_regs
        self.converters = plan._fetch_converters

    def _lane_function(self, p, k, lane, steps, names, event_index, lane_of, producer, shared):
        lines = ['def lane_%d_%d(R, E, F):' % (p, k), '    try:']
        for i in lane:
            step = steps[i]
            for r in step.inputs:
                if r in event_index and lane_of[producer[r]] != (p, k):
                    lines.append('        _wait(E[%d], F)' % event_index[r])
            args = ', '.join('R[%d]' % r for r in step.inputs)
            outs = ['_' if r is None else 'R[%d]' % r for r in step.outputs]
            lines.append('        s = %d' % i)
            if step.multi_output:
                call = '        %s, = k%d(%s)' % (', '.join(outs), i, args) if outs else '        k%d(%s)' % (i, args)
            elif outs:
                call = '        %s = k%d(%s)' % (outs[0], i, args)
            else:
                call = '        k%d(%s)' % (i, args)
            lines.append(call)
            for r in step.outputs:
                if r in event_index:
                    lines.append('        E[%d].set()' % event_index[r])
            frees = [r for r in step.frees if r not in shared]
            if frees:
                lines.append('        %s = None' % ' = '.join('R[%d]' % r for r in frees))
        lines += ['    except _Aborted:', '        raise', '    except Exception as e:', '        _fail(e, s)']
        source = '\n'.join(lines)
        scope = dict(names, _Aborted=_Aborted)
        scope.update(('k%d' % i, steps[i].fn) for i in lane)
        exec(compile(source, '<sluice lane %d.%d>' % (p, k), 'exec'), scope)
        return scope['lane_%d_%d' % (p, k)]

    @staticmethod
    def _wait(event, failed):
        event.wait()
        if failed:
            raise _Aborted()

    def run(self, feed_values):
        R = [None] * self.plan.n_registers
        R[:len(self.plan.feeds)] = feed_values
        E = [threading.Event() for _ in self.crossing] if self.crossing else ()
        F = []  # non-empty once a lane failed
        for functions in self.phases:
            if len(functions) == 1:
                functions[0](R, E, F)
            else:
                self._concurrently(functions, R, E, F)
        return [R[r] if c is None else c(R[r]) for r, c in zip(self.fetch_regs, self.converters)]

    def _concurrently(self, functions, R, E, F):
        pool = _shared_pool(self.threads - 1)
        futures = [pool.submit(_guarded, f, R, E, F) for f in functions[1:]]
        errors = [_guarded(functions[0], R, E, F)] + [f.result() for f in futures]
        failures = [e for e in errors if e is not None and not isinstance(e, _Aborted)]
        if failures:
            raise failures[0]


def _guarded(function, R, E, F):
    """Runs one lane; returns its exception (after releasing every waiting lane) or None."""
    try:
        function(R, E, F)
    except BaseException as e:
        F.append(e)
        for event in E:
            event.set()
        return e
    return None


def _shared_pool(workers):
    """The process's lane threads, grown (never shrunk) to `workers`."""
    with _pool_lock:
        if not _pool or _pool[0][1] < workers:
            if _pool:
                _pool[0][0].shutdown(wait=False)
            _pool[:] = [(ThreadPoolExecutor(max_workers=workers, thread_name_prefix='sluice-lane'), workers)]
        return _pool[0][0]
