"""Tests for sluice.engine.tensor_shape against TF 1.x `tf.TensorShape` / `tf.Dimension`.

Expected values were read from TensorFlow's tf.compat.v1 (v2 behaviour disabled, which prints
and indexes shapes like TF 1.15) and from the TF 1.15 sources where later TF changed behaviour
(marked "TF 1.15").
"""

import pickle

import numpy as np
import pytest

from sluice.engine import dtypes
from sluice.engine import tensor_shape
from sluice.engine.tensor_shape import (Dimension, TensorShape, as_dimension, as_shape,
                                        dimension_at_index, dimension_value, matrix, scalar,
                                        unknown_shape, vector)

D, S = Dimension, TensorShape


# -- Dimension -------------------------------------------------------------------------------
def test_dimension_basics():
    assert D(3).value == 3 and D(None).value is None
    assert repr(D(3)) == "Dimension(3)" and repr(D(None)) == "Dimension(None)"
    assert str(D(3)) == "3" and str(D(None)) == "?"
    assert int(D(3)) == 3
    assert [0, 1, 2, 3][D(2)] == 2
    assert range(D(3)) == range(3)
    assert D(np.int64(4)).value == 4 and type(D(np.int64(4)).value) is int
    assert D(D(5)).value == 5
    assert D(True).value == 1
    assert bool(D(0)) is False and bool(D(None)) is False and bool(D(2)) is True
    with pytest.raises(TypeError):
        int(D(None))
    with pytest.raises(TypeError, match="unhashable"):
        hash(D(3))
    assert pickle.loads(pickle.dumps(D(3))).value == 3


def test_dimension_invalid():
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        D(-1)
    with pytest.raises(TypeError):
        D([1])
    with pytest.raises(TypeError, match="Cannot convert"):
        D(dtypes.float32)
    # TF 1.15: int(value), rejecting non-integral numbers.
    with pytest.raises(ValueError, match="Ambiguous dimension: 2.5"):
        D(2.5)


def test_dimension_lenient_like_tf115():
    # TF 1.15 converted with int(); later TF accepts only __index__ types.
    assert D(2.0).value == 2
    assert D("3").value == 3


def test_dimension_equality():
    assert (D(3) == 3) is True
    assert (3 == D(3)) is True
    assert (D(3) == D(4)) is False
    assert (D(3) == D(None)) is None
    assert (D(None) == D(None)) is None
    assert (D(3) != 4) is True
    assert (D(3) != 3) is False
    assert (D(None) != 4) is None
    assert (D(3) == "a") is False
    assert (D(3) == None) is None  # noqa: E711 - None converts to an unknown Dimension


@pytest.mark.parametrize("op,expected", [
    ("+", [9, 9, 9, None, None, 9]),
    ("-", [5, 5, 5, None, None, "ValueError"]),
    ("*", [14, 14, 14, None, None, 14]),
    ("//", [3, 3, 3, None, None, 0]),
    ("%", [1, 1, 1, None, None, 2]),
])
def test_dimension_arithmetic(op, expected):
    pairs = [(D(7), D(2)), (D(7), 2), (7, D(2)), (D(None), 2), (2, D(None)), (D(2), D(7))]
    for (a, b), want in zip(pairs, expected):
        if want == "ValueError":
            with pytest.raises(ValueError, match="Dimension -5 must be >= 0"):
                eval("a %s b" % op)
        else:
            got = eval("a %s b" % op)
            assert isinstance(got, Dimension) and got.value == want


def test_dimension_arithmetic_errors():
    with pytest.raises(TypeError, match="unsupported operand"):
        D(2) + "x"
    with pytest.raises(ZeroDivisionError):
        D(2) // 0
    with pytest.raises(ZeroDivisionError):
        D(2) % 0
    assert (D(2) * 0).value == 0
    with pytest.raises(TypeError, match=r"for /: 'Dimension' and 'Dimension', please use // "):
        D(4) / D(2)
    with pytest.raises(TypeError, match=r"for /: 'Dimension' and 'int', please use // instead"):
        D(4) / 2
    with pytest.raises(TypeError, match=r"for /: 'int' and 'Dimension', please use // instead"):
        4 / D(2)


