# cython: language_level=3
# distutils: language = c++
"""Hands batches of an iterable corpus from the thread that reads it to the worker threads.

Reading Python sentences needs the GIL; training does not. If worker threads went back to
Python between batches they would queue for the GIL behind the reader every few
milliseconds (the "convoy" that makes gensim's iterable mode scale poorly). Here they never
do: the reader copies each encoded batch into one of a fixed set of slots, and the workers
take ready slots, train them and hand them back entirely in C. Slots are taken in FIFO
order, so with one worker the batches are trained in corpus order.
"""

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy

from w2v._core cimport Worker, WorkerState, check_batch, real_t, train_batch
from w2v._core import raise_for_batch_status

cdef extern from "w2v_platform.h" nogil:
    int64_t w2v_atomic_add(int64_t *target, int64_t value)
    int64_t w2v_atomic_load(const int64_t *target)

cdef extern from "w2v_slotqueue.h" namespace "w2v" nogil:
    cdef cppclass SlotQueue:
        SlotQueue() except +
        void push(int slot)
        int pop()
        void close()


cdef struct Slot:
    int32_t *tokens
    int64_t *sentence_ends
    int64_t token_capacity
    int64_t end_capacity
    int64_t n_tokens
    int64_t n_sentence_ends
    int64_t raw_words          # tokens read, out-of-vocabulary ones included
    int64_t sentences
    real_t alpha_start
    real_t alpha_end


cdef class BatchQueue:
    """A fixed set of batch slots passed between one reader and the worker threads.

    Parameters
    ----------
    n_slots : int
        Batches that may be waiting or in training at once (memory is bounded by it).

    Examples
    --------
    >>> import numpy as np
    >>> queue = BatchQueue(2)
    >>> queue.put(np.array([0, 1], np.int32), np.array([2], np.int64), 3, 1, 0.025, 0.02)
    True
    >>> queue.close()
    >>> queue.pending
    1
    """

    cdef Slot *slots
    cdef int n_slots
    cdef SlotQueue *free_slots
    cdef SlotQueue *ready_slots
    cdef int aborted
    # Progress of the workers, read by the reader thread for reporting.
    cdef int64_t raw_words_done
    cdef int64_t sentences_done
    cdef readonly int64_t pending

    def __cinit__(self, int n_slots):
        cdef int i
        if n_slots < 1:
            raise ValueError("a batch queue needs at least one slot")
        self.slots = <Slot *>calloc(n_slots, sizeof(Slot))
        if self.slots == NULL:
            raise MemoryError("cannot allocate the batch queue")
        self.n_slots = n_slots
        self.free_slots = new SlotQueue()
        self.ready_slots = new SlotQueue()
        for i in range(n_slots):
            self.free_slots.push(i)

    def __dealloc__(self):
        cdef int i
        if self.slots != NULL:
            for i in range(self.n_slots):
                free(self.slots[i].tokens)
                free(self.slots[i].sentence_ends)
            free(self.slots)
        del self.free_slots
        del self.ready_slots

    def put(self, const int32_t[::1] tokens, const int64_t[::1] sentence_ends, int64_t raw_words,
            int64_t sentences, double alpha_start, double alpha_end):
        """Queue one encoded batch, waiting (without the GIL) for a free slot.

        Returns False when the queue was aborted and the batch was not queued.
        """
        cdef int index
        cdef Slot *slot
        with nogil:
            index = self.free_slots.pop()
        if index < 0 or self.aborted:
            return False
        slot = &self.slots[index]
        if not grow(<void **>&slot.tokens, &slot.token_capacity, tokens.shape[0], sizeof(int32_t)) or \
                not grow(<void **>&slot.sentence_ends, &slot.end_capacity, sentence_ends.shape[0], sizeof(int64_t)):
            self.free_slots.push(index)
            raise MemoryError("cannot grow a batch slot")
        if tokens.shape[0]:
            memcpy(slot.tokens, &tokens[0], tokens.shape[0] * sizeof(int32_t))
        if sentence_ends.shape[0]:
            memcpy(slot.sentence_ends, &sentence_ends[0], sentence_ends.shape[0] * sizeof(int64_t))
        slot.n_tokens = tokens.shape[0]
        slot.n_sentence_ends = sentence_ends.shape[0]
        slot.raw_words = raw_words
        slot.sentences = sentences
        slot.alpha_start = <real_t>alpha_start
        slot.alpha_end = <real_t>alpha_end
        self.pending += 1
        self.ready_slots.push(index)
        return True

    def close(self):
        """No more batches: workers finish what is queued, then return."""
        self.ready_slots.close()

    def abort(self):
        """Stop now: workers drop queued batches and return; put() returns False."""
        self.aborted = 1
        self.ready_slots.close()
        self.free_slots.close()

    @property
    def raw_words_done(self):
        """Raw words of the batches the workers have finished."""
        return w2v_atomic_load(&self.raw_words_done)

    @property
    def sentences_done(self):
        """Sentences of the batches the workers have finished."""
        return w2v_atomic_load(&self.sentences_done)


cdef inline bint grow(void **buffer, int64_t *capacity, int64_t needed, size_t item) noexcept:
    """Make `buffer` hold at least `needed` items (it only ever grows)."""
    cdef void *grown
    if needed <= capacity[0]:
        return True
    grown = realloc(buffer[0], max(needed, 2 * capacity[0]) * item)
    if grown == NULL:
        return False
    buffer[0] = grown
    capacity[0] = max(needed, 2 * capacity[0])
    return True


def drain(Worker worker not None, BatchQueue queue not None):
    """Train batches from `queue` with `worker` until the queue is closed and empty.

    Runs entirely without the GIL. The worker's effective-word and loss tallies are reset
    first and cover every batch this call trained. A malformed batch (a word index outside
    the model, bad sentence ends) aborts the queue and raises ValueError; nothing of it is
    trained.
    """
    cdef WorkerState *state = &worker.state
    cdef int index
    cdef int status = 0
    cdef Slot *slot
    state.loss = 0.0
    state.effective_words = 0
    with nogil:
        while True:
            index = queue.ready_slots.pop()
            if index < 0:
                break
            slot = &queue.slots[index]
            if not queue.aborted:
                status = check_batch(slot.tokens, slot.n_tokens, slot.sentence_ends, slot.n_sentence_ends,
                                     worker.model.config.vocab_size)
                if status != 0:
                    queue.free_slots.push(index)
                    break
                if slot.n_tokens > state.kept_capacity:
                    with gil:
                        worker.ensure_capacity(slot.n_tokens)
                train_batch(&worker.model.config, state, slot.tokens, slot.sentence_ends,
                            slot.n_sentence_ends, slot.alpha_start, slot.alpha_end)
                w2v_atomic_add(&queue.raw_words_done, slot.raw_words)
                w2v_atomic_add(&queue.sentences_done, slot.sentences)
            queue.free_slots.push(index)
    if status != 0:
        queue.abort()
        raise_for_batch_status(status)

