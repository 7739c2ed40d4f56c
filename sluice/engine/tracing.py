"""Step tracing: RunOptions(trace_level=FULL_TRACE) fills RunMetadata.step_stats.

A traced run walks the plan's steps one by one (ExecutionPlan.run_traced) instead of calling the
compiled function, timing each kernel and copy. Every executed node gets a NodeExecStats in the
DeviceStepStats of its device: name, start, duration, TF's timeline label ('y = MatMul(x, w:1)'),
its outputs (dtype, shape, bytes, allocator), and its memory. On a GPU the device is synchronized
after each step, so durations are the kernel's, not the launch's, and each kernel and copy is also
recorded as TF's GPU tracer records them: on '<gpu>/stream:all' as 'name:Type' and on
'<gpu>/memcpy' as 'name:MEMCPYHtoD' (where a Chrome trace shows the streams).

Memory (what TensorBoard's graph shows and tfprof reads), per allocator ('cpu', 'GPU_0_bfc'):
a ledger follows the arrays held in the plan's registers by their underlying buffer. An output
whose buffer is not held already (not an input passed through, a view, a feed) is this node's
allocation: `memory[].total_bytes` and `peak_bytes` are the sum of those (temporaries inside a
kernel are not seen); `live_bytes` is the part still held when the run ends (fetched values);
`allocator_bytes_in_use` is the allocator's total held right after the node's outputs exist,
before its inputs are released, so its maximum over a device's nodes is the device's peak.
Variables are persistent memory: a buffer read from a variable (or a Ref output) is never counted
as an allocation; a variable's own node reports its size in `memory_stats.persistent_memory_size`.

The stats are collected as plain records during the run and written into the caller's RunMetadata
only when it finishes, through the protobuf message's own API (`repeated.add(...)`): the engine
needs no proto classes (those live in sluice.io).
"""
import threading
import time

_COPY_LABELS = {(True, False): 'MEMCPYHtoD', (False, True): 'MEMCPYDtoH', (False, False): 'MEMCPYDtoD'}
_VARIABLE_OPS = frozenset(('VariableV2', 'Variable', 'VarHandleOp'))


def _buffer_of(value):
    """The object owning `value`'s memory (the base of a view chain)."""
    while getattr(value, 'base', None) is not None and hasattr(value.base, 'nbytes'):
        value = value.base
    return value


def allocator_name(device):
    """TF's allocator names: 'cpu' on the host, 'GPU_<n>_bfc' on a GPU."""
    return 'cpu' if device.is_host else 'GPU_%d_bfc' % device.index


class MemoryLedger:
    """Buffers held by the plan's registers during a traced run, and the bytes per allocator."""

    def __init__(self):
        self._buffers = {}         # id(buffer) -> [allocator, nbytes, number of registers holding it]
        self._held = {}            # register -> id(buffer)
        self._persistent = set()   # id(buffer) of feeds and variables: never an allocation
        self._keep = []            # the persistent buffers themselves, so their ids stay unique
        self._serial = 0           # tells apart buffers that reuse an id after a release
        self.in_use = {}           # allocator -> bytes

    def mark_persistent(self, value):
        buffer = _buffer_of(value)
        self._persistent.add(id(buffer))
        self._keep.append(buffer)

    def hold(self, register, value, allocator, persistent):
        """Notes `value` in `register`; returns (bytes it newly allocated, token for is_live) or (0, None)."""
        buffer = _buffer_of(value)
        key = id(buffer)
        if persistent:
            self._persistent.add(key)
            self._keep.append(buffer)
        if key in self._persistent:
            return 0, None
        entry = self._buffers.get(key)
        fresh = 0
        if entry is None:
            fresh = int(getattr(buffer, 'nbytes', 0) or 0)
            self._serial += 1
            entry = self._buffers[key] = [allocator, fresh, 0, buffer, self._serial]
            self.in_use[allocator] = self.in_use.get(allocator, 0) + fresh
        token = (key, entry[4])
        if register is None:       # an output no step reads: allocated and dropped at once
            if entry[2] == 0:
                self._drop(key)
            return fresh, token
        entry[2] += 1
        self._held[register] = key
        return fresh, token

    def release(self, register):
        key = self._held.pop(register, None)
        entry = self._buffers.get(key)
        if entry is not None:
            entry[2] -= 1
            if entry[2] <= 0:
                self._drop(key)

    def _drop(self, key):
        allocator, nbytes = self._buffers.pop(key)[:2]
        self.in_use[allocator] -= nbytes

    def is_live(self, token):
        entry = self._buffers.get(token[0])
        return entry is not None and entry[4] == token[1]