def test_dimension_ordering():
    assert (D(7) < D(2)) is False and (D(7) <= 2) is False
    assert (D(7) > 2) is True and (7 >= D(2)) is True
    assert (D(2) < 7) is True
    for r in (D(None) < 2, D(None) <= 2, D(None) > 2, D(None) >= 2, D(2) < D(None)):
        assert r is None


def test_dimension_merge_and_compat():
    assert D(3).merge_with(None).value == 3
    assert D(None).merge_with(4).value == 4
    assert D(None).merge_with(D(None)).value is None
    assert D(3).merge_with(D(3)).value == 3
    with pytest.raises(ValueError, match="^Dimensions 3 and 4 are not compatible$"):
        D(3).merge_with(4)
    assert D(3).is_compatible_with(None) is True
    assert D(3).is_compatible_with(3) is True
    assert D(3).is_compatible_with(4) is False
    assert D(None).is_compatible_with(4) is True
    D(3).assert_is_compatible_with(D(None))
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        D(3).assert_is_compatible_with(4)


def test_dimension_helpers():
    d = D(3)
    assert as_dimension(d) is d
    assert as_dimension(3).value == 3 and as_dimension(None).value is None
    assert dimension_value(D(3)) == 3
    assert dimension_value(4) == 4
    assert dimension_value(None) is None
    assert dimension_value(D(None)) is None
    assert repr(dimension_at_index(S(None), 3)) == "Dimension(None)"
    assert repr(dimension_at_index(S([1, 2]), 1)) == "Dimension(2)"
    assert repr(dimension_at_index(S([1, 2]), -1)) == "Dimension(2)"


# -- TensorShape ----------------------------------------------------------------------------
# (shape, repr, str, as_list or None, rank, fully_defined, num_elements)
SHAPES = [
    (S(None), "TensorShape(None)", "<unknown>", None, None, False, None),
    (S([]), "TensorShape([])", "()", [], 0, True, 1),
    (S([3]), "TensorShape([Dimension(3)])", "(3,)", [3], 1, True, 3),
    (S([None]), "TensorShape([Dimension(None)])", "(?,)", [None], 1, False, None),
    (S([None, 2]), "TensorShape([Dimension(None), Dimension(2)])", "(?, 2)", [None, 2], 2,
     False, None),
    (S([1, 2, 3]), "TensorShape([Dimension(1), Dimension(2), Dimension(3)])", "(1, 2, 3)",
     [1, 2, 3], 3, True, 6),
    (S(3), "TensorShape([Dimension(3)])", "(3,)", [3], 1, True, 3),
    (S((D(2), None, np.int32(4))), "TensorShape([Dimension(2), Dimension(None), Dimension(4)])",
     "(2, ?, 4)", [2, None, 4], 3, False, None),
    (S(np.array([2, 3])), "TensorShape([Dimension(2), Dimension(3)])", "(2, 3)", [2, 3], 2,
     True, 6),
    (S(S([4, None])), "TensorShape([Dimension(4), Dimension(None)])", "(4, ?)", [4, None], 2,
     False, None),
    (S(iter([5, 6])), "TensorShape([Dimension(5), Dimension(6)])", "(5, 6)", [5, 6], 2, True,
     30),
]


@pytest.mark.parametrize("case", SHAPES, ids=[c[2] for c in SHAPES])
def test_shape_basics(case):
    s, rep, st, lst, rank, full, n = case
    assert repr(s) == rep
    assert str(s) == st
    assert s.rank == rank and s.ndims == rank
    assert s.is_fully_defined() is full
    assert s.num_elements() == n
    assert bool(s) is (rank is not None)
    assert hash(s) == hash(S(s))
    if lst is None:
        assert s.dims is None and s._dims is None
        with pytest.raises(ValueError, match="as_list\\(\\) is not defined on an unknown "
                                             "TensorShape."):
            s.as_list()
        with pytest.raises(ValueError, match="Cannot take the length of shape with unknown rank."):
            len(s)
        with pytest.raises(ValueError, match="Cannot iterate over a shape with unknown rank."):
            iter(s)
    else:
        assert s.as_list() == lst
        assert s._dims == tuple(lst)
        assert len(s) == rank
        assert [repr(d) for d in s] == ["Dimension(%r)" % v for v in lst]
        assert [repr(d) for d in s.dims] == ["Dimension(%r)" % v for v in lst]
        all_dims_are_plain = all(v is None or type(v) is int for v in s._dims)
        assert all_dims_are_plain


