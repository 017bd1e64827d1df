"""The Ray backend: processes are Ray actors, collectives go through Ray's object store.

``pip install "w2v[ray]"``. The caller's process is Ray's driver: it starts one actor per
process of the job (``processes``, each with ``workers`` CPUs), and every actor runs the same
training loop as an MPI process does. The collectives need no torch and no home-made
transport: arrays travel as objects in Ray's object store (read without a copy on the same
node), and a small ``Rendezvous`` actor only swaps the references. An allreduce is a
reduce-scatter then an allgather: every process adds up one slice of the array from all
the others and shares its sum, so each moves 2 (P - 1) / P of the array, as a ring does.

If an actor dies, the driver kills the others and raises; a collective that waits longer
than ``timeout`` seconds fails too, so a lost process never hangs the job.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import numpy as np

from w2v.distributed.comm import Communicator, chunks

logger = logging.getLogger(__name__)


def _ray():
    try:
        import ray
    except ImportError as error:
        raise ImportError(f'distributed training on Ray needs ray: pip install "w2v[ray]" ({error})') from None
    return ray


class _Rendezvous:
    """Swaps one value per process per round: each gets the list of all of them, in rank order.

    An asyncio actor: a process that arrives early waits (without blocking the actor) until
    the round is complete.
    """

    def __init__(self, size: int, timeout: float):
        self.size = size
        self.timeout = timeout
        self.rounds: dict[int, dict[str, Any]] = {}

    async def exchange(self, round_number: int, rank: int, value: Any) -> list[Any]:
        entry = self.rounds.setdefault(round_number, {"values": [None] * self.size, "arrived": 0,
                                                      "left": 0, "complete": asyncio.Event()})
        entry["values"][rank] = value
        entry["arrived"] += 1
        if entry["arrived"] == self.size:
            entry["complete"].set()
        try:
            await asyncio.wait_for(entry["complete"].wait(), self.timeout)
        except asyncio.TimeoutError:
            missing = [r for r, v in enumerate(entry["values"]) if v is None]
            raise TimeoutError(f"w2v.distributed: processes {missing} did not reach synchronisation "
                               f"{round_number} within {self.timeout:g} s (dead or hung)") from None
        entry["left"] += 1
        if entry["left"] == self.size:
            del self.rounds[round_number]
        return entry["values"]


class RayCommunicator(Communicator):
    """The collectives of process ``rank`` of ``size`` Ray actors sharing one ``Rendezvous``."""

    def __init__(self, rank: int, size: int, rendezvous: Any, timeout: float = 600.0):
        self.ray = _ray()
        self.rank = rank
        self.size = size
        self.rendezvous = rendezvous
        self.timeout = timeout
        self._round = 0

    def _exchange(self, value: Any) -> list[Any]:
        self._round += 1
        reply = self.rendezvous.exchange.remote(self._round, self.rank, value)
        try:
            return self.ray.get(reply, timeout=self.timeout + 5)
        except self.ray.exceptions.GetTimeoutError:
            raise TimeoutError(f"w2v.distributed: process {self.rank} waited more than {self.timeout:g} s "
                               "for the others: a process has died or hangs") from None

    def allreduce_(self, array: np.ndarray) -> None:
        ray = self.ray
        for part in chunks(array):
            slices = np.array_split(part, self.size)
            table = self._exchange([ray.put(piece) for piece in slices])
            mine = ray.get([table[r][self.rank] for r in range(self.size)])
            total = np.array(mine[0], copy=True)
            for other in mine[1:]:  # rank order: every process gets the same sums, bit for bit
                total += other
            # References travel inside lists: Ray would resolve a bare one into the array itself.
            sums = self._exchange([ray.put(total)])
            for piece, result in zip(slices, ray.get([entry[0] for entry in sums])):
                piece[...] = result

    def broadcast_(self, array: np.ndarray, root: int = 0) -> None:
        for part in chunks(array):
            refs = self._exchange([self.ray.put(part)] if self.rank == root else None)
            if self.rank != root:
                part[...] = self.ray.get(refs[root][0])

    def allgather(self, value: Any) -> list[Any]:
        return [json.loads(text) for text in self._exchange(json.dumps(value))]

    def barrier(self) -> None:
        self._exchange(None)


class _Process:
    """One process of a Ray job: runs the training loop and returns rank 0's model as arrays."""

    def run(self, rank: int, size: int, rendezvous: Any, job: dict[str, Any], timeout: float) -> Any:
        from w2v.distributed.loop import model_to_bytes, run_process
        comm = RayCommunicator(rank, size, rendezvous, timeout)
        model = run_process(comm, **job)
        return model_to_bytes(model) if rank == 0 else None

    def pid(self) -> int:
        import os
        return os.getpid()


def run_on_ray(job: dict[str, Any], processes: int, workers: int, address: str | None, timeout: float) -> Any:
    """Start ``processes`` actors (``workers`` CPUs each), run ``job`` on them, return rank 0's result.

    Connects to ``address`` (``ray.init(address=...)``) unless Ray is already initialised
    (a local ``ray.init(num_cpus=2)`` in a notebook or a test).
    """
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address)
    rendezvous = ray.remote(_Rendezvous).options(num_cpus=0).remote(processes, timeout)
    process_class = ray.remote(_Process)
    actors = [process_class.options(num_cpus=workers).remote() for _ in range(processes)]
    futures = [actor.run.remote(rank, processes, rendezvous, job, timeout) for rank, actor in enumerate(actors)]
    try:
        pending = list(futures)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                ray.get(done[0])
            except Exception as error:
                rank = futures.index(done[0])
                raise RuntimeError(f"w2v.distributed: process {rank} of {processes} failed, so the job "
                                   f"stopped (continue from the last checkpoint with resume=): {error}") from error
        return ray.get(futures[0])
    finally:
        for actor in actors:
            ray.kill(actor)
        ray.kill(rendezvous)
