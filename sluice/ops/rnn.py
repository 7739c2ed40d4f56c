"""tf.nn.dynamic_rnn, bidirectional_dynamic_rnn, static_rnn, static_bidirectional_rnn (TF 1.15's rnn.py).

dynamic_rnn runs the cell in a while_loop over time, as TF does: the inputs (time major) are
unstacked into a TensorArray read at each step, the outputs written into one, stacked after the
loop; the loop's gradient (ops/loop_grad.py) sums the weights' gradients over the steps. With
`sequence_length`, a batch entry past its length gets zero output and keeps its state (a select
per step), and the loop stops after the longest sequence. Variables live under `scope` ('rnn' by
default, 'bidirectional_rnn/fw' and '/bw' for the bidirectional one), so their names are TF's.
static_rnn unrolls the cell over a Python list of inputs, reusing the variables after step 0.
The initial state is the cell's get_initial_state when it has one, else its zero_state (TF 1.15's
order). A Keras cell (tf.keras.layers.LSTMCell...: no zero_state) takes and returns its state as a
list even when it is one tensor, so a single state is wrapped for the call and unwrapped after it.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.ops import array_ops, constant_op, control_flow_ops, graph_ops, math_ops, reduction_ops
from sluice.ops import variable_scope as vs
from sluice.ops.filling_ops import range as _range, zeros
from sluice.ops.indexing_ops import reverse, where_v2
from sluice.ops.manip_ops import reverse_sequence
from sluice.ops.tensor_array_ops import TensorArray

__all__ = ['dynamic_rnn', 'bidirectional_dynamic_rnn', 'static_rnn', 'static_bidirectional_rnn']

_flatten = control_flow_ops._flatten
_pack = control_flow_ops._pack


def _transpose_batch_time(x):
    shape = x.shape
    if shape.ndims is not None and shape.ndims < 2:
        raise ValueError('Expected input tensor %s to have rank at least 2, but saw shape: %s' % (x, shape))
    rank = array_ops.rank(x)
    perm = array_ops.concat([[1, 0], _range(2, rank)], 0)
    out = array_ops.transpose(x, perm)
    if shape.ndims is not None:
        dims = shape.as_list()
        out.set_shape([dims[1], dims[0]] + dims[2:])
    return out


def _size_dims(size):
    return [size] if isinstance(size, int) else tensor_shape.as_shape(size).as_list()


def _batch_size(flat_input):
    """The batch size (dimension 1 of the time-major inputs): static when known, else a tensor."""
    for x in flat_input:
        shape = x.shape
        if shape.ndims is None:
            continue
        if shape.ndims < 2:
            raise ValueError('Expected input tensor %s to have rank at least 2' % x)
        if shape[1].value is not None:
            return shape[1].value
    return array_ops.shape(flat_input[0])[1]


def _initial_state(cell, batch_size, dtype):
    if getattr(cell, 'get_initial_state', None) is not None:
        return cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
    return cell.zero_state(batch_size, dtype)


def _is_keras_rnn_cell(cell):
    # TF's test: a Layer that is no RNNCell and has no zero_state (the TF cell interface's method)
    from sluice.ops.rnn_cell_impl import RNNCell
    return not isinstance(cell, RNNCell) and getattr(cell, 'zero_state', None) is None and \
        hasattr(cell, 'get_initial_state')


def _call_cell(cell, input_t, state, is_keras_cell):
    """cell(input_t, state); a Keras cell's one-tensor state goes in and comes out as a one-element list."""
    if is_keras_cell and not isinstance(state, (tuple, list, dict)):
        state = [state]
    output, new_state = cell(input_t, state)
    if is_keras_cell and len(new_state) == 1:
        new_state = new_state[0]
    return output, new_state


def _state_dtype(dtype, state):
    if dtype is not None:
        return dtype
    flat = _flatten(state)
    if not flat:
        raise ValueError('Unable to infer dtype from empty state.')
    kinds = {s.dtype.base_dtype for s in flat}
    if len(kinds) != 1:
        raise ValueError('State has tensors of different inferred_dtypes. Unable to infer a single representative '
                         'dtype.')
    return flat[0].dtype.base_dtype


