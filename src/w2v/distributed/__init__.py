"""Data-parallel word2vec beyond one machine, on MPI or on Ray, with the quality of one node.

Each process of a job holds a whole copy of the model and trains its own share of a corpus
file with the usual nogil kernels on its own threads. Meanwhile a background thread adds up
the processes' changes every ``sync_words`` words: the rows of the most frequent words each
time and the whole model every so often, as in Intel's pWord2Vec, and the whole model at each
epoch's end (``w2v.distributed.sync``). The vocabulary is counted in parallel and merged
exactly; the learning rate follows the job's progress. No cluster, scheduler or socket protocol of our own: MPI (``mpi4py``) or Ray run
the processes and move the arrays.

Examples
--------
One process (no MPI, no Ray) trains exactly as ``Word2Vec(corpus_file=...)`` does:

>>> import os, tempfile
>>> from w2v import Word2Vec
>>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
>>> with open(path, "w") as f:
...     _ = f.write("the cat sat on the mat\\nthe dog sat on the log\\n" * 50)
>>> model = train(path, backend="local", vector_size=8, min_count=1, workers=1, epochs=2)
>>> single = Word2Vec(corpus_file=path, vector_size=8, min_count=1, workers=1, epochs=2)
>>> bool((model.wv.vectors == single.wv.vectors).all())
True

On MPI, every process runs the same script (``mpiexec -n 4 python script.py``)::

    model = w2v.distributed.train("corpus.txt", backend="mpi", vector_size=300, workers=8)

On Ray, the calling process starts the job's processes as actors::

    ray.init(address="auto")
    model = w2v.distributed.train("corpus.txt", backend="ray", processes=8, workers=16)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from w2v.callbacks import Callback
from w2v.config import TrainingConfig
from w2v.distributed.comm import Communicator, LocalCommunicator
from w2v.model import Word2Vec
from w2v.vocab.selection import TrimRule

__all__ = ["BACKENDS", "DEFAULT_HOT_ROWS", "Communicator", "process_rank", "train"]

BACKENDS = ("mpi", "ray", "local")
#: Rows of the most frequent words in every exchange of changes.
DEFAULT_HOT_ROWS = 256
#: Seconds a process waits for the others at a synchronisation before the job fails.
DEFAULT_TIMEOUT = 600.0

PathLike = str | os.PathLike


def train(corpus_file: PathLike | Sequence[PathLike], backend: str = "mpi", *,
          sync_words: int | None = None, hot_rows: int = DEFAULT_HOT_ROWS,
          checkpoint_dir: PathLike | None = None, resume: PathLike | bool | None = None,
          processes: int | None = None, ray_address: str | None = None, timeout: float = DEFAULT_TIMEOUT,
          callbacks: Sequence[Callback] = (), trim_rule: TrimRule | None = None, report_delay: float = 1.0,
          progress_bar: bool = False, **params: Any) -> Word2Vec:
    """Train a ``Word2Vec`` model on a corpus file with several processes.

    Parameters
    ----------
    corpus_file : str, os.PathLike or a list of them
        Plain-text files, one sentence per line, read as their concatenation; every process
        must see them at the same path (a shared file system, or copies).
    backend : {"mpi", "ray", "local"}
        ``"mpi"``: every process of an MPI job calls ``train`` (``mpiexec -n P ...``);
        ``"ray"``: the caller starts ``processes`` Ray actors; ``"local"``: this process alone.
    sync_words : int, optional
        Words each process trains between two exchanges of changes: how stale a process's
        view of the others' work may get. By default the processes choose it as they go
        (``w2v.distributed.sync.SyncInterval``): from about 2000 exchanges per process and
        epoch (``auto_sync_words``) up to what keeps exchanging under 5 % of the time,
        within what quality allows (which shrinks steeply with more processes).
    hot_rows : int
        Rows of the most frequent words in every exchange; exchange number t covers
        ``hot_rows * 2**k`` of them, k the trailing zero bits of t, so the whole model every
        ``vocabulary / hot_rows`` exchanges, and at each epoch's end.
    checkpoint_dir : str or os.PathLike, optional
        Where process 0 keeps the latest checkpoint, written after every epoch (when every
        copy of the model is the same).
    resume : str, os.PathLike or bool, optional
        Continue the job saved in this checkpoint directory (``True``: ``checkpoint_dir``),
        with the same processes, workers and corpus.
    processes : int, optional
        Ray only: the number of processes (actors) of the job.
    ray_address : str, optional
        Ray only: the cluster to connect to, unless Ray is initialised already.
    timeout : float
        Seconds a process waits for the others at a synchronisation before the job fails
        (a process died or hangs).
    callbacks, trim_rule, report_delay, progress_bar
        As for ``Word2Vec``; callbacks run in every process, on its synchronised model.
        Progress is reported by process 0 for the whole job.
    **params
        ``Word2Vec`` parameters; ``workers`` is the number of threads of each process.

    Returns
    -------
    Word2Vec
        The trained model. On MPI every process returns it (the copies are equal: the last
        synchronisation averaged the whole model); on Ray and locally, the caller gets it.

    Raises
    ------
    RuntimeError
        A process of the job failed or was lost (resume from the last checkpoint).
    FloatingPointError
        Training diverged, in every process alike.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if "sentences" in params or "corpus_iterable" in params:
        raise TypeError("distributed training reads corpus files (corpus_file=); it takes no sentences")
    config = TrainingConfig(**params)  # every parameter checked here, before any process starts
    if (sync_words is not None and sync_words < 1) or hot_rows < 1:
        raise ValueError(f"sync_words and hot_rows must be >= 1, got {sync_words} and {hot_rows}")
    if resume is True:
        if checkpoint_dir is None:
            raise ValueError("resume=True continues from checkpoint_dir: give checkpoint_dir=")
        resume = checkpoint_dir
    job = dict(corpus_file=[os.fspath(path) for path in ([corpus_file] if isinstance(corpus_file, (str, os.PathLike))
                                                            else corpus_file)],
               params={name: getattr(config, name) for name in params},
               sync_words=None if sync_words is None else int(sync_words),
               hot_rows=int(hot_rows),
               checkpoint_dir=None if checkpoint_dir is None else os.fspath(checkpoint_dir),
               resume=None if not resume else os.fspath(resume), callbacks=tuple(callbacks), trim_rule=trim_rule,
               report_delay=report_delay, progress_bar=progress_bar)
    from w2v.distributed.loop import model_from_bytes, run_process
    if backend == "ray":
        from w2v.distributed.ray_backend import run_on_ray
        if processes is None or processes < 1:
            raise ValueError("backend='ray' needs processes= (the number of processes of the job)")
        return model_from_bytes(run_on_ray(job, int(processes), config.workers, ray_address, timeout))
    if processes is not None:
        raise ValueError(f"processes= is for backend='ray'; with {backend!r} the launcher decides "
                         "(mpiexec -n P), or there is one")
    if backend == "local":
        return run_process(LocalCommunicator(), **job)
    from w2v.distributed.mpi import MPICommunicator
    return run_process(MPICommunicator(timeout=timeout), **job)


def process_rank(backend: str) -> int:
    """This process's rank in a job of ``backend``: its MPI rank, or 0 (Ray's caller, local).

    Examples
    --------
    >>> process_rank("local")
    0
    """
    if backend == "mpi":
        from w2v.distributed.mpi import _mpi
        return _mpi().COMM_WORLD.Get_rank()
    return 0
