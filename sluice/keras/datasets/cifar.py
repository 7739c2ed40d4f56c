"""The CIFAR batch format both CIFAR loaders read: a pickled dict (bytes keys) whose b'data' rows are
3x32x32 uint8 images, channel-major, and whose labels sit under `label_key`."""
import pickle


def load_batch(fpath, label_key='labels'):
    """(data [n, 3, 32, 32], labels list) of one CIFAR batch file."""
    with open(fpath, 'rb') as f:
        d = pickle.load(f, encoding='bytes')
    d = {k.decode('utf8') if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = d['data']
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
