"""MetaGraphDef files: tf.train.export_meta_graph / import_meta_graph (TF1 semantics).

A MetaGraphDef bundles what a program needs to rebuild a graph elsewhere:
  meta_info_def   the OpDefs of the ops used (stripped_op_list, from sluice's op registry), tags
  graph_def       the graph, each node with '_output_shapes'
  saver_def       the Saver's tensor and op names
  collection_def  every collection: lists of node names (ops, tensors, other objects' `.name`),
                  int64 / float / bytes values, or serialized protos for the collections that
                  have proto functions (variables -> VariableDef, savers -> SaverDef,
                  queue_runners -> QueueRunnerDef: `register_proto_function`, as TF's).
Export: collections whose items cannot be serialized are skipped with TF's warning.
export_scope keeps only the nodes under a scope and strips it from every name; inputs from
outside become '$unbound_inputs_<name>' (listed in the 'unbound_inputs' collection) and must
be given back through input_map at import.

Import: the graph_def goes through import_graph_def (import_scope as the prefix, attrs the
producer's OpDefs give defaults for dropped), then the collections are rebuilt in the current
graph: VariableDefs become Variable objects over the imported nodes (one object per variable,
shared by the collections listing it), node lists become ops/tensors, numbers and bytes are
added as they are. import_meta_graph returns a Saver over the imported saver_def, a new Saver
when there is none but there are variables, else None (TF1's rule).
"""
import os
import re

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.engine.log import logger
from sluice.io import graph_def as _graph_def
from sluice.io import dataflow_loops, graph_import
from sluice.io import graph_io
from sluice.io.protos import (Any, GraphDebugInfo, GraphDef, MetaGraphDef, OpList, QueueRunnerDef, SaverDef,
                              SaveSliceInfoDef, VariableDef)

__all__ = ['export_meta_graph', 'import_meta_graph', 'export_scoped_meta_graph', 'import_scoped_meta_graph',
           'import_scoped_meta_graph_with_return_elements', 'create_meta_graph_def', 'read_meta_graph_file',
           'stripped_op_list_for_graph', 'add_collection_def', 'register_proto_function',
           'variable_to_proto', 'variable_from_proto', 'prepend_name_scope', 'strip_name_scope']

UNBOUND_INPUT_PREFIX = '$unbound_inputs_'
SAVE_AND_RESTORE_OPS = ('SaveV2', 'Save', 'SaveSlice', 'LegacySave', 'LegacySaveSlice', 'RestoreV2', 'Restore',
                        'RestoreSlice', 'LegacyRestore', 'LegacyRestoreSlice')
# Collections older TF wrote as node lists (a warning on import, as TF gives).
_COMPAT_COLLECTION_LIST = (GraphKeys.LOCAL_VARIABLES, GraphKeys.MODEL_VARIABLES, GraphKeys.METRIC_VARIABLES)
_VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES,
                         GraphKeys.MODEL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES,
                         GraphKeys.MOVING_AVERAGE_VARIABLES, GraphKeys.CONCATENATED_VARIABLES,
                         GraphKeys.TRAINABLE_RESOURCE_VARIABLES)


# -- names -----------------------------------------------------------------------------------

def prepend_name_scope(name, import_scope):
    """'v:0' -> 'scope/v:0' ('^op' and 'loc:@op' keep their marks), as TF's ops.prepend_name_scope."""
    if not import_scope:
        return name
    scope = import_scope[:-1] if import_scope.endswith('/') else import_scope
    name = name.decode() if isinstance(name, bytes) else name
    return re.sub(r'([\^]|loc:@|^)(.*)', lambda m: m.group(1) + scope + '/' + m.group(2), name, count=1)


def strip_name_scope(name, export_scope):
    """'scope/v:0' -> 'v:0' ('^' and 'loc:@' marks kept), as TF's ops.strip_name_scope."""
    if not export_scope:
        return name
    scope = export_scope[:-1] if export_scope.endswith('/') else export_scope
    name = name.decode() if isinstance(name, bytes) else name
    return re.sub(r'([\^]|loc:@|^)' + re.escape(scope) + r'[\/]+(.*)', r'\1\2', name, count=1)


