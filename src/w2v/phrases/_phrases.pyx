# cython: language_level=3
"""Phrase detection at C speed: counting unigrams and phrase candidates, scoring, joining.

Every token is interned once to an int32 id (one dict lookup that reuses Python's cached
str hash). A phrase candidate is the id sequence ``(a, connector..., b)``, counted in an
open-addressing C hash table keyed by those ids. Compared with gensim's dict of joined
strings, no string is built per token pair, an entry costs about 50 bytes instead of about
100, and the token ``"a_b"`` (say from an earlier pass) never collides with the pair
``("a", "b")``.

The Python layer (``w2v.phrases``) owns the parameters, validation and file format.

Why one long module: the id table, the candidate table, the counter and the joiner share
cdef classes and inline helpers that must be compiled together to stay inlined in the
per-token loops; splitting them across extension modules would turn those calls into
function-pointer calls through a capsule, in the hottest loop of phrase detection.
"""

cimport cython
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from libc.math cimport INFINITY, log
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

import logging

import numpy as np

from w2v.cshared.keytable cimport (KeyTable, keytable_find, keytable_free, keytable_init, keytable_insert,
                            keytable_keep, keytable_key, keytable_rehash, keytable_truncate)
from w2v.cshared.tokens cimport as_token_list, token_type_error

logger = logging.getLogger("w2v.phrases")

cdef enum:
    # Scorer kinds, C constants so that choosing one in the per-candidate path costs nothing.
    WORD2PHRASE = 0
    ORIGINAL = 1
    NPMI = 2
    CALLABLE = 3

#: Scorer kinds for ``PhraseCounter.configure``.
SCORER_WORD2PHRASE, SCORER_ORIGINAL, SCORER_NPMI, SCORER_CALLABLE = WORD2PHRASE, ORIGINAL, NPMI, CALLABLE

cdef int64_t MAX_IDS = 2147483647  # ids are int32

cdef extern from "w2v_platform.h" nogil:
    void W2V_PREFETCH_READ(const void *address)

cdef enum:
    PREFETCH_AHEAD = 8  # keys; a miss costs about as long as handling this many hits


# ---------------------------------------------------------------------------------------------
# A hash table from int32 id sequences to int64 values
# ---------------------------------------------------------------------------------------------

