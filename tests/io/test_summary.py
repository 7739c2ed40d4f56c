"""tf.summary: summary ops (names, tags, values, errors), FileWriter event files, PNG, TensorBoard interop.

Expected values were taken from TensorFlow 2.21 running its TF1 API (tf.compat.v1.summary with
v2 behaviour disabled): node names, tags, whole serialized Summary protos (scalars, histograms,
tensors, audio: byte for byte), decoded image pixels, error messages.  tests/data/events/
tf_events.golden was written by TensorFlow (see make_golden.py there).  Tests marked `tf` read
sluice's event files with TensorBoard's EventAccumulator and are skipped where tensorboard is not
installed.
"""
import bisect
import os
import re
import socket
import sys
import time
import warnings

import numpy as np
import pytest

import sluice as tf
import sluice.kernels.summary_kernels  # noqa: F401  (registers the kernels until sluice.kernels imports them)
from sluice import summary
from sluice.engine import devices, errors
from sluice.io import event_file, png
from sluice.io.protos import Event, RunMetadata, SessionLog, Summary, SummaryMetadata
from sluice.kernels.summary_kernels import BUCKET_LIMITS

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, 'data', 'events', 'tf_events.golden')
DBL_MAX = sys.float_info.max


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def parsed(serialized):
    return Summary.FromString(serialized)


def events_in(logdir):
    names = sorted(os.listdir(logdir))
    return names, [list(summary.summary_iterator(os.path.join(logdir, n))) for n in names]


# --- building: names, tags, collections -----------------------------------------------------------

def test_scalar_tag_and_node_names_follow_the_name_scope():
    x = tf.constant(1.5)
    with tf.name_scope('train'):
        s = summary.scalar('loss', x)
    assert s.name == 'train/loss:0' and s.op.type == 'ScalarSummary'
    assert [t.name for t in s.op.inputs] == ['train/loss/tags:0', 'Const:0']
    assert s.dtype == tf.string and s.shape.as_list() == []
    assert parsed(run(s)).value[0].tag == 'train/loss'
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s]


def test_family_prefixes_the_tag_and_names_are_cleaned():
    x = tf.constant(2.0)
    a = summary.scalar('loss', x, family='fam')
    with tf.name_scope('train'):
        b = summary.scalar('loss', x, family='fam')
    c = summary.scalar('a b', 1.0)
    d = summary.scalar('/lead', 1.0)
    e = summary.scalar('a:b', 1.0)
    assert [t.op.name for t in (a, b, c, d, e)] == ['fam/loss', 'train/fam/loss', 'a_b', 'lead', 'a_b_1']
    assert [t.name for t in c.op.inputs] == ['a_b/tags:0', 'a_b/values:0']
    tags = [parsed(v).value[0].tag for v in run([a, b, e])]
    assert tags == ['fam/fam/loss', 'fam/train/fam/loss', 'a_b_1']


def test_input_const_names_as_tf():
    h = summary.histogram('h', [1.0, 2.0])
    im = summary.image('im', np.zeros([1, 2, 2, 1], np.uint8))
    au = summary.audio('au', np.zeros([1, 4], np.float32), 8000)
    ts = summary.tensor_summary('ts', [1, 2])
    assert [t.name for t in h.op.inputs] == ['h/tag:0', 'h/values:0']
    assert [t.name for t in im.op.inputs] == ['im/tag:0', 'im/tensor:0'] and im.op.get_attr('T') == tf.uint8
    assert [t.name for t in au.op.inputs] == ['au/tag:0', 'au/tensor:0', 'au/sample_rate:0']
    assert [t.name for t in ts.op.inputs] == ['ts/tag:0', 'ts/tensor:0', 'ts/serialized_summary_metadata:0']
    assert im.op.get_attr('max_images') == 3 and au.op.get_attr('max_outputs') == 3


def test_collections_and_merge_names():
    a = summary.scalar('a', 1.0, collections=['mine'])
    b = summary.scalar('b', 2.0, collections=[])
    q = summary.scalar('q', 3.0)
    assert tf.get_collection('mine') == [a] and tf.get_collection(tf.GraphKeys.SUMMARIES) == [q]
    m = summary.merge([a, b])
    assert m.name == 'Merge/MergeSummary:0' and m.op.type == 'MergeSummary' and m.op.get_attr('N') == 2
    assert summary.merge([a], name='mm').name == 'mm/mm:0'
    assert summary.merge([a], collections=['cc']) in tf.get_collection('cc')
    merged = summary.merge_all(name='ma')
    assert merged.name == 'ma/ma:0' and list(merged.op.inputs) == [q]
    assert summary.merge_all(key='nothing') is None
    assert list(summary.merge_all(key='mine', scope='a').op.inputs) == [a]