# -- proto functions per collection --------------------------------------------------------------

class _ProtoFunctions:
    __slots__ = ('proto_type', 'to_proto', 'from_proto')

    def __init__(self, proto_type, to_proto, from_proto):
        self.proto_type, self.to_proto, self.from_proto = proto_type, to_proto, from_proto


_PROTO_FUNCTIONS = {}


def register_proto_function(collection_name, proto_type=None, to_proto=None, from_proto=None):
    """How a collection's items travel in a MetaGraphDef: to_proto(item, export_scope=) -> proto
    (None to leave the item out), from_proto(proto, import_scope=) -> item (TF's ops function)."""
    _PROTO_FUNCTIONS[collection_name] = _ProtoFunctions(proto_type, to_proto, from_proto)


def get_collection_proto_type(key):
    entry = _PROTO_FUNCTIONS.get(key)
    return entry.proto_type if entry else None


def get_to_proto_function(key):
    entry = _PROTO_FUNCTIONS.get(key)
    return entry.to_proto if entry else None


def get_from_proto_function(key):
    entry = _PROTO_FUNCTIONS.get(key)
    return entry.from_proto if entry else None


class SaveSliceInfo:
    """The slice of a partitioned variable a Variable holds (TF's Variable.SaveSliceInfo)."""

    def __init__(self, full_name=None, full_shape=None, var_offset=None, var_shape=None, save_slice_info_def=None,
                 import_scope=None):
        if save_slice_info_def is not None:
            full_name = prepend_name_scope(save_slice_info_def.full_name, import_scope)
            full_shape = list(save_slice_info_def.full_shape)
            var_offset = list(save_slice_info_def.var_offset)
            var_shape = list(save_slice_info_def.var_shape)
        self.full_name, self.full_shape, self.var_offset, self.var_shape = full_name, full_shape, var_offset, var_shape

    @property
    def spec(self):
        full = ' '.join('%d' % d for d in self.full_shape) + ' '
        return full + ':'.join('%d,%d' % (o, s) for o, s in zip(self.var_offset, self.var_shape))

    def to_proto(self, export_scope=None):
        if export_scope is not None and not self.full_name.startswith(export_scope):
            return None
        return SaveSliceInfoDef(full_name=strip_name_scope(self.full_name, export_scope),
                                full_shape=[int(d) for d in self.full_shape],
                                var_offset=[int(d) for d in self.var_offset],
                                var_shape=[int(d) for d in self.var_shape])


def variable_to_proto(variable, export_scope=None):
    """A Variable's VariableDef (names with export_scope stripped), or None if outside the scope."""
    ref = variable._variable
    if export_scope is not None and not ref.name.startswith(export_scope):
        return None
    proto = VariableDef(variable_name=strip_name_scope(ref.name, export_scope), trainable=bool(variable.trainable),
                        initializer_name=strip_name_scope(variable.initializer.name, export_scope),
                        snapshot_name=strip_name_scope(variable._snapshot.name, export_scope),
                        is_resource=ref.dtype.base_dtype == dtypes.resource)
    if variable._initial_value is not None:
        proto.initial_value_name = strip_name_scope(variable._initial_value.name, export_scope)
    info = variable._get_save_slice_info()
    if info is not None:
        slice_proto = info.to_proto(export_scope) if hasattr(info, 'to_proto') else \
            SaveSliceInfo(info.full_name, info.full_shape, info.var_offset, info.var_shape).to_proto(export_scope)
        if slice_proto is not None:
            proto.save_slice_info_def.CopyFrom(slice_proto)
    return proto


def variable_from_proto(variable_def, import_scope=None):
    """A Variable over the nodes a VariableDef names (already in the default graph)."""
    from sluice.ops import resource_variables, variables
    scope = import_scope[:-1] if import_scope and import_scope.endswith('/') else import_scope
    cls = resource_variables.ResourceVariable if variable_def.is_resource else variables.Variable
    variable = cls(variable_def=variable_def, import_scope=scope or None)
    variable._trainable = bool(variable_def.trainable)
    if variable_def.HasField('save_slice_info_def'):
        variable._set_save_slice_info(SaveSliceInfo(save_slice_info_def=variable_def.save_slice_info_def,
                                                    import_scope=scope))
    return variable


