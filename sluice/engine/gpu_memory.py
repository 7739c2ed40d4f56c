"""GPU memory policy, mapped from GPUOptions onto CuPy's memory pool.

- per_process_gpu_memory_fraction > 0 caps the pool at that share of the device's memory.
- allow_growth=True: the pool grows on demand (CuPy's own behaviour), up to the cap.
- otherwise the share is reserved up front, as TensorFlow does: one allocation of the share is
  made and handed back to the pool, which keeps it cached for later kernels. With no fraction
  given the share is TF's default, nearly all free memory (90% here).
The pool is process-wide, so the first session that configures a device sets its policy.
"""
import re
import threading

_configured = set()
_lock = threading.Lock()
DEFAULT_SHARE = 0.9


def configure(device, gpu_options, growth=False):
    """`growth`: tf.config.experimental.set_memory_growth's setting for a Session given no config."""
    cp = device.xp
    fraction = gpu_options.per_process_gpu_memory_fraction if gpu_options is not None else 0.0
    allow_growth = gpu_options.allow_growth if gpu_options is not None else growth
    with _lock, cp.cuda.Device(device.physical_index):
        free, total = cp.cuda.runtime.memGetInfo()
        device.memory_limit = int(total * fraction) if fraction > 0 else total
        if device.physical_index in _configured:
            return
        _configured.add(device.physical_index)
        pool = cp.get_default_memory_pool()
        if fraction > 0:
            pool.set_limit(size=int(total * fraction))
        if not allow_growth:
            share = int(total * fraction) if fraction > 0 else int(free * DEFAULT_SHARE)
            try:
                block = pool.malloc(share)
                del block  # back to the pool, which keeps it reserved for this process
            except cp.cuda.memory.OutOfMemoryError:
                pass  # another process holds memory: fall back to growing on demand


def is_out_of_memory(exc):
    """True for the out-of-memory errors of NumPy (MemoryError) and CuPy."""
    if isinstance(exc, MemoryError):
        return True
    return type(exc).__name__ in ('OutOfMemoryError', 'CUDARuntimeError') and 'memory' in str(exc).lower()


_BYTE_COUNT = re.compile(r'(\d[\d,]*) bytes')
_UNITS = ('KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB')


def readable_size(n):
    """A byte count in binary units, as NumPy's MemoryError gives it: 4.00 PiB, 1.50 KiB, 512 bytes."""
    if n < 1024:
        return '%d bytes' % n
    value, unit = n / 1024.0, 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    return '%.2f %s' % (value, _UNITS[unit])


def out_of_memory_text(exc):
    """exc's message, with the size it asks for made readable when it gives only a byte count.

    NumPy says 'Unable to allocate 4.00 PiB ...'; CuPy says 'Out of memory allocating
    4,503,599,627,370,496 bytes (...)', which becomes '... bytes (4.00 PiB) (...)': one message
    shape whatever the device.
    """
    text = str(exc)
    match = _BYTE_COUNT.search(text)
    if match is None or re.search(r'\d (%s)\b' % '|'.join(_UNITS), text):
        return text
    n = int(match.group(1).replace(',', ''))
    if n < 1024:
        return text
    return '%s (%s)%s' % (text[:match.end()], readable_size(n), text[match.end():])