def test_build_time_errors():
    with pytest.raises(TypeError, match="parameter 'values' has DataType bool not in list of allowed values: "
                                        "float32, float64, int32"):
        summary.scalar('b', tf.constant(True))
    with pytest.raises(TypeError, match="DataType string not in list"):
        summary.histogram('h', tf.constant(['a']))
    with pytest.raises(TypeError, match="parameter 'tensor' has DataType int32 not in list of allowed values: "
                                        "uint8, float32, float16, float64"):
        summary.image('i', tf.zeros([1, 2, 2, 1], tf.int32))
    with pytest.raises(ValueError, match="Attr 'max_images' of 'ImageSummary' Op passed 0 less than minimum 1."):
        summary.image('i', tf.zeros([1, 2, 2, 1]), max_outputs=0)
    with pytest.raises(ValueError, match="Attr 'max_outputs' of 'AudioSummaryV2' Op passed 0 less than minimum 1."):
        summary.audio('a', tf.zeros([1, 2]), 8000., max_outputs=0)
    with pytest.raises(TypeError, match="Input 'tensor' of 'AudioSummaryV2' Op has type float64"):
        summary.audio('a', tf.zeros([1, 2], tf.float64), 8000.)
    with pytest.raises(ValueError, match="Expected tensor Const.*:0 to have dtype string, got"):
        summary.text('t', tf.constant(1))
    with pytest.raises(ValueError, match="List argument 'inputs' to 'MergeSummary' Op with length 0"):
        summary.merge([])
    with pytest.raises(TypeError, match=r"have types \[int32\] that do not match expected type string"):
        summary.merge([tf.constant(1)])


def test_summary_under_a_gpu_scope_needs_soft_placement():
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            s = summary.scalar('x', tf.constant(2.0) * 3.0)
        with pytest.raises(errors.InvalidArgumentError, match='Could not satisfy explicit device specification'):
            run(s)
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
            assert parsed(sess.run(s)).value[0].simple_value == 6.0


def test_get_summary_description():
    node = tf.NodeDef(name='t', op='TensorSummary')
    node.attr['description'].s = b'{"type_hint": "scalar"}'
    assert summary.get_summary_description(node).type_hint == 'scalar'
    with pytest.raises(ValueError, match="Can't get_summary_description on ScalarSummary"):
        summary.get_summary_description(tf.NodeDef(name='s', op='ScalarSummary'))


# --- scalar -------------------------------------------------------------------------------------------

def test_scalar_values_on_every_device(device):
    with tf.device(device):
        x = tf.constant(np.float64(1.0) / 3) * 2.0
        n = tf.constant(7, tf.int64) + 0
    s = summary.scalar('x', x)  # the summary itself runs on the CPU: the GPU value is copied over
    i = summary.scalar('i', n)
    got = run(summary.merge([s, i]))
    values = parsed(got).value
    assert [(v.tag, v.simple_value) for v in values] == [('x', float(np.float32(2.0 / 3))), ('i', 7.0)]
    assert got == b'\n\x08\n\x01x\x15' + np.float32(2.0 / 3).tobytes() + b'\n\x08\n\x01i\x15' + \
        np.float32(7).tobytes()


def test_scalar_shape_mismatch_is_invalid_argument():
    s = summary.scalar('x', tf.constant([1.0, 2.0]))
    with pytest.raises(errors.InvalidArgumentError, match=r"tags and values are not the same shape: \[\] != \[2\] "
                                                          r"\(tag 'x'\)"):
        run(s)
    raw = tf.get_default_graph()._create_op('ScalarSummary', [tf.constant(['a', 'b']), tf.constant([1., 2., 3.])],
                                            {}, name='ScalarSummary')._outputs[0]
    with pytest.raises(errors.InvalidArgumentError, match=re.escape('not the same shape: [2] != [3]\n')):
        run(raw)
    pair = tf.get_default_graph()._create_op('ScalarSummary', [tf.constant(['a', 'b']), tf.constant([1., 2.])],
                                             {}, name='ScalarSummary')._outputs[0]
    assert [(v.tag, v.simple_value) for v in parsed(run(pair)).value] == [('a', 1.0), ('b', 2.0)]


# --- histogram ----------------------------------------------------------------------------------------

