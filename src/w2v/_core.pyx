# cython: language_level=3
"""Training kernels: skip-gram and CBOW with negative sampling and/or hierarchical softmax,
or with the exact (full) softmax over the vocabulary.

Everything here runs without the GIL and without Python objects. One call trains a whole
batch of sentences (int32 word indices) for one thread; the Python driver runs one
``Worker`` per thread over shared weights, lock-free, as the C tool and gensim do.

How the modes compose: ``train_sentence`` subsamples and draws each centre word's window,
then calls the model's ``train_centre`` (skip-gram pairs, skip-gram with shared noise
words, or CBOW), which calls the model's ``output_update`` (negative sampling, hierarchical
softmax, both, or the exact softmax) for each example. ``TrainingModel`` picks both
functions once, from the objective, in ``KERNELS``; no kernel tests a mode flag.

Why one long module: it implements the cdef classes that ``_core.pxd`` declares
(``TrainingModel``, ``Worker``) next to the kernels they bind, because the binding fills the
very struct the kernels read and the kernels are inlined helpers that other compiled modules
reach only through the ``.pxd``. Splitting the file would split one C struct's writer from
its readers; the sections below keep the layers apart instead.

Numerics (where they differ from the references, on purpose)
-------------------------------------------------------------
* Out-of-range scores (|f| >= 6) skip the update, in negative sampling as in gensim and in
  hierarchical softmax as in both references. The C tool clamps them in negative sampling
  instead (g = (label - 1) * alpha for f >= 6, label * alpha for f <= -6); measured on the
  dev corpus, clamping cost CBOW 0.3 analogy points (bench/results/accuracy.md).
* The sigmoid table has 1000 entries over [-6, 6] and is indexed with the exact scale
  1000 / 12 (the C tool's integer arithmetic uses 83 and never reaches the last entries).
* Noise words are drawn with an alias table (O(1) per draw, exact distribution) instead of
  the C tool's 1e8-entry table or gensim's bisection; the random stream therefore differs.
* The loss is accumulated in float64 per thread, for every output term (including those the
  update skips), as -log(sigmoid(f)) for positive and -log(sigmoid(-f)) for negative labels.
  The full softmax adds the exact negative log-likelihood -log p(target) of each example.
* The full softmax uses no table and no clamping: exp is computed after subtracting the
  largest score, so it neither overflows nor loses the target's probability.
"""

cimport cython
from libc.math cimport exp, expf, log, log1p
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from w2v.cshared.blas cimport axpy, axpy_pair, dot, gemm, gemv, ger, scal

import numpy as np

cdef extern from "w2v_platform.h":
    void W2V_PREFETCH_WRITE(const void *address) noexcept nogil
    const char *W2V_COMPILE_ARGS

COMPILE_ARGS = W2V_COMPILE_ARGS.decode("ascii")

# One entry more than SIGMOID_TABLE_SIZE, as in the C tool: for the float32 scores just below
# MAX_EXP, f + MAX_EXP rounds up to 2 * MAX_EXP and the index to SIGMOID_TABLE_SIZE. Without
# that entry the lookup read the next global (a pointer) as the sigmoid, and an unlucky score
# gave a gradient of arbitrary size that blew the whole model up.
cdef real_t SIGMOID_TABLE[SIGMOID_TABLE_SIZE + 1]
cdef real_t SIGMOID_SCALE = SIGMOID_TABLE_SIZE / (2.0 * MAX_EXP)


cdef void _fill_sigmoid_table() noexcept:
    cdef int i
    cdef double x
    for i in range(SIGMOID_TABLE_SIZE + 1):
        x = exp((i / <double>SIGMOID_TABLE_SIZE * 2.0 - 1.0) * MAX_EXP)
        SIGMOID_TABLE[i] = <real_t>(x / (x + 1.0))


_fill_sigmoid_table()


