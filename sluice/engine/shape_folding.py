"""Shape-specialized plans: per tuple of fed shapes, a variant of a plan without the steps those shapes decide.

A gradient of a broadcasting op measures its operands (Shape, Size, Rank) and computes with the
results (BroadcastGradientArgs, Pack, Slice, Prod, ...): some 60 small steps of the MNIST MLP's
training step whose values change only when a fed shape does. TensorFlow's grappler folds such
steps where shapes are static; here a batch size is known only when a run feeds it, so a plan
keeps one compiled variant per tuple of fed shapes (MAX_VARIANTS of them), as TF's DirectSession
keeps one executor per signature.

Which steps (decided once per plan, at its first specialization; `foldable_steps`):
  1. Shapes fixed by the fed shapes, walking the plan's ops in order. A tensor's shape is fixed
     when it is fed; when its op is a variable (a Ref variable, or a ReadVariableOp of a variable
     handle) of fully defined static shape that no op of the graph can reshape (an Assign with
     validate_shape=False, an AssignVariableOp of a value whose static shape is not the
     variable's); when its op is a random sampler whose shape input's value is fixed; or when
     the op's output shapes follow from its input shapes and its host inputs' values (the
     contract of a capturable kernel, `kernels/registry.py`; one table for both passes) and all
     its input shapes and host input values are fixed.
  2. Values fixed by the fed shapes: a Const's; a measure's (Shape, ShapeN, Size, Rank) of
     tensors whose shapes are fixed; a stateless op's whose input values are all fixed (not a
     Python function: PyFuncStateless may still print).
  3. A kernel step is folded when all its outputs have fixed values, live in host memory, are not
     fetched, and were never offered to a kernel for writing in place
     (`KernelContext.input_is_private`, recorded in `plan.private_inputs`). So is a fused step
     (integer arithmetic on shapes that fusion grouped) that reads only constants and folded values.
A plan is specialized only when it has a measure step and MIN_FOLDED_STEPS steps to fold: else
its runs pay nothing (the run function is the plain one, or answers through one attribute test).

Runs (`ShapeSpecializedRun.run`) are keyed by the tuple of the fed values' shapes (their dtypes
are the signature's). A key's first run calls the plain function; its second walks the steps one
by one (`run_traced`), keeping copies of the outputs of the steps to fold, and compiles the
variant: the plan's steps less those, whose values are bound as constants, as a Const's are, and
whose registers' frees are planned again. Later runs of the key call the variant. An output that
is not a small array (over MAX_FOLDED_ELEMENTS elements) is not folded: its step keeps running.
Keys past MAX_VARIANTS run the plain function. Values equal the plain plan's: the variant calls
the same kernels on the same values, and errors name the same steps.

Switched off by SLUICE_SHAPE_FOLDING=0 or ConfigProto.graph_options.rewrite_options.constant_folding
= RewriterConfig.OFF (grappler's switch of the same work in TF). Plans of TF 1.x conditionals,
captured (CUDA-graph) plans and device-lane plans are not specialized, nor function bodies.
"""
import os

import numpy as np

from sluice.kernels import registry as kernel_registry

MAX_VARIANTS = 4          # fed-shape tuples with a variant per plan; others run the plain function
MAX_FOLDED_ELEMENTS = 65536  # shape arithmetic is small; a larger value (a big Fill) keeps its step
MIN_FOLDED_STEPS = 4      # fewer: the key's lookup would cost about what the steps do
_MAX_KEYS_SEEN = 64       # keys run once, remembered until their second run
_REWRITER_OFF = 2         # RewriterConfig.Toggle.OFF
_MEASURES = frozenset(['Shape', 'ShapeN', 'Size', 'Rank'])
_SAMPLERS = frozenset(['RandomUniform', 'RandomStandardNormal', 'TruncatedNormal', 'RandomUniformInt'])
_REF_VARIABLES = frozenset(['VariableV2', 'Variable'])
_PYTHON_OPS = frozenset(['PyFunc', 'PyFuncStateless', 'EagerPyFunc'])
# Output shapes that follow from input shapes and host inputs' values, beside the capturable and
# the fusible (elementwise) kernels: kernels kept out of capture for other reasons.
_SHAPE_FROM_INPUTS = frozenset(['Select', 'SelectV2', 'BroadcastTo', 'Pad', 'PadV2', 'MirrorPad', 'OneHot', 'ArgMax',
                                'ArgMin', 'Unpack', 'Split', 'SplitV', 'Slice', 'StridedSlice', 'GatherV2'])


