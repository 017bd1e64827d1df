# cython: language_level=3
"""Shared declarations of w2v's training kernels.

Other Cython modules (the two corpus feeders) ``cimport`` from here: the two structs that
carry all training state in C types, the per-thread random number generator, the row
addressing of the weight matrices, and the kernel entry points. Python objects never cross
into the kernels: ``TrainingModel`` fills a ``ModelConfig`` once per ``train()`` call from
the model's ``TrainingConfig``, and ``Worker`` a ``WorkerState`` once per thread.

The kernels never test the objective: ``TrainingModel`` chooses, once, the function that
trains one centre word (``train_centre``) and the function that applies the output layers to
one (input vector, true word) example (``output_update``), and every sentence goes through
those two pointers.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

from w2v.cshared.blas cimport real_t

cdef enum:
    # The sigmoid is read from a table over [-MAX_EXP, MAX_EXP], as in the C tool.
    SIGMOID_TABLE_SIZE = 1000
    MAX_EXP = 6
    # Noise words are drawn this many at a time, so the rows of upcoming noise words can be
    # prefetched while the current example is trained.
    NOISE_BUFFER_SIZE = 256

# The objectives, as ``w2v.config.Objective`` names them (``OBJECTIVE_CODES`` maps one to the other).
cdef enum:
    OBJECTIVE_NEGATIVE = 0
    OBJECTIVE_HS = 1
    OBJECTIVE_BOTH = 2
    OBJECTIVE_SOFTMAX = 3
    OBJECTIVE_SHARED_NEGATIVES = 4
    OBJECTIVE_SHARED_NEGATIVES_HS = 5
    N_OBJECTIVES = 6


cdef struct ModelConfig
cdef struct WorkerState

# Output layers for one example: the input vector (a context word's row in skip-gram, the
# context mean in CBOW) predicts `word`; the input's gradient is added to worker.neu1e.
ctypedef void (*OutputUpdate)(const ModelConfig *model, WorkerState *worker, real_t *input_vector,
                              int32_t word, real_t alpha) noexcept nogil

# Everything one centre word trains: sentence[centre] with its window sentence[start:end].
ctypedef void (*CentreUpdate)(const ModelConfig *model, WorkerState *worker, const int32_t *sentence,
                              int64_t length, int64_t centre, int64_t start, int64_t end,
                              real_t alpha) noexcept nogil


cdef struct ModelConfig:
    # The kernels this model trains with, chosen once from its objective.
    CentreUpdate train_centre
    OutputUpdate output_update   # NULL when no layer is trained per example (SHARED_NEGATIVES)
    int objective                # OBJECTIVE_*, for the scratch buffers a worker needs
    # Weights, shared by every thread and updated without locks (Hogwild).
    real_t *syn0          # input vectors, vocab_size x size (rows `size` floats apart)
    real_t *syn1          # hierarchical-softmax inner nodes, or NULL
    real_t *syn1neg       # negative-sampling output vectors, or NULL
    real_t *syn1softmax   # full-softmax output vectors, or NULL
    # Learning-rate factor of each input vector (gensim's vectors_lockf; 0 freezes a word):
    # the update of word w is scaled by lockf[w * lockf_stride]. The stride is 0 when one
    # factor applies to every word (the default, [1.0]: 1.0 * x is exact, so the default
    # changes no bit), and 1 for one factor per word.
    const real_t *lockf
    int64_t lockf_stride
    int64_t vocab_size
    int size
    # Floats from one row of an output matrix (syn1, syn1neg, syn1softmax) to the next: at
    # least `size`; Word2Vec pads it to whole 64-byte cache lines (see train.driver.output_matrix).
    int output_stride
    int negative          # noise words per example (0 without negative sampling)
    int cbow_mean
    int window
    int shrink_windows
    int compute_loss
    # Frequent-word subsampling: keep a token of word w iff random32 <= keep_threshold[w].
    # NULL when sample == 0 (every token is kept and no random number is drawn).
    const uint32_t *keep_threshold
    # Noise distribution for negative sampling as a Walker/Vose alias table over the vocabulary,
    # one (accept, other) pair of uint32 per column so a draw touches one cache line:
    # column j = (random32 * vocab_size) >> 32; keep j iff random32 < alias[2j], else take alias[2j+1].
    const uint32_t *alias
    # Huffman tree: the path of word w is hs_points[hs_offsets[w]:hs_offsets[w + 1]] (inner
    # node rows of syn1) with branch bits hs_codes[...] (label = 1 - code).
    const int32_t *hs_points
    const uint8_t *hs_codes
    const int64_t *hs_offsets


cdef struct WorkerState:
    # Everything one training thread owns. Scratch buffers are allocated by the Python side
    # (``Worker``) so the kernels never allocate.
    char _pad_start[64]   # Workers sit next to each other in memory: keep one thread's hot
                          # fields (rng, tallies) off the cache lines of its neighbour's
    uint64_t rng          # 48-bit LCG (as in the C tool) for subsampling and window sizes
    uint64_t noise_rng    # a second LCG stream, for noise words only
    int32_t *noise_buffer # NOISE_BUFFER_SIZE noise words drawn ahead from noise_rng
    int noise_position    # next unused entry of noise_buffer
    real_t *neu1          # CBOW input (d floats)
    real_t *neu1e         # accumulated gradient of the input vector(s) (d floats)
    int32_t *noise_words  # the noise words drawn for one example (negative entries)
    int32_t *kept         # the current sentence after subsampling
    int64_t kept_capacity
    # Scratch of the shared-negatives mode (row-major matrices; B = 2 * window, K = negative + 1)
    real_t *batch_inputs        # B x size: the window's context vectors
    real_t *batch_outputs       # K x size: the centre word's and the noise words' output vectors
    real_t *batch_scores        # K x B: scores, then gradients
    real_t *batch_input_grads   # B x size
    real_t *batch_output_grads  # K x size
    int32_t *batch_contexts     # B context words
    int32_t *batch_targets      # K output words
    real_t *softmax_scores      # vocab_size floats: scores, then exponentials, then gradients
    double loss           # float64 tally of the training loss (summed by Python per epoch)
    int64_t effective_words
    char _pad_end[64]


cdef inline uint32_t next_random(uint64_t *state) noexcept nogil:
    """One step of the C tool's 48-bit LCG; returns its 32 high bits."""
    state[0] = (state[0] * <uint64_t>25214903917ULL + 11ULL) & <uint64_t>0xFFFFFFFFFFFFULL
    return <uint32_t>(state[0] >> 16)


