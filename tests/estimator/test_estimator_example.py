"""examples/estimator_mnist.py runs on the MNIST copy shipped with sluice and learns (a few steps)."""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_estimator_mnist_example_trains_evaluates_predicts_and_resumes(tmp_path):
    model_dir = str(tmp_path / 'model')
    args = [sys.executable, os.path.join(REPO, 'examples', 'estimator_mnist.py'), '--steps', '12',
            '--train_images', '600', '--eval_images', '200', '--seed', '3', '--model_dir', model_dir]
    for expected_step in (12, 24):  # the second run resumes from the first one's checkpoint
        proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        accuracy, loss, step = re.search(r'evaluation: accuracy (\S+)  loss (\S+)  global_step (\d+)',
                                         proc.stdout).groups()
        assert int(step) == expected_step
    assert float(accuracy) > 0.5  # chance is 0.1
    assert re.search(r'predicted \[(\d, ){4}\d\] for digits \[7, 2, 1, 0, 4\]', proc.stdout)
    files = os.listdir(model_dir)
    assert {'checkpoint', 'graph.pbtxt', 'model.ckpt-24.index', 'eval'} <= set(files)
