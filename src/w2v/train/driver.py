"""The training driver: one epoch loop for every corpus, with threads, callbacks and checks.

``run_training`` is what ``Word2Vec.train`` does once its arguments are checked: it binds
the model's configuration, weights and tables for the kernels (``_core.TrainingModel``),
makes one ``Worker`` per thread, and runs the epochs. Each epoch is handed to a *feeder*,
the one thing that differs between the corpus paths:

* ``w2v.train.iterable.IterableFeeder``: this thread reads sentences and queues batches
  that the workers train in C;
* ``w2v.train.corpus_file.CorpusFileFeeder``: the workers read and train byte ranges of a
  file in C.

Around each epoch the driver runs the callbacks, reports progress, checks that training has
not diverged and records the epoch's tallies on the model. The learning rate follows one
schedule (``w2v.train._schedule``), whichever feeder runs.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from w2v import _core
from w2v.callbacks import Callback
from w2v.config import Objective
from w2v.train._schedule import LearningRateSchedule
from w2v.train.progress import EpochStats, EpochTarget, ProgressReporter

if TYPE_CHECKING:
    from w2v.model import Word2Vec

logger = logging.getLogger(__name__)

#: A weight this large (or a NaN) after an epoch means training diverged: word2vec weights
#: are of order 1, and no useful model has one near this.
DIVERGED_WEIGHT = 1e4

#: What a corpus smaller than announced does to the learning rate.
_SCHEDULE_CUT = ("; the corpus is smaller than expected, so each epoch skipped part of the learning rate's "
                 "decay and training ends above min_alpha")

#: Above this many words, the exact softmax warns that training is slow (its cost grows with V).
SOFTMAX_SLOW_VOCABULARY = 10000


class Feeder(Protocol):
    """One corpus path: trains a whole epoch on the given workers."""

    target: EpochTarget

    def train_epoch(self, workers: list[_core.Worker], schedule: LearningRateSchedule, epoch: int,
                    reporter: ProgressReporter) -> EpochStats:
        """Train one epoch with one thread per worker and return its tallies."""


@dataclass(frozen=True)
class TrainingCall:
    """The settings of one ``train()`` call, checked by ``Word2Vec.train``."""

    epochs: int
    schedule: LearningRateSchedule
    compute_loss: bool
    callbacks: Sequence[Callback]
    report_delay: float = 1.0
    progress_bar: bool = False
    #: The epoch to start from (a resumed run starts where its checkpoint was taken).
    first_epoch: int = 0
    #: Which of the call's random streams this process's workers take: (first, total).
    #: One process takes them all; process r of a distributed job takes its own slice.
    streams: tuple[int, int] | None = None


def make_workers(binding: _core.TrainingModel, n_workers: int, seed: int, call: int,
                 streams: tuple[int, int] | None = None) -> list[_core.Worker]:
    """One ``Worker`` per thread, each with its own random stream derived from ``seed``.

    The streams depend only on (seed, call number, stream number), never on Python's hash
    randomisation, so ``workers=1`` runs are reproducible across processes. ``streams``
    (first, total) takes ``n_workers`` streams from ``total`` starting at ``first``: the
    processes of a distributed job draw disjoint streams, and one process alone draws the
    streams a single-process run would.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> model = Word2Vec([["a", "b", "c"]] * 5, vector_size=4, min_count=1, workers=1, epochs=1)
    >>> [worker.rng_state for worker in make_workers(model.training_model(), 2, seed=1, call=0)] == \\
    ...     [worker.rng_state for worker in make_workers(model.training_model(), 2, seed=1, call=0)]
    True
    """
    first, total = (0, n_workers) if streams is None else streams
    states = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, call]).generate_state(total, dtype=np.uint64)
    return [_core.Worker(binding, int(state)) for state in states[first:first + n_workers]]


def run_training(model: Word2Vec, feeder: Feeder, call: TrainingCall) -> tuple[int, int]:
    """Train ``model`` for ``call.epochs`` epochs of ``feeder``; returns (effective, raw) words.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> from w2v.train.iterable import IterableFeeder
    >>> sentences = [["a", "b", "c", "d"]] * 20
    >>> model = Word2Vec(sentences, vector_size=8, min_count=1, sample=0, workers=1, epochs=1)
    >>> feeder = IterableFeeder(sentences, model.wv.key_to_index, EpochTarget(20, None), batch_words=100)
    >>> run_training(model, feeder, TrainingCall(2, LearningRateSchedule(0.025, 0.0001, 2), False, ()))
    (160, 160)
    """
    if model.config.objective is Objective.SOFTMAX:
        _warn_if_softmax_is_slow(len(model.wv), model.vector_size)
    workers = make_workers(model.training_model(call.compute_loss), model.workers, model.seed, model.train_count,
                           call.streams)
    model.train_count += 1
    logger.info("training on %i words with %i workers: vector_size=%i sg=%i objective=%s window=%i "
                "sample=%g epochs=%i alpha=%g", len(model.wv), model.workers, model.vector_size, model.sg,
                model.config.objective.value, model.window, model.sample, call.epochs, call.schedule.start_alpha)
    reporter = ProgressReporter(call.epochs, call.report_delay, call.progress_bar)
    effective_total = raw_total = 0
    seconds = 0.0
    try:
        with threadpool_limits(limits=1):  # the worker threads are the parallelism
            for callback in call.callbacks:
                callback.on_train_begin(model)
            for epoch in range(call.first_epoch, call.epochs):
                model.epoch = epoch
                for callback in call.callbacks:
                    callback.on_epoch_begin(model)
                stats = feeder.train_epoch(workers, call.schedule, epoch, reporter)
                reporter.end_epoch(stats)
                if epoch == 0 and stats.sentences == 0:
                    logger.warning("train() called with an empty corpus: it holds no sentences, so nothing was "
                                   "trained (if not intended, pass a corpus that can be read again, such as a "
                                   "list or w2v.LineSentence, not an iterator that is used up)")
                    break
                _finish_epoch(model, stats, feeder.target, call.compute_loss)
                model.min_alpha_yet_reached = call.schedule.alpha(epoch, 1.0)
                effective_total += stats.effective_words
                raw_total += stats.raw_words
                seconds += stats.seconds
                for callback in call.callbacks:
                    callback.on_epoch_end(model)
            for callback in call.callbacks:
                callback.on_train_end(model)
    finally:
        reporter.close()
        model.wv.norms = None  # the vectors changed
    if raw_total:  # gensim's closing line
        logger.info("training on %i raw words (%i effective words) took %.1fs, %.0f effective words/s",
                    raw_total, effective_total, seconds, effective_total / seconds if seconds > 0 else 0.0)
    return effective_total, raw_total


def _finish_epoch(model: Word2Vec, stats: EpochStats, target: EpochTarget, compute_loss: bool) -> None:
    """Check the epoch (it read something, the weights are sane) and record it on the model."""
    if stats.sentences == 0:
        raise ValueError(
            f"epoch {stats.epoch + 1} read no sentences, after the first epoch read some: the corpus "
            "was an iterator already used up; pass a restartable corpus")
    check_not_diverged(model, stats.epoch)
    model.epoch_stats.append(stats)
    model.running_training_loss = stats.loss if compute_loss else 0.0
    logger.info("EPOCH %i: trained on %i raw words (%i effective) in %.1fs, %.0f words/s%s",
                stats.epoch + 1, stats.raw_words, stats.effective_words, stats.seconds,
                stats.words_per_second, f", loss {stats.loss:.6g}" if compute_loss else "")
    if target.total_examples and stats.sentences != target.total_examples:
        logger.warning("EPOCH %i: supplied example count (%i) did not equal expected count (%i): total_examples "
                       "does not match the corpus%s", stats.epoch + 1, stats.sentences, target.total_examples,
                       _SCHEDULE_CUT if stats.sentences < target.total_examples else "")
    elif not target.total_examples and stats.raw_words != target.total_words:
        logger.warning("EPOCH %i: supplied raw word count (%i) did not equal expected count (%i): total_words "
                       "does not match the corpus%s", stats.epoch + 1, stats.raw_words, target.total_words,
                       _SCHEDULE_CUT if stats.raw_words < target.total_words else "")


def check_not_diverged(model: Word2Vec, epoch: int) -> None:
    """Fail loudly, rather than hand back garbage, if the weights have blown up.

    Word2vec weights stay small (|w| of order 1); a weight above DIVERGED_WEIGHT or a NaN
    means the updates became unstable (too large an ``alpha``; with ``shared_negatives``, a
    window's summed update is larger still).
    """
    for name, matrix in model.weight_matrices().items():
        if not matrix.size:
            continue
        # max and -min rather than max(abs(...)): no temporary copy of the matrix. A NaN
        # weight makes both reductions NaN, and so the result.
        largest = max(float(matrix.max()), -float(matrix.min()))
        if not largest <= DIVERGED_WEIGHT:  # also true for NaN
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1}: {name} holds a weight of {largest:.3g}; "
                f"the vectors are unusable. Lower alpha (now {model.alpha})"
                + (", the window or turn off shared_negatives" if model.shared_negatives else "")
                + " and train again")


def _warn_if_softmax_is_slow(vocab_size: int, vector_size: int) -> None:
    """Warn that the full softmax over a large vocabulary makes every example expensive."""
    if vocab_size <= SOFTMAX_SLOW_VOCABULARY:
        return
    warnings.warn(
        f"softmax=True over {vocab_size} words: each training example scores every word, about "
        f"3 * V * d = {3 * vocab_size * vector_size:.2g} multiply-adds against (negative + 1) * d * 3 "
        f"= {18 * vector_size} for negative=5, i.e. roughly {vocab_size // 6}x slower per example. "
        "Use hs=1 or negative > 0 for vocabularies this large", RuntimeWarning, stacklevel=4)