def reference_histogram(values):
    """TF's histogram.cc written plainly: upper_bound buckets, sequential double sums, collapsed runs."""
    limits = BUCKET_LIMITS.tolist()
    counts = [0.0] * len(limits)
    lo, hi, total, squares = DBL_MAX, -DBL_MAX, 0.0, 0.0
    for v in values:
        counts[bisect.bisect_right(limits, v)] += 1
        lo, hi = min(lo, v), max(hi, v)
        total += v
        squares += v * v
    out, i = [], 0
    while i < len(counts):
        end, count = limits[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end = limits[i]
                i += 1
        out.append((end, count))
    return lo, hi, float(len(values)), total, squares, out


def test_default_bucket_limits_are_tfs():
    # 774 limits 1e-12 * 1.1^k below 1e20 and DBL_MAX on each side of 0
    assert len(BUCKET_LIMITS) == 1551 and BUCKET_LIMITS[775] == 0.0
    assert BUCKET_LIMITS[776] == 1e-12 and BUCKET_LIMITS[-1] == DBL_MAX and BUCKET_LIMITS[0] == -DBL_MAX
    assert BUCKET_LIMITS[-2] < 1e20 <= BUCKET_LIMITS[-2] * 1.1
    assert (BUCKET_LIMITS[:775] == -BUCKET_LIMITS[776:][::-1]).all()
    # limits TF prints around 1 (from histograms TF made)
    assert 0.917246389039776 in BUCKET_LIMITS and 1.0089710279437536 in BUCKET_LIMITS


def test_histogram_matches_tf_bytes():
    h = summary.histogram('h', tf.constant([1., 2., 3.]))
    k = summary.histogram('k', tf.constant([0, -1, 5], tf.int32))
    e = summary.histogram('e', tf.constant([], tf.float32))
    hv, kv, ev = (parsed(v).value[0].histo for v in run([h, k, e]))
    assert (hv.min, hv.max, hv.num, hv.sum, hv.sum_squares) == (1, 3, 3, 6, 14)
    assert list(hv.bucket_limit) == [0.917246389039776, 1.0089710279437536, 1.9661990955585713, 2.1628190051144287,
                                     2.8787120958073054, 3.1665833053880363, DBL_MAX]
    assert list(hv.bucket) == [0, 1, 0, 1, 0, 1, 0]
    assert list(kv.bucket_limit) == [-1.0089710279437536, -0.917246389039776, 0, 1e-12, 4.6361946174186253,
                                     5.0998140791604882, DBL_MAX]
    assert list(kv.bucket) == [0, 1, 0, 1, 0, 1, 0] and (kv.sum, kv.sum_squares) == (4, 26)
    assert (ev.min, ev.max, ev.num, list(ev.bucket_limit), list(ev.bucket)) == (DBL_MAX, -DBL_MAX, 0, [DBL_MAX], [0])


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_histogram_matches_tfs_algorithm(seed):
    rng = np.random.RandomState(seed)
    values = rng.randn(500) * 10.0 ** rng.uniform(-14, 21)
    values[::7] = 0.0
    histo = parsed(run(summary.histogram('h', tf.constant(values)))).value[0].histo
    lo, hi, num, total, squares, buckets = reference_histogram(values.tolist())
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (lo, hi, num, total, squares)
    assert list(zip(histo.bucket_limit, histo.bucket)) == buckets


def test_histogram_rejects_nan_and_infinity(device):
    with tf.device(device):
        nan = tf.constant([1., np.nan]) + 0
        inf = tf.constant([1., np.inf]) + 0
    with pytest.raises(errors.InvalidArgumentError, match='Nan in summary histogram for: h'):
        run(summary.histogram('h', nan))
    with pytest.raises(errors.InvalidArgumentError, match='Infinity in Histogram for: h_1'):
        run(summary.histogram('h', inf))
    bad_tag = tf.get_default_graph()._create_op('HistogramSummary', [tf.constant(['a', 'b']), tf.constant([1.])],
                                                {}, name='HistogramSummary')._outputs[0]
    with pytest.raises(errors.InvalidArgumentError, match='tags must be scalar'):
        run(bad_tag)


# --- image ---------------------------------------------------------------------------------------------

def pixels(value):
    return png.decode_png(value.image.encoded_image_string).tolist()


IMAGE_CASES = {  # input -> pixels TF produced (decoded PNG)
    'gray_negative': (np.array([[[[-1.0], [0.5]], [[0.25], [2.0]]]], np.float32), [[[64], [159]], [[143], [255]]]),
    'nonfinite_rgb': (np.array([[[[0.2, 0.4, 0.6], [np.nan, 1, 1], [1, 0.5, np.inf]]]], np.float32),
                      [[[84, 169, 254], [255, 0, 0], [255, 0, 0]]]),
    'half_rgba': (np.array([[[[0.1, 0.2, 0.3, 1.0], [0.7, 0.3, 0.33, 0.5]], [[-0.1, 0, 0, 0], [0.9, 0.6, 0.4, 0.2]]]],
                           np.float16),
                  [[[140, 153, 166, 255], [217, 166, 169, 191]], [[115, 128, 128, 128], [242, 204, 178, 153]]]),
    'tiny_double': (np.full([1, 1, 2, 1], 1e-7, np.float64), [[[0], [0]]]),
    'double_mixed': (np.array([[[[3.0, -7.5, 1000.0]]]], np.float64), [[[128, 127, 255]]]),
    'unit_float': (np.array([[[[0.0, 0.5, 1.0]]]], np.float32), [[[0, 127, 255]]]),
}


@pytest.mark.parametrize('case', sorted(IMAGE_CASES))
def test_image_pixels_match_tf(case):
    images, expected = IMAGE_CASES[case]
    value, = parsed(run(summary.image('im', tf.constant(images), max_outputs=2))).value
    assert value.tag == 'im/image/0'
    assert (value.image.height, value.image.width, value.image.colorspace) == images.shape[1:]
    assert pixels(value) == expected


def test_image_tags_batches_and_uint8(device):
    images = np.array([[[[3, 200, 7]]], [[[0, 255, 128]]], [[[9, 9, 9]]]], np.uint8)
    with tf.device(device):
        batch = tf.constant(images) + tf.constant(0, tf.uint8)
    many, one, empty = run([summary.image('many', batch, max_outputs=2), summary.image('one', batch, max_outputs=1),
                            summary.image('empty', tf.zeros([0, 4, 4, 1]))])
    assert [(v.tag, pixels(v)) for v in parsed(many).value] == [('many/image/0', [[[3, 200, 7]]]),
                                                                 ('many/image/1', [[[0, 255, 128]]])]
    assert [(v.tag, pixels(v)) for v in parsed(one).value] == [('one/image', [[[3, 200, 7]]])]
    assert parsed(empty).value == [] and empty == b''
    few = parsed(run(summary.image('few', tf.zeros([1, 4, 4, 1]), max_outputs=3))).value
    assert [v.tag for v in few] == ['few/image/0']


@pytest.mark.parametrize('shape,message', [
    ([2, 4, 4], r'Tensor must be 4-D with last dim 1, 3, or 4, not \[2,4,4\]'),
    ([2, 4, 4, 2], r'Tensor must be 4-D with last dim 1, 3, or 4, not \[2,4,4,2\]'),
    ([1, 0, 4, 1], r'input tensor must have non-zero dims. Found: \[1, 0, 4, 1\].'),
])
def test_image_shape_errors(shape, message):
    with pytest.raises(errors.InvalidArgumentError, match=message):
        run(summary.image('im', tf.zeros(shape)))


# --- audio, text, tensor ---------------------------------------------------------------------------

def test_audio_wav_matches_tf():
    clip = np.array([[0.5, -0.25, 1.5, -2.0, 1 / 65536., -3 / 65536.]], np.float32)
    value, = parsed(run(summary.audio('au', clip, 8000.5, max_outputs=1))).value
    assert value.tag == 'au/audio'
    audio = value.audio
    assert (audio.sample_rate, audio.num_channels, audio.length_frames, audio.content_type) == \
        (8000.5, 1, 6, 'audio/wav')
    assert audio.encoded_audio_string == (
        b'RIFF0\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00'
        b'data\x0c\x00\x00\x00\x00@\x00\xe0\xff\x7f\x00\x80\x01\x00\xfe\xff')
    stereo = parsed(run(summary.audio('st', np.zeros([3, 5, 2], np.float32), 16000.))).value
    assert [v.tag for v in stereo] == ['st/audio/0', 'st/audio/1', 'st/audio/2']
    assert stereo[0].audio.num_channels == 2 and len(stereo[0].audio.encoded_audio_string) == 44 + 5 * 2 * 2
    with pytest.raises(errors.InvalidArgumentError, match=r'Tensor must be 3-D or 2-D, got: \[2\]'):
        run(summary.audio('a', tf.zeros([2]), 8000.))
    with pytest.raises(errors.InvalidArgumentError, match='sample_rate must be > 0'):
        run(summary.audio('a', tf.zeros([1, 2]), -1.))


def test_text_and_tensor_summary_match_tf_bytes():
    t, ts, e, st = run([summary.text('tx', tf.constant('hello')),
                        summary.tensor_summary('ts', tf.constant([1, 2]), summary_description='desc',
                                               display_name='dn'),
                        summary.tensor_summary('e', tf.constant(1.0)),
                        summary.text('two', tf.constant([['a', 'b']]))])
    assert t == b'\n\x1b\n\x02txB\x0b\x08\x07\x12\x00B\x05helloJ\x08\n\x06\n\x04text'
    assert ts == b'\n$\n\x02tsB\x12\x08\x03\x12\x04\x12\x02\x08\x02"\x08\x01\x00\x00\x00\x02\x00\x00\x00J\n' \
                 b'\x12\x02dn\x1a\x04desc'
    assert e == b'\n\x11\n\x01eB\n\x08\x01\x12\x00"\x04\x00\x00\x80?J\x00'  # empty metadata still present
    two = parsed(st).value[0]
    assert list(two.tensor.string_val) == [b'a', b'b'] and [d.size for d in two.tensor.tensor_shape.dim] == [1, 2]
    assert two.metadata.plugin_data.plugin_name == 'text'


# --- merge -----------------------------------------------------------------------------------------------

def test_merge_concatenates_and_rejects_duplicate_tags(device):
    with tf.device(device):
        x = tf.constant(2.0) * 3.0
    with tf.name_scope('train'):
        s = summary.scalar('loss', x)
    h = summary.histogram('h', [1.0])
    got = parsed(run(summary.merge([s, h])))
    assert [v.tag for v in got.value] == ['train/loss', 'h'] and got.value[0].simple_value == 6.0
    with pytest.raises(errors.InvalidArgumentError, match='Duplicate tag train/loss found in summary inputs'):
        run(summary.merge([s, s]))
    with pytest.raises(errors.InvalidArgumentError, match='Could not parse one of the summary inputs'):
        run(summary.merge([tf.constant('junk')]))
    assert run(summary.merge([tf.constant(['', ''])])) == b''


# --- event files ---------------------------------------------------------------------------------------

NAME = re.compile(r'^events\.out\.tfevents\.(\d{10})\.' + re.escape(socket.gethostname()) + '(.*)$')


def test_file_writer_writes_tf_event_files(tmp_path):
    before = int(time.time())
    writer = summary.FileWriter(str(tmp_path / 'logs'))
    assert os.listdir(tmp_path / 'logs') == []  # as TF: the file opens with the first event
    with tf.name_scope('train'):
        s = summary.scalar('loss', tf.constant(0.25))
    writer.add_summary(run(s), global_step=3)
    writer.add_summary(Summary(value=[Summary.Value(tag='direct', simple_value=2.0)]), 4)
    writer.add_session_log(SessionLog(status=SessionLog.START), 5)
    writer.add_event(Event(wall_time=12.5, step=9, file_version='custom'))
    writer.flush()
    assert writer.get_logdir() == str(tmp_path / 'logs')
    writer.close()
    (name,), (events,) = events_in(tmp_path / 'logs')
    match = NAME.match(name)
    assert match and before <= int(match.group(1)) <= time.time() and match.group(2) == ''
    first = events[0]
    assert first.file_version == 'brain.Event:2' and first.wall_time == int(first.wall_time)
    assert first.source_metadata.writer
    assert [e.WhichOneof('what') for e in events] == ['file_version', 'summary', 'summary', 'session_log',
                                                      'file_version']
    assert [e.step for e in events] == [0, 3, 4, 5, 9]
    assert events[1].summary.value[0].tag == 'train/loss' and events[1].summary.value[0].simple_value == 0.25
    assert events[3].session_log.status == SessionLog.START
    assert events[4].wall_time == 12.5 and before <= events[1].wall_time <= time.time()


def test_metadata_is_kept_only_the_first_time_a_tag_is_seen(tmp_path):
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name='text'))
    value = Summary.Value(tag='t', metadata=meta)
    given = Summary(value=[value])
    with summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(given.SerializeToString(), 1)
        writer.add_summary(given, 2)
    assert given.value[0].HasField('metadata')  # the caller's proto is left alone
    _, (events,) = events_in(tmp_path)
    assert [e.summary.value[0].HasField('metadata') for e in events[1:]] == [True, False]


