"""Tests for sluice.engine.dtypes against TensorFlow 1.x `tf.DType` / `tf.as_dtype` behaviour.

Expected values were read from TensorFlow (tf.compat.v1) and its 1.15 sources; where TF 1.15
and later TF differ, the test names the version it follows.
"""

import copy
import pickle

import numpy as np
import pytest

from sluice.engine import dtypes
from sluice.engine.dtypes import as_dtype, numpy_dtype_of

# name -> (enum, numpy scalar type or None, floating, integer, complex, bool, unsigned, size)
# `size` follows TF 1.15 (string: object itemsize 8, resource/variant: 1).
BASE = {
    "float16": (19, np.float16, True, False, False, False, False, 2),
    "float32": (1, np.float32, True, False, False, False, False, 4),
    "float64": (2, np.float64, True, False, False, False, False, 8),
    "bfloat16": (14, "bf16", True, False, False, False, False, 2),
    "int8": (6, np.int8, False, True, False, False, False, 1),
    "int16": (5, np.int16, False, True, False, False, False, 2),
    "int32": (3, np.int32, False, True, False, False, False, 4),
    "int64": (9, np.int64, False, True, False, False, False, 8),
    "uint8": (4, np.uint8, False, True, False, False, True, 1),
    "uint16": (17, np.uint16, False, True, False, False, True, 2),
    "uint32": (22, np.uint32, False, True, False, False, True, 4),
    "uint64": (23, np.uint64, False, True, False, False, True, 8),
    "bool": (10, np.bool_, False, False, False, True, False, 1),
    "string": (7, object, False, False, False, False, False, 8),
    "complex64": (8, np.complex64, False, False, True, False, False, 8),
    "complex128": (18, np.complex128, False, False, True, False, False, 16),
    "resource": (20, None, False, False, False, False, False, 1),
    "variant": (21, None, False, False, False, False, False, 1),
}

MIN_MAX = {
    "float16": (np.float16(-65504.0), np.float16(65504.0)),
    "float32": (np.float32(-3.4028235e38), np.float32(3.4028235e38)),
    "float64": (-1.7976931348623157e308, 1.7976931348623157e308),
    "bfloat16": (-3.3895313892515355e38, 3.3895313892515355e38),
    "int8": (-128, 127),
    "int16": (-32768, 32767),
    "int32": (-2147483648, 2147483647),
    "int64": (-9223372036854775808, 9223372036854775807),
    "uint8": (0, 255),
    "uint16": (0, 65535),
    "uint32": (0, 4294967295),
    "uint64": (0, 18446744073709551615),
}

LIMITS = {
    "float32": (0, 1), "float64": (0, 1), "bool": (0, True),
    "int8": (0, 127), "int16": (0, 32767), "int32": (0, 2147483647),
    "int64": (0, 9223372036854775807), "uint8": (0, 255), "uint16": (0, 65535),
    "uint32": (0, 4294967295), "uint64": (0, 18446744073709551615),
}

ALL_NAMES = [n + s for n in BASE for s in ("", "_ref")]


def _has_ml_dtypes():
    try:
        import ml_dtypes  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.mark.parametrize("name", ALL_NAMES)
def test_identity_properties(name):
    base_name = name[:-4] if name.endswith("_ref") else name
    enum = BASE[base_name][0] + (100 if name.endswith("_ref") else 0)
    d = getattr(dtypes, name)
    assert d.name == name
    assert d.as_datatype_enum == enum
    assert hash(d) == enum
    assert repr(d) == "tf." + name
    assert str(d) == "<dtype: '%s'>" % name
    assert d._is_ref_dtype is name.endswith("_ref")
    assert d.base_dtype is getattr(dtypes, base_name)
    assert d._as_ref is getattr(dtypes, base_name + "_ref")
    assert dtypes.DType(enum) is d
    assert as_dtype(enum) is d
    assert as_dtype(name) is d
    assert as_dtype(d) is d
    assert d.is_quantized is False


@pytest.mark.parametrize("name", ALL_NAMES)
def test_classification_and_size(name):
    base_name = name[:-4] if name.endswith("_ref") else name
    _, _, flt, intg, cpx, boo, uns, size = BASE[base_name]
    d = getattr(dtypes, name)
    assert (d.is_floating, d.is_integer, d.is_complex, d.is_bool, d.is_unsigned) == (
        flt, intg, cpx, boo, uns)
    assert d.size == size


