"""Tests of sluice.io.protos: TensorFlow-compatible protocol buffer messages.

The golden byte strings were serialized by TensorFlow 2.21 (tf.compat.v1); the
field numbers are those of TensorFlow's .proto files.  Tests marked `tf`
compare with an installed TensorFlow in this interpreter and skip without one.
"""

import os
import subprocess
import sys
import textwrap

import pytest
from google.protobuf import descriptor_pb2, text_format

from sluice.io import protos as pb
from sluice.io.protos import types_pb2

# tf.compat.v1: placeholder x [None, 2], constant c [[1, 2]], y = x + c.
GRAPH_HEX = (
    '0a3b0a0178120b506c616365686f6c6465722a1c0a05736861706512133a11120b08ffff'
    'ffffffffffffff01120208022a0b0a056474797065120230010a3a0a01631205436f6e73'
    '742a210a0576616c75651218421608011208120208011202080222080000803f00000040'
    '2a0b0a056474797065120230010a190a0179120541646456321a01781a01632a070a0154'
    '12023001220308aa13')
# make_tensor_proto([[1, 2, 3], [4, 5, 6]], dtype=int32)
TENSOR_HEX = ('08031208120208021202080322180100000002000000030000000400000005000000'
              '06000000')
# make_tensor_proto([b'ab', b'c'])
STRING_TENSOR_HEX = '080712041202080242026162420163'
# Event(wall_time=1.5, step=7) with a scalar summary loss=0.25
EVENT_HEX = '09000000000000f83f10072a0d0a0b0a046c6f7373150000803e'
# Example with int64 a=[1, -2], float b=[0.5], bytes c=[b'hi'] (deterministic)
EXAMPLE_HEX = ('0a320a140a0161120f1a0d0a0b01feffffffffffffffff010a0d0a0162120812060a04'
               '0000003f0a0b0a016312060a040a026869')
# ConfigProto(allow_soft_placement, log_device_placement, intra 2, inter 3,
# device_count GPU:0, operation_timeout_in_ms 1000, gpu_options allow_growth,
# memory fraction 0.5, visible_device_list '0'), deterministic.
CONFIG_HEX = '0a070a03475055100010022803320e09000000000000e03f20012a01303801400158e807'
# RunOptions(trace_level=FULL_TRACE, timeout_in_ms=500, output_partition_graphs)
RUN_OPTIONS_HEX = '080310f4032801'


def field_number(message_class, name):
    return message_class.DESCRIPTOR.fields_by_name[name].number


@pytest.mark.parametrize('message_class, name, number', [
    (pb.NodeDef, 'attr', 5), (pb.NodeDef, 'input', 3), (pb.NodeDef, 'device', 4),
    (pb.NodeDef, 'experimental_debug_info', 6),
    (pb.GraphDef, 'node', 1), (pb.GraphDef, 'library', 2), (pb.GraphDef, 'versions', 4),
    (pb.TensorProto, 'tensor_content', 4), (pb.TensorProto, 'half_val', 13),
    (pb.TensorProto, 'string_val', 8), (pb.TensorProto, 'resource_handle_val', 14),
    (pb.TensorProto, 'variant_val', 15), (pb.TensorProto, 'uint64_val', 17),
    (pb.AttrValue, 'list', 1), (pb.AttrValue, 'func', 10), (pb.AttrValue, 'placeholder', 9),
    (pb.OpDef, 'is_stateful', 17), (pb.OpDef.ArgDef, 'is_ref', 16),
    (pb.Event, 'summary', 5), (pb.Event, 'graph_def', 4), (pb.Event, 'meta_graph_def', 9),
    (pb.Summary.Value, 'simple_value', 2), (pb.Summary.Value, 'tensor', 8),
    (pb.ConfigProto, 'allow_soft_placement', 7), (pb.ConfigProto, 'gpu_options', 6),
    (pb.ConfigProto, 'inter_op_parallelism_threads', 5),
    (pb.ConfigProto, 'graph_options', 10), (pb.ConfigProto, 'operation_timeout_in_ms', 11),
    (pb.GPUOptions, 'allow_growth', 4), (pb.GPUOptions, 'visible_device_list', 5),
    (pb.RunOptions, 'output_partition_graphs', 5), (pb.RunMetadata, 'partition_graphs', 3),
    (pb.MetaGraphDef, 'collection_def', 4), (pb.MetaGraphDef, 'signature_def', 5),
    (pb.SaverDef, 'version', 7), (pb.BundleEntryProto, 'crc32c', 6),
    (pb.BundleEntryProto, 'slices', 7), (pb.VariableDef, 'initial_value_name', 6),
    (pb.CheckpointState, 'all_model_checkpoint_timestamps', 3),
    (pb.SequenceExample, 'feature_lists', 2), (pb.NodeExecStats, 'all_start_nanos', 13),
])
def test_field_numbers_match_tensorflow(message_class, name, number):
    assert field_number(message_class, name) == number


