"""K.rnn (TF 1.15): iterates a step function over the time axis.

`rnn(step_function, inputs, initial_states, ...)` -> (last_output, outputs, new_states), where
`step_function(input_t, states + constants) -> (output_t, new_states)`.
- Inputs are batch-major (batch, time, ...) unless `time_major`; they are swapped to time-major first and
  the stacked outputs swapped back.
- `unroll=True` (static time length required) builds one step per timestep in Python; otherwise the steps
  run in a `while_loop` whose inputs and outputs are TensorArrays (the step function is traced once more
  outside the loop, at time 0, to learn the outputs' dtypes and shapes, as TF does).
- A mask (batch, time) keeps, at masked steps, the previous states and the previous output (or zeros with
  `zero_output_for_mask`); `go_backwards` reverses the inputs and the mask, and the outputs come in the
  reversed order. As in TF 1.15, the unrolled form zeroes those reversed outputs with the mask in time order.
"""
from sluice.engine import dtypes as _dtypes
from sluice.ops import array_ops, constant_op, control_flow_ops, filling_ops, indexing_ops, math_ops, \
    tensor_array_ops
from sluice.python.util import nest


def _swap_batch_timestep(x):
    axes = list(range(x.shape.ndims))
    axes[0], axes[1] = 1, 0
    return array_ops.transpose(x, axes)


def _expand_mask(mask_t, input_t, fixed_dim=1):
    """A (batch, 1) mask tiled to input_t's shape (the first `fixed_dim` dims kept)."""
    for _ in range(input_t.shape.ndims - mask_t.shape.ndims):
        mask_t = array_ops.expand_dims(mask_t, -1)
    multiples = [1] * fixed_dim + input_t.shape.as_list()[fixed_dim:]
    return array_ops.tile(mask_t, multiples)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None, time_major=False, zero_output_for_mask=False):
    if not time_major:
        inputs = nest.map_structure(_swap_batch_timestep, inputs)
    flat_inputs = nest.flatten(inputs)
    time_steps = flat_inputs[0].shape[0]
    batch = flat_inputs[0].shape[1]
    for input_ in flat_inputs:
        input_.shape.with_rank_at_least(3)
    if mask is not None:
        if mask.dtype != _dtypes.bool:
            mask = math_ops.cast(mask, _dtypes.bool)
        if mask.shape.ndims == 2:
            mask = array_ops.expand_dims(mask, -1)
        if not time_major:
            mask = _swap_batch_timestep(mask)
    constants = list(constants or [])
    run = _unrolled if unroll else _looped
    if unroll and not (time_steps.value if hasattr(time_steps, 'value') else time_steps):
        raise ValueError('Unrolling requires a fixed number of timesteps.')
    last_output, outputs, new_states = run(step_function, inputs, flat_inputs, tuple(initial_states), go_backwards,
                                           mask, constants, input_length, zero_output_for_mask)

    def set_shape(output_):
        if hasattr(output_, 'set_shape'):
            shape = output_.shape.as_list()
            shape[0], shape[1] = _dim(time_steps), _dim(batch)
            output_.set_shape(shape)
        return output_
    outputs = nest.map_structure(set_shape, outputs)
    if not time_major:
        outputs = nest.map_structure(_swap_batch_timestep, outputs)
    return last_output, outputs, new_states


def _dim(d):
    return getattr(d, 'value', d)


def _unrolled(step_function, inputs, flat_inputs, states, go_backwards, mask, constants, input_length,
              zero_output_for_mask):
    steps = _dim(flat_inputs[0].shape[0])
    per_input = [array_ops.unstack(x) for x in flat_inputs]
    if go_backwards:
        per_input = [list(reversed(xs)) for xs in per_input]
    mask_list = None
    if mask is not None:
        mask_list = array_ops.unstack(mask)
        if go_backwards:
            mask_list.reverse()
    outputs = []
    for i in range(steps):
        inp = nest.pack_sequence_as(inputs, [xs[i] for xs in per_input])
        output, new_states = step_function(inp, tuple(states) + tuple(constants))
        if mask_list is not None:
            mask_t = mask_list[i]
            prev_output = outputs[-1] if outputs else filling_ops.zeros_like(output)
            output = indexing_ops.where(_expand_mask(mask_t, output), output, prev_output)
            new_states = [indexing_ops.where(_expand_mask(mask_t, new), new, old)
                          for old, new in zip(states, new_states)]
        states = new_states
        outputs.append(output)
    last_output = outputs[-1]
    stacked = array_ops.stack(outputs)
    if mask_list is not None and zero_output_for_mask:
        last_output = indexing_ops.where(_expand_mask(mask_list[-1], last_output), last_output,
                                         filling_ops.zeros_like(last_output))
        stacked = indexing_ops.where(_expand_mask(mask, stacked, fixed_dim=2), stacked,
                                     filling_ops.zeros_like(stacked))
    return last_output, stacked, states


