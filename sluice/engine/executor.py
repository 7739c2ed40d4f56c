"""The executor: turns (feeds, fetches, targets) into an ExecutionPlan once, then runs it.

Planning, once per signature:
  1. Prune: walk back from the fetched tensors and the target ops through data and control
     inputs; a fed tensor cuts the walk (its producer runs only if needed otherwise), and behind a
     control edge only effectful ops run (a stateless op there has no reader).
  2. Order: the walk's post-order is a topological order honouring control dependencies.
  3. Place: the session's Placer gives every op its device.
  4. Bind: each op's kernel builder is called with the node and a KernelContext; it returns the
     step callable (attrs, constant inputs and resources are resolved here, not per run).
  5. Wire: every value gets a register. Where an edge crosses memory spaces (host <-> GPU, GPU
     <-> GPU, or a GPU value into a host-memory input) a copy step is added, shared by all
     consumers on the same device (a fed value's through a pinned staging buffer; a host op whose
     outputs are read only on one GPU, a queue's DequeueMany, may build them in the pinned buffers
     of engine/pinned_batches.py, which its copy steps upload). Reading a variable (a Ref value
     into a plain input) is a read step placed just before its consumer, so it sees writes made
     earlier in the run.
  5b. Group: the nodes of one collective (TF's per-device NcclAllReduce nodes of a shared_name)
     are made contiguous in the order and become one step over all their inputs and outputs
     (`engine/collectives.py`); a run that executes only part of a group fails here.
  6. Fuse: trees of elementwise steps become one fused step each (`engine/fusion.py`).
  7. Free: each register is dropped after its last reader, unless it is fetched.
  8. Compile: the steps become one generated Python function over local variables, so that a
     run is a straight sequence of kernel calls with no lookups. A plan with long runs of steps
     on two or more devices (towers) runs them on a thread per device (`engine/device_lanes.py`).
     `run_traced` walks the same steps one by one with a hook per step, for tracing and debugging.
  9. Capture: a GPU plan whose steps can all be captured runs as a replayed CUDA graph from its
     second run per feed shapes (`engine/graph_capture.py`); other plans keep the function of 8.
"""
import numpy as np

from sluice.engine import collectives, dead_values, device_lanes, dtypes, errors
from sluice.engine import feed_staging, fusion, gpu_memory, graph_capture, pinned_batches
from sluice.kernels import registry as kernel_registry


class KernelContext:
    """What a kernel builder may know about the node it binds, at planning time.

    op:        the Operation.     device: the Device it runs on.     xp: NumPy or CuPy.
    resources: the session's ResourceStore (variables, queues, per-op state such as RNGs).
    session:   what is planning: the Session, or a function's session inside If/While kernels.
    """

    def __init__(self, op, device, resources, fed, consumer_counts, fetched, kernel_of, session=None, pinned=None):
        self.op = op
        self.session = session
        self.device = device
        self.xp = device.xp
        self.resources = resources
        self._fed = fed
        self._consumer_counts = consumer_counts
        self._fetched = fetched
        self._kernel_of = kernel_of
        self._pinned = pinned

    def constant_input(self, index):
        """The NumPy value of input `index` when it is an unfed Const, else None."""
        t = self.op._inputs[index]
        if t._op._op_def.type != 'Const' or t in self._fed:
            return None
        return t._op.get_attr('value')

    def input_is_private(self, index):
        """True when input `index` is a fresh array read by this op alone: it may be reused in place."""
        t = self.op._inputs[index]
        if t in self._fed or t in self._fetched or self._consumer_counts.get(t, 0) != 1:
            return False
        kdef = self._kernel_of.get(t._op)
        return kdef is not None and kdef.fresh_output and not t._dtype._is_ref_dtype

    def producer_is_fresh(self, index):
        """True when input `index` comes from a kernel whose outputs are always new arrays."""
        kdef = self._kernel_of.get(self.op._inputs[index]._op)
        return kdef is not None and kdef.fresh_output

    def pinned_batches(self):
        """A PinnedBatches pool (engine/pinned_batches.py) when every output of this host op is read only
        by steps on one GPU: the kernel may build its outputs in the pool's buffers, and the plan's
        copy steps upload them asynchronously. None otherwise."""
        return self._pinned(self.op) if self._pinned is not None else None

    def op_state(self, factory):
        """Per-session state of this node (an RNG, a reader position), made once by factory()."""
        return self.resources.op_state(self.op, factory)