def test_graph_meta_graph_and_run_metadata_events(tmp_path):
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.multiply(x, 2.0, name='y')
    meta = RunMetadata()
    with tf.Session() as sess:
        sess.run(y, {x: [1.0, 2.0]}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=meta)
        writer = summary.FileWriter(str(tmp_path), sess.graph, filename_suffix='.v1')
    assert len(os.listdir(tmp_path)) == 1  # a suffix opens the file at once, as TF
    writer.add_run_metadata(meta, 'step1', 7)
    with pytest.raises(ValueError, match='The provided tag was already used for this event type'):
        writer.add_run_metadata(meta, 'step1', 8)
    writer.add_graph(tf.get_default_graph().as_graph_def(), global_step=2)
    with pytest.raises(TypeError, match='The passed graph must be an instance of `Graph`'):
        writer.add_graph(3)
    with pytest.raises(ValueError, match='Please pass only graph, or graph_def'):
        writer.add_graph(tf.get_default_graph(), graph_def=tf.get_default_graph().as_graph_def())
    writer.close()
    (name,), (events,) = events_in(tmp_path)
    assert name.endswith('.v1')
    kinds = [e.WhichOneof('what') for e in events]
    assert kinds == ['file_version', 'graph_def', 'meta_graph_def', 'tagged_run_metadata', 'graph_def']
    graph = tf.GraphDef.FromString(events[1].graph_def)
    assert {'x', 'y'} <= {n.name for n in graph.node}
    assert '_output_shapes' in {k for n in graph.node for k in n.attr}
    meta_graph = tf.MetaGraphDef.FromString(events[2].meta_graph_def)
    assert {n.name for n in meta_graph.graph_def.node} == {n.name for n in graph.node}
    tagged = events[3].tagged_run_metadata
    assert tagged.tag == 'step1' and events[3].step == 7
    assert RunMetadata.FromString(tagged.run_metadata) == meta and len(meta.step_stats.dev_stats) == 1
    assert events[4].step == 2


