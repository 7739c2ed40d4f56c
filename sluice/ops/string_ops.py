"""String functions: tf.as_string (AsString), tf.string_join (StringJoin, declared in io_ops),
tf.string_to_number (StringToNumber) and tf.strings.regex_full_match (StaticRegexFullMatch for a
Python pattern, RegexFullMatch for a tensor one; TF's sharded Saver graphs use the first). CPU kernels
only, as in TF (kernels/string_kernels.py)."""
from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine.op_registry import no_gradient, register_op
from sluice.ops import io_ops, shape_fns

__all__ = ['as_string', 'regex_full_match', 'string_join', 'string_to_number']

_AS_STRING_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8, dtypes.int16, dtypes.int8,
                    dtypes.int64, dtypes.bool, dtypes.float16, dtypes.string, dtypes.complex64, dtypes.complex128)
_NUMBER_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)

register_op('AsString', ['input: T'], ['output: string'],
            {'T': 'type', 'precision': ('int', -1), 'scientific': ('bool', False), 'shortest': ('bool', False),
             'width': ('int', -1), 'fill': ('string', '')}, shape_fns.unchanged)
register_op('StringToNumber', ['string_tensor: string'], ['output: out_type'],
            {'out_type': ('type', dtypes.float32)}, shape_fns.unchanged)
register_op('StaticRegexFullMatch', ['input: string'], ['output: bool'], {'pattern': 'string'}, shape_fns.unchanged)
register_op('RegexFullMatch', ['input: string', 'pattern: string'], ['output: bool'], {}, shape_fns.unchanged)
no_gradient('AsString')
no_gradient('StringToNumber')
no_gradient('StaticRegexFullMatch')
no_gradient('RegexFullMatch')


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill='', name=None):  # noqa: A002
    """Each element formatted as a string (printf-style: precision, scientific, shortest, width, fill)."""
    if scientific and shortest:
        raise ValueError('Cannot select both scientific and shortest notation')
    if len(fill) > 1:
        raise ValueError("Fill string must be one or fewer characters: '%s'" % fill)
    attrs = {'precision': int(precision), 'scientific': bool(scientific), 'shortest': bool(shortest),
             'width': int(width), 'fill': fill}
    op = op_builder.apply('AsString', [input], attrs, name)
    return op._outputs[0]


def string_join(inputs, separator='', name=None):
    """Joins the string tensors (broadcasting scalars) elementwise with separator."""
    return op_builder.output('StringJoin', [list(inputs)], {'separator': separator}, name)


def string_to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parses each string as a number of out_type (float32, float64, int32, int64)."""
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _NUMBER_TYPES:
        raise TypeError("Value passed to parameter 'out_type' has DataType %s not in list of allowed values: "
                        "float32, float64, int32, int64" % out_type.name)
    return op_builder.apply('StringToNumber', [string_tensor], {'out_type': out_type}, name)._outputs[0]


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """True where the whole string matches the regular expression `pattern`."""
    if isinstance(pattern, (str, bytes)):
        pattern = pattern.decode() if isinstance(pattern, bytes) else pattern
        return op_builder.output('StaticRegexFullMatch', [input], {'pattern': pattern}, name)
    return op_builder.output('RegexFullMatch', [input, pattern], {}, name)
