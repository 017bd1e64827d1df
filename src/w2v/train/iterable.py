"""The iterable feeder: the calling thread reads sentences, workers train queued batches in C.

Reading Python sentences needs the GIL; training does not. This thread reads the corpus,
encodes sentences into int32 batches (in C, ``w2v.vocab._vocab.BatchEncoder``) with the
learning rates at their start and end, and queues them in a fixed set of slots
(``w2v.train._batchqueue``); the worker threads take, train and return slots without ever
taking the GIL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from w2v import _core
from w2v.train import _batchqueue
from w2v.train._schedule import LearningRateSchedule
from w2v.train.progress import EpochStats, EpochTarget, ProgressReporter
from w2v.train.threads import add_worker_tallies, running, wait
from w2v.vocab import _vocab


class IterableFeeder:
    """Feeds one epoch of an iterable corpus to the worker threads.

    Progress (and so the learning rate) is measured as in gensim: in sentences when
    ``target.total_examples`` is given, else in raw words against ``target.total_words``.

    Parameters
    ----------
    corpus : iterable of list of str
        Read once per epoch.
    key_to_index : dict of str to int
        The vocabulary; other tokens are skipped (but counted as raw words).
    target : EpochTarget
        The expected length of an epoch.
    batch_words : int
        Target words per batch (a longer sentence is a batch of its own).
    queue_factor : int
        Batches that may wait per worker thread.

    Examples
    --------
    >>> feeder = IterableFeeder([["a", "b"]] * 3, {"a": 0, "b": 1}, EpochTarget(3, None), batch_words=100)
    >>> feeder.target.progress(sentences=3, raw_words=6)
    1.0
    """

    def __init__(self, corpus: Iterable[list[str]], key_to_index: dict[str, int], target: EpochTarget,
                 batch_words: int, queue_factor: int = 2):
        self.corpus = corpus
        self.key_to_index = key_to_index
        self.target = target
        self.batch_words = batch_words
        self.queue_factor = queue_factor

    def train_epoch(self, workers: list[_core.Worker], schedule: LearningRateSchedule, epoch: int,
                    reporter: ProgressReporter) -> EpochStats:
        """Train one epoch with ``len(workers)`` threads; errors of the corpus or a worker,
        and KeyboardInterrupt, stop the threads and are raised here."""
        batches = _batchqueue.BatchQueue(self.queue_factor * len(workers))
        failures: list[BaseException] = []

        def run(worker: _core.Worker) -> None:
            try:
                _batchqueue.drain(worker, batches)
            except BaseException as error:  # reported by this thread
                failures.append(error)
                batches.abort()

        threads = [threading.Thread(target=run, args=(worker,), daemon=True) for worker in workers]
        encoder = _vocab.BatchEncoder(self.key_to_index, self.batch_words)
        progress = self.target.progress
        pushed_sentences = pushed_words = 0
        alpha = schedule.alpha(epoch, 0.0)

        def push() -> None:
            nonlocal pushed_sentences, pushed_words, alpha
            tokens, ends, raw_words, sentences = encoder.take()
            alpha_start = schedule.alpha(epoch, progress(pushed_sentences, pushed_words))
            pushed_sentences += sentences
            pushed_words += raw_words
            alpha = schedule.alpha(epoch, progress(pushed_sentences, pushed_words))
            batches.put(tokens, ends, raw_words, sentences, alpha_start, alpha)
            report()

        def report() -> None:
            done_words = batches.raw_words_done
            reporter.update(progress(batches.sentences_done, done_words), done_words, alpha)

        reporter.start_epoch(epoch)
        started = time.perf_counter()
        with running(threads, stop=batches.abort):
            for sentence in self.corpus:
                if encoder.add(sentence):
                    push()
                    if failures:
                        break
            if len(encoder) and not failures:
                push()
            batches.close()
            wait(threads, report, reporter.report_delay)
        if failures:
            raise failures[0]
        stats = EpochStats(epoch, raw_words=batches.raw_words_done, sentences=batches.sentences_done,
                           seconds=time.perf_counter() - started)
        return add_worker_tallies(stats, workers)