def test_close_reopen_and_closed_writer_warns(tmp_path):
    writer = summary.FileWriter(str(tmp_path), flush_secs=0)
    writer.add_summary(Summary(value=[Summary.Value(tag='a', simple_value=1.0)]), 1)
    # flush_secs=0: the thread flushes after every event, so the event is on disk without flush()
    deadline = time.time() + 5
    while time.time() < deadline:
        names = os.listdir(tmp_path)
        if names and len(list(summary.summary_iterator(os.path.join(tmp_path, names[0])))) == 2:
            break
        time.sleep(0.01)
    else:
        pytest.fail('event not flushed by the writer thread')
    writer.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        writer.add_summary(Summary(value=[Summary.Value(tag='lost', simple_value=0.0)]), 2)
    assert 'Attempting to use a closed FileWriter' in str(caught[0].message)
    writer.close()  # closing twice is fine
    writer.reopen()
    writer.add_summary(Summary(value=[Summary.Value(tag='a', simple_value=3.0)]), 3)
    writer.close()
    steps = sorted(e.step for events in events_in(tmp_path)[1] for e in events if e.HasField('summary'))
    assert steps == [1, 3]  # nothing lost, even when both files got the same name (same second)


def test_small_queue_and_failures_reach_the_caller(tmp_path, monkeypatch):
    writer = event_file.EventFileWriter(str(tmp_path), max_queue=1)
    for step in range(50):
        writer.add_event(Event(step=step))
    writer.flush()
    assert len(list(summary.summary_iterator(writer.file_name))) == 51

    def broken(self, data):
        raise OSError('disk on fire')
    monkeypatch.setattr(event_file.EventsFile, 'write', broken)
    with pytest.raises(OSError, match='disk on fire'):
        writer.add_event(Event(step=99))
        writer.flush()
    monkeypatch.undo()
    writer.close()
    with pytest.raises(TypeError, match='must be a tf.Event proto'):
        event_file.EventFileWriter(str(tmp_path / 'other')).add_event('not an event')