class Step:
    """One call of a plan: a kernel, a fused group of kernels, a copy between devices or a variable read."""
    __slots__ = ('kind', 'op', 'device', 'fn', 'inputs', 'outputs', 'multi_output', 'frees')

    def __init__(self, kind, op, device, fn, inputs, outputs, multi_output=False):
        self.kind = kind
        self.op = op
        self.device = device
        self.fn = fn
        self.inputs = inputs
        self.outputs = outputs
        self.multi_output = multi_output
        self.frees = ()

    def __repr__(self):
        return '<Step %s %s on %s: %s -> %s>' % (self.kind, self.op.name, self.device.name, self.inputs, self.outputs)


def _read_variable_fn(op, slot_name):
    def read(slot):
        value = slot.value
        if value is None:
            raise errors.error_for_op(errors.FailedPreconditionError, op,
                                      'Attempting to use uninitialized value %s' % slot_name)
        return value
    return read


class ExecutionPlan:
    """The compiled form of one (feeds, fetches, targets) signature."""

    def __init__(self, session, feeds, fetches, targets):
        self.feeds = list(feeds)
        self.fetches = list(fetches)
        self.targets = list(targets)
        self.steps = []
        self.ops = []
        self._copy_devices = {}   # register -> device, for the copies' registers
        self._pinned_pools = {}   # host op -> PinnedBatches its outputs' copy steps upload from
        self._build(session)

    # -- planning --
    def _build(self, session):
        fed = {t: i for i, t in enumerate(self.feeds)}
        roots = [t._op for t in self.fetches] + list(self.targets)
        self._region = region = dead_values.conditional_region(roots[0]._graph) if roots else set()
        order = prune_and_order(self.fetches, self.targets, fed, region)
        self.ops = order = self._grouped(order, fed)
        session._placer.place(order + [t._op for t in self.feeds])  # fed nodes are placed (and logged) as in TF
        device_of = session._placer.device_of
        self._host = host = session._devices[0]
        fetched = set(self.fetches)
        kernel_of = {}  # op -> KernelDef bound in this plan
        consumer_counts = {}
        for op in order:
            for t in op._inputs:
                consumer_counts[t] = consumer_counts.get(t, 0) + 1

        n_regs = [len(self.feeds)]

        def new_reg():
            n_regs[0] += 1
            return n_regs[0] - 1

        liveness = {}   # region op -> the register saying whether it ran (dead_values)
        home = {}       # tensor -> (register, device) where it is produced (feeds: host)
        copies = {}     # (tensor, memory space) -> register of the copy
        for t, i in fed.items():
            home[t] = (i, host)
        for op in order:
            placed = device_of(op)
            device = host if _in_host_memory(op, placed) else placed
            kdef = kernel_registry.get_kernel(op._op_def.type, device.device_type)
            if kdef is None:
                raise errors.error_for_op(
                    errors.NotFoundError, op, "No registered '%s' OpKernel for %s devices compatible with node %s"
                    % (op.type, device.device_type, op.name))
            ctx = KernelContext(op, device, session._resources, fed, consumer_counts, fetched, kernel_of, session,
                                lambda node: self._pinned_batches(node, order, device_of, fed, fetched))
            try:
                with device.context():
                    fn = kdef.builder(op, ctx)
            except errors.OpError:
                raise
            except Exception as e:
                raise _converted(e, op, device) from e
            kernel_of[op] = kdef
            in_regs = []
            n_inputs = len(op._inputs)
            host_inputs = {i % n_inputs for i in kdef.host_inputs} if n_inputs else ()
            for i, t in enumerate(op._inputs):
                reg, src_device = home[t]
                if op._ref_inputs[i]:
                    in_regs.append(reg)
                    continue
                if t._dtype._is_ref_dtype and t not in fed:
                    read_reg = new_reg()
                    read = _read_variable_fn(op, t._op._name)
                    self.steps.append(Step('read', op, src_device, dead_values.pass_dead(read) if region else read,
                                           (reg,), (read_reg,)))
                    reg = read_reg
                    dst_device = host if i in host_inputs else device
                    if _space(src_device) != _space(dst_device):
                        reg = self._copy(op, t, reg, src_device, dst_device, new_reg, None)
                    in_regs.append(reg)
                    continue
                dst_device = host if i in host_inputs else device
                if _space(src_device) != _space(dst_device):
                    reg = self._copy(op, t, reg, src_device, dst_device, new_reg, copies)
                in_regs.append(reg)
            out_regs = []
            out_device = host if kdef.host_outputs else device
            for t in op._outputs:
                if t in fed:
                    out_regs.append(None)
                else:
                    r = new_reg()
                    home[t] = (r, out_device)
                    out_regs.append(r)
            if op in self._member_of:
                self._add_member(op, placed, fn, tuple(in_regs), tuple(out_regs), region)
                continue
            fn = _bind_device(fn, device)
            if op in region:
                n_data = len(in_regs)
                in_regs += [liveness[c] for c in op._control_inputs if c in liveness]
                if not out_regs:
                    out_regs.append(new_reg())
                fn = dead_values.guard(fn, n_data, len(op._outputs), merge=op._op_def.type == 'Merge')
                if out_regs[0] is not None:
                    liveness[op] = out_regs[0]
            self.steps.append(Step('kernel', op, placed, fn, tuple(in_regs), tuple(out_regs), kdef.multi_output))
        if getattr(session, '_fusion', False) and not region:  # fused steps would not see dead values
            self.steps = fusion.fuse(self.steps, self.feeds, [home[t][0] for t in self.fetches], Step)
        self._register_devices = {r: d for r, d in home.values()}

        self.fetch_regs = [home[t][0] for t in self.fetches]
        self._fetch_converters = [_fetch_converter(t, home[t][1], t in fed, kernel_of.get(t._op))
                                  for t in self.fetches]
        if region:
            self._fetch_converters = [dead_values.checked_fetch(c, j) for j, c in enumerate(self._fetch_converters)]
        self.n_registers = n_regs[0]
        self._plan_frees()
        self.run = graph_capture.install(self, session, self._compile())
        lanes = device_lanes.lane_runner(self, device_lanes.threads_for(getattr(session, '_config', None)))
        if lanes is not None:  # towers on several devices: their steps on a thread each
            self.run = lanes

    def _grouped(self, order, fed):
        """The order with each collective group contiguous (engine/collectives.py)."""
        self._member_of, self._members = {}, []
        if not order:
            return order
        effects = _EffectsBehind(set(order), fed)

        def deps_of(op):
            return [t._op for t in op._inputs if t not in fed] + [e for c in op._control_inputs for e in effects.of(c)]
        order, self._member_of = collectives.grouped_order(order, deps_of)
        return order

    def _add_member(self, op, device, fn, in_regs, out_regs, region):
        """Holds a group member's binding; the group's last member adds the group's one step."""
        if op in region:
            raise errors.error_for_op(errors.UnimplementedError, op, 'sluice does not implement collectives (%s) '
                                      'inside TF 1.x conditionals (Switch/Merge) yet' % op.type)
        self._members.append((collectives.GroupMember(op, device, fn), in_regs, out_regs))
        group = self._member_of[op]
        if op is not group[-1]:
            return
        members, self._members = self._members, []
        fn = collectives.group_spec(op).combine([m for m, _, _ in members])
        inputs = tuple(r for _, regs, _ in members for r in regs)
        outputs = tuple(r for _, _, regs in members for r in regs)
        self.steps.append(Step('group', group[0], members[0][0].device, fn, inputs, outputs, True))

    def _copy(self, op, t, reg, src, dst, new_reg, cache):
        key = (t, _space(dst))
        if cache is not None and key in cache:
            return cache[key]
        out = new_reg()
        pool = self._pinned_pools.get(t._op)
        if pool is not None and _space(pool.device) == _space(dst):  # a batch built in pinned memory
            fn = pool.upload
        elif src.is_host:  # a fed value goes through a pinned buffer on a copy stream
            fn = dst.from_host if reg >= len(self.feeds) else feed_staging.FeedUploader(dst)
        elif dst.is_host:
            fn = src.to_host
        else:
            fn = lambda a, _src=src, _dst=dst: _dst.from_host(_src.to_host(a))
        if self._region:
            fn = dead_values.pass_dead(fn)
        self.steps.append(Step('copy', op, dst, fn, (reg,), (out,)))
        self._copy_devices[out] = dst
        if cache is not None:
            cache[key] = out
        return out

    def _pinned_batches(self, op, order, device_of, fed, fetched):
        """KernelContext.pinned_batches: a pool for `op` when all its outputs are read, in this plan, only
        by steps on one GPU (not fetched or fed, not in host memory), else None."""
        if not op._outputs or any(t in fed or t in fetched for t in op._outputs) or not pinned_batches.enabled():
            return None
        readers = set()
        for consumer in order:
            for i, t in enumerate(consumer._inputs):
                if t._op is op:
                    readers.add(_reader_device(consumer, i, device_of(consumer)))
        if not readers or None in readers or len({_space(d) for d in readers}) != 1:
            return None
        pool = self._pinned_pools[op] = pinned_batches.PinnedBatches(readers.pop())
        return pool

    def _plan_frees(self):
        last_use = {}
        for i, step in enumerate(self.steps):
            for r in step.inputs:
                last_use[r] = i
            for r in step.outputs:
                if r is not None:
                    last_use.setdefault(r, i)
        keep = set(self.fetch_regs)
        frees = {}
        for r, i in last_use.items():
            if r not in keep and r >= len(self.feeds):
                frees.setdefault(i, []).append(r)
        for i, regs in frees.items():
            self.steps[i].frees = tuple(sorted(regs))

    # -- compiling the steps into one function --
    def _compile(self):
        names = {'_fail': self._fail, '__name__': 'sluice.engine.plan'}  # a module name warning filters can match
        inlined = set()
        code = []  # (step index, step, its lines)
        for i, step in enumerate(self.steps):
            if step.kind == 'kernel' and step.op._op_def.type == 'Const' and step.outputs[0] is not None and \
                    not step.inputs:  # (a Const in a TF 1.x conditional has a liveness input)
                # A Const yields the same array every run: bind it once as a global of the function.
                names['r%d' % step.outputs[0]] = step.fn()
                inlined.add(step.outputs[0])
                continue
            if step.kind == 'copy' and step.inputs[0] in inlined and _copied_once(step, names):
                inlined.add(step.outputs[0])  # a constant's copy (an int32 Const to a GPU kernel) is one too
                continue
            names['k%d' % i] = step.fn
            code.append((i, step, _step_lines(i, step, inlined)))
        results = []
        for j, (r, conv) in enumerate(zip(self.fetch_regs, self._fetch_converters)):
            value = 'r%d' % r if r in inlined or len(code) <= _CHUNK_STEPS else 'R[%d]' % r
            if conv is not None:
                names['c%d' % j] = conv
                value = 'c%d(%s)' % (j, value)
            results.append(value)
        parts = []
        if len(code) <= _CHUNK_STEPS:
            lines = ['def run(feed_values):']
            if self.feeds:
                lines.append('    %s, = feed_values' % ', '.join('r%d' % i for i in range(len(self.feeds))))
            lines += ['    s = 0', '    try:']
            lines += [line for _, _, step_lines in code for line in step_lines] or ['        pass']
            lines += ['    except Exception as e:', '        _fail(e, s)']
        else:
            parts, lines = _chunked(code, inlined, set(self.fetch_regs), len(self.feeds), self.n_registers, names)
        lines.append('    return [%s]' % ', '.join(results))
        source = '\n'.join(lines)
        exec(compile(source, '<sluice plan: %d steps>' % len(self.steps), 'exec'), names)
        self.source = '\n'.join(parts + [source])
        return names['run']

    def run_traced(self, feed_values, on_step=None, before_step=None):
        """Runs the steps one by one; before_step(step, index) and on_step(step, index, outputs) hook each."""
        regs = [None] * self.n_registers
        regs[:len(self.feeds)] = feed_values
        for i, step in enumerate(self.steps):
            if before_step is not None:
                before_step(step, i)
            try:
                result = step.fn(*[regs[r] for r in step.inputs])
            except Exception as e:
                self._fail(e, i)
            outs = result if step.multi_output else (result,) if step.outputs else ()
            for r, v in zip(step.outputs, outs):
                if r is not None:
                    regs[r] = v
            if on_step is not None:
                on_step(step, i, outs)
            for r in step.frees:
                regs[r] = None
        return [regs[r] if c is None else c(regs[r]) for r, c in zip(self.fetch_regs, self._fetch_converters)]

    def register_device(self, register):
        """The device whose memory holds `register` (feeds are on the host)."""
        return self._register_devices.get(register) or self._copy_devices.get(register) or self._host

    def _fail(self, exc, step_index):
        step = self.steps[step_index]
        raise _converted(exc, step.op, step.device) from exc