def _variable_to_proto(variable, export_scope=None):
    to_proto = getattr(variable, 'to_proto', None)
    return to_proto(export_scope=export_scope) if to_proto is not None else variable_to_proto(variable, export_scope)


def _saver_to_proto(saver, export_scope=None):
    return saver.to_proto(export_scope=export_scope)


def _saver_from_proto(saver_def, import_scope=None):
    from sluice.io import saver
    return saver.Saver.from_proto(saver_def, import_scope=import_scope)


def _item_to_proto(item, export_scope=None):
    return item.to_proto(export_scope=export_scope)


for _key in _VARIABLE_COLLECTIONS + (GraphKeys.GLOBAL_STEP,):
    register_proto_function(_key, VariableDef, _variable_to_proto, variable_from_proto)
register_proto_function(GraphKeys.SAVERS, SaverDef, _saver_to_proto, _saver_from_proto)
# QueueRunner objects serialize themselves; their module registers from_proto when it exists.
register_proto_function(GraphKeys.QUEUE_RUNNERS, QueueRunnerDef, _item_to_proto, None)


# -- export ----------------------------------------------------------------------------------

def stripped_op_list_for_graph(graph_def):
    """An OpList of the OpDefs (sluice's registry, sorted by name) of the ops `graph_def` uses, its
    library's function bodies included (as TF's)."""
    from sluice.engine import op_registry
    used = {node.op for node in graph_def.node}
    for f in graph_def.library.function:
        used.update(node.op for node in f.node_def)
    used = sorted(used)
    ops = []
    for op_type in used:
        try:
            op_def = op_registry.get_op_def(op_type)
        except Exception:  # not an op sluice knows (a function name): left out, as TF leaves functions
            continue
        ops.append(_graph_def.op_def_proto(op_def))
    return OpList(op=ops)


def _kind_name(item):
    if isinstance(item, Any):
        return 'any_list'  # SavedModel's asset files
    if isinstance(item, (str, bytes)):
        return 'bytes_list'
    if isinstance(item, int):
        return 'int64_list'
    if isinstance(item, float):
        return 'float_list'
    return 'node_list'


def _should_include_node(node_or_name, export_scope, exclude_nodes):
    if isinstance(node_or_name, str):
        name = node_or_name
    else:
        try:
            name = node_or_name.name
        except AttributeError:  # an object that is not a node: kept, as TF does
            return True
    if exclude_nodes and (name in exclude_nodes or
                          (not isinstance(node_or_name, str) and _in(node_or_name, exclude_nodes))):
        return False
    return name.startswith(UNBOUND_INPUT_PREFIX) or not export_scope or name.startswith(export_scope)


def _in(item, collection):
    try:
        return item in collection
    except TypeError:
        return False


def add_collection_def(meta_graph_def, key, graph=None, export_scope=None, exclude_nodes=None,
                       override_contents=None):
    """Adds collection `key` of `graph` to meta_graph_def.collection_def (skipped with a warning
    when its items cannot be serialized)."""
    if not isinstance(key, (str, bytes)):
        logger.warning('Only collections with string type keys will be serialized. This key has %s', type(key))
        return
    graph = graph or _graph.get_default_graph()
    items = override_contents if override_contents else graph.get_collection(key)
    items = [x for x in items if _should_include_node(x, export_scope, exclude_nodes)]
    if not items:
        return
    try:
        col_def = meta_graph_def.collection_def[key]
        to_proto = get_to_proto_function(key)
        proto_type = get_collection_proto_type(key)
        if to_proto:
            for x in items:
                proto = to_proto(x, export_scope=export_scope)
                if proto:
                    if proto_type is not None and proto.DESCRIPTOR.full_name != proto_type.DESCRIPTOR.full_name:
                        raise TypeError('%s is not a %s' % (type(proto).__name__, proto_type.DESCRIPTOR.full_name))
                    col_def.bytes_list.value.append(proto.SerializeToString())
        else:
            kind = _kind_name(items[0])
            if kind == 'node_list':
                for x in items:
                    if not export_scope or x.name.startswith(export_scope):
                        col_def.node_list.value.append(strip_name_scope(x.name, export_scope))
            elif kind == 'bytes_list':
                col_def.bytes_list.value.extend(x.encode() if isinstance(x, str) else x for x in items)
            else:
                getattr(col_def, kind).value.extend(items)
    except Exception as e:  # TF's rule: a collection that cannot be serialized is left out
        logger.warning('Issue encountered when serializing %s.\nType is unsupported, or the types of the items '
                       "don't match field type in CollectionDef. Note this is a warning and probably safe to "
                       'ignore.\n%s', key, str(e))
        if key in meta_graph_def.collection_def:
            del meta_graph_def.collection_def[key]


