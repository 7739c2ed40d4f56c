"""tf.errors: codes, the OpError hierarchy, str(), pickling and error_for_op.

Expected values come from TensorFlow 1.x (checked against compat.v1 where the
two agree; TF 1.15 semantics where TF 2 changed them, e.g. UnknownError's code).
"""

import pickle
import warnings

import pytest

from sluice.engine import errors
from sluice.engine.errors import (OpError, InvalidArgumentError, NotFoundError,
                                  OutOfRangeError, UnknownError, error_for_op)

CODES = [
    ("CANCELLED", 1, "CancelledError"),
    ("UNKNOWN", 2, "UnknownError"),
    ("INVALID_ARGUMENT", 3, "InvalidArgumentError"),
    ("DEADLINE_EXCEEDED", 4, "DeadlineExceededError"),
    ("NOT_FOUND", 5, "NotFoundError"),
    ("ALREADY_EXISTS", 6, "AlreadyExistsError"),
    ("PERMISSION_DENIED", 7, "PermissionDeniedError"),
    ("RESOURCE_EXHAUSTED", 8, "ResourceExhaustedError"),
    ("FAILED_PRECONDITION", 9, "FailedPreconditionError"),
    ("ABORTED", 10, "AbortedError"),
    ("OUT_OF_RANGE", 11, "OutOfRangeError"),
    ("UNIMPLEMENTED", 12, "UnimplementedError"),
    ("INTERNAL", 13, "InternalError"),
    ("UNAVAILABLE", 14, "UnavailableError"),
    ("DATA_LOSS", 15, "DataLossError"),
    ("UNAUTHENTICATED", 16, "UnauthenticatedError"),
]


class FakeOp:
    def __init__(self, name, traceback=None, original=None, type="Mul"):
        self.name = name
        self.type = type
        self.traceback = traceback
        self._original_op = original


TB = [("/home/u/model.py", 10, "<module>", "x = tf.placeholder(tf.float32)"),
      ("/home/u/model.py", 12, "build", "y = x * 2")]


def test_ok_constant():
    assert errors.OK == 0


@pytest.mark.parametrize("const,code,clsname", CODES)
def test_codes_and_classes(const, code, clsname):
    cls = getattr(errors, clsname)
    assert getattr(errors, const) == code
    assert issubclass(cls, OpError) and issubclass(cls, Exception)
    assert cls.__name__ == clsname
    e = cls(None, None, "msg")
    assert e.error_code == code
    assert (e.message, e.op, e.node_def, str(e)) == ("msg", None, None, "msg")
    assert errors.exception_type_from_error_code(code) is cls
    assert errors.error_code_from_exception_type(cls) == code
    # Keyword construction and pickling keep class, code and message.
    k = cls(node_def=None, op=None, message="kw")
    assert k.message == "kw" and k.error_code == code
    p = pickle.loads(pickle.dumps(e))
    assert type(p) is cls and p.message == "msg" and p.error_code == code


def test_exception_type_from_error_code_unknown():
    for code in (0, 99):
        with pytest.raises(KeyError):
            errors.exception_type_from_error_code(code)


def test_error_code_from_exception_type_subclass_and_unknown():
    class MyNotFound(NotFoundError):
        pass
    assert errors.error_code_from_exception_type(MyNotFound) == errors.NOT_FOUND
    with pytest.warns(UserWarning, match="Unknown class exception"):
        assert errors.error_code_from_exception_type(ValueError) == errors.UNKNOWN


def test_op_error_base():
    e = OpError(None, None, "boom", errors.INVALID_ARGUMENT)
    assert (str(e), e.message, e.error_code) == ("boom", "boom", 3)
    assert not isinstance(e, InvalidArgumentError)
    with pytest.raises(TypeError):
        OpError(None, None, "m", 3, foo=1)
    p = pickle.loads(pickle.dumps(OpError(None, None, "o", 4)))
    assert type(p) is OpError and p.error_code == 4 and p.message == "o"


def test_unknown_error_keeps_explicit_code():
    # TF 1.x: UnknownError(node_def, op, message, error_code=UNKNOWN).
    assert UnknownError(None, None, "u").error_code == errors.UNKNOWN
    assert UnknownError(None, None, "u", 7).error_code == 7
    assert pickle.loads(pickle.dumps(UnknownError(None, None, "u", 7))).error_code == 7


