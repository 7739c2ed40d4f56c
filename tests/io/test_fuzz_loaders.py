"""Seeded mutation fuzzing of sluice's file loaders.

Small valid files that sluice writes (a TFRecord file, an event file, a GraphDef as .pb and .pbtxt,
a MetaGraph, a checkpoint .index/.data pair) are mutated (bytes flipped, cut short, spliced,
ranges duplicated or deleted, length fields set to huge values) and each mutant is read through
the public readers.  The contract, per reader: correct data or an exception of the classes TF
raises there, never another class; never more than 4x the largest file plus 64 MB of address
space above the reader's baseline (a MemoryError is a failure); never a hang.

All mutants of one format run in ONE child process (this file run as a script) under an
RLIMIT_AS and a wall-clock timeout.  The child prints the index of each mutant before reading it,
so a hang names its reproducer.  Mutant i of format f is `random.Random('%d:%s:%d' % (SEED, f, i))`.
CI runs 200 mutants per format; SLUICE_SLOW_TESTS=1 runs 20x more.
"""
import glob
import json
import os
import random
import resource
import struct
import subprocess
import sys

import pytest

SEED = 1729
COUNT = 200 * (20 if os.environ.get('SLUICE_SLOW_TESTS') == '1' else 1)
FORMATS = ['tfrecord', 'event', 'graph_pb', 'graph_pbtxt', 'meta_graph', 'checkpoint']
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- mutations ----------------------------------------------------------------------------------

def _flip(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ rng.randrange(1, 256)]) + data[i + 1:]


def _truncate(rng, data):
    return data[:rng.randrange(len(data) + 1)]


def _splice(rng, data):
    i = rng.randrange(len(data) + 1)
    return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16))) + data[i:]


def _duplicate(rng, data):
    i = rng.randrange(len(data) + 1)
    j = rng.randrange(i, len(data) + 1)
    return data[:j] + data[i:j] + data[j:]


def _delete(rng, data):
    i = rng.randrange(len(data) + 1)
    return data[:i] + data[rng.randrange(i, min(len(data), i + 16) + 1):]


def _huge_length(rng, data):
    """A fixed64 (TFRecord, checkpoint) or a varint (protobuf, SSTable) length set very large."""
    i = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:
        field = struct.pack('<Q', rng.choice([2 ** 63 - 1, 2 ** 64 - 1, 2 ** 40, 2 ** 31]))
        return data[:i] + field + data[i + 8:]
    varint = rng.choice([b'\xff\xff\xff\xff\x0f', b'\xff' * 9 + b'\x01', b'\x80\x80\x80\x80\x04'])
    return data[:i] + varint + data[i + rng.randrange(1, 3):]


MUTATIONS = [_flip, _truncate, _splice, _duplicate, _delete, _huge_length]


def mutate(rng, data):
    for _ in range(rng.randrange(1, 4)):
        data = rng.choice(MUTATIONS)(rng, data)
    return data


_NUMBERS = ['-1', '0', '1', '2147483648', '9223372036854775807', '18446744073709551615', '1e308', '99']


def mutate_text(rng, text):
    """Edits of a text proto's leaf fields (`name: value` lines), so most mutants still parse and
    reach the importer: a field deleted or repeated, its value a boundary number or another's value."""
    lines = text.split('\n')
    leaves = [i for i, line in enumerate(lines) if ':' in line and '{' not in line]
    for _ in range(rng.randrange(1, 4)):
        i = rng.choice(leaves)
        if ':' not in lines[i]:  # deleted by an earlier edit
            continue
        field, value = lines[i].split(':', 1)
        quoted = value.strip().startswith('"')
        edit = rng.randrange(4)
        if edit == 0:
            lines[i] = ''
        elif edit == 1:
            lines[i] += '\n' + lines[i]
        elif edit == 2 and not quoted:
            lines[i] = field + ': ' + rng.choice(_NUMBERS)
        else:  # a value of the same kind (string or not) taken from another field
            donors = [v for v in (lines[j].partition(':')[2] for j in leaves) if v.strip().startswith('"') == quoted]
            lines[i] = field + ':' + rng.choice(donors or [value])
    return '\n'.join(lines)


