# cython: language_level=3
"""corpus_file mode: count and train straight from a plain-text file, in C, without the GIL.

A *token* is a maximal run of bytes that are not ASCII whitespace (space, \\t, \\n, \\v, \\f,
\\r); a *sentence* is the tokens of one line, cut every MAX_SENTENCE_LENGTH tokens (as
``LineSentence`` does). Invalid UTF-8 is just bytes: it never drops or merges tokens, and
vocabulary keys decode it with ``surrogateescape`` so the bytes round-trip.

For training, the file is split into one byte range per worker thread. A token belongs to
the range holding its first byte, so every token is trained exactly once per epoch (gensim
cuts at raw byte offsets and trains some text twice and some never). All threads add the
words they read to one shared counter, and the learning rate follows that global progress.
"""

cimport cython
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdio cimport FILE, fclose, ferror, fread
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset

from w2v.cshared.hashing cimport fnv1a
from w2v._core cimport ModelConfig, Worker, WorkerState, real_t, train_sentence
from w2v.train._schedule cimport LearningRateSchedule, Schedule, scheduled_alpha
from w2v.cshared.keytable cimport (KeyTable, keytable_find, keytable_free, keytable_init, keytable_insert,
                            keytable_keep, keytable_key, keytable_truncate)

import os
import sys

import numpy as np

cdef extern from "w2v_platform.h" nogil:
    FILE *w2v_fopen(const char *path)
    int w2v_fseek(FILE *file, int64_t offset)
    int64_t w2v_atomic_add(int64_t *target, int64_t value)
    int64_t w2v_atomic_load(const int64_t *target)
    void w2v_pause()

cdef enum:
    MAX_SENTENCE_LENGTH = 10000
    READ_BUFFER_SIZE = 1 << 20
    MIN_READ_SIZE = 1 << 12

# What read_token found.
cdef enum:
    TOKEN = 0
    NEWLINE = 1
    END = 2
    FAILED = 3

# Slots of the int64 array shared by the threads of one epoch.
cdef enum:
    SHARED_WORDS = 0   # raw words read so far this epoch, by all threads
    SHARED_STOP = 1    # set to 1 to ask every thread to stop
    SHARED_OFFSET = 2  # optional (distributed jobs): the job's words = offset + multiplier * words
    SHARED_LIMIT = 3   # optional (distributed jobs): wait while the words read exceed this


cdef inline bint is_space(unsigned char c) noexcept nogil:
    return c == 32 or (c >= 9 and c <= 13)


# ---------------------------------------------------------------------------------------------
# Tokeniser: buffered reading of one byte range
# ---------------------------------------------------------------------------------------------

cdef struct TokenReader:
    FILE *file
    unsigned char *buffer
    int64_t buffer_length
    int64_t buffer_position
    int64_t position        # file offset of buffer[buffer_position]
    int64_t end             # tokens that start at or after `end` belong to the next range
    char *token
    int64_t token_length
    int64_t token_capacity
    bint at_eof


cdef int open_reader(TokenReader *reader, const char *path, int64_t start, int64_t end) noexcept nogil:
    """Open `path` at `start`, skipping the tail of a token that began before it. 0 on success."""
    cdef unsigned char previous
    memset(reader, 0, sizeof(TokenReader))
    reader.file = w2v_fopen(path)
    reader.buffer = <unsigned char *>malloc(READ_BUFFER_SIZE)
    reader.token_capacity = 256
    reader.token = <char *>malloc(reader.token_capacity)
    reader.end = end
    if reader.file == NULL or reader.buffer == NULL or reader.token == NULL:
        return -1
    if start > 0:
        if w2v_fseek(reader.file, start - 1) != 0 or fread(&previous, 1, 1, reader.file) != 1:
            return -1
        reader.position = start
        if not is_space(previous):
            # We start inside a token: it belongs to the previous range.
            while True:
                if reader.buffer_position == reader.buffer_length and fill_buffer(reader) != 0:
                    return 0
                if is_space(reader.buffer[reader.buffer_position]):
                    return 0
                reader.buffer_position += 1
                reader.position += 1
    return 0


