"""tf.saved_model.utils (published under that name): TensorInfo protos for tensors and back, and
the paths of the directory layout."""
import os

from sluice.engine import dtypes
from sluice.engine.graph import Tensor, get_default_graph
from sluice.io import tensor_proto
from sluice.io.meta_graph import prepend_name_scope
from sluice.io.protos import TensorInfo
from sluice.ops.sparse_tensor import SparseTensor
from sluice.saved_model import constants


def build_tensor_info(tensor):
    """The TensorInfo (name or COO-sparse names, dtype, static shape) of a Tensor or SparseTensor."""
    info = TensorInfo(dtype=dtypes.as_dtype(tensor.dtype).as_datatype_enum,
                      tensor_shape=tensor_proto.shape_to_proto(tensor.get_shape()))
    if isinstance(tensor, SparseTensor):
        info.coo_sparse.values_tensor_name = tensor.values.name
        info.coo_sparse.indices_tensor_name = tensor.indices.name
        info.coo_sparse.dense_shape_tensor_name = tensor.dense_shape.name
    elif isinstance(tensor, Tensor):
        info.name = tensor.name
    else:
        raise TypeError('build_tensor_info expects a Tensor or SparseTensor, got %r' % (tensor,))
    return info


def build_tensor_info_from_op(op):
    """An op's TensorInfo as TF writes it for init/train-op signatures: the name, DT_INVALID, unknown shape."""
    info = TensorInfo(name=op.name)
    info.tensor_shape.unknown_rank = True
    return info


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The Tensor (or SparseTensor) a TensorInfo names in `graph`."""
    graph = graph or get_default_graph()

    def tensor(name):
        return graph.get_tensor_by_name(prepend_name_scope(name, import_scope))
    encoding = tensor_info.WhichOneof('encoding')
    if encoding == 'name':
        return tensor(tensor_info.name)
    if encoding == 'coo_sparse':
        sparse = tensor_info.coo_sparse
        return SparseTensor(tensor(sparse.indices_tensor_name), tensor(sparse.values_tensor_name),
                            tensor(sparse.dense_shape_tensor_name))
    raise ValueError('Invalid TensorInfo.encoding: %s' % encoding)


def get_element_from_tensor_info(tensor_info, graph=None, import_scope=None):
    graph = graph or get_default_graph()
    return graph.as_graph_element(prepend_name_scope(tensor_info.name, import_scope))


def get_variables_dir(export_dir):
    return os.path.join(os.fsdecode(export_dir), constants.VARIABLES_DIRECTORY)


def get_variables_path(export_dir):
    return os.path.join(get_variables_dir(export_dir), constants.VARIABLES_FILENAME)


def get_assets_dir(export_dir):
    return os.path.join(os.fsdecode(export_dir), constants.ASSETS_DIRECTORY)
