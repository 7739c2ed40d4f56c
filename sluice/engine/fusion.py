"""Elementwise fusion: a plan pass that turns trees of elementwise steps into one fused step.

Runs on a plan's bound steps, before frees are planned and the plan is compiled. The registry says
which nodes a loop can inline (`KernelDef.fusion(op)` -> FusibleOp: the elementwise table's rows,
SelectV2, Identity, a Sum over no axes, a Reshape to the same shape); the code generator is the
registry's fused compiler (`kernels/fused_elementwise.py`).

1. Classes: every register gets a broadcast class from static shapes: full (rank >= 1), scalar
   (rank 0) or unknown; a fusible node is full when one of its operands is. Only full nodes fuse,
   so a group always reads at least one full input and every node in it has the group's shape.
   *Grad nodes (no broadcasting) and guarded nodes need full operands; full operands whose static
   shapes differ (a row or a column broadcast) keep a node out.
2. Groups, latest root first: a full fusible step not yet taken is a root; walking back through its
   operands in decreasing step order, a producer joins when it is fusible, on the same device, full,
   of a static shape compatible with the root's, not the source of a control edge, and every reader
   of its value outside the group comes after the root (the value is then also an output of the
   group: fetched values too; one only measured by Shape/Size/Rank gets the root's output, of the
   same shape, when the loop runs). A reader before the root may only measure the value (Shape, Size,
   Rank) of a one-operand member whose operand comes from outside any group (ReLU's Shape for
   dropout's mask): that reader then measures the operand, which has the same shape, instead.
   No state-changing step may lie between a member and the root, since the group runs where its
   root ran (a random op may: its state is its own). A group computing fewer than two values
   (Identity, Reshape and a Sum over no axes compute none) stays as it was.
3. Steps: each group becomes one step at its root's place, with the group's inputs and outputs as
   registers (internal registers disappear). Its first runs call the members' own kernels in
   order; at its COMPILE_AT_RUN-th run the loops of all the plan's groups on its device are built
   (one compiler run, or none when cached on disk), and from then on it calls its loop. Where the
   loop declines (an array of another shape, dtype or layout than planned, a guard that fails, no
   loop built) the members' kernels run, so values never depend on fusion.
Switched off by ConfigProto.graph_options.optimizer_options.global_jit_level = OFF or the
environment variable SLUICE_FUSION=0; function bodies (If/While branches) are not fused.
"""
import heapq
import os
import threading

from sluice.engine import dtypes
from sluice.kernels import registry as kernel_registry

JIT_OFF = -1          # OptimizerOptions.GlobalJitLevel.OFF
MAX_MEMBERS = 32
COMPILE_AT_RUN = 3    # a plan run once or twice (an initializer, an evaluation) never waits for the compiler
MAX_OUTPUTS = 4
_GUARDS = ('empty', 'shape')
_MEASURES = frozenset(['Shape', 'ShapeN', 'Size', 'Rank'])  # kernels that read only an array's shape
# stateful only through their own generator: a group may run past them (dropout's mask after ReLU)
_OWN_STATE = frozenset(['RandomUniform', 'RandomStandardNormal', 'TruncatedNormal', 'RandomUniformInt',
                        'RandomShuffle', 'RandomGamma', 'RandomPoisson', 'RandomPoissonV2', 'Multinomial'])


def enabled_by(config):
    """Fusion is on unless SLUICE_FUSION=0 or the config's global_jit_level is OFF."""
    if os.environ.get('SLUICE_FUSION', '1') == '0':
        return False
    graph_options = getattr(config, 'graph_options', None)
    level = getattr(getattr(graph_options, 'optimizer_options', None), 'global_jit_level', 0)
    return level != JIT_OFF


class FusedGroup:
    """A group as the code generator sees it.

    inputs:  [(NumPy dtype or None, kind)] with kind 'full', 'scalar', 'unknown' (values the loop
             reads) or 'empty' / 'shape' (guards; see fused_elementwise).
    members: [(FusibleOp, refs)] in step order; refs name each operand ('input', k) or ('member', j).
    outputs: indices of the members whose values leave the group, in output order; the root last.
    stand_ins: how many more values leave the group only to have their shape read (a gradient's
             Shape of a forward value): the loop does not write them; the root's output, of the
             same shape, stands in for each, after the outputs.
    """

    def __init__(self):
        self.inputs, self.members, self.outputs, self.stand_ins = [], [], [], 0