def strip_graph_default_valued_attrs(meta_graph_def):
    """Removes the attrs equal to their OpDef defaults from the graph's nodes."""
    for node in meta_graph_def.graph_def.node:
        _graph_def.strip_default_attrs(node)
    meta_graph_def.meta_info_def.stripped_default_attrs = True


def create_meta_graph_def(meta_info_def=None, graph_def=None, saver_def=None, collection_list=None, graph=None,
                          export_scope=None, exclude_nodes=None, clear_extraneous_savers=False,
                          strip_default_attrs=False):
    """A MetaGraphDef of `graph` (or `graph_def`), with `saver_def` and the collections."""
    if graph is not None and not isinstance(graph, _graph.Graph):
        raise TypeError('graph must be of type Graph. Received type: %s.' % type(graph))
    if meta_info_def and not isinstance(meta_info_def, MetaGraphDef.MetaInfoDef):
        raise TypeError('meta_info_def must be of type MetaInfoDef. Received type: %s.' % type(meta_info_def))
    if graph_def and not isinstance(graph_def, GraphDef):
        raise TypeError('graph_def must be of type GraphDef. Received type: %s.' % type(graph_def))
    if saver_def and not isinstance(saver_def, SaverDef):
        raise TypeError('saver_def must be of type SaverDef. Received type: %s.' % type(saver_def))
    graph = graph or _graph.get_default_graph()
    meta = MetaGraphDef()
    if meta_info_def:
        meta.meta_info_def.MergeFrom(meta_info_def)
    if not graph_def:
        meta.graph_def.MergeFrom(graph.as_graph_def(add_shapes=True))
    else:
        meta.graph_def.MergeFrom(graph_def)
    if not meta.meta_info_def.stripped_op_list.op:
        meta.meta_info_def.stripped_op_list.MergeFrom(stripped_op_list_for_graph(meta.graph_def))
    if strip_default_attrs:
        strip_graph_default_valued_attrs(meta)
    if saver_def:
        meta.saver_def.MergeFrom(saver_def)
    keys = collection_list if collection_list is not None else graph.get_all_collection_keys()
    for key in keys:
        if clear_extraneous_savers and key == GraphKeys.SAVERS:
            override = [_saver_from_proto(saver_def)] if saver_def else None
            if override:
                add_collection_def(meta, key, graph=graph, export_scope=export_scope, exclude_nodes=exclude_nodes,
                                   override_contents=override)
        else:
            add_collection_def(meta, key, graph=graph, export_scope=export_scope, exclude_nodes=exclude_nodes)
    return meta


def _scoped_node_def(node, export_scope, unbound_inputs, clear_devices):
    """A copy of `node` with export_scope stripped; inputs from outside it marked unbound."""
    out = type(node)()
    out.CopyFrom(node)
    for i, name in enumerate(node.input):
        if export_scope and not name.lstrip('^').startswith(export_scope):
            out.input[i] = re.sub(r'([\^]|^)(.*)', lambda m: m.group(1) + UNBOUND_INPUT_PREFIX + m.group(2), name,
                                  count=1)
            unbound_inputs.append(out.input[i])
        else:
            out.input[i] = strip_name_scope(name, export_scope)
    out.name = strip_name_scope(node.name, export_scope)
    if '_class' in node.attr:
        kept = [strip_name_scope(s.decode(), export_scope).encode() for s in node.attr['_class'].list.s
                if not export_scope or s.decode().split('@')[-1].startswith(export_scope)]
        del out.attr['_class'].list.s[:]
        out.attr['_class'].list.s.extend(kept)
    if clear_devices:
        out.device = ''
    return out


