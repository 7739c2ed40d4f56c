"""get_file's cache (downloads through file:// URLs, so no network), hashes and extraction; Sequence and
the enqueuers."""
import hashlib
import os
import tarfile
import threading
import zipfile

import numpy as np
import pytest

from sluice.keras.utils import data_utils


@pytest.fixture
def origin(tmp_path):
    source = tmp_path / 'server' / 'payload.txt'
    source.parent.mkdir()
    source.write_bytes(b'sluice keras payload')
    return source


def test_get_file_downloads_once_into_keras_home(tmp_path, origin, monkeypatch):
    monkeypatch.setenv('KERAS_HOME', str(tmp_path / 'home'))
    path = data_utils.get_file('copy.txt', origin.as_uri())
    assert path == str(tmp_path / 'home' / 'datasets' / 'copy.txt')
    assert open(path, 'rb').read() == b'sluice keras payload'
    origin.unlink()   # present in the cache: nothing is fetched
    assert data_utils.get_file('copy.txt', origin.as_uri()) == path


def test_get_file_checks_hashes(tmp_path, origin, capsys):
    md5 = hashlib.md5(origin.read_bytes()).hexdigest()
    sha = hashlib.sha256(origin.read_bytes()).hexdigest()
    path = data_utils.get_file('f.txt', origin.as_uri(), file_hash=sha, cache_dir=str(tmp_path))
    assert data_utils.validate_file(path, sha) and data_utils.validate_file(path, md5)
    assert not data_utils.validate_file(path, md5, algorithm='sha256')
    with open(path, 'wb') as f:
        f.write(b'stale')
    data_utils.get_file('f.txt', origin.as_uri(), md5_hash=md5, cache_dir=str(tmp_path))
    assert 'md5 file hash does not match the original value of ' + md5 in capsys.readouterr().out
    assert open(path, 'rb').read() == b'sluice keras payload'
    with pytest.raises(ValueError, match='Incomplete or corrupted file'):
        data_utils.get_file('g.txt', origin.as_uri(), file_hash='0' * 64, cache_dir=str(tmp_path))
    assert not os.path.exists(os.path.join(str(tmp_path), 'datasets', 'g.txt'))


def test_get_file_reports_a_failed_fetch_and_leaves_nothing(tmp_path):
    with pytest.raises(Exception, match='URL fetch failure on'):
        data_utils.get_file('none.txt', (tmp_path / 'absent.txt').as_uri(), cache_dir=str(tmp_path))
    assert not os.path.exists(os.path.join(str(tmp_path), 'datasets', 'none.txt'))


def test_get_file_extracts_tar_and_zip(tmp_path, origin):
    tar_path = tmp_path / 'server' / 'pack.tar.gz'
    with tarfile.open(str(tar_path), 'w:gz') as tar:
        tar.add(str(origin), arcname='pack/payload.txt')
    untarred = data_utils.get_file('pack', tar_path.as_uri(), untar=True, cache_dir=str(tmp_path / 'c'))
    assert open(os.path.join(untarred, 'payload.txt'), 'rb').read() == b'sluice keras payload'
    zip_path = tmp_path / 'server' / 'z.zip'
    with zipfile.ZipFile(str(zip_path), 'w') as z:
        z.write(str(origin), arcname='inner.txt')
    path = data_utils.get_file('z.zip', zip_path.as_uri(), extract=True, cache_dir=str(tmp_path / 'c'),
                               cache_subdir='sub')
    assert os.path.exists(os.path.join(os.path.dirname(path), 'inner.txt'))
    assert not data_utils._extract_archive(str(origin), str(tmp_path))


class Squares(data_utils.Sequence):
    def __init__(self, n):
        self.n, self.epochs = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i * i])

    def on_epoch_end(self):
        self.epochs += 1


def test_sequence_iterates_its_batches():
    assert [int(b[0]) for b in Squares(4)] == [0, 1, 4, 9]
    with pytest.raises(NotImplementedError, match='must define __len__'):
        len(data_utils.Sequence())


@pytest.mark.parametrize('use_multiprocessing', [False, True])
def test_ordered_enqueuer_keeps_order_across_epochs(use_multiprocessing):
    seq = Squares(5)
    enqueuer = data_utils.OrderedEnqueuer(seq, use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=3)
    stream = enqueuer.get()
    got = [int(next(stream)[0]) for _ in range(12)]
    enqueuer.stop()
    assert got == [0, 1, 4, 9, 16] * 2 + [0, 1]
    assert seq.epochs >= 2 and not enqueuer.is_running()


def test_ordered_enqueuer_shuffles_within_an_epoch():
    enqueuer = data_utils.OrderedEnqueuer(Squares(6), shuffle=True)
    enqueuer.start(workers=1)
    stream = enqueuer.get()
    got = sorted(int(next(stream)[0]) for _ in range(6))
    enqueuer.stop()
    assert got == [0, 1, 4, 9, 16, 25]


def test_generator_enqueuer_ends_with_its_generator():
    lock = threading.Lock()

    def numbers():
        for i in range(7):
            with lock:
                yield i

    enqueuer = data_utils.GeneratorEnqueuer(numbers())
    enqueuer.start(workers=1, max_queue_size=2)
    got = list(enqueuer.get())
    enqueuer.stop()
    assert got == list(range(7))