def sigmoid_table():
    """Return a copy of the sigmoid table the kernels use (for reference implementations).

    Examples
    --------
    >>> from w2v import _core
    >>> table = _core.sigmoid_table()
    >>> table.shape, bool(abs(table[500] - 0.5) < 1e-6)
    ((1001,), True)
    """
    return np.array([SIGMOID_TABLE[i] for i in range(SIGMOID_TABLE_SIZE + 1)], dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Small helpers shared by every mode
# ---------------------------------------------------------------------------------------------

cdef inline real_t sigmoid(real_t f) noexcept nogil:
    """sigmoid(f) from the table; only for -MAX_EXP < f < MAX_EXP."""
    return SIGMOID_TABLE[<int>((f + MAX_EXP) * SIGMOID_SCALE)]


cdef inline double softplus(double x) noexcept nogil:
    """log(1 + exp(x)) without overflow: the loss of one output term."""
    if x > 0:
        return x + log1p(exp(-x))
    return log1p(exp(x))


cdef inline void prefetch_row(const real_t *row, int size) noexcept nogil:
    # A cache line holds 16 floats; start loading the whole row before we need it.
    cdef int offset
    for offset in range(0, size, 16):
        W2V_PREFETCH_WRITE(row + offset)


cdef inline void add_to_input(const ModelConfig *model, int32_t word, const real_t *gradient) noexcept nogil:
    """The input vector of `word` takes the accumulated gradient, scaled by the word's lock
    factor: syn0[word] += lockf[word] * gradient (every input update of every mode goes here)."""
    axpy(model.size, model.lockf[word * model.lockf_stride], gradient, input_row(model, word))


cdef inline int32_t draw_noise_word(const ModelConfig *model, uint64_t *rng) noexcept nogil:
    """One draw from the noise distribution (count ** ns_exponent) via the alias table."""
    cdef uint32_t column = <uint32_t>((<uint64_t>next_random(rng) * <uint64_t>model.vocab_size) >> 32)
    cdef const uint32_t *entry = &model.alias[2 * <uint64_t>column]
    # Select with a mask, not a branch: the accept test is a coin flip on a value that is
    # often still being loaded, and a mispredicted branch would serialise the misses.
    cdef uint32_t keep_mask = 0u - <uint32_t>(next_random(rng) < entry[0])
    return <int32_t>((column & keep_mask) | (entry[1] & ~keep_mask))


cdef inline void refill_noise(const ModelConfig *model, WorkerState *worker) noexcept nogil:
    """Draw the next NOISE_BUFFER_SIZE noise words (independent loads, so misses overlap)."""
    cdef int i
    for i in range(NOISE_BUFFER_SIZE):
        worker.noise_buffer[i] = draw_noise_word(model, &worker.noise_rng)
    worker.noise_position = 0


cdef inline int32_t next_noise_word(const ModelConfig *model, WorkerState *worker) noexcept nogil:
    if worker.noise_position == NOISE_BUFFER_SIZE:
        refill_noise(model, worker)
    worker.noise_position += 1
    return worker.noise_buffer[worker.noise_position - 1]


cdef inline int draw_noise_words(const ModelConfig *model, WorkerState *worker, int32_t word,
                                 int32_t *noise_words) noexcept nogil:
    """Draw `negative` noise words into noise_words, skipping draws equal to `word` (as the C
    tool and gensim do); return how many were kept.

    Noise words come from their own random stream, drawn ahead in a buffer, so the rows of
    the *next* example's noise words are prefetched here while this example trains.
    """
    cdef int i, kept = 0
    cdef int32_t noise
    cdef int ahead
    for i in range(model.negative):
        noise = next_noise_word(model, worker)
        if noise != word:
            noise_words[kept] = noise
            kept += 1
    ahead = min(model.negative, NOISE_BUFFER_SIZE - worker.noise_position)
    for i in range(ahead):
        prefetch_row(output_row(model, model.syn1neg, worker.noise_buffer[worker.noise_position + i]),
                     model.size)
    return kept


cdef inline real_t gradient(const ModelConfig *model, WorkerState *worker, real_t f, real_t label,
                            real_t alpha) noexcept nogil:
    """g = (label - sigmoid(f)) * alpha for the score f of one output term, and its loss.

    Out-of-range scores give 0, i.e. the update is skipped (as gensim; see the module notes).
    """
    if model.compute_loss:
        worker.loss += softplus((1.0 - 2.0 * label) * f)
    if not (-MAX_EXP < f < MAX_EXP):  # written so that a NaN score lands here, never in the table
        return 0.0
    return (label - sigmoid(f)) * alpha


cdef inline void output_term(const ModelConfig *model, WorkerState *worker,
                             real_t *input_vector, real_t *output_vector,
                             real_t label, real_t alpha) noexcept nogil:
    """The word2vec update for one (input vector, output vector, label) triple.

    f = v.u; g = (label - sigmoid(f)) * alpha; neu1e += g * u; u += g * v.
    """
    cdef real_t g = gradient(model, worker, dot(model.size, input_vector, output_vector), label, alpha)
    if g == 0:
        return
    axpy_pair(model.size, g, output_vector, worker.neu1e, input_vector, output_vector)


# ---------------------------------------------------------------------------------------------
# Output layers: one (input vector, true word) example each (OutputUpdate)
# ---------------------------------------------------------------------------------------------

cdef void hs_output(const ModelConfig *model, WorkerState *worker,
                    real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """Hierarchical softmax: one output term per inner node on the word's Huffman path."""
    cdef int64_t p
    for p in range(model.hs_offsets[word], model.hs_offsets[word + 1]):
        output_term(model, worker, input_vector, output_row(model, model.syn1, model.hs_points[p]),
                    1.0 - model.hs_codes[p], alpha)


cdef inline void negative_output(const ModelConfig *model, WorkerState *worker,
                                 real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """Negative sampling: the true word with label 1, then the noise words with label 0."""
    cdef int i
    cdef int n_noise = draw_noise_words(model, worker, word, worker.noise_words)
    output_term(model, worker, input_vector, output_row(model, model.syn1neg, word), 1.0, alpha)
    for i in range(n_noise):
        output_term(model, worker, input_vector, output_row(model, model.syn1neg, worker.noise_words[i]),
                    0.0, alpha)


cdef void hs_and_negative_output(const ModelConfig *model, WorkerState *worker,
                                 real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """Both approximations, hierarchical softmax first (as the C tool and gensim)."""
    hs_output(model, worker, input_vector, word, alpha)
    negative_output(model, worker, input_vector, word, alpha)


cdef inline real_t softmax_exponentials(real_t *scores, int n_words, int32_t word,
                                        double *loss) noexcept nogil:
    """Replace scores s by exp(s - max s) in place and return 1 / their sum, so that
    softmax(s) = scores * the returned value.

    Stable: the largest score is subtracted before exp, so exp never overflows and the sum
    (in float64) is at least 1. If `loss` is not NULL, the exact -log p(word) is added to it.
    """
    cdef int j
    cdef real_t top = scores[0]
    cdef real_t target = scores[word]
    cdef double total = 0.0
    for j in range(1, n_words):
        if scores[j] > top:
            top = scores[j]
    for j in range(n_words):
        scores[j] = expf(scores[j] - top)
        total += scores[j]
    if loss != NULL:
        # -log p(word) = log(sum exp(s - max)) - (s_word - max)
        loss[0] += log(total) - (<double>target - top)
    return <real_t>(1.0 / total)


cdef void softmax_output(const ModelConfig *model, WorkerState *worker,
                         real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """The exact softmax over the whole vocabulary for one (input h, true word t) example.

    With U the output matrix (V x d, row-major): s = U h (one gemv), p = softmax(s),
    g = alpha * (onehot(t) - p) = -alpha * dNLL/ds, then neu1e += U^T g (gemv, with U as it
    was before this example, the order of the other modes' output_term) and U += g h^T
    (one rank-1 ger). Cost per example: three passes over U, about 6 V d flops.
    """
    cdef int n_words = <int>model.vocab_size
    cdef real_t *scores = worker.softmax_scores
    cdef real_t scale
    gemv(False, n_words, model.size, 1.0, model.syn1softmax, model.output_stride, input_vector, 0.0, scores)
    scale = -alpha * softmax_exponentials(scores, n_words, word,
                                          &worker.loss if model.compute_loss else NULL)
    # scores held exp(s - max); scaling by -alpha / sum gives -alpha * p, then add the one-hot.
    scal(n_words, scale, scores)
    scores[word] += alpha
    gemv(True, n_words, model.size, 1.0, model.syn1softmax, model.output_stride, scores, 1.0, worker.neu1e)
    ger(n_words, model.size, 1.0, scores, input_vector, model.syn1softmax, model.output_stride)


# ---------------------------------------------------------------------------------------------
# Centre words: skip-gram and CBOW over one window each (CentreUpdate)
# ---------------------------------------------------------------------------------------------

cdef inline void skipgram_pair(const ModelConfig *model, WorkerState *worker, OutputUpdate output_update,
                               int32_t centre, int32_t context, real_t alpha) noexcept nogil:
    """Skip-gram, C-tool order: the context word's input vector predicts the centre word."""
    memset(worker.neu1e, 0, model.size * sizeof(real_t))
    output_update(model, worker, input_row(model, context), centre, alpha)
    add_to_input(model, context, worker.neu1e)


cdef inline void skipgram_window(const ModelConfig *model, WorkerState *worker, OutputUpdate output_update,
                                 const int32_t *sentence, int64_t centre, int64_t start, int64_t end,
                                 real_t alpha) noexcept nogil:
    """Skip-gram: every context word of the window predicts the centre word, one pair at a time."""
    cdef int64_t j
    for j in range(start, end):
        if j != centre:
            # Start loading the next pair's input row while this pair trains.
            if j + 1 < end:
                prefetch_row(input_row(model, sentence[j + 1]), model.size)
            skipgram_pair(model, worker, output_update, sentence[centre], sentence[j], alpha)


cdef void skipgram_centre(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                          int64_t length, int64_t centre, int64_t start, int64_t end,
                          real_t alpha) noexcept nogil:
    """Skip-gram with the model's output layers (``model.output_update``, called through the pointer)."""
    skipgram_window(model, worker, model.output_update, sentence, centre, start, end, alpha)


cdef void skipgram_negative_centre(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                                   int64_t length, int64_t centre, int64_t start, int64_t end,
                                   real_t alpha) noexcept nogil:
    """Skip-gram with negative sampling, the default objective, called directly so that the
    compiler can inline it into the pair loop (through the pointer, once per pair, it cannot)."""
    skipgram_window(model, worker, negative_output, sentence, centre, start, end, alpha)


cdef void shared_negatives_window(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                                  int64_t centre, int64_t start, int64_t end, real_t alpha) noexcept nogil:
    """Skip-gram negative sampling for a whole window at once, sharing its noise words (HogBatch).

    Ji et al. (2016): the B context vectors of one centre word form X (B x d) and the output
    vectors of the centre word and its k noise words form Y (K x d, K = k + 1, drawn once for
    the whole window instead of once per pair). Then
        S = Y X^T (one gemm),  G = (labels - sigmoid(S)) * alpha (element-wise),
        dX = G^T Y and dY = G X (two gemm),
    and dX, dY are added back to the rows they came from (lock-free, as the exact mode).
    Every score of the window uses the vectors as they were before the window's update.
    """
    cdef int size = model.size
    cdef int n_inputs = 0, n_outputs, b, t
    cdef int64_t j
    cdef int32_t word = sentence[centre]
    cdef real_t *inputs = worker.batch_inputs
    cdef real_t *outputs = worker.batch_outputs
    cdef real_t *scores = worker.batch_scores
    cdef real_t *entry
    for j in range(start, end):
        if j != centre:
            worker.batch_contexts[n_inputs] = sentence[j]
            memcpy(&inputs[n_inputs * size], input_row(model, sentence[j]), size * sizeof(real_t))
            n_inputs += 1
    if n_inputs == 0:
        return
    worker.batch_targets[0] = word
    n_outputs = 1 + draw_noise_words(model, worker, word, &worker.batch_targets[1])
    for t in range(n_outputs):
        memcpy(&outputs[t * size], output_row(model, model.syn1neg, worker.batch_targets[t]),
               size * sizeof(real_t))
    gemm(False, True, n_outputs, n_inputs, size, 1.0, outputs, size, inputs, size, 0.0, scores, n_inputs)
    for t in range(n_outputs):
        for b in range(n_inputs):
            entry = &scores[t * n_inputs + b]
            entry[0] = gradient(model, worker, entry[0], 1.0 if t == 0 else 0.0, alpha)
    gemm(True, False, n_inputs, size, n_outputs, 1.0, scores, n_inputs, outputs, size, 0.0,
         worker.batch_input_grads, size)
    gemm(False, False, n_outputs, size, n_inputs, 1.0, scores, n_inputs, inputs, size, 0.0,
         worker.batch_output_grads, size)
    for b in range(n_inputs):
        add_to_input(model, worker.batch_contexts[b], &worker.batch_input_grads[b * size])
    for t in range(n_outputs):
        axpy(size, 1.0, &worker.batch_output_grads[t * size], output_row(model, model.syn1neg, worker.batch_targets[t]))


cdef void skipgram_shared_negatives_centre(const ModelConfig *model, WorkerState *worker,
                                           const int32_t *sentence, int64_t length, int64_t centre,
                                           int64_t start, int64_t end, real_t alpha) noexcept nogil:
    """Batched skip-gram: negative sampling for the whole window in three matrix products."""
    shared_negatives_window(model, worker, sentence, centre, start, end, alpha)


cdef void skipgram_hs_shared_negatives_centre(const ModelConfig *model, WorkerState *worker,
                                              const int32_t *sentence, int64_t length, int64_t centre,
                                              int64_t start, int64_t end, real_t alpha) noexcept nogil:
    """Batched skip-gram with hierarchical softmax: exact hs for every pair, then the window's
    negative sampling in three matrix products."""
    skipgram_centre(model, worker, sentence, length, centre, start, end, alpha)
    shared_negatives_window(model, worker, sentence, centre, start, end, alpha)


cdef inline void cbow_window(const ModelConfig *model, WorkerState *worker, OutputUpdate output_update,
                             const int32_t *sentence, int64_t length, int64_t centre, int64_t start,
                             int64_t end, real_t alpha) noexcept nogil:
    """CBOW: the mean (or sum) of the context vectors in [start, end) predicts the centre.

    As in the C tool and gensim, the input gradient is added undivided to every context
    vector with cbow_mean=1; with cbow_mean=0 (sum) gensim divides it by the context count,
    and so do we.
    """
    cdef int size = model.size
    cdef int64_t j
    cdef int count = 0
    cdef real_t inverse_count
    # A word first enters a window at most `window` places ahead of the centre, so loading
    # that far ahead has every context row in flight one centre early.
    if centre + model.window + 1 < length:
        prefetch_row(input_row(model, sentence[centre + model.window + 1]), size)
    memset(worker.neu1, 0, size * sizeof(real_t))
    for j in range(start, end):
        if j != centre:
            axpy(size, 1.0, input_row(model, sentence[j]), worker.neu1)
            count += 1
    if count == 0:
        return
    inverse_count = 1.0 / count
    if model.cbow_mean:
        scal(size, inverse_count, worker.neu1)
    memset(worker.neu1e, 0, size * sizeof(real_t))
    output_update(model, worker, worker.neu1, sentence[centre], alpha)
    if not model.cbow_mean:
        scal(size, inverse_count, worker.neu1e)
    for j in range(start, end):
        if j != centre:
            add_to_input(model, sentence[j], worker.neu1e)


cdef void cbow_centre(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                      int64_t length, int64_t centre, int64_t start, int64_t end,
                      real_t alpha) noexcept nogil:
    """CBOW with the model's output layers (``model.output_update``, called through the pointer)."""
    cbow_window(model, worker, model.output_update, sentence, length, centre, start, end, alpha)


cdef void cbow_negative_centre(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                               int64_t length, int64_t centre, int64_t start, int64_t end,
                               real_t alpha) noexcept nogil:
    """CBOW with negative sampling, the default objective, called directly (see skipgram_negative_centre)."""
    cbow_window(model, worker, negative_output, sentence, length, centre, start, end, alpha)


# ---------------------------------------------------------------------------------------------
# The kernels of each objective, chosen once per train() call
# ---------------------------------------------------------------------------------------------

cdef struct ObjectiveKernels:
    OutputUpdate output_update        # per example (NULL: none)
    CentreUpdate skipgram_centre      # what skip-gram does per centre word
    CentreUpdate cbow_centre          # what CBOW does per centre word (NULL: skip-gram only)

# Negative sampling, the default, has centre functions that call its output layer directly.
cdef ObjectiveKernels KERNELS[N_OBJECTIVES]
KERNELS[OBJECTIVE_NEGATIVE] = ObjectiveKernels(negative_output, skipgram_negative_centre, cbow_negative_centre)
KERNELS[OBJECTIVE_HS] = ObjectiveKernels(hs_output, skipgram_centre, cbow_centre)
KERNELS[OBJECTIVE_BOTH] = ObjectiveKernels(hs_and_negative_output, skipgram_centre, cbow_centre)
KERNELS[OBJECTIVE_SOFTMAX] = ObjectiveKernels(softmax_output, skipgram_centre, cbow_centre)
KERNELS[OBJECTIVE_SHARED_NEGATIVES] = ObjectiveKernels(NULL, skipgram_shared_negatives_centre, NULL)
KERNELS[OBJECTIVE_SHARED_NEGATIVES_HS] = ObjectiveKernels(hs_output, skipgram_hs_shared_negatives_centre, NULL)

#: ``w2v.config.Objective`` values -> the C objective codes.
OBJECTIVE_CODES = {
    "negative": OBJECTIVE_NEGATIVE,
    "hs": OBJECTIVE_HS,
    "both": OBJECTIVE_BOTH,
    "softmax": OBJECTIVE_SOFTMAX,
    "shared_negatives": OBJECTIVE_SHARED_NEGATIVES,
    "shared_negatives_hs": OBJECTIVE_SHARED_NEGATIVES_HS,
}


# ---------------------------------------------------------------------------------------------
# Sentences and batches
# ---------------------------------------------------------------------------------------------

cdef inline int64_t subsample(const ModelConfig *model, WorkerState *worker,
                              const int32_t *words, int64_t length) noexcept nogil:
    """Copy the tokens that survive frequent-word subsampling into worker.kept."""
    cdef int64_t i
    cdef int64_t kept = 0
    cdef int32_t word
    if model.keep_threshold == NULL:
        memcpy(worker.kept, words, length * sizeof(int32_t))
        return length
    for i in range(length):
        word = words[i]
        if next_random(&worker.rng) <= model.keep_threshold[word]:
            worker.kept[kept] = word
            kept += 1
    return kept


cdef int64_t train_sentence(const ModelConfig *model, WorkerState *worker,
                            const int32_t *words, int64_t length,
                            real_t alpha_start, real_t alpha_end) noexcept nogil:
    """Train on one sentence; alpha falls linearly from alpha_start to alpha_end across it.

    Subsampled words are removed before windows are formed; each centre word draws its
    window radius uniformly from 1..window when shrink_windows is on. Returns the number of
    words kept (the "effective" words), which is also added to worker.effective_words.
    worker.kept must hold at least `length` words.
    """
    cdef int64_t n = subsample(model, worker, words, length)
    cdef int64_t i, start, end
    cdef int radius
    cdef real_t slope = (alpha_end - alpha_start) / n if n > 0 else 0
    worker.effective_words += n
    for i in range(n):
        radius = model.window
        if model.shrink_windows:
            radius -= next_random(&worker.rng) % model.window
        start = i - radius if i > radius else 0
        end = i + radius + 1 if i + radius + 1 < n else n
        model.train_centre(model, worker, worker.kept, n, i, start, end, alpha_start + slope * i)
    return n


cdef int64_t train_batch(const ModelConfig *model, WorkerState *worker,
                         const int32_t *tokens, const int64_t *sentence_ends,
                         int64_t n_sentences, real_t alpha_start,
                         real_t alpha_end) noexcept nogil:
    """Train on a batch of sentences stored back to back; alpha falls linearly across it."""
    cdef int64_t total = sentence_ends[n_sentences - 1] if n_sentences > 0 else 0
    cdef int64_t s, start = 0, end
    cdef int64_t effective = 0
    cdef real_t span = alpha_end - alpha_start
    for s in range(n_sentences):
        end = sentence_ends[s]
        effective += train_sentence(model, worker, &tokens[start], end - start,
                                    alpha_start + span * start / total,
                                    alpha_start + span * end / total)
        start = end
    return effective


cdef int check_batch(const int32_t *tokens, int64_t n_tokens, const int64_t *sentence_ends,
                     int64_t n_sentences, int64_t vocab_size) noexcept nogil:
    """0 if the batch is well formed, 1 for bad sentence ends, 2 for an out-of-range word."""
    cdef int64_t i, previous = 0
    for i in range(n_sentences):
        if sentence_ends[i] < previous or sentence_ends[i] > n_tokens:
            return 1
        previous = sentence_ends[i]
    if previous != n_tokens:
        return 1
    for i in range(n_tokens):
        if tokens[i] < 0 or tokens[i] >= vocab_size:
            return 2
    return 0


cpdef void raise_for_batch_status(int status) except *:
    """Raise the error ``check_batch`` found (nothing for status 0).

    Examples
    --------
    >>> raise_for_batch_status(2)
    Traceback (most recent call last):
    ...
    ValueError: a token index is outside the vocabulary (the vocabulary changed without its vectors?)
    """
    if status == 1:
        raise ValueError("sentence_ends must be non-decreasing and end at len(tokens)")
    if status == 2:
        raise ValueError("a token index is outside the vocabulary (the vocabulary changed without its vectors?)")


# ---------------------------------------------------------------------------------------------
# Python-facing wrappers: built once per train() call (model) and once per thread (worker)
# ---------------------------------------------------------------------------------------------

cdef real_t *_matrix_pointer(object array, int64_t rows, int columns, str name,
                             int *row_stride) except? NULL:
    """A pointer to a writable float32 matrix of the given shape whose rows are contiguous.

    Rows may be padded (row_stride >= columns floats apart); the stride is stored in
    *row_stride, which must be 0 (not set yet) or already equal to it. A single row has no
    stride to agree on (numpy reports any value for it), so it leaves *row_stride alone.
    """
    cdef real_t[:, :] view
    cdef int stride
    if array is None:
        return NULL
    view = array
    if view.shape[0] != rows or view.shape[1] != columns:
        raise ValueError(f"{name} has shape {tuple(array.shape)}, expected ({rows}, {columns})")
    if rows == 0:
        return NULL
    if view.strides[1] != sizeof(real_t) or view.strides[0] % sizeof(real_t) or view.strides[0] < 0:
        raise ValueError(f"{name} must have contiguous rows (strides {view.strides[0]}, {view.strides[1]})")
    if rows == 1:
        return &view[0, 0]
    stride = <int>(view.strides[0] // sizeof(real_t))
    if stride < columns:
        raise ValueError(f"{name}'s rows overlap (stride {stride} < {columns} columns)")
    if row_stride[0] and row_stride[0] != stride:
        raise ValueError(f"{name} has a row stride of {stride} floats, expected {row_stride[0]}")
    row_stride[0] = stride
    return &view[0, 0]


cdef class TrainingModel:
    """The C view of a model's configuration, weights and tables, fixed for one ``train()`` call.

    Everything is read by name: the settings and the objective from ``config``, each output
    matrix from ``outputs`` under its layer name, each table from ``tables``. The matrices
    are updated in place by the workers.

    Parameters
    ----------
    config : w2v.config.TrainingConfig
        The model's configuration; its objective chooses the kernels and the output layers
        that must be given.
    vectors : numpy.ndarray
        float32 input vectors (syn0), one C-contiguous row per word.
    outputs : dict of str to numpy.ndarray
        The output matrices ``config.output_layers`` names (``syn1neg``, ``syn1``,
        ``syn1softmax``), float32 with contiguous rows, ``config.output_rows(layer, V)`` rows
        each; extra entries (None, or layers this objective does not train) are ignored.
    tables : w2v.vocab.tables.TrainingTables
        Subsampling thresholds, the noise alias table and the Huffman tree, as far as the
        objective needs them (``w2v.vocab.tables.training_tables`` makes them).
    compute_loss : bool, optional
        Tally the loss (default: ``config.compute_loss``).
    vectors_lockf : numpy.ndarray, optional
        Learning-rate factor of the input vectors (gensim's ``wv.vectors_lockf``): one value
        for every word (length 1; the default is ``[1.0]``) or one per word (length
        ``vocab_size``); 0.0 freezes a word's input vector.

    Examples
    --------
    >>> import numpy as np
    >>> from w2v import _core
    >>> from w2v.config import TrainingConfig
    >>> from w2v.vocab.tables import training_tables
    >>> config = TrainingConfig(sg=1, negative=2, window=2, vector_size=4)
    >>> syn0 = np.full((3, 4), 0.1, dtype=np.float32)
    >>> syn1neg = np.zeros((3, 4), dtype=np.float32)
    >>> tables = training_tables(np.array([5, 3, 2]), config.replace(sample=0))
    >>> model = _core.TrainingModel(config, syn0, {"syn1neg": syn1neg}, tables, compute_loss=True)
    >>> worker = _core.Worker(model, seed=1)
    >>> effective, loss = worker.train_batch(np.array([0, 1, 2], dtype=np.int32),
    ...                                      np.array([3], dtype=np.int64), 0.025, 0.025)
    >>> effective, loss > 0
    (3, True)
    """

    def __init__(self, config not None, vectors not None, outputs=None, tables=None, compute_loss=None,
                 vectors_lockf=None):
        cdef int64_t vocab_size = vectors.shape[0]
        cdef int size = vectors.shape[1]
        cdef int input_stride = size
        cdef int objective = OBJECTIVE_CODES[config.objective.value]
        outputs = {} if outputs is None else outputs
        if vocab_size < 1 or size < 1:
            raise ValueError("the model needs at least one word and one dimension")
        if size != config.vector_size:
            raise ValueError(f"the vectors have {size} columns, but vector_size={config.vector_size}")
        if not config.sg and KERNELS[objective].cbow_centre == NULL:
            raise ValueError(f"the {config.objective.value} objective trains skip-gram only (sg=1)")
        memset(&self.config, 0, sizeof(ModelConfig))
        self.config.objective = objective
        self.config.output_update = KERNELS[objective].output_update
        self.config.train_centre = KERNELS[objective].skipgram_centre if config.sg else KERNELS[objective].cbow_centre
        self.config.vocab_size = vocab_size
        self.config.size = size
        self.config.negative = config.negative if "syn1neg" in config.output_layers else 0
        self.config.cbow_mean = config.cbow_mean
        self.config.window = config.window
        self.config.shrink_windows = config.shrink_windows
        self.config.compute_loss = config.compute_loss if compute_loss is None else bool(compute_loss)
        self.config.syn0 = _matrix_pointer(vectors, vocab_size, size, "syn0", &input_stride)
        arrays = [vectors]
        for layer in config.output_layers:
            arrays.append(self._bind_output(outputs.get(layer), layer, config.output_rows(layer, vocab_size)))
        if self.config.output_stride == 0:  # only single-row output matrices
            self.config.output_stride = size
        arrays.append(self._bind_tables(tables, config.output_layers))
        arrays.append(self._bind_lockf(vectors_lockf))
        self._arrays = arrays  # keep every array alive as long as the C struct points into it

    cdef object _bind_output(self, matrix, str layer, int64_t rows):
        """Point the struct at the output matrix `layer`; refuse a missing or misshapen one."""
        cdef real_t *pointer
        if matrix is None:
            raise ValueError(f"this objective trains {layer}, but the model has no {layer} matrix "
                             "(did hs, negative or softmax change after build_vocab?)")
        if rows > 2 ** 31 - 1 and layer == "syn1softmax":
            raise ValueError("softmax needs fewer than 2**31 words (BLAS indexes them with int)")
        pointer = _matrix_pointer(matrix, rows, self.config.size, layer, &self.config.output_stride)
        if layer == "syn1neg":
            self.config.syn1neg = pointer
        elif layer == "syn1":
            self.config.syn1 = pointer
            self.syn1_rows = rows
        else:
            self.config.syn1softmax = pointer
        return matrix

    cdef object _bind_lockf(self, vectors_lockf):
        """Point the struct at the input vectors' lock factors; return the array to keep alive."""
        cdef const real_t[::1] view
        lockf = np.ones(1, dtype=np.float32) if vectors_lockf is None else \
            np.ascontiguousarray(vectors_lockf, dtype=np.float32)
        if lockf.ndim != 1 or len(lockf) not in (1, self.config.vocab_size):
            raise ValueError(
                f"vectors_lockf must hold one factor for every word (length 1) or one per word (length "
                f"{self.config.vocab_size}), got shape {np.shape(vectors_lockf)}; after the vocabulary grew, "
                f"extend it, e.g. wv.vectors_lockf = np.ones(len(wv), dtype=np.float32)")
        if not np.isfinite(lockf).all():
            raise ValueError("vectors_lockf holds a NaN or infinite factor")
        view = lockf
        self.config.lockf = &view[0]
        self.config.lockf_stride = 0 if len(lockf) == 1 else 1
        return lockf

    cdef object _bind_tables(self, tables, tuple layers):
        """Point the struct at the subsampling, noise and Huffman tables; return what to keep alive."""
        cdef int64_t vocab_size = self.config.vocab_size
        cdef const uint32_t[::1] keep_view
        cdef const uint32_t[:, ::1] alias_view
        cdef const int32_t[::1] points_view
        cdef const uint8_t[::1] codes_view
        cdef const int64_t[::1] offsets_view
        keep_threshold = getattr(tables, "keep_threshold", None)
        alias = None
        if keep_threshold is not None:
            keep_view = keep_threshold
            if keep_view.shape[0] != vocab_size:
                raise ValueError("keep_threshold must have one entry per word")
            self.config.keep_threshold = &keep_view[0]
        if "syn1neg" in layers:
            accept, other = getattr(tables, "alias_accept", None), getattr(tables, "alias_other", None)
            if accept is None or other is None:
                raise ValueError("negative sampling needs the noise distribution's alias table")
            if len(accept) != vocab_size or len(other) != vocab_size:
                raise ValueError("the alias table must have one entry per word")
            if np.min(other) < 0 or np.max(other) >= vocab_size:
                raise ValueError("alias_other holds an index outside the vocabulary")
            # Interleave (accept, other) so one draw reads one cache line.
            alias = np.stack([np.asarray(accept, dtype=np.uint32),
                              np.asarray(other, dtype=np.int32).view(np.uint32)], axis=1)
            alias_view = alias
            self.config.alias = &alias_view[0, 0]
        if "syn1" in layers:
            points, codes, offsets = (getattr(tables, name, None) for name in ("hs_points", "hs_codes", "hs_offsets"))
            if points is None or codes is None or offsets is None:
                raise ValueError("hierarchical softmax needs the Huffman tree")
            offsets_view = offsets
            points_view = points
            codes_view = codes
            if offsets_view.shape[0] != vocab_size + 1:
                raise ValueError("hs_offsets must have vocab_size + 1 entries")
            if points_view.shape[0] != codes_view.shape[0] or offsets_view[vocab_size] != points_view.shape[0]:
                raise ValueError("hs_points, hs_codes and hs_offsets do not match")
            if offsets_view[0] != 0 or np.any(np.diff(offsets) < 0):
                raise ValueError("hs_offsets must start at 0 and never decrease")
            if points_view.shape[0] and (np.min(points) < 0 or np.max(points) >= self.syn1_rows):
                raise ValueError("hs_points holds a node outside syn1")
            if points_view.shape[0]:
                self.config.hs_points = &points_view[0]
                self.config.hs_codes = &codes_view[0]
            self.config.hs_offsets = &offsets_view[0]
        return (tables, alias)

    @property
    def vocab_size(self):
        return self.config.vocab_size


# ---------------------------------------------------------------------------------------------
# Python twins of the row-major BLAS wrappers (w2v.cshared.blas), for tests
# ---------------------------------------------------------------------------------------------

def rowmajor_gemm(a, b, bint transpose_a=False, bint transpose_b=False):
    """op(a) @ op(b) computed by ``blas.gemm`` on row-major float32 matrices.

    Examples
    --------
    >>> rowmajor_gemm(np.eye(2, 3), np.ones((3, 2)))
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    cdef real_t[:, ::1] a_view = np.ascontiguousarray(a, dtype=np.float32)
    cdef real_t[:, ::1] b_view = np.ascontiguousarray(b, dtype=np.float32)
    cdef int m = a_view.shape[1] if transpose_a else a_view.shape[0]
    cdef int k = a_view.shape[0] if transpose_a else a_view.shape[1]
    cdef int n = b_view.shape[0] if transpose_b else b_view.shape[1]
    if (b_view.shape[1] if transpose_b else b_view.shape[0]) != k:
        raise ValueError("the inner dimensions differ")
    out = np.zeros((m, n), dtype=np.float32)
    cdef real_t[:, ::1] c_view = out
    gemm(transpose_a, transpose_b, m, n, k, 1.0, &a_view[0, 0], a_view.shape[1], &b_view[0, 0],
         b_view.shape[1], 0.0, &c_view[0, 0], n)
    return out


def rowmajor_gemv(a, x, bint transpose=False):
    """op(a) @ x computed by ``blas.gemv`` on a row-major float32 matrix.

    Examples
    --------
    >>> rowmajor_gemv(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]), transpose=True)
    array([4., 6.], dtype=float32)
    """
    cdef real_t[:, ::1] a_view = np.ascontiguousarray(a, dtype=np.float32)
    cdef real_t[::1] x_view = np.ascontiguousarray(x, dtype=np.float32)
    cdef int m = a_view.shape[0], n = a_view.shape[1]
    if x_view.shape[0] != (m if transpose else n):
        raise ValueError("x does not match the matrix")
    out = np.zeros(n if transpose else m, dtype=np.float32)
    cdef real_t[::1] y_view = out
    gemv(transpose, m, n, 1.0, &a_view[0, 0], n, &x_view[0], 0.0, &y_view[0])
    return out


def rowmajor_ger(a, x, y, double alpha=1.0):
    """a + alpha * outer(x, y) computed by ``blas.ger`` on a row-major float32 matrix.

    Examples
    --------
    >>> rowmajor_ger(np.zeros((2, 2)), np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array([[3., 4.],
           [6., 8.]], dtype=float32)
    """
    out = np.array(a, dtype=np.float32, order="C")
    cdef real_t[:, ::1] a_view = out
    cdef real_t[::1] x_view = np.ascontiguousarray(x, dtype=np.float32)
    cdef real_t[::1] y_view = np.ascontiguousarray(y, dtype=np.float32)
    if x_view.shape[0] != a_view.shape[0] or y_view.shape[0] != a_view.shape[1]:
        raise ValueError("x and y do not match the matrix")
    ger(a_view.shape[0], a_view.shape[1], <real_t>alpha, &x_view[0], &y_view[0], &a_view[0, 0], a_view.shape[1])
    return out


cpdef uint64_t noise_seed(uint64_t seed):
    """The seed of a worker's noise-word stream, derived from its main seed.

    Examples
    --------
    >>> noise_seed(1) != 1
    True
    """
    return (seed * <uint64_t>0x9E3779B97F4A7C15ULL + <uint64_t>0x632BE59BD9B4E019ULL) & <uint64_t>0xFFFFFFFFFFFFULL


cdef class Worker:
    """One training thread's state: its random generator, scratch buffers and loss tally.

    Parameters
    ----------
    model : TrainingModel
        The shared weights and tables.
    seed : int
        Seed of this thread's 48-bit LCG (only its low 48 bits are used); the noise-word
        stream is seeded with ``noise_seed(seed)``.

    Examples
    --------
    See ``TrainingModel``.
    """

    def __init__(self, TrainingModel model not None, uint64_t seed):
        cdef int size = model.config.size
        cdef real_t[::1] neu1 = np.zeros(size, dtype=np.float32)
        cdef real_t[::1] neu1e = np.zeros(size, dtype=np.float32)
        cdef int32_t[::1] noise = np.zeros(max(model.config.negative, 1), dtype=np.int32)
        cdef int32_t[::1] noise_buffer = np.zeros(NOISE_BUFFER_SIZE, dtype=np.int32)
        memset(&self.state, 0, sizeof(WorkerState))
        self.model = model
        self.state.rng = seed & <uint64_t>0xFFFFFFFFFFFFULL
        self.state.noise_rng = noise_seed(seed)
        self.state.neu1 = &neu1[0]
        self.state.neu1e = &neu1e[0]
        self.state.noise_words = &noise[0]
        self.state.noise_buffer = &noise_buffer[0]
        self.state.noise_position = NOISE_BUFFER_SIZE  # empty: the first draw refills it
        self._buffers = {"neu1": neu1.base, "neu1e": neu1e.base, "noise": noise.base,
                         "noise_buffer": noise_buffer.base}
        if model.config.objective in (OBJECTIVE_SHARED_NEGATIVES, OBJECTIVE_SHARED_NEGATIVES_HS):
            self._allocate_window_scratch()
        if model.config.objective == OBJECTIVE_SOFTMAX:
            self._allocate_softmax_scratch()
        self.ensure_capacity(1024)

    cdef void _allocate_window_scratch(self) except *:
        """Scratch matrices of the shared-negatives mode: B = 2 * window inputs, K outputs."""
        cdef int size = self.model.config.size
        cdef int n_inputs = 2 * self.model.config.window
        cdef int n_outputs = self.model.config.negative + 1
        cdef real_t[::1] inputs = np.zeros(n_inputs * size, dtype=np.float32)
        cdef real_t[::1] outputs = np.zeros(n_outputs * size, dtype=np.float32)
        cdef real_t[::1] scores = np.zeros(n_inputs * n_outputs, dtype=np.float32)
        cdef real_t[::1] input_grads = np.zeros(n_inputs * size, dtype=np.float32)
        cdef real_t[::1] output_grads = np.zeros(n_outputs * size, dtype=np.float32)
        cdef int32_t[::1] contexts = np.zeros(n_inputs, dtype=np.int32)
        cdef int32_t[::1] targets = np.zeros(n_outputs, dtype=np.int32)
        self.state.batch_inputs = &inputs[0]
        self.state.batch_outputs = &outputs[0]
        self.state.batch_scores = &scores[0]
        self.state.batch_input_grads = &input_grads[0]
        self.state.batch_output_grads = &output_grads[0]
        self.state.batch_contexts = &contexts[0]
        self.state.batch_targets = &targets[0]
        self._buffers["window"] = (inputs.base, outputs.base, scores.base, input_grads.base,
                                   output_grads.base, contexts.base, targets.base)

    cdef void _allocate_softmax_scratch(self) except *:
        """One score (then gradient) per word of the vocabulary for the full softmax."""
        cdef real_t[::1] scores = np.zeros(self.model.config.vocab_size, dtype=np.float32)
        self.state.softmax_scores = &scores[0]
        self._buffers["softmax_scores"] = scores.base

    cdef void ensure_capacity(self, int64_t n_tokens) except *:
        """Grow the subsampled-sentence buffer to hold `n_tokens` words."""
        cdef int32_t[::1] kept
        if n_tokens <= self.state.kept_capacity:
            return
        n_tokens = max(n_tokens, 2 * self.state.kept_capacity)
        kept = np.empty(n_tokens, dtype=np.int32)
        self._buffers["kept"] = kept.base
        self.state.kept = &kept[0]
        self.state.kept_capacity = n_tokens

    @property
    def rng_state(self):
        """The current state of this thread's random generator."""
        return self.state.rng

    def random_state(self):
        """Everything random this worker will draw next, as plain values (for checkpoints).

        Examples
        --------
        See ``set_random_state``.
        """
        cdef int i
        return {"rng": int(self.state.rng), "noise_rng": int(self.state.noise_rng),
                "noise_position": int(self.state.noise_position),
                "noise_buffer": [int(self.state.noise_buffer[i]) for i in range(NOISE_BUFFER_SIZE)]}

    def set_random_state(self, state):
        """Continue from a ``random_state()``: the same draws follow as would have.

        Examples
        --------
        >>> import numpy as np
        >>> from w2v import Word2Vec
        >>> model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1)
        >>> one, two = Worker(model.training_model(), 1), Worker(model.training_model(), 2)
        >>> _ = one.train_batch(np.array([0, 1, 2], np.int32), np.array([3], np.int64), 0.0, 0.0)
        >>> two.set_random_state(one.random_state())
        >>> two.random_state() == one.random_state()
        True
        """
        cdef int i
        buffer = [int(word) for word in state["noise_buffer"]]
        position = int(state["noise_position"])
        if len(buffer) != NOISE_BUFFER_SIZE or not 0 <= position <= NOISE_BUFFER_SIZE:
            raise ValueError("not a worker's random state")
        if any(word < 0 or word >= self.model.config.vocab_size for word in buffer[position:]):
            raise ValueError("the random state holds noise words outside this model's vocabulary")
        self.state.rng = int(state["rng"]) & <uint64_t>0xFFFFFFFFFFFFULL
        self.state.noise_rng = int(state["noise_rng"]) & <uint64_t>0xFFFFFFFFFFFFULL
        for i in range(NOISE_BUFFER_SIZE):
            self.state.noise_buffer[i] = buffer[i]
        self.state.noise_position = position

    @property
    def effective_words(self):
        """Words kept by subsampling and trained on, since the tallies were last reset."""
        return self.state.effective_words

    @property
    def loss(self):
        """Training loss since the tallies were last reset (0.0 unless computing the loss)."""
        return self.state.loss

    def train_batch(self, tokens, sentence_ends, double alpha_start, double alpha_end):
        """Train on a batch of sentences with the GIL released.

        Parameters
        ----------
        tokens : numpy.ndarray
            int32 word indices of all sentences, back to back.
        sentence_ends : numpy.ndarray
            int64 end offset of each sentence in `tokens` (the last equals ``len(tokens)``).
        alpha_start, alpha_end : float
            Learning rate at the start and at the end of the batch.

        Returns
        -------
        effective_words : int
            Words that survived subsampling (and were trained on).
        loss : float
            The batch's training loss (0.0 unless the model computes the loss).
        """
        cdef const int32_t[::1] token_view = tokens
        cdef const int64_t[::1] ends_view = sentence_ends
        cdef int64_t n_tokens = token_view.shape[0]
        cdef int64_t n_sentences = ends_view.shape[0]
        cdef int64_t effective
        cdef int status
        cdef const int32_t *token_pointer = &token_view[0] if n_tokens else NULL
        cdef const int64_t *ends_pointer = &ends_view[0] if n_sentences else NULL
        if n_sentences == 0:
            if n_tokens:
                raise ValueError("a batch with tokens needs sentence ends")
            return 0, 0.0
        with nogil:
            status = check_batch(token_pointer, n_tokens, ends_pointer, n_sentences,
                                 self.model.config.vocab_size)
        raise_for_batch_status(status)
        self.ensure_capacity(n_tokens)
        self.state.loss = 0.0
        self.state.effective_words = 0
        with nogil:
            train_batch(&self.model.config, &self.state, token_pointer, ends_pointer,
                        n_sentences, <real_t>alpha_start, <real_t>alpha_end)
        return self.state.effective_words, self.state.loss