def test_shape_getitem():
    s = S([1, None, 3])
    assert repr(s[0]) == "Dimension(1)" and repr(s[1]) == "Dimension(None)"
    assert repr(s[-1]) == "Dimension(3)"
    assert repr(s[np.int64(2)]) == "Dimension(3)"
    assert repr(s[1:]) == "TensorShape([Dimension(None), Dimension(3)])"
    assert repr(s[::2]) == "TensorShape([Dimension(1), Dimension(3)])"
    with pytest.raises(IndexError):
        s[5]
    with pytest.raises(IndexError):
        S([])[0]


def test_unknown_shape_getitem():
    u = S(None)
    assert repr(u[5]) == "Dimension(None)"
    assert repr(u[2:5]) == "TensorShape([Dimension(None), Dimension(None), Dimension(None)])"
    assert repr(u[:3]) == "TensorShape([Dimension(None), Dimension(None), Dimension(None)])"
    assert repr(u[1:]) == "TensorShape(None)"
    assert repr(u[-2:]) == "TensorShape(None)"
    with pytest.raises(ValueError, match="Steps are not yet handled"):
        u[::2]


def test_shape_invalid():
    with pytest.raises(TypeError, match="A string has ambiguous TensorShape"):  # TF 1.15
        S("ab")
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        S([-1])
    with pytest.raises(ValueError, match="Ambiguous dimension"):  # TF 1.15
        S([1.5])
    with pytest.raises(TypeError):
        S([[1]])


def test_merge_with():
    a, b = S([None, 2]), S([3, None])
    assert a.merge_with(b).as_list() == [3, 2]
    assert a.merge_with([None, 2]).as_list() == [None, 2]
    assert a.merge_with(S(None)) is a
    assert S(None).merge_with(a) is a
    assert S(None).merge_with([1]).as_list() == [1]
    with pytest.raises(ValueError, match=r"^Shapes \(\?, 2\) and \(3, 4\) are not compatible$"):
        a.merge_with(S([3, 4]))
    with pytest.raises(ValueError, match=r"^Shapes \(\?, 2\) and \(1, 2, 3\) are not compatible"):
        a.merge_with([1, 2, 3])


def test_is_compatible_with():
    a = S([None, 2])
    assert a.is_compatible_with(S([3, None]))
    assert a.is_compatible_with([1, 2])
    assert not a.is_compatible_with([1, 3])
    assert not a.is_compatible_with([1, 2, 3])
    assert a.is_compatible_with(None)
    assert S(None).is_compatible_with([1, 2, 3])
    a.assert_is_compatible_with([1, 2])
    # TF prints `other` as given, not converted.
    with pytest.raises(ValueError, match=r"^Shapes \(\?, 2\) and \[1, 3\] are incompatible$"):
        a.assert_is_compatible_with([1, 3])


def test_rank_checks():
    a, u = S([None, 2]), S(None)
    a.assert_has_rank(2)
    u.assert_has_rank(3)
    with pytest.raises(ValueError, match=r"^Shape \(\?, 2\) must have rank 3$"):
        a.assert_has_rank(3)
    assert a.with_rank(2) == a
    assert repr(u.with_rank(2)) == "TensorShape([Dimension(None), Dimension(None)])"
    with pytest.raises(ValueError, match=r"^Shape \(\?, 2\) must have rank 3$"):
        a.with_rank(3)
    assert a.with_rank_at_least(1) is a
    with pytest.raises(ValueError, match=r"^Shape \(\?, 2\) must have rank at least 3$"):
        a.with_rank_at_least(3)
    assert a.with_rank_at_most(2) is a
    with pytest.raises(ValueError, match=r"^Shape \(\?, 2\) must have rank at most 1$"):
        a.with_rank_at_most(1)
    assert u.with_rank_at_most(0) is u and u.with_rank_at_least(5) is u
    a.assert_same_rank(S([1, 1]))
    a.assert_same_rank(u)
    with pytest.raises(ValueError, match=r"^Shapes \(\?, 2\) and \(1,\) must have the same rank$"):
        a.assert_same_rank(S([1]))