def _get_scope(node_name):
    node_name = node_name[1:] if node_name.startswith('^') else node_name
    return node_name.rsplit('/', 1)[0] if '/' in node_name else ''


def _op_name(tensor_name):
    name = tensor_name[1:] if tensor_name.startswith('^') else tensor_name
    return name.split(':')[0]


def _find_extraneous_saver_nodes(graph_def, saver_def):
    """Names of the nodes of Savers other than `saver_def`'s (each Saver lives in its own scope)."""
    nodes = {node.name: node.op for node in graph_def.node}
    retain = set()
    if saver_def is not None:
        retain = {_get_scope(_op_name(saver_def.restore_op_name)) + '/',
                  _get_scope(_op_name(saver_def.save_tensor_name)) + '/'}
    saver_nodes = {name for name, op in nodes.items() if op in SAVE_AND_RESTORE_OPS}
    scopes = {_get_scope(x) for x in saver_nodes} - saver_nodes
    extraneous = {s + '/' for s in scopes} - retain
    return {name for name in nodes if any(name.startswith(s) for s in extraneous)}


def export_scoped_meta_graph(filename=None, graph_def=None, graph=None, export_scope=None, as_text=False,
                             unbound_inputs_col_name='unbound_inputs', clear_devices=False, saver_def=None,
                             clear_extraneous_savers=False, strip_default_attrs=False, save_debug_info=False,
                             **kwargs):
    """(MetaGraphDef, {name: Variable} of the exported scope); written to `filename` when given."""
    graph = graph or _graph.get_default_graph()
    exclude_nodes = None
    unbound_inputs = []
    if export_scope or clear_extraneous_savers or clear_devices:
        if graph_def:
            source = graph_def
            new = GraphDef()
            new.versions.CopyFrom(graph_def.versions)
            new.library.CopyFrom(graph_def.library)
            shapes = {}
        else:
            source = graph.as_graph_def()
            new = GraphDef()
            new.versions.CopyFrom(graph.graph_def_versions)
            shapes = {op._name: [t._shape for t in op._outputs] for op in graph.get_operations()}
        if clear_extraneous_savers:
            exclude_nodes = _find_extraneous_saver_nodes(source, saver_def)
        for node in source.node:
            if _should_include_node(node.name, export_scope, exclude_nodes):
                out = _scoped_node_def(node, export_scope, unbound_inputs, clear_devices)
                if shapes.get(node.name):
                    out.attr['_output_shapes'].CopyFrom(_graph_def.attr_value(shapes[node.name], 'list(shape)'))
                new.node.add().CopyFrom(out)
        graph_def = new
        if unbound_inputs_col_name:
            graph.clear_collection(unbound_inputs_col_name)
            for name in unbound_inputs:
                graph.add_to_collection(unbound_inputs_col_name, name)
    var_list = {}
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=export_scope):
        if _should_include_node(v, export_scope, exclude_nodes):
            var_list[strip_name_scope(v.name, export_scope)] = v
    meta = create_meta_graph_def(graph_def=graph_def, graph=graph, export_scope=export_scope,
                                 exclude_nodes=exclude_nodes, clear_extraneous_savers=clear_extraneous_savers,
                                 saver_def=saver_def, strip_default_attrs=strip_default_attrs, **kwargs)
    if filename:
        graph_io.write_graph(meta, os.path.dirname(filename), os.path.basename(filename), as_text=as_text)
        if save_debug_info:
            base, _ = os.path.splitext(filename)
            graph_io.write_graph(_debug_info(meta, graph, export_scope), os.path.dirname(filename),
                                 os.path.basename(base + '.debug'), as_text=as_text)
    return meta, var_list