def fuse(steps, feeds, fetch_regs, make_step):
    """The steps with every fusible group replaced by one step (make_step builds it, as Step does)."""
    compiler = kernel_registry.fused_compiler()
    if compiler is None:
        return steps
    planner = _Planner(steps, feeds, fetch_regs, compiler.available)
    groups = planner.groups()
    if not groups:
        return steps
    by_device = {}
    for g in groups:
        by_device.setdefault(steps[g[0]].device, []).append(g)
    replaced = {}   # root index -> (members, fused step)
    for device, device_groups in by_device.items():
        described = [(g, planner.describe(g)) for g in device_groups]
        described = [(g, d) for g, d in described if d is not None]
        loops = _Loops([spec for _, (spec, _) in described], device, compiler.compile)
        for k, (members, (_, regs)) in enumerate(described):
            replaced[members[-1]] = (members, _fused_step(steps, members, regs, loops, k, make_step))
    dropped = {i for members, _ in replaced.values() for i in members}
    out = []
    for i, step in enumerate(steps):
        if i in replaced:
            out.append(replaced[i][1])
        elif i in planner.remeasured:
            old, new = planner.remeasured[i]
            inputs = tuple(new if r == old else r for r in step.inputs)
            out.append(make_step(step.kind, step.op, step.device, step.fn, inputs, step.outputs, step.multi_output))
        elif i not in dropped:
            out.append(step)
    return out


class _Loops:
    """The compiled loops of one plan's groups on one device, built together (one compiler run)
    when a group first runs for the COMPILE_AT_RUN-th time; until then the members run unfused."""

    def __init__(self, groups, device, compile_groups):
        self.groups, self.device, self._compile = groups, device, compile_groups
        self.slots = [[None] for _ in groups]   # per group: [its loop entry], once built
        self._lock = threading.Lock()

    def build(self):
        with self._lock:
            if self.slots and self.slots[0][0] is None:
                for slot, fast in zip(self.slots, self._compile(self.groups, self.device)):
                    slot[0] = fast or _declines


def _declines(*args):
    return None


def _passes(node):
    """True for a node whose value is its operand's (Identity, a Sum over no axes, a Reshape)."""
    return node.c == node.names[0]


def _static_class(tensor):
    dims = tensor._shape._dims
    return 'unknown' if dims is None else ('full' if dims else 'scalar')


