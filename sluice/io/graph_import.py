"""tf.import_graph_def: the nodes of a GraphDef become ops of the default graph (TF1 semantics).

Algorithm.
1. Arguments are checked as TF does (TypeErrors); a GraphDef of another protobuf pool (e.g.
   TensorFlow's own classes) is re-read from its bytes.
2. The name scope opens ('import', made unique; name='' imports at the root, no prefix) and
   input_map values that are not Tensors become constants under '<scope>/_inputs'.
3. The whole GraphDef is checked before the graph changes: unique node names, registered op
   types (NotFoundError), attrs decoded by the OpDef's kinds (missing ones take the defaults),
   inputs naming nodes of the GraphDef (or input_map keys) with output indices in range and the
   dtypes the OpDef asks for, colocation targets, return_elements, and no cycles. A node's new
   name is prefix/name; without a prefix a name the graph already has becomes name_1, name_2...
4. Nodes are created in TF's order: a node is ready once the nodes it reads are created, and the
   ready node listed first in the GraphDef goes next (so a sorted GraphDef keeps its order:
   then no heap is needed). Step 3 bound each node's inputs and attrs (with the OpDef's
   defaults) as Graph._create_op would, so each joins through Graph._add_op: shape functions,
   attr scopes and colocation / device scopes in force are the graph's own rules; the NodeDef's
   control inputs come first, then those of the control_dependencies in force.
5. Devices: a node keeps its device, under the device scopes in force; a node colocated with
   another ('_class' loc:@, rewritten with the prefix) takes that op's device, as TF does.
6. input_map keys that matched nothing raise ValueError; return_elements are looked up (a
   remapped tensor returns its replacement).
If creating a node fails (e.g. a shape function's ValueError) the ops this call made are removed.

Work done once, not per node (a 100k-node GraphDef imports in about 20 us of CPU a node): attrs
are decoded, checked and bound once per (op type, attr bytes) signature (io/node_signature.py;
'_class' and tensor attrs such as a Const's value are decoded per node), OpDefs
once per op type, the user's traceback once per import; the collector is paused while the
import allocates (it would walk the growing graph again and again), and into an empty graph no
name can clash.

Attrs newer than sluice's OpDefs: an attr the OpDef lacks is dropped silently when its value is
TensorFlow's default for it (NEWER_TF_ATTR_DEFAULTS, or the producer_op_list's OpDef) or when it
is a mere hint (HINT_TF_ATTRS: MatMul's grad_a/grad_b), else dropped with a warning, as TF does
("Unknown attributes will be ignored"). Attrs whose names start
with '_' ('_class', '_output_shapes', ...) are kept.

Functions (`library`): a func attr names a FunctionDef of the GraphDef's library; it is checked
to exist in step 3 and built into a FuncGraph of the graph when its node is created
(io/function_def.py). TF's StatelessIf/StatelessWhile import as sluice's If/While (the same
ops without the stateful flag TF uses for optimizations). Nodes calling a library function
directly (the function's name as op type) are not imported: UnimplementedError names the node.
A loop op with '_history' (it records its calls for a gradient built before export, see
ops/loop_grad.py) gets its count and record outputs back, so the gradient's nodes connect.
"""
import gc
import heapq
import re

from sluice.engine import dtypes as _dtypes
from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine import op_binding
from sluice.engine import op_registry
from sluice.engine import node as _node
from sluice.engine.log import logger
from sluice.io import dataflow_loops
from sluice.io import function_def as _function_def
from sluice.io import graph_def as _graph_def
from sluice.io import node_signature
from sluice.io import tensor_proto
from sluice.io.protos import AttrValue, GraphDef, OpList

__all__ = ['import_graph_def']