# Straight-line code costs per step more as a function grows (bytecode and globals outgrow the
# caches: 0.32 -> 0.70 us per cheap node from 1k to 100k steps), so a big plan runs as functions of
# at most this many steps, handing live registers over in a list.
_CHUNK_STEPS = 2000


def _step_lines(i, step, inlined):
    call = 'k%d(%s)' % (i, ', '.join('r%d' % r for r in step.inputs))
    outs = ['_' if r is None else 'r%d' % r for r in step.outputs]
    lines = ['        s = %d' % i]
    if step.multi_output:
        lines.append('        %s, = %s' % (', '.join(outs), call) if outs else '        ' + call)
    elif outs:
        lines.append('        %s = %s' % (outs[0], call))
    else:
        lines.append('        ' + call)
    frees = [r for r in step.frees if r not in inlined]
    if frees:
        lines.append('        del %s' % ', '.join('r%d' % r for r in frees))
    return lines


def _chunked(code, inlined, fetched, n_feeds, n_registers, names):
    """Compiles the plan as functions part0, part1, ... (into `names`) over a register list R;
    returns their sources and the lines of a `run` calling them.

    A chunk loads the registers it reads but does not write from R, stores in R those that a later
    chunk or a fetch reads, and clears R's copy of a register after its last reader. Each chunk has
    its own globals: the lookups of a function in a dict of 100k kernels miss the caches too."""
    chunks = [code[k:k + _CHUNK_STEPS] for k in range(0, len(code), _CHUNK_STEPS)]
    sources = [None] * len(chunks)
    read_after = set(fetched)  # registers read by the chunks after the one being written
    for j in range(len(chunks) - 1, -1, -1):
        written = {r for _, step, _ in chunks[j] for r in step.outputs if r is not None}
        read = {r for _, step, _ in chunks[j] for r in step.inputs if r not in inlined}
        loaded, stored = sorted(read - written), sorted(written & read_after)
        lines = ['def part%d(R):' % j]
        if loaded:
            names_list = ', '.join('r%d' % r for r in loaded)
            lines.append('    %s, = %s,' % (names_list, ', '.join('R[%d]' % r for r in loaded)))
        lines.append('    try:')  # the first step sets s
        for _, step, step_lines in chunks[j]:
            lines += step_lines
            released = [r for r in step.frees if r in loaded]
            if released:
                lines.append('        %s = None' % ' = '.join('R[%d]' % r for r in released))
        lines += ['    except Exception as e:', '        _fail(e, s)']
        lines += ['    R[%d] = r%d' % (r, r) for r in stored]
        scope = {'_fail': names['_fail'], '__name__': names['__name__']}
        scope.update(('k%d' % i, names['k%d' % i]) for i, _, _ in chunks[j])
        scope.update(('r%d' % r, names['r%d' % r]) for _, step, _ in chunks[j] for r in step.inputs if r in inlined)
        sources[j] = '\n'.join(lines)
        exec(compile(sources[j], '<sluice plan part %d>' % j, 'exec'), scope)
        names['part%d' % j] = scope['part%d' % j]
        read_after |= read
    lines = ['def run(feed_values):', '    R = [None] * %d' % n_registers]
    if n_feeds:
        lines.append('    R[:%d] = feed_values' % n_feeds)
    lines += ['    part%d(R)' % j for j in range(len(chunks))]
    return sources, lines


