"""The kernel registry: a registration for one device type specializes a shared one."""
import pytest

from sluice.kernels import registry


def _cleanup(op_type):
    for key in [k for k in registry._KERNELS if k[0] == op_type]:
        del registry._KERNELS[key]


@pytest.mark.parametrize('specific_first', [False, True])
def test_device_specific_registration_overrides_the_shared_one(specific_first):
    def shared(op, ctx):
        return None

    def cpu_only(op, ctx):
        return None

    steps = [lambda: registry.register_kernel('_TestSpecialized')(shared),
             lambda: registry.register_kernel('_TestSpecialized', devices=('CPU',))(cpu_only)]
    try:
        for step in (reversed(steps) if specific_first else steps):
            step()
        assert registry.get_kernel('_TestSpecialized', 'CPU').builder is cpu_only
        assert registry.get_kernel('_TestSpecialized', 'GPU').builder is shared
        with pytest.raises(KeyError):
            registry.register_kernel('_TestSpecialized', devices=('CPU',))(cpu_only)
        with pytest.raises(KeyError):
            registry.register_kernel('_TestSpecialized')(shared)
    finally:
        _cleanup('_TestSpecialized')
