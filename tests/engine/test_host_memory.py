"""The host allocator tuning: applied once per process, and SLUICE_HOST_MALLOC=system opts out."""
import subprocess
import sys

import pytest


def _run(code, **env):
    import os
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **env)).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc only')
def test_tuning_applies_once_per_process():
    out = _run('from sluice.engine import host_memory as h; print(h.keep_freed_blocks(), h.keep_freed_blocks())')
    assert out in ('True False', 'False False')  # False first only where libc is not glibc


def test_system_malloc_is_left_alone_on_request():
    out = _run('from sluice.engine import host_memory as h; print(h.keep_freed_blocks())', SLUICE_HOST_MALLOC='system')
    assert out == 'False'