def prune_and_order(fetches, targets, fed, region=()):
    """The ops needed for fetches and targets, in an order where every op follows its inputs.

    A control input's value is never read, so a stateless op reached only through control edges
    does not run (TF's graph optimizer drops it too): only the effectful ops behind it do, before
    the op that waits for them. Effectful: stateful, writing a Ref, or without outputs, or in the
    conditional `region` of a TF 1.x graph (where running is what says a branch was taken).
    """
    run = _ops_to_run(fetches, targets, fed, region)
    effects = _EffectsBehind(run, fed)
    order = []
    done = set()
    active = set()
    roots = [t._op for t in fetches if t not in fed] + list(targets)
    for root in roots:
        if root in done:
            continue
        stack = [(root, False)]
        while stack:
            op, expanded = stack.pop()
            if expanded:
                active.discard(op)
                if op not in done:
                    done.add(op)
                    order.append(op)
                continue
            if op in done:
                continue
            if op in active:
                raise errors.error_for_op(errors.InvalidArgumentError, op,
                                          'Graph has a cycle through node %s' % op.name)
            active.add(op)
            stack.append((op, True))
            deps = [t._op for t in op._inputs if t not in fed]
            for c in op._control_inputs:
                deps.extend(effects.of(c))
            for dep in reversed(deps):
                if dep not in done:
                    if dep in active:
                        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                                  'Graph has a cycle through node %s' % dep.name)
                    stack.append((dep, False))
    return order


