"""`tensorflow.python.client.timeline`: a step's StepStats as a Chrome trace (chrome://tracing).

`Timeline(run_metadata.step_stats).generate_chrome_trace_format(show_dataflow=True, show_memory=False)`
returns the JSON text TF 1.x writes for the same StepStats:
  processes   pid 0 'Allocators', then per device (in dev_stats order) '<device> Compute' and
              '<device> Tensors' (metadata events, ph 'M', listed first);
  lanes       on each device, a node goes to the first lane free strictly before its start (a lane
              is free from the end of its last node), else to a new lane: the event's tid;
  op events   ph 'X', category 'Op', named by the op type, args {name, op, input0, input1, ...}
              read from the timeline label 'name = Op(in0, in1)' (nodes of a GPU tracer device,
              '/stream:' or '/memcpy' in its name, are named 'name:Op' instead);
  tensors     each output of a node is a tensor ('name' for output 0, 'name:i' after) created at
              the node's start, alive until its last consumer ends; with show_dataflow, an
              input produced on another device or lane gets a flow arrow ('s' at the producer's
              end, 't' at the consumer's start, category 'DataFlow');
  memory      with show_memory: object create/snapshot/delete events (ph 'N', 'O', 'D') per
              tensor, and per allocator a counter ('C', category 'Memory') of the bytes its live
              tensors hold at each creation and release; `analyze_step_stats().allocator_maximums`
              gives each allocator's peak (time, bytes, the tensors alive then).
Times are the StepStats' microseconds. The StepStats message is only read.
"""
import collections
import json
import re

__all__ = ['AllocationMaximum', 'StepStatsAnalysis', 'Timeline']

AllocationMaximum = collections.namedtuple('AllocationMaximum', ('timestamp', 'num_bytes', 'tensors'))
StepStatsAnalysis = collections.namedtuple('StepStatsAnalysis', ('chrome_trace', 'allocator_maximums'))

_LABEL = re.compile(r'(.*) = (.*)\((.*)\)')


def parse_op_label(label):
    """(node name, op type, [input names]) from 'name = Op(a, b:1)'; ('unknown', 'unknown', []) otherwise."""
    match = _LABEL.match(label)
    if match is None:
        return 'unknown', 'unknown', []
    name, op, inputs = match.groups()
    return name, op, inputs.split(', ') if inputs else []


class ChromeTrace:
    """Chrome Trace Format events: metadata first, then the others in the order emitted."""

    def __init__(self):
        self.metadata = []
        self.events = []

    def name_process(self, pid, name):
        self.metadata.append({'name': 'process_name', 'ph': 'M', 'pid': pid, 'args': {'name': name}})

    def name_thread(self, pid, tid, name):
        self.metadata.append({'name': 'thread_name', 'ph': 'M', 'pid': pid, 'tid': tid, 'args': {'name': name}})

    def event(self, ph, category, name, pid, tid, ts, **extra):
        event = {'ph': ph, 'cat': category, 'name': name, 'pid': pid, 'tid': tid, 'ts': ts}
        event.update(extra)
        self.events.append(event)

    def format_to_string(self, pretty=False):
        trace = {'traceEvents': self.metadata + self.events}
        return json.dumps(trace, indent=4, separators=(',', ': ')) if pretty else json.dumps(trace,
                                                                                            separators=(',', ':'))


class _Tensor:
    __slots__ = ('name', 'object_id', 'created', 'pid', 'allocator', 'num_bytes', 'last_unref')

    def __init__(self, name, object_id, created, pid, allocator, num_bytes):
        self.name, self.object_id, self.created, self.pid = name, object_id, created, pid
        self.allocator, self.num_bytes, self.last_unref = allocator, num_bytes, None

    def unref(self, timestamp):
        if self.last_unref is None or timestamp > self.last_unref:
            self.last_unref = timestamp


def _is_gpu_tracer_device(device_name):
    return '/stream:' in device_name or '/memcpy' in device_name