def _compatible(a, b):
    """Static dims that may be one shape at run time; a 1 against another size is taken for
    broadcasting (a row or column), which the loop does not do."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(x == y or (x is None and y != 1) or (y is None and x != 1) for x, y in zip(a, b))


class _Planner:
    def __init__(self, steps, feeds, fetch_regs, available):
        self.steps, self.available = steps, available
        self.fetched = set(fetch_regs)
        self.producer, self.readers, self.cls, self.dims = {}, {}, {}, {}
        for r, t in enumerate(feeds):
            self.cls[r], self.dims[r] = _static_class(t), t._shape._dims
        control_sources = {c for s in steps for c in s.op._control_inputs}
        self.nodes = {}   # step index -> FusibleOp
        self.remeasured = {}  # measuring step index -> (register it read, register it reads instead)
        self.writes = []  # indices of steps that may change state (then a group may not run past them)
        for i, s in enumerate(steps):
            for r in s.inputs:
                self.readers.setdefault(r, []).append(i)
            for r in s.outputs:
                if r is not None:
                    self.producer[r] = i
            if s.kind == 'kernel' and (s.op._op_def.is_stateful and s.op._op_def.type not in _OWN_STATE
                                       or any(s.op._ref_inputs)):
                self.writes.append(i)
            self._classify(i, s, control_sources)

    def _classify(self, i, step, control_sources):
        if step.kind != 'kernel':  # a read or a copy: the class of what it reads
            for r in step.outputs:
                self.cls[r], self.dims[r] = self.cls.get(step.inputs[0], 'unknown'), self.dims.get(step.inputs[0])
            return
        for r, t in zip(step.outputs, step.op._outputs):
            if r is not None:
                self.cls[r], self.dims[r] = _static_class(t), t._shape._dims
        node = self._node(step)
        if node is None or step.op in control_sources:
            return
        operand_classes = [self.cls.get(step.inputs[k], 'unknown') for k in node.operands]
        if 'full' not in operand_classes or (node.same_shape or node.guards) and set(operand_classes) != {'full'}:
            return
        full_dims = [self.dims.get(step.inputs[k]) for k, c in zip(node.operands, operand_classes) if c == 'full']
        if any(not _compatible(d, full_dims[0]) for d in full_dims[1:] + [self.dims.get(step.outputs[0])]):
            return  # operands of different shapes (broadcasting along an axis), or a Sum that reduces
        self.cls[step.outputs[0]] = 'full'
        self.nodes[i] = node

    def _node(self, step):
        op = step.op
        if len(step.outputs) != 1 or step.outputs[0] is None:
            return None
        kdef = kernel_registry.get_kernel(op._op_def.type, step.device.device_type)
        if kdef is None or kdef.fusion is None or not self.available(step.device):
            return None
        if not step.device.is_host and all(t._dtype is dtypes.int32 for t in list(op._inputs) + list(op._outputs)):
            return None  # a GPU's int32 node runs its CPU kernel in host memory
        return kdef.fusion(op)

    def groups(self):
        """[sorted member step indices] per group, roots last."""
        taken, found, remeasured = set(), [], {}
        for root in sorted(self.nodes, reverse=True):
            if root in taken:
                continue
            self.remeasured = {}
            members = self._grow(root, taken)
            if sum(not _passes(self.nodes[i]) for i in members) > 1:
                taken.update(members)
                found.append(sorted(members))
                remeasured.update(self.remeasured)
        self.remeasured = remeasured
        return found

    def _grow(self, root, taken):
        steps, members = self.steps, {root}
        shape = self.dims.get(steps[root].outputs[0])
        outputs = 1
        heap = [-p for p in self._operand_producers(root)]
        heapq.heapify(heap)
        while heap and len(members) < MAX_MEMBERS:
            p = -heapq.heappop(heap)
            if p in members or p in taken or p not in self.nodes or steps[p].device is not steps[root].device:
                continue
            reg = steps[p].outputs[0]
            if not _compatible(self.dims.get(reg), shape) or any(p < w < root for w in self.writes):
                continue
            outside = [r for r in self.readers.get(reg, ()) if r not in members]
            early = [r for r in outside if r < root]
            same_shape = self._same_shape_source(p) if early else None
            if early and (same_shape is None or any(not self._measures(r) for r in early)):
                continue
            exported = any(r > root for r in outside) or reg in self.fetched
            if exported and outputs == MAX_OUTPUTS:
                continue
            outputs += exported
            members.add(p)
            for r in early:
                self.remeasured[r] = (reg, same_shape)
            for q in self._operand_producers(p):
                heapq.heappush(heap, -q)
        return members

    def _measures(self, i):
        step = self.steps[i]
        return step.kind == 'kernel' and step.op._op_def.type in _MEASURES

    def _same_shape_source(self, p):
        """The register of p's one operand when p has one and no fusible node makes it (so it is
        no group's internal value), else None: a measure of p's value can read it instead."""
        node, step = self.nodes[p], self.steps[p]
        if len(node.operands) != 1 or node.guards:  # a guarded Sum or Reshape may change the shape
            return None
        reg = step.inputs[node.operands[0]]
        if self.cls.get(reg) != 'full' or self.producer.get(reg) in self.nodes:
            return None
        return reg

    def _operand_producers(self, i):
        step, node = self.steps[i], self.nodes[i]
        return [self.producer[step.inputs[k]] for k in node.operands if step.inputs[k] in self.producer]

    def describe(self, members):
        """(FusedGroup, ([input registers], [output registers])) of a group, or None."""
        steps, group = self.steps, FusedGroup()
        position = {steps[i].outputs[0]: j for j, i in enumerate(members)}
        in_regs, index = [], {}
        for i in members:
            step, node = steps[i], self.nodes[i]
            refs = []
            for k, r in enumerate(step.inputs):
                if r in position:
                    if k in node.operands:
                        refs.append(('member', position[r]))
                    continue
                kind = node.guards.get(k) or self.cls.get(r, 'unknown')
                if r not in index:
                    index[r] = len(in_regs)
                    in_regs.append(r)
                    dt = node.types[node.operands.index(k)] if k in node.operands else None
                    group.inputs.append((dt, kind))
                elif (kind in _GUARDS) != (group.inputs[index[r]][1] in _GUARDS):
                    return None  # one register both read by the loop and checked by a guard
                if k in node.operands:
                    refs.append(('input', index[r]))
            group.members.append((node, refs))
        root = members[-1]
        out_regs, measured = [], []
        for j, i in enumerate(members):
            reg = steps[i].outputs[0]
            outside = [r for r in self.readers.get(reg, ())
                       if r not in members and self.remeasured.get(r, ())[:1] != (reg,)]  # not one measuring elsewhere
            if i == root or reg in self.fetched or any(steps[r].op._op_def.type not in _MEASURES for r in outside):
                group.outputs.append(j)
                out_regs.append(reg)
            elif outside:
                measured.append(reg)
        group.stand_ins = len(measured)
        return group, (in_regs, out_regs + measured)


def _fused_step(steps, members, regs, loops, k, make_step):
    """The Step running group k of `loops`: its loop once built, else (and wherever the loop
    declines the arrays) the members' own kernels."""
    in_regs, out_regs = regs
    slow = _members_in_order(steps, members, in_regs, out_regs)
    root = steps[members[-1]]
    slot, runs = loops.slots[k], [0]

    def fused(*args):
        fast = slot[0]
        if fast is None:
            runs[0] += 1
            if runs[0] < COMPILE_AT_RUN:
                return slow(*args)
            loops.build()
            fast = slot[0]
        result = fast(*args)
        return slow(*args) if result is None else result

    def loop():
        """The group's compiled entry (building the plan's loops now), or None when it has none."""
        loops.build()
        return None if slot[0] is _declines else slot[0]
    step_fn = _on_device(fused, root.device)
    step_fn.members, step_fn.loop, step_fn.unfused = [steps[i].op for i in members], loop, slow  # tests, benchmarks
    return make_step('fused', root.op, root.device, step_fn, tuple(in_regs), tuple(out_regs), len(out_regs) > 1)