def _effectful(op):
    return op._op_def.is_stateful or any(op._ref_inputs) or (not op._outputs and op._op_def.type != 'NoOp')


def _ops_to_run(fetches, targets, fed, region):
    """Fetched ops, targets and their data inputs run; behind control edges, only effectful ops."""
    run = set()
    walked = set()  # stateless ops passed through for the effects behind them (not run)
    stack = [t._op for t in fetches if t not in fed] + list(targets)
    behind_control = []
    while stack or behind_control:
        if stack:
            op = stack.pop()
            if op not in run:
                run.add(op)
                stack.extend(t._op for t in op._inputs if t not in fed)
                behind_control.extend(op._control_inputs)
            continue
        op = behind_control.pop()
        if op in run or op in walked:
            continue
        if _effectful(op) or op in region:
            stack.append(op)
        else:
            walked.add(op)
            behind_control.extend(t._op for t in op._inputs if t not in fed)
            behind_control.extend(op._control_inputs)
    return run


class _EffectsBehind:
    """For an op, the ops that run and that it (transitively, through skipped ops) depends on."""

    def __init__(self, run, fed):
        self._run = run
        self._fed = fed
        self._memo = {}

    def of(self, start):
        if start in self._run:
            return (start,)
        memo, run, fed = self._memo, self._run, self._fed
        stack = [(start, False)]
        while stack:
            op, expanded = stack.pop()
            if op in memo:
                continue
            deps = [t._op for t in op._inputs if t not in fed] + op._control_inputs
            if not expanded:
                stack.append((op, True))
                stack.extend((d, False) for d in deps if d not in run and d not in memo)
                continue
            found, seen = [], set()
            for d in deps:
                for e in ((d,) if d in run else memo.get(d, ())):
                    if e not in seen:
                        seen.add(e)
                        found.append(e)
            memo[op] = found
        return memo[start]