cdef void close_reader(TokenReader *reader) noexcept nogil:
    if reader.file != NULL:
        fclose(reader.file)
    free(reader.buffer)
    free(reader.token)
    reader.file = NULL
    reader.buffer = NULL
    reader.token = NULL


cdef inline int fill_buffer(TokenReader *reader) noexcept nogil:
    """Read the next block; 1 at end of file (or on a read error), else 0.

    A block is READ_BUFFER_SIZE bytes, but no more than the range still needs (plus a little
    for the token that crosses its end): the many small ranges of a distributed job's
    chunks would otherwise each read a whole megabyte they do not use.
    """
    cdef int64_t wanted = READ_BUFFER_SIZE
    if reader.at_eof:
        return 1
    if reader.end >= 0:
        wanted = min(READ_BUFFER_SIZE, max(MIN_READ_SIZE, reader.end - reader.position + MIN_READ_SIZE))
    reader.buffer_length = fread(reader.buffer, 1, wanted, reader.file)
    reader.buffer_position = 0
    if reader.buffer_length == 0:
        reader.at_eof = True
        return 1
    return 0


cdef int read_token(TokenReader *reader) noexcept nogil:
    """The next TOKEN (in reader.token), NEWLINE, END of the range or file, or FAILED."""
    cdef unsigned char c
    cdef char *grown
    reader.token_length = 0
    while True:
        if reader.buffer_position == reader.buffer_length and fill_buffer(reader) != 0:
            if reader.file != NULL and ferror(reader.file):
                return FAILED
            return TOKEN if reader.token_length > 0 else END
        c = reader.buffer[reader.buffer_position]
        if is_space(c):
            if reader.token_length > 0:
                return TOKEN  # leave the delimiter: a newline is reported next time
            reader.buffer_position += 1
            reader.position += 1
            if c == 10:
                return NEWLINE
            continue
        if reader.token_length == 0 and reader.end >= 0 and reader.position >= reader.end:
            return END
        if reader.token_length == reader.token_capacity:
            grown = <char *>realloc(reader.token, 2 * reader.token_capacity)
            if grown == NULL:
                return FAILED
            reader.token = grown
            reader.token_capacity *= 2
        reader.token[reader.token_length] = <char>c
        reader.token_length += 1
        reader.buffer_position += 1
        reader.position += 1


# ---------------------------------------------------------------------------------------------
# A hash table from token bytes to an int64 (a count while scanning, a row while training)
# ---------------------------------------------------------------------------------------------

