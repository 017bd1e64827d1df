"""The corpus-file feeder: every worker thread reads, tokenises and trains byte ranges in C.

The threads spend the whole epoch without the GIL (``w2v.train._corpusfile``); the calling
thread only watches the shared word counter to report progress, and stops them on
KeyboardInterrupt. A token belongs to the range holding its first byte, so every token is
trained exactly once per epoch however the file is cut.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Callable

import numpy as np

from w2v import _core
from w2v.train import _corpusfile
from w2v.train._schedule import LearningRateSchedule
from w2v.train.progress import EpochStats, EpochTarget, ProgressReporter
from w2v.train.threads import WorkerTeam

#: corpus_file epochs are cut into byte ranges that threads take in turn, each range
#: 1/GUIDED_SHARE of what is left per worker (guided scheduling): big ranges first, then
#: ever smaller ones down to MIN_RANGE_BYTES, so the threads finish within a small range of
#: each other however fast each one runs.
GUIDED_SHARE = 4
MIN_RANGE_BYTES = 1 << 18


def file_ranges(size: int, n_workers: int) -> list[int]:
    """Byte offsets cutting a file of ``size`` bytes into ranges for ``n_workers`` threads.

    One range for a single thread. Otherwise guided scheduling: each range is
    ``1 / (GUIDED_SHARE * n_workers)`` of the bytes still unassigned, but at least
    MIN_RANGE_BYTES, so the first ranges are big (few of them) and the last ones small (the
    last thread to finish waits for little). Every token is trained exactly once however
    the file is cut (a token belongs to the range holding its first byte).

    Examples
    --------
    >>> file_ranges(100, 2)
    [0, 100]
    >>> bounds = file_ranges(64 << 20, 2)
    >>> len(bounds) - 1, bounds[1] - bounds[0] == (64 << 20) // 8, bounds[-1] - bounds[-2] <= MIN_RANGE_BYTES
    (34, True, True)
    """
    if n_workers == 1:
        return [0, size]
    bounds = [0]
    while bounds[-1] < size:
        remaining = size - bounds[-1]
        bounds.append(bounds[-1] + min(remaining, max(MIN_RANGE_BYTES, remaining // (GUIDED_SHARE * n_workers))))
    return bounds if size else [0, 0]


def guided_ranges(path: str, start: int, end: int, n_workers: int) -> list[tuple[str, int, int]]:
    """The byte ranges (path, start, end) that ``n_workers`` threads take in turn from [start, end).

    Examples
    --------
    >>> guided_ranges("corpus.txt", 100, 200, 1)
    [('corpus.txt', 100, 200)]
    """
    bounds = file_ranges(end - start, n_workers)
    return [(path, start + a, start + b) for a, b in zip(bounds, bounds[1:])]


def train_ranges(team: WorkerTeam, workers: list[_core.Worker], table: _corpusfile.WordTable,
                 ranges: list[tuple[str, int, int]], schedule: LearningRateSchedule, epoch: int, total_words: int,
                 report: Callable[[int], None], report_delay: float, shared: np.ndarray | None = None,
                 progress_multiplier: int = 1) -> EpochStats:
    """Train ``ranges`` with the team's threads, one per worker, each taking the next untrained range.

    Threads that run slower than others (a busy machine) do not hold up the end: the last
    ranges are small. The threads spend the whole call without the GIL; this thread only
    watches the shared word counter, calling ``report(words done)`` every ``report_delay``
    seconds, and stops them on KeyboardInterrupt or a failure.

    ``shared`` (int64: words read by all threads, stop flag, and optionally a progress
    offset) may be given to watch or stop the threads from elsewhere; the rate of each
    sentence is then the schedule's at ``(offset + progress_multiplier * words read) /
    total_words`` (see ``_corpusfile.train_file_range``).
    """
    next_range = itertools.count()  # next() on it is atomic under the GIL
    shared = np.zeros(2, dtype=np.int64) if shared is None else shared
    outcomes: list = [None] * len(workers)

    def stop() -> None:
        shared[1] = 1

    def run(i: int) -> None:
        tallies = [0, 0, 0, 0.0]  # raw words, sentences, effective words, loss
        try:
            while not shared[1]:
                r = next(next_range)
                if r >= len(ranges):
                    break
                path, start, end = ranges[r]
                raw, sentences = _corpusfile.train_file_range(
                    workers[i], table, path, start, end, schedule, epoch, total_words, shared,
                    progress_multiplier)
                for k, value in enumerate((raw, sentences, workers[i].effective_words, workers[i].loss)):
                    tallies[k] += value
            outcomes[i] = tallies
        except BaseException as error:  # reported by the calling thread
            stop()
            outcomes[i] = error

    started = time.perf_counter()
    def words_done() -> int:
        return (int(shared[2]) if len(shared) > 2 else 0) + progress_multiplier * int(shared[0])

    team.run([functools.partial(run, i) for i in range(len(workers))], stop, lambda: report(words_done()),
             report_delay)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    raw, sentences, effective, loss = (sum(column) for column in zip(*outcomes))
    return EpochStats(epoch, raw_words=raw, sentences=sentences, effective_words=effective, loss=loss,
                      seconds=time.perf_counter() - started)


class CorpusFileFeeder:
    """Feeds one epoch of a plain-text file to the worker threads, each reading its own ranges.

    Progress (and so the learning rate) is the words read by all threads against
    ``total_words``.

    Parameters
    ----------
    path : str
        A plain-text file (checked by ``w2v.corpora.CorpusSource``).
    words : list of str
        The vocabulary, in row order.
    total_words : int
        Raw words of one pass over the file.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("a b\\n")
    >>> feeder = CorpusFileFeeder(path, ["a", "b"], total_words=2)
    >>> feeder.target.total_words, len(feeder.table)
    (2, 2)
    """

    def __init__(self, path: str, words: list[str], total_words: int):
        self.path = path
        self.table = _corpusfile.WordTable.from_words(words)
        self.total_words = total_words
        self.target = EpochTarget(None, total_words)

    def train_epoch(self, workers: list[_core.Worker], schedule: LearningRateSchedule, epoch: int,
                    reporter: ProgressReporter) -> EpochStats:
        """Train one epoch: the whole file, cut into guided ranges for the threads."""
        ranges = guided_ranges(self.path, 0, os.path.getsize(self.path), len(workers))

        def report(done: int) -> None:
            reporter.update(done / self.total_words, done, schedule.alpha(epoch, done / self.total_words))

        reporter.start_epoch(epoch)
        with WorkerTeam(len(workers)) as team:
            return train_ranges(team, workers, self.table, ranges, schedule, epoch, self.total_words, report,
                                reporter.report_delay)
