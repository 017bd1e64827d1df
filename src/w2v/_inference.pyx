# cython: language_level=3
"""Log-probabilities of sentences under a trained model, without the GIL (``Word2Vec.score``).

The model is bound as for training (``_core.TrainingModel``: weights, Huffman tree and
settings by name); nothing is written. For every word of a sentence the hidden vector is
formed as in training but over the full window (no reduced windows, no subsampling): a
context word's input vector in skip-gram (one term per context word), the mean or sum of
the context vectors in CBOW, as gensim's ``score_sentence_sg``/``score_sentence_cbow``. The
probability of the word given that vector is the hierarchical softmax's product over the
word's Huffman path, or the exact softmax over the vocabulary.

Unlike gensim, every term is exact: log sigmoid is computed, not read from a 1000-entry
table, and terms with |f| >= 6 are kept (gensim leaves them out, which overstates the
probability of a confidently wrong prediction).
"""

from libc.math cimport exp, log, log1p
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset

from w2v._core cimport ModelConfig, TrainingModel, input_row, output_row
from w2v.cshared.blas cimport axpy, dot, gemv, real_t, scal

import numpy as np


cdef inline double log_sigmoid(double f) noexcept nogil:
    """log(1 / (1 + exp(-f))) without overflow."""
    if f >= 0:
        return -log1p(exp(-f))
    return f - log1p(exp(f))


cdef double hs_log_probability(const ModelConfig *model, const real_t *hidden, int32_t word) noexcept nogil:
    """log p(word | hidden) under hierarchical softmax: the branch taken at every inner node."""
    cdef int64_t p
    cdef double f, total = 0.0
    for p in range(model.hs_offsets[word], model.hs_offsets[word + 1]):
        f = dot(model.size, hidden, output_row(model, model.syn1, model.hs_points[p]))
        total += log_sigmoid(f if model.hs_codes[p] == 0 else -f)  # label = 1 - code
    return total


cdef double softmax_log_probability(const ModelConfig *model, const real_t *hidden, int32_t word,
                                    real_t *scores) noexcept nogil:
    """log p(word | hidden) under the exact softmax: s_word - log sum_j exp(s_j)."""
    cdef int j, n_words = <int>model.vocab_size
    cdef double top, total = 0.0
    gemv(False, n_words, model.size, 1.0, model.syn1softmax, model.output_stride, hidden, 0.0, scores)
    top = scores[0]
    for j in range(1, n_words):
        if scores[j] > top:
            top = scores[j]
    for j in range(n_words):
        total += exp(scores[j] - top)
    return scores[word] - top - log(total)


cdef inline double log_probability(const ModelConfig *model, const real_t *hidden, int32_t word,
                                   real_t *scores) noexcept nogil:
    if model.syn1softmax != NULL:
        return softmax_log_probability(model, hidden, word, scores)
    return hs_log_probability(model, hidden, word)


cdef double score_sentence(const ModelConfig *model, bint sg, const int32_t *words, int64_t length,
                           real_t *neu1, real_t *scores) noexcept nogil:
    """The log-probability of one sentence (its in-vocabulary words, in order)."""
    cdef int64_t i, j, start, end
    cdef int count
    cdef double total = 0.0
    for i in range(length):
        start = i - model.window if i > model.window else 0
        end = i + model.window + 1 if i + model.window + 1 < length else length
        if sg:
            for j in range(start, end):
                if j != i:
                    total += log_probability(model, input_row(model, words[j]), words[i], scores)
            continue
        memset(neu1, 0, model.size * sizeof(real_t))
        count = 0
        for j in range(start, end):
            if j != i:
                axpy(model.size, 1.0, input_row(model, words[j]), neu1)
                count += 1
        if count and model.cbow_mean:
            scal(model.size, 1.0 / count, neu1)
        total += log_probability(model, neu1, words[i], scores)
    return total


def score_sentences(TrainingModel model not None, bint sg, tokens, sentence_ends):
    """Log-probability of each sentence of a batch, as float64.

    Parameters
    ----------
    model : w2v._core.TrainingModel
        A hierarchical-softmax or exact-softmax model (its ``syn1`` or ``syn1softmax``).
    sg : bool
        Score as skip-gram (each context word predicts the centre word) or as CBOW.
    tokens : numpy.ndarray
        int32 word indices of all sentences, back to back (out-of-vocabulary words removed).
    sentence_ends : numpy.ndarray
        int64 end offset of each sentence in ``tokens``; an empty sentence scores 0.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, hs=1, negative=0, workers=1)
    >>> scores = score_sentences(model.training_model(), True, np.array([0, 1, 2], dtype=np.int32),
    ...                          np.array([2, 2, 3], dtype=np.int64))
    >>> bool(scores[0] < 0), float(scores[1]), bool(scores[2] == 0)
    (True, 0.0, True)
    """
    cdef const ModelConfig *config = &model.config
    cdef const int32_t[::1] token_view = np.ascontiguousarray(tokens, dtype=np.int32)
    cdef const int64_t[::1] end_view = np.ascontiguousarray(sentence_ends, dtype=np.int64)
    cdef int64_t n_sentences = end_view.shape[0], s, start = 0
    if config.syn1 == NULL and config.syn1softmax == NULL:
        raise ValueError("scoring needs hierarchical softmax (syn1) or the exact softmax (syn1softmax)")
    if n_sentences and (end_view[n_sentences - 1] != token_view.shape[0] or np.any(np.diff(sentence_ends) < 0)
                        or end_view[0] < 0):
        raise ValueError("sentence_ends must be non-decreasing and end at len(tokens)")
    if token_view.shape[0] and (np.min(tokens) < 0 or np.max(tokens) >= config.vocab_size):
        raise ValueError("a token index is outside the vocabulary")
    out = np.zeros(n_sentences, dtype=np.float64)
    cdef double[::1] out_view = out
    cdef real_t[::1] neu1 = np.zeros(config.size, dtype=np.float32)
    cdef real_t[::1] scores = np.zeros(config.vocab_size if config.syn1softmax != NULL else 1, dtype=np.float32)
    cdef const int32_t *words = &token_view[0] if token_view.shape[0] else NULL
    with nogil:
        for s in range(n_sentences):
            if end_view[s] > start:
                out_view[s] = score_sentence(config, sg, &words[start], end_view[s] - start, &neu1[0],
                                             &scores[0])
            start = end_view[s]
    return out
