"""A NodeDef's attr signature: nodes whose attrs are the same bytes decode to the same values.

graph_import decodes, checks and binds the attrs once per (op type, signature) and reuses the
result for every node that shares it (most nodes of a model repeat a few dtype/shape patterns).

The signature is the node's attr map entries as bytes. A NodeDef serialized deterministically is
its fields in field-number order: name (1), op (2), inputs (3), device (4), the attr entries (5)
sorted by key, then the debug fields (6, 7; they ride along in the signature: a node carrying
them only shares less). The importer reads fields 1-4 anyway, so where the attrs start follows
from their lengths without parsing. The entries of attrs whose values differ from node to node
(the caller names them: '_class', which names the colocated node; a Const's value) are cut out;
`signature` says which were there, and the caller decodes those per node. A protobuf runtime
that writes another field order is detected once (`supported()`), and then no node has a
signature: each is decoded on its own.

Equal signatures (with equal lists of cut attrs) imply equal attrs but the cut ones (the bytes
of every other entry are in it), which is all the cache needs; unequal signatures of equal
attrs only cost a decode.
"""
from sluice.io.protos import AttrValue, NodeDef

_ATTR_TAG = 0x2a  # NodeDef.attr: field 5, length-delimited
_entry_heads = {}  # attr names (under 128 bytes each) -> how their map entries' bodies start: key field, value tag
_order_checked = None


def supported():
    """Whether this protobuf runtime writes NodeDef fields in field-number order (checked once)."""
    global _order_checked
    if _order_checked is None:
        node = NodeDef(name='n', op='Op', input=['a', '^b'], device='/cpu:0')
        node.attr['x'].CopyFrom(AttrValue(i=1))
        data = node.SerializeToString(deterministic=True)
        prefix = _field_length('n') + _field_length('Op') + _field_length('a') + _field_length('^b') + \
            _field_length('/cpu:0')
        _order_checked = (data[:prefix] == b'\n\x01n\x12\x02Op\x1a\x01a\x1a\x02^b"\x06/cpu:0'
                          and data[prefix] == _ATTR_TAG)
    return _order_checked


def _field_length(text):
    """Bytes of one string field: tag, varint length, UTF-8 text."""
    n = len(text) if text.isascii() else len(text.encode('utf-8'))
    return 2 + n if n < 128 else 3 + n if n < 16384 else 4 + n if n < 2097152 else 5 + n


def signature(node, name, op, inputs, device, cut=('_class',)):
    """(the node's attr bytes less the entries of the attrs named in `cut`, the names of those it
    cut out). `name`, `op`, `inputs`, `device`: the node's fields 1-4 as the caller read them."""
    data = node.SerializeToString(deterministic=True)
    joined = ''.join(inputs)
    if len(joined) < 128 and len(name) < 128 and len(op) < 128 and len(device) < 128 and \
            (name + op + device + joined).isascii():  # one byte a character, one byte a length
        start = len(name) + len(op) + len(joined) + len(device) + 2 * (2 + len(inputs) + (1 if device else 0))
    else:
        start = _field_length(name) + _field_length(op) + sum(map(_field_length, inputs))
        if device:
            start += _field_length(device)
    key = data[start:]
    heads = _entry_heads.get(cut)
    if heads is None:
        heads = _entry_heads[cut] = tuple(_entry_head(attr) for attr in cut)
    for head in heads:
        if head in key:
            return _without(key, cut, heads)
    return key, ()


def _entry_head(attr):
    text = attr.encode('utf-8')
    return b'\n' + bytes([len(text)]) + text + b'\x12'


def _without(key, cut, heads):
    """Walks the attr entries (a head's bytes may also occur inside a value) to cut those of `cut`."""
    kept, names = [], []
    at, end, start = 0, len(key), 0  # key[start:at]: entries kept, not yet copied
    while at < end and key[at] == _ATTR_TAG:
        length = key[at + 1]
        if length < 0x80:  # a one-byte varint: entries under 128 bytes
            body = at + 2
        else:
            length, body = _varint(key, at + 1)
        following = body + length
        for attr, head in zip(cut, heads):
            if key.startswith(head, body):
                names.append(attr)
                kept.append(key[start:at])
                start = following
                break
        at = following
    kept.append(key[start:])  # with the fields after the attrs
    return b''.join(kept), tuple(names)


def _varint(data, at):
    """(value, offset after it) of the varint at `at`."""
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7f) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7
