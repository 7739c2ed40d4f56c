"""Keras's InputSpec (TF 1.15): what a layer accepts (dtype, shape, ndim, max_ndim, min_ndim, and sizes of
given axes), and the check `__call__` runs on its inputs, which raises ValueError with Keras's messages.
"""
from sluice.engine import dtypes


class InputSpec:
    """What a layer accepts: dtype, shape, ndim, max_ndim, min_ndim, and axes ({axis: size})."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = axes or {}

    def __repr__(self):
        return 'InputSpec(%s)' % ', '.join('%s=%s' % (k, v) for k, v in (
            ('dtype', self.dtype), ('shape', self.shape), ('ndim', self.ndim), ('max_ndim', self.max_ndim),
            ('min_ndim', self.min_ndim), ('axes', self.axes)) if v)


def assert_input_compatibility(spec, inputs, layer_name):
    """ValueError, with Keras's messages, when an input breaks the layer's InputSpec."""
    if spec is None:
        return
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    xs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if len(xs) != len(specs):
        raise ValueError('Layer ' + layer_name + ' expects ' + str(len(specs)) + ' inputs, but it received ' +
                         str(len(xs)) + ' input tensors. Inputs received: ' + str(inputs))
    for i, (x, s) in enumerate(zip(xs, specs)):
        if s is None:
            continue
        dims = x.shape._dims
        head = 'Input ' + str(i) + ' of layer ' + layer_name + ' is incompatible with the layer: '
        if s.ndim is not None and (dims is None or len(dims) != s.ndim):
            raise ValueError(head + 'expected ndim=' + str(s.ndim) + ', found ndim=' +
                             str(None if dims is None else len(dims)) + '. Full shape received: ' + str(x.shape))
        if s.max_ndim is not None and dims is not None and len(dims) > s.max_ndim:
            raise ValueError(head + 'expected max_ndim=' + str(s.max_ndim) + ', found ndim=' + str(len(dims)))
        if s.min_ndim is not None and (dims is None or len(dims) < s.min_ndim):
            raise ValueError(head + ': expected min_ndim=' + str(s.min_ndim) + ', found ndim=' +
                             str(None if dims is None else len(dims)) + '. Full shape received: ' + str(x.shape))
        if s.dtype is not None and x.dtype.base_dtype.name != dtypes.as_dtype(s.dtype).name:
            raise ValueError(head + 'expected dtype=' + str(s.dtype) + ', found dtype=' + str(x.dtype))
        if dims is not None:
            for axis, value in s.axes.items():
                if value is not None and dims[int(axis)] not in (value, None):
                    raise ValueError(head + 'expected axis ' + str(axis) + ' of input shape to have value ' +
                                     str(value) + ' but received input with shape ' + str(x.shape))
