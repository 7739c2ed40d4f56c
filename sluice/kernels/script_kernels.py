"""The kernel of PyFunc and PyFuncStateless (ops/script_ops.py): calls the registered Python function on
the host with NumPy arrays, CPU only as in TF, and checks what it returns against Tout with TF's messages.
"""
import traceback

import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_ERROR_CLASSES = ((StopIteration, errors.OutOfRangeError), (MemoryError, errors.ResourceExhaustedError),
                  (NotImplementedError, errors.UnimplementedError), (TypeError, errors.InvalidArgumentError),
                  (ValueError, errors.InvalidArgumentError))


_TF_TYPE_NAMES = {dtypes.float32: 'float', dtypes.float64: 'double', dtypes.float16: 'half'}


def _type_name(dtype):
    return _TF_TYPE_NAMES.get(dtype, dtype.name)


def _py_arg(a):
    a = np.asarray(a)
    return a[()] if a.ndim == 0 else np.array(a, copy=True)


def _to_string_array(value):
    arr = np.asarray(value, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat):
        if isinstance(v, str):
            flat[i] = v.encode('utf-8')
        elif isinstance(v, np.bytes_):
            flat[i] = bytes(v)
    return arr


@register_kernel(('PyFunc', 'PyFuncStateless'), devices=('CPU',), multi_output=True)
def py_func_kernel(op, ctx):
    from sluice.ops import script_ops
    token = op.get_attr('token')
    tout = list(op.get_attr('Tout'))

    def run(*args):
        func = script_ops.get_func(token)
        if func is None:
            raise _invalid(op, 'Could not find callback with key=%s in the registry.' % token)
        try:
            ret = func(*[_py_arg(a) for a in args])
        except Exception as e:  # noqa: BLE001 - every Python error becomes TF's status
            cls = next((c for t, c in _ERROR_CLASSES if isinstance(e, t)), errors.UnknownError)
            text = '%s: %s\n%s' % (type(e).__name__, e, ''.join(traceback.format_exception(e)))
            raise errors.error_for_op(cls, op, text) from e
        if isinstance(ret, bytes):
            ret = [ret]
        if ret is None:
            values = []
        elif isinstance(ret, (list, tuple)):
            values = list(ret)
        else:
            values = [ret]
        if len(values) != len(tout):
            raise _invalid(op, '%s returns %d values, but expects to see %d values.' % (token, len(values), len(tout)))
        out = []
        for i, (v, want) in enumerate(zip(values, tout)):
            arr = np.asarray(v)
            if arr.dtype.kind in 'SUO':
                got = dtypes.string
            else:
                try:
                    got = dtypes.as_dtype(arr.dtype)
                except (TypeError, ValueError):
                    raise _invalid(op, 'Unsupported numpy data type %s' % arr.dtype) from None
            if got != want:
                raise _invalid(op, '%d-th value returned by %s is %s, but expects %s'
                               % (i, token, _type_name(got), _type_name(want)))
            out.append(_to_string_array(v) if want == dtypes.string else np.array(arr, copy=True, order='C'))
        return out
    return run
