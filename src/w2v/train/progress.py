"""What an epoch did and how far it is: the epoch's tallies, its expected length, progress reports."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)


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

    Progress goes to the ``w2v.train.progress`` logger at INFO (one line per report, as
    gensim's log), or to a tqdm progress bar over all epochs when ``progress_bar`` is true
    and tqdm is installed (``pip install "w2v[progress]"``); the log line then goes to DEBUG.
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
        # With a bar on screen the same line goes to DEBUG, so that log lines do not break it up.
        logger.log(logging.INFO if self.bar is None else logging.DEBUG,
                   "EPOCH %i/%i - PROGRESS: at %.2f%%, %.0f words/s, alpha %.6f, ETA %.0fs",
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