@pytest.mark.parametrize("name", ALL_NAMES)
def test_numpy_type(name):
    base_name = name[:-4] if name.endswith("_ref") else name
    np_type = BASE[base_name][1]
    d = getattr(dtypes, name)
    if np_type is None:  # resource, variant: TF raises KeyError
        assert d.is_numpy_compatible is False
        with pytest.raises(KeyError):
            d.as_numpy_dtype
    elif np_type == "bf16":
        if _has_ml_dtypes():
            import ml_dtypes
            assert d.as_numpy_dtype is ml_dtypes.bfloat16
            assert d.is_numpy_compatible
        else:
            assert d.is_numpy_compatible is False
            with pytest.raises(TypeError, match="ml_dtypes"):
                d.as_numpy_dtype
    elif np_type is object:
        # TF: string -> builtins.object, string_ref -> np.object_
        assert d.as_numpy_dtype is (np.object_ if name.endswith("_ref") else object)
    else:
        assert d.as_numpy_dtype is np_type
        assert d.is_numpy_compatible


@pytest.mark.parametrize("name", ALL_NAMES)
def test_min_max_limits(name):
    base_name = name[:-4] if name.endswith("_ref") else name
    d = getattr(dtypes, name)
    if base_name in MIN_MAX:
        lo, hi = MIN_MAX[base_name]
        assert d.min == lo and d.max == hi
        if base_name in ("float16", "float32"):
            assert type(d.min) is type(lo) and type(d.max) is type(hi)
        if d.is_integer:
            assert type(d.min) is int and type(d.max) is int
    else:
        with pytest.raises(TypeError, match="Cannot find minimum value of %s." % d):
            d.min
        with pytest.raises(TypeError, match="Cannot find maximum value of %s." % d):
            d.max
    if base_name in LIMITS:
        assert d.limits == LIMITS[base_name]
    elif base_name in ("resource", "variant"):  # no NumPy type: KeyError, as in TF
        with pytest.raises(KeyError):
            d.limits
    else:  # TF 2.x message and class (TF 1.15 raised a bare KeyError)
        with pytest.raises(ValueError, match="does not have defined limits"):
            d.limits


def test_real_dtype():
    assert dtypes.complex64.real_dtype is dtypes.float32
    assert dtypes.complex128.real_dtype is dtypes.float64
    assert dtypes.complex64_ref.real_dtype is dtypes.float32
    assert dtypes.complex128_ref.real_dtype is dtypes.float64
    assert dtypes.float32.real_dtype is dtypes.float32
    assert dtypes.float32_ref.real_dtype is dtypes.float32_ref
    assert dtypes.int32.real_dtype is dtypes.int32


def test_aliases():
    assert dtypes.half is dtypes.float16
    assert dtypes.double is dtypes.float64
    assert dtypes.half_ref is dtypes.float16_ref
    assert dtypes.double_ref is dtypes.float64_ref
    for alias, d in [("half", dtypes.float16), ("float", dtypes.float32),
                     ("double", dtypes.float64), ("half_ref", dtypes.float16_ref),
                     ("float_ref", dtypes.float32_ref), ("double_ref", dtypes.float64_ref)]:
        assert as_dtype(alias) is d


@pytest.mark.parametrize("value,expected", [
    (np.float16, "float16"), (np.float32, "float32"), (np.float64, "float64"),
    (np.int8, "int8"), (np.int16, "int16"), (np.int32, "int32"), (np.int64, "int64"),
    (np.uint8, "uint8"), (np.uint16, "uint16"), (np.uint32, "uint32"), (np.uint64, "uint64"),
    (np.complex64, "complex64"), (np.complex128, "complex128"), (np.bool_, "bool"),
    (np.object_, "string"), (np.bytes_, "string"), (np.str_, "string"),
    (np.longlong, "int64"), (np.ulonglong, "uint64"), (np.intc, "int32"), (np.uintc, "uint32"),
    (np.int_, "int64"), (np.uint, "uint64"),
    (np.dtype("float32"), "float32"), (np.dtype("int64"), "int64"), (np.dtype("q"), "int64"),
    (np.dtype(">f4"), "float32"), (np.dtype("S"), "string"), (np.dtype("S3"), "string"),
    (np.dtype("U2"), "string"), (np.dtype(object), "string"), (np.dtype(bool), "bool"),
    (np.array([1], dtype=np.float32).dtype, "float32"),
    (float, "float32"), (bool, "bool"), (object, "string"),
    (1, "float32"), (101, "float32_ref"), (9, "int64"), (1.0, "float32"),
    ("resource_ref", "resource_ref"), ("variant", "variant"),
])
def test_as_dtype_accepts(value, expected):
    assert as_dtype(value) is getattr(dtypes, expected)