def test_file_writer_cache(tmp_path):
    a = summary.FileWriterCache.get(str(tmp_path / 'a'))
    assert summary.FileWriterCache.get(str(tmp_path / 'a')) is a
    assert summary.FileWriterCache.get(str(tmp_path / 'b')) is not a
    summary.FileWriterCache.clear()
    assert summary.FileWriterCache.get(str(tmp_path / 'a')) is not a
    summary.FileWriterCache.clear()
    kinds = [e.WhichOneof('what') for e in events_in(tmp_path / 'a')[1][0]]
    assert kinds[:3] == ['file_version', 'graph_def', 'meta_graph_def']


def test_summary_iterator_reads_tensorflows_event_file():
    events = list(summary.summary_iterator(GOLDEN))
    kinds = [e.WhichOneof('what') for e in events]
    assert kinds == ['file_version', 'graph_def', 'meta_graph_def', 'summary', 'summary', 'session_log',
                     'tagged_run_metadata']
    assert events[0].file_version == 'brain.Event:2'
    graph = tf.GraphDef.FromString(events[1].graph_def)
    assert {'loss_value', 'train/loss', 'weights', 'picture', 'note', 'Merge/MergeSummary'} <= \
        {n.name for n in graph.node}
    for step, event, loss in ((1, events[3], 0.75), (2, events[4], 0.5)):
        assert event.step == step
        values = {v.tag: v for v in event.summary.value}
        assert list(values) == ['train/loss', 'weights', 'picture/image', 'note']
        assert values['train/loss'].simple_value == loss
        histo = values['weights'].histo
        assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (-1, 2, 4, 1.5, 5.25)
        assert list(histo.bucket) == [0, 1, 0, 1, 0, 1, 0, 1, 0]
        assert pixels(values['picture/image']) == [[[0, 63, 127], [31, 95, 255], [12, 25, 38]],
                                                   [[127, 127, 127], [0, 0, 0], [63, 63, 63]]]
        assert list(values['note'].tensor.string_val) == [b'hello board']
        assert values['note'].HasField('metadata') == (step == 1)  # TF's FileWriter strips repeats too
    assert events[5].session_log.status == SessionLog.START
    run_metadata = RunMetadata.FromString(events[6].tagged_run_metadata.run_metadata)
    assert events[6].tagged_run_metadata.tag == 'step2' and run_metadata.step_stats.dev_stats


