"""Calling function graphs from kernels: the plans and frames behind If, While, MapFn, Scan, Fold.

A functional op's kernel builder plans each of its function graphs (FuncGraph, subgraph.py) once,
as a FunctionPlan: an ExecutionPlan over the function graph with a Placer of its own over the
session's devices and the session's ResourceStore (FunctionSession is what the plan sees as its
session). The function's `_Arg` and `_Retval` nodes are pinned to the caller's device, so values
cross no memory space unless an op inside runs elsewhere (the plan adds the copies), and a
While's cond result is pinned to the host, where the loop tests it (`retvals_on_host`). Captured
variables are VariableV2 nodes naming the same storage; they are pinned where the outer variable
lives.

Each call: the caller puts the argument list in the function graph's CallFrame, runs the plan's
compiled function, whose `_Arg` kernels read the list and `_Retval` kernels fill the result list
(both kernels find the frame with `call_frame`). Frames are per session and per thread
(threading.local), so concurrent Session.run calls do not mix values.
"""
import threading

from sluice.engine import executor
from sluice.engine.placer import Placer


class CallFrame(threading.local):
    """The argument and result lists of the function graph's current call, per thread."""
    args = None
    results = None


def call_frame(resources, func_graph):
    """The CallFrame of `func_graph` in a session's ResourceStore (one per session and graph)."""
    return resources.op_state(func_graph, CallFrame)


class FunctionSession:
    """What ExecutionPlan needs of a session to plan a function graph: devices, resources, placer."""

    def __init__(self, parent, func_graph, caller_device):
        self._devices = parent._devices
        self._resources = parent._resources
        parent_placer = parent._placer
        self._placer = placer = Placer(func_graph, self._devices, parent_placer.allow_soft_placement,
                                       parent_placer.log_device_placement)
        host = self._devices[0]
        for t in func_graph.inputs:
            placer.pin(t._op, caller_device)
        for op in func_graph.retval_ops:
            placer.pin(op, host if func_graph.retvals_on_host else caller_device)
        for clone, outer in func_graph.variable_captures.items():
            placer.pin(clone, parent_placer.device_of(outer))


class FunctionPlan:
    """One function graph planned for one caller (a kernel's build context `ctx`): call it with the
    argument arrays; it returns the result arrays."""

    def __init__(self, ctx, func_graph):
        session = FunctionSession(ctx.session, func_graph, ctx.device)
        targets = list(func_graph.retval_ops) + func_graph.side_effect_ops()
        self.plan = executor.ExecutionPlan(session, [], [], targets)
        self._frame = call_frame(ctx.resources, func_graph)
        self._n_results = len(func_graph.retval_ops)
        self._run = self.plan.run

    def __call__(self, values):
        frame = self._frame
        frame.args = values
        frame.results = results = [None] * self._n_results
        try:
            self._run(())
        finally:
            frame.args = frame.results = None
        return results
