"""The process's device and threading settings made through tf.config (TF 1.15's context config).

TF 1.x's Session merges these into its config only when the program passes none, so here too: a
Session created with `config=None` sees the visible GPUs, their virtual devices and memory growth,
the thread counts and soft placement set through `tf.config`; a Session given a ConfigProto uses
that alone. Physical GPUs are numbered as `devices.physical_gpu_count()` counts them.
"""
import threading

_lock = threading.Lock()
_state = {
    'visible_gpus': None,     # None (all) or [physical index]
    'memory_growth': {},      # physical index -> bool
    'virtual': {},            # physical index -> [memory limit in MB]
    'inter_op': 0, 'intra_op': 0,
    'soft_placement': None,   # None: the ConfigProto default (False)
}


def get(key):
    with _lock:
        value = _state[key]
        return dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value


def set(key, value):  # noqa: A001 - the domain's verb
    with _lock:
        _state[key] = value


def update(key, index, value):
    with _lock:
        _state[key][index] = value


def visible_gpus(physical):
    """The physical GPUs a config-less Session sees."""
    chosen = get('visible_gpus')
    return list(range(physical)) if chosen is None else [i for i in chosen if i < physical]


def memory_growth(index):
    return get('memory_growth').get(index, False)


def virtual_limits(index):
    """[memory limit in MB] of the virtual devices set for physical GPU `index`, or None."""
    return get('virtual').get(index)


def reset():
    """Back to the defaults (tests)."""
    with _lock:
        _state.update(visible_gpus=None, memory_growth={}, virtual={}, inter_op=0, intra_op=0, soft_placement=None)
