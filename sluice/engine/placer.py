"""The placer: chooses the device each op runs on, once per op and session.

Algorithm:
  1. Colocation groups. Union the ops that must share a device: an op with a `_class`
     attr 'loc:@name' joins the group of `name` (variables with their Assign and read ops), and an
     op taking a Ref input (a variable it writes) or a resource handle (a queue) joins the group
     of that input's producer.
  2. The group's request: the device specs of its members merged (all fields they set). An op
     that joined only by writing a Ref follows the variable: its own request counts only when
     no other member asks for a device (TF ignores it on a reference edge).
  3. The candidates: local devices matching the request whose device type has a kernel for every
     op type of the group.
  4. Choice: with a request, the first candidate. An unmet request (device absent, or no kernel
     there) moves the group to a device that can run it when allow_soft_placement is set, and is
     an InvalidArgumentError naming the op, the request and the devices that could run it
     otherwise. Without a request, GPU:0 when it can run the whole group, else CPU:0.
  5. A group already placed keeps its device; ops added later join it.
With log_device_placement, each placement is printed on stdout as TF prints it
(`name: (Type): /job:localhost/replica:0/task:0/device:CPU:0`, whatever the verbosity: the user
asked for it) and logged at INFO through the 'sluice' logger, as TF also logs it.
"""
import sys
import threading

from sluice.engine import dtypes, errors
from sluice.engine.log import logger
from sluice.engine.device_spec import DeviceSpec
from sluice.kernels import registry as kernel_registry



class Placer:
    def __init__(self, graph, devices, allow_soft_placement=False, log_device_placement=False):
        self._graph = graph
        self._devices = devices
        self._soft = allow_soft_placement
        self._log = log_device_placement
        self._placed = {}          # op -> Device
        self._group_of = {}        # op -> group root op
        self._followers = set()    # ops in a group only because they write a Ref: their requests yield
        self._members = {}         # root op -> list of ops
        self._seen_ops = 0
        self._lock = threading.Lock()

    allow_soft_placement = property(lambda self: self._soft)
    log_device_placement = property(lambda self: self._log)

    def pin(self, op, device):
        """Fixes op's device for this placer (function arguments follow their caller)."""
        with self._lock:
            self._placed[op] = device

    def device_of(self, op):
        device = self._placed.get(op)
        if device is None:
            self.place([op])
            device = self._placed[op]
        return device

    def place(self, ops):
        """Places every op of `ops` not placed yet; returns {op: Device} for them."""
        with self._lock:
            todo = [op for op in ops if op not in self._placed]
            if not todo:
                return
            self._update_groups()
            for op in todo:
                if op in self._placed:
                    continue
                root = self._find(op)
                members = self._members[root]
                device = next((self._placed[m] for m in members if m in self._placed), None)
                if device is None:
                    device = self._choose(members)
                for m in members:
                    if m not in self._placed:
                        self._placed[m] = device
                        if self._log:
                            _log_placement(m, device)

    # -- colocation groups (union-find over the whole graph, extended as ops are added) --
    def _find(self, op):
        root = self._group_of.setdefault(op, op)
        while root is not self._group_of[root]:
            root = self._group_of[root]
        self._group_of[op] = root
        return root

    def _union(self, a, b):
        ra, rb = self._find(a), self._find(b)
        if ra is rb:
            return
        if ra._id > rb._id:
            ra, rb = rb, ra
        self._group_of[rb] = ra
        self._members[ra].extend(self._members.pop(rb))

    def _update_groups(self):
        ops = self._graph._ops
        if self._seen_ops == len(ops):
            return
        new_ops = ops[self._seen_ops:]
        self._seen_ops = len(ops)
        by_name = self._graph._ops_by_name
        for op in new_ops:
            self._group_of[op] = op
            self._members[op] = [op]
        for op in new_ops:
            for name in op._colocation_names():
                target = by_name.get(name)
                if target is not None and target is not op:
                    self._union(op, target)
            for arg_index, t in enumerate(op._inputs):
                if op._ref_inputs[arg_index] or t._dtype.base_dtype is dtypes.resource:  # a write, or a queue's ops
                    self._union(op, t._op)
                    self._followers.add(op)

    # -- choosing a device for a group --
    def _choose(self, members):
        request = DeviceSpec()
        requester = None
        leaders = [m for m in members if m not in self._followers and m._device]
        for m in (leaders or members):
            if m._device:
                spec = DeviceSpec.from_string(m._device)
                if requester is None:
                    requester = m
                request.merge_from(spec)
        able = [d for d in self._devices if all(_can_run(m, d) for m in members)]
        if not able:
            op = members[0]
            for m in members:
                if not any(_can_run(m, d) for d in self._devices):
                    op = m
                    break
            raise errors.error_for_op(
                errors.InvalidArgumentError, op,
                "Cannot assign a device for operation %s: No registered '%s' OpKernel for any of the available "
                "devices %s (colocation group: %s)" % (op.name, op.type, [d.name for d in self._devices],
                                                       [m.name for m in members]))
        if requester is None:
            gpu0 = next((d for d in able if d.device_type == 'GPU'), None)
            return gpu0 or able[0]
        matching = [d for d in self._devices if _matches(request, d)]
        candidates = [d for d in matching if d in able]
        if candidates:
            return candidates[0]
        if self._soft:
            same_type = [d for d in able if request.device_type and d.device_type == request.device_type.upper()]
            gpu0 = next((d for d in able if d.device_type == 'GPU'), None)
            return (same_type or [gpu0 or able[0]])[0]
        asked = request.to_string()
        if not matching:
            reason = ('Operation was explicitly assigned to %s but available devices are [ %s ]. Make sure the '
                      'device specification refers to a valid device.' % (asked, ', '.join(d.name for d in self._devices)))
        else:
            missing = [m for m in members if not all(_can_run(m, d) for d in matching)]
            reason = ("Could not satisfy explicit device specification '%s' because no supported kernel for %s "
                      "devices is available for op '%s' (%s)." % (asked, matching[0].device_type,
                                                                   missing[0].name, missing[0].type))
        raise errors.error_for_op(
            errors.InvalidArgumentError, requester,
            'Cannot assign a device for operation %s: %s Devices that could run it: [ %s ]. Set '
            'allow_soft_placement=True in the ConfigProto to let sluice choose.'
            % (requester.name, reason, ', '.join(d.name for d in able)))


def _log_placement(op, device):
    line = '%s: (%s): %s' % (op.name, op.type, device.name)
    print(line, file=sys.stdout, flush=True)
    logger.info('%s', line)


def _matches(request, device):
    if request.job not in (None, 'localhost') or request.replica not in (None, 0) or request.task not in (None, 0):
        return False
    if request.device_type and request.device_type.upper() != device.device_type:
        return False
    index = request.device_index
    return index is None or index == '*' or index == device.index


def _can_run(op, device):
    """A kernel exists for op on device's type, and a GPU is not asked to hold strings."""
    if not kernel_registry.has_kernel(op._op_def.type, device.device_type):
        return False
    if device.is_host:
        return True
    return not any(t._dtype.base_dtype.name == 'string' for t in op._outputs) and \
        not any(t._dtype.base_dtype.name == 'string' for t in op._inputs)
