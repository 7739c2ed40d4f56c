"""tf.keras.utils' data plumbing: the download cache (get_file), Sequence, and the enqueuers that
feed fit_generator from worker threads or processes (TF 1.15's data_utils).

get_file(fname, origin): the file lives at <cache_dir>/<cache_subdir>/<fname>, cache_dir defaulting
to $KERAS_HOME, else ~/.keras (or /tmp/.keras where that is not writable). It is downloaded with urllib
only when absent, or when present with a hash (md5 or sha256, 'auto' tells them apart by length, 64
hex digits being sha256) that does not match; a download whose hash then still differs is removed
and reported (TF 1.15 keeps it silently; later Keras raises, as here). extract/untar unpack tar
(gz, bz2) or zip archives beside it.

Enqueuers: `start(workers, max_queue_size)` starts a feeder thread that submits one task per batch to
a pool (threads, or forked processes with use_multiprocessing) and queues the pending results in
order; `get()` yields them. OrderedEnqueuer runs a Sequence's indices epoch after epoch (shuffled when
asked, calling `on_epoch_end` between epochs); GeneratorEnqueuer draws from a generator until it ends.
"""
import hashlib
import os
import queue
import random
import threading
import time
from contextlib import closing

import numpy as np

from sluice.keras.utils.generic_utils import Progbar


def keras_home():
    """Keras' cache root: $KERAS_HOME, else ~/.keras."""
    return os.environ.get('KERAS_HOME') or os.path.join(os.path.expanduser('~'), '.keras')


def is_generator_or_sequence(x):
    return hasattr(x, '__next__') or hasattr(x, 'next') or isinstance(x, Sequence)


def _extract_archive(file_path, path='.', archive_format='auto'):
    """Unpacks a tar or zip archive into `path`; False when the file is none of `archive_format`."""
    import shutil
    import tarfile
    import zipfile
    if archive_format is None:
        return False
    if archive_format == 'auto':
        archive_format = ['tar', 'zip']
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    kinds = {'tar': (tarfile.is_tarfile, tarfile.open), 'zip': (zipfile.is_zipfile, zipfile.ZipFile)}
    for kind in archive_format:
        is_match, open_archive = kinds[kind]
        if not is_match(file_path):
            continue
        with open_archive(file_path) as archive:
            try:
                archive.extractall(path)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.isfile(path):
                    os.remove(path)
                elif os.path.exists(path):
                    shutil.rmtree(path)
                raise
        return True
    return False


def _hash_algorithm(algorithm, file_hash):
    if algorithm == 'sha256' or (algorithm == 'auto' and len(file_hash) == 64):
        return 'sha256'
    return 'md5'


def _hash_file(fpath, algorithm='sha256', chunk_size=65535):
    """The hex digest of a file ('sha256' or 'md5')."""
    hasher = hashlib.sha256() if algorithm == 'sha256' else hashlib.md5()
    with open(fpath, 'rb') as f:
        for chunk in iter(lambda: f.read(chunk_size), b''):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm='auto', chunk_size=65535):
    """Whether the file's md5 or sha256 digest is `file_hash`."""
    return str(_hash_file(fpath, _hash_algorithm(algorithm, file_hash), chunk_size)) == str(file_hash)


def _download(origin, fpath):
    import urllib.error   # loaded on first download: most imports of sluice never fetch anything
    import urllib.request
    print('Downloading data from', origin)
    progress = {}

    def report(count, block_size, total_size):
        if 'bar' not in progress:
            progress['bar'] = Progbar(None if total_size == -1 else total_size)
        else:
            progress['bar'].update(count * block_size)

    message = 'URL fetch failure on {}: {} -- {}'
    try:
        try:
            urllib.request.urlretrieve(origin, fpath, report)
        except urllib.error.HTTPError as e:
            raise Exception(message.format(origin, e.code, e.msg))
        except urllib.error.URLError as e:
            raise Exception(message.format(origin, e.errno, e.reason))
    except (Exception, KeyboardInterrupt):
        if os.path.exists(fpath):
            os.remove(fpath)
        raise


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir='datasets',
             hash_algorithm='auto', extract=False, archive_format='auto', cache_dir=None):
    """The path of `fname` in the Keras cache, downloaded from `origin` first when needed."""
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, 'md5'
    base = os.path.expanduser(cache_dir or keras_home())
    if not os.access(base, os.W_OK) and not _creatable(base):
        base = os.path.join('/tmp', '.keras')
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    untar_fpath = os.path.join(datadir, fname)
    fpath = untar_fpath + '.tar.gz' if untar else untar_fpath

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print('A local file was found, but it seems to be incomplete or outdated because the '
              + _hash_algorithm(hash_algorithm, file_hash) + ' file hash does not match the original value of '
              + file_hash + ' so we will re-download the data.')
        download = True
    if download:
        _download(origin, fpath)
        if file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
            os.remove(fpath)
            raise ValueError('Incomplete or corrupted file detected: the %s hash of the file downloaded from %s '
                             'does not match the expected value %s.'
                             % (_hash_algorithm(hash_algorithm, file_hash), origin, file_hash))
    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format='tar')
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


