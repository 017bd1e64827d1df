# cython: language_level=3
"""Vocabulary helpers that run at C speed: counting tokens, turning sentences into int32
batches, the alias table of the noise distribution, the Huffman tree, and deterministic
initial vectors.

The per-token work of the iterable path lives here, so the Python side touches each
sentence once and each token never.
"""

cimport cython
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

import numpy as np

from w2v.cshared.hashing cimport fnv1a
from w2v.cshared.tokens cimport as_token_list, token_type_error


cdef class WordCounter:
    """Count str tokens over a corpus, with memory-bounded pruning.

    Words live in a dict word -> slot and their counts in a growable int64 array, so a
    repeated word costs one dict lookup and no Python integer arithmetic.

    Examples
    --------
    >>> counter = WordCounter()
    >>> counter.add_sentence(["a", "b", "a"])
    >>> counter.counts()
    {'a': 2, 'b': 1}
    >>> counter.total_words, counter.sentences
    (3, 1)
    """

    cdef dict slots
    cdef list words
    cdef object count_array
    cdef int64_t[::1] count_view
    cdef readonly int64_t total_words
    cdef readonly int64_t sentences

    def __init__(self):
        self.slots = {}
        self.words = []
        self.count_array = np.zeros(1024, dtype=np.int64)
        self.count_view = self.count_array
        self.total_words = 0
        self.sentences = 0

    def __len__(self):
        return len(self.words)

    cdef void _grow(self) except *:
        self.count_array = np.concatenate([self.count_array, np.zeros_like(self.count_array)])
        self.count_view = self.count_array

    def add_sentence(self, sentence):
        """Count the tokens of one sentence (a list of str)."""
        cdef list tokens = as_token_list(sentence, self.sentences)
        cdef object token
        cdef PyObject *slot
        cdef Py_ssize_t index
        for token in tokens:
            if type(token) is not str:
                raise token_type_error(token, self.sentences)
            slot = PyDict_GetItem(self.slots, token)
            if slot is NULL:
                index = len(self.words)
                if index == self.count_view.shape[0]:
                    self._grow()
                self.slots[token] = index
                self.words.append(token)
                self.count_view[index] = 1
            else:
                self.count_view[<Py_ssize_t><object>slot] += 1
        self.total_words += len(tokens)
        self.sentences += 1

    def prune(self, int64_t min_reduce, trim_rule=None):
        """Drop words with count < min_reduce (``trim_rule`` may keep or discard any word).

        This is what bounds memory during the scan (gensim's ``max_vocab_size``).
        """
        from w2v.vocab import keep_word
        cdef list kept = []
        cdef list kept_counts = []
        cdef Py_ssize_t i
        for i in range(len(self.words)):
            if keep_word(self.words[i], self.count_view[i], min_reduce, trim_rule):
                kept.append(self.words[i])
                kept_counts.append(self.count_view[i])
        self.words = kept
        self.slots = {word: i for i, word in enumerate(kept)}
        self.count_array = np.zeros(max(1024, 2 * len(kept)), dtype=np.int64)
        self.count_array[:len(kept)] = kept_counts
        self.count_view = self.count_array

    def counts(self):
        """All counted words as a dict word -> count, in first-seen order."""
        return dict(zip(self.words, self.count_array[:len(self.words)].tolist()))