def _debug_info(meta, graph, export_scope):
    """GraphDebugInfo: where user code created each exported op (file, line, function)."""
    info = GraphDebugInfo()
    files = {}
    for node in meta.graph_def.node:
        op = graph._ops_by_name.get(prepend_name_scope(node.name, export_scope))
        if op is None:
            continue
        trace = info.traces[node.name]
        for filename, line, func, _ in op.traceback:
            if filename not in files:
                files[filename] = len(files)
                info.files.append(filename)
            trace.file_line_cols.add(file_index=files[filename], line=line, func=func)
    return info


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text=False, graph=None, export_scope=None, clear_devices=False,
                      clear_extraneous_savers=False, strip_default_attrs=False, save_debug_info=False, **kwargs):
    """tf.train.export_meta_graph: the MetaGraphDef of `graph` (default graph), written to `filename`."""
    meta, _ = export_scoped_meta_graph(
        filename=filename, meta_info_def=meta_info_def, graph_def=graph_def, saver_def=saver_def,
        collection_list=collection_list, as_text=as_text, graph=graph, export_scope=export_scope,
        clear_devices=clear_devices, clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs, save_debug_info=save_debug_info, **kwargs)
    return meta


# -- import ----------------------------------------------------------------------------------

def read_meta_graph_file(filename):
    """The MetaGraphDef in `filename`, binary or text (IOError when missing or unparsable)."""
    return graph_io.read_proto_file(filename, MetaGraphDef, 'File does not exist. Received: %s.')


def _as_meta_graph_def(meta_graph_or_file):
    if isinstance(meta_graph_or_file, MetaGraphDef):
        return meta_graph_or_file
    if getattr(getattr(meta_graph_or_file, 'DESCRIPTOR', None), 'full_name', None) == 'tensorflow.MetaGraphDef':
        return MetaGraphDef.FromString(meta_graph_or_file.SerializeToString())
    return read_meta_graph_file(meta_graph_or_file)


def _version_at_least(version, major, minor):
    numbers = re.findall(r'\d+', version)[:2]
    if len(numbers) < 2:
        return True
    return (int(numbers[0]), int(numbers[1])) >= (major, minor)


def import_scoped_meta_graph_with_return_elements(meta_graph_or_file, clear_devices=False, graph=None,
                                                  import_scope=None, input_map=None,
                                                  unbound_inputs_col_name='unbound_inputs',
                                                  restore_collections_predicate=(lambda key: True),
                                                  return_elements=None):
    """Imports a MetaGraphDef into `graph`; ({name: Variable} of the scope, return elements)."""
    meta = _as_meta_graph_def(meta_graph_or_file)
    if unbound_inputs_col_name and unbound_inputs_col_name in meta.collection_def:
        col = meta.collection_def[unbound_inputs_col_name]
        kind = col.WhichOneof('kind')
        if kind:
            values = [v.decode() if isinstance(v, bytes) else v for v in getattr(col, kind).value]
            if values and (not input_map or sorted(values) != sorted(input_map)):
                raise ValueError('Graph contains unbound inputs: %s. Must provide these inputs through input_map.'
                                 % ','.join(v for v in values if not input_map or v not in input_map))
    graph = graph or _graph.get_default_graph()
    with graph.as_default():
        producer_op_list = meta.meta_info_def.stripped_op_list if meta.meta_info_def.HasField(
            'stripped_op_list') else None
        graph_def = GraphDef()
        graph_def.CopyFrom(meta.graph_def)
        if clear_devices:
            for node in graph_def.node:
                node.device = ''
        scope = graph.unique_name(import_scope or '', mark_as_used=False)
        returned = graph_import.import_graph_def(graph_def, name=(import_scope or scope), input_map=input_map,
                                                 producer_op_list=producer_op_list,
                                                 return_elements=return_elements)
        tf_version = meta.meta_info_def.tensorflow_version
        have_trainable = not tf_version or _version_at_least(tf_version, 1, 9)
        ordered = []
        if GraphKeys.TRAINABLE_VARIABLES in meta.collection_def:
            ordered.append((GraphKeys.TRAINABLE_VARIABLES, meta.collection_def[GraphKeys.TRAINABLE_VARIABLES]))
        ordered += [(k, meta.collection_def[k]) for k in sorted(meta.collection_def)
                    if k != GraphKeys.TRAINABLE_VARIABLES]
        variables_by_proto = {}
        for key, col_def in ordered:
            if key == unbound_inputs_col_name or key == dataflow_loops.WHILE_CONTEXT \
                    or not restore_collections_predicate(key):  # the import raised the while frames
                continue
            _restore_collection(graph, key, col_def, scope, have_trainable, variables_by_proto)
        var_list = {}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=scope):
            var_list[strip_name_scope(v.name, scope)] = v
    return var_list, returned


