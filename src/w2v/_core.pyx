# cython: language_level=3
"""Training kernels: skip-gram and CBOW with negative sampling and/or hierarchical softmax,
or with the exact (full) softmax over the vocabulary.

Everything here runs without the GIL and without Python objects. One call trains a whole
batch of sentences (int32 word indices) for one thread; the Python driver runs one
``Worker`` per thread over shared weights, lock-free, as the C tool and gensim do.

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
from scipy.linalg.cython_blas cimport saxpy, sdot, sgemm, sgemv, sger, sscal

import numpy as np

cdef extern from "w2v_platform.h":
    void W2V_PREFETCH(const void *address) noexcept nogil
    const char *W2V_COMPILE_ARGS

COMPILE_ARGS = W2V_COMPILE_ARGS.decode("ascii")

cdef int ONE = 1
cdef real_t ONE_F = 1.0
cdef real_t ZERO_F = 0.0
cdef char *TRANSPOSE = "T"
cdef char *NO_TRANSPOSE = "N"
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
        W2V_PREFETCH(row + offset)


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


cdef inline void output_update(const ModelConfig *model, WorkerState *worker,
                               real_t *input_vector, real_t *output_vector,
                               real_t label, real_t alpha) noexcept nogil:
    """The word2vec update for one (input vector, output vector, label) triple.

    f = v.u; g = (label - sigmoid(f)) * alpha; neu1e += g * u; u += g * v.
    """
    cdef int size = model.size
    cdef real_t g = gradient(model, worker, sdot(&size, input_vector, &ONE, output_vector, &ONE),
                             label, alpha)
    if g == 0:
        return
    saxpy(&size, &g, output_vector, &ONE, worker.neu1e, &ONE)
    saxpy(&size, &g, input_vector, &ONE, output_vector, &ONE)


cdef inline void hs_update(const ModelConfig *model, WorkerState *worker,
                           real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """Hierarchical softmax: one output term per inner node on the word's Huffman path."""
    cdef int64_t p
    cdef int64_t start = model.hs_offsets[word]
    cdef int64_t end = model.hs_offsets[word + 1]
    cdef int size = model.size
    for p in range(start, end):
        output_update(model, worker, input_vector,
                      &model.syn1[<int64_t>model.hs_points[p] * model.output_stride],
                      1.0 - model.hs_codes[p], alpha)


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
        prefetch_row(&model.syn1neg[<int64_t>worker.noise_buffer[worker.noise_position + i] * model.output_stride],
                     model.size)
    return kept