cdef inline real_t *input_row(const ModelConfig *model, int64_t word) noexcept nogil:
    """The input vector (row of syn0) of `word`."""
    return &model.syn0[word * model.size]


cdef inline real_t *output_row(const ModelConfig *model, real_t *layer, int64_t row) noexcept nogil:
    """Row `row` of the output matrix `layer` (syn1, syn1neg or syn1softmax)."""
    return &layer[row * model.output_stride]


cdef int64_t train_sentence(const ModelConfig *model, WorkerState *worker,
                            const int32_t *words, int64_t length,
                            real_t alpha_start, real_t alpha_end) noexcept nogil

cdef int check_batch(const int32_t *tokens, int64_t n_tokens, const int64_t *sentence_ends,
                     int64_t n_sentences, int64_t vocab_size) noexcept nogil

cdef int64_t train_batch(const ModelConfig *model, WorkerState *worker,
                         const int32_t *tokens, const int64_t *sentence_ends,
                         int64_t n_sentences, real_t alpha_start,
                         real_t alpha_end) noexcept nogil


cdef class TrainingModel:
    cdef ModelConfig config
    cdef object _arrays
    cdef int64_t syn1_rows   # the Huffman tree's inner nodes (the config says how many)
    cdef object _bind_output(self, matrix, str layer, int64_t rows)
    cdef object _bind_tables(self, tables, tuple layers)
    cdef object _bind_lockf(self, vectors_lockf)


cdef class Worker:
    cdef WorkerState state
    cdef readonly TrainingModel model
    cdef object _buffers
    cdef void ensure_capacity(self, int64_t n_tokens) except *
    cdef void _allocate_window_scratch(self) except *
    cdef void _allocate_softmax_scratch(self) except *