cdef class WordTable:
    """Open-addressing hash table of byte strings, in insertion order, usable without the GIL.

    The table itself is ``w2v.cshared.keytable``'s; this class adds the words' encoding and the
    vocabulary's pruning rules.

    Examples
    --------
    >>> table = WordTable.from_words(["cat", "dog"])
    >>> table.lookup("dog"), table.lookup("cow"), len(table)
    (1, -1, 2)
    """

    cdef KeyTable keys
    cdef object trim_rule
    cdef bint has_trim_rule
    cdef bytearray rule_keeps   # trim_rule's decisions for the prune in progress
    cdef object rule_error      # what trim_rule raised, for the caller to re-raise

    def __cinit__(self, int64_t expected=1024):
        if keytable_init(&self.keys, expected, 8) != 0:
            keytable_free(&self.keys)
            raise MemoryError("cannot allocate the word table")

    def __dealloc__(self):
        keytable_free(&self.keys)

    def __len__(self):
        return self.keys.size

    @staticmethod
    def from_words(words):
        """A table mapping each word (str, encoded as UTF-8 with surrogateescape) to its index."""
        cdef WordTable table = WordTable(len(words))
        cdef bytes encoded
        cdef int64_t index
        for index, word in enumerate(words):
            encoded = encode_word(word)
            if table.find(encoded, len(encoded), fnv1a(<const char *>encoded, len(encoded))) >= 0:
                continue  # two keys with the same bytes: the first (more frequent) wins
            if table.insert(encoded, len(encoded), fnv1a(<const char *>encoded, len(encoded)), index) < 0:
                raise MemoryError("cannot grow the word table")
        return table

    def lookup(self, word):
        """The value stored for `word` (str or bytes), or -1."""
        cdef bytes encoded = word if isinstance(word, bytes) else encode_word(word)
        cdef int64_t entry = self.find(encoded, len(encoded), fnv1a(<const char *>encoded, len(encoded)))
        return self.keys.entries[entry].value if entry >= 0 else -1

    def counts(self):
        """All entries as a dict str -> value, in insertion order."""
        cdef int64_t i
        return {self.word(i): self.keys.entries[i].value for i in range(self.keys.size)}

    cdef str word(self, int64_t entry):
        cdef char *key = keytable_key(&self.keys, entry)
        return key[:self.keys.entries[entry].length].decode("utf-8", "surrogateescape")

    cdef inline int64_t find(self, const char *word, int64_t length, uint64_t hash) noexcept nogil:
        """The entry holding `word`, or -1."""
        return keytable_find(&self.keys, word, length, hash)

    cdef inline int64_t insert(self, const char *word, int64_t length, uint64_t hash,
                               int64_t value) noexcept nogil:
        """Add a word known to be absent; its entry, or -1 when memory runs out."""
        return keytable_insert(&self.keys, word, length, hash, value)

    cdef int prune(self, int64_t min_count) noexcept nogil:
        """Drop entries whose value (count) is below `min_count`, unless trim_rule keeps them.

        Returns -1, with the table untouched and the exception in ``rule_error``, when
        trim_rule raises: every decision is taken before the table starts to compact.
        """
        cdef int64_t i, kept = 0, pool_size = 0
        cdef bint keep, decided = True
        cdef const unsigned char *rule_keeps = NULL
        if self.has_trim_rule:
            with gil:
                decided = self.decide_by_rule(min_count)
                if decided:
                    rule_keeps = self.rule_keeps
        if not decided:
            return -1
        for i in range(self.keys.size):
            keep = rule_keeps[i] if rule_keeps != NULL else self.keys.entries[i].value >= min_count
            if keep:
                keytable_keep(&self.keys, i, &kept, &pool_size)
        keytable_truncate(&self.keys, kept, pool_size)
        return 0

    cdef bint decide_by_rule(self, int64_t min_count):
        """Fill ``rule_keeps`` with trim_rule's verdict on every entry; False if it raised."""
        from w2v.vocab import keep_word
        cdef int64_t i
        keeps = bytearray(self.keys.size)
        try:
            for i in range(self.keys.size):
                keeps[i] = bool(keep_word(self.word(i), self.keys.entries[i].value, min_count, self.trim_rule))
        except BaseException as error:
            self.rule_error = error
            return False
        self.rule_keeps = keeps
        return True

    cdef int64_t largest_value(self):
        """The largest value in the table (-1 when empty)."""
        cdef int64_t i, largest = -1
        for i in range(self.keys.size):
            largest = max(largest, self.keys.entries[i].value)
        return largest


cdef bytes encode_word(str word):
    """A vocabulary key as the bytes it has in a corpus file."""
    try:
        return word.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return word.encode("utf-8", "surrogatepass")


def encoded_path(path):
    """`path` as the bytes w2v_fopen expects (UTF-8 on Windows, file-system bytes elsewhere)."""
    if sys.platform == "win32":
        return os.fspath(path).encode("utf-8")
    return os.fsencode(path)


# ---------------------------------------------------------------------------------------------
# Counting (build_vocab) and training (one byte range per thread)
# ---------------------------------------------------------------------------------------------