def test_enum_values_match_tensorflow():
    assert types_pb2.DT_FLOAT == 1 and types_pb2.DT_STRING == 7
    assert types_pb2.DT_RESOURCE == 20 and types_pb2.DT_VARIANT == 21
    assert types_pb2.DT_FLOAT_REF == 101 and types_pb2.DT_UINT64 == 23
    assert pb.RunOptions.FULL_TRACE == 3 and pb.RunOptions.HARDWARE_TRACE == 2
    assert pb.SaverDef.V2 == 2 and pb.BundleHeaderProto.BIG == 1
    assert pb.SessionLog.CHECKPOINT == 3 and pb.LogMessage.FATAL == 50
    assert pb.OptimizerOptions.L0 == -1 and pb.RewriterConfig.OFF == 2
    assert pb.ErrorCode.Value('OUT_OF_RANGE') == 11


def test_full_names_are_tensorflows():
    assert pb.GraphDef.DESCRIPTOR.full_name == 'tensorflow.GraphDef'
    assert pb.Summary.Value.DESCRIPTOR.full_name == 'tensorflow.Summary.Value'
    assert pb.GraphDef.DESCRIPTOR.file.pool is pb.POOL


def test_golden_graph_def_from_tensorflow():
    data = bytes.fromhex(GRAPH_HEX)
    graph = pb.GraphDef.FromString(data)
    assert [n.name for n in graph.node] == ['x', 'c', 'y']
    assert graph.versions.producer == 2474
    x, c, y = graph.node
    assert x.op == 'Placeholder' and x.attr['dtype'].type == types_pb2.DT_FLOAT
    assert [d.size for d in x.attr['shape'].shape.dim] == [-1, 2]
    value = c.attr['value'].tensor
    assert value.tensor_content == b'\x00\x00\x80?\x00\x00\x00@'
    assert list(y.input) == ['x', 'c'] and y.op == 'AddV2'
    # Map entries may come out in another order, so compare sizes and re-parses.
    assert graph.ByteSize() == len(data)
    assert pb.GraphDef.FromString(graph.SerializeToString()) == graph


def test_golden_tensors_from_tensorflow():
    tensor = pb.TensorProto.FromString(bytes.fromhex(TENSOR_HEX))
    assert tensor.dtype == types_pb2.DT_INT32
    assert [d.size for d in tensor.tensor_shape.dim] == [2, 3]
    assert len(tensor.tensor_content) == 24
    strings = pb.TensorProto.FromString(bytes.fromhex(STRING_TENSOR_HEX))
    assert strings.dtype == types_pb2.DT_STRING and list(strings.string_val) == [b'ab', b'c']
    assert strings.SerializeToString().hex() == STRING_TENSOR_HEX


def test_golden_event_example_config_run_options():
    event = pb.Event(wall_time=1.5, step=7)
    event.summary.value.add(tag='loss', simple_value=0.25)
    assert event.SerializeToString().hex() == EVENT_HEX

    example = pb.Example()
    feature = example.features.feature
    feature['a'].int64_list.value.extend([1, -2])
    feature['b'].float_list.value.append(0.5)
    feature['c'].bytes_list.value.append(b'hi')
    assert example.SerializeToString(deterministic=True).hex() == EXAMPLE_HEX

    config = pb.ConfigProto(allow_soft_placement=True, log_device_placement=True,
                            intra_op_parallelism_threads=2, inter_op_parallelism_threads=3,
                            device_count={'GPU': 0}, operation_timeout_in_ms=1000)
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    config.gpu_options.visible_device_list = '0'
    assert config.SerializeToString(deterministic=True).hex() == CONFIG_HEX

    options = pb.RunOptions(trace_level=pb.RunOptions.FULL_TRACE, timeout_in_ms=500,
                            output_partition_graphs=True)
    assert options.SerializeToString().hex() == RUN_OPTIONS_HEX


