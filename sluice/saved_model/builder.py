"""tf.saved_model.builder.SavedModelBuilder: writes a SavedModel directory as TF 1.x does.

    export_dir/saved_model.pb          a SavedModel proto: one MetaGraphDef per tag set
    export_dir/variables/variables.*   the checkpoint of every saveable (a sharded V2 Saver)
    export_dir/assets/                 copies of the asset files the graph names

The first MetaGraphDef comes with the variables (`add_meta_graph_and_variables`), the others share
them (`add_meta_graph`). The main op (run by loaders after the restore) and the asset files are
kept in the graph's collections `saved_model_main_op` and `saved_model_assets`, where TF 1.x keeps
them, so TF's loader (and TF Serving) find them.
"""
import os
import shutil

from sluice.engine import dtypes
from sluice.engine.graph import Operation, Tensor, get_default_graph
from sluice.engine.log import logger
from sluice.io.protos import Any, AssetFileDef, DataType, SavedModel
from sluice.io.saver import Saver
from sluice.saved_model import constants
from sluice.saved_model import tensor_info as utils


class SavedModelBuilder:
    """Builds a SavedModel in `export_dir` (which must be absent or empty)."""

    def __init__(self, export_dir):
        self._export_dir = os.fsdecode(export_dir)
        if os.path.exists(self._export_dir):
            if os.listdir(self._export_dir):
                raise AssertionError("Export directory already exists, and isn't empty. Please choose a different "
                                     'export directory, or delete all the contents of the specified directory: %s'
                                     % self._export_dir)
        else:
            os.makedirs(self._export_dir)
        self._saved_model = SavedModel(saved_model_schema_version=constants.SAVED_MODEL_SCHEMA_VERSION)
        self._has_saved_variables = False

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None, assets_collection=None,
                                     legacy_init_op=None, clear_devices=False, main_op=None,
                                     strip_default_attrs=False, saver=None):
        """Saves the variables of `sess` and adds the default graph as the MetaGraphDef for `tags`."""
        if self._has_saved_variables:
            raise AssertionError('Graph state including variables and assets has already been saved. Please '
                                 'invoke `add_meta_graph()` instead.')
        signature_def_map = signature_def_map or {}
        _validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection, main_op or legacy_init_op)
        os.makedirs(utils.get_variables_dir(self._export_dir), exist_ok=True)
        saver = saver or Saver(sharded=True, allow_empty=True)
        saver.save(sess, utils.get_variables_path(self._export_dir), write_meta_graph=False, write_state=False)
        self._add(saver, tags, signature_def_map, clear_devices, strip_default_attrs)
        self._has_saved_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None, legacy_init_op=None,
                       clear_devices=False, main_op=None, strip_default_attrs=False, saver=None):
        """Adds the default graph as the MetaGraphDef for `tags`, sharing the variables saved before."""
        if not self._has_saved_variables:
            raise AssertionError('Graph state including variables and assets has not been saved yet. Please '
                                 'invoke `add_meta_graph_and_variables()` first.')
        signature_def_map = signature_def_map or {}
        _validate_signature_def_map(signature_def_map)
        self._add_collections(assets_collection, main_op or legacy_init_op)
        self._add(saver or Saver(sharded=True, allow_empty=True), tags, signature_def_map, clear_devices,
                  strip_default_attrs)

    def save(self, as_text=False):
        """Writes saved_model.pb (or .pbtxt); returns its path."""
        os.makedirs(self._export_dir, exist_ok=True)
        if as_text:
            from google.protobuf import text_format
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
            data = text_format.MessageToString(self._saved_model).encode()
        else:
            path = os.path.join(self._export_dir, constants.SAVED_MODEL_FILENAME_PB)
            data = self._saved_model.SerializeToString()
        with open(path, 'wb') as f:
            f.write(data)
        logger.info('SavedModel written to: %s', path)
        return path

    def _add(self, saver, tags, signature_def_map, clear_devices, strip_default_attrs):
        meta = saver.export_meta_graph(clear_devices=clear_devices, strip_default_attrs=strip_default_attrs)
        meta.meta_info_def.tags.extend(tags)
        for key, signature in signature_def_map.items():
            meta.signature_def[key].CopyFrom(signature)
        self._saved_model.meta_graphs.add().CopyFrom(meta)

    def _add_collections(self, assets_collection, main_op):
        self._copy_assets(assets_collection)
        if main_op is not None:
            if not isinstance(main_op, Operation):
                raise TypeError('main_op needs to be an Operation: %r' % main_op)
            graph = get_default_graph()
            for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
                if graph.get_collection(key):
                    raise ValueError('Graph already contains one or more main ops under the collection {}.'
                                     .format(key))
            graph.add_to_collection(constants.MAIN_OP_KEY, main_op)

    def _copy_assets(self, assets_collection):
        """Copies each asset file (a scalar string Const naming a path) into assets/ and records it."""
        if not assets_collection:
            logger.info('No assets to save.')
            return
        names = {}  # file name in assets/ -> source path
        for tensor in assets_collection:
            source = _asset_path(tensor)
            name = os.path.basename(source)
            while name in names and names[name] != source:
                name += '_1'  # a different file of the same name
            names[name] = source
            asset = AssetFileDef(filename=name)
            asset.tensor_info.name = tensor.name
            packed = Any()
            packed.Pack(asset)
            get_default_graph().add_to_collection(constants.ASSETS_KEY, packed)
        target = utils.get_assets_dir(self._export_dir)
        os.makedirs(target, exist_ok=True)
        for name, source in names.items():
            if not os.path.exists(os.path.join(target, name)):
                shutil.copyfile(source, os.path.join(target, name))
        logger.info('Assets written to: %s', target)


Builder = SavedModelBuilder


def _asset_path(tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError('Asset path tensor must be a Tensor.')
    if tensor.op.type != 'Const':
        raise TypeError('Asset path tensor must be of type constant.')
    if tensor.dtype != dtypes.string:
        raise TypeError('Asset path tensor must be of dtype string.')
    value = tensor.op.get_attr('value')
    if value.size != 1:
        raise TypeError('Asset path tensor must be a scalar.')
    path = value.reshape(-1)[0]
    return os.fsdecode(path)


def _validate_signature_def_map(signature_def_map):
    invalid = DataType.Value('DT_INVALID')
    for signature in signature_def_map.values():
        for info in list(signature.inputs.values()) + list(signature.outputs.values()):
            if info.WhichOneof('encoding') is None:
                raise AssertionError("All TensorInfo protos used in the SignatureDefs must have one of the "
                                     "'encoding' fields (e.g., name or coo_sparse) set: %s" % info)
            if info.dtype == invalid:
                raise AssertionError('All TensorInfo protos used in the SignatureDefs must have the dtype field '
                                     'set: %s' % info)
    reserved = ((constants.INIT_OP_SIGNATURE_KEY, 'initialization'), (constants.TRAIN_OP_SIGNATURE_KEY, 'the train op'))
    for key, what in reserved:
        if key in signature_def_map:
            raise KeyError('SignatureDef map key "{}" is reserved for {}. Please use a different key.'
                           .format(key, what))
