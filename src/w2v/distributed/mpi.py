"""The MPI backend: collectives over ``mpi4py`` (``pip install "w2v[mpi]"``).

Run the same script on every process with an MPI launcher, for example the one the MPICH
wheel installs: ``mpiexec -n 4 python train.py`` or ``mpiexec -n 4 w2v train ... -distributed
mpi``. Arrays move with the buffer interface (``Allreduce``/``Bcast``, in pieces below MPI's
2 GiB count limit); small values move as JSON bytes, never pickle.

Collectives are started non-blocking and waited for politely (tests between short sleeps):
a blocking MPI call spins on a core while it waits, and the exchange thread of
``w2v.distributed`` waits beside the training threads, on the same cores. A small collective
(the exchange's first, which carries word counts) is where a process waits for the others to
arrive, so it only sleeps between tests; a large one starts once everyone is there, and
spins a little first, since MPICH moves it on only inside MPI calls.

A collective that waits longer than ``timeout`` seconds means a process died or hangs: the
process that notices says so on stderr and aborts the whole job (``MPI_Abort``), rather
than wait for ever. (MPICH's ``mpiexec`` also ends the job as soon as one process dies.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from w2v.distributed.comm import Communicator, chunks

logger = logging.getLogger(__name__)

#: How a pending collective is waited for. A collective of at most RENDEZVOUS_BYTES is where
#: a process waits for the others to arrive (the first of an exchange carries word counts):
#: it is tested between sleeps growing from FIRST_WAIT to LONGEST_RENDEZVOUS_WAIT, since
#: spinning until the last process arrives would take a core from the training threads. A
#: larger one starts when every process is there, and MPICH moves a shared-memory collective
#: on only inside MPI calls, a step per test: it is tested without pause until done when this
#: machine has a core for each of its processes, else SPIN_TESTS times in a row (a few
#: hundred microseconds), then between sleeps of at most LONGEST_WAIT. Measured on 2 cores,
#: CBOW, one epoch: 2 processes, 3.68M words/s spinning until done against 3.47M with the
#: short spin; 4 processes, 0.31M against 1.13M (spinners keep the others off the cores). And
#: 2 processes x 1 thread against 1 process x 2 threads: sleeps of up to 1 ms for every
#: collective, 0.28; the short spin for every collective, 0.49; this, with the interval that
#: ``w2v.distributed.sync.SyncInterval`` chooses, 0.94.
RENDEZVOUS_BYTES = 256
SPIN_TESTS, SPIN_UNTIL_DONE = 2000, 1 << 62
FIRST_WAIT, LONGEST_WAIT, LONGEST_RENDEZVOUS_WAIT = 20e-6, 50e-6, 200e-6


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            'distributed training on MPI needs mpi4py and an MPI library: pip install "w2v[mpi]" '
            f"(installs mpi4py and the MPICH wheel) ({error})") from None
    return MPI


class Watchdog:
    """Calls ``on_timeout(what)`` if a guarded section lasts longer than ``timeout`` seconds.

    Examples
    --------
    >>> fired = []
    >>> watchdog = Watchdog(0.05, fired.append)
    >>> with watchdog.guard("a quick step"):
    ...     pass
    >>> with watchdog.guard("a slow step"):
    ...     time.sleep(0.3)
    >>> fired
    ['a slow step']
    """

    def __init__(self, timeout: float, on_timeout):
        self.timeout = timeout
        self.on_timeout = on_timeout
        self._deadline: tuple[float, str] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="w2v-distributed-watchdog", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def guard(self, what: str) -> Iterator[None]:
        with self._lock:
            self._deadline = (time.monotonic() + self.timeout, what)
        try:
            yield
        finally:
            with self._lock:
                self._deadline = None

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.timeout / 4))
            with self._lock:
                deadline = self._deadline
                if deadline is not None and time.monotonic() > deadline[0]:
                    self._deadline = None
                else:
                    deadline = None
            if deadline is not None:
                self.on_timeout(deadline[1])


class MPICommunicator(Communicator):
    """The collectives of an MPI job (``MPI.COMM_WORLD`` unless another communicator is given).

    Parameters
    ----------
    comm : mpi4py.MPI.Comm, optional
    timeout : float
        Seconds a collective may wait for the other processes before the job is aborted.
    """

    def __init__(self, comm: Any = None, timeout: float = 600.0):
        self.MPI = _mpi()
        self.comm = comm if comm is not None else self.MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = timeout
        self._watchdog = Watchdog(timeout, self._abort)
        # Spin through a large collective only if every process on this machine has a core.
        local = self.comm.Split_type(self.MPI.COMM_TYPE_SHARED)
        self._spin_tests = SPIN_UNTIL_DONE if local.Get_size() <= _cores() else SPIN_TESTS
        local.Free()

    def _abort(self, what: str) -> None:
        message = (f"w2v.distributed: process {self.rank} of {self.size} waited more than {self.timeout:g} s "
                   f"for the others in {what}: a process has died or hangs; aborting the job "
                   "(continue from the last checkpoint with resume=)")
        logger.error(message)
        print(message, file=sys.stderr, flush=True)
        self.comm.Abort(1)

    def _wait(self, request, nbytes: int) -> None:
        """Wait for a non-blocking MPI operation of ``nbytes``: spin for a large one (every
        process is there, and each test moves it on), only sleep for a rendezvous."""
        longest = LONGEST_RENDEZVOUS_WAIT
        if nbytes > RENDEZVOUS_BYTES:
            longest = LONGEST_WAIT
            for _ in range(self._spin_tests):
                if request.Test():
                    return
        pause = FIRST_WAIT
        while not request.Test():
            time.sleep(pause)
            pause = min(2 * pause, longest)

    def allreduce_(self, array: np.ndarray) -> None:
        with self._watchdog.guard("an allreduce"):
            for part in chunks(array):
                self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, part, op=self.MPI.SUM), part.nbytes)

    def broadcast_(self, array: np.ndarray, root: int = 0) -> None:
        with self._watchdog.guard("a broadcast"):
            for part in chunks(array):
                self._wait(self.comm.Ibcast(part, root=root), part.nbytes)

    def allgather(self, value: Any) -> list[Any]:
        payload = np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8)
        with self._watchdog.guard("an allgather"):
            sizes = np.zeros(self.size, dtype=np.int64)
            sizes[self.rank] = len(payload)
            self._wait(self.comm.Iallreduce(self.MPI.IN_PLACE, sizes, op=self.MPI.SUM), sizes.nbytes)
            gathered = np.empty(int(sizes.sum()), dtype=np.uint8)
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            self._wait(self.comm.Iallgatherv(payload, [gathered, sizes.tolist(), offsets.tolist(), self.MPI.BYTE]),
                       gathered.nbytes)
        return [json.loads(gathered[start:start + size].tobytes()) for start, size in zip(offsets, sizes)]

    def barrier(self) -> None:
        with self._watchdog.guard("a barrier"):
            self._wait(self.comm.Ibarrier(), 0)