def test_packed_repeated_scalars_on_the_wire():
    # TensorFlow declares the numeric *_val fields packed: tag 0x2a = field 5, length-delimited.
    tensor = pb.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[1.0])
    assert tensor.SerializeToString() == b'\x08\x01\x2a\x04\x00\x00\x80\x3f'


def sample_graph_def():
    graph = pb.GraphDef()
    graph.versions.producer = 27
    const = graph.node.add(name='c', op='Const', device='/device:CPU:0')
    const.attr['dtype'].type = types_pb2.DT_FLOAT
    value = const.attr['value'].tensor
    value.dtype = types_pb2.DT_FLOAT
    value.tensor_shape.dim.add(size=2)
    value.float_val.extend([1.5, -2.0])
    node = graph.node.add(name='neg', op='Neg', input=['c', '^init'])
    node.attr['T'].type = types_pb2.DT_FLOAT
    node.attr['axes'].list.i.extend([0, 1])
    node.attr['names'].list.s.extend([b'a', b'b'])
    node.attr['f'].func.name = 'my_fn'
    node.attr['f'].func.attr['N'].i = 3
    node.experimental_debug_info.original_node_names.append('orig')
    fn = graph.library.function.add()
    fn.signature.name = 'my_fn'
    fn.signature.input_arg.add(name='x', type_attr='T')
    fn.ret['y'] = 'neg:y:0'
    graph.library.gradient.add(function_name='my_fn', gradient_func='my_grad')
    return graph


def test_graph_def_binary_and_text_round_trip():
    graph = sample_graph_def()
    assert pb.GraphDef.FromString(graph.SerializeToString()) == graph
    text = text_format.MessageToString(graph)
    assert 'op: "Neg"' in text and 'type: DT_FLOAT' in text
    assert text_format.Parse(text, pb.GraphDef()) == graph
    assert graph.node[1].attr['f'].WhichOneof('value') == 'func'


def test_text_format_written_by_tensorflow_parses():
    # The shape of a GraphDef as tf.train.write_graph(as_text=True) writes it.
    text = textwrap.dedent('''
        node {
          name: "v"
          op: "VariableV2"
          attr { key: "dtype" value { type: DT_FLOAT } }
          attr { key: "shape" value { shape { dim { size: 3 } } } }
          attr { key: "container" value { s: "" } }
        }
        versions { producer: 134 }
    ''')
    graph = text_format.Parse(text, pb.GraphDef())
    assert graph.node[0].attr['shape'].shape.dim[0].size == 3
    assert graph.versions.producer == 134


def test_meta_graph_and_checkpoint_messages_round_trip():
    meta = pb.MetaGraphDef()
    meta.meta_info_def.tags.append('serve')
    meta.meta_info_def.any_info.Pack(pb.SaverDef(max_to_keep=5))
    meta.graph_def.CopyFrom(sample_graph_def())
    meta.saver_def.version = pb.SaverDef.V2
    meta.collection_def['variables'].bytes_list.value.append(
        pb.VariableDef(variable_name='v:0', trainable=True).SerializeToString())
    meta.collection_def['train_op'].node_list.value.append('train')
    meta.collection_def['misc'].any_list.value.add().Pack(pb.CheckpointState())
    sig = meta.signature_def['serving_default']
    sig.inputs['x'].name = 'x:0'
    sig.inputs['x'].dtype = types_pb2.DT_FLOAT
    sig.method_name = 'tensorflow/serving/predict'
    meta.asset_file_def.add(filename='vocab.txt').tensor_info.name = 'asset:0'
    again = pb.MetaGraphDef.FromString(meta.SerializeToString())
    assert again == meta
    assert again.meta_info_def.any_info.type_url == 'type.googleapis.com/tensorflow.SaverDef'
    saver = pb.SaverDef()
    assert again.meta_info_def.any_info.Unpack(saver) and saver.max_to_keep == 5
    assert text_format.Parse(text_format.MessageToString(meta), pb.MetaGraphDef()) == meta

    header = pb.BundleHeaderProto(num_shards=1, endianness=pb.BundleHeaderProto.LITTLE)
    header.version.producer = 1
    entry = pb.BundleEntryProto(dtype=types_pb2.DT_FLOAT, shard_id=0, offset=8, size=12,
                                crc32c=0xDEADBEEF)
    entry.slices.add().extent.add(start=0, length=2)
    entry.slices[0].extent.add(start=1)
    for message in (header, entry, pb.CheckpointState(model_checkpoint_path='m-1',
                                                      all_model_checkpoint_paths=['m-1'])):
        assert type(message).FromString(message.SerializeToString()) == message
    extents = pb.BundleEntryProto.FromString(entry.SerializeToString()).slices[0].extent
    assert extents[0].HasField('length') and not extents[1].HasField('length')


