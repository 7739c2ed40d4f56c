"""tf.DeviceSpec (TF 1.x) parsing, printing, merging, and the placer helpers.

Expected values were taken from TensorFlow's compat.v1 DeviceSpec (the V1, mutable
class).  Error messages follow TF 1.15's wording.
"""

import pytest

from sluice.engine.device_spec import (DeviceSpec, canonical_name, is_compatible,
                                       spec_components)

# spec -> (to_string, (job, replica, task, device_type, device_index)), from TF.
PARSE_CASES = [
    ("/cpu:0", "/device:CPU:0", (None, None, None, "CPU", 0)),
    ("/gpu:1", "/device:GPU:1", (None, None, None, "GPU", 1)),
    ("/CPU:0", "/device:CPU:0", (None, None, None, "CPU", 0)),
    ("/Gpu:0", "/device:GPU:0", (None, None, None, "GPU", 0)),
    ("/device:GPU:0", "/device:GPU:0", (None, None, None, "GPU", 0)),
    ("/device:gpu:0", "/device:GPU:0", (None, None, None, "GPU", 0)),
    ("/device:CPU:*", "/device:CPU:*", (None, None, None, "CPU", None)),
    ("/gpu:*", "/device:GPU:*", (None, None, None, "GPU", None)),
    ("/cpu", "/device:CPU:*", (None, None, None, "CPU", None)),
    ("CPU:0", "/device:CPU:0", (None, None, None, "CPU", 0)),
    ("gpu:0", "/device:GPU:0", (None, None, None, "GPU", 0)),
    ("/job:localhost/replica:0/task:0/device:CPU:0",
     "/job:localhost/replica:0/task:0/device:CPU:0", ("localhost", 0, 0, "CPU", 0)),
    ("/job:worker", "/job:worker", ("worker", None, None, None, None)),
    ("", "", (None, None, None, None, None)),
    ("/task:1/cpu:0", "/task:1/device:CPU:0", (None, None, 1, "CPU", 0)),
    ("/job:w/task:2", "/job:w/task:2", ("w", None, 2, None, None)),
    ("/replica:3", "/replica:3", (None, 3, None, None, None)),
    ("/job:localhost/device:GPU:1", "/job:localhost/device:GPU:1",
     ("localhost", None, None, "GPU", 1)),
    ("job:w/cpu:0", "/job:w/device:CPU:0", ("w", None, None, "CPU", 0)),
    ("/device:TPU_SYSTEM:0", "/device:TPU_SYSTEM:0", (None, None, None, "TPU_SYSTEM", 0)),
    ("/device:XLA_CPU:0", "/device:XLA_CPU:0", (None, None, None, "XLA_CPU", 0)),
    ("/job:a/job:b", "/job:b", ("b", None, None, None, None)),  # last one wins
    ("/replica:1/replica:2", "/replica:2", (None, 2, None, None, None)),
    ("//cpu:0", "/device:CPU:0", (None, None, None, "CPU", 0)),
    ("/job:", "/job:", ("", None, None, None, None)),
]


def fields(d):
    return (d.job, d.replica, d.task, d.device_type, d.device_index)


@pytest.mark.parametrize("spec,string,expected", PARSE_CASES)
def test_from_string(spec, string, expected):
    d = DeviceSpec.from_string(spec)
    assert fields(d) == expected
    assert d.to_string() == string
    assert spec_components(spec) == expected
    assert canonical_name(spec) == string
    # Printing and re-parsing is a fixed point.
    assert DeviceSpec.from_string(string) == d


@pytest.mark.parametrize("spec,attr", [
    ("/foo:1", "foo"), ("/job:a/bar:2", "bar"), ("garbage", "garbage"),
    ("/cpu:0:1", "cpu"), ("cpu:0:1", "cpu"), ("/task:1:2", "task"),
    ("a:b:c:d", "a"), ("/device:CPU", "device"), ("/device:CPU:0:1", "device"),
    ("/device:", "device"),
])
def test_unknown_attribute(spec, attr):
    # TF 1.15 wording: "Unknown attribute: 'foo' in '/foo:1'".
    with pytest.raises(ValueError) as info:
        DeviceSpec.from_string(spec)
    assert str(info.value) == "Unknown attribute: '%s' in '%s'" % (attr, spec)


def test_multiple_device_types():
    with pytest.raises(ValueError, match="Cannot specify multiple device types: "
                                         "/cpu:0/gpu:1"):
        DeviceSpec.from_string("/cpu:0/gpu:1")
    with pytest.raises(ValueError, match="multiple device types"):
        DeviceSpec.from_string("/device:CPU:0/gpu:1")


@pytest.mark.parametrize("spec", ["/gpu:x", "/task:x", "/replica:*", "/device:GPU:y"])
def test_bad_integers(spec):
    with pytest.raises(ValueError, match="invalid literal for int"):
        DeviceSpec.from_string(spec)


def test_unknown_attribute_wins_over_bad_integer():
    # TF converts replica/task only after the whole string was accepted.
    with pytest.raises(ValueError, match="Unknown attribute"):
        DeviceSpec.from_string("/replica:x/foo:1")