def enabled_by(config):
    """On unless SLUICE_SHAPE_FOLDING=0 or the config's rewrite_options.constant_folding is OFF."""
    if os.environ.get('SLUICE_SHAPE_FOLDING', '1') == '0':
        return False
    rewrite = getattr(getattr(config, 'graph_options', None), 'rewrite_options', None)
    return getattr(rewrite, 'constant_folding', 0) != _REWRITER_OFF


def install(plan, plain_run):
    """The run function of `plan`: plain_run itself when the plan measures no shape (or has a TF 1.x
    conditional), else a ShapeSpecializedRun's run around it."""
    if plan._region or not any(s.kind == 'kernel' and s.op._op_def.type in _MEASURES for s in plan.steps):
        return plain_run
    return ShapeSpecializedRun(plan, plain_run).run


class ShapeSpecializedRun:
    """A plan's runs, each through the variant compiled for its fed shapes once there is one."""

    def __init__(self, plan, plain_run):
        self._plan = plan
        self._plain = plain_run
        self.variants = {}    # fed shapes -> run function without the folded steps
        self._seen = set()    # fed shapes run once
        self._foldable = None  # the step indices to fold, found at the first specialization
        self.off = False      # True when the plan has too little to fold: every run is plain

    def run(self, feed_values):
        variant = self.variants.get(tuple([v.shape for v in feed_values]))
        if variant is not None:
            return variant(feed_values)
        return self._unspecialized(feed_values)

    def _unspecialized(self, feed_values):
        key = tuple([v.shape for v in feed_values])
        if self.off or len(self.variants) >= MAX_VARIANTS:
            return self._plain(feed_values)
        if key not in self._seen:  # a plan run once (an initializer) never pays for a variant
            if len(self._seen) >= _MAX_KEYS_SEEN:
                self._seen.clear()
            self._seen.add(key)
            return self._plain(feed_values)
        if self._foldable is None:
            self._foldable = foldable_steps(self._plan)
            if len(self._foldable) < MIN_FOLDED_STEPS:
                self.off = True
                return self._plain(feed_values)
        return self._specialize(key, feed_values)

    def _specialize(self, key, feed_values):
        """Runs the plan step by step keeping the foldable steps' outputs, then compiles key's variant."""
        foldable, kept = self._foldable, {}

        def keep(step, index, outputs):
            if index in foldable:
                kept[index] = [_constant(v) for v in outputs]
        results = self._plan.run_traced(feed_values, keep)
        folded = {i: outs for i, outs in kept.items() if all(v is not None for v in outs)}
        self.variants[key] = self._plan._compile(folded)
        self._seen.discard(key)
        return results


def _constant(value):
    """A copy of a step's output to bind as a constant, or None when it is not a small host value."""
    if isinstance(value, np.ndarray):
        return value.copy() if value.size <= MAX_FOLDED_ELEMENTS else None
    if isinstance(value, (np.generic, int, float, bool)):
        return value
    return None


def foldable_steps(plan):
    """The indices of `plan`'s kernel steps whose values the fed shapes fix (the module's 1-3)."""
    fed = set(plan.feeds)
    shaped, valued = fixed_tensors(plan.ops, fed)
    fetched = set(plan.fetch_regs)
    found = {}  # op -> step index
    for i, step in enumerate(plan.steps):
        if step.kind != 'kernel' or step.op._op_def.type == 'Const':
            continue  # a Const is bound once already
        outputs = step.op._outputs
        if not outputs or any(t not in valued for t in outputs):
            continue
        if any(r is None or r in fetched or not plan.register_device(r).is_host for r in step.outputs):
            continue
        found[step.op] = i
    # A value some kernel may write in place stays a fresh array each run while that kernel runs.
    changed = True
    while changed:
        changed = False
        for op, t in plan.private_inputs:
            if op not in found and t.op in found:
                del found[t.op]
                changed = True
    return _with_fused_groups(plan, set(found.values()), fetched)