def test_summary_event_and_run_metadata_round_trip():
    event = pb.Event(wall_time=3.0, step=1)
    value = event.summary.value.add(tag='h')
    value.histo.bucket_limit.extend([0.0, 1.0])
    value.histo.bucket.extend([2.0, 3.0])
    value.metadata.plugin_data.plugin_name = 'histograms'
    event.summary.value.add(tag='img').image.encoded_image_string = b'\x89PNG'
    assert pb.Event.FromString(event.SerializeToString()) == event
    assert pb.Event(session_log=pb.SessionLog(status=pb.SessionLog.START)).WhichOneof('what') \
        == 'session_log'

    meta = pb.RunMetadata()
    node = meta.step_stats.dev_stats.add(device='/cpu:0').node_stats.add(node_name='n')
    node.all_start_micros = 10
    node.memory.add(allocator_name='cpu', total_bytes=64)
    node.output.add(slot=0).tensor_description.allocation_description.requested_bytes = 64
    meta.partition_graphs.add().CopyFrom(sample_graph_def())
    meta.cost_graph.node.add(name='n', id=1)
    again = pb.RunMetadata.FromString(meta.SerializeToString())
    assert again == meta
    tagged = pb.TaggedRunMetadata(tag='step1', run_metadata=meta.SerializeToString())
    assert pb.RunMetadata.FromString(tagged.run_metadata) == meta


def test_unknown_fields_survive_a_round_trip():
    # MetaGraphDef.object_graph_def (7) is reserved here; its bytes must not be lost.
    data = pb.MetaGraphDef(saver_def=pb.SaverDef(max_to_keep=2)).SerializeToString()
    data += b'\x3a\x02\x08\x01'  # field 7, length 2, holding varint field 1 = 1
    assert pb.MetaGraphDef.FromString(data).SerializeToString() == data


def test_private_pool_does_not_clash_with_tensorflows_registrations():
    # Register a stand-in for TensorFlow's graph protos in the default pool first, as
    # `import tensorflow` does, then import sluice's modules in the same process.
    code = textwrap.dedent('''
        from google.protobuf import descriptor_pb2, descriptor_pool
        f = descriptor_pb2.FileDescriptorProto(
            name='tensorflow/core/framework/versions.proto', package='tensorflow',
            syntax='proto3')
        m = f.message_type.add(name='VersionDef')
        m.field.add(name='producer', number=1, type=5, label=1)
        descriptor_pool.Default().Add(f)
        from sluice.io.protos import GraphDef
        g = GraphDef(); g.versions.producer = 3
        assert GraphDef.FromString(g.SerializeToString()).versions.producer == 3
        print('ok')
    ''')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


# --- comparisons with an installed TensorFlow (skipped without one) ---------------------

def _tf_modules():
    pytest.importorskip('tensorflow')
    from tensorflow.core.example import example_pb2
    from tensorflow.core.framework import graph_pb2, summary_pb2, tensor_pb2
    from tensorflow.core.protobuf import config_pb2, meta_graph_pb2, queue_runner_pb2
    from tensorflow.core.protobuf import tensor_bundle_pb2
    from tensorflow.core.util import event_pb2
    from tensorflow.python.training import checkpoint_state_pb2
    return dict(graph=graph_pb2, tensor=tensor_pb2, event=event_pb2, example=example_pb2,
                config=config_pb2, meta=meta_graph_pb2, summary=summary_pb2,
                bundle=tensor_bundle_pb2, ckpt=checkpoint_state_pb2, qr=queue_runner_pb2)


def _messages(descriptor):
    yield descriptor
    for nested in descriptor.nested_types:
        yield from _messages(nested)