cdef class BatchEncoder:
    """Turn sentences of str tokens into int32 word-index batches for the kernels.

    Tokens missing from the vocabulary are dropped (they still count as raw words for the
    learning-rate schedule, as in gensim). Sentences are never truncated.

    Parameters
    ----------
    key_to_index : dict
        Word -> row index.
    batch_words : int
        A batch is full once it holds this many in-vocabulary tokens.

    Examples
    --------
    >>> encoder = BatchEncoder({"a": 0, "b": 1}, batch_words=4)
    >>> encoder.add(["a", "x", "b"])
    False
    >>> encoder.add(["b", "b"])
    True
    >>> tokens, ends, raw_words, sentences = encoder.take()
    >>> tokens.tolist(), ends.tolist(), raw_words, sentences
    ([0, 1, 1, 1], [2, 4], 5, 2)
    """

    cdef dict key_to_index
    cdef int64_t batch_words
    cdef object token_array
    cdef int32_t[::1] token_view
    cdef object end_array
    cdef int64_t[::1] end_view
    cdef int64_t n_tokens
    cdef int64_t n_ends
    cdef readonly int64_t raw_words
    cdef readonly int64_t sentences
    cdef readonly int64_t total_sentences

    def __init__(self, dict key_to_index, int64_t batch_words):
        if batch_words < 1:
            raise ValueError(f"batch_words must be >= 1, got {batch_words}")
        self.key_to_index = key_to_index
        self.batch_words = batch_words
        self.token_array = np.empty(batch_words + 1024, dtype=np.int32)
        self.token_view = self.token_array
        self.end_array = np.empty(1024, dtype=np.int64)
        self.end_view = self.end_array
        self.total_sentences = 0
        self._reset()

    cdef void _reset(self):
        self.n_tokens = 0
        self.n_ends = 0
        self.raw_words = 0
        self.sentences = 0

    def add(self, sentence):
        """Append one sentence; return True when the batch is full."""
        cdef list tokens = as_token_list(sentence, self.total_sentences)
        cdef Py_ssize_t n = len(tokens)
        cdef object token
        cdef PyObject *index
        cdef int64_t start = self.n_tokens
        if self.n_tokens + n > self.token_view.shape[0]:
            self.token_array = np.concatenate(
                [self.token_array[:self.n_tokens],
                 np.empty(self.n_tokens + n + 1024, dtype=np.int32)])
            self.token_view = self.token_array
        for token in tokens:
            index = PyDict_GetItem(self.key_to_index, token)
            if index is not NULL:
                self.token_view[self.n_tokens] = <int32_t><object>index
                self.n_tokens += 1
        self.raw_words += n
        self.sentences += 1
        self.total_sentences += 1
        if self.n_tokens > start:
            if self.n_ends == self.end_view.shape[0]:
                self.end_array = np.concatenate([self.end_array, np.empty_like(self.end_array)])
                self.end_view = self.end_array
            self.end_view[self.n_ends] = self.n_tokens
            self.n_ends += 1
        return self.n_tokens >= self.batch_words

    def __len__(self):
        return self.sentences

    def take(self):
        """Return (tokens, sentence_ends, raw_words, sentences) and start a new batch."""
        result = (self.token_array[:self.n_tokens].copy(), self.end_array[:self.n_ends].copy(),
                  self.raw_words, self.sentences)
        self._reset()
        return result


