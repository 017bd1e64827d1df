"""The training driver: feeds batches of sentences to worker threads and reports progress.

One epoch runs ``workers`` threads that spend all their time in the nogil kernels, on the
shared weights:

* over an iterable corpus, the calling thread reads sentences, encodes them into int32
  batches (in C) with the learning rates at their start and end, and queues them; the
  workers train queued batches without taking the GIL (``w2v.train._batchqueue``);
* over a corpus file, each worker reads its own byte range (``w2v.train._corpusfile``).

The calling thread also reports progress, runs callbacks and raises any error.

Progress (and therefore the learning rate) is measured as in gensim: in sentences when the
caller gives ``total_examples``, else in raw words against ``total_words``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from w2v import _core
from w2v.train import _batchqueue, _corpusfile
from w2v.vocab import _vocab

#: corpus_file epochs are cut into byte ranges that threads take in turn, each range
#: 1/GUIDED_SHARE of what is left per worker (guided scheduling): big ranges first, then
#: ever smaller ones down to MIN_RANGE_BYTES, so the threads finish within a small range of
#: each other however fast each one runs.
GUIDED_SHARE = 4
MIN_RANGE_BYTES = 1 << 18

#: Output matrices keep each row on whole cache lines of this many bytes.
CACHE_LINE_BYTES = 64

logger = logging.getLogger(__name__)


def output_matrix(rows: int, size: int, values: np.ndarray | None = None) -> np.ndarray:
    """A float32 (rows, size) output matrix whose every row starts on its own cache line.

    The output rows of frequent words (the centre and noise words of negative sampling, the
    inner nodes near the Huffman root) are written by every thread many times a second. With
    ``size * 4`` bytes not a multiple of 64, neighbouring rows share cache lines and every
    update drags the neighbour's line between cores too (false sharing); padding
    100-dimensional rows made 2-worker skip-gram about 10 % faster and hierarchical softmax
    about 20 % on 2 cores (dev corpus slice). So the rows are
    padded to whole cache lines and the returned matrix is a view of the first ``size``
    columns: it behaves like any (rows, size) array, but is not C-contiguous.

    Parameters
    ----------
    rows, size : int
        Shape of the matrix.
    values : numpy.ndarray, optional
        Initial contents (anything of shape (rows, size)); zeros if not given.

    Examples
    --------
    >>> m = output_matrix(3, 100)
    >>> m.shape, m.strides, m.ctypes.data % 64, float(abs(m).sum())
    ((3, 100), (448, 4), 0, 0.0)
    """
    floats_per_line = CACHE_LINE_BYTES // 4
    stride = -(-size // floats_per_line) * floats_per_line
    buffer = np.zeros(rows * stride + floats_per_line, dtype=np.float32)
    start = (-buffer.ctypes.data % CACHE_LINE_BYTES) // 4
    matrix = buffer[start:start + rows * stride].reshape(rows, stride)[:, :size]
    if values is not None:
        matrix[...] = values
    return matrix


@dataclass(frozen=True)
class LearningRateSchedule:
    """Linear decay from ``start_alpha`` to ``end_alpha`` over all epochs of one ``train()``.

    Examples
    --------
    >>> schedule = LearningRateSchedule(0.025, 0.0001, epochs=5)
    >>> schedule.alpha(0, 0.0), round(schedule.alpha(4, 1.0), 6)
    (0.025, 0.0001)
    """

    start_alpha: float
    end_alpha: float
    epochs: int

    def alpha(self, epoch: int, epoch_progress: float) -> float:
        """The learning rate at ``epoch_progress`` (0..1, clipped) through ``epoch``."""
        progress = (epoch + min(max(epoch_progress, 0.0), 1.0)) / self.epochs
        return self.start_alpha - (self.start_alpha - self.end_alpha) * progress


@dataclass(frozen=True)
class EpochTarget:
    """How long an epoch is expected to be: in sentences, or else in raw words."""

    total_examples: int | None
    total_words: int | None

    def progress(self, sentences: int, raw_words: int) -> float:
        if self.total_examples:
            return sentences / self.total_examples
        return raw_words / self.total_words


@dataclass
class EpochStats:
    """The tallies of one epoch.

    Attributes
    ----------
    raw_words : int
        Tokens read, including those not in the vocabulary.
    effective_words : int
        Tokens trained on (in the vocabulary and kept by subsampling).
    sentences : int
    loss : float
        Sum of the training loss over the epoch (0.0 without ``compute_loss``).
    seconds : float
    """

    epoch: int
    raw_words: int = 0
    effective_words: int = 0
    sentences: int = 0
    loss: float = 0.0
    seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        """Raw words (before subsampling) per wall-clock second."""
        return self.raw_words / self.seconds if self.seconds > 0 else 0.0


class ProgressReporter:
    """Reports progress at most every ``report_delay`` seconds: % done, words/s, alpha, ETA.

    Progress goes to the ``w2v.train.driver`` logger, and to a tqdm progress bar over all epochs
    when ``progress_bar`` is true and tqdm is installed (``pip install "w2v[progress]"``).
    """

    def __init__(self, epochs: int, report_delay: float = 1.0, progress_bar: bool = False):
        self.epochs = epochs
        self.report_delay = report_delay
        self.epoch = 0
        self.started = self.last_report = time.perf_counter()
        self.bar = None
        if progress_bar:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                logger.warning("progress_bar=True needs tqdm (pip install tqdm); logging progress instead")
            else:
                self.bar = tqdm(total=epochs, unit="epoch", dynamic_ncols=True,
                                bar_format="{l_bar}{bar}| {n:.2f}/{total} epochs [{elapsed}<{remaining}{postfix}]")

    def start_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.started = self.last_report = time.perf_counter()

    def update(self, progress: float, raw_words: int, alpha: float) -> None:
        """Report that ``progress`` (0..1) of the epoch is done after ``raw_words`` words."""
        now = time.perf_counter()
        if now - self.last_report < self.report_delay:
            return
        self.last_report = now
        elapsed = now - self.started
        rate = raw_words / elapsed if elapsed > 0 else 0.0
        remaining = elapsed * (1 - progress) / progress if progress > 0 else float("nan")
        logger.info("EPOCH %i/%i - PROGRESS: at %.2f%%, %.0f words/s, alpha %.6f, ETA %.0fs",
                    self.epoch + 1, self.epochs, 100 * progress, rate, alpha, remaining)
        if self.bar is not None:
            self.bar.n = self.epoch + min(progress, 1.0)
            self.bar.set_postfix_str(f"{rate:,.0f} words/s, alpha {alpha:.5f}", refresh=True)

    def end_epoch(self, stats: EpochStats) -> None:
        if self.bar is not None:
            self.bar.n = self.epoch + 1
            self.bar.set_postfix_str(f"{stats.words_per_second:,.0f} words/s", refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def make_workers(model: _core.TrainingModel, n_workers: int, seed: int, call: int) -> list[_core.Worker]:
    """One ``Worker`` per thread, each with its own random stream derived from ``seed``.

    The streams depend only on (seed, call number, thread number), never on Python's hash
    randomisation, so ``workers=1`` runs are reproducible across processes.
    """
    states = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, call]).generate_state(n_workers, dtype=np.uint64)
    return [_core.Worker(model, int(state)) for state in states]


@contextlib.contextmanager
def _running(threads: list[threading.Thread], stop: Callable[[], None]) -> Iterator[None]:
    """Start `threads`; if the body raises (KeyboardInterrupt too), stop and join them first."""
    for thread in threads:
        thread.start()
    try:
        yield
    except BaseException:
        stop()
        for thread in threads:
            thread.join()
        raise


def _add_worker_tallies(stats: EpochStats, workers: list[_core.Worker]) -> EpochStats:
    """Sum the threads' float64 loss and effective-word tallies into the epoch's stats."""
    for worker in workers:
        stats.effective_words += worker.effective_words
        stats.loss += worker.loss
    return stats


def _wait(threads: list[threading.Thread], report: Callable[[], None], delay: float) -> None:
    """Join `threads`, calling `report` every `delay` seconds meanwhile."""
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=delay)
            report()


def train_epoch_iterable(
    corpus: Iterable,
    key_to_index: dict,
    workers: list[_core.Worker],
    schedule: LearningRateSchedule,
    epoch: int,
    target: EpochTarget,
    batch_words: int,
    reporter: ProgressReporter,
    queue_factor: int = 2,
) -> EpochStats:
    """Train one epoch over an iterable corpus with ``len(workers)`` threads.

    This thread reads the corpus, encodes sentences into batches (in C) and queues them with
    the learning rates at their start and end; the worker threads train queued batches
    without ever taking the GIL (see ``w2v.train._batchqueue``). Errors raised by the corpus or a
    worker, and KeyboardInterrupt, stop the threads and are re-raised here.
    """
    batches = _batchqueue.BatchQueue(max(queue_factor, 1) * len(workers))
    failures: list[BaseException] = []

    def run(worker: _core.Worker) -> None:
        try:
            _batchqueue.drain(worker, batches)
        except BaseException as error:  # reported by this thread
            failures.append(error)
            batches.abort()

    threads = [threading.Thread(target=run, args=(worker,), daemon=True) for worker in workers]
    encoder = _vocab.BatchEncoder(key_to_index, batch_words)
    pushed_sentences = pushed_words = 0
    alpha = schedule.alpha(epoch, 0.0)

    def push() -> None:
        nonlocal pushed_sentences, pushed_words, alpha
        tokens, ends, raw_words, sentences = encoder.take()
        alpha_start = schedule.alpha(epoch, target.progress(pushed_sentences, pushed_words))
        pushed_sentences += sentences
        pushed_words += raw_words
        alpha = schedule.alpha(epoch, target.progress(pushed_sentences, pushed_words))
        batches.put(tokens, ends, raw_words, sentences, alpha_start, alpha)
        report()

    def report() -> None:
        done_words = batches.raw_words_done
        reporter.update(target.progress(batches.sentences_done, done_words), done_words, alpha)

    reporter.start_epoch(epoch)
    started = time.perf_counter()
    with _running(threads, stop=batches.abort):
        for sentence in corpus:
            if encoder.add(sentence):
                push()
                if failures:
                    break
        if len(encoder) and not failures:
            push()
        batches.close()
        _wait(threads, report, reporter.report_delay)
    if failures:
        raise failures[0]
    stats = EpochStats(epoch, raw_words=batches.raw_words_done, sentences=batches.sentences_done,
                       seconds=time.perf_counter() - started)
    return _add_worker_tallies(stats, workers)


def train_epoch_file(
    path: str | os.PathLike,
    table: _corpusfile.WordTable,
    workers: list[_core.Worker],
    schedule: LearningRateSchedule,
    epoch: int,
    total_words: int,
    reporter: ProgressReporter,
) -> EpochStats:
    """Train one epoch over a plain-text file: worker threads read, tokenise and train byte ranges.

    Each thread takes the next untrained range of the file (see ``file_ranges``) until none
    is left, so threads that run slower than others (a busy machine) do not hold up the
    epoch's end. The threads spend the whole epoch without the GIL; this thread only watches the shared
    word counter to report progress, and stops them on KeyboardInterrupt.
    """
    bounds = file_ranges(os.path.getsize(path), len(workers))
    next_range = itertools.count()  # next() on it is atomic under the GIL
    shared = np.zeros(2, dtype=np.int64)  # words read by all threads, stop flag
    outcomes: list = [None] * len(workers)

    def stop() -> None:
        shared[1] = 1

    def run(i: int) -> None:
        tallies = [0, 0, 0, 0.0]  # raw words, sentences, effective words, loss
        try:
            while not shared[1]:
                r = next(next_range)
                if r >= len(bounds) - 1:
                    break
                raw, sentences = _corpusfile.train_file_range(
                    workers[i], table, path, bounds[r], bounds[r + 1], schedule.start_alpha,
                    schedule.end_alpha, epoch, schedule.epochs, total_words, shared)
                for k, value in enumerate((raw, sentences, workers[i].effective_words, workers[i].loss)):
                    tallies[k] += value
            outcomes[i] = tallies
        except BaseException as error:  # reported by the calling thread
            stop()
            outcomes[i] = error

    def report() -> None:
        done = int(shared[0])
        reporter.update(done / total_words, done, schedule.alpha(epoch, done / total_words))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(workers))]
    reporter.start_epoch(epoch)
    started = time.perf_counter()
    with _running(threads, stop):
        _wait(threads, report, reporter.report_delay)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    raw, sentences, effective, loss = (sum(column) for column in zip(*outcomes))
    return EpochStats(epoch, raw_words=raw, sentences=sentences, effective_words=effective, loss=loss,
                      seconds=time.perf_counter() - started)


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
