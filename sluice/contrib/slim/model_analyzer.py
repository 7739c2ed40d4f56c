"""tf.contrib.slim.model_analyzer: counts the elements (and bytes) of a graph's op outputs or of a list
of variables, optionally printing one line per op or variable as TF 1.15's slim does.

An unknown dimension counts the tensor as size 0, as TF does; a variable's bytes are its elements times
its dtype's size.
"""


def tensor_description(var):
    """'(dtype d0xd1x...)', the compact type-and-shape string slim prints for a tensor or variable."""
    dims = 'x'.join(str(d) for d in var.get_shape())
    return '(%s %s)' % (var.dtype.name, dims)


def analyze_ops(graph, print_info=False):
    """Total element count of every op output in `graph`; prints 'name -> (type shapes) [size]' lines."""
    if print_info:
        print('---------')
        print('Operations: name -> (type shapes) [size]')
        print('---------')
    total_size = 0
    for op in graph.get_operations():
        op_size = 0
        shapes = []
        for output in op.outputs:
            shape = output.get_shape()
            op_size += shape.num_elements() or 0
            if shape:  # TF skips outputs of unknown rank or rank 0 in the printed list
                shapes.append(tensor_description(output))
        if print_info:
            print(op.name, '\t->', ', '.join(shapes), '[' + str(op_size) + ']')
        total_size += op_size
    return total_size


def analyze_vars(variables, print_info=False):
    """(total elements, total bytes) of `variables`; prints one 'name (type shape) [size, bytes]' line each."""
    if print_info:
        print('---------')
        print('Variables: name (type shape) [size]')
        print('---------')
    total_size = total_bytes = 0
    for var in variables:
        size = var.get_shape().num_elements() or 0
        nbytes = size * var.dtype.size
        total_size += size
        total_bytes += nbytes
        if print_info:
            print(var.name, tensor_description(var), '[%d, bytes: %d]' % (size, nbytes))
    if print_info:
        print('Total size of variables: %d' % total_size)
        print('Total bytes of variables: %d' % total_bytes)
    return total_size, total_bytes