def scan_corpus_file(path, max_vocab_size=None, trim_rule=None, int64_t start=0, int64_t end=-1):
    """Count the words of a text file in one pass, in C.

    ``start`` and ``end`` (-1: the end of the file) restrict the count to the tokens whose
    first byte lies in [start, end), the rule training uses to cut a file into ranges.

    Returns
    -------
    (counts, sentences, total_words)
        counts is a dict word -> count in first-seen order; sentences counts lines with a
        token, long lines counting once per MAX_SENTENCE_LENGTH tokens, as ``LineSentence``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"a b\\r\\n\\n  b c\\t\\xff")
    >>> scan_corpus_file(path)
    ({'a': 1, 'b': 2, 'c': 1, '\\udcff': 1}, 2, 5)
    """
    cdef bytes raw_path = encoded_path(path)
    cdef const char *c_path = raw_path
    cdef WordTable table = WordTable(1 << 16)
    cdef TokenReader reader
    cdef int kind = NEWLINE
    cdef int64_t sentences = 0, total_words = 0, in_sentence = 0, entry, min_reduce = 1
    cdef int64_t limit = max_vocab_size or 0
    cdef uint64_t hash
    cdef bint failed = False, rule_failed = False
    table.trim_rule = trim_rule
    table.has_trim_rule = trim_rule is not None
    memset(&reader, 0, sizeof(TokenReader))
    with nogil:
        if open_reader(&reader, c_path, start, end) != 0:
            failed = True
        while not failed:
            kind = read_token(&reader)
            if kind == TOKEN:
                total_words += 1
                in_sentence += 1
                hash = fnv1a(reader.token, reader.token_length)
                entry = table.find(reader.token, reader.token_length, hash)
                if entry >= 0:
                    table.keys.entries[entry].value += 1
                elif table.insert(reader.token, reader.token_length, hash, 1) < 0:
                    failed = True
                if limit and table.keys.size > limit:
                    if table.prune(min_reduce) != 0:
                        rule_failed = True
                        break
                    min_reduce += 1
            if in_sentence and (kind != TOKEN or in_sentence == MAX_SENTENCE_LENGTH):
                sentences += 1
                in_sentence = 0
            if kind == END or kind == FAILED:
                failed = kind == FAILED
                break
        close_reader(&reader)
    if rule_failed:
        raise table.rule_error
    if failed:
        raise OSError(f"cannot read corpus_file {os.fspath(path)!r}")
    return table.counts(), sentences, total_words


cdef inline real_t sentence_alpha(const Schedule *rates, int epoch, int64_t words_done,
                                  int64_t total_words) noexcept nogil:
    """The learning rate once ``words_done`` words of the epoch are read (by all threads)."""
    return <real_t>scheduled_alpha(rates, epoch, words_done / <double>total_words)


def sentence_alphas(LearningRateSchedule schedule not None, int epoch, int64_t words_before,
                    int64_t sentence_words, int64_t total_words):
    """The learning rates at the start and end of a sentence, as ``train_file_range`` gives them.

    For tests: the corpus-file path must follow the same schedule as the iterable path.

    Examples
    --------
    >>> from w2v.train._schedule import LearningRateSchedule
    >>> start, end = sentence_alphas(LearningRateSchedule(0.025, 0.0001, 2), 0, 0, 50, 100)
    >>> round(start, 6), round(end, 6)
    (0.025, 0.018775)
    """
    return (sentence_alpha(&schedule.schedule, epoch, words_before, total_words),
            sentence_alpha(&schedule.schedule, epoch, words_before + sentence_words, total_words))