def test_fully_defined():
    S([1, 2]).assert_is_fully_defined()
    with pytest.raises(ValueError, match=r"^Shape \(\?, 2\) is not fully defined$"):
        S([None, 2]).assert_is_fully_defined()
    with pytest.raises(ValueError, match=r"^Shape <unknown> is not fully defined$"):
        S(None).assert_is_fully_defined()


def test_concatenate():
    a, b = S([None, 2]), S([3, None])
    assert a.concatenate(b).as_list() == [None, 2, 3, None]
    assert repr(a.concatenate(None)) == "TensorShape(None)"
    assert repr(S(None).concatenate(a)) == "TensorShape(None)"
    assert a.concatenate(5).as_list() == [None, 2, 5]
    assert (a + [1]).as_list() == [None, 2, 1]
    assert ([1] + a).as_list() == [1, None, 2]
    assert isinstance([1] + a, TensorShape)


def test_most_specific_compatible_shape():
    a = S([None, 2])
    assert a.most_specific_compatible_shape(S([3, 2])).as_list() == [None, 2]
    assert S([1, 2]).most_specific_compatible_shape(S([1, 3])).as_list() == [1, None]
    assert S([1, 2]).most_specific_compatible_shape([1, 2]).as_list() == [1, 2]
    assert repr(a.most_specific_compatible_shape(S([1]))) == "TensorShape(None)"
    assert repr(a.most_specific_compatible_shape(S(None))) == "TensorShape(None)"


def test_equality():
    # Structural, as in TF 2.x's compat.v1 (see module docstring of tensor_shape).
    a = S([None, 2])
    assert a == S([None, 2])
    assert a == [None, 2]
    assert not (a != [None, 2])
    assert S(None) == S(None)
    assert not (S(None) != S(None))
    assert not (S(None) == a)
    assert not (a == "x")
    assert not (a == 3)
    assert S([1]) == 1
    assert S([1, 2]) != S([1, 3])
    assert not (a == [1.5])
    assert {S([1, 2]): "x"}[S((1, 2))] == "x"


def test_module_functions():
    assert repr(unknown_shape()) == "TensorShape(None)"
    assert repr(unknown_shape(2)) == "TensorShape([Dimension(None), Dimension(None)])"
    assert repr(unknown_shape(rank=0)) == "TensorShape([])"
    assert repr(unknown_shape(ndims=1)) == "TensorShape([Dimension(None)])"
    with pytest.raises(TypeError, match="Unknown argument: {'foo': 1}"):
        unknown_shape(foo=1)
    # scalar/vector/matrix exist in TF 1.15 (removed later).
    assert repr(scalar()) == "TensorShape([])"
    assert repr(vector(3)) == "TensorShape([Dimension(3)])"
    assert repr(matrix(2, None)) == "TensorShape([Dimension(2), Dimension(None)])"
    a = S([1])
    assert as_shape(a) is a
    assert repr(as_shape([1])) == "TensorShape([Dimension(1)])"
    assert repr(as_shape(None)) == "TensorShape(None)"


def test_pickle():
    for s in (S([None, 2]), S(None), S([])):
        assert pickle.loads(pickle.dumps(s)) == s


def test_from_dims_fast_path():
    s = TensorShape._from_dims((2, None))
    assert isinstance(s, TensorShape) and s.as_list() == [2, None]
    assert TensorShape._from_dims(None).rank is None


def test_proto_like_input():
    class Dim:
        def __init__(self, size):
            self.size = size

    class Proto:
        def __init__(self, unknown_rank, sizes):
            self.unknown_rank, self.dim = unknown_rank, [Dim(x) for x in sizes]

    assert S(Proto(False, [2, -1])).as_list() == [2, None]
    assert S(Proto(True, [])).rank is None


def test_module_exports():
    for name in ("Dimension", "TensorShape", "as_dimension", "as_shape", "dimension_value",
                 "dimension_at_index", "unknown_shape", "scalar", "vector", "matrix"):
        assert hasattr(tensor_shape, name)