def mutate_proto(rng, data, message_class):
    """A binary proto edited as text when it parses (most mutants reach the importer), else as bytes."""
    from google.protobuf import text_format
    message = message_class()
    message.ParseFromString(data)
    try:
        edited = text_format.Parse(mutate_text(rng, text_format.MessageToString(message)), message_class())
    except (text_format.ParseError, ValueError):  # a value out of the field's range
        return mutate(rng, data)
    return edited.SerializeToString()


# -- the child: writes the originals, then reads every mutant -----------------------------------

def _write_originals(fmt, workdir):
    """The valid files of `fmt` under workdir, and what the reader must return for them."""
    import numpy as np
    import sluice as tf
    os.makedirs(workdir, exist_ok=True)
    if fmt == 'tfrecord':
        path = os.path.join(workdir, 'data.tfrecord')
        records = [b'', b'a', b'record %d' % 7, bytes(range(200))]
        with tf.python_io.TFRecordWriter(path) as writer:
            for record in records:
                writer.write(record)
        return [path], set(records)
    if fmt == 'event':
        writer = tf.summary.FileWriter(workdir)
        for step in range(3):
            writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag='loss', simple_value=step / 2)]), step)
        writer.close()
        path = glob.glob(os.path.join(workdir, 'events.out.tfevents.*'))[0]
        return [path], {e.SerializeToString() for e in tf.train.summary_iterator(path)}
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name='x')
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name='w')
        b = tf.Variable(np.array([1, -1], np.int64), name='b')
        tf.identity(tf.matmul(x, w) + tf.cast(b, tf.float32), name='y')
        saver = tf.train.Saver()
        if fmt in ('graph_pb', 'graph_pbtxt'):
            text = fmt == 'graph_pbtxt'
            name = 'graph.pbtxt' if text else 'graph.pb'
            tf.train.write_graph(graph.as_graph_def(), workdir, name, as_text=text)
            return [os.path.join(workdir, name)], None
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            prefix = saver.save(sess, os.path.join(workdir, 'model'))
            values = {'w': sess.run(w), 'b': sess.run(b)}
    if fmt == 'meta_graph':
        return [prefix + '.meta'], None
    return [prefix + '.index', prefix + '.data-00000-of-00001'], values


def _reader(fmt, paths, expected):
    """A function that reads `paths` as TF's public reader would, checking any data it returns."""
    import numpy as np
    import sluice as tf
    from google.protobuf import text_format

    def tfrecord():
        for record in tf.python_io.tf_record_iterator(paths[0]):
            assert record in expected, 'a record that was never written: %r' % record[:40]

    def event():
        for event in tf.train.summary_iterator(paths[0]):
            assert event.SerializeToString() in expected, 'an event that was never written'

    def graph():
        graph_def = tf.GraphDef()
        with open(paths[0], 'rb') as f:
            content = f.read()
        if fmt == 'graph_pbtxt':
            text_format.Merge(content.decode('utf-8'), graph_def)
        else:
            graph_def.ParseFromString(content)
        with tf.Graph().as_default():
            tf.import_graph_def(graph_def, name='')

    def meta_graph():
        with tf.Graph().as_default():
            tf.train.import_meta_graph(paths[0])

    def checkpoint():
        reader = tf.train.NewCheckpointReader(paths[0][:-len('.index')])
        for key in reader.get_variable_to_shape_map():
            value = reader.get_tensor(key)
            assert key in expected, 'a tensor that was never saved: %r' % key
            np.testing.assert_array_equal(value, expected[key])

    return {'tfrecord': tfrecord, 'event': event, 'graph_pb': graph, 'graph_pbtxt': graph,
            'meta_graph': meta_graph, 'checkpoint': checkpoint}[fmt]


def _allowed(fmt, exc):
    """Whether TF's reader for `fmt` raises exceptions of exc's class."""
    from google.protobuf import message, text_format
    from sluice.engine import errors
    if isinstance(exc, MemoryError) or isinstance(exc.__context__, MemoryError):
        return False
    if isinstance(exc, errors.OpError):
        return True
    if fmt == 'event':
        return isinstance(exc, message.DecodeError)
    if fmt in ('graph_pb', 'graph_pbtxt', 'meta_graph'):
        if isinstance(exc, (ValueError, TypeError, message.DecodeError, text_format.ParseError)):
            return True
        if fmt != 'meta_graph':
            return False
        # TF's read_meta_graph_file: neither binary nor text; as_graph_element: a collection or
        # variable naming a node the graph lacks
        return (isinstance(exc, OSError) and 'Cannot parse file' in str(exc)
                or isinstance(exc, KeyError) and 'does not exist in the graph' in str(exc))
    return False


