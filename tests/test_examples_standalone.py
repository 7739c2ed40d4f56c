"""The examples run from a fresh checkout or a plain install: the MNIST files ship with sluice, a missing
or damaged file and a missing GPU end with a message (no traceback), and every example answers --help."""
import glob
import gzip
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sluice.examples.tutorials.mnist import input_data

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, 'examples')
PACKAGE = os.path.join(REPO, 'sluice')


def _run(script, *args, cwd, env=None, timeout=180):
    environment = {k: v for k, v in os.environ.items() if k != 'SLUICE_MNIST_DIR'}
    environment.update(env or {})
    return subprocess.run([sys.executable, script] + list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environment)


# -- the shipped MNIST files --
def test_mnist_ships_inside_the_package(monkeypatch):
    monkeypatch.delenv('SLUICE_MNIST_DIR', raising=False)
    assert os.path.commonpath([input_data.DATA_DIR, PACKAGE]) == PACKAGE
    assert input_data._locate('MNIST_data/') == input_data.DATA_DIR
    assert os.path.isfile(os.path.join(input_data.DATA_DIR, 'README.md'))
    test_images = input_data.extract_images(os.path.join(input_data.DATA_DIR, 't10k-images-idx3-ubyte.gz'))
    test_labels = input_data.extract_labels(os.path.join(input_data.DATA_DIR, 't10k-labels-idx1-ubyte.gz'))
    assert test_images.shape == (10000, 28, 28, 1) and test_labels.shape == (10000,)
    assert sorted(np.unique(test_labels)) == list(range(10))


def test_package_data_names_the_mnist_files():
    tomllib = pytest.importorskip('tomllib')
    with open(os.path.join(REPO, 'pyproject.toml'), 'rb') as f:
        patterns = tomllib.load(f)['tool']['setuptools']['package-data']['sluice.examples.tutorials.mnist']
    mnist_package = os.path.join(PACKAGE, 'examples', 'tutorials', 'mnist')
    shipped = {os.path.relpath(p, mnist_package) for pattern in patterns
               for p in glob.glob(os.path.join(mnist_package, pattern))}
    assert {'data/' + f for f in input_data.FILES} | {'data/README.md'} <= shipped
    with open(os.path.join(REPO, 'MANIFEST.in')) as f:
        assert 'sluice/examples/tutorials/mnist/data' in f.read()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get('SLUICE_SLOW_TESTS'), reason='set SLUICE_SLOW_TESTS=1 (builds a wheel)')
def test_wheel_carries_the_mnist_files(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-w',
                           str(tmp_path), REPO], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    names = zipfile.ZipFile(glob.glob(str(tmp_path / 'sluice-*.whl'))[0]).namelist()
    for f in input_data.FILES + ('README.md',):
        assert 'sluice/examples/tutorials/mnist/data/' + f in names


def _checkout_copy(root):
    """The project's files without the sibling ../shared folder."""
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    for name in ('sluice', 'examples'):
        shutil.copytree(os.path.join(REPO, name), os.path.join(root, name), ignore=ignore)
    return root


def test_mnist_mlp_runs_from_a_checkout_without_shared(tmp_path):
    checkout = _checkout_copy(tmp_path / 'checkout')
    proc = _run(os.path.join(checkout, 'examples', 'mnist_mlp.py'), '--device', 'cpu', '--epochs', '1',
                '--train_images', '512', '--seed', '1', cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert 'MNIST MLP on CPU: 512 training images, 10000 test images' in proc.stdout
    assert 'test accuracy' in proc.stdout


# -- missing and damaged files --
def _folder_with(tmp_path, files):
    folder = tmp_path / 'mnist'
    folder.mkdir()
    for f in files:
        shutil.copy(os.path.join(input_data.DATA_DIR, f), str(folder / f))
    return folder


def test_partial_folder_names_what_is_missing(tmp_path):
    folder = _folder_with(tmp_path, input_data.FILES[:2])
    with pytest.raises(FileNotFoundError) as info:
        input_data.read_data_sets(str(folder))
    message = str(info.value)
    assert input_data.FILES[2] in message and input_data.FILES[3] in message
    assert input_data.MNIST_MIRROR in message and input_data.DATA_DIR in message


@pytest.mark.parametrize('damage', ['garbage', 'truncated', 'short_idx'])
def test_damaged_file_says_how_to_replace_it(tmp_path, damage):
    folder = _folder_with(tmp_path, input_data.FILES)
    path = folder / input_data.FILES[3]
    if damage == 'garbage':
        path.write_bytes(b'not gzip at all')
    elif damage == 'truncated':
        path.write_bytes(path.read_bytes()[:1000])
    else:  # a valid gzip stream whose IDX payload is shorter than its header says
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:5000]))
    with pytest.raises(ValueError) as info:
        input_data.read_data_sets(str(folder))
    message = str(info.value)
    assert 'damaged' in message and str(path) in message and input_data.MNIST_MIRROR in message


def test_mnist_mlp_reports_a_damaged_file_without_traceback(tmp_path):
    folder = _folder_with(tmp_path, input_data.FILES)
    (folder / input_data.FILES[0]).write_bytes(b'\x1f\x8b broken')
    proc = _run(os.path.join(EXAMPLES, 'mnist_mlp.py'), '--device', 'cpu', '--data_dir', str(folder), cwd=REPO)
    assert proc.returncode == 1
    assert 'damaged' in proc.stderr and input_data.MNIST_MIRROR in proc.stderr
    assert 'Traceback' not in proc.stderr


# -- no GPU, --help, progress --
@pytest.mark.parametrize('script', ['mnist_mlp.py', 'linear_regression.py'])
def test_gpu_asked_for_but_absent(script):
    proc = _run(os.path.join(EXAMPLES, script), '--device', 'gpu', cwd=REPO, timeout=60,
                env={'SLUICE_FAKE_GPUS': '0', 'CUDA_VISIBLE_DEVICES': ''})
    assert proc.returncode == 2
    assert 'no GPU is present' in proc.stderr and 'CuPy' in proc.stderr and 'pip install' in proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('script', ['basics.py', 'mnist_mlp.py', 'linear_regression.py'])
def test_examples_answer_help(script):
    proc = _run(os.path.join(EXAMPLES, script), '--help', cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('usage: %s' % script)
    assert 'product:' not in proc.stdout   # basics.py did its work instead of answering


def test_stochastic_form_shows_progress():
    proc = _run(os.path.join(EXAMPLES, 'linear_regression.py'), '--form', 'stochastic', '--points', '20000',
                '--run_points', '1000', '--device', 'cpu', cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'stochastic: 2900 of 20000 samples (14%)' in proc.stdout   # (text mode reads its \r as \n)
    assert 'stochastic: 20000 of 20000 samples (100%)\n' in proc.stdout