# Attrs TF 2.x added to ops sluice declares, with TF's defaults: a GraphDef written by a newer
# TF carries them; sluice's kernels behave as these defaults.
NEWER_TF_ATTR_DEFAULTS = {
    'MatMul': {'grad_a': AttrValue(b=False), 'grad_b': AttrValue(b=False)},
    'BatchMatMul': {'grad_x': AttrValue(b=False), 'grad_y': AttrValue(b=False)},
    'BatchMatMulV2': {'grad_x': AttrValue(b=False), 'grad_y': AttrValue(b=False)},
    'GatherNd': {'bad_indices_policy': AttrValue(s=b'')},
    'TensorListGetItem': {'Tshape': AttrValue(type=3)},  # DT_INT32: TF 1.15's int32 element_shape
    'ConcatOffset': {'shape_type': AttrValue(type=3)},
}
# Newer TF attrs that are only hints (they never change the values computed): TF's gradient
# MatMuls set grad_a/grad_b true; dropped silently whatever their value.
HINT_TF_ATTRS = {'MatMul': ('grad_a', 'grad_b'), 'BatchMatMul': ('grad_x', 'grad_y'),
                 'BatchMatMulV2': ('grad_x', 'grad_y')}

# TF's op types imported as sluice's: the stateless forms of the functional ops.
CANONICAL_OP_TYPES = {'StatelessIf': 'If', 'StatelessWhile': 'While'}


def canonical_op_type(op_type):
    return CANONICAL_OP_TYPES.get(op_type, op_type)


# TF's rule for node names (graph_constructor.cc).
_NODE_NAME = re.compile(r'[A-Za-z0-9.][A-Za-z0-9_.\-/>]*')

# TF's DataTypeString names where they differ from sluice's dtype names (for TF's messages).
_TF_TYPE_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'half'}


def _type_string(dtype):
    base = _TF_TYPE_NAMES.get(dtype.base_dtype.name, dtype.base_dtype.name)
    return base + '_ref' if dtype._is_ref_dtype else base


def _as_message(value, cls, error):
    """`value` as a sluice `cls` message: itself, or re-read from the bytes of a foreign one."""
    if isinstance(value, cls):
        return value
    descriptor = getattr(value, 'DESCRIPTOR', None)
    if getattr(descriptor, 'full_name', None) == cls.DESCRIPTOR.full_name:
        return cls.FromString(value.SerializeToString())
    raise TypeError(error)


def _as_str(s):
    return s.decode('utf-8') if isinstance(s, bytes) else s


def parse_tensor_name(name):
    """('op', index) for 'op:index' or 'op' (index 0); ('op', -1) for a control input '^op'."""
    if name.startswith('^'):
        return name[1:], -1
    op_name, sep, index = name.rpartition(':')
    if sep and index.isdigit():
        return op_name, int(index)
    return name, 0


def _arg_string(arg):
    if arg.type_list_attr:
        t = arg.type_list_attr
    else:
        t = arg.type_attr or _type_string(arg.fixed_dtype)
        if arg.number_attr:
            t = '%s*%s' % (arg.number_attr, t)
    return '%s:%s' % (arg.name, 'Ref(%s)' % t if arg.is_ref else t)


def op_signature(op_def):
    """TF's summary of an OpDef in messages: Op<name=...; signature=a:T -> y:T; attr=T:type>."""
    parts = ['name=%s' % op_def.type,
             'signature=%s -> %s' % (', '.join(_arg_string(a) for a in op_def.inputs),
                                     ', '.join(_arg_string(a) for a in op_def.outputs))]
    for name, kind in op_def.attr_kinds.items():
        default = op_def.attrs[name]
        if default is op_registry.REQUIRED:
            parts.append('attr=%s:%s' % (name, kind))
        else:
            parts.append('attr=%s:%s,default=%s' % (name, kind, _default_string(default)))
    if op_def.is_stateful:
        parts.append('is_stateful=true')
    return 'Op<%s>' % '; '.join(parts)


def _default_string(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, _dtypes.DType):
        return 'DT_' + value.name.upper()
    if isinstance(value, str):
        return '"%s"' % value
    return str(value)


class _Node:
    """What the check pass learned about one NodeDef: `key` its GraphDef name, `name` its graph name,
    `attrs` its decoded attrs (`sig.attrs`, or a copy with its own values of the attrs `sig.cut`)."""
    __slots__ = ('node', 'key', 'device', 'raw_inputs', 'op_def', 'sig', 'name', 'attrs', 'inputs', 'controls',
                 'out_dtypes', 'colocation')