def _with_fused_groups(plan, found, fetched):
    """`found` and the fused steps (integer shape arithmetic fusion grouped: a reduction gradient's
    axes) that read only constants and folded values, unless a kernel outside the group and not
    folded may write one of its members' values in place."""
    folded_ops = {plan.steps[i].op for i in found}
    fixed = {r for i in found for r in plan.steps[i].outputs}
    fixed.update(s.outputs[0] for s in plan.steps if s.kind == 'kernel' and s.op._op_def.type == 'Const'
                 and not s.inputs)
    for i, step in enumerate(plan.steps):
        if step.kind != 'fused' or not step.inputs or not all(r in fixed for r in step.inputs):
            continue
        if any(r is None or r in fetched or not plan.register_device(r).is_host for r in step.outputs):
            continue
        members = set(getattr(step.fn, 'members', ()))
        if not members or any(t.op in members and op not in members and op not in folded_ops
                              for op, t in plan.private_inputs):
            continue
        found.add(i)
        folded_ops |= members
        fixed.update(step.outputs)
    return found


def fixed_tensors(ops, fed):
    """(tensors whose shapes the fed shapes fix, tensors whose values they fix) among `ops`' outputs,
    `ops` in an order where every op follows its inputs."""
    shaped, valued = set(fed), set()
    reshaped = None  # the variables some op may reshape, found at the first variable
    for op in ops:
        outputs = [t for t in op._outputs if t not in fed]
        if not outputs:
            continue
        op_type = op._op_def.type
        if op_type == 'Const' or _value_follows(op, op_type, shaped, valued):
            valued.update(outputs)
            shaped.update(outputs)
        elif op_type in _REF_VARIABLES or op_type == 'ReadVariableOp':
            if reshaped is None:
                reshaped = _reshaped_variables(op._graph)
            if _variable_keeps_shape(op, op_type, reshaped):
                shaped.update(outputs)
        elif _shape_follows(op, op_type, shaped, valued):
            shaped.update(outputs)
    return shaped, valued


def _value_follows(op, op_type, shaped, valued):
    if op_type in _MEASURES:
        return all(t in shaped for t in op._inputs)
    return (bool(op._inputs) and not op._op_def.is_stateful and op_type not in _PYTHON_OPS
            and not any(op._ref_inputs) and all(t in valued for t in op._inputs))


def _shape_follows(op, op_type, shaped, valued):
    if op_type in _SAMPLERS:  # the shape is the value of input 0
        return op._inputs[0] in valued
    kdef = kernel_registry.get_kernel(op_type, 'GPU') or kernel_registry.get_kernel(op_type, 'CPU')
    if kdef is None or not (op_type in _SHAPE_FROM_INPUTS or kdef.fusion is not None
                            or kernel_registry.is_capturable(kdef, op)):
        return False
    n = len(op._inputs)
    values_needed = {i % n for i in kdef.host_inputs} if n else ()
    return all(t in shaped and (i not in values_needed or t in valued) for i, t in enumerate(op._inputs))


def _variable_key(op):
    """The name a variable op's storage goes by in the session (ops sharing it share the value)."""
    if op._op_def.type not in _REF_VARIABLES and op._op_def.type != 'VarHandleOp':
        return None
    container = op.get_attr('container')
    name = op.get_attr('shared_name') or op.name
    return '%s/%s' % (container, name) if container else name


def _reshaped_variables(graph):
    """The variable names some op of `graph` may give another shape; ALL when one such op's target
    is not a variable op (it comes through an Identity, a function argument)."""
    found = set()
    for op in graph.get_operations():
        op_type = op._op_def.type
        if op_type == 'Assign':
            if op.get_attr('validate_shape'):
                continue
        elif op_type == 'AssignVariableOp':
            if op.get_attr('validate_shape') or _same_full_shape(op._inputs[0]._op, op._inputs[1]):
                continue
        else:
            continue
        key = _variable_key(op._inputs[0]._op)
        if key is None:
            return _ALL
        found.add(key)
    return found


class _All:
    def __contains__(self, key):
        return True


_ALL = _All()


def _same_full_shape(handle_op, value):
    if handle_op._op_def.type != 'VarHandleOp':
        return False
    declared = handle_op.get_attr('shape')
    return declared is not None and declared.is_fully_defined() and value.shape.is_fully_defined() \
        and declared.as_list() == value.shape.as_list()


def _variable_keeps_shape(op, op_type, reshaped):
    """Whether variable op `op` (or ReadVariableOp) always yields a value of its static shape."""
    if not op._outputs[0].shape.is_fully_defined():
        return False
    source = op._inputs[0]._op if op_type == 'ReadVariableOp' else op
    key = _variable_key(source)
    return key is not None and key not in reshaped
