"""Op records of the TensorArray ops (sluice/ops/tensor_array_ops.py): built through tf.TensorArray, so
TensorFlow runs the same program with its own TensorArrayV3 ops (sluice's are TF2's TensorList ops). The loop gradients themselves are
the While/MapFn/Scan/Fold records of op_records.py."""
from op_records import EXEMPT, arg, record

_TA = ('TensorListReserve', 'TensorListScatterIntoExistingList', 'TensorListGather', 'TensorListStack')


def _unstack_stack(tf, x):
    ta = tf.TensorArray(x.dtype, size=3, clear_after_read=False).unstack(x * 2.0)
    return [ta.stack(), ta.gather([2, 0])]


def _write_read(tf, x):
    ta = tf.TensorArray(x.dtype, size=2, clear_after_read=False).write(0, x[0]).write(1, tf.sin(x[1]))
    return [ta.read(1) * ta.read(0), ta.read(0) * tf.cast(ta.size(), x.dtype)]


def _split_concat(tf, x):
    ta = tf.TensorArray(x.dtype, size=2, infer_shape=False).split(tf.reshape(x, [-1]), [2, 4])
    return ta.concat() * 3.0


def _in_loop(tf, x):
    inputs = tf.TensorArray(x.dtype, size=3).unstack(x)
    out = tf.TensorArray(x.dtype, size=3)

    def body(t, h, out):
        h = tf.tanh(inputs.read(t) + h)
        return t + 1, h, out.write(t, h)
    return tf.while_loop(lambda t, *_: t < 3, body, [0, tf.zeros_like(x[0]), out])[2].stack()


record(_TA, _unstack_stack, [arg((3, 2))], grad=True, name='TensorArrayGather')
record(('TensorListSetItem', 'TensorListGetItem', 'TensorListLength'), _write_read, [arg((2, 3))],
       grad=True, name='TensorArrayRead')
record(('TensorListSplit', 'TensorListConcatV2'), _split_concat, [arg((2, 3))], grad=True,
       name='TensorArraySplit')
record(('While',), _in_loop, [arg((3, 2))], grad=True,
       name='TensorArrayInWhile')

_GRAD_ONLY = ('gradient-side list op, built by tf.gradients only: the grad=True TensorArray records above run it '
              '(and tests/ops/test_tensor_array.py against TF)')
EXEMPT.update(dict.fromkeys(('TensorListElementShape', 'TensorListFromTensor', 'TensorListPushBack',
                             'TensorListPopBack', 'EmptyTensorList'), _GRAD_ONLY + '; TF control flow v2 graphs '
                            'use them, imported in tests/ops/test_tensor_list_import.py'))
EXEMPT['ConcatOffset'] = ("ConcatV2's gradient in TF-written graphs (sluice's own splits by sizes): checked against TF "
                          'in tests/ops/test_tensor_list_import.py')
