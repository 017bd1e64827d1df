"""The distributed feeder: an epoch of this process's share, trained while a background
thread exchanges changes with the other processes.

It stands where ``CorpusFileFeeder`` stands for one process, so the epoch loop, callbacks and
checks are the driver's own (``w2v.train.driver.run_training``). The training threads never
wait for the network: the exchange thread swaps the model's changes every ``interval.words`` words
of this process (``w2v.distributed.sync``), and when every process has finished its share,
the whole model is exchanged once more, with training stopped, so that every copy ends the
epoch equal. The learning rate follows the job's progress: the words every process had read
at the last exchange, plus this process's words since then counted once for each process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v import _core
from w2v.callbacks import Callback
from w2v.distributed.checkpoint import Checkpointer
from w2v.distributed.comm import Communicator
from w2v.distributed.sharding import Share
from w2v.distributed.sync import Synchronizer, SyncInterval, SyncSchedule
from w2v.train import _corpusfile
from w2v.train._schedule import LearningRateSchedule
from w2v.train.corpus_file import guided_ranges, train_ranges
from w2v.train.progress import EpochStats, EpochTarget, ProgressReporter
from w2v.train.threads import WorkerTeam

if TYPE_CHECKING:
    from w2v.model import Word2Vec

# Slots of the int64 array the training threads and the exchange thread share.
WORDS, STOP, OFFSET, LIMIT = 0, 1, 2, 3
#: A process's training threads wait when they are this many exchanges' worth of words
#: ahead of the last completed exchange: the staleness of every copy is bounded in words,
#: whatever the network or the scheduler does (stale-synchronous parallel).
MAX_AHEAD_EXCHANGES = 2
#: How often the exchange thread looks at the word counter, in seconds: half the time the
#: next exchange is expected to be due in (at the last cycle's rate), within these bounds.
#: Each look wakes a thread beside the training threads (at every 0.5 ms: 2 % of a core).
POLL_SECONDS, LONGEST_POLL_SECONDS = 0.0005, 0.02


@dataclass
class Position:
    """Where a job stands: the epoch to train next and the exchanges done so far."""

    epoch: int = 0
    exchanges: int = 0


class Exchanges:
    """The exchange thread of one epoch: swaps changes every ``interval.words`` words of this process.

    Every process makes the same exchanges (the loop ends, everywhere at once, at the first
    exchange after which every process has said it is done), so the collectives match. The
    training threads go on during an exchange, but wait once they are
    ``MAX_AHEAD_EXCHANGES * interval.words`` words past the start of the last completed one.
    """

    def __init__(self, comm: Communicator, synchronizer: Synchronizer, schedule: SyncSchedule,
                 shared: np.ndarray, interval: SyncInterval, position: Position):
        self.comm = comm
        self.synchronizer = synchronizer
        self.schedule = schedule
        self.shared = shared
        self.interval = interval
        self.position = position
        self.done = threading.Event()  # this process's training threads have finished
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="w2v-exchange", daemon=True)

    def _run(self) -> None:
        try:
            exchanged_at = 0
            cycle_started = time.perf_counter()
            while True:
                while not self.done.is_set() and self.shared[WORDS] - exchanged_at < self.interval.words:
                    time.sleep(self._poll_seconds(self.interval.words - (self.shared[WORDS] - exchanged_at)))
                due = time.perf_counter()
                local = int(self.shared[WORDS])
                trained, exchanged_at = local - exchanged_at, local
                status = np.array([local, int(self.done.is_set()), self.interval.proposal], dtype=np.int64)
                self.comm.allreduce_(status)  # the job's words, the processes done, the proposals
                self.position.exchanges += 1
                self.synchronizer.exchange(self.schedule.rows(self.position.exchanges))
                self.shared[OFFSET] = int(status[0]) - self.comm.size * local
                finished = time.perf_counter()
                self.interval.agree(int(status[2]), self.comm.size)
                self.interval.measure(trained, due - cycle_started, finished - due)
                cycle_started = due
                self.shared[LIMIT] = local + MAX_AHEAD_EXCHANGES * self.interval.words
                if status[1] == self.comm.size:
                    return
        except BaseException as error:  # raised by the epoch's thread
            self.error = error
            self.shared[STOP] = 1

    def _poll_seconds(self, words_to_go: int) -> float:
        """How long to sleep before looking at the word counter again."""
        if self.interval.rate <= 0:
            return POLL_SECONDS
        return min(LONGEST_POLL_SECONDS, max(POLL_SECONDS, 0.5 * words_to_go / self.interval.rate))


class DistributedFeeder:
    """Trains this process's share of each epoch while exchanging changes with the others.

    Parameters
    ----------
    comm : Communicator
    model : Word2Vec
    share : Share
        This process's part of the corpus.
    synchronizer : Synchronizer
    sync_schedule : SyncSchedule
    interval : SyncInterval
        Words of this process between two exchanges (adapted after each one, unless fixed).
    checkpointer : Checkpointer, optional
    start : Position, optional
        Where a resumed job starts; ``random_states`` are then its workers' states.
    """

    def __init__(self, comm: Communicator, model: Word2Vec, share: Share, synchronizer: Synchronizer,
                 sync_schedule: SyncSchedule, interval: SyncInterval, checkpointer: Checkpointer | None = None,
                 start: Position | None = None, random_states: list[dict[str, Any]] | None = None):
        self.comm = comm
        self.model = model
        self.share = share
        self.synchronizer = synchronizer
        self.sync_schedule = sync_schedule
        self.interval = interval
        self.checkpointer = checkpointer
        self.position = start or Position()
        self.random_states = random_states
        self.table = _corpusfile.WordTable.from_words(model.wv.index_to_key)
        self.total_words = model.corpus_total_words
        self.target = EpochTarget(None, self.total_words)
        self.workers: list[_core.Worker] = []

    def train_epoch(self, workers: list[_core.Worker], schedule: LearningRateSchedule, epoch: int,
                    reporter: ProgressReporter) -> EpochStats:
        """Train this process's share of ``epoch``; return the whole job's tallies."""
        self.workers = workers
        if self.random_states is not None:  # a resumed job continues its workers' random streams
            for worker, state in zip(workers, self.random_states):
                worker.set_random_state(state)
            self.random_states = None
        self.position.epoch = epoch
        ranges = [piece for segment in self.share
                  for piece in guided_ranges(segment.path, segment.start, segment.end, len(workers))]
        # Words, stop flag, progress offset, and (with other processes) the words the threads may reach.
        shared = np.zeros(4 if self.comm.size > 1 else 3, dtype=np.int64)
        if self.comm.size > 1:
            shared[LIMIT] = MAX_AHEAD_EXCHANGES * self.interval.words

        def report(done: int) -> None:
            progress = min(done / self.total_words, 1.0)
            reporter.update(progress, done, schedule.alpha(epoch, progress))

        reporter.start_epoch(epoch)
        started = time.perf_counter()
        exchanges = Exchanges(self.comm, self.synchronizer, self.sync_schedule, shared, self.interval,
                              self.position)
        if self.comm.size > 1:
            exchanges.thread.start()
        try:
            with WorkerTeam(len(workers)) as team:
                local = train_ranges(team, workers, self.table, ranges, schedule, epoch, self.total_words, report,
                                     reporter.report_delay, shared, self.comm.size)
        finally:
            exchanges.done.set()
            if exchanges.thread.is_alive():
                exchanges.thread.join()
        if exchanges.error is not None:
            raise exchanges.error
        tallies = np.array([local.raw_words, local.sentences, local.effective_words, local.loss])
        self.comm.allreduce_(tallies)
        self.synchronizer.exchange(None, training=False)  # training has stopped everywhere: copies end equal
        report(int(tallies[0]))
        return EpochStats(epoch, raw_words=int(tallies[0]), sentences=int(tallies[1]),
                          effective_words=int(tallies[2]), loss=float(tallies[3]),
                          seconds=time.perf_counter() - started)

    def save_checkpoint(self, epoch: int) -> None:
        """Record the job as it stands before ``epoch``."""
        position = {"epoch": epoch, "exchanges": self.position.exchanges}
        self.checkpointer.save(self.model, position, [worker.random_state() for worker in self.workers])


class EpochCheckpoint(Callback):
    """Checkpoints a distributed job after each epoch, once the driver has recorded its stats."""

    def __init__(self, feeder: DistributedFeeder):
        self.feeder = feeder

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.feeder.save_checkpoint(model.epoch + 1)