def _space(device):
    return 'host' if device.is_host else device.name


# Function arguments arrive in the caller's memory; control-flow ops run their bodies where placed.
_DEVICE_MEMORY_OPS = frozenset(['_Arg', 'If', 'While', 'MapFn', 'Scan', 'Fold'])


def _in_host_memory(op, device):
    """True for a stateless op on a GPU whose inputs and outputs are all int32: it runs its CPU kernel
    on host memory, as TF's GPU kernels for int32 do, so shape arithmetic (a gradient's Shape ->
    BroadcastGradientArgs -> Sum axes) never waits on the device or crosses PCIe."""
    if device.is_host or not op._outputs or op._op_def.is_stateful or op._op_def.type in _DEVICE_MEMORY_OPS:
        return False
    if any(t._dtype is not dtypes.int32 for t in op._outputs) or any(t._dtype is not dtypes.int32 for t in op._inputs):
        return False
    return kernel_registry.get_kernel(op._op_def.type, 'CPU') is not None


def _reader_device(op, index, placed):
    """The device whose memory input `index` of `op` is read in, or None for host memory."""
    if placed.is_host or op._ref_inputs[index] or _in_host_memory(op, placed):
        return None
    kdef = kernel_registry.get_kernel(op._op_def.type, placed.device_type)
    n = len(op._inputs)
    if kdef is None or index in {i % n for i in kdef.host_inputs}:
        return None
    return placed


