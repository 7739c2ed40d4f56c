"""tfdbg's tensor dumps: what a watched run saw, in memory and in TF's debug dump layout.

A watched run (Session._run_watched: the plan's steps one by one) reports each kernel's outputs;
`DumpCollector` keeps a host copy of each as a DebugTensorDatum (node, output slot, debug op
'DebugIdentity', device, timestamp in microseconds), in execution order. Copies and variable
reads are not nodes and are not dumped; a Ref output (a variable node) dumps the variable's value.

On disk (DumpingDebugWrapperSession, `write_dump`), TF's layout:
    <root>/_tfdbg_device_,job_localhost,replica_0,task_0,device_CPU_0/
        _tfdbg_graph_<hash>_<timestamp>             an Event holding the GraphDef
        scope/node_<slot>_DebugIdentity_<timestamp>  an Event whose summary value holds the tensor
(the device name with '/' as ',' and ':' as '_'; '/' in node names as sub-folders). Each dump's
Event has summary.value[0].node_name 'node:slot:DebugIdentity', the tensor as a TensorProto and
plugin 'debugger' metadata naming the device. `DebugDumpDir(root)` reads such a folder back.
"""
import hashlib
import json
import os
import re
import time

import numpy as np

DEBUG_OP = 'DebugIdentity'
_DEVICE_PREFIX = '_tfdbg_device_'
_GRAPH_PREFIX = '_tfdbg_graph_'
_DUMP_NAME = re.compile(r'^(.*)_(\d+)_(\w+)_(\d+)$')


class DebugTensorDatum:
    """One dumped tensor: where it came from, when, and its value (`get_tensor()`)."""

    def __init__(self, node_name, output_slot, device_name, timestamp, value=None, file_path=None,
                 debug_op=DEBUG_OP):
        self.node_name = node_name
        self.output_slot = output_slot
        self.debug_op = debug_op
        self.device_name = device_name
        self.timestamp = timestamp
        self.file_path = file_path
        self._value = value

    tensor_name = property(lambda self: '%s:%d' % (self.node_name, self.output_slot))
    watch_key = property(lambda self: '%s:%s' % (self.tensor_name, self.debug_op))

    @property
    def dump_size_bytes(self):
        value = self.get_tensor()
        return int(getattr(value, 'nbytes', 0))

    def get_tensor(self):
        if self._value is None and self.file_path is not None:
            self._value = _read_tensor(self.file_path)
        return self._value

    def __repr__(self):
        return '<DebugTensorDatum %s on %s>' % (self.watch_key, self.device_name)


def has_inf_or_nan(datum, tensor):
    """The tensor filter of TF's tfdbg: True when a float tensor holds an inf or a NaN."""
    del datum
    if not isinstance(tensor, np.ndarray) or not (np.issubdtype(tensor.dtype, np.floating)
                                                  or np.issubdtype(tensor.dtype, np.complexfloating)):
        return False
    return bool(np.any(~np.isfinite(tensor)))


class DumpCollector:
    """The on_step of a watched run: host copies of every node output, in order."""

    def __init__(self, watch=None):
        self.dumps = []
        self._watch = watch    # optional predicate(node_name, op_type) -> bool
        self._t0 = time.time()

    def __call__(self, step, outputs):
        if step.kind != 'kernel':
            return
        op = step.op
        if self._watch is not None and not self._watch(op.name, op.type):
            return
        stamp = int(time.time() * 1e6)
        for slot, value in enumerate(outputs):
            if hasattr(value, 'value') and hasattr(value, 'lock'):
                value = value.value    # a variable's slot (a Ref output)
            if value is None or not hasattr(value, 'shape'):
                continue
            host = np.array(step.device.to_host(value), copy=True)
            self.dumps.append(DebugTensorDatum(op.name, slot, step.device.name, stamp, host))


def device_folder(device_name):
    return _DEVICE_PREFIX + device_name.replace('/', ',').replace(':', '_')