def test_sluice_summaries_equal_the_golden_ones():
    """The same graph built with sluice gives the same Summary bytes as TF wrote (image: same pixels)."""
    loss = tf.placeholder(tf.float32, [], name='loss_value')
    with tf.name_scope('train'):
        summary.scalar('loss', loss)
    summary.histogram('weights', tf.constant([-1.0, 0.0, 0.5, 2.0]))
    picture = np.array([[[0.0, 0.5, 1.0], [0.25, 0.75, 2.0], [0.1, 0.2, 0.3]],
                        [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]], np.float32)[None]
    summary.image('picture', tf.constant(picture), max_outputs=1)
    summary.text('note', tf.constant('hello board'))
    ours = parsed(run(summary.merge_all(), {loss: 0.75}))
    theirs = list(summary.summary_iterator(GOLDEN))[3].summary
    for mine, golden in zip(ours.value, theirs.value):
        if golden.HasField('image'):
            assert pixels(mine) == pixels(golden)
            mine.image.ClearField('encoded_image_string')
            golden.image.ClearField('encoded_image_string')
        assert mine.SerializeToString() == golden.SerializeToString()


def test_missing_event_file_is_not_found():
    with pytest.raises(errors.NotFoundError):
        summary.summary_iterator('/nonexistent/events.out.tfevents.1')


# --- PNG ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('shape,dtype', [((5, 7, 1), np.uint8), ((5, 7, 3), np.uint8), ((9, 4, 4), np.uint8),
                                         ((3, 3, 2), np.uint8), ((6, 5, 3), np.uint16), ((1, 1, 1), np.uint8)])
def test_png_round_trip(shape, dtype):
    rng = np.random.RandomState(sum(shape))
    image = rng.randint(0, np.iinfo(dtype).max + 1, shape).astype(dtype)
    image[1:] = image[:-1] // 2 + image[1:] // 2  # some structure for the Up/Average/Paeth filters
    data = png.encode_png(image)
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR' and data.endswith(b'IEND\xaeB`\x82')
    decoded = png.decode_png(data)
    assert decoded.dtype == dtype and decoded.shape == shape and (decoded == image).all()
    assert (png.decode_png(png.encode_png(image[:, :, 0])) == image[:, :, :1]).all()


def test_png_decodes_tensorflows_png_and_rejects_bad_data():
    tf_png = (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x04\x00\x00\x00\x04\x08\x02\x00\x00\x00&\x93\t)'
              b'\x00\x00\x00\x0cIDAT\x08\x99c` \x1d\x00\x00\x004\x00\x01#C\x83u\x00\x00\x00\x00IEND\xaeB`\x82')
    assert (png.decode_png(tf_png) == np.zeros([4, 4, 3], np.uint8)).all()  # TF's image of zeros(4, 4, 3)
    with pytest.raises(ValueError, match='signature'):
        png.decode_png(b'GIF89a')
    with pytest.raises(ValueError, match='CRC'):
        png.decode_png(tf_png[:30] + b'\x00' + tf_png[31:])
    with pytest.raises(ValueError):
        png.encode_png(np.zeros([2, 2, 5], np.uint8))
    with pytest.raises(ValueError):
        png.encode_png(np.zeros([2, 2, 3], np.float32))