class _Signature:
    """What nodes of one op type with the same attr bytes share (node_signature.py), worked out at
    the first of them: `attrs` decoded; `bound` with the OpDef's defaults (what the op gets);
    `op_out_dtypes` the OpDef's outputs, `out_dtypes` with a loop's record outputs; `expected` the
    input dtypes and `ref_flags` which inputs are Refs (set by the first input check); `warned` the
    unknown attrs to warn about at each node;
    `cut` the attrs cut out of the bytes (each node decodes its own: _per_node_attrs); `lists`
    the attrs whose values are lists (each op gets a copy);
    `has_funcs` whether attrs name functions (each node builds its FuncGraphs)."""
    __slots__ = ('attrs', 'bound', 'op_out_dtypes', 'out_dtypes', 'expected', 'ref_flags', 'warned',
                 'cut', 'lists', 'has_funcs')


def _per_node_attrs(op_def):
    """The attrs left out of a node's signature (node_signature.py) and decoded per node: '_class'
    (it names the colocated node) and tensors (a Const's value; each op gets its own array)."""
    return ('_class',) + tuple(k for k, kind in op_def.attr_kinds.items() if kind in ('tensor', 'list(tensor)'))


class _Importer:
    def __init__(self, graph, graph_def, prefix, input_map, producer_op_list):
        self.g = graph
        self.graph_def = graph_def
        self.prefix = prefix
        self.input_map = input_map      # (op name, index) -> Tensor; index -1: control input
        self.used_keys = set()
        self.producer = {op.name: op for op in producer_op_list.op} if producer_op_list is not None else {}
        self.nodes = []
        self.index = {}
        self.ops = {}                   # GraphDef node name -> created Operation

    # -- checking ---------------------------------------------------------------------------
    def check(self, return_elements):
        gd = self.graph_def
        if gd.versions.min_consumer > _graph_def.GRAPH_DEF_VERSION:
            raise ValueError('GraphDef min consumer version %d above current version %d for TensorFlow. Please '
                             'upgrade TensorFlow.' % (gd.versions.min_consumer, _graph_def.GRAPH_DEF_VERSION))
        functions = {f.signature.name for f in gd.library.function}
        self.library = _function_def.Library(gd.library, self._decode_attrs, canonical_op_type)
        nodes = list(gd.node)
        keys = [node.name for node in nodes]
        index = self.index
        for i, key in enumerate(keys):
            if not _NODE_NAME.fullmatch(key):
                raise ValueError("Node '%s': Node name contains invalid characters" % key)
            if key in index:
                raise ValueError("Node '%s' is not unique" % key)
            index[key] = i
        names = self._new_names(keys)
        op_defs = {}  # op type -> (OpDef, the attrs decoded per node)
        signatures = {}  # (op type, attr bytes, attrs cut out of them) -> _Signature
        signed = node_signature.supported()
        for node, key, name in zip(nodes, keys, names):
            op = node.op
            known = op_defs.get(op)
            if known is None:
                op_def = self._op_def(node, functions)
                known = op_defs[op] = (op_def, _per_node_attrs(op_def))
            op_def, per_node = known
            info = _Node()
            info.node, info.key, info.device, info.raw_inputs = node, key, node.device, list(node.input)
            info.op_def, info.name = op_def, name
            sig = None
            if signed:
                sig_key = (op,) + node_signature.signature(node, key, op, info.raw_inputs, info.device, per_node)
                sig = signatures.get(sig_key)
            if sig is None:
                sig = info.sig = self._signature(node, op_def, name)
                info.attrs = sig.attrs
                if signed:
                    signatures[sig_key] = sig
                    sig.cut = sig_key[2]
            else:
                for attr in sig.warned:
                    self._warn_unknown_attr(attr, op_def, name)
                info.sig = sig
                info.attrs = self._own_attrs(node, op_def, name, sig) if sig.cut else sig.attrs
            info.out_dtypes = sig.out_dtypes
            self.nodes.append(info)
        self.in_order = True  # every node's sources come before it in the GraphDef (set by the checks)
        for position, info in enumerate(self.nodes):
            self._check_inputs(info, position)
        self._check_return_elements(return_elements)
        return list(range(len(self.nodes))) if self.in_order else self._order()

    @staticmethod
    def _op_def(node, functions):
        if node.op in functions:
            raise errors.UnimplementedError(
                None, None, "Node '%s' calls function '%s' of the GraphDef's library: sluice does not import "
                            "function libraries." % (node.name, node.op))
        try:
            return op_registry.get_op_def(canonical_op_type(node.op))
        except errors.NotFoundError:
            raise errors.NotFoundError(
                None, None, "Op type not registered '%s' in binary running on sluice. Make sure the Op and "
                            "Kernel are registered in the binary running in this process. Note that if you "
                            "are loading a saved graph which used ops from tf.contrib (e.g. "
                            "`tf.contrib.resampler`), accessing should be done before importing the graph, "
                            "as contrib ops are lazily registered when the module is first accessed."
                            % node.op) from None

    def _signature(self, node, op_def, name):
        """Decodes and checks the attrs of the first node of a signature (errors name that node)."""
        sig = _Signature()
        sig.warned = []
        sig.attrs = self._decode_attrs(node, op_def, name, sig.warned)
        sig.bound = self._with_defaults(sig.attrs, op_def)
        sig.op_out_dtypes = sig.out_dtypes = op_binding.output_dtypes(op_def, sig.bound)
        if '_history' in sig.attrs:  # a loop recording its calls for a gradient: k+1 more outputs
            sig.out_dtypes = sig.out_dtypes + self.library.record_dtypes(node.name, sig.attrs)
        sig.expected = sig.ref_flags = None
        sig.cut = ()
        sig.lists = tuple(k for k, v in sig.bound.items() if isinstance(v, list))
        sig.has_funcs = any(op_def.attr_kinds.get(k) in ('func', 'list(func)') for k in sig.attrs)
        return sig

    def _own_attrs(self, node, op_def, name, sig):
        """The signature's attrs with this node's own values of the attrs cut out of its bytes."""
        attrs = dict(sig.attrs)
        for key in sig.cut:
            attrs.pop(key, None)
            self._decode_attr(node, op_def, name, key, attrs)
        return attrs

    def _new_names(self, keys):
        """The graph names of the GraphDef's names `keys`: prefix/name, or a name made unique when
        there is no prefix."""
        if not self.g._ops_by_name:  # nothing to clash with: GraphDef names are unique
            return ['%s/%s' % (self.prefix, key) for key in keys] if self.prefix else keys
        taken = set(self.g._ops_by_name)
        scopes = set()
        for name in taken:
            parts = name.split('/')
            scopes.update('/'.join(parts[:i]) for i in range(1, len(parts)))
        result = []
        for key in keys:
            name = '%s/%s' % (self.prefix, key) if self.prefix else key
            if name in taken or name in scopes:
                base, i = name, 1
                while '%s_%d' % (base, i) in taken or '%s_%d' % (base, i) in self.index:
                    i += 1
                name = '%s_%d' % (base, i)
            taken.add(name)
            result.append(name)
        return result

    def _decode_attrs(self, node, op_def, name, warned=None):
        """The node's attrs decoded by the OpDef's kinds; `warned` collects the unknown attrs warned of."""
        attrs = {}
        for key in sorted(node.attr):
            self._decode_attr(node, op_def, name, key, attrs, warned)
        for key, default in op_def.attrs.items():
            if key not in attrs and default is op_registry.REQUIRED:
                raise ValueError("NodeDef missing attr '%s' from %s; NodeDef: {{node %s}}"
                                 % (key, op_signature(op_def), name))
        return attrs

    def _decode_attr(self, node, op_def, name, key, attrs, warned=None):
        """Decodes the node's attr `key` into `attrs` (where it is kept: not an unknown one)."""
        value = node.attr[key]
        kind = op_def.attr_kinds.get(key)
        if kind is None:
            if key.startswith('_'):
                decoded = _graph_def.python_attr_any(value)
                if decoded is not None:
                    attrs[key] = decoded
            elif not self._is_default_newer_attr(node.op, key, value):
                self._warn_unknown_attr(key, op_def, name)
                if warned is not None:
                    warned.append(key)
            return
        try:
            if node.op == 'Const' and key == 'value' and value.WhichOneof('value') == 'tensor':
                attrs[key] = tensor_proto.deferred_ndarray(value.tensor, attrs.get('dtype'))
            else:
                attrs[key] = _graph_def.python_attr(value, kind)
        except tensor_proto.TensorProtoError as e:
            raise ValueError("%s for '{{node %s}} = Const[dtype=%s]()'"
                             % (e, name, _type_string(attrs['dtype']) if 'dtype' in attrs else '?')) from None
        except _graph_def.AttrKindError as e:
            raise ValueError("%s\n\t for attr '%s'\n\t; NodeDef: {{node %s}}; %s"
                             % (e, key, name, op_signature(op_def))) from None
        if kind == 'func' or kind == 'list(func)':
            attrs[key] = self._func_refs(node, attrs[key])

    @staticmethod
    def _warn_unknown_attr(key, op_def, name):
        logger.warning('NodeDef mentions attribute %s which is not in the op definition: %s This may be '
                       'expected if your graph generating binary is newer  than this binary. Unknown '
                       'attributes will be ignored. NodeDef: {{node %s}}', key, op_signature(op_def), name)

    def _func_refs(self, node, value):
        names = value if isinstance(value, list) else [value]
        for n in names:
            self.library.check_defined(node.name, n)
        refs = [_function_def.FuncRef(n) for n in names]
        return refs if isinstance(value, list) else refs[0]

    def _is_default_newer_attr(self, op_type, key, value):
        if key in HINT_TF_ATTRS.get(op_type, ()):
            return True
        known = NEWER_TF_ATTR_DEFAULTS.get(op_type, {}).get(key)
        if known is not None and value == known:
            return True
        producer = self.producer.get(op_type)
        if producer is not None:
            for attr in producer.attr:
                if attr.name == key:
                    return attr.HasField('default_value') and value == attr.default_value
        return False

    @staticmethod
    def _with_defaults(attrs, op_def):
        full = dict(attrs)
        for key, default in op_def.attrs.items():
            if key not in full:
                full[key] = default
        return full

    def _expected_dtypes(self, info):
        """Per argument: how many inputs it takes and the dtype each must have."""
        attrs = self._with_defaults(info.attrs, info.op_def)
        per_arg = []
        for arg in info.op_def.inputs:
            if arg.type_list_attr:
                want = [_dtypes.as_dtype(d) for d in attrs[arg.type_list_attr]]
            else:
                dt = _dtypes.as_dtype(attrs[arg.type_attr]) if arg.type_attr else arg.fixed_dtype.base_dtype
                want = [dt] * (int(attrs[arg.number_attr]) if arg.number_attr else 1)
            per_arg.append((arg, [w._as_ref if arg.is_ref else w for w in want]))
        return per_arg

    def _check_input_count(self, info, count):
        """The number of inputs the attrs ask for must be the number given, checked before a list of
        that many dtypes is built (a file may claim N = 10^9)."""
        attrs = self._with_defaults(info.attrs, info.op_def)
        wanted = 0
        for arg in info.op_def.inputs:
            if arg.type_list_attr:
                wanted += len(attrs[arg.type_list_attr])
            elif arg.number_attr:
                n = int(attrs[arg.number_attr])
                if n < 0:
                    raise ValueError("Value for attr '%s' of %d must be at least minimum 0\n\t; NodeDef: {{node %s}}; %s"
                                     % (arg.number_attr, n, info.name, op_signature(info.op_def)))
                wanted += n
            else:
                wanted += 1
        if wanted != count and wanted > 1000:
            self._raise_input_count(info, wanted, count)
        return wanted

    @staticmethod
    def _raise_input_count(info, wanted, count):
        raise ValueError("NodeDef expected inputs '%d inputs' do not match %d inputs specified; %s; NodeDef: "
                         "{{node %s}}" % (wanted, count, op_signature(info.op_def), info.name))

    def _expected_inputs(self, info, count):
        """The dtypes the node's inputs must have (its signature's, found at its first node)."""
        sig = info.sig
        if sig.expected is None:
            self._check_input_count(info, count)
            per_arg = self._expected_dtypes(info)
            sig.expected = [w for _, want in per_arg for w in want]
            sig.ref_flags = tuple(arg.is_ref for arg, want in per_arg for _ in want)
        elif len(sig.expected) != count and len(sig.expected) > 1000:
            self._raise_input_count(info, len(sig.expected), count)
        return sig.expected

    def _check_inputs(self, info, position):
        node = info.node
        data, controls = [], []
        for s in info.raw_inputs:
            if s.startswith('^'):
                controls.append(s[1:])
            else:
                data.append(parse_tensor_name(s) if ':' in s else (s, 0))
        info.controls = controls
        expected = info.sig.expected
        if expected is None or len(expected) != len(data):  # the first node of its signature, or an error
            expected = self._expected_inputs(info, len(data))
        if len(expected) != len(data):
            raise ValueError("NodeDef expected inputs '%s' do not match %d inputs specified; %s; NodeDef: {{node %s}}"
                             % (', '.join(_type_string(w) for w in expected), len(data), op_signature(info.op_def),
                                info.name))
        info.inputs = data
        input_map, index_of, nodes = self.input_map, self.index, self.nodes
        for i, (src, index) in enumerate(data):
            want = expected[i]
            mapped = input_map.get((src, index)) if input_map else None
            if mapped is not None:
                got, got_name = mapped.dtype, mapped.name
            else:
                at = index_of.get(src)
                if at is None:
                    raise ValueError("Node '%s': Unknown input node '%s'" % (node.name, src))
                if at >= position:
                    self.in_order = False
                source = nodes[at]
                if index >= len(source.out_dtypes):
                    raise ValueError('Node \'%s\': Connecting to invalid output %d of source node %s which has %d '
                                     'outputs.' % (node.name, index, src, len(source.out_dtypes)))
                got = source.out_dtypes[index]
                if got is want:
                    continue
                got_name = '%s:%d' % (source.name, index)
            ok = got.base_dtype == want.base_dtype and (got._is_ref_dtype or not want._is_ref_dtype)
            if not ok:
                raise ValueError('Input %d of node %s was passed %s from %s incompatible with expected %s.'
                                 % (i, info.name, _type_string(got), got_name, _type_string(want)))
        for src in controls:
            if (src, -1) not in input_map:
                at = index_of.get(src)
                if at is None:
                    raise ValueError("Node '%s': Unknown input node '^%s'" % (node.name, src))
                if at >= position:
                    self.in_order = False
        groups = info.attrs.get('_class')
        if groups is None:
            info.colocation = ()
            return
        colocation = []
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, (bytes, str)) for g in groups):
            # TF iterates the attr's value and fails with TypeError when it is not a list of strings
            raise TypeError("Node '%s': attr '_class' is %s, not a list of strings"
                            % (node.name, type(groups).__name__))
        for entry in groups:
            text = _as_str(entry)
            if not text.startswith('loc:@'):
                continue
            target = text[5:]
            if target not in self.index:
                raise ValueError("Node '%s' expects to be colocated with unknown node '%s'" % (node.name, target))
            colocation.append(self.nodes[self.index[target]].name)
        info.colocation = colocation

    def _check_return_elements(self, return_elements):
        for name in return_elements or ():
            if ':' in name:
                op_name, index = parse_tensor_name(name)
                if op_name not in self.index:
                    raise ValueError("Requested return tensor '%s' not found in graph def" % name)
                count = len(self.nodes[self.index[op_name]].out_dtypes)
                if index >= count:
                    raise ValueError("Invalid return output %d of node '%s', which has %d output(s)"
                                     % (index, op_name, count))
            elif name not in self.index:
                raise ValueError("Requested return node '%s' not found in graph def" % name)

    def _order(self):
        """TF's creation order: Kahn's algorithm taking the lowest GraphDef position first."""
        pending = [0] * len(self.nodes)
        consumers = [[] for _ in self.nodes]
        for i, info in enumerate(self.nodes):
            sources = {self.index[src] for src, index in info.inputs if (src, index) not in self.input_map}
            sources.update(self.index[src] for src in info.controls if (src, -1) not in self.input_map)
            pending[i] = len(sources)
            for s in sources:
                consumers[s].append(i)
        ready = [i for i, n in enumerate(pending) if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            i = heapq.heappop(ready)
            order.append(i)
            for c in consumers[i]:
                pending[c] -= 1
                if pending[c] == 0:
                    heapq.heappush(ready, c)
        if len(order) != len(self.nodes):
            raise ValueError('%d nodes in a cycle' % (len(self.nodes) - len(order)))
        return order

    # -- creating ---------------------------------------------------------------------------
    def create(self, order):
        g = self.g
        created = []
        colocated = []
        state = g._scope_state()
        in_colocation_scope = bool(state.colocation)
        self.scope_controls = []
        for entry in state.control:
            if entry is None:  # control_dependencies(None) clears the outer scopes
                self.scope_controls = []
                continue
            for c in getattr(entry, 'ops', entry):
                if c not in self.scope_controls:
                    self.scope_controls.append(c)
        nodes = self.nodes
        try:
            for i in order:
                info = nodes[i]
                op = self._create(info)
                created.append(op)
                self.ops[info.key] = op
                if in_colocation_scope:
                    continue  # the colocate_with scope set '_class' and the device, as in TF
                if info.colocation:
                    op._attrs['_class'] = [b'loc:@' + n.encode() for n in info.colocation]
                    if [n for n in info.colocation if n != op._name]:
                        op._device = ''
                        colocated.append((op, info.colocation))
                        continue
                if info.device:
                    with g.device(info.device):
                        op._device = g._device_for(op)
        except BaseException:
            # Also the op whose shape function failed: it was added before its shapes were computed.
            mine = {info.name for info in self.nodes}
            _remove_ops(g, [op for op in g.get_operations() if op._name in mine])
            raise
        for op, names in colocated:
            for name in names:
                target = g._ops_by_name.get(name)
                if target is not None and target._device:
                    op._device = target._device
                    break
        return created

    def _create(self, info):
        """Adds the node's op. Its inputs were bound in the check pass (dtypes, counts, Refs; the
        attrs with their defaults are its signature's), so it joins the graph past bind_inputs."""
        g = self.g
        if self.input_map:
            flat = [self._tensor(src, index) for src, index in info.inputs]
        else:
            ops = self.ops
            flat = [ops[src]._outputs[index] for src, index in info.inputs]
        sig = info.sig
        attrs = dict(sig.bound)
        for key in sig.lists:
            attrs[key] = list(attrs[key])
        for key in sig.cut:
            if key in info.attrs:
                attrs[key] = info.attrs[key]
            else:
                attrs.pop(key, None)
        if sig.has_funcs:
            attrs = self.library.resolve_attrs(info.op_def.type, attrs, g)
        # The NodeDef's control inputs first, then every op of the control_dependencies in force
        # (TF gives them to all imported ops, whether or not an input was imported in the scope).
        wanted = []
        for src in info.controls:
            c = self._control(src)
            if c not in wanted:
                wanted.append(c)
        if self.scope_controls:
            input_ops = {t._op for t in flat}
            for c in self.scope_controls:
                if c not in input_ops and c not in wanted:
                    wanted.append(c)
        op = g._add_op(info.op_def, flat, sig.ref_flags, attrs, sig.op_out_dtypes, info.name, wanted)
        if '_history' in attrs:
            _function_def.add_records(op)
        g._names_in_use.setdefault(info.name.lower(), 1)
        return op

    def _tensor(self, src, index):
        mapped = self.input_map.get((src, index))
        if mapped is not None:
            self.used_keys.add((src, index))
            return mapped
        return self.ops[src]._outputs[index]

    def _control(self, src):
        mapped = self.input_map.get((src, -1))
        if mapped is not None:
            self.used_keys.add((src, -1))
            return mapped._op if isinstance(mapped, _graph.Tensor) else mapped
        return self.ops[src]

    # -- after ------------------------------------------------------------------------------
    def unused_input_map_keys(self, keys):
        missing = []
        for key, (src, index) in keys:
            if (src, index) in self.used_keys:
                continue
            op = self.ops.get(src)
            if op is not None and (index < 0 or index < len(op._outputs)):
                continue
            missing.append(key)
        return missing

    def return_element(self, name):
        if ':' in name:
            src, index = parse_tensor_name(name)
            mapped = self.input_map.get((src, index))
            return mapped if mapped is not None else self.ops[src]._outputs[index]
        return self.ops[name]


def _remove_ops(g, ops):
    """Takes ops this import created back out of the graph (after a failure)."""
    with g._lock:
        doomed = set(ops)
        g._ops = [op for op in g._ops if op not in doomed]
        for op in ops:
            g._ops_by_name.pop(op._name, None)
            for t in op._inputs:
                if op in t._consumers:
                    t._consumers.remove(op)
            for c in op._control_inputs:
                if op in c._control_outputs:
                    c._control_outputs.remove(op)


def _check_input_map(input_map):
    if input_map is None:
        return {}
    if not isinstance(input_map, dict):
        raise TypeError('Argument `input_map` must be a dictionary. Obtained %s' % type(input_map).__name__)
    if not all(isinstance(k, (str, bytes)) for k in input_map):
        raise TypeError('All keys for argument `input_map` must be strings. Obtained keys: %s' % list(input_map))
    return {_as_str(k): v for k, v in input_map.items()}


def _check_return_elements(return_elements):
    if return_elements is None:
        return None
    if not all(isinstance(x, (str, bytes)) for x in return_elements):
        raise TypeError('Argument `return_elements` must be a list of strings. Obtained %s.' % (return_elements,))
    return tuple(_as_str(x) for x in return_elements)


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None, op_dict=None,
                     producer_op_list=None):
    """Imports `graph_def` into the default graph; returns the ops/tensors of `return_elements`.

    name: the prefix of the new ops ('import' by default, made unique; '' for none).
    input_map: {'x:0': Tensor} replaces the inputs read from those tensors ('^op' keys: control
      inputs); values that are not Tensors are converted under '<prefix>/_inputs'.
    return_elements: names in `graph_def`: 'op' gives the Operation, 'op:0' the Tensor.
    producer_op_list: an OpList of the producer's OpDefs: attrs sluice's OpDefs lack are dropped
      silently where they hold the producer's default. op_dict is ignored (deprecated in TF).
    """
    del op_dict
    graph_def = _as_message(graph_def, GraphDef, 'Argument `graph_def` must be a GraphDef proto.')
    input_map = _check_input_map(input_map)
    return_elements = _check_return_elements(return_elements)
    if producer_op_list is not None:
        producer_op_list = _as_message(producer_op_list, OpList, 'producer_op_list must be an OpList proto.')
    g = _graph.get_default_graph()
    with _graph.name_scope(name, 'import', list(input_map.values())) as scope:
        prefix = scope[:-1] if scope else ''
        graph_def = dataflow_loops.raise_while_frames(graph_def, prefix)  # TF 1.x while frames -> functional While
        if not all(isinstance(v, _graph.Tensor) for v in input_map.values()):
            if name == '':
                raise ValueError('tf.import_graph_def() requires a non-empty `name` if `input_map` contains '
                                 'non-Tensor values. Try calling tf.convert_to_tensor() on `input_map` values '
                                 'before calling tf.import_graph_def().')
            with g.name_scope('_inputs'):
                input_map = {k: _graph.convert_to_tensor(v) for k, v in input_map.items()}
    keys = []
    mapped = {}
    for key, value in input_map.items():
        parsed = parse_tensor_name(key)
        target = value._op if parsed[1] < 0 and isinstance(value, _graph.Tensor) else value
        if getattr(target, 'graph', None) is not g:
            op_name = getattr(getattr(value, 'op', value), 'name', value)
            raise ValueError("node '%s' in input_map does not exist in graph (input_map entry: %s->%s)"
                             % (op_name, key, getattr(value, 'name', value)))
        keys.append((key, parsed))
        mapped[parsed] = value
    # The collector is paused: an import allocates millions of objects and frees none, and the
    # collections those allocations trigger (each walking the growing graph) cost more than the import.
    collecting = gc.isenabled()
    gc.disable()
    shared = _node.share_traceback(_node.user_traceback())  # every imported op was made by this call
    try:
        importer = _Importer(g, graph_def, prefix, mapped, producer_op_list)
        importer.create(importer.check(return_elements))
    finally:
        _node.share_traceback(shared)
        if collecting:
            gc.enable()
    missing = importer.unused_input_map_keys(keys)
    if missing:
        raise ValueError('Attempted to map inputs that were not found in graph_def: [%s]' % ', '.join(missing))
    if return_elements is None:
        return None
    return [importer.return_element(name) for name in return_elements]