def train_file_range(Worker worker not None, WordTable table not None, path, int64_t start, int64_t end,
                     LearningRateSchedule schedule not None, int epoch, int64_t total_words,
                     int64_t[::1] shared, int64_t progress_multiplier=1):
    """Train on the tokens whose first byte lies in [start, end) of `path`, without the GIL.

    Parameters
    ----------
    worker : Worker
        This thread's state (its tallies are reset first).
    table : WordTable
        Token bytes -> vocabulary row.
    start, end : int
        The byte range.
    schedule, epoch, total_words
        The learning rate: the schedule's rate at (epoch, words read / ``total_words``),
        the words read counted by the shared counter.
    progress_multiplier
        For distributed training, where ``total_words`` counts every process's words and
        ``shared`` has a third entry, an offset that another thread may move at any time:
        the job's words read are ``offset + progress_multiplier * counter`` (the job's words at
        the last exchange, plus this process's since then once for each process). A fourth
        entry is a limit: after each sentence, a thread waits while the counter exceeds it
        (so a process never runs more than a bounded number of words ahead of the exchange of
        changes with the other processes).

    Returns
    -------
    (raw_words, sentences)
        Tokens read and sentences trained; effective words and loss are in the worker.
    """
    cdef bytes raw_path = encoded_path(path)
    cdef const char *c_path = raw_path
    cdef WorkerState *state = &worker.state
    cdef const ModelConfig *config = &worker.model.config
    cdef const Schedule *rates = &schedule.schedule
    cdef TokenReader reader
    cdef int32_t *words = NULL
    cdef int kind
    cdef int64_t n_words = 0, sentence_raw = 0, raw_words = 0, sentences = 0, entry, before
    cdef int64_t *shared_words = &shared[SHARED_WORDS]
    cdef int64_t *stop = &shared[SHARED_STOP]
    cdef int64_t *offset = NULL
    cdef int64_t *limit = NULL
    cdef bint failed = False
    cdef int64_t largest_row
    if total_words < 1:
        raise ValueError("total_words must be >= 1")
    if progress_multiplier < 1:
        raise ValueError("progress_multiplier must be >= 1")
    if shared.shape[0] < 2:
        raise ValueError("shared must hold the word counter and the stop flag")
    if shared.shape[0] > SHARED_OFFSET:
        offset = &shared[SHARED_OFFSET]
    if shared.shape[0] > SHARED_LIMIT:
        limit = &shared[SHARED_LIMIT]
    largest_row = table.largest_value()
    if largest_row >= config.vocab_size:
        raise ValueError(f"the word table maps a word to row {largest_row}, but the model has "
                         f"{config.vocab_size} rows: the vocabulary changed without its vectors")
    worker.ensure_capacity(MAX_SENTENCE_LENGTH)
    memset(&reader, 0, sizeof(TokenReader))
    state.loss = 0.0
    state.effective_words = 0
    with nogil:
        words = <int32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(int32_t))
        failed = words == NULL or open_reader(&reader, c_path, start, end) != 0
        while not failed:
            kind = read_token(&reader)
            if kind == TOKEN:
                sentence_raw += 1
                entry = table.find(reader.token, reader.token_length,
                                   fnv1a(reader.token, reader.token_length))
                if entry >= 0:
                    words[n_words] = <int32_t>table.keys.entries[entry].value
                    n_words += 1
            if sentence_raw and (kind != TOKEN or sentence_raw == MAX_SENTENCE_LENGTH):
                before = w2v_atomic_add(shared_words, sentence_raw)
                before = progress_multiplier * before
                if offset != NULL:
                    before = max(before + w2v_atomic_load(offset), 0)
                train_sentence(config, state, words, n_words,
                               sentence_alpha(rates, epoch, before, total_words),
                               sentence_alpha(rates, epoch, before + progress_multiplier * sentence_raw,
                                              total_words))
                raw_words += sentence_raw
                sentences += 1
                sentence_raw = 0
                n_words = 0
                while limit != NULL and w2v_atomic_load(shared_words) > w2v_atomic_load(limit) \
                        and not w2v_atomic_load(stop):
                    w2v_pause()
                if w2v_atomic_load(stop):
                    break
            if kind == END or kind == FAILED:
                failed = kind == FAILED
                break
        close_reader(&reader)
        free(words)
    if failed:
        raise OSError(f"cannot read corpus_file {os.fspath(path)!r}")
    return raw_words, sentences


def range_tokens(path, int64_t start, int64_t end):
    """The tokens that the reader of byte range [start, end) sees, grouped in sentences.

    This is the exact tokenisation ``train_file_range`` trains on; it exists so tests (and
    curious users) can check that consecutive ranges cover a file exactly once.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"alpha beta\\ngamma")
    >>> range_tokens(path, 0, 3), range_tokens(path, 3, 100)
    ([[b'alpha']], [[b'beta'], [b'gamma']])
    """
    cdef bytes raw_path = encoded_path(path)
    cdef TokenReader reader
    cdef int kind
    sentences, sentence = [], []
    memset(&reader, 0, sizeof(TokenReader))
    try:
        if open_reader(&reader, raw_path, start, end) != 0:
            raise OSError(f"cannot read {os.fspath(path)!r}")
        while True:
            kind = read_token(&reader)
            if kind == FAILED:
                raise OSError(f"cannot read {os.fspath(path)!r}")
            if kind == TOKEN:
                sentence.append(reader.token[:reader.token_length])
            if sentence and (kind != TOKEN or len(sentence) == MAX_SENTENCE_LENGTH):
                sentences.append(sentence)
                sentence = []
            if kind == END:
                return sentences
    finally:
        close_reader(&reader)