# --- TensorBoard reads sluice's files ------------------------------------------------------------------

@pytest.mark.tf
def test_tensorboard_event_accumulator_reads_sluice_files(tmp_path):
    accumulator_module = pytest.importorskip('tensorboard.backend.event_processing.event_accumulator')
    tensor_util = pytest.importorskip('tensorboard.util.tensor_util')
    loss = tf.placeholder(tf.float32, [], name='loss_value')
    with tf.name_scope('train'):
        summary.scalar('loss', loss)
    summary.histogram('weights', loss * tf.constant([1.0, 2.0, 3.0]))
    summary.image('picture', tf.constant(np.array([[[[0.0], [1.0]], [[0.5], [0.25]]]], np.float32)), max_outputs=1)
    summary.text('note', tf.constant('hello board'))
    summary.audio('sound', tf.constant(np.zeros([1, 8], np.float32)), 8000.0, max_outputs=1)
    merged = summary.merge_all()
    with tf.Session() as sess:
        writer = summary.FileWriter(str(tmp_path), sess.graph)
        for step in (1, 2, 3):
            meta = RunMetadata()
            options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE) if step == 3 else None
            writer.add_summary(sess.run(merged, {loss: step / 4.0}, options=options, run_metadata=meta), step)
        writer.add_run_metadata(meta, 'step3', 3)
        writer.close()
    guidance = {'scalars': 0, 'histograms': 0, 'images': 0, 'tensors': 0, 'audio': 0}
    acc = accumulator_module.EventAccumulator(str(tmp_path), size_guidance=guidance)
    acc.Reload()
    tags = acc.Tags()
    assert tags['scalars'] == ['train/loss'] and tags['histograms'] == ['weights']
    assert tags['images'] == ['picture/image'] and tags['audio'] == ['sound/audio'] and tags['tensors'] == ['note']
    assert tags['graph'] and tags['meta_graph'] and tags['run_metadata'] == ['step3']
    assert [(e.step, e.value) for e in acc.Scalars('train/loss')] == [(1, 0.25), (2, 0.5), (3, 0.75)]
    histo = acc.Histograms('weights')[-1].histogram_value
    assert (histo.min, histo.max, histo.num, histo.sum) == (0.75, 2.25, 3, 4.5)
    image = acc.Images('picture/image')[0]
    assert (image.width, image.height) == (2, 2)
    assert png.decode_png(image.encoded_image_string).tolist() == [[[0], [255]], [[127], [63]]]
    note = acc.Tensors('note')[0]
    assert tensor_util.make_ndarray(note.tensor_proto).item() == b'hello board'
    assert acc.SummaryMetadata('note').plugin_data.plugin_name == 'text'
    assert acc.Audio('sound/audio')[0].content_type == 'audio/wav'
    assert {'loss_value', 'train/loss', 'Merge/MergeSummary'} <= {n.name for n in acc.Graph().node}
    assert acc.RunMetadata('step3').step_stats.dev_stats


@pytest.mark.tf
def test_file_writer_takes_foreign_protos(tmp_path):
    """Protos of TensorBoard's (or TensorFlow's) own classes are converted through bytes."""
    foreign = pytest.importorskip('tensorboard.compat.proto.summary_pb2')
    foreign_events = pytest.importorskip('tensorboard.compat.proto.event_pb2')
    with summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(foreign.Summary(value=[foreign.Summary.Value(tag='a', simple_value=1.5)]), 1)
        writer.add_session_log(foreign_events.SessionLog(status=foreign_events.SessionLog.STOP), 2)
        writer.add_event(foreign_events.Event(step=3, file_version='x'))
    _, (events,) = events_in(tmp_path)
    assert [e.step for e in events] == [0, 1, 2, 3] and events[1].summary.value[0].simple_value == 1.5
    assert events[2].session_log.status == SessionLog.STOP