@pytest.mark.tf
def test_every_field_matches_tensorflows_descriptor():
    _tf_modules()
    from google.protobuf import descriptor_pool
    tf_pool = descriptor_pool.Default()
    checked = 0
    for name in sorted(set(pb.__all__)):
        cls = getattr(pb, name)
        if not hasattr(cls, 'DESCRIPTOR') or not hasattr(cls.DESCRIPTOR, 'fields'):
            continue
        for ours in _messages(cls.DESCRIPTOR):
            if ours.full_name.startswith('google.'):
                continue
            theirs = tf_pool.FindMessageTypeByName(ours.full_name)
            mine, tfs = descriptor_pb2.DescriptorProto(), descriptor_pb2.DescriptorProto()
            ours.CopyToProto(mine)
            theirs.CopyToProto(tfs)
            reserved = [(r.start, r.end) for r in mine.reserved_range]
            by_number = {f.number: f for f in mine.field}
            for tf_field in tfs.field:
                field = by_number.pop(tf_field.number, None)
                if field is None:
                    assert any(a <= tf_field.number < b for a, b in reserved), \
                        (ours.full_name, tf_field.name)
                    continue
                for attr in ('name', 'label', 'type', 'type_name', 'proto3_optional'):
                    assert getattr(field, attr) == getattr(tf_field, attr), \
                        (ours.full_name, tf_field.name, attr)
                if tf_field.HasField('oneof_index'):
                    assert mine.oneof_decl[field.oneof_index].name.replace('_hack', '') == \
                        tfs.oneof_decl[tf_field.oneof_index].name.replace('_hack', '')
            assert not by_number, (ours.full_name, list(by_number))
            checked += 1
    assert checked > 80


@pytest.mark.tf
def test_cross_parse_with_tensorflow():
    tf = _tf_modules()
    cases = [
        (sample_graph_def(), tf['graph'].GraphDef),
        (pb.TensorProto.FromString(bytes.fromhex(TENSOR_HEX)), tf['tensor'].TensorProto),
        (pb.Event.FromString(bytes.fromhex(EVENT_HEX)), tf['event'].Event),
        (pb.Example.FromString(bytes.fromhex(EXAMPLE_HEX)), tf['example'].Example),
        (pb.ConfigProto.FromString(bytes.fromhex(CONFIG_HEX)), tf['config'].ConfigProto),
        (pb.RunOptions.FromString(bytes.fromhex(RUN_OPTIONS_HEX)), tf['config'].RunOptions),
    ]
    for ours, tf_class in cases:
        theirs = tf_class.FromString(ours.SerializeToString())
        assert theirs.SerializeToString(deterministic=True) == \
            ours.SerializeToString(deterministic=True)
        assert text_format.MessageToString(theirs) == text_format.MessageToString(ours)
        back = type(ours).FromString(theirs.SerializeToString())
        assert back == ours
        assert text_format.Parse(text_format.MessageToString(theirs), type(ours)()) == ours

    # Messages built with TensorFlow's own classes parse in sluice's.
    tf_example = tf['example'].Example()
    tf_example.features.feature['k'].float_list.value.extend([1.0, 2.5])
    example = pb.Example.FromString(tf_example.SerializeToString())
    assert list(example.features.feature['k'].float_list.value) == [1.0, 2.5]
    tf_graph = tf['graph'].GraphDef()
    tf_node = tf_graph.node.add(name='a', op='Const')
    tf_node.attr['value'].tensor.int64_val.extend([1, 2])
    tf_graph.versions.producer = 9
    graph = pb.GraphDef.FromString(tf_graph.SerializeToString())
    assert list(graph.node[0].attr['value'].tensor.int64_val) == [1, 2]
    assert graph.versions.producer == 9
    tf_config = tf['config'].ConfigProto(allow_soft_placement=True)
    tf_config.graph_options.rewrite_options.layout_optimizer = 2
    config = pb.ConfigProto.FromString(tf_config.SerializeToString())
    assert config.allow_soft_placement
    assert config.graph_options.rewrite_options.layout_optimizer == pb.RewriterConfig.OFF


@pytest.mark.tf
def test_any_packed_by_sluice_unpacks_in_tensorflow():
    tf = _tf_modules()
    meta = pb.MetaGraphDef()
    meta.meta_info_def.any_info.Pack(pb.SaverDef(max_to_keep=4))
    theirs = tf['meta'].MetaGraphDef.FromString(meta.SerializeToString())
    from tensorflow.core.protobuf import saver_pb2
    saver = saver_pb2.SaverDef()
    assert theirs.meta_info_def.any_info.Unpack(saver) and saver.max_to_keep == 4