@pytest.mark.parametrize("value", [
    int, str, bytes, complex, None, 0, 99, 100, 200, "f4", "float32 ", "Float32", "int", "long",
    b"float32", np.datetime64, np.dtype("M8[s]"), np.dtype("V4"), np.longdouble,
    np.dtype([("a", "i4")]), [1], {}, 11,  # 11 is qint8 in TF; quantized dtypes are not provided
])
def test_as_dtype_rejects(value):
    with pytest.raises(TypeError, match="Cannot convert value .* to a TensorFlow DType."):
        as_dtype(value)


def test_as_dtype_error_message():
    with pytest.raises(TypeError) as e:
        as_dtype("foo")
    assert str(e.value) == "Cannot convert value 'foo' to a TensorFlow DType."


def test_dtype_constructor():
    assert dtypes.DType(1) is dtypes.float32
    assert dtypes.DType(np.int32(9)) is dtypes.int64
    with pytest.raises(TypeError, match="999"):
        dtypes.DType(999)
    with pytest.raises(TypeError):
        dtypes.DType(0)
    with pytest.raises(ValueError):
        dtypes.DType("float32")


def test_equality():
    f32 = dtypes.float32
    assert f32 == "float32" and f32 == "float"
    assert f32 == np.float32 and f32 == np.dtype("float32")
    assert f32 == 1
    assert not (f32 == None)  # noqa: E711
    assert not (f32 == "foo")
    assert not (f32 == dtypes.float32_ref)
    assert not (f32 == dtypes.float64)
    assert not (f32 != "float32")
    assert f32 != "foo"
    assert f32 != dtypes.int32
    assert not (f32 == [1]) and f32 != [1] and not (f32 == {})
    assert dtypes.string == np.dtype("S5") and dtypes.string == np.dtype("U1")


def test_hash_and_dict_use():
    d = {dtypes.float32: "a", dtypes.int32: "b"}
    assert d[dtypes.float32] == "a" and d[as_dtype("float")] == "a"
    with pytest.raises(KeyError):
        d["float32"]  # equal but different hash, as in TF
    assert len({dtypes.float32, dtypes.float32, dtypes.float32_ref}) == 2


def test_ordering_unsupported():
    with pytest.raises(TypeError):
        dtypes.float32 < dtypes.float64


def test_is_compatible_with():
    assert dtypes.float32.is_compatible_with(dtypes.float32)
    assert dtypes.float32.is_compatible_with(dtypes.float32_ref)
    assert not dtypes.float32_ref.is_compatible_with(dtypes.float32)
    assert dtypes.float32_ref.is_compatible_with(dtypes.float32_ref)
    assert dtypes.float32.is_compatible_with("float32")
    assert dtypes.float32.is_compatible_with(np.float32)
    assert not dtypes.float32.is_compatible_with(dtypes.int32)
    with pytest.raises(TypeError):
        dtypes.float32.is_compatible_with("x")
    with pytest.raises(TypeError):
        dtypes.float32.is_compatible_with(None)


def test_pickle_and_copy_keep_singletons():
    for d in (dtypes.float32, dtypes.float32_ref, dtypes.string, dtypes.resource):
        assert pickle.loads(pickle.dumps(d)) is d
        assert copy.copy(d) is d
        assert copy.deepcopy(d) is d


def test_numpy_dtype_of():
    assert numpy_dtype_of(dtypes.float32) == np.dtype(np.float32)
    assert isinstance(numpy_dtype_of(dtypes.float32), np.dtype)
    assert numpy_dtype_of(dtypes.float32_ref) == np.dtype(np.float32)
    assert numpy_dtype_of("int64") == np.dtype(np.int64)
    assert numpy_dtype_of(np.bool_) == np.dtype(bool)
    for d in (dtypes.string, dtypes.string_ref, dtypes.resource, dtypes.variant):
        assert numpy_dtype_of(d) == np.dtype(object)
    for name in BASE:
        d = getattr(dtypes, name)
        if d.is_numpy_compatible and name != "string":
            assert numpy_dtype_of(d) == np.dtype(d.as_numpy_dtype)
    if not _has_ml_dtypes():
        with pytest.raises(TypeError, match="ml_dtypes"):
            numpy_dtype_of(dtypes.bfloat16)
    with pytest.raises(TypeError):
        numpy_dtype_of("nope")


def test_round_trip_numpy():
    for name in BASE:
        d = getattr(dtypes, name)
        if d.is_numpy_compatible:
            assert as_dtype(np.dtype(d.as_numpy_dtype)) is d
            assert as_dtype(numpy_dtype_of(d)) is d