def _looped(step_function, inputs, flat_inputs, states, go_backwards, mask, constants, input_length,
            zero_output_for_mask):
    time_steps_t = array_ops.shape(flat_inputs[0])[0]
    input_ta = tuple(
        tensor_array_ops.TensorArray(dtype=inp.dtype, size=time_steps_t, tensor_array_name='input_ta_%s' % i)
        for i, inp in enumerate(flat_inputs))
    input_ta = tuple(ta.unstack(indexing_ops.reverse(inp, [0]) if go_backwards else inp)
                     for ta, inp in zip(input_ta, flat_inputs))
    output_time_zero, _ = step_function(nest.pack_sequence_as(inputs, [inp[0] for inp in flat_inputs]),
                                        tuple(states) + tuple(constants))
    flat_zero = nest.flatten(output_time_zero)
    output_ta = tuple(
        tensor_array_ops.TensorArray(dtype=out.dtype, size=time_steps_t, element_shape=out.shape,
                                     tensor_array_name='output_ta_%s' % i)
        for i, out in enumerate(flat_zero))
    time = constant_op.constant(0, dtype='int32', name='time')
    loop_kwargs = dict(cond=lambda time, *_: time < time_steps_t, maximum_iterations=input_length,
                       parallel_iterations=32, swap_memory=True)

    def read_inputs(t):
        return nest.pack_sequence_as(inputs, [ta.read(t) for ta in input_ta])

    def settle_shapes(old_states, new_states):
        for state, new in zip(nest.flatten(old_states), nest.flatten(new_states)):
            if hasattr(new, 'set_shape'):
                new.set_shape(state.shape)

    if mask is not None:
        if not states:
            raise ValueError('No initial states provided! When using masking in an RNN, you should provide '
                             'initial states (and your step function should return as its first state at time '
                             '`t` the output at time `t-1`).')
        if go_backwards:
            mask = indexing_ops.reverse(mask, [0])
        mask_ta = tensor_array_ops.TensorArray(dtype=_dtypes.bool, size=time_steps_t,
                                               tensor_array_name='mask_ta').unstack(mask)
        flat_zero_output = tuple(filling_ops.zeros_like(o) for o in flat_zero)

        def masked_step(t, output_ta_t, prev_output, *step_states):
            mask_t = mask_ta.read(t)
            output, new_states = step_function(read_inputs(t), tuple(step_states) + tuple(constants))
            flat_output = nest.flatten(output)
            fallback = flat_zero_output if zero_output_for_mask else nest.flatten(prev_output)
            flat_new_output = tuple(indexing_ops.where(_expand_mask(mask_t, o), o, f)
                                    for o, f in zip(flat_output, fallback))
            settle_shapes(step_states, new_states)
            flat_state = nest.flatten(step_states)
            kept = tuple(indexing_ops.where(_expand_mask(mask_t, s), new, s)
                         for s, new in zip(flat_state, nest.flatten(new_states)))
            new_states = nest.pack_sequence_as(new_states, kept)
            output_ta_t = tuple(ta.write(t, out) for ta, out in zip(output_ta_t, flat_new_output))
            return (t + 1, output_ta_t, flat_new_output) + tuple(new_states)

        final = control_flow_ops.while_loop(body=masked_step, loop_vars=(time, output_ta, flat_zero_output) + states,
                                            **loop_kwargs)
        new_states = final[3:]
    else:
        def step(t, output_ta_t, *step_states):
            output, new_states = step_function(read_inputs(t), tuple(step_states) + tuple(constants))
            settle_shapes(step_states, new_states)
            output_ta_t = tuple(ta.write(t, out) for ta, out in zip(output_ta_t, nest.flatten(output)))
            new_states = nest.pack_sequence_as(states, nest.flatten(new_states))
            return (t + 1, output_ta_t) + tuple(new_states)

        final = control_flow_ops.while_loop(body=step, loop_vars=(time, output_ta) + states, **loop_kwargs)
        new_states = final[2:]
    outputs = tuple(ta.stack() for ta in final[1])
    last_output = tuple(o[-1] for o in outputs)
    return (nest.pack_sequence_as(output_time_zero, last_output), nest.pack_sequence_as(output_time_zero, outputs),
            new_states)