def test_constructor_and_setters():
    d = DeviceSpec(job="w", replica=0, task=1, device_type="gpu", device_index=2)
    assert d.to_string() == "/job:w/replica:0/task:1/device:GPU:2"
    assert d.device_type == "GPU"
    assert DeviceSpec(device_type="cpu").to_string() == "/device:CPU:*"
    assert DeviceSpec().to_string() == ""
    assert DeviceSpec(device_index=1).to_string() == ""  # index alone is not printed
    # Strings and floats convert like int().
    assert DeviceSpec(replica="3").replica == 3
    assert DeviceSpec(task=3.0).task == 3
    assert DeviceSpec(device_index="3").device_index == 3
    for attr in ("replica", "task", "device_index"):
        with pytest.raises(ValueError):
            DeviceSpec(**{attr: "*"})

    d = DeviceSpec.from_string("/cpu:0")
    d.job = "foo"
    assert d.to_string() == "/job:foo/device:CPU:0"
    assert hash(d) == hash(DeviceSpec.from_string("/job:foo/cpu:0"))  # not stale
    d.device_type = "gpu"
    assert d.device_type == "GPU" and d.to_string() == "/job:foo/device:GPU:0"
    d.replica, d.task, d.device_index = "1", 2, None
    assert d.to_string() == "/job:foo/replica:1/task:2/device:GPU:*"


def test_parse_from_string_mutates_and_returns_self():
    p = DeviceSpec()
    assert p.parse_from_string("/job:x/gpu:3") is p
    assert p.to_string() == "/job:x/device:GPU:3"
    p.parse_from_string("/cpu:1")  # replaces every field, like TF 1.x
    assert p.to_string() == "/device:CPU:1"


def test_merge_from_and_make_merged_spec():
    a = DeviceSpec.from_string("/job:w/gpu:0")
    a.merge_from(DeviceSpec.from_string("/task:1/cpu:2"))
    assert a.to_string() == "/job:w/task:1/device:CPU:2"

    # An unspecified index keeps the old one even when the type changes (as TF).
    a = DeviceSpec.from_string("/job:w/gpu:0")
    a.merge_from(DeviceSpec.from_string("/device:CPU:*"))
    assert a.to_string() == "/job:w/device:CPU:0"

    a = DeviceSpec.from_string("/job:w/gpu:0")
    c = a.make_merged_spec(DeviceSpec.from_string("/replica:3"))
    assert a.to_string() == "/job:w/device:GPU:0"  # unchanged
    assert c.to_string() == "/job:w/replica:3/device:GPU:0"
    assert isinstance(c, DeviceSpec)

    r = a.replace(device_type="CPU", device_index=None)
    assert r.to_string() == "/job:w/device:CPU:*" and a.device_type == "GPU"


def test_eq_hash_repr():
    a, b = DeviceSpec.from_string("/cpu:0"), DeviceSpec.from_string("/device:CPU:0")
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert a != DeviceSpec.from_string("/cpu:1")
    assert a != "/cpu:0"  # TF compares only with DeviceSpecs
    assert len({a, b, DeviceSpec.from_string("/gpu:0")}) == 2
    assert repr(DeviceSpec.from_string("/job:localhost/replica:0/task:0/device:CPU:0")) \
        == ("<DeviceSpec(job=localhost, replica=0, task=0, device_type=CPU, "
            "device_index=0)>")
    assert repr(DeviceSpec()) == ("<DeviceSpec(job=None, replica=None, task=None, "
                                  "device_type=None, device_index=None)>")


def test_parse_cache_cannot_be_corrupted():
    d = DeviceSpec.from_string("/job:w/gpu:1")
    d.job = "other"
    d.device_index = 7
    d.merge_from(DeviceSpec.from_string("/task:4"))
    again = DeviceSpec.from_string("/job:w/gpu:1")
    assert again.to_string() == "/job:w/device:GPU:1" and again is not d
    assert spec_components("/job:w/gpu:1") == ("w", None, None, "GPU", 1)


def test_from_string_accepts_spec_and_none():
    d = DeviceSpec.from_string("/gpu:1")
    copy = DeviceSpec.from_string(d)
    assert copy == d and copy is not d
    assert DeviceSpec.from_string(None).to_string() == ""


def test_canonical_name():
    assert canonical_name(None) == ""
    assert canonical_name("/cpu:0") == "/device:CPU:0"
    assert canonical_name(DeviceSpec(job="w", device_type="gpu")) == "/job:w/device:GPU:*"
    assert canonical_name("/job:localhost/replica:0/task:0/cpu:0") == \
        "/job:localhost/replica:0/task:0/device:CPU:0"


LOCAL_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
LOCAL_GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


@pytest.mark.parametrize("requested,device,ok", [
    ("", LOCAL_CPU, True),
    (None, LOCAL_GPU1, True),
    ("/cpu:0", LOCAL_CPU, True),
    ("/CPU:0", LOCAL_CPU, True),
    ("/device:CPU:*", LOCAL_CPU, True),
    ("/cpu", LOCAL_CPU, True),
    ("/gpu:0", LOCAL_CPU, False),
    ("/gpu:*", LOCAL_GPU1, True),
    ("/gpu:0", LOCAL_GPU1, False),
    ("/gpu:1", LOCAL_GPU1, True),
    ("/job:localhost", LOCAL_GPU1, True),
    ("/job:worker", LOCAL_CPU, False),
    ("/task:1/cpu:0", LOCAL_CPU, False),
    ("/replica:0/task:0", LOCAL_CPU, True),
    (LOCAL_CPU, LOCAL_CPU, True),
    (DeviceSpec(device_type="GPU"), DeviceSpec.from_string(LOCAL_GPU1), True),
    ((None, None, None, "CPU", "*"), LOCAL_CPU, True),
])
def test_is_compatible(requested, device, ok):
    assert is_compatible(requested, device) is ok


def test_spec_components_rejects_other_types():
    with pytest.raises(TypeError):
        spec_components(42)