@cython.boundscheck(False)
@cython.wraparound(False)
def alias_table(const double[::1] probabilities):
    """Walker/Vose alias table for drawing from a discrete distribution in O(1).

    Parameters
    ----------
    probabilities : numpy.ndarray
        float64, non-negative, summing to 1.

    Returns
    -------
    accept : numpy.ndarray
        uint32: column j is kept when a uniform 32-bit draw is below accept[j].
    other : numpy.ndarray
        int32: the column taken otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> accept, other = alias_table(np.array([0.5, 0.25, 0.25]))
    >>> other.tolist()
    [0, 0, 0]
    """
    cdef Py_ssize_t n = probabilities.shape[0]
    cdef Py_ssize_t i, small, large, n_small = 0, n_large = 0
    scaled_array = np.empty(n, dtype=np.float64)
    accept_array = np.empty(n, dtype=np.uint32)
    other_array = np.arange(n, dtype=np.int32)
    cdef double[::1] scaled = scaled_array
    cdef uint32_t[::1] accept = accept_array
    cdef int32_t[::1] other = other_array
    cdef int64_t[::1] small_stack = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] large_stack = np.empty(n, dtype=np.int64)
    cdef double full = 4294967296.0
    with nogil:
        for i in range(n):
            scaled[i] = probabilities[i] * n
            if scaled[i] < 1.0:
                small_stack[n_small] = i
                n_small += 1
            else:
                large_stack[n_large] = i
                n_large += 1
        while n_small > 0 and n_large > 0:
            n_small -= 1
            small = small_stack[n_small]
            large = large_stack[n_large - 1]
            accept[small] = <uint32_t>min(scaled[small] * full, full - 1.0)
            other[small] = <int32_t>large
            # Move the small column's missing mass out of the large one.
            scaled[large] = (scaled[large] + scaled[small]) - 1.0
            if scaled[large] < 1.0:
                n_large -= 1
                small_stack[n_small] = large
                n_small += 1
        # Leftovers are full columns (up to rounding): always keep them.
        for i in range(n_large):
            accept[large_stack[i]] = 0xFFFFFFFFu
            other[large_stack[i]] = <int32_t>large_stack[i]
        for i in range(n_small):
            accept[small_stack[i]] = 0xFFFFFFFFu
            other[small_stack[i]] = <int32_t>small_stack[i]
    return accept_array, other_array


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline void _sift_down(int64_t *weight, int64_t *heap, Py_ssize_t start, Py_ssize_t pos) noexcept nogil:
    """CPython's ``heapq._siftdown``, comparing nodes by weight alone."""
    cdef int64_t item = heap[pos]
    cdef Py_ssize_t parent
    while pos > start:
        parent = (pos - 1) >> 1
        if weight[item] < weight[heap[parent]]:
            heap[pos] = heap[parent]
            pos = parent
            continue
        break
    heap[pos] = item


cdef inline void _sift_up(int64_t *weight, int64_t *heap, Py_ssize_t size, Py_ssize_t pos) noexcept nogil:
    """CPython's ``heapq._siftup`` (leaf first, then back up), comparing by weight alone."""
    cdef Py_ssize_t start = pos
    cdef int64_t item = heap[pos]
    cdef Py_ssize_t child = 2 * pos + 1
    while child < size:
        if child + 1 < size and not weight[heap[child]] < weight[heap[child + 1]]:
            child += 1
        heap[pos] = heap[child]
        pos = child
        child = 2 * pos + 1
    heap[pos] = item
    _sift_down(weight, heap, start, pos)