def _lanes(device_stats):
    """Lane (tid) per node of one device: the first lane whose last node ended before it starts."""
    ends, lane_of = [0], []
    for node in device_stats.node_stats:
        end = node.all_start_micros + node.all_end_rel_micros
        lane = next((i for i, free_at in enumerate(ends) if node.all_start_micros > free_at), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        lane_of.append(lane)
    return lane_of


class Timeline:
    """A step's StepStats (`run_metadata.step_stats`) turned into a Chrome trace."""

    def __init__(self, step_stats, graph=None):
        self._step_stats = step_stats
        self._graph = graph

    def analyze_step_stats(self, show_dataflow=True, show_memory=True):
        trace = ChromeTrace()
        devices = list(self._step_stats.dev_stats)
        trace.name_process(0, 'Allocators')
        compute_pid, tensors_pid = {}, {}
        for i, dev in enumerate(devices):
            compute_pid[dev.device], tensors_pid[dev.device] = 1 + 2 * i, 2 + 2 * i
            trace.name_process(compute_pid[dev.device], dev.device + ' Compute')
            trace.name_process(tensors_pid[dev.device], dev.device + ' Tensors')
        lanes = [_lanes(dev) for dev in devices]
        tensors, produced_at = self._produce_tensors(trace, devices, lanes, compute_pid, tensors_pid, show_memory)
        self._emit_compute(trace, devices, lanes, compute_pid, tensors, produced_at, show_dataflow)
        maximums = self._emit_memory(trace, tensors) if show_memory else {}
        return StepStatsAnalysis(chrome_trace=trace, allocator_maximums=maximums)

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False):
        """The trace as pretty-printed JSON text (load it in chrome://tracing or Perfetto)."""
        return self.analyze_step_stats(show_dataflow, show_memory).chrome_trace.format_to_string(pretty=True)

    @staticmethod
    def _produce_tensors(trace, devices, lanes, compute_pid, tensors_pid, show_memory):
        tensors, produced_at = {}, {}
        for dev, dev_lanes in zip(devices, lanes):
            for node, tid in zip(dev.node_stats, dev_lanes):
                start = node.all_start_micros
                end = start + node.all_end_rel_micros
                for index, output in enumerate(node.output):
                    name = '%s:%d' % (node.node_name, index) if index else node.node_name
                    allocation = output.tensor_description.allocation_description
                    tensor = _Tensor(name, len(tensors), start, tensors_pid[dev.device], allocation.allocator_name,
                                     allocation.requested_bytes)
                    tensor.unref(end)
                    tensors[name] = tensor
                    produced_at[name] = (end, compute_pid[dev.device], tid)
                    if show_memory:
                        pid = tensors_pid[dev.device]
                        trace.event('N', 'Tensor', name, pid, tid, start, id=tensor.object_id)
                        snapshot = {'tensor_description': str(output.tensor_description).replace('"', '')}
                        trace.event('O', 'Tensor', name, pid, tid, end - 1, id=tensor.object_id,
                                    args={'snapshot': snapshot})
        return tensors, produced_at

    @staticmethod
    def _emit_compute(trace, devices, lanes, compute_pid, tensors, produced_at, show_dataflow):
        flows = 0
        for dev, dev_lanes in zip(devices, lanes):
            pid = compute_pid[dev.device]
            gpu_tracer = _is_gpu_tracer_device(dev.device)
            for node, tid in zip(dev.node_stats, dev_lanes):
                start = node.all_start_micros
                end = start + node.all_end_rel_micros
                name, inputs = node.node_name, []
                if gpu_tracer:
                    name, op = (node.node_name.split(':') + ['unknown'])[:2]
                elif name == 'RecvTensor':
                    op = 'RecvTensor'
                else:
                    _, op, inputs = parse_op_label(node.timeline_label)
                args = {'name': name, 'op': op}
                args.update(('input%d' % i, input_name) for i, input_name in enumerate(inputs))
                trace.event('X', 'Op', op, pid, tid, start, dur=node.all_end_rel_micros, args=args)
                for input_name in inputs:
                    if input_name not in tensors and input_name.rfind('/_') > 0:
                        input_name = input_name[:input_name.rfind('/_')]   # a Send/Recv pair's suffix
                    tensor = tensors.get(input_name)
                    if tensor is None:
                        continue
                    tensor.unref(end - 1)
                    made_at, made_pid, made_tid = produced_at[input_name]
                    if show_dataflow and (made_pid, made_tid) != (pid, tid):
                        trace.event('s', 'DataFlow', input_name, made_pid, made_tid, made_at, id=flows)
                        trace.event('t', 'DataFlow', input_name, pid, tid, start, id=flows)
                        flows += 1
        return flows

    @staticmethod
    def _emit_memory(trace, tensors):
        changes = collections.defaultdict(list)   # allocator -> [(time, +/- bytes, tensor name)]
        for name, tensor in tensors.items():
            trace.event('D', 'Tensor', name, tensor.pid, 0, tensor.last_unref, id=tensor.object_id)
            changes[tensor.allocator].append((tensor.created, tensor.num_bytes, name))
            changes[tensor.allocator].append((tensor.last_unref, -tensor.num_bytes, name))
        maximums = {}
        for allocator, events in changes.items():
            events.sort()
            held, alive = 0, set()
            best = AllocationMaximum(timestamp=0, num_bytes=0, tensors=set())
            for timestamp, delta, name in events:
                held += delta
                (alive.add if delta >= 0 else alive.discard)(name)
                if held > best.num_bytes:
                    best = AllocationMaximum(timestamp=timestamp, num_bytes=held, tensors=set(alive))
                trace.event('C', 'Memory', allocator, 0, 0, timestamp, args={allocator: held})
            maximums[allocator] = best
        return maximums
