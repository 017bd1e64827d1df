"""Running an epoch's worker threads: start them safely, wait while reporting, sum their tallies."""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence

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


class WorkerTeam:
    """Threads that stay alive from one short job to the next (the chunks of an epoch).

    Starting threads costs little on an idle machine but up to milliseconds on a loaded one;
    a distributed epoch runs hundreds of chunks, each a job for every worker thread, so the
    threads are started once and handed one function each per job.

    Examples
    --------
    >>> done = []
    >>> with WorkerTeam(2) as team:
    ...     team.run([lambda: done.append(1), lambda: done.append(2)], stop=lambda: None,
    ...              report=lambda: None, delay=1.0)
    >>> sorted(done)
    [1, 2]
    """

    def __init__(self, size: int):
        self.executor = concurrent.futures.ThreadPoolExecutor(size, thread_name_prefix="w2v-worker")

    def run(self, functions: Sequence[Callable[[], None]], stop: Callable[[], None],
            report: Callable[[], None], delay: float) -> None:
        """Run ``functions`` one per thread and wait, calling ``report`` every ``delay`` seconds.

        If one cannot start or the wait is interrupted (KeyboardInterrupt), ``stop`` is called
        and every function already running is waited for before the error propagates.
        Exceptions inside the functions are theirs to report.
        """
        futures: list[concurrent.futures.Future] = []
        try:
            for function in functions:
                futures.append(self.executor.submit(function))
            pending = set(futures)
            while pending:
                _, pending = concurrent.futures.wait(pending, timeout=delay)
                report()
        except BaseException:
            stop()
            concurrent.futures.wait(futures)
            raise

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def __enter__(self) -> WorkerTeam:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
