"""Checkpoints of a distributed job: taken after every epoch, when every process's copy of the
model is the same (so one copy describes them all), and read back by ``resume=``.

A checkpoint directory holds ``checkpoint.json`` and the model file it names
(``model-<n>.w2v``, w2v's native format). The model file is written first, then the JSON
replaces the previous one (both atomically), then older model files are removed: whatever
moment a process dies at, the directory holds one complete checkpoint. The JSON records
where training stood (the next epoch, the exchanges so far), every worker thread's random state (so a
resumed job draws what the lost one would have), the corpus files' sizes, the job's shape,
and which process ran where (``processes``: rank, host, pid), for whoever has to find out
what died.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from typing import TYPE_CHECKING, Any

from w2v.distributed.comm import Communicator
from w2v.io import FormatError
from w2v.io.files import atomic_write

if TYPE_CHECKING:
    from w2v.model import Word2Vec

logger = logging.getLogger(__name__)

FORMAT = "w2v-distributed-checkpoint"
FORMAT_VERSION = 1
INDEX = "checkpoint.json"


def process_identity() -> dict[str, Any]:
    """Where this process runs: host and pid."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


class Checkpointer:
    """Writes checkpoints of a job into ``directory`` (process 0 writes, all take part).

    Parameters
    ----------
    comm : Communicator
    directory : str
    job : dict
        What a resumed job must match: processes, workers, corpus files and sizes.
    """

    def __init__(self, comm: Communicator, directory: str, job: dict[str, Any]):
        self.comm = comm
        self.directory = directory
        self.job = job
        self.processes = comm.allgather(process_identity())
        self.number = 0
        if comm.rank == 0:
            os.makedirs(directory, exist_ok=True)

    def save(self, model: Word2Vec, position: dict[str, Any], random_states: list[dict[str, Any]]) -> None:
        """Record ``model`` and ``position``; every process passes its workers' random states."""
        states = self.comm.allgather(random_states)
        if self.comm.rank != 0:
            return
        previous = _read_index(self.directory)
        self.number = max(self.number, previous["number"] if previous else 0) + 1
        name = f"model-{self.number:06d}.w2v"
        model.save(os.path.join(self.directory, name))
        index = {"format": FORMAT, "version": FORMAT_VERSION, "number": self.number, "model": name,
                 "position": position, "random_states": states, "job": self.job,
                 "processes": [dict(identity, rank=rank) for rank, identity in enumerate(self.processes)]}
        with atomic_write(os.path.join(self.directory, INDEX)) as out:
            out.write(json.dumps(index).encode("utf-8"))
        for entry in os.listdir(self.directory):
            if entry.startswith("model-") and entry.endswith(".w2v") and entry != name:
                os.remove(os.path.join(self.directory, entry))
        logger.info("checkpoint %i, before epoch %i, in %s", self.number, position["epoch"] + 1, self.directory)


def _read_index(directory: str) -> dict[str, Any] | None:
    path = os.path.join(directory, INDEX)
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as file:
            index = json.load(file)
    except (OSError, ValueError) as error:
        raise FormatError(f"{path}: not a readable checkpoint index ({error})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise FormatError(f"{path} is not a w2v distributed checkpoint")
    if index.get("version") != FORMAT_VERSION:
        raise FormatError(f"{path}: checkpoint version {index.get('version')!r}; this w2v reads {FORMAT_VERSION}")
    return index


def read_checkpoint(directory: str, job: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The checkpoint index of ``directory`` and its model file's path, checked against ``job``.

    Raises
    ------
    FileNotFoundError
        No checkpoint in ``directory``.
    ValueError
        The checkpoint is of another job (other processes, workers or corpus).
    """
    index = _read_index(directory)
    if index is None:
        raise FileNotFoundError(f"resume: no checkpoint ({INDEX}) in {directory!r}")
    saved = index["job"]
    for key, value in job.items():
        if saved.get(key) != value:
            raise ValueError(f"resume: the checkpoint in {directory!r} is of another job: it has {key}="
                             f"{saved.get(key)!r}, this job {value!r}")
    return index, os.path.join(directory, index["model"])