cdef inline void negative_update(const ModelConfig *model, WorkerState *worker,
                                 real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """Negative sampling: the true word with label 1, then the noise words with label 0."""
    cdef int size = model.size
    cdef int i
    cdef int n_noise = draw_noise_words(model, worker, word, worker.noise_words)
    output_update(model, worker, input_vector, &model.syn1neg[<int64_t>word * model.output_stride],
                  1.0, alpha)
    for i in range(n_noise):
        output_update(model, worker, input_vector,
                      &model.syn1neg[<int64_t>worker.noise_words[i] * model.output_stride], 0.0, alpha)


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


cdef inline void softmax_update(const ModelConfig *model, WorkerState *worker,
                                real_t *input_vector, int32_t word, real_t alpha) noexcept nogil:
    """The exact softmax over the whole vocabulary for one (input h, true word t) example.

    With U the output matrix (V x d, row-major): s = U h (one sgemv), p = softmax(s),
    g = alpha * (onehot(t) - p) = -alpha * dNLL/ds, then neu1e += U^T g (sgemv, with U as it
    was before this example, the order of the other modes' output_update) and U += g h^T
    (one rank-1 sger). Cost per example: three passes over U, about 6 V d flops.
    """
    cdef int size = model.size
    cdef int n_words = <int>model.vocab_size
    cdef real_t *scores = worker.softmax_scores
    cdef real_t *output = model.syn1softmax
    cdef int stride = model.output_stride
    cdef real_t scale
    # Row-major V x d is column-major d x V, so s = U h is the column-major transpose product.
    sgemv(TRANSPOSE, &size, &n_words, &ONE_F, output, &stride, input_vector, &ONE,
          &ZERO_F, scores, &ONE)
    scale = -alpha * softmax_exponentials(scores, n_words, word,
                                          &worker.loss if model.compute_loss else NULL)
    # scores held exp(s - max); scaling by -alpha / sum gives -alpha * p, then add the one-hot.
    sscal(&n_words, &scale, scores, &ONE)
    scores[word] += alpha
    sgemv(NO_TRANSPOSE, &size, &n_words, &ONE_F, output, &stride, scores, &ONE,
          &ONE_F, worker.neu1e, &ONE)
    sger(&size, &n_words, &ONE_F, input_vector, &ONE, scores, &ONE, output, &stride)


cdef inline void output_layers_update(const ModelConfig *model, WorkerState *worker,
                                      real_t *input_vector, int32_t word, real_t alpha,
                                      bint negative) noexcept nogil:
    """The output layers for one (input vector, true word) example: the full softmax if
    enabled (it excludes the others), else hierarchical softmax if enabled, then negative
    sampling if `negative`.

    The gradient of the input vector is accumulated into worker.neu1e (zeroed here).
    """
    memset(worker.neu1e, 0, model.size * sizeof(real_t))
    if model.softmax:
        softmax_update(model, worker, input_vector, word, alpha)
        return
    if model.hs:
        hs_update(model, worker, input_vector, word, alpha)
    if negative:
        negative_update(model, worker, input_vector, word, alpha)


# ---------------------------------------------------------------------------------------------
# Skip-gram and CBOW over one sentence
# ---------------------------------------------------------------------------------------------

cdef inline void skipgram_pair(const ModelConfig *model, WorkerState *worker,
                               int32_t centre, int32_t context, real_t alpha) noexcept nogil:
    """Skip-gram, C-tool order: the context word's input vector predicts the centre word."""
    cdef int size = model.size
    cdef real_t *input_vector = &model.syn0[<int64_t>context * size]
    output_layers_update(model, worker, input_vector, centre, alpha,
                         model.negative > 0 and not model.shared_negatives)
    saxpy(&size, &ONE_F, worker.neu1e, &ONE, input_vector, &ONE)


cdef inline void cbow_centre(const ModelConfig *model, WorkerState *worker,
                             const int32_t *sentence, int64_t centre, int64_t start,
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
    memset(worker.neu1, 0, size * sizeof(real_t))
    for j in range(start, end):
        if j != centre:
            saxpy(&size, &ONE_F, &model.syn0[<int64_t>sentence[j] * size], &ONE,
                  worker.neu1, &ONE)
            count += 1
    if count == 0:
        return
    inverse_count = ONE_F / count
    if model.cbow_mean:
        sscal(&size, &inverse_count, worker.neu1, &ONE)
    output_layers_update(model, worker, worker.neu1, sentence[centre], alpha, model.negative > 0)
    if not model.cbow_mean:
        sscal(&size, &inverse_count, worker.neu1e, &ONE)
    for j in range(start, end):
        if j != centre:
            saxpy(&size, &ONE_F, worker.neu1e, &ONE,
                  &model.syn0[<int64_t>sentence[j] * size], &ONE)


cdef void skipgram_shared_negatives(const ModelConfig *model, WorkerState *worker,
                                   const int32_t *sentence, int64_t centre, int64_t start,
                                   int64_t end, real_t alpha) noexcept nogil:
    """Skip-gram negative sampling for a whole window at once, sharing its noise words (HogBatch).

    Ji et al. (2016): the B context vectors of one centre word form X (B x d) and the output
    vectors of the centre word and its k noise words form Y (K x d, K = k + 1, drawn once for
    the whole window instead of once per pair). Then
        S = Y X^T (one sgemm),  G = (labels - sigmoid(S)) * alpha (element-wise),
        dX = G^T Y and dY = G X (two sgemm),
    and dX, dY are added back to the rows they came from (lock-free, as the exact mode).
    Every score of the window uses the vectors as they were before the window's update.
    Matrices are row-major; the column-major BLAS computes them as transposes.
    """
    cdef int size = model.size
    cdef int n_inputs = 0, n_outputs, b, t
    cdef int64_t j
    cdef int32_t word = sentence[centre]
    cdef real_t *inputs = worker.batch_inputs
    cdef real_t *outputs = worker.batch_outputs
    cdef real_t *scores = worker.batch_scores
    cdef real_t *row
    for j in range(start, end):
        if j != centre:
            worker.batch_contexts[n_inputs] = sentence[j]
            memcpy(&inputs[n_inputs * size], &model.syn0[<int64_t>sentence[j] * size], size * sizeof(real_t))
            n_inputs += 1
    if n_inputs == 0:
        return
    worker.batch_targets[0] = word
    n_outputs = 1 + draw_noise_words(model, worker, word, &worker.batch_targets[1])
    for t in range(n_outputs):
        memcpy(&outputs[t * size], &model.syn1neg[<int64_t>worker.batch_targets[t] * model.output_stride],
               size * sizeof(real_t))
    # S (K x B, row-major) is S^T (B x K) column-major: S^T = X Y^T.
    sgemm(TRANSPOSE, NO_TRANSPOSE, &n_inputs, &n_outputs, &size, &ONE_F, inputs, &size,
          outputs, &size, &ZERO_F, scores, &n_inputs)
    for t in range(n_outputs):
        for b in range(n_inputs):
            row = &scores[t * n_inputs + b]
            row[0] = gradient(model, worker, row[0], 1.0 if t == 0 else 0.0, alpha)
    # dX (B x d, row-major) = G^T Y, i.e. dX^T = Y^T G in column-major terms.
    sgemm(NO_TRANSPOSE, TRANSPOSE, &size, &n_inputs, &n_outputs, &ONE_F, outputs, &size,
          scores, &n_inputs, &ZERO_F, worker.batch_input_grads, &size)
    # dY (K x d, row-major) = G X, i.e. dY^T = X^T G^T.
    sgemm(NO_TRANSPOSE, NO_TRANSPOSE, &size, &n_outputs, &n_inputs, &ONE_F, inputs, &size,
          scores, &n_inputs, &ZERO_F, worker.batch_output_grads, &size)
    for b in range(n_inputs):
        saxpy(&size, &ONE_F, &worker.batch_input_grads[b * size], &ONE,
              &model.syn0[<int64_t>worker.batch_contexts[b] * size], &ONE)
    for t in range(n_outputs):
        saxpy(&size, &ONE_F, &worker.batch_output_grads[t * size], &ONE,
              &model.syn1neg[<int64_t>worker.batch_targets[t] * model.output_stride], &ONE)


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
    cdef int64_t i, j, start, end
    cdef int radius
    cdef real_t alpha
    cdef real_t slope = (alpha_end - alpha_start) / n if n > 0 else 0
    cdef int32_t *kept = worker.kept
    worker.effective_words += n
    for i in range(n):
        radius = model.window
        if model.shrink_windows:
            radius -= next_random(&worker.rng) % model.window
        start = i - radius if i > radius else 0
        end = i + radius + 1 if i + radius + 1 < n else n
        alpha = alpha_start + slope * i
        if model.sg:
            if model.hs or not model.shared_negatives:
                for j in range(start, end):
                    if j != i:
                        # Start loading the next pair's input row while this pair trains.
                        if j + 1 < end:
                            prefetch_row(&model.syn0[<int64_t>kept[j + 1] * model.size], model.size)
                        skipgram_pair(model, worker, kept[i], kept[j], alpha)
            if model.shared_negatives:
                skipgram_shared_negatives(model, worker, kept, i, start, end, alpha)
        else:
            # A word first enters a window at most `window` places ahead of the centre, so
            # loading that far ahead has every context row in flight one centre early.
            if i + model.window + 1 < n:
                prefetch_row(&model.syn0[<int64_t>kept[i + model.window + 1] * model.size], model.size)
            cbow_centre(model, worker, kept, i, start, end, alpha)
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
    """The C view of a model's weights and vocabulary tables, fixed for one ``train()`` call.

    Parameters
    ----------
    syn0, syn1, syn1neg : numpy.ndarray or None
        float32, C-contiguous weights; ``syn1`` is needed with ``hs``, ``syn1neg`` with
        ``negative``. They are updated in place.
    keep_threshold : numpy.ndarray or None
        uint32 per word (see ``w2v.vocab.keep_thresholds``); None disables subsampling.
    alias_accept, alias_other : numpy.ndarray or None
        The noise distribution's alias table (``w2v.vocab.noise_alias_table``).
    hs_points, hs_codes, hs_offsets : numpy.ndarray or None
        The Huffman tree (``w2v.vocab.huffman_tree``).
    sg, hs, negative, cbow_mean, window, shrink_windows, compute_loss, shared_negatives : int
        As in ``Word2Vec``.
    softmax : int
        1 for the exact softmax output layer (``syn1softmax``); excludes ``hs`` and ``negative``.
    syn1softmax : numpy.ndarray or None
        float32, C-contiguous vocab_size x size output weights of the softmax, updated in place.

    Examples
    --------
    >>> import numpy as np
    >>> from w2v import _core, vocab
    >>> counts = np.array([5, 3, 2])
    >>> syn0 = np.full((3, 4), 0.1, dtype=np.float32)
    >>> syn1neg = np.zeros((3, 4), dtype=np.float32)
    >>> accept, other = vocab.noise_alias_table(counts, 0.75)
    >>> model = _core.TrainingModel(syn0, None, syn1neg, None, accept, other, None, None, None,
    ...                             sg=1, hs=0, negative=2, cbow_mean=1, window=2,
    ...                             shrink_windows=1, compute_loss=1)
    >>> worker = _core.Worker(model, seed=1)
    >>> effective, loss = worker.train_batch(np.array([0, 1, 2], dtype=np.int32),
    ...                                      np.array([3], dtype=np.int64), 0.025, 0.025)
    >>> effective, loss > 0
    (3, True)
    """

    def __init__(self, syn0, syn1, syn1neg, keep_threshold, alias_accept, alias_other,
                 hs_points, hs_codes, hs_offsets, *, int sg, int hs, int negative,
                 int cbow_mean, int window, int shrink_windows, int compute_loss,
                 int shared_negatives=0, int softmax=0, syn1softmax=None):
        cdef int64_t vocab_size = syn0.shape[0]
        cdef int size = syn0.shape[1]
        cdef const uint32_t[::1] keep_view
        cdef const uint32_t[:, ::1] alias_view
        alias = None
        cdef const int32_t[::1] points_view
        cdef const uint8_t[::1] codes_view
        cdef const int64_t[::1] offsets_view
        cdef int input_stride = size
        if vocab_size < 1 or size < 1:
            raise ValueError("the model needs at least one word and one dimension")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if softmax and (hs or negative > 0):
            raise ValueError("softmax is the exact output layer: it cannot be combined with hs or negative > 0")
        if not hs and negative <= 0 and not softmax:
            raise ValueError("need hs=1, negative > 0 or softmax=1: there is no output layer to train")
        if softmax and vocab_size > 2 ** 31 - 1:
            raise ValueError("softmax needs fewer than 2**31 words (BLAS indexes them with int)")
        if shared_negatives and (not sg or negative <= 0):
            raise ValueError("shared_negatives needs skip-gram (sg=1) with negative sampling (negative > 0)")
        memset(&self.config, 0, sizeof(ModelConfig))
        self.config.vocab_size = vocab_size
        self.config.size = size
        self.config.sg = sg
        self.config.hs = hs
        self.config.negative = negative if negative > 0 else 0
        self.config.cbow_mean = cbow_mean
        self.config.window = window
        self.config.shrink_windows = shrink_windows
        self.config.compute_loss = compute_loss
        self.config.shared_negatives = shared_negatives
        self.config.softmax = 1 if softmax else 0
        if softmax:
            self.config.syn1softmax = _matrix_pointer(syn1softmax, vocab_size, size, "syn1softmax",
                                                           &self.config.output_stride)
            if self.config.syn1softmax == NULL:
                raise ValueError("softmax needs the syn1softmax output matrix")
        self.config.syn0 = _matrix_pointer(syn0, vocab_size, size, "syn0", &input_stride)
        if keep_threshold is not None:
            keep_view = keep_threshold
            if keep_view.shape[0] != vocab_size:
                raise ValueError("keep_threshold must have one entry per word")
            self.config.keep_threshold = &keep_view[0]
        if self.config.negative:
            self.config.syn1neg = _matrix_pointer(syn1neg, vocab_size, size, "syn1neg",
                                                      &self.config.output_stride)
            if self.config.syn1neg == NULL:
                raise ValueError("negative sampling needs the syn1neg output matrix")
            if len(alias_accept) != vocab_size or len(alias_other) != vocab_size:
                raise ValueError("the alias table must have one entry per word")
            if np.min(alias_other) < 0 or np.max(alias_other) >= vocab_size:
                raise ValueError("alias_other holds an index outside the vocabulary")
            # Interleave (accept, other) so one draw reads one cache line.
            alias = np.stack([np.asarray(alias_accept, dtype=np.uint32),
                              np.asarray(alias_other, dtype=np.int32).view(np.uint32)], axis=1)
            alias_view = alias
            self.config.alias = &alias_view[0, 0]
        if hs:
            offsets_view = hs_offsets
            points_view = hs_points
            codes_view = hs_codes
            if offsets_view.shape[0] != vocab_size + 1:
                raise ValueError("hs_offsets must have vocab_size + 1 entries")
            if points_view.shape[0] != codes_view.shape[0] or offsets_view[vocab_size] != points_view.shape[0]:
                raise ValueError("hs_points, hs_codes and hs_offsets do not match")
            if offsets_view[0] != 0 or np.any(np.diff(hs_offsets) < 0):
                raise ValueError("hs_offsets must start at 0 and never decrease")
            if points_view.shape[0] and (np.min(hs_points) < 0 or np.max(hs_points) >= max(vocab_size - 1, 1)):
                raise ValueError("hs_points holds a node outside syn1")
            self.config.syn1 = _matrix_pointer(syn1, max(vocab_size - 1, 1), size, "syn1",
                                                   &self.config.output_stride)
            if self.config.syn1 == NULL:
                raise ValueError("hierarchical softmax needs the syn1 output matrix")
            if points_view.shape[0]:
                self.config.hs_points = &points_view[0]
                self.config.hs_codes = &codes_view[0]
            self.config.hs_offsets = &offsets_view[0]
        if self.config.output_stride == 0:  # only single-row output matrices (or none)
            self.config.output_stride = size
        # Keep every array alive as long as the C struct points into it.
        self._arrays = (syn0, syn1, syn1neg, keep_threshold, alias,
                        hs_points, hs_codes, hs_offsets, syn1softmax)

    @property
    def vocab_size(self):
        return self.config.vocab_size


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
        if model.config.shared_negatives:
            self._allocate_window_scratch()
        if model.config.softmax:
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