def _copied_once(step, names):
    """Binds the copy of a constant register as a global; False (copy each run) if copying fails now."""
    try:
        names['r%d' % step.outputs[0]] = step.fn(names['r%d' % step.inputs[0]])
    except Exception:  # e.g. out of device memory: the run reports it, from the copy step
        return False
    return True


def _bind_device(fn, device):
    """Runs GPU kernels of devices other than the current CuPy device under that device."""
    if device.is_host or device.fake or device.physical_index == 0:
        return fn

    def on_device(*args):
        with device.context():
            return fn(*args)
    return on_device


def _fetch_converter(tensor, device, is_fed, kdef):
    """How a fetched register becomes what Session.run returns (None: the array as is).

    TF returns NumPy arrays, NumPy scalars for 0-d values, and never a view of a constant or of
    variable storage: outputs of kernels not marked fresh_output are copied.
    """
    if is_fed:
        return None  # TF returns the fed array itself (after conversion)
    dims = tensor._shape._dims
    is_ref = tensor._dtype._is_ref_dtype
    # A kernel without fresh outputs may return a view of a constant or of variable storage.
    aliases = is_ref or kdef is None or not kdef.fresh_output
    to_host = None if device.is_host else device.to_host

    if is_ref:
        read = _read_variable_fn(tensor._op, tensor._op._name)

        def convert(v):
            return _to_numpy(read(v), to_host, True)
        return convert
    if dims is not None and len(dims) > 0 and to_host is None:
        return np.array if aliases else None  # np.array copies in one C call
    return lambda v: _to_numpy(v, to_host, aliases)


def _to_numpy(value, to_host, copy):
    if to_host is not None:
        value = to_host(value)
        copy = False
    if not isinstance(value, np.ndarray):
        value = np.asarray(value)
    if value.ndim == 0:
        return value[()]
    return value.copy() if copy else value


def _converted(exc, op, device):
    """`exc` raised by a kernel as a TF error naming the node."""
    if isinstance(exc, errors.OpError):
        if exc.op is None:
            return errors.error_for_op(type(exc), op, exc.message)
        return exc
    if gpu_memory.is_out_of_memory(exc):
        return errors.error_for_op(
            errors.ResourceExhaustedError, op,
            'OOM when running %s (%s) on %s: %s' % (op.name, op.type, device.name, gpu_memory.out_of_memory_text(exc)))
    if isinstance(exc, (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError, KeyError)):
        return errors.error_for_op(errors.InvalidArgumentError, op, '%s (op %s): %s' % (op.type, op.name, exc))
    return errors.error_for_op(errors.UnknownError, op, '%s (op %s): %s: %s'
                               % (op.type, op.name, type(exc).__name__, exc))
