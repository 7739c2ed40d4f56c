"""word2vec's two ops as a sluice custom-op library: SkipgramWord2vec and NegTrainWord2vec.

SkipgramWord2vec (stateful, no inputs) reads `filename` once per session: whitespace-separated
words; its vocabulary is 'UNK' followed by the words seen at least `min_count` times, most
frequent first (ties by spelling), and UNK's count is that of the rarer words it stands for.
Each run yields `batch_size` skip-gram (example, label) pairs from the corpus (kernel comments
in word2vec_kernels.c), with the vocabulary, the words per epoch (the corpus size), the current
epoch and the corpus words read so far.

NegTrainWord2vec (stateful) updates the input and output embeddings `w_in`, `w_out` (variables)
in place by one step of negative-sampling SGD over `examples`/`labels` at learning rate `lr`,
drawing `num_negative_samples` words per pair from the unigram distribution of `vocab_count`
raised to 0.75. CPU kernels in word2vec_kernels.c; a GPU kernel for NegTrainWord2vec in
word2vec_kernels.cu (SkipgramWord2vec, a reader, stays on the CPU, as in TF). Neither op has
a gradient: NegTrainWord2vec is itself the training step.
"""
import collections
import zlib

import numpy as np

from sluice.custom_ops import Op
from sluice.engine import errors
from sluice.engine.tensor_shape import TensorShape

CPU_SOURCES = ['word2vec_kernels.c']
CUDA_SOURCES = ['word2vec_kernels.cu']

_SENTENCE = 1000   # as SENTENCE in word2vec_kernels.c


def _skipgram_shapes(op):
    batch = op.get_attr('batch_size')
    return [TensorShape([None]), TensorShape([None]), TensorShape([]), TensorShape([]), TensorShape([]),
            TensorShape([batch]), TensorShape([batch])]


skipgram = Op('SkipgramWord2vec', inputs=[],
              outputs=['vocab_word: string', 'vocab_freq: int32', 'words_per_epoch: int64', 'current_epoch: int32',
                       'total_words_processed: int64', 'examples: int32', 'labels: int32'],
              attrs={'filename': 'string', 'batch_size': 'int', 'window_size': ('int', 5), 'min_count': ('int', 5),
                     'subsample': ('float', 1e-3)},
              shape_fn=_skipgram_shapes, stateful=True, differentiable=False,
              doc='Skip-gram (example, label) batches read from a text file, with its vocabulary.')


def read_corpus(op, filename, min_count):
    """(vocabulary words, their counts, the corpus as word ids) of a whitespace-separated text file."""
    try:
        with open(filename, 'rb') as f:
            words = f.read().split()
    except OSError as e:
        raise errors.error_for_op(errors.NotFoundError, op, 'SkipgramWord2vec cannot read %s: %s'
                                  % (filename, e)) from None
    if not words:
        raise errors.error_for_op(errors.InvalidArgumentError, op, 'SkipgramWord2vec: %s has no words' % filename)
    counts = collections.Counter(words)
    kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    ids = {w: i + 1 for i, w in enumerate(kept)}
    vocab = [b'UNK'] + kept
    freq = np.array([sum(c for w, c in counts.items() if w not in ids)] + [counts[w] for w in kept], np.int32)
    corpus = np.fromiter((ids.get(w, 0) for w in words), np.int32, len(words))
    return np.array(vocab, dtype=object), freq, corpus


@skipgram.cpu_kernel(functions={'skipgram_next_batch': (
    'int32[C] corpus, int64 corpus_size, int32[V] freq, int32[S] sentence, int64[7] cursor, uint64[1] rng, '
    'int32 window, float32 subsample, int32[B] examples, int32[B] labels, int64 batch, errbuf err')})
def _skipgram_cpu(op, ctx, lib):
    next_batch = lib.function('skipgram_next_batch')
    filename = op.get_attr('filename')
    filename = filename.decode() if isinstance(filename, bytes) else filename
    batch = op.get_attr('batch_size')
    window, subsample = op.get_attr('window_size'), op.get_attr('subsample')
    if batch < 1:
        raise errors.error_for_op(errors.InvalidArgumentError, op, 'batch_size must be positive, got %d' % batch)

    def start():
        vocab, freq, corpus = read_corpus(op, filename, op.get_attr('min_count'))
        seed = (op.graph.seed or 0) * 1000003 + zlib.crc32(op.name.encode()) + 1
        return dict(vocab=vocab, freq=freq, corpus=corpus, sentence=np.zeros(_SENTENCE, np.int32),
                    cursor=np.array([0, 0, -1, 0, 0, 0, 0], np.int64), rng=np.array([seed], np.uint64))

    def run():
        state = ctx.op_state(start)
        examples, labels = np.empty(batch, np.int32), np.empty(batch, np.int32)
        cursor = state['cursor']
        next_batch(op, state['corpus'], state['corpus'].size, state['freq'], state['sentence'], cursor,
                   state['rng'], window, subsample, examples, labels, batch)
        return (state['vocab'], state['freq'], np.int64(state['corpus'].size), np.int32(cursor[5]),
                np.int64(cursor[6]), examples, labels)
    return run