def traced_run(plan, feed_values, run_metadata):
    by_device = {}  # device name -> [record]; record: (NodeExecStats fields, outputs, memory, fresh keys)
    thread_id = threading.get_ident() & 0xFFFFFFFF
    starts = {}
    ledger = MemoryLedger()
    for value in feed_values:
        ledger.mark_persistent(value)

    def before(step, index):
        starts[index] = time.time_ns()

    def after(step, index, outputs):
        device = step.device
        if not device.is_host and not device.fake:
            device.xp.cuda.Device(device.physical_index).synchronize()
        end = time.time_ns()
        start = starts.pop(index)
        allocator = allocator_name(device)
        if step.kind == 'read':
            for register, value in zip(step.outputs, outputs):
                ledger.hold(register, value, allocator, persistent=True)
            _release(ledger, step)
            return
        stats = dict(node_name=step.op.name, all_start_micros=start // 1000, all_start_nanos=start,
                     op_start_rel_micros=0, op_end_rel_micros=(end - start) // 1000,
                     all_end_rel_micros=(end - start) // 1000, op_end_rel_nanos=end - start,
                     all_end_rel_nanos=end - start, thread_id=thread_id)
        if step.kind == 'copy':
            source = plan.register_device(step.inputs[0])
            stats['timeline_label'] = '%s: %s' % (_COPY_LABELS[(source.is_host, device.is_host)], step.op.name)
        else:
            stats['timeline_label'] = '%s = %s(%s)' % (step.op.name, step.op.type,
                                                       ', '.join(_input_name(t) for t in step.op._inputs))
        described, fresh_keys, allocated, persistent_bytes = [], [], 0, 0
        registers = step.outputs if step.outputs else ()
        for slot, value in enumerate(outputs):
            if not hasattr(value, 'nbytes') and hasattr(value, 'value'):
                value = value.value          # a variable's slot (Ref output): its array
            nbytes = getattr(value, 'nbytes', None)
            if nbytes is None:
                continue
            tensor = step.op._outputs[slot] if step.kind != 'copy' and slot < len(step.op._outputs) else None
            is_ref = tensor is not None and tensor.dtype._is_ref_dtype
            dtype = tensor.dtype.base_dtype.as_datatype_enum if tensor is not None else 0
            register = registers[slot] if slot < len(registers) else None
            fresh, token = ledger.hold(register, value, allocator, persistent=is_ref)
            if fresh:
                allocated += fresh
                fresh_keys.append((token, fresh))
            if is_ref and step.op.type in _VARIABLE_OPS:
                persistent_bytes += nbytes
            described.append((slot, dtype, value.shape, nbytes, allocator))
        memory = dict(allocator_name=allocator, total_bytes=allocated, peak_bytes=allocated,
                      allocator_bytes_in_use=ledger.in_use.get(allocator, 0))
        by_device.setdefault(device.name, []).append((stats, described, memory, fresh_keys, persistent_bytes))
        if device.device_type == 'GPU':
            _add_stream_record(by_device, step, device, stats)
        _release(ledger, step)

    results = plan.run_traced(feed_values, after, before)
    _write_step_stats(run_metadata.step_stats, by_device, ledger)
    return results


def _input_name(tensor):
    """A tensor as a NodeDef input names it: 'op' for output 0, 'op:1' for the others."""
    index = tensor._value_index
    return tensor._op.name if index == 0 else '%s:%d' % (tensor._op.name, index)


def _release(ledger, step):
    for register in step.frees:
        ledger.release(register)


def _add_stream_record(by_device, step, device, stats):
    """The kernel (or copy) again, as TF's GPU tracer shows it on the device's streams."""
    if step.kind == 'copy':
        label = stats['timeline_label'].split(':', 1)[0]
        device_name, node_name = device.name + '/memcpy', '%s:%s' % (step.op.name, label)
    else:
        device_name, node_name = device.name + '/stream:all', '%s:%s' % (step.op.name, step.op.type)
    fields = dict(stats, node_name=node_name, timeline_label=node_name)
    by_device.setdefault(device_name, []).append((fields, (), None, (), 0))


def _write_step_stats(step_stats, by_device, ledger):
    """Appends one DeviceStepStats per device to the StepStats message `step_stats`."""
    for name, records in by_device.items():
        device_stats = step_stats.dev_stats.add(device=name)
        for fields, described, memory, fresh_keys, persistent_bytes in records:
            stats = device_stats.node_stats.add(**fields)
            for slot, dtype, shape, nbytes, allocator in described:
                desc = stats.output.add(slot=slot).tensor_description
                desc.dtype = dtype
                desc.shape.SetInParent()  # a scalar's shape has no dims but is set
                for size in shape:
                    desc.shape.dim.add(size=size)
                desc.allocation_description.requested_bytes = nbytes
                desc.allocation_description.allocated_bytes = nbytes
                desc.allocation_description.allocator_name = allocator
            if memory is not None:
                live = sum(nbytes for token, nbytes in fresh_keys if ledger.is_live(token))
                stats.memory.add(live_bytes=live, **memory)
            if persistent_bytes:
                stats.memory_stats.persistent_memory_size = persistent_bytes
