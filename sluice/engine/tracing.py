"""Step tracing: RunOptions(trace_level=FULL_TRACE) fills RunMetadata.step_stats.

A traced run walks the plan's steps one by one (ExecutionPlan.run_traced) instead of calling the
compiled function, timing each kernel and copy. Every executed node gets a NodeExecStats (name,
start, duration, outputs with dtype, shape and bytes) in the DeviceStepStats of its device; on a
GPU the device is synchronized after each step so durations are the kernel's, not the launch's.

The stats are collected as plain records during the run and written into the caller's RunMetadata
only when it finishes, through the protobuf message's own API (`repeated.add(...)`): the engine
needs no proto classes (those live in sluice.io).
"""
import threading
import time

_COPY_LABELS = {(True, False): 'MEMCPYHtoD', (False, True): 'MEMCPYDtoH', (False, False): 'MEMCPYDtoD'}


def traced_run(plan, feed_values, run_metadata):
    by_device = {}  # device name -> [(NodeExecStats fields, [(slot, dtype enum, shape, nbytes, allocator)])]
    thread_id = threading.get_ident() & 0xFFFFFFFF
    starts = {}

    def before(step, index):
        starts[index] = time.time_ns()

    def after(step, index, outputs):
        device = step.device
        if not device.is_host and not device.fake:
            device.xp.cuda.Device(device.physical_index).synchronize()
        end = time.time_ns()
        start = starts.pop(index)
        if step.kind == 'read':
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
                                                       ', '.join(t._op.name for t in step.op._inputs))
        allocator = 'cpu' if device.is_host else 'gpu_%d' % device.index
        described = []
        for slot, value in enumerate(outputs):
            nbytes = getattr(value, 'nbytes', None)
            if nbytes is None:
                continue
            dtype = (step.op._outputs[slot].dtype.base_dtype.as_datatype_enum
                     if slot < len(step.op._outputs) else 0)
            described.append((slot, dtype, value.shape, nbytes, allocator))
        by_device.setdefault(device.name, []).append((stats, described))

    results = plan.run_traced(feed_values, after, before)
    _write_step_stats(run_metadata.step_stats, by_device)
    return results


def _write_step_stats(step_stats, by_device):
    """Appends one DeviceStepStats per device to the StepStats message `step_stats`."""
    for name, records in by_device.items():
        device_stats = step_stats.dev_stats.add(device=name)
        for fields, described in records:
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