def _mutant(fmt, rng, data):
    """Half of the mutants of a graph format are structure-aware edits, the rest byte-level."""
    import sluice as tf
    if fmt not in ('graph_pb', 'graph_pbtxt', 'meta_graph') or rng.random() < 0.5:
        return mutate(rng, data)
    if fmt == 'graph_pbtxt':
        return mutate_text(rng, data.decode('utf-8')).encode('utf-8')
    return mutate_proto(rng, data, tf.GraphDef if fmt == 'graph_pb' else tf.MetaGraphDef)


def _address_space():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmSize:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('no VmSize in /proc/self/status')


def run_child(fmt, workdir, count):
    paths, expected = _write_originals(fmt, workdir)
    originals = [open(p, 'rb').read() for p in paths]
    read = _reader(fmt, paths, expected)
    read()  # the originals read cleanly, and the reader's imports and caches are warm
    limit = _address_space() + 4 * max(len(d) for d in originals) + (64 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for i in range(count):
        print(json.dumps({'start': i}), flush=True)
        rng = random.Random('%d:%s:%d' % (SEED, fmt, i))
        target = rng.randrange(len(paths))
        for k, (path, data) in enumerate(zip(paths, originals)):
            with open(path, 'wb') as f:
                f.write(_mutant(fmt, rng, data) if k == target else data)
        try:
            read()
        except AssertionError as e:
            print(json.dumps({'bad': i, 'error': 'wrong data: %s' % e}), flush=True)
        except BaseException as e:  # noqa: B902 (the class is what is checked)
            if not _allowed(fmt, e):
                print(json.dumps({'bad': i, 'error': '%s: %s' % (type(e).__name__, str(e)[:200])}), flush=True)


# -- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize('fmt', FORMATS)
def test_mutants_read_or_raise_tf_errors(fmt, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, MALLOC_ARENA_MAX='1', OMP_NUM_THREADS='1',
               OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
    timeout = 60 + COUNT * 0.2
    try:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), fmt, str(tmp_path), str(COUNT)],
                             capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired as e:
        lines = (e.stdout or b'').decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        started = [json.loads(line)['start'] for line in lines.splitlines() if '"start"' in line]
        pytest.fail('%s: hang past %ds at mutant %s (seed %d)' % (fmt, timeout, started[-1:] or '?', SEED))
    records = [json.loads(line) for line in out.stdout.splitlines() if line.startswith('{')]
    assert out.returncode == 0, '%s: child exited %d after mutant %s:\n%s' % (
        fmt, out.returncode, [r['start'] for r in records if 'start' in r][-1:], out.stderr[-3000:])
    assert sum('start' in r for r in records) == COUNT
    bad = ['mutant %d: %s' % (r['bad'], r['error']) for r in records if 'bad' in r]
    assert not bad, '%s (seed %d), %d of %d mutants:\n%s' % (fmt, SEED, len(bad), COUNT, '\n'.join(bad[:20]))


def test_mutator_is_seeded_and_changes_files():
    data = bytes(range(64))
    first = [mutate(random.Random('s:%d' % i), data) for i in range(50)]
    assert first == [mutate(random.Random('s:%d' % i), data) for i in range(50)]
    assert sum(m != data for m in first) > 40


def test_colocation_attr_of_another_kind_is_type_error():
    """Found by the fuzzer (graph_pbtxt, seed 1729, mutant 1520): a `_class` attr holding a shape."""
    import sluice as tf
    with tf.Graph().as_default() as graph:
        tf.placeholder(tf.float32, [2], name='x')
    graph_def = graph.as_graph_def()
    graph_def.node[0].attr['_class'].shape.dim.add(size=2)
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="attr '_class'"):
            tf.import_graph_def(graph_def, name='')


if __name__ == '__main__':
    run_child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
