"""examples/mnist_data_pipeline.py runs unchanged: writes the TFRecords, trains on tf.data, learns."""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_mnist_data_pipeline_example_learns(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'examples', 'mnist_data_pipeline.py'), '--steps', '200',
                           '--records_dir', str(tmp_path), '--eval_batches', '10'],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert os.path.exists(tmp_path / 'train.tfrecords') and os.path.exists(tmp_path / 'validation.tfrecords')
    losses = [float(v) for v in re.findall(r'loss = (\S+)', proc.stdout)]
    assert losses[0] > 2.0 and losses[-1] < 1.0, proc.stdout
    precision = {m.group(1): float(m.group(2)) for m in re.finditer(r'^(\w+): \d+ / 1000 correct, precision (\S+)',
                                                                   proc.stdout, re.M)}
    assert sorted(precision) == ['train', 'validation'] and min(precision.values()) > 0.6, proc.stdout
