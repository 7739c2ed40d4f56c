/* CPU kernels of the word2vec custom ops (declared in op_library.py).
 *
 * skipgram_next_batch: fills `batch` (center word, context word) pairs. The corpus is read as
 *   a ring of word ids, in sentences of up to SENTENCE words; frequent words are dropped while a
 *   sentence is filled, keeping a word of frequency f with probability
 *   min(1, (sqrt(f / (t N)) + 1) * t N / f)  (t: subsample, N: corpus size; t = 0 keeps all).
 *   For each center word a span b in [1, window] is drawn and every word within b places of it
 *   in the sentence (not itself) is its context.
 *   cursor: [0] next corpus position, [1] sentence length, [2] center index, [3] next context
 *   index, [4] context end, [5] epoch, [6] corpus words read (total_words_processed).
 *
 * neg_train: one pass of skip-gram negative sampling SGD over `n` (example, label) pairs: for
 *   each, the true label and num_negative words drawn from the unigram^0.75 distribution (cdf)
 *   are scored against the example's input vector by a dot product with their output vectors;
 *   with g = lr * (y - sigmoid(score)) (y = 1 for the label, 0 for a sample), the output vector
 *   moves by g * input vector and the input vector, once all are scored, by the sum of
 *   g * output vector. Updates are in place, unsynchronized (as TF's, Hogwild style).
 */
#include <math.h>
#include "sluice_op.h"

#define SENTENCE 1000

/* xorshift64*: a small, fast generator; its state lives in a tensor the op keeps */
static uint64_t next_random(uint64_t* state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double uniform01(uint64_t* state) {
    return (double)(next_random(state) >> 11) * (1.0 / 9007199254740992.0);
}

static void fill_sentence(const int32_t* corpus, int64_t corpus_size, const int32_t* freq, float subsample,
                          int32_t* sentence, int64_t* cursor, uint64_t* rng) {
    const double threshold = (double)subsample * (double)corpus_size;
    int64_t length = 0;
    while (length < SENTENCE) {
        int32_t word = corpus[cursor[0]];
        cursor[6] += 1;
        if (++cursor[0] == corpus_size) {
            cursor[0] = 0;
            cursor[5] += 1;
        }
        if (subsample > 0) {
            double f = (double)freq[word];
            double keep = (sqrt(f / threshold) + 1.0) * threshold / f;
            if (uniform01(rng) > keep) continue;
        }
        sentence[length++] = word;
    }
    cursor[1] = length;
    cursor[2] = -1;
}

int skipgram_next_batch(const int32_t* corpus, int64_t corpus_size, const int32_t* freq, int32_t* sentence,
                        int64_t* cursor, uint64_t* rng, int32_t window, float subsample,
                        int32_t* examples, int32_t* labels, int64_t batch, char* err) {
    if (corpus_size <= 0) return sluice_fail(err, "the corpus is empty");
    if (window < 1) return sluice_fail(err, "window_size must be at least 1, got %d", window);
    for (int64_t i = 0; i < batch;) {
        if (cursor[3] >= cursor[4]) {          /* this center is done: the next one */
            cursor[2] += 1;
            if (cursor[2] >= cursor[1]) {
                fill_sentence(corpus, corpus_size, freq, subsample, sentence, cursor, rng);
                cursor[2] = 0;
            }
            int64_t span = 1 + (int64_t)(next_random(rng) % (uint64_t)window);
            cursor[3] = cursor[2] > span ? cursor[2] - span : 0;
            cursor[4] = cursor[2] + span + 1 < cursor[1] ? cursor[2] + span + 1 : cursor[1];
            continue;
        }
        int64_t context = cursor[3]++;
        if (context == cursor[2]) continue;
        examples[i] = sentence[cursor[2]];
        labels[i] = sentence[context];
        ++i;
    }
    return 0;
}

static int32_t draw(const double* cdf, int64_t vocab, uint64_t* rng) {
    double u = uniform01(rng);
    int64_t lo = 0, hi = vocab - 1;
    while (lo < hi) {                           /* the first entry with cdf > u */
        int64_t mid = (lo + hi) / 2;
        if (cdf[mid] > u) hi = mid; else lo = mid + 1;
    }
    return (int32_t)lo;
}

int neg_train(float* w_in, float* w_out, const int32_t* examples, const int32_t* labels, float lr,
              const double* cdf, uint64_t* rng, int32_t num_negative, int64_t vocab, int64_t dim, int64_t n,
              char* err) {
    float buf[4096];
    if (dim > 4096) return sluice_fail(err, "embedding size %lld is over 4096", (long long)dim);
    for (int64_t i = 0; i < n; ++i) {
        int32_t example = examples[i], label = labels[i];
        if (example < 0 || example >= vocab) return sluice_fail(err, "examples[%lld] = %d is not in [0, %lld)",
                                                                (long long)i, example, (long long)vocab);
        if (label < 0 || label >= vocab) return sluice_fail(err, "labels[%lld] = %d is not in [0, %lld)",
                                                            (long long)i, label, (long long)vocab);
        float* v_in = w_in + (int64_t)example * dim;
        for (int64_t d = 0; d < dim; ++d) buf[d] = 0.0f;
        for (int32_t j = 0; j <= num_negative; ++j) {
            int32_t target = j == 0 ? label : draw(cdf, vocab, rng);
            float* v_out = w_out + (int64_t)target * dim;
            float score = 0.0f;
            for (int64_t d = 0; d < dim; ++d) score += v_in[d] * v_out[d];
            float g = lr * ((j == 0 ? 1.0f : 0.0f) - 1.0f / (1.0f + expf(-score)));
            for (int64_t d = 0; d < dim; ++d) {
                buf[d] += g * v_out[d];
                v_out[d] += g * v_in[d];
            }
        }
        for (int64_t d = 0; d < dim; ++d) v_in[d] += buf[d];
    }
    return 0;
}
