"""The communicator: the four collective operations distributed training needs, and no more.

Every process of a job runs the same training loop and calls the same collectives in the
same order; a backend only has to provide them. ``w2v.distributed.mpi`` does it with
mpi4py, ``w2v.distributed.ray_backend`` through Ray's object store; ``LocalCommunicator`` is
the job of one process (every collective is the identity), which is how a one-process job
trains exactly as ``Word2Vec`` does.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

import numpy as np

#: Collectives move big arrays in pieces of at most this many bytes: MPI counts are C ints
#: (2**31 - 1 elements at most before MPI-4), and some transports handle huge messages badly.
CHUNK_BYTES = 1 << 30


def chunks(array: np.ndarray, chunk_bytes: int = CHUNK_BYTES) -> Iterator[np.ndarray]:
    """Consecutive flat views of a C-contiguous ``array``, each at most ``chunk_bytes`` long.

    Examples
    --------
    >>> [len(part) for part in chunks(np.zeros(10, np.float32), chunk_bytes=16)]
    [4, 4, 2]
    """
    if not array.flags.c_contiguous:
        raise ValueError("collectives need C-contiguous arrays")
    flat = array.reshape(-1)
    step = max(1, chunk_bytes // max(array.itemsize, 1))
    for start in range(0, len(flat), step):
        yield flat[start:start + step]


class Communicator(abc.ABC):
    """The collectives of one process in a job of ``size`` processes (this one is ``rank``).

    Every method is collective: all processes call it, in the same order, or the job hangs
    (the backends bound that wait with a timeout and fail with a clear error instead).
    """

    rank: int
    size: int

    @abc.abstractmethod
    def allreduce_(self, array: np.ndarray) -> None:
        """Replace ``array`` (C-contiguous) by its elementwise sum over all processes, in place."""

    @abc.abstractmethod
    def broadcast_(self, array: np.ndarray, root: int = 0) -> None:
        """Overwrite ``array`` (C-contiguous) on every process with ``root``'s, in place."""

    @abc.abstractmethod
    def allgather(self, value: Any) -> list[Any]:
        """Every process's ``value`` (small, plain data: numbers, str, lists, dicts), in rank order."""

    @abc.abstractmethod
    def barrier(self) -> None:
        """Return once every process has called it."""

    def broadcast(self, value: Any, root: int = 0) -> Any:
        """``root``'s ``value`` (small, plain data) on every process."""
        return self.allgather(value if self.rank == root else None)[root]

    def close(self) -> None:
        """Release what the backend holds (the MPI and Ray backends hold nothing to release)."""


class LocalCommunicator(Communicator):
    """The communicator of a one-process job: every collective is the identity.

    Examples
    --------
    >>> comm = LocalCommunicator()
    >>> array = np.ones(3)
    >>> comm.allreduce_(array)
    >>> array.tolist(), comm.allgather("x"), comm.rank, comm.size
    ([1.0, 1.0, 1.0], ['x'], 0, 1)
    """

    rank = 0
    size = 1

    def allreduce_(self, array: np.ndarray) -> None:
        pass

    def broadcast_(self, array: np.ndarray, root: int = 0) -> None:
        pass

    def allgather(self, value: Any) -> list[Any]:
        return [value]

    def barrier(self) -> None:
        pass
