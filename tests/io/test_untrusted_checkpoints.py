"""Checkpoint indexes whose entries cannot be trusted: every claim (offset, size, dtype, shape) is
checked against the data file before anything is allocated, and failures are TF's DataLossError
naming the tensor (TF 2.21 itself aborts the process on a bad dtype enum and raises a plain
ValueError on an offset past 2^62)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.io import checkpoint_bundle as bundle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def corrupt_bundle(prefix, value, mutate):
    """Writes `value` as tensor 'v' of a bundle, then rewrites the index with `mutate(entry)` applied."""
    writer = bundle.BundleWriter(prefix, sync=False)
    writer.add('v', value)
    writer.finish()
    reader = bundle.BundleReader(prefix)
    reader.close()
    mutate(reader._entries[b'v'])
    with open(bundle.index_filename(prefix), 'wb') as f:
        bundle.write_index(f, reader._entries)
    return prefix


def _claim(count, size):
    def mutate(entry):
        entry.shape.dim[0].size = count
        entry.size = size
    return mutate


MUTATIONS = [
    ('offset 2^63-1', lambda e: setattr(e, 'offset', 2 ** 63 - 1), 'needs bytes'),
    ('negative offset', lambda e: setattr(e, 'offset', -5), 'needs bytes'),
    ('dtype enum 99', lambda e: setattr(e, 'dtype', 99), 'Invalid DataType enum 99 for tensor v'),
    ('10^12-byte claim', _claim(250000000000, 10 ** 12), 'needs bytes'),
    ('800 MB claim', _claim(200000000, 800000000), 'needs bytes'),
    ('offset past the end', lambda e: setattr(e, 'offset', 1000), 'needs bytes'),
]
VALUES = {'float': np.arange(4, dtype=np.float32), 'string': np.array([b'ab', b'c', b'', b'd'], dtype=object)}


@pytest.mark.parametrize('kind', sorted(VALUES))
@pytest.mark.parametrize('label,mutate,fragment', MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_bad_index_entry_is_data_loss(tmp_path, kind, label, mutate, fragment):
    prefix = corrupt_bundle(str(tmp_path / 'model'), VALUES[kind], mutate)
    reader = tf.train.NewCheckpointReader(prefix)
    with pytest.raises(errors.DataLossError, match=fragment) as info:
        reader.get_tensor('v')
    assert 'v' in str(info.value)


def test_intact_bundle_still_reads(tmp_path):
    for kind, value in VALUES.items():
        prefix = corrupt_bundle(str(tmp_path / kind), value, lambda e: None)
        np.testing.assert_array_equal(tf.train.NewCheckpointReader(prefix).get_tensor('v'), value)


def test_claim_is_refused_before_allocating(tmp_path):
    # Before: the reader allocated the 800 MB the index claimed, then found the data file short.
    prefix = corrupt_bundle(str(tmp_path / 'model'), VALUES['string'], _claim(200000000, 800000000))
    script = '\n'.join([
        'import resource, sys',
        'sys.path.insert(0, %r)' % ROOT,
        'import sluice as tf',
        'before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss',
        'try:',
        '    tf.train.NewCheckpointReader(%r).get_tensor("v")' % prefix,
        'except tf.errors.DataLossError:',
        '    pass',
        'print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0)'])
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.split()[-1]) < 64