def huffman_tree(const int64_t[::1] counts):
    """Build gensim 4's Huffman tree over the words' counts, exactly.

    gensim merges the two lightest nodes of a ``heapq`` heap whose items compare by count
    alone (ties go where the heap's layout puts them), leaves numbered by vocabulary
    position and inner nodes after them in merge order, the first node taken becoming the
    0 branch. This runs the same heap operations (CPython's ``heapify``, ``heappop`` and
    ``heappush``) in C, so a model's tree, and so the rows of ``syn1``, are gensim's for the
    same vocabulary: hierarchical-softmax weights move between the libraries
    (``Word2Vec.from_gensim``, ``to_gensim``). Any Huffman tree is an optimal code; the C
    tool's breaks ties differently.

    Parameters
    ----------
    counts : numpy.ndarray
        int64 word counts, in vocabulary order.

    Returns
    -------
    points : numpy.ndarray
        int32 inner-node indices (rows of syn1) of every word's path, root first, back to back.
    codes : numpy.ndarray
        uint8 branch bits of the same paths.
    offsets : numpy.ndarray
        int64, word w's path is points[offsets[w]:offsets[w + 1]].

    Examples
    --------
    >>> import numpy as np
    >>> points, codes, offsets = huffman_tree(np.array([4, 2, 1, 1]))
    >>> offsets.tolist(), codes[offsets[0]:offsets[1]].tolist()
    ([0, 1, 3, 6, 9], [0])
    """
    cdef Py_ssize_t n = counts.shape[0]
    cdef Py_ssize_t a, size, node, depth, i
    cdef int64_t first, second
    # Nodes: leaves 0..n-1 (the words), inner nodes n..2n-2 in merge order; the root is 2n-2.
    cdef int64_t[::1] weight = np.empty(max(2 * n - 1, 1), dtype=np.int64)
    cdef int64_t[::1] heap = np.arange(max(n, 1), dtype=np.int64)
    cdef int64_t[::1] parent = np.zeros(max(2 * n - 1, 1), dtype=np.int64)
    cdef uint8_t[::1] branch = np.zeros(max(2 * n - 1, 1), dtype=np.uint8)
    offsets_array = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] offsets = offsets_array
    if n == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.uint8), offsets_array
    with nogil:
        for a in range(n):
            weight[a] = counts[a]
        size = n
        for a in reversed(range(n // 2)):  # heapify
            _sift_up(&weight[0], &heap[0], size, a)
        for a in range(n - 1):
            first = heap[0]  # heappop
            size -= 1
            if size:
                heap[0] = heap[size]
                _sift_up(&weight[0], &heap[0], size, 0)
            second = heap[0]
            size -= 1
            if size:
                heap[0] = heap[size]
                _sift_up(&weight[0], &heap[0], size, 0)
            weight[n + a] = weight[first] + weight[second]
            parent[first] = n + a
            parent[second] = n + a
            branch[second] = 1
            heap[size] = n + a  # heappush
            size += 1
            _sift_down(&weight[0], &heap[0], 0, size - 1)
        for a in range(n):
            depth = 0
            node = a
            while node != 2 * n - 2:
                depth += 1
                node = parent[node]
            offsets[a + 1] = offsets[a] + depth
    points_array = np.empty(offsets[n], dtype=np.int32)
    codes_array = np.empty(offsets[n], dtype=np.uint8)
    cdef int32_t[::1] points = points_array
    cdef uint8_t[::1] codes = codes_array
    with nogil:
        for a in range(n):
            # Walk leaf -> root, writing the path backwards so it reads root -> leaf.
            i = offsets[a + 1]
            node = a
            while node != 2 * n - 2:
                i -= 1
                codes[i] = branch[node]
                points[i] = <int32_t>(parent[node] - n)
                node = parent[node]
    return points_array, codes_array, offsets_array


cdef inline uint64_t splitmix64(uint64_t *state) noexcept nogil:
    state[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


def initial_vectors(list words, int size, uint64_t seed):
    """Initial input vectors, uniform in [-1/size, 1/size), as in gensim 4.

    The C tool draws from [-0.5/size, 0.5/size); gensim 4 doubled that, and on the dev
    corpus (5 epochs, 2 workers, paired seeds) the wider start gained 0.5 analogy points for
    CBOW and 0.4 for skip-gram (``bench/results/accuracy.md``).

    Each word's vector depends only on the word's UTF-8 bytes and the seed (a stable FNV-1a
    hash feeding SplitMix64), never on Python's randomised ``hash()``: runs are reproducible
    in any process, and a word keeps its initial vector when the vocabulary changes.

    Examples
    --------
    >>> a = initial_vectors(["king", "queen"], 4, 1)
    >>> b = initial_vectors(["queen"], 4, 1)
    >>> bool((a[1] == b[0]).all()), bool(abs(a).max() < 1 / 4)
    (True, True)
    """
    cdef Py_ssize_t n = len(words)
    cdef Py_ssize_t i, d
    cdef bytes encoded
    cdef uint64_t state
    cdef uint64_t seed_state = seed
    cdef uint64_t seed_mix = splitmix64(&seed_state)
    cdef float scale = 1.0 / size
    out_array = np.empty((n, size), dtype=np.float32)
    cdef float[:, ::1] out = out_array
    for i in range(n):
        encoded = (<str>words[i]).encode("utf-8", "surrogatepass")
        state = fnv1a(<const char *>encoded, len(encoded)) ^ seed_mix
        for d in range(size):
            # 24 random bits times 2**-23: a uniform grid on [0, 2), exact in float32.
            out[i, d] = (<float>(splitmix64(&state) >> 40) * <float>(1.0 / 8388608.0) - 1.0) * scale
    return out_array
