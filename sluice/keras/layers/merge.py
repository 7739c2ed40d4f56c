"""tf.keras.layers merge layers (TF 1.15, graph mode): Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their function forms (add, subtract, ..., dot).

Elementwise merges take a list of at least 2 tensors (Subtract: exactly 2) whose shapes broadcast; inputs
of lower rank get unit axes after the batch axis first. Their output mask is the AND of the inputs' masks.
Concatenate joins along `axis` (shapes must match elsewhere); an input without a mask counts as all-True.
Dot is K.batch_dot over `axes` (per sample), optionally on L2-normalized inputs (cosine proximity).
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras.engine.base_layer import Layer
from sluice.keras.layers.core import merge_config
from sluice.ops import array_ops, filling_ops, math_ops, nn_normalization, reduction_ops


def _as_tuple(shape):
    if shape is None:
        return None
    shape = TensorShape(shape)
    return None if shape.ndims is None else tuple(shape.as_list())


def _shape_tuples(input_shape):
    if not isinstance(input_shape, (list, tuple)) or (input_shape and not isinstance(
            input_shape[0], (TensorShape, list, tuple, type(None)))):
        return input_shape
    return [_as_tuple(s) for s in input_shape]


class _Merge(Layer):
    """Elementwise merge of a list of tensors."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        if None in (shape1, shape2):
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return shape1
        output_shape = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1 or i == j:
                output_shape.append(i)
            else:
                raise ValueError('Operands could not be broadcast together with shapes ' + str(shape1) + ' ' +
                                 str(shape2))
        return tuple(output_shape)

    def build(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        if not isinstance(input_shape, list) or not isinstance(input_shape[0], (tuple, type(None))):
            raise ValueError('A merge layer should be called on a list of inputs.')
        if len(input_shape) < 2:
            raise ValueError('A merge layer should be called on a list of at least 2 inputs. Got ' +
                             str(len(input_shape)) + ' inputs.')
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError('Can not merge tensors with different batch sizes. Got tensors with shapes : ' +
                             str(input_shape))
        self.compute_output_shape(input_shape)
        ranks = [None if s is None else len(s) for s in input_shape]
        self._reshape_required = None in ranks or len(set(ranks)) != 1
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError('A merge layer should be called on a list of inputs.')
        if not self._reshape_required:
            return self._merge_function(inputs)
        ranks = [x.shape.ndims for x in inputs]
        if None in ranks:
            raise NotImplementedError('sluice does not implement merging inputs of unknown rank yet (layer %s)'
                                      % self.name)
        reshaped = []
        for x in inputs:
            for _ in range(max(ranks) - x.shape.ndims):
                x = array_ops.expand_dims(x, axis=1)
            reshaped.append(x)
        return self._merge_function(reshaped)

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        output_shape = None if input_shape[0] is None else input_shape[0][1:]
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(output_shape,
                                                                  None if shape is None else shape[1:])
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = list(batch_sizes)[0] if len(batch_sizes) == 1 else None
        return None if output_shape is None else TensorShape((batch,) + tuple(output_shape))

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError('`mask` should be a list.')
        if len(mask) != len(inputs):
            raise ValueError('The lists `inputs` and `mask` should have the same length.')
        if all(m is None for m in mask):
            return None
        masks = [array_ops.expand_dims(m, axis=0) for m in mask if m is not None]
        return reduction_ops.reduce_all(array_ops.concat(masks, axis=0), axis=0, keepdims=False)


class Add(_Merge):
    """The elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """inputs[0] - inputs[1]."""

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError('A `Subtract` layer should be called on exactly 2 inputs')
        super().build(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError('A `Subtract` layer should be called on exactly 2 inputs')
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """The elementwise mean of the inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = math_ops.maximum(output, x)
        return output


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = math_ops.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Joins the inputs along `axis`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._reshape_required = False

    def build(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError('A `Concatenate` layer should be called on a list of at least 2 inputs')
        if all(shape is None for shape in input_shape):
            return
        reduced = set()
        for shape in input_shape:
            rest = list(shape)
            del rest[self.axis]
            reduced.add(tuple(rest))
        if len(reduced) > 1:
            raise ValueError('A `Concatenate` layer requires inputs with matching shapes except for the concat '
                             'axis. Got inputs shapes: %s' % (input_shape,))
        self.built = True

    def _merge_function(self, inputs):
        return array_ops.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        if not isinstance(input_shape, list):
            raise ValueError('A `Concatenate` layer should be called on a list of inputs.')
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return TensorShape(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError('`mask` should be a list.')
        if not isinstance(inputs, (list, tuple)):
            raise ValueError('`inputs` should be a list.')
        if len(mask) != len(inputs):
            raise ValueError('The lists `inputs` and `mask` should have the same length.')
        if all(m is None for m in mask):
            return None
        masks = []
        for input_i, mask_i in zip(inputs, mask):
            if mask_i is None:
                masks.append(filling_ops.ones_like(input_i, dtype='bool'))
            elif mask_i.shape.ndims < input_i.shape.ndims:
                masks.append(array_ops.expand_dims(mask_i, axis=-1))
            else:
                masks.append(mask_i)
        return reduction_ops.reduce_all(array_ops.concat(masks, axis=self.axis), axis=-1, keepdims=False)

    def get_config(self):
        return merge_config(super().get_config(), {'axis': self.axis})


def batch_dot(x, y, axes=None):
    """Per-sample dot product of x and y over axes (K.batch_dot): a (batch, ...) tensor, at least 2-D."""
    x_ndim, y_ndim = x.shape.ndims, y.shape.ndims
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError('Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes ' +
                         str(x.shape) + ' and ' + str(y.shape) + '.')
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 2]
    diff = abs(x_ndim - y_ndim)
    if x_ndim > y_ndim:
        y = array_ops.reshape(y, array_ops.concat([array_ops.shape(y), [1] * diff], axis=0))
    elif y_ndim > x_ndim:
        x = array_ops.reshape(x, array_ops.concat([array_ops.shape(x), [1] * diff], axis=0))
    ndim = max(x_ndim, y_ndim)
    if ndim == 2:
        if axes[0] == axes[1]:
            out = reduction_ops.reduce_sum(x * y, axes[0])
        else:
            out = reduction_ops.reduce_sum(array_ops.transpose(x, [1, 0]) * y, axes[1])
    else:
        out = math_ops.matmul(x, y, adjoint_a=axes[0] != ndim - 1, adjoint_b=axes[1] == ndim - 1)
    if diff:
        start = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        out = array_ops.squeeze(out, list(range(start, start + diff)))
    if out.shape.ndims == 1:
        out = array_ops.expand_dims(out, 1)
    return out


class Dot(_Merge):
    """The per-sample dot product of two tensors over `axes`."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError('Invalid type for `axes` - should be a list or an int.')
            if len(axes) != 2:
                raise ValueError('Invalid format for `axes` - should contain two elements.')
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError('Invalid format for `axes` - list elements should be "int".')
        self.axes = axes
        self.normalize = normalize
        self._reshape_required = False

    def _axes_for(self, ranks):
        if isinstance(self.axes, int):
            return [self.axes % r for r in ranks] if self.axes < 0 else [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, ranks)]

    def build(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError('A `Dot` layer should be called on a list of 2 inputs.')
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            return
        axes = self._axes_for([len(shape1), len(shape2)])
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError('Dimension incompatibility %s != %s. ' % (shape1[axes[0]], shape2[axes[1]]) +
                             'Layer shapes: %s, %s' % (shape1, shape2))
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError('A `Dot` layer should be called on exactly 2 inputs')
        x1, x2 = inputs
        axes = self._axes_for([x1.shape.ndims, x2.shape.ndims])
        if self.normalize:
            x1 = nn_normalization.l2_normalize(x1, axis=axes[0])
            x2 = nn_normalization.l2_normalize(x2, axis=axes[1])
        return batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuples(input_shape)
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError('A `Dot` layer should be called on a list of 2 inputs.')
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for([len(shape1), len(shape2)])
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return TensorShape(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return merge_config(super().get_config(), {'axes': self.axes, 'normalize': self.normalize})


def add(inputs, **kwargs):
    """The function form of Add."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """The function form of Subtract."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """The function form of Multiply."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """The function form of Average."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """The function form of Maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """The function form of Minimum."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """The function form of Concatenate."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """The function form of Dot."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