def _select(done, if_done, otherwise):
    """Per batch entry: `if_done` where `done` (a [batch] bool vector), else `otherwise`."""
    rank = otherwise.shape.ndims or 2
    cond = array_ops.reshape(done, array_ops.concat([array_ops.shape(done), [1] * (rank - 1)], 0))
    out = where_v2(cond, if_done, otherwise)
    out.set_shape(otherwise.shape)
    return out


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """(outputs [batch, time, output_size] (time major: [time, batch, ...]), final state) of `cell` run
    over the inputs' time dimension in a while_loop."""
    if not callable(cell) or not hasattr(cell, 'state_size'):
        raise TypeError("The argument 'cell' (%s) is not an RNNCell: 'output_size' property is missing, "
                        "'state_size' property is missing, either 'zero_state' or 'get_initial_state' method is "
                        'required, is not callable.' % cell)
    with vs.variable_scope(scope or 'rnn'):
        flat_input = [_graph.convert_to_tensor(x) for x in _flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError('sequence_length must be a vector of length batch_size, but saw shape: %s'
                                 % sequence_length.shape)
            sequence_length = graph_ops.identity(sequence_length, name='sequence_length')
        batch_size = _batch_size(flat_input)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError('If there is no initial_state, you must give a dtype.')
            state = _initial_state(cell, batch_size, dtype)
        outputs, final_state = _dynamic_rnn_loop(cell, inputs, flat_input, state, parallel_iterations, swap_memory,
                                                 sequence_length, dtype, batch_size)
        if not time_major:
            outputs = _pack(cell.output_size, [_transpose_batch_time(o) for o in _flatten(outputs)]) \
                if isinstance(cell.output_size, (tuple, list)) else _transpose_batch_time(outputs)
        return outputs, final_state


def _dynamic_rnn_loop(cell, inputs, flat_input, state, parallel_iterations, swap_memory, sequence_length, dtype,
                      batch_size):
    shapes = []
    for x in flat_input:
        shape = x.shape.with_rank_at_least(3)
        if not shape[2:].is_fully_defined():
            raise ValueError('Input size (depth of inputs) must be accessible via shape inference, but saw value None.')
        shapes.append(shape)
    const_time, const_batch = shapes[0].as_list()[:2]
    for shape in shapes[1:]:
        if shape[0].value != const_time:
            raise ValueError('Time steps is not the same for all the elements in the input in a batch.')
        if shape[1].value != const_batch:
            raise ValueError('Batch_size is not the same for all the elements in the input.')
    time_steps = array_ops.shape(flat_input[0])[0]
    out_dtype = _state_dtype(dtype, state)
    flat_output_size = _flatten(cell.output_size) if isinstance(cell.output_size, (tuple, list)) \
        else [cell.output_size]
    if sequence_length is not None:
        zero_output = [zeros(array_ops.stack([batch_size] + _size_dims(s)), dtype=out_dtype)
                       for s in flat_output_size]
        loop_bound = math_ops.minimum(time_steps, math_ops.maximum(1, reduction_ops.reduce_max(sequence_length)))
    else:
        loop_bound = time_steps
    time = constant_op.constant(0, dtype=dtypes.int32, name='time')
    with _graph.name_scope('dynamic_rnn') as base_name:
        pass
    output_ta = tuple(TensorArray(out_dtype, size=time_steps, element_shape=tensor_shape.TensorShape(
        [const_batch]).concatenate(_size_dims(s)), tensor_array_name=base_name + 'output_%d' % i)
        for i, s in enumerate(flat_output_size))
    input_ta = tuple(TensorArray(x.dtype, size=time_steps, element_shape=x.shape[1:],
                                 tensor_array_name=base_name + 'input_%d' % i).unstack(x)
                     for i, x in enumerate(flat_input))

    is_keras_cell = _is_keras_rnn_cell(cell)

    def step(t, output_ta_t, state):
        input_t = []
        for ta, shape in zip(input_ta, shapes):
            x = ta.read(t)
            x.set_shape(shape[1:])
            input_t.append(x)
        input_t = _pack(inputs, input_t) if isinstance(inputs, (tuple, list, dict)) else input_t[0]
        output, new_state = _call_cell(cell, input_t, state, is_keras_cell)
        flat_out = _flatten(output)
        if sequence_length is not None:
            done = math_ops.greater_equal(t, sequence_length)
            flat_out = [_select(done, z, o) for z, o in zip(zero_output, flat_out)]
            flat_new, flat_old = _flatten(new_state), _flatten(state)
            new_state = _pack(new_state, [_select(done, old, new) for old, new in zip(flat_old, flat_new)])
        output_ta_t = tuple(ta.write(t, o) for ta, o in zip(output_ta_t, flat_out))
        return t + 1, output_ta_t, new_state

    _, final_ta, final_state = control_flow_ops.while_loop(
        lambda t, *_: t < loop_bound, step, (time, output_ta, state), parallel_iterations=parallel_iterations,
        maximum_iterations=time_steps, swap_memory=swap_memory)
    outputs = []
    for ta, size in zip(final_ta, flat_output_size):
        out = ta.stack()
        out.set_shape(tensor_shape.TensorShape([const_time, const_batch]).concatenate(_size_dims(size)))
        outputs.append(out)
    if isinstance(cell.output_size, (tuple, list)):
        return _pack(cell.output_size, outputs), final_state
    return outputs[0], final_state


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """((output_fw, output_bw), (state_fw, state_bw)): cell_fw over the inputs, cell_bw over them reversed
    (per sequence length), its outputs reversed back."""
    with vs.variable_scope(scope or 'bidirectional_rnn'):
        with vs.variable_scope('fw') as fw_scope:
            output_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                                              parallel_iterations, swap_memory, time_major, scope=fw_scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)

        def flip(x):
            if sequence_length is not None:
                return reverse_sequence(x, seq_lengths=sequence_length, seq_axis=time_axis, batch_axis=batch_axis)
            return reverse(x, axis=[time_axis])

        with vs.variable_scope('bw') as bw_scope:
            reversed_inputs = _pack(inputs, [flip(x) for x in _flatten(inputs)]) \
                if isinstance(inputs, (tuple, list, dict)) else flip(inputs)
            tmp, state_bw = dynamic_rnn(cell_bw, reversed_inputs, sequence_length, initial_state_bw, dtype,
                                        parallel_iterations, swap_memory, time_major, scope=bw_scope)
        output_bw = _pack(tmp, [flip(x) for x in _flatten(tmp)]) if isinstance(tmp, (tuple, list)) else flip(tmp)
        return (output_fw, output_bw), (state_fw, state_bw)


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """(outputs (a list, one per input), final state): the cell unrolled over a list of [batch, depth] inputs."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError('inputs must be a sequence')
    if not inputs:
        raise ValueError('inputs must not be empty')
    outputs = []
    with vs.variable_scope(scope or 'rnn') as varscope:
        first = _graph.convert_to_tensor(_flatten(inputs[0])[0])
        # Rank 1 is allowed for ids an EmbeddingWrapper embeds (TF's exception); else [batch, depth, ...].
        if first.shape.ndims is not None and first.shape.ndims != 1:
            first.shape.with_rank_at_least(2)
        batch_size = first.shape[0].value if first.shape.ndims else None
        if batch_size is None:
            batch_size = array_ops.shape(first)[0]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError('If no initial_state is provided, dtype must be specified')
            state = _initial_state(cell, batch_size, dtype)
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            sequence_length = graph_ops.identity(sequence_length, name='sequence_length')
            out_dtype = _state_dtype(dtype, state)
            zero_output = zeros(array_ops.stack([batch_size] + _size_dims(cell.output_size)), dtype=out_dtype)
        is_keras_cell = _is_keras_rnn_cell(cell)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = _call_cell(cell, input_, state, is_keras_cell)
            if sequence_length is not None:
                done = math_ops.greater_equal(time, sequence_length)
                output = _select(done, zero_output, output)
                new_state = _pack(new_state, [_select(done, old, new) for old, new in
                                              zip(_flatten(state), _flatten(new_state))])
            state = new_state
            outputs.append(output)
        return outputs, state


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """(outputs (fw and bw outputs concatenated per step), state_fw, state_bw)."""
    if not inputs:
        raise ValueError('inputs must not be empty')
    with vs.variable_scope(scope or 'bidirectional_rnn'):
        with vs.variable_scope('fw') as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length,
                                             scope=fw_scope)
        with vs.variable_scope('bw') as bw_scope:
            if sequence_length is None:
                reversed_inputs = list(reversed(inputs))
            else:
                stacked = array_ops.stack(inputs)
                reversed_inputs = array_ops.unstack(reverse_sequence(stacked, sequence_length, 0, 1))
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length,
                                       scope=bw_scope)
    if sequence_length is None:
        output_bw = list(reversed(tmp))
    else:
        output_bw = array_ops.unstack(reverse_sequence(array_ops.stack(tmp), sequence_length, 0, 1))
    outputs = [array_ops.concat([fw, bw], 1) for fw, bw in zip(output_fw, output_bw)]
    return outputs, state_fw, state_bw