def _device_of_folder(folder):
    # ',job_localhost,replica_0,task_0,device_CPU_0' -> '/job:localhost/replica:0/task:0/device:CPU:0'
    return '/' + '/'.join(part.replace('_', ':') for part in folder[len(_DEVICE_PREFIX):].split(',') if part)


def write_dump(root, dumps, graph_def=None):
    """Writes `dumps` (DebugTensorDatum with values) under `root` in TF's layout."""
    from sluice.io.protos import Event, Summary
    from sluice.io.tensor_proto import make_tensor_proto
    os.makedirs(root, exist_ok=True)
    for device in sorted({d.device_name for d in dumps}):
        folder = os.path.join(root, device_folder(device))
        os.makedirs(folder, exist_ok=True)
        if graph_def is not None:
            data = graph_def.SerializeToString()
            name = '%s%s_%d' % (_GRAPH_PREFIX, hashlib.sha1(data).hexdigest()[:16], int(time.time() * 1e6))
            with open(os.path.join(folder, name), 'wb') as f:
                f.write(Event(wall_time=time.time(), graph_def=data).SerializeToString())
    for datum in dumps:
        parts = datum.node_name.split('/')
        folder = os.path.join(root, device_folder(datum.device_name), *parts[:-1])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, '%s_%d_%s_%d' % (parts[-1], datum.output_slot, datum.debug_op, datum.timestamp))
        value = Summary.Value(node_name=datum.watch_key, tag=datum.node_name,
                              tensor=make_tensor_proto(datum.get_tensor()))
        value.metadata.plugin_data.plugin_name = 'debugger'
        value.metadata.plugin_data.content = json.dumps({'device': datum.device_name}).encode()
        event = Event(wall_time=datum.timestamp / 1e6, step=0, summary=Summary(value=[value]))
        with open(path, 'wb') as f:
            f.write(event.SerializeToString())
        datum.file_path = path


def _read_tensor(path):
    from sluice.io.protos import Event
    from sluice.io.tensor_proto import make_ndarray
    with open(path, 'rb') as f:
        event = Event.FromString(f.read())
    return make_ndarray(event.summary.value[0].tensor)


class DebugDumpDir:
    """The dumps of one run, read from a folder in TF's layout, in timestamp order."""

    def __init__(self, dump_root):
        if not os.path.isdir(dump_root):
            raise IOError('Dump root directory %s does not exist' % dump_root)
        self.dump_root = dump_root
        self._dumps = []
        for folder in sorted(os.listdir(dump_root)):
            if not folder.startswith(_DEVICE_PREFIX):
                continue
            device = _device_of_folder(folder)
            top = os.path.join(dump_root, folder)
            for here, _, files in os.walk(top):
                for name in files:
                    m = _DUMP_NAME.match(name)
                    if name.startswith(_GRAPH_PREFIX) or not m:
                        continue
                    scope = os.path.relpath(here, top)
                    node = m.group(1) if scope == '.' else '%s/%s' % (scope.replace(os.sep, '/'), m.group(1))
                    self._dumps.append(DebugTensorDatum(node, int(m.group(2)), device, int(m.group(4)),
                                                        file_path=os.path.join(here, name), debug_op=m.group(3)))
        self._dumps.sort(key=lambda d: (d.timestamp, d.node_name, d.output_slot))

    @property
    def dumped_tensor_data(self):
        return list(self._dumps)

    @property
    def size(self):
        return len(self._dumps)

    def devices(self):
        return sorted({d.device_name for d in self._dumps})

    def nodes(self):
        return sorted({d.node_name for d in self._dumps})

    def get_tensors(self, node_name, output_slot, debug_op=DEBUG_OP):
        return [d.get_tensor() for d in self._dumps
                if (d.node_name, d.output_slot, d.debug_op) == (node_name, output_slot, debug_op)]

    def find(self, predicate, first_n=0):
        """The dumps for which predicate(datum, tensor) is true, in order (the first n when n > 0)."""
        found = []
        for datum in self._dumps:
            if predicate(datum, datum.get_tensor()):
                found.append(datum)
                if first_n and len(found) >= first_n:
                    break
        return found