def _on_device(fn, device):
    """fn, run under its GPU's context when that is not CuPy's current device (as the executor binds kernels)."""
    if device.is_host or device.fake or device.physical_index == 0:
        return fn

    def on_device(*args):
        with device.context():
            return fn(*args)
    return on_device


def _members_in_order(steps, members, in_regs, out_regs):
    """A function running the members' kernels one by one, as the unfused plan would."""
    names = {'_ops': [steps[i].op for i in members], '_device': steps[members[-1]].device, '_fail': _fail,
             '__name__': 'sluice.engine.plan'}  # the module name NumPy's warning filter matches (kernels/__init__)
    value = {r: 'a%d' % k for k, r in enumerate(in_regs)}
    lines = ['def slow(%s):' % ', '.join(value[r] for r in in_regs), '    s = 0', '    try:']
    for j, i in enumerate(members):
        step = steps[i]
        names['k%d' % j] = step.fn
        value[step.outputs[0]] = 'v%d' % j
        lines.append('        s = %d; v%d = k%d(%s)' % (j, j, j, ', '.join(value[r] for r in step.inputs)))
    lines += ['    except Exception as e:', '        _fail(e, _ops[s], _device)']
    results = [value[r] for r in out_regs]
    lines.append('    return %s' % (results[0] if len(results) == 1 else '(%s)' % ', '.join(results)))
    exec('\n'.join(lines), names)  # noqa: S102 - generated from the plan's own steps
    return names['slow']


def _fail(exc, op, device):
    from sluice.engine.executor import _converted  # the executor imports this module
    raise _converted(exc, op, device) from exc