def test_subclasses_take_three_arguments():
    with pytest.raises(TypeError):
        InvalidArgumentError(None, None, "m", 5)


def test_lone_string_is_the_message():
    e = InvalidArgumentError("bad value")
    assert e.message == "bad value" and e.node_def is None and e.op is None


def test_catchable_as_op_error():
    with pytest.raises(OpError) as info:
        raise OutOfRangeError(None, None, "End of sequence")
    assert isinstance(info.value, OutOfRangeError)
    assert info.value.error_code == errors.OUT_OF_RANGE


def test_str_with_op_matches_tf():
    e = InvalidArgumentError(None, FakeOp("mul", TB), "boom")
    assert str(e) == (
        "boom\n\nOriginal stack trace for 'mul':\n"
        '  File "/home/u/model.py", line 10, in <module>\n'
        "    x = tf.placeholder(tf.float32)\n"
        '  File "/home/u/model.py", line 12, in build\n'
        "    y = x * 2\n")
    assert e.message == "boom"


def test_str_with_original_op_matches_tf():
    orig = FakeOp("orig", [("/a.py", 3, "f", "z = 1")])
    e = InvalidArgumentError(None, FakeOp("copy", [("/b.py", 4, "g", "w = 2")], orig),
                             "m2")
    assert str(e) == (
        "m2\n\nOriginal stack trace for 'copy':\n"
        '  File "/b.py", line 4, in g\n    w = 2\n'
        "\n...which was originally created as op 'orig', defined at:\n"
        '  File "/a.py", line 3, in f\n    z = 1\n')


def test_str_with_op_without_traceback():
    class Bare:
        name = "n"
    assert str(NotFoundError(None, Bare(), "nf")) == \
        "nf\n\nOriginal stack trace for 'n':\n"


def test_error_for_op_message():
    op = FakeOp("x", TB, type="Placeholder")
    msg = ("You must feed a value for placeholder tensor 'x' with dtype float "
           "and shape [?,2]")
    e = error_for_op(InvalidArgumentError, op, msg)
    assert type(e) is InvalidArgumentError and e.op is op
    assert e.error_code == errors.INVALID_ARGUMENT
    assert e.message == msg + "\n\t [[node x (defined at /home/u/model.py:12) ]]"
    assert e.message.startswith(msg)
    # Annotating an already annotated message adds nothing.
    again = error_for_op(InvalidArgumentError, op, e.message)
    assert again.message == e.message


def test_error_for_op_without_traceback_or_op():
    e = error_for_op(OutOfRangeError, FakeOp("q", []), "End of sequence")
    assert e.message == "End of sequence\n\t [[node q ]]"
    e = error_for_op(OutOfRangeError, FakeOp("q", None), "End of sequence")
    assert e.message == "End of sequence\n\t [[node q ]]"
    e = error_for_op(NotFoundError, None, "no file")
    assert e.message == "no file" and e.op is None and e.node_def is None


def test_error_for_op_base_and_unknown_classes():
    e = error_for_op(OpError, FakeOp("a"), "m")
    assert type(e) is OpError and e.error_code == errors.UNKNOWN
    e = error_for_op(UnknownError, FakeOp("a"), "m", error_code=13)
    assert e.error_code == 13


def test_error_for_op_node_def_is_lazy_and_guarded():
    calls = []

    class WithNodeDef(FakeOp):
        @property
        def node_def(self):
            calls.append(1)
            return "NODE_DEF"

    e = error_for_op(InvalidArgumentError, WithNodeDef("a", TB), "m")
    assert calls == []
    assert e.node_def == "NODE_DEF" and e.node_def == "NODE_DEF"
    assert calls == [1]

    class Broken(FakeOp):
        @property
        def node_def(self):
            raise RuntimeError("cannot serialise")

    assert error_for_op(InvalidArgumentError, Broken("b"), "m").node_def is None
    assert error_for_op(InvalidArgumentError, FakeOp("c"), "m").node_def is None


def test_pickle_error_for_op():
    e = error_for_op(NotFoundError, FakeOp("a", TB), "m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = pickle.loads(pickle.dumps(e))
    assert type(p) is NotFoundError and p.message == e.message


def test_all_names_exported():
    for name in errors.__all__:
        assert hasattr(errors, name)