def _restore_collection(graph, key, col_def, scope, have_trainable, variables_by_proto):
    kind = col_def.WhichOneof('kind')
    if kind is None:
        logger.error('Cannot identify data type for collection %s. Skipping.', key)
        return
    from_proto = get_from_proto_function(GraphKeys.GLOBAL_VARIABLES if key == GraphKeys.METRIC_VARIABLES else key)
    if kind == 'bytes_list' and key in _PROTO_FUNCTIONS:
        proto_type = get_collection_proto_type(key)
        if from_proto is None:
            logger.warning('Collection %s holds %s protos, but no function to rebuild them is registered: '
                           'skipped.', key, proto_type.DESCRIPTOR.name)
            return
        for value in col_def.bytes_list.value:
            if key in _VARIABLE_COLLECTIONS or key == GraphKeys.GLOBAL_STEP:
                variable = variables_by_proto.get(value)
                if variable is None:
                    proto = proto_type.FromString(value)
                    if not have_trainable:
                        proto.trainable = key == GraphKeys.TRAINABLE_VARIABLES
                    variable = from_proto(proto, import_scope=scope)
                    variables_by_proto[value] = variable
                graph.add_to_collection(key, variable)
            else:
                graph.add_to_collection(key, from_proto(proto_type.FromString(value), import_scope=scope))
        return
    field = getattr(col_def, kind)
    if key in _COMPAT_COLLECTION_LIST:
        logger.warning("The saved meta_graph is possibly from an older release:\n'%s' collection should be of type "
                       "'byte_list', but instead is of type '%s'.", key, kind)
    if kind == 'node_list':
        for value in field.value:
            graph.add_to_collection(key, graph.as_graph_element(prepend_name_scope(value, scope)))
    elif kind == 'int64_list':
        for value in field.value:
            graph.add_to_collection(key, int(value))
    elif kind == 'float_list':
        for value in field.value:
            graph.add_to_collection(key, float(value))
    elif kind == 'bytes_list':
        for value in field.value:  # TF prepends the scope to these too (bytes stay bytes without one)
            graph.add_to_collection(key, prepend_name_scope(value, scope) if scope else value)
    else:
        for value in field.value:
            graph.add_to_collection(key, value)


def import_scoped_meta_graph(meta_graph_or_file, clear_devices=False, graph=None, import_scope=None,
                             input_map=None, unbound_inputs_col_name='unbound_inputs',
                             restore_collections_predicate=(lambda key: True)):
    """Imports a MetaGraphDef; returns {name: Variable} of the imported scope."""
    return import_scoped_meta_graph_with_return_elements(
        meta_graph_or_file, clear_devices=clear_devices, graph=graph, import_scope=import_scope,
        input_map=input_map, unbound_inputs_col_name=unbound_inputs_col_name,
        restore_collections_predicate=restore_collections_predicate)[0]


def _saver_for_imported(meta, import_scope, imported_vars):
    from sluice.io import saver as _saver
    if meta.HasField('saver_def'):
        scope = import_scope
        if imported_vars:
            sample_key = next(iter(imported_vars))
            scope = imported_vars[sample_key].name[:-len(sample_key)]
        saver_def = SaverDef()
        saver_def.CopyFrom(meta.saver_def)
        return _saver.Saver(saver_def=saver_def, name=scope)
    g = _graph.get_default_graph()
    if g.get_collection(GraphKeys.GLOBAL_VARIABLES, scope=import_scope) or \
            g.get_collection(GraphKeys.SAVEABLE_OBJECTS, scope=import_scope):
        return _saver.Saver()
    logger.info('Saver not created because there are no variables in the graph to restore')
    return None


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """tf.train.import_meta_graph: imports the graph and collections; returns a Saver (or None)."""
    meta = _as_meta_graph_def(meta_graph_or_file)
    imported_vars, _ = import_scoped_meta_graph_with_return_elements(
        meta, clear_devices=clear_devices, import_scope=import_scope, **kwargs)
    return _saver_for_imported(meta, import_scope, imported_vars)
