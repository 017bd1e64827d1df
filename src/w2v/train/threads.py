"""Running an epoch's worker threads: start them safely, wait while reporting, sum their tallies."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from w2v import _core
from w2v.train.progress import EpochStats


@contextlib.contextmanager
def running(threads: list[threading.Thread], stop: Callable[[], None]) -> Iterator[None]:
    """Start ``threads`` for the body; if starting one or the body fails, stop and join them all.

    A thread that cannot start (the system's thread limit) must not leave the ones already
    started blocked for ever on their queue: ``stop`` wakes them, and they are joined before
    the error (KeyboardInterrupt too) propagates.
    """
    started: list[threading.Thread] = []
    try:
        for thread in threads:
            thread.start()
            started.append(thread)
        yield
    except BaseException:
        stop()
        for thread in started:
            thread.join()
        raise


def wait(threads: list[threading.Thread], report: Callable[[], None], delay: float) -> None:
    """Join ``threads``, calling ``report`` every ``delay`` seconds meanwhile."""
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=delay)
            report()


def add_worker_tallies(stats: EpochStats, workers: list[_core.Worker]) -> EpochStats:
    """Add the threads' float64 loss and effective-word tallies to the epoch's stats."""
    for worker in workers:
        stats.effective_words += worker.effective_words
        stats.loss += worker.loss
    return stats
