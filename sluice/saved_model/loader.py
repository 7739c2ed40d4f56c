"""tf.saved_model.loader: loads a SavedModel's MetaGraphDef for a tag set into a session.

load = import the MetaGraphDef into the session's graph, restore variables/variables with its
Saver, then run the init op (the `__saved_model_init_op` signature, else the `saved_model_main_op`
or `legacy_init_op` collection) with the asset tensors fed their paths under assets/.
"""
import os

from google.protobuf import message, text_format

from sluice.engine.log import logger
from sluice.io.meta_graph import import_meta_graph
from sluice.io.protos import AssetFileDef, SavedModel
from sluice.ops.variables import global_variables
from sluice.saved_model import constants, signature_def_utils
from sluice.saved_model import tensor_info as utils


def parse_saved_model(export_dir):
    """The SavedModel proto of export_dir (saved_model.pb, else saved_model.pbtxt); IOError otherwise."""
    export_dir = os.fsdecode(export_dir)
    pb = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PB)
    pbtxt = os.path.join(export_dir, constants.SAVED_MODEL_FILENAME_PBTXT)
    saved_model = SavedModel()
    if os.path.exists(pb):
        try:
            with open(pb, 'rb') as f:
                saved_model.ParseFromString(f.read())
        except message.DecodeError as e:
            raise IOError('Cannot parse file %s: %s.' % (pb, e)) from None
        return saved_model
    if os.path.exists(pbtxt):
        try:
            with open(pbtxt, 'rb') as f:
                text_format.Merge(f.read().decode('utf-8'), saved_model)
        except text_format.ParseError as e:
            raise IOError('Cannot parse file %s: %s.' % (pbtxt, e)) from None
        return saved_model
    raise IOError('SavedModel file does not exist at: %s/{%s|%s}'
                  % (export_dir, constants.SAVED_MODEL_FILENAME_PBTXT, constants.SAVED_MODEL_FILENAME_PB))


def maybe_saved_model_directory(export_dir):
    export_dir = os.fsdecode(export_dir)
    return any(os.path.exists(os.path.join(export_dir, name))
               for name in (constants.SAVED_MODEL_FILENAME_PB, constants.SAVED_MODEL_FILENAME_PBTXT))


contains_saved_model = maybe_saved_model_directory


def get_asset_tensors(export_dir, meta_graph_def, import_scope=None):
    """{asset tensor name: its file's path under assets/}."""
    assets = list(meta_graph_def.asset_file_def)
    if not assets and constants.ASSETS_KEY in meta_graph_def.collection_def:
        for packed in meta_graph_def.collection_def[constants.ASSETS_KEY].any_list.value:
            asset = AssetFileDef()
            packed.Unpack(asset)
            assets.append(asset)
    directory = utils.get_assets_dir(export_dir)
    return {('%s/%s' % (import_scope, a.tensor_info.name) if import_scope else a.tensor_info.name):
            os.path.join(directory, a.filename) for a in assets}


class SavedModelLoader:
    """Loads the MetaGraphDefs of one SavedModel directory."""

    def __init__(self, export_dir):
        self._export_dir = os.fsdecode(export_dir)
        self._variables_path = utils.get_variables_path(self._export_dir)
        self._saved_model = parse_saved_model(self._export_dir)

    export_dir = property(lambda self: self._export_dir)
    variables_path = property(lambda self: self._variables_path)
    saved_model = property(lambda self: self._saved_model)

    def get_meta_graph_def_from_tags(self, tags):
        available = []
        for meta in self._saved_model.meta_graphs:
            available.append(set(meta.meta_info_def.tags))
            if set(meta.meta_info_def.tags) == set(tags):
                return meta
        raise RuntimeError('MetaGraphDef associated with tags ' + str(tags).strip('[]') + ' could not be found in '
                           'SavedModel. To inspect available tag-sets in the SavedModel, please use the SavedModel '
                           'CLI: `saved_model_cli`\navailable_tags: ' + str(available))

    def load_graph(self, graph, tags, import_scope=None, **saver_kwargs):
        with graph.as_default():
            return import_meta_graph(self.get_meta_graph_def_from_tags(tags), import_scope=import_scope,
                                     **saver_kwargs)

    def restore_variables(self, sess, saver, import_scope=None):
        with sess.graph.as_default():
            if saver is None and not global_variables(scope=import_scope):
                logger.info('The specified SavedModel has no variables; no checkpoints were restored.')
            elif saver is not None:
                saver.restore(sess, self._variables_path)
            else:
                raise ValueError('No tf.train.Saver object was passed to the function '
                                 'SavedModelLoader.restore_variables. Since there are variables in the graph, a '
                                 'saver is required.')

    def run_init_ops(self, sess, tags, import_scope=None):
        meta = self.get_meta_graph_def_from_tags(tags)
        with sess.graph.as_default():
            init_op = _init_op(meta, import_scope)
            if init_op is not None:
                sess.run([init_op], feed_dict=get_asset_tensors(self._export_dir, meta, import_scope))

    def load(self, sess, tags, import_scope=None, **saver_kwargs):
        with sess.graph.as_default():
            saver = self.load_graph(sess.graph, tags, import_scope, **saver_kwargs)
            self.restore_variables(sess, saver, import_scope)
            self.run_init_ops(sess, tags, import_scope)
        return self.get_meta_graph_def_from_tags(tags)


def load(sess, tags, export_dir, import_scope=None, **saver_kwargs):
    """Loads the MetaGraphDef tagged `tags` into sess (graph, variables, init op); returns it."""
    return SavedModelLoader(export_dir).load(sess, tags, import_scope, **saver_kwargs)


def _init_op(meta, import_scope):
    if constants.INIT_OP_SIGNATURE_KEY in meta.signature_def:
        return signature_def_utils.load_op_from_signature_def(
            meta.signature_def[constants.INIT_OP_SIGNATURE_KEY], constants.INIT_OP_SIGNATURE_KEY, import_scope)
    from sluice.engine.graph import get_default_graph
    for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
        if key in meta.collection_def:
            names = meta.collection_def[key].node_list.value
            if len(names) != 1:
                raise RuntimeError('Expected exactly one SavedModel init op. Found: {}'.format(list(names)))
            return get_default_graph().get_collection(key)[0]
    return None