def _creatable(path):
    """Whether `path` (absent) can be made: its nearest existing parent is writable."""
    parent = path
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    return not os.path.exists(path) and os.access(parent, os.W_OK)


class Sequence(object):
    """A dataset of batches: subclasses define `__getitem__(index)` (one whole batch) and `__len__`
    (the number of batches), and may define `on_epoch_end`. Each batch is seen once per epoch, which
    makes Sequences safe to read from several workers."""

    def __getitem__(self, index):
        raise NotImplementedError('%s must define __getitem__' % type(self).__name__)

    def __len__(self):
        raise NotImplementedError('%s must define __len__' % type(self).__name__)

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def iter_sequence_infinite(seq):
    while True:
        for item in seq:
            yield item


# What pool workers read: uid -> Sequence or generator (a process pool gets it at fork).
_SHARED_SEQUENCES = {}
_SEQUENCE_COUNTER = [0]
_COUNTER_LOCK = threading.Lock()


def _init_pool(seqs, random_seed=None):
    import multiprocessing
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = seqs
    if random_seed is not None:   # each worker process draws its own stream
        np.random.seed((random_seed + multiprocessing.current_process().ident) % 2 ** 32)


def get_index(uid, i):
    return _SHARED_SEQUENCES[uid][i]


def next_sample(uid):
    return next(_SHARED_SEQUENCES[uid])


class SequenceEnqueuer(object):
    """Base of the enqueuers: `start`, then read `get()` (an endless stream for a Sequence), then `stop`."""

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        with _COUNTER_LOCK:
            self.uid = _SEQUENCE_COUNTER[0]
            _SEQUENCE_COUNTER[0] += 1
        self.workers = 0
        self.executor_fn = None
        self.queue = None
        self.run_thread = None
        self.stop_signal = None

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        import multiprocessing
        from multiprocessing.pool import ThreadPool
        if self.use_multiprocessing:
            seed = getattr(self, 'random_seed', None)
            self.executor_fn = lambda seqs: multiprocessing.Pool(workers, initializer=_init_pool,
                                                                 initargs=(seqs, seed))
        else:
            self.executor_fn = lambda _: ThreadPool(workers)
        self.workers = workers
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _send_sequence(self):
        _SHARED_SEQUENCES[self.uid] = self.sequence

    def stop(self, timeout=None):
        """Stops the feeder thread (call from the thread that started it)."""
        self.stop_signal.set()
        with self.queue.mutex:   # unblock a feeder waiting on a full queue
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify()
        self.run_thread.join(timeout)
        _SHARED_SEQUENCES[self.uid] = None

    def __del__(self):
        if self.is_running():
            self.stop()

    def _run(self):
        raise NotImplementedError

    def get(self):
        raise NotImplementedError


class OrderedEnqueuer(SequenceEnqueuer):
    """Feeds a Sequence's batches in index order (or shuffled per epoch), endlessly."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super(OrderedEnqueuer, self).__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def _wait_queue(self):
        while self.queue.unfinished_tasks and not self.stop_signal.is_set():
            time.sleep(0.1)

    def _run(self):
        indices = list(range(len(self.sequence)))
        self._send_sequence()
        while True:
            if self.shuffle:
                random.shuffle(indices)
            with closing(self.executor_fn(_SHARED_SEQUENCES)) as executor:
                for i in indices:
                    if self.stop_signal.is_set():
                        return
                    self.queue.put(executor.apply_async(get_index, (self.uid, i)), block=True)
                self._wait_queue()   # the epoch's batches are consumed before on_epoch_end changes them
                if self.stop_signal.is_set():
                    return
            self.sequence.on_epoch_end()
            self._send_sequence()

    def get(self):
        try:
            while self.is_running():
                inputs = self.queue.get(block=True).get()
                self.queue.task_done()
                if inputs is not None:
                    yield inputs
        except Exception:
            self.stop()
            raise


class GeneratorEnqueuer(SequenceEnqueuer):
    """Feeds a generator's items; `get()` ends when the generator does."""

    def __init__(self, sequence, use_multiprocessing=False, random_seed=None):
        super(GeneratorEnqueuer, self).__init__(sequence, use_multiprocessing)
        self.random_seed = random_seed

    def _run(self):
        self._send_sequence()
        with closing(self.executor_fn(_SHARED_SEQUENCES)) as executor:
            while not self.stop_signal.is_set():
                self.queue.put(executor.apply_async(next_sample, (self.uid,)), block=True)

    def get(self):
        try:
            while self.is_running():
                inputs = self.queue.get(block=True).get()
                self.queue.task_done()
                if inputs is not None:
                    yield inputs
        except StopIteration:
            pending = []
            while self.queue.qsize() > 0:
                pending.append(self.queue.get(block=True))
            for future in pending:
                future.wait()
            for inputs in [future.get() for future in pending if future.successful()]:
                if inputs is not None:
                    yield inputs
        except Exception as e:
            self.stop()
            if 'generator already executing' in str(e):
                raise RuntimeError('Your generator is NOT thread-safe. Keras requires a thread-safe generator when '
                                   '`use_multiprocessing=False, workers > 1`. ')
            raise