cdef inline uint64_t hash_ids(const int32_t *key, int64_t n) noexcept nogil:
    # One multiply per id, then SplitMix64's finaliser so that the low bits (the slot) depend
    # on every id: pairs of small consecutive ids would otherwise crowd into few slots.
    cdef uint64_t h = <uint64_t>n
    cdef int64_t i
    for i in range(n):
        h = (h ^ <uint32_t>key[i]) * <uint64_t>0x9E3779B97F4A7C15ULL
    h = (h ^ (h >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    h = (h ^ (h >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return h ^ (h >> 31)


cdef class SequenceTable:
    """Open-addressing hash table from sequences of int32 ids to int64 values, in insertion order.

    The table is ``w2v.cshared.keytable``'s, keyed by the ids' bytes; this class adds the id view.

    Examples
    --------
    >>> table = SequenceTable()
    >>> table.increment([1, 2]); table.increment([1, 2]); table.increment([2, 1, 3])
    >>> table.get([1, 2]), table.get([2, 1]), len(table)
    (2, 0, 2)
    """

    cdef KeyTable keys

    def __cinit__(self, int64_t expected=1024):
        if keytable_init(&self.keys, expected, 2 * sizeof(int32_t)) != 0:
            keytable_free(&self.keys)
            raise MemoryError("cannot allocate the phrase table")

    def __dealloc__(self):
        keytable_free(&self.keys)

    def __len__(self):
        return self.keys.size

    def increment(self, key):
        """Add one to the value of ``key`` (a sequence of ids), inserting it at 0 if absent."""
        cdef int32_t[::1] ids = np.ascontiguousarray(key, dtype=np.int32)
        self.add(&ids[0], ids.shape[0], 1)

    def get(self, key):
        """The value of ``key``, or 0."""
        cdef int32_t[::1] ids = np.ascontiguousarray(key, dtype=np.int32)
        cdef int64_t entry = self.find(&ids[0], ids.shape[0], hash_ids(&ids[0], ids.shape[0]))
        return self.keys.entries[entry].value if entry >= 0 else 0

    cdef inline int64_t find(self, const int32_t *key, int64_t n, uint64_t h) noexcept nogil:
        """The entry holding ``key``, or -1."""
        return keytable_find(&self.keys, <const char *>key, n * sizeof(int32_t), h)

    cdef inline int32_t *ids(self, int64_t entry) noexcept nogil:
        """The ids of entry ``entry`` (``n_ids(entry)`` of them)."""
        return <int32_t *>keytable_key(&self.keys, entry)

    cdef inline int64_t n_ids(self, int64_t entry) noexcept nogil:
        return self.keys.entries[entry].length // sizeof(int32_t)

    cdef int add(self, const int32_t *key, int64_t n, int64_t delta) except -1:
        """Add ``delta`` to the value of ``key``, inserting it if absent."""
        cdef uint64_t h = hash_ids(key, n)
        cdef int64_t entry = self.find(key, n, h)
        if entry >= 0:
            self.keys.entries[entry].value += delta
        elif keytable_insert(&self.keys, <const char *>key, n * sizeof(int32_t), h, delta) < 0:
            raise MemoryError("cannot grow the phrase table")
        return 0

    cdef void prune(self, int64_t min_value) noexcept nogil:
        """Drop the entries whose value is below ``min_value``, keeping the order of the rest."""
        cdef int64_t i, kept = 0, pool_size = 0
        for i in range(self.keys.size):
            if self.keys.entries[i].value >= min_value:
                keytable_keep(&self.keys, i, &kept, &pool_size)
        keytable_truncate(&self.keys, kept, pool_size)

    cdef void mark_ids(self, uint8_t *used) noexcept nogil:
        cdef int32_t *pool = <int32_t *>self.keys.pool
        cdef int64_t i
        for i in range(self.keys.pool_size // <int64_t>sizeof(int32_t)):
            used[pool[i]] = 1

    cdef void remap(self, const int32_t *new_ids) noexcept nogil:
        """Rewrite every id through ``new_ids`` (the hashes change, so rehash)."""
        cdef int32_t *pool = <int32_t *>self.keys.pool
        cdef int64_t i
        for i in range(self.keys.pool_size // <int64_t>sizeof(int32_t)):
            pool[i] = new_ids[pool[i]]
        for i in range(self.keys.size):
            self.keys.entries[i].hash = hash_ids(self.ids(i), self.n_ids(i))
        keytable_rehash(&self.keys)


# ---------------------------------------------------------------------------------------------
# Pairs inline: the common candidate (no connector words) costs one cache line per lookup
# ---------------------------------------------------------------------------------------------

cdef struct PairSlot:
    uint64_t key     # (a + 1) << 32 | b, so that 0 marks an empty slot
    int64_t value


cdef inline uint64_t pair_key(int32_t a, int32_t b) noexcept nogil:
    return ((<uint64_t>a + 1) << 32) | <uint32_t>b


cdef inline uint64_t mix_key(uint64_t h) noexcept nogil:
    h = (h ^ (h >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    h = (h ^ (h >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return h ^ (h >> 31)


cdef class PairTable:
    """Open-addressing hash table from id pairs to int64 values, the slots holding the entries.

    Examples
    --------
    >>> table = PairTable()
    >>> table.increment(1, 2); table.increment(1, 2); table.increment(2, 1)
    >>> table.get(1, 2), table.get(2, 1), table.get(3, 3), len(table)
    (2, 1, 0, 2)
    """

    cdef PairSlot *slots
    cdef int64_t mask
    cdef int64_t size

    def __cinit__(self, int64_t expected=1024):
        cdef int64_t n_slots = 16
        while n_slots < 2 * expected:
            n_slots *= 2
        self.slots = <PairSlot *>malloc(n_slots * sizeof(PairSlot))
        if self.slots == NULL:
            raise MemoryError("cannot allocate the phrase table")
        memset(self.slots, 0, n_slots * sizeof(PairSlot))
        self.mask = n_slots - 1
        self.size = 0

    def __dealloc__(self):
        free(self.slots)

    def __len__(self):
        return self.size

    def increment(self, int32_t a, int32_t b):
        """Add one to the value of (a, b)."""
        self.add(pair_key(a, b), 1)

    def get(self, int32_t a, int32_t b):
        """The value of (a, b), or 0."""
        cdef PairSlot *slot = self.find(pair_key(a, b))
        return slot.value if slot != NULL else 0

    cdef inline PairSlot *find(self, uint64_t key) noexcept nogil:
        cdef int64_t i = mix_key(key) & self.mask
        while self.slots[i].key != 0:
            if self.slots[i].key == key:
                return &self.slots[i]
            i = (i + 1) & self.mask
        return NULL

    cdef inline void place(self, PairSlot *slots, int64_t mask, uint64_t key, int64_t value) noexcept nogil:
        cdef int64_t i = mix_key(key) & mask
        while slots[i].key != 0:
            i = (i + 1) & mask
        slots[i].key = key
        slots[i].value = value

    cdef int add(self, uint64_t key, int64_t delta) except -1:
        cdef int64_t i = mix_key(key) & self.mask
        while self.slots[i].key != 0:
            if self.slots[i].key == key:
                self.slots[i].value += delta
                return 0
            i = (i + 1) & self.mask
        if 2 * (self.size + 1) > self.mask + 1:
            self.rebuild(2 * (self.mask + 1), 0, NULL)
            self.place(self.slots, self.mask, key, delta)
        else:
            self.slots[i].key = key
            self.slots[i].value = delta
        self.size += 1
        return 0

    cdef inline void prefetch(self, uint64_t key) noexcept nogil:
        W2V_PREFETCH_READ(&self.slots[mix_key(key) & self.mask])

    cdef int add_many(self, const uint64_t *keys, int64_t n) except -1:
        """Add one to each of ``keys``, fetching slots a few keys ahead.

        A large table misses the cache on nearly every lookup; prefetching lets several of
        those misses overlap instead of waiting for each in turn.
        """
        cdef int64_t j
        for j in range(min(n, PREFETCH_AHEAD)):
            W2V_PREFETCH_READ(&self.slots[mix_key(keys[j]) & self.mask])
        for j in range(n):
            if j + PREFETCH_AHEAD < n:
                W2V_PREFETCH_READ(&self.slots[mix_key(keys[j + PREFETCH_AHEAD]) & self.mask])
            self.add(keys[j], 1)
        return 0

    cdef int rebuild(self, int64_t n_slots, int64_t min_value, const int32_t *new_ids) except -1:
        """Move the entries with value >= min_value (ids through new_ids) into n_slots slots."""
        cdef PairSlot *slots = <PairSlot *>malloc(n_slots * sizeof(PairSlot))
        cdef int64_t i, size = 0
        cdef uint64_t key
        if slots == NULL:
            raise MemoryError("cannot grow the phrase table")
        memset(slots, 0, n_slots * sizeof(PairSlot))
        for i in range(self.mask + 1):
            key = self.slots[i].key
            if key == 0 or self.slots[i].value < min_value:
                continue
            if new_ids != NULL:
                key = pair_key(new_ids[(key >> 32) - 1], new_ids[<uint32_t>key])
            self.place(slots, n_slots - 1, key, self.slots[i].value)
            size += 1
        free(self.slots)
        self.slots = slots
        self.mask = n_slots - 1
        self.size = size
        return 0

    cdef int prune(self, int64_t min_value) except -1:
        cdef int64_t n_slots = self.mask + 1
        return self.rebuild(n_slots, min_value, NULL)

    cdef void mark_ids(self, uint8_t *used) noexcept nogil:
        cdef int64_t i
        for i in range(self.mask + 1):
            if self.slots[i].key != 0:
                used[(self.slots[i].key >> 32) - 1] = 1
                used[<uint32_t>self.slots[i].key] = 1


cdef class CandidateTable:
    """Counts (or values) of phrase candidates: pairs inline, longer sequences in a SequenceTable.

    Walk the entries with ``position`` from 0 to ``n_positions()``; ``at`` gives each one.

    Examples
    --------
    >>> table = CandidateTable()
    >>> table.increment([1, 2]); table.increment([1, 5, 2]); table.increment([1, 2])
    >>> table.get([1, 2]), table.get([1, 5, 2]), table.get([2, 1]), len(table)
    (2, 1, 0, 2)
    """

    cdef PairTable pairs
    cdef SequenceTable sequences
    cdef int32_t pair[2]

    def __cinit__(self, int64_t expected=1024):
        self.pairs = PairTable(expected)
        self.sequences = SequenceTable(16)

    def __len__(self):
        return self.size()

    def increment(self, key):
        """Add one to the value of ``key`` (a sequence of at least two ids)."""
        cdef int32_t[::1] ids = np.ascontiguousarray(key, dtype=np.int32)
        self.add(&ids[0], ids.shape[0], 1)

    def get(self, key):
        """The value of ``key``, or 0."""
        cdef int32_t[::1] ids = np.ascontiguousarray(key, dtype=np.int32)
        cdef int64_t *value = self.find(&ids[0], ids.shape[0])
        return value[0] if value != NULL else 0

    cdef inline int64_t size(self) noexcept nogil:
        return self.pairs.size + self.sequences.keys.size

    cdef inline int64_t *find(self, const int32_t *key, int64_t n) noexcept nogil:
        """The value of ``key``, or NULL; valid until the next change to the table."""
        cdef PairSlot *slot
        cdef int64_t entry
        if n == 2:
            slot = self.pairs.find(pair_key(key[0], key[1]))
            return &slot.value if slot != NULL else NULL
        entry = self.sequences.find(key, n, hash_ids(key, n))
        return &self.sequences.keys.entries[entry].value if entry >= 0 else NULL

    cdef inline int add(self, const int32_t *key, int64_t n, int64_t delta) except -1:
        if n == 2:
            return self.pairs.add(pair_key(key[0], key[1]), delta)
        return self.sequences.add(key, n, delta)

    cdef int prune(self, int64_t min_value) except -1:
        self.pairs.prune(min_value)
        self.sequences.prune(min_value)
        return 0

    cdef void mark_ids(self, uint8_t *used) noexcept nogil:
        self.pairs.mark_ids(used)
        self.sequences.mark_ids(used)

    cdef int remap(self, const int32_t *new_ids) except -1:
        cdef int64_t n_slots = self.pairs.mask + 1
        self.pairs.rebuild(n_slots, 0, new_ids)
        self.sequences.remap(new_ids)
        return 0

    cdef inline int64_t n_positions(self) noexcept nogil:
        return self.pairs.mask + 1 + self.sequences.keys.size

    cdef const int32_t *at(self, int64_t position, int64_t *length, int64_t *value) noexcept nogil:
        """The ids of the entry at ``position`` (NULL for an empty slot), its length and value."""
        cdef uint64_t key
        cdef int64_t entry
        if position <= self.pairs.mask:
            key = self.pairs.slots[position].key
            if key == 0:
                return NULL
            self.pair[0] = <int32_t>((key >> 32) - 1)
            self.pair[1] = <int32_t><uint32_t>key
            length[0] = 2
            value[0] = self.pairs.slots[position].value
            return self.pair
        entry = position - self.pairs.mask - 1
        length[0] = self.sequences.n_ids(entry)
        value[0] = self.sequences.keys.entries[entry].value
        return self.sequences.ids(entry)

    def state(self):
        """(lengths, flat ids, values) of every entry, as numpy arrays."""
        cdef int64_t position, length, value, n = 0, flat_size = 0
        cdef const int32_t *key
        lengths = np.empty(self.size(), dtype=np.int64)
        values = np.empty(self.size(), dtype=np.int64)
        flat = np.empty(2 * self.pairs.size + self.sequences.keys.pool_size // sizeof(int32_t), dtype=np.int32)
        cdef int64_t[::1] length_view = lengths, value_view = values
        cdef int32_t[::1] flat_view = flat
        for position in range(self.n_positions()):
            key = self.at(position, &length, &value)
            if key == NULL:
                continue
            length_view[n] = length
            value_view[n] = value
            memcpy(&flat_view[flat_size], key, length * sizeof(int32_t))
            flat_size += length
            n += 1
        return lengths, flat, values


# ---------------------------------------------------------------------------------------------
# What counting and frozen models share: token ids and joining phrases in sentences
# ---------------------------------------------------------------------------------------------

cdef class PhraseSource:
    """Token ids plus phrase joining; subclasses say which id sequences are phrases.

    Phrases are found left to right, greedily, exactly as gensim 4 and word2phrase do: a
    candidate runs from one non-connector token, over any connector tokens, to the next
    non-connector token; once joined, its last token cannot start another phrase.

    Examples
    --------
    >>> source = PhraseTable([(("a", "b"), 5.0), (("b", "c"), 9.0)], threshold=1.0)
    >>> source.analyze(["a", "b", "c", "b", "c"], "_")
    ['a_b', 'c', 'b_c']
    >>> found = {}
    >>> _ = source.analyze(["x", "b", "c"], "+", found)
    >>> found, source.score_tokens(["b", "c"]), source.score_tokens(["c", "b"])
    ({'b+c': 9.0}, 9.0, None)
    """

    cdef dict ids
    cdef list words
    cdef frozenset connectors
    cdef bint has_connectors
    # Scratch for counting only; joining uses buffers of its own per call, so that several
    # threads (or a custom scorer that joins) can join with one model at the same time.
    cdef object key_array
    cdef int32_t[::1] key

    def __init__(self, connector_words=frozenset()):
        self.ids = {}
        self.words = []
        self.connectors = frozenset(connector_words)
        self.has_connectors = len(self.connectors) > 0
        self.key_array = np.empty(64, dtype=np.int32)
        self.key = self.key_array

    cdef int32_t id_of(self, object token):
        cdef PyObject *slot = PyDict_GetItem(self.ids, token)
        return -1 if slot is NULL else <int32_t><Py_ssize_t><object>slot

    cdef void reserve_key(self, Py_ssize_t n):
        if n > self.key.shape[0]:
            self.key_array = np.empty(2 * n, dtype=np.int32)
            self.key = self.key_array

    cdef int score(self, const int32_t *key, int64_t n, double *out) except -1:
        """1 and the score in ``out`` if ``key`` is a phrase, else 0."""
        return 0

    cdef void prefetch(self, const int32_t *ids, const uint8_t *connector, Py_ssize_t position) noexcept:
        """Hint that the candidate ending at ``position`` of the sentence comes soon."""

    def score_tokens(self, tokens):
        """The score of the candidate ``tokens`` if it is a phrase, else None."""
        cdef Py_ssize_t n = len(tokens), i
        cdef double score
        cdef int found
        if n < 2:
            return None
        cdef int32_t *key = <int32_t *>malloc(n * sizeof(int32_t))
        if key == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                key[i] = self.id_of(tokens[i])
                if key[i] < 0:
                    return None
            found = self.score(key, n, &score)
        finally:
            free(key)
        return score if found else None

    def analyze(self, sentence, str delimiter, dict found=None, int64_t sentence_number=0):
        """The sentence with its phrases joined by ``delimiter`` (always a new list).

        With ``found``, also store each phrase found and its score there.
        """
        cdef list tokens = as_token_list(sentence, sentence_number)
        cdef Py_ssize_t n = len(tokens)
        # One block: ids of the tokens, then a candidate's key, then connector flags.
        cdef int32_t *ids = <int32_t *>malloc((2 * n + 1) * sizeof(int32_t) + n + 1)
        if ids == NULL:
            raise MemoryError()
        try:
            return self.join(tokens, ids, ids + n, <uint8_t *>(ids + 2 * n + 1), delimiter, found,
                             sentence_number)
        finally:
            free(ids)

    cdef list join(self, list tokens, int32_t *ids, int32_t *key, uint8_t *connector, str delimiter,
                   dict found, int64_t sentence_number):
        cdef Py_ssize_t n = len(tokens), i, j, start = -1, copied = 0
        cdef object token
        cdef list out = None
        cdef double score
        cdef bint is_phrase
        # First every token's id (and whether it is a connector word), so that the table
        # slots of the pairs ahead can be fetched while the current one is scored.
        for i in range(n):
            token = tokens[i]
            if type(token) is not str:
                raise token_type_error(token, sentence_number)
            connector[i] = self.has_connectors and token in self.connectors
            ids[i] = self.id_of(token)
        for i in range(n):
            if i + PREFETCH_AHEAD < n:
                self.prefetch(ids, connector, i + PREFETCH_AHEAD)
            if connector[i]:
                continue  # inside a candidate it waits for the candidate's end; else stays as is
            if start >= 0:
                is_phrase = True
                for j in range(start, i + 1):
                    if ids[j] < 0:
                        is_phrase = False
                        break
                    key[j - start] = ids[j]
                if is_phrase and self.score(key, i - start + 1, &score):
                    if out is None:
                        out = []
                    out.extend(tokens[copied:start])
                    joined = delimiter.join(tokens[start:i + 1])
                    out.append(joined)
                    if found is not None:
                        found[joined] = score
                    copied = i + 1
                    start = -1
                    continue
            start = i
        if out is None:
            return tokens[:]
        out.extend(tokens[copied:])
        return out

    def analyze_corpus(self, corpus, str delimiter, dict found):
        """Put every phrase of ``corpus`` and its score in ``found`` (``find_phrases``)."""
        cdef int64_t number = 0
        for sentence in corpus:
            self.analyze(sentence, delimiter, found, number)
            number += 1


# ---------------------------------------------------------------------------------------------
# Counting: unigrams and phrase candidates, with gensim's pruning
# ---------------------------------------------------------------------------------------------

cdef inline double count_product(int64_t a, int64_t b) noexcept:
    """a * b as a double: exact in int64 (as Python's int product, so scores match the Python
    scorers to the bit) unless that would overflow, as for two counts above about 3e9."""
    if a > 0 and b > INT64_MAX // a:
        return <double>a * <double>b
    return <double>(a * b)


cdef class PhraseCounter(PhraseSource):
    """Counts of unigrams and phrase candidates over a corpus, and the scores they give.

    A connector word is never counted on its own and never starts or ends a candidate; a
    count of 0 means "absent" (never seen, or pruned), as a missing key does in gensim.

    Examples
    --------
    >>> counter = PhraseCounter(frozenset(["of"]))
    >>> counter.add_corpus([["bank", "of", "america"], ["bank", "rate"]], max_vocab_size=100)
    1
    >>> counter.unigram_count("bank"), counter.unigram_count("of"), counter.phrase_count(["bank", "of", "america"])
    (2, 0, 1)
    >>> len(counter), counter.total_words  # 3 unigrams and 2 candidates; 5 tokens
    (5, 5)
    """

    cdef object count_array
    cdef int64_t[::1] counts
    cdef object connector_array
    cdef uint8_t[::1] is_connector
    cdef CandidateTable table
    cdef object pair_key_array
    cdef uint64_t[::1] pair_keys
    cdef readonly int64_t total_words
    cdef readonly int64_t sentences
    cdef readonly int64_t n_unigrams
    # scoring
    cdef int scorer_kind
    cdef int64_t min_count
    cdef double threshold
    cdef object scorer

    def __init__(self, connector_words=frozenset()):
        PhraseSource.__init__(self, connector_words)
        self.clear()
        self.configure(WORD2PHRASE, 5, 100.0, None)

    cdef int clear(self) except -1:
        self.ids = {}
        self.words = []
        self.count_array = np.zeros(1024, dtype=np.int64)
        self.counts = self.count_array
        self.connector_array = np.zeros(1024, dtype=np.uint8)
        self.is_connector = self.connector_array
        self.table = CandidateTable(1 << 12)
        self.pair_key_array = np.empty(1024, dtype=np.uint64)
        self.pair_keys = self.pair_key_array
        self.total_words = 0
        self.sentences = 0
        self.n_unigrams = 0
        return 0

    def __len__(self):
        """Unigrams and candidates with a count (gensim's ``len(phrases.vocab)``)."""
        return self.n_unigrams + self.table.size()

    def configure(self, int kind, int64_t min_count, double threshold, scorer=None):
        """Choose the scorer (a ``SCORER_*`` kind; ``scorer`` is the callable for SCORER_CALLABLE)."""
        if kind < WORD2PHRASE or kind > CALLABLE:
            raise ValueError(f"unknown scorer kind {kind}")
        self.scorer_kind = kind
        self.min_count = min_count
        self.threshold = threshold
        self.scorer = scorer

    # -- counting ----------------------------------------------------------------------------

    cdef int32_t intern(self, str token) except -1:
        cdef Py_ssize_t index = len(self.words)
        if index >= MAX_IDS:
            raise MemoryError("more than 2**31 distinct tokens held; lower max_vocab_size")
        if index == self.counts.shape[0]:
            self.count_array = np.concatenate([self.count_array, np.zeros_like(self.count_array)])
            self.counts = self.count_array
            self.connector_array = np.concatenate([self.connector_array, np.zeros_like(self.connector_array)])
            self.is_connector = self.connector_array
        self.ids[token] = index
        self.words.append(token)
        self.counts[index] = 0
        self.is_connector[index] = self.has_connectors and token in self.connectors
        return <int32_t>index

    cdef int add_sentence(self, object sentence) except -1:
        cdef list tokens = as_token_list(sentence, self.sentences)
        cdef Py_ssize_t n = len(tokens), between = 0
        cdef object token
        cdef PyObject *slot
        cdef int32_t token_id
        cdef bint started = False
        cdef int64_t n_pairs = 0
        self.reserve_key(n + 1)
        if n > self.pair_keys.shape[0]:
            self.pair_key_array = np.empty(2 * n, dtype=np.uint64)
            self.pair_keys = self.pair_key_array
        for token in tokens:
            slot = PyDict_GetItem(self.ids, token)
            if slot is not NULL:
                token_id = <int32_t><Py_ssize_t><object>slot
            elif type(token) is str:
                token_id = self.intern(<str>token)
            else:
                raise token_type_error(token, self.sentences)
            if self.is_connector[token_id]:
                if started:
                    between += 1
                    self.key[between] = token_id
                continue
            if self.counts[token_id] == 0:
                self.n_unigrams += 1
            self.counts[token_id] += 1
            if started and between == 0:
                self.pair_keys[n_pairs] = pair_key(self.key[0], token_id)
                n_pairs += 1
            elif started:
                self.key[between + 1] = token_id
                self.table.add(&self.key[0], between + 2, 1)
            # The word ends one candidate and starts the next.
            self.key[0] = token_id
            between = 0
            started = True
        # Pairs are added together at the end, so that their slots can be fetched ahead.
        if n_pairs:
            self.table.pairs.add_many(&self.pair_keys[0], n_pairs)
        self.total_words += n
        self.sentences += 1
        return 0

    def add_corpus(self, corpus, int64_t max_vocab_size, int64_t progress_per=10000):
        """Count every sentence of ``corpus``; prune as gensim does; return the next min_reduce.

        Whenever more than ``max_vocab_size`` unigrams and candidates are held after a
        sentence, those with a count below ``min_reduce`` are dropped and ``min_reduce``
        grows by one, so memory stays bounded.
        """
        cdef int64_t min_reduce = 1
        for sentence in corpus:
            if progress_per > 0 and self.sentences % progress_per == 0:
                logger.info("PROGRESS: at sentence #%i, processed %i words and %i word types",
                            self.sentences, self.total_words, len(self))
            self.add_sentence(sentence)
            if self.n_unigrams + self.table.size() > max_vocab_size:
                self.prune(min_reduce)
                min_reduce += 1
        return min_reduce

    def prune(self, int64_t min_reduce):
        """Drop unigrams and candidates counted fewer than ``min_reduce`` times.

        Ids no longer used by any count are released, so the token dict shrinks too.
        """
        cdef Py_ssize_t n_ids = len(self.words), i
        cdef int64_t kept = 0
        for i in range(n_ids):
            if 0 < self.counts[i] < min_reduce:
                self.counts[i] = 0
                self.n_unigrams -= 1
        self.table.prune(min_reduce)
        used_array = self.count_array[:n_ids] > 0
        cdef uint8_t[::1] used = used_array.view(np.uint8)
        if n_ids:
            self.table.mark_ids(&used[0])
        new_ids_array = np.cumsum(used_array, dtype=np.int32) - 1
        cdef int32_t[::1] new_ids = new_ids_array
        if n_ids == 0 or new_ids[n_ids - 1] == n_ids - 1:
            return
        self.table.remap(&new_ids[0])
        keep = np.flatnonzero(used_array)
        self.words = [self.words[i] for i in keep]
        self.ids = {word: i for i, word in enumerate(self.words)}
        size = max(1024, 2 * len(self.words))
        counts = np.zeros(size, dtype=np.int64)
        counts[:len(keep)] = self.count_array[keep]
        connectors = np.zeros(size, dtype=np.uint8)
        connectors[:len(keep)] = self.connector_array[keep]
        self.count_array, self.connector_array = counts, connectors
        self.counts, self.is_connector = counts, connectors

    def merge(self, PhraseCounter other not None):
        """Add the counts of ``other`` (same connector words) to these."""
        cdef Py_ssize_t n_other = len(other.words), i
        cdef int64_t entry, j, length
        new_ids_array = np.empty(max(n_other, 1), dtype=np.int32)
        cdef int32_t[::1] new_ids = new_ids_array
        cdef PyObject *slot
        for i in range(n_other):
            word = other.words[i]
            slot = PyDict_GetItem(self.ids, word)
            new_ids[i] = <int32_t><Py_ssize_t><object>slot if slot is not NULL else self.intern(word)
            if other.counts[i] > 0:
                if self.counts[new_ids[i]] == 0:
                    self.n_unigrams += 1
                self.counts[new_ids[i]] += other.counts[i]
        cdef int64_t value
        cdef const int32_t *key
        for entry in range(other.table.n_positions()):
            key = other.table.at(entry, &length, &value)
            if key == NULL:
                continue
            self.reserve_key(length)
            for j in range(length):
                self.key[j] = new_ids[key[j]]
            self.table.add(&self.key[0], length, value)
        self.total_words += other.total_words
        self.sentences += other.sentences

    # -- looking counts up -------------------------------------------------------------------

    def unigram_count(self, str word):
        """How often ``word`` was counted (0 if never, pruned, or a connector word)."""
        cdef int32_t token_id = self.id_of(word)
        return self.counts[token_id] if token_id >= 0 else 0

    def phrase_count(self, tokens):
        """How often the candidate ``tokens`` (first, connectors..., last) was counted."""
        cdef Py_ssize_t n = len(tokens), i
        cdef int32_t token_id
        self.reserve_key(n)
        for i in range(n):
            token_id = self.id_of(tokens[i])
            if token_id < 0:
                return 0
            self.key[i] = token_id
        cdef int64_t *value = self.table.find(&self.key[0], n) if n >= 2 else NULL
        return value[0] if value != NULL else 0

    # -- scoring -----------------------------------------------------------------------------

    cdef void prefetch(self, const int32_t *ids, const uint8_t *connector, Py_ssize_t position) noexcept:
        # Only a plain pair: a candidate over connector words is rare and in the other table.
        if position > 0 and not connector[position - 1] and ids[position - 1] >= 0 and ids[position] >= 0:
            self.table.pairs.prefetch(pair_key(ids[position - 1], ids[position]))

    cdef int score_counts(self, int64_t a, int64_t b, int64_t ab, double *out) except -1:
        """Score a candidate from its counts; 1 when above the threshold."""
        cdef double n_words, pa, pb, pab, denominator
        if self.scorer_kind == WORD2PHRASE or self.scorer_kind == ORIGINAL:
            # The same operations in the same order as the Python scorers: equal to the bit.
            n_words = <double>(self.total_words if self.scorer_kind == WORD2PHRASE
                               else self.n_unigrams + self.table.size())
            out[0] = <double>(ab - self.min_count) / count_product(a, b) * n_words
        elif self.scorer_kind == NPMI:
            if ab < self.min_count:
                out[0] = -INFINITY
            else:
                n_words = <double>self.total_words
                pa = a / n_words
                pb = b / n_words
                pab = ab / n_words
                denominator = -log(pab)
                out[0] = -INFINITY if denominator == 0.0 else log(pab / (pa * pb)) / denominator
        else:
            out[0] = self.scorer(worda_count=a, wordb_count=b, bigram_count=ab,
                                 len_vocab=self.n_unigrams + self.table.size(),
                                 min_count=self.min_count, corpus_word_count=self.total_words)
        return out[0] > self.threshold

    cdef int score(self, const int32_t *key, int64_t n, double *out) except -1:
        cdef int64_t a = self.counts[key[0]], b = self.counts[key[n - 1]]
        if a <= 0 or b <= 0:
            return 0
        cdef int64_t *ab = self.table.find(key, n)
        if ab == NULL or ab[0] <= 0:
            return 0
        return self.score_counts(a, b, ab[0], out)

    def export(self):
        """Every counted candidate that scores above the threshold: a list of (tokens, score)."""
        cdef list result = []
        cdef int64_t position, j, length, value
        cdef double score
        cdef const int32_t *key
        for position in range(self.table.n_positions()):
            key = self.table.at(position, &length, &value)
            if key != NULL and self.score(key, length, &score):
                result.append((tuple([self.words[key[j]] for j in range(length)]), score))
        return result

    # -- state, for saving -------------------------------------------------------------------

    def get_state(self):
        """(words, counts, lengths, ids, values): the counts as plain lists and arrays."""
        lengths, flat, values = self.table.state()
        return (list(self.words), self.count_array[:len(self.words)].copy(), lengths, flat, values)

    def set_state(self, list words, counts, lengths, ids, values, int64_t total_words,
                  int64_t sentences):
        """Replace everything with the state ``get_state`` gave (checked, as it comes from a file)."""
        counts = np.asarray(counts, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        flat = np.ascontiguousarray(ids, dtype=np.int32)
        values = np.asarray(values, dtype=np.int64)
        # Each length is bounded too: the int64 sum of huge lengths can wrap around to len(flat),
        # and a phrase longer than the ids would be read past their end.
        if (len(counts) != len(words) or len(values) != len(lengths) or int(lengths.sum()) != len(flat)
                or (len(lengths) and (lengths.min() < 2 or lengths.max() > len(flat)))
                or (len(flat) and (flat.min() < 0 or flat.max() >= len(words)))
                or (len(counts) and counts.min() < 0) or (len(values) and values.min() < 1)):
            raise ValueError("inconsistent phrase counts")
        if len(set(words)) != len(words) or not all(type(word) is str for word in words):
            raise ValueError("the token list must hold distinct str tokens")
        self.clear()
        for word in words:
            self.intern(word)
        self.count_array[:len(words)] = counts
        self.n_unigrams = int(np.count_nonzero(counts))
        cdef int32_t[::1] flat_view = flat
        cdef int64_t position = 0, entry
        for entry in range(len(lengths)):
            self.table.add(&flat_view[position], lengths[entry], values[entry])
            position += lengths[entry]
        self.total_words = total_words
        self.sentences = sentences


# ---------------------------------------------------------------------------------------------
# Frozen phrases: only the phrases and their scores
# ---------------------------------------------------------------------------------------------

cdef class PhraseTable(PhraseSource):
    """The phrases of a frozen model: token sequences and their scores, nothing else.

    Examples
    --------
    >>> table = PhraseTable([(("new", "york"), 120.5)], threshold=10.0)
    >>> table.analyze(["in", "new", "york", "city"], "_")
    ['in', 'new_york', 'city']
    >>> table.items()
    [(('new', 'york'), 120.5)]
    """

    cdef CandidateTable table
    cdef object score_array
    cdef double[::1] scores
    cdef public double threshold

    def __init__(self, items, double threshold, connector_words=frozenset()):
        PhraseSource.__init__(self, connector_words)
        items = list(items)
        self.table = CandidateTable(max(len(items), 16))
        self.score_array = np.empty(max(len(items), 1), dtype=np.float64)
        self.scores = self.score_array
        self.threshold = threshold
        cdef Py_ssize_t index, j
        cdef PyObject *slot
        for index, (tokens, score) in enumerate(items):
            if len(tokens) < 2:
                raise ValueError(f"a phrase has at least two tokens, got {tokens!r}")
            self.reserve_key(len(tokens))
            for j, token in enumerate(tokens):
                if type(token) is not str:
                    raise TypeError(f"phrase tokens must be str, got {token!r}")
                slot = PyDict_GetItem(self.ids, token)
                if slot is NULL:
                    self.ids[token] = len(self.words)
                    self.words.append(token)
                self.key[j] = self.ids[token]
            if self.table.find(&self.key[0], len(tokens)) != NULL:
                raise ValueError(f"phrase {tokens!r} given twice")
            self.table.add(&self.key[0], len(tokens), index)
            self.scores[index] = score

    def __len__(self):
        return self.table.size()

    cdef int score(self, const int32_t *key, int64_t n, double *out) except -1:
        cdef int64_t *index = self.table.find(key, n)
        if index == NULL:
            return 0
        out[0] = self.scores[index[0]]
        return out[0] > self.threshold

    def items(self):
        """All phrases as a list of (tokens, score), in the order given."""
        cdef int64_t position, j, length, index
        cdef const int32_t *key
        result = []
        for position in range(self.table.n_positions()):
            key = self.table.at(position, &length, &index)
            if key != NULL:
                result.append((index, tuple([self.words[key[j]] for j in range(length)]),
                               float(self.scores[index])))
        result.sort()
        return [(tokens, score) for index, tokens, score in result]
