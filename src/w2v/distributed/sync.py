"""Synchronisation: how the processes' copies of the model are kept together, and how often.

Every process trains its own copy of the model on its own share of the corpus. A background
thread of each process *exchanges changes* with the others, without stopping the training
threads: it takes what its own copy gained since the last exchange (the rows as they are,
minus the last common value, the *snapshot*), adds up every process's gains (one allreduce),
and adds the others' gains to its copy. Afterwards every copy is the snapshot plus every
process's updates: what one process would have done with all of them, as Hogwild threads
do, only a few milliseconds late. Updates the training threads make during the exchange are
kept, and counted at the next one.

Which rows follows Intel's pWord2Vec (Ji et al. 2016): exchange number t covers the
``hot_rows * 2**k`` most frequent words, k the number of trailing zero bits of t, so the
rows every process updates all the time are exchanged every time and the whole model every
``vocabulary / hot_rows`` times (the vocabulary is sorted by frequency, so those rows are one
contiguous block of each matrix; the last rows of ``syn1``, whose inner nodes nearest the
Huffman root are made last). At each epoch's end, with training stopped, the whole model is
exchanged and every copy is exactly the same.

Averaging instead (pWord2Vec's plain mean, or Spark's mean over the processes that changed a
row) divides every update by the number of processes; ``docs/distributed.md`` shows what
that costs, measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from w2v.distributed._exchange import add_changes, take_changes
from w2v.distributed.comm import Communicator
from w2v.train.driver import DIVERGED_WEIGHT
from w2v.weights import padded_rows

if TYPE_CHECKING:
    from w2v.model import Word2Vec


#: Exchanges per process and epoch that ``auto_sync_words`` aims at, and its bounds in words.
EXCHANGES_PER_EPOCH = 2000
MIN_SYNC_WORDS, MAX_SYNC_WORDS = 500, 1_000_000


def auto_sync_words(total_words: int, processes: int) -> int:
    """Words between exchanges when the caller does not say: about EXCHANGES_PER_EPOCH
    exchanges per process and epoch, within [MIN_SYNC_WORDS, MAX_SYNC_WORDS].

    A small corpus needs fresh copies (measured on a 14M-word corpus: at 4 processes, 2 000
    words between exchanges lose 1.2 analogy points after 3 epochs, 10 000 words 3.9; at 8
    processes skip-gram collapses from 27 to 11 points with 2 000 words and keeps 26.3 with
    880, hence the floor of 500); a corpus of billions of words affords long intervals,
    which a cluster's network needs.

    Examples
    --------
    >>> auto_sync_words(14_000_000, 2), auto_sync_words(14_000_000, 8), auto_sync_words(10**10, 8)
    (3500, 875, 625000)
    """
    return min(MAX_SYNC_WORDS, max(MIN_SYNC_WORDS, total_words // (processes * EXCHANGES_PER_EPOCH)))


#: Of an epoch's words, the most a process may train between exchanges at 2 processes; with P
#: processes, this over (P - 1) ** 3 (see ``SyncInterval``).
STALE_EPOCH_SHARE = 1 / 256
#: The exchange thread keeps an exchange (from the moment it is due until the others' changes
#: are added) under this share of the time between exchanges, where quality allows.
EXCHANGE_TIME_SHARE = 0.05


class SyncInterval:
    """Words a process trains between two exchanges: fixed, or chosen from measured costs.

    Given ``sync_words``, that is the interval. By default it starts at ``auto_sync_words``
    (what quality needs) and, after each exchange, every process proposes the interval that
    would keep exchanging under ``EXCHANGE_TIME_SHARE`` of its time at the rate it trains; the
    processes take the mean of their proposals (the same everywhere), within
    [``auto_sync_words``, ``longest``]. Where exchanging is cheap (a cluster's nodes with
    many threads and a fast network) the interval stays at the floor; where it is dear (more
    processes than cores, a slow network) the interval grows, but no further than quality
    allows. Measured on a 14M-word corpus: at 2 processes, 50 000 words between exchanges
    cost at most 0.4 analogy points; at 4 processes 10 000 words cost 3.9 and 2 000 words 1.2
    (after 3 epochs); at 8 processes 2 000 words collapsed skip-gram. So the tolerance falls
    steeply with the processes: ``longest`` is ``STALE_EPOCH_SHARE`` of an epoch's words
    over (P - 1) ** 3, which at 4 processes or more is about the floor itself.

    Examples
    --------
    >>> interval = SyncInterval(total_words=14_000_000, processes=2)
    >>> interval.words, interval.longest
    (3500, 54687)
    >>> interval.measure(words=3500, cycle_seconds=0.004, exchange_seconds=0.002)
    >>> interval.proposal  # 875 000 words/s x 2 ms / 5 %, within the bounds
    35000
    >>> interval.agree(proposals_sum=2 * 35000, processes=2); interval.words
    35000
    >>> SyncInterval(14_000_000, 2, sync_words=1000).longest  # fixed by the caller
    1000
    """

    def __init__(self, total_words: int, processes: int, sync_words: int | None = None):
        if sync_words is not None:
            self.shortest = self.longest = int(sync_words)
        else:
            self.shortest = auto_sync_words(total_words, processes)
            allowed = int(total_words * STALE_EPOCH_SHARE / max(processes - 1, 1) ** 3)
            self.longest = min(MAX_SYNC_WORDS, max(self.shortest, allowed))
        self.words = self.proposal = self.shortest
        self.rate = 0.0  # words/s this process trained in the last cycle (0: not measured yet)

    def measure(self, words: int, cycle_seconds: float, exchange_seconds: float) -> None:
        """One exchange done: ``words`` trained in ``cycle_seconds`` since the last one was due,
        ``exchange_seconds`` of which this one took."""
        if words <= 0 or cycle_seconds <= 0:
            return
        self.rate = words / cycle_seconds
        wanted = self.rate * exchange_seconds / EXCHANGE_TIME_SHARE
        self.proposal = int(min(self.longest, max(self.shortest, wanted)))

    def agree(self, proposals_sum: int, processes: int) -> None:
        """Take the mean of every process's proposal (the sum came from an allreduce); each
        proposal is within the bounds, so their mean is."""
        self.words = proposals_sum // processes


def trailing_zeros(number: int) -> int:
    """The number of trailing zero bits of ``number`` (> 0).

    Examples
    --------
    >>> [trailing_zeros(n) for n in (1, 2, 3, 4, 12)]
    [0, 1, 0, 2, 2]
    """
    return (number & -number).bit_length() - 1


@dataclass(frozen=True)
class SyncSchedule:
    """How many rows exchange number ``t`` (from 1) covers.

    Examples
    --------
    >>> schedule = SyncSchedule(hot_rows=2, vocab_size=10)
    >>> [schedule.rows(t) for t in range(1, 9)]
    [2, 4, 2, 8, 2, 4, 2, 10]
    """

    hot_rows: int
    vocab_size: int

    def rows(self, exchange_number: int) -> int:
        return min(self.vocab_size, self.hot_rows << min(trailing_zeros(exchange_number), 62))


#: An exchange moves at most this many floats per collective (the whole model at an epoch's
#: end goes in several): the two scratch buffers stay small.
EXCHANGE_FLOATS = 1 << 22


def _flat(rows: np.ndarray) -> np.ndarray:
    """The same memory as one flat run of floats (never a copy: setting the shape raises if
    the rows are not contiguous, where ``reshape`` would silently copy them)."""
    flat = rows.view()
    flat.shape = (rows.size,)
    return flat


class Synchronizer:
    """Exchanges the changes of blocks of rows of every weight matrix of ``model``.

    It keeps the snapshot, a copy of every matrix as it was at each row's last exchange (the
    same on every process), so the job needs twice the model's memory. The rows of every
    matrix an exchange covers travel together, in one collective (or a few, for many rows).

    Parameters
    ----------
    comm : Communicator
    model : Word2Vec
        Its matrices are changed in place; they must not be replaced during training.
    """

    def __init__(self, comm: Communicator, model: Word2Vec):
        self.comm = comm
        # (name, the matrix seen with its padding, hot rows at the end?): syn1's nodes near the root come last.
        self.matrices = [(name, padded_rows(matrix), name == "syn1") for name, matrix in model.weight_matrices().items()]
        self.snapshots = {name: rows.copy() for name, rows, _ in self.matrices}
        self._own = np.empty(0, dtype=np.float32)
        self._total = np.empty(0, dtype=np.float32)

    def exchange(self, rows: int | None, training: bool = True) -> None:
        """Exchange the changes of the ``rows`` most frequent words' rows (``None``: all rows).

        Safe while training threads update the rows; with ``training=False`` (nothing
        updates them) every process's rows become the new snapshot, bit for bit the same
        everywhere. Raises FloatingPointError, on every process alike, if the exchanged rows
        hold a NaN or a diverged weight (the check reads the snapshot, the same everywhere).
        """
        if self.comm.size == 1:
            return  # nothing to exchange (and divergence is the driver's to find at the epoch's end)
        batch: list[tuple[str, slice]] = []
        floats = 0
        for name, matrix, from_end in self.matrices:
            count = len(matrix) if rows is None else min(rows, len(matrix))
            first = len(matrix) - count if from_end else 0
            step = max(1, EXCHANGE_FLOATS // matrix.shape[1])
            for start in range(first, first + count, step):
                piece = slice(start, min(start + step, first + count))
                size = (piece.stop - piece.start) * matrix.shape[1]
                if batch and floats + size > EXCHANGE_FLOATS:
                    self._exchange_batch(batch, floats, training)
                    batch, floats = [], 0
                batch.append((name, piece))
                floats += size
        if batch:
            self._exchange_batch(batch, floats, training)

    def _exchange_batch(self, batch: list[tuple[str, slice]], floats: int, training: bool) -> None:
        """One collective: the changes of every (matrix, rows) piece of ``batch``."""
        if len(self._own) < floats:
            self._own = np.empty(floats, dtype=np.float32)
            self._total = np.empty(floats, dtype=np.float32)
        own, total = self._own[:floats], self._total[:floats]
        # Each piece is whole rows of a C-contiguous matrix: one flat run of floats.
        pieces = []
        offset = 0
        matrices = {name: matrix for name, matrix, _ in self.matrices}
        for name, piece in batch:
            live, snapshot = _flat(matrices[name][piece]), _flat(self.snapshots[name][piece])
            end = offset + len(live)
            take_changes(live, snapshot, own[offset:end], total[offset:end])  # one read of the live rows
            pieces.append((name, live, snapshot, slice(offset, end)))
            offset = end
        self.comm.allreduce_(total)
        for name, live, snapshot, span in pieces:
            largest = add_changes(live, snapshot, own[span], total[span], training) if len(live) else 0.0
            if not largest <= DIVERGED_WEIGHT:  # NaN too
                raise FloatingPointError(
                    f"distributed training diverged: {name} holds a weight of {largest:.3g} after the "
                    "processes' changes were added up; the vectors are unusable. Lower alpha and train again")
