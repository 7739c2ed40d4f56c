"""A NodeDef's attr signature: nodes whose attrs are the same bytes decode to the same values.

graph_import decodes, checks and binds the attrs once per (op type, signature) and reuses the
result for every node that shares it (most nodes of a model repeat a few dtype/shape patterns).

The signature is the node's attr map entries as bytes. A NodeDef serialized deterministically is
its fields in field-number order: name (1), op (2), inputs (3), device (4), the attr entries (5)
sorted by key, then the debug fields (6, 7; they ride along in the signature: a node carrying
them only shares less). The importer reads fields 1-4 anyway, so where the attrs start follows
from their lengths without parsing. The '_class' entry (colocation: it names another node, so
it differs from node to node) is cut out; `signature` says whether it was there and the caller
decodes it per node. A protobuf runtime that writes another field order is detected once
(`supported()`), and then no node has a signature: each is decoded on its own.

Equal signatures imply equal attrs (the bytes of every other entry are in it), which is all
the cache needs; unequal signatures of equal attrs only cost a decode.
"""
from sluice.io.protos import AttrValue, NodeDef

_CLASS_KEY = b'\n\x06_class\x12'  # an attr entry's key field for '_class', then its value's tag
_ATTR_TAG = 0x2a                   # NodeDef.attr: field 5, length-delimited
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


def signature(node, name, op, inputs, device):
    """(the node's attr bytes less '_class', whether '_class' was cut out). `name`, `op`, `inputs`,
    `device`: the node's fields 1-4 as the caller read them."""
    data = node.SerializeToString(deterministic=True)
    start = _field_length(name) + _field_length(op) + sum(map(_field_length, inputs))
    if device:
        start += _field_length(device)
    key = data[start:]
    if _CLASS_KEY not in key:
        return key, False
    return _without_class(key)


def _without_class(key):
    """Walks the attr entries (the bytes may also hold _CLASS_KEY inside a value) to cut '_class'."""
    at, end = 0, len(key)
    while at < end and key[at] == _ATTR_TAG:
        length, body = _varint(key, at + 1)
        if key.startswith(_CLASS_KEY, body):
            return key[:at] + key[body + length:], True
        at = body + length
    return key, False


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