neg_train = Op('NegTrainWord2vec',
               inputs=['w_in: Ref(float)', 'w_out: Ref(float)', 'examples: int32', 'labels: int32', 'lr: float'],
               outputs=[], attrs={'vocab_count': 'list(int)', 'num_negative_samples': 'int'},
               stateful=True, differentiable=False,
               doc='One negative-sampling SGD step of word2vec, updating w_in and w_out in place.')


def _sampling_cdf(op, vocab_size):
    counts = np.asarray(op.get_attr('vocab_count'), np.float64)
    if counts.size != vocab_size:
        raise errors.error_for_op(errors.InvalidArgumentError, op, 'vocab_count has %d entries but the embeddings '
                                  'have %d rows' % (counts.size, vocab_size))
    weights = counts ** 0.75
    cdf = np.cumsum(weights) / weights.sum()
    cdf[-1] = 1.0
    return cdf


def _embeddings(op, w_in_slot, w_out_slot):
    w_in, w_out = w_in_slot.value, w_out_slot.value
    if w_in is None or w_out is None:
        raise errors.error_for_op(errors.FailedPreconditionError, op, 'Attempting to use uninitialized value %s'
                                  % (w_in_slot.name if w_in is None else w_out_slot.name))
    return w_in, w_out


@neg_train.cpu_kernel(functions={'neg_train': (
    'float32[V,D] w_in, float32[V,D] w_out, int32[N] examples, int32[N] labels, float32 lr, float64[V] cdf, '
    'uint64[1] rng, int32 num_negative, int64 vocab, int64 dim, int64 n, errbuf err')})
def _neg_train_cpu(op, ctx, lib):
    train = lib.function('neg_train')
    negatives = op.get_attr('num_negative_samples')

    def run(w_in_slot, w_out_slot, examples, labels, lr):
        w_in, w_out = _embeddings(op, w_in_slot, w_out_slot)
        state = ctx.op_state(lambda: {'cdf': _sampling_cdf(op, w_in.shape[0]),
                                      'rng': np.array([zlib.crc32(op.name.encode()) + 7], np.uint64)})
        examples = np.ascontiguousarray(examples, np.int32).reshape(-1)
        labels = np.ascontiguousarray(labels, np.int32).reshape(-1)
        train(op, w_in, w_out, examples, labels, float(lr), state['cdf'], state['rng'], negatives,
              w_in.shape[0], w_in.shape[1] if w_in.ndim == 2 else 0, examples.size)
    return run


@neg_train.gpu_kernel(functions=['neg_train_gpu'])
def _neg_train_gpu(op, ctx, module):
    import cupy
    kernel = module.get_function('neg_train_gpu')
    negatives = op.get_attr('num_negative_samples')

    def run(w_in_slot, w_out_slot, examples, labels, lr):
        w_in, w_out = _embeddings(op, w_in_slot, w_out_slot)
        vocab, dim = w_in.shape
        if w_out.shape != w_in.shape or examples.shape != labels.shape:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'w_in %s and w_out %s, examples %s and '
                                      'labels %s must match' % (w_in.shape, w_out.shape, examples.shape,
                                                                labels.shape))
        state = ctx.op_state(lambda: {'cdf': cupy.asarray(_sampling_cdf(op, vocab)),
                                      'rng': cupy.random.RandomState(zlib.crc32(op.name.encode()))})
        n = examples.size
        drawn = cupy.searchsorted(state['cdf'], state['rng'].random_sample(n * negatives), side='right')
        drawn = cupy.minimum(drawn, vocab - 1).astype(cupy.int32)
        examples, labels = cupy.ascontiguousarray(examples, cupy.int32), cupy.ascontiguousarray(labels, cupy.int32)
        if n and (int(examples.min()) < 0 or int(examples.max()) >= vocab or int(labels.min()) < 0
                  or int(labels.max()) >= vocab):
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'examples and labels must be in [0, %d)'
                                      % vocab)
        threads = 128
        kernel(((n + threads - 1) // threads,), (threads,),
               (w_in, w_out, examples, labels, drawn, cupy.float32(lr), cupy.int32(negatives), cupy.int64(dim),
                cupy.int64(n)))
    return run
