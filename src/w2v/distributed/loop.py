"""The training loop every process of a distributed job runs, identically.

1. Count this process's share of the corpus (in C, nothing pruned), gather every share's
   counts and merge them: every process chooses the same vocabulary, subsampling thresholds,
   noise table and Huffman tree a single process would from the whole corpus. (A resumed
   job takes the vocabulary of its checkpoint instead.)
2. Start from process 0's weights (broadcast), or the checkpoint's.
3. Train with the driver every ``Word2Vec`` uses, fed by a ``DistributedFeeder``: this
   process's share, while a background thread exchanges changes with the other processes
   (``sync``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from w2v.callbacks import Callback
from w2v.distributed.checkpoint import Checkpointer, read_checkpoint
from w2v.distributed.comm import Communicator
from w2v.distributed.feeder import DistributedFeeder, EpochCheckpoint, Position
from w2v.distributed.sharding import corpus_files, count_share, merge_counts, split_corpus
from w2v.distributed.sync import Synchronizer, SyncInterval, SyncSchedule
from w2v.model import Word2Vec
from w2v.train.driver import run_training
from w2v.train.progress import EpochStats
from w2v.vocab.selection import TrimRule
from w2v.weights import padded_rows

logger = logging.getLogger(__name__)

#: Report delay of the processes other than 0, which report nothing.
SILENT = 1e9


def run_process(comm: Communicator, corpus_file: str | Sequence[str], params: dict[str, Any], sync_words: int | None,
                hot_rows: int, checkpoint_dir: str | None = None, resume: str | None = None,
                callbacks: Sequence[Callback] = (), trim_rule: TrimRule | None = None,
                report_delay: float = 1.0, progress_bar: bool = False) -> Word2Vec:
    """Run this process's part of a distributed job and return its (synchronised) model."""
    paths = corpus_files(corpus_file)
    model = Word2Vec(**params, trim_rule=trim_rule, callbacks=callbacks)
    if model.max_vocab_size is not None:
        raise ValueError("max_vocab_size prunes rare words while one process scans the corpus; a distributed "
                         "job counts every share exactly and merges the counts: leave max_vocab_size=None "
                         "(min_count and max_final_vocab apply to the merged counts)")
    job = {"processes": comm.size, "workers": model.workers,
           "corpus": [[os.path.abspath(path), os.path.getsize(path)] for path in paths]}
    shares = split_corpus(paths, comm.size)
    start, random_states = Position(), None
    if resume is not None:
        start, random_states = _resume(comm, model, resume, job)
    else:
        counts, sentences, total_words = merge_counts(comm.allgather(count_share(shares[comm.rank])))
        model._choose_vocabulary(counts, total_words, sentences, False, trim_rule, False)
    for matrix in model.weight_matrices().values():
        comm.broadcast_(padded_rows(matrix))
    checkpointer = Checkpointer(comm, checkpoint_dir, job) if checkpoint_dir else None
    feeder = DistributedFeeder(comm, model, shares[comm.rank], Synchronizer(comm, model),
                               SyncSchedule(hot_rows, len(model.wv)),
                               SyncInterval(model.corpus_total_words, comm.size, sync_words), checkpointer, start,
                               random_states)
    call = model._training_call(model.epochs, None, None, None, None,
                                report_delay if comm.rank == 0 else SILENT, progress_bar and comm.rank == 0)
    call = dataclasses.replace(call, first_epoch=start.epoch, streams=(comm.rank * model.workers,
                                                                       comm.size * model.workers),
                               callbacks=(*call.callbacks, *([EpochCheckpoint(feeder)] if checkpointer else [])))
    logger.info("process %i of %i: %i bytes of the corpus, %i words in all", comm.rank, comm.size,
                sum(segment.size for segment in shares[comm.rank]), model.corpus_total_words)
    with _quiet_unless(comm.rank == 0), model._exclusive("train"):
        if start.epoch < model.epochs:
            run_training(model, feeder, call)
    return model


def _resume(comm: Communicator, model: Word2Vec, directory: str,
            job: dict[str, Any]) -> tuple[Position, list[dict[str, Any]]]:
    """Take process 0's checkpoint: the vocabulary, the training state, and where to start."""
    state = None
    if comm.rank == 0:
        index, model_path = read_checkpoint(directory, job)
        saved = Word2Vec.load(model_path)
        state = {"index": index, "words": saved.wv.index_to_key, "counts": saved.wv.expandos["count"].tolist(),
                 "corpus_count": saved.corpus_count, "corpus_total_words": saved.corpus_total_words,
                 "train_count": saved.train_count, "running_training_loss": saved.running_training_loss,
                 "epoch_stats": [dataclasses.asdict(stats) for stats in saved.epoch_stats]}
    state = comm.broadcast(state)
    model._set_vocabulary(state["words"], np.array(state["counts"], dtype=np.int64))
    model.corpus_count, model.corpus_total_words = state["corpus_count"], state["corpus_total_words"]
    if comm.rank == 0:  # the checkpoint's weights, which the caller broadcasts to the others
        for name, matrix in model.weight_matrices().items():
            matrix[...] = saved.weight_matrices()[name]
    model.epoch_stats = [EpochStats(**stats) for stats in state["epoch_stats"]]
    model.train_count, model.running_training_loss = state["train_count"], state["running_training_loss"]
    index = state["index"]
    logger.info("resuming from %s at epoch %i", directory, index["position"]["epoch"] + 1)
    return Position(**index["position"]), index["random_states"][comm.rank]


class _DropInfo:
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


@contextlib.contextmanager
def _quiet_unless(loud: bool) -> Iterator[None]:
    """Progress and epoch logs come from process 0 alone (they describe the whole job)."""
    if loud:
        yield
        return
    package_logger, quiet = logging.getLogger("w2v"), _DropInfo()
    handlers = logging.getLogger().handlers + package_logger.handlers
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def model_to_bytes(model: Word2Vec) -> bytes:
    """The model as the bytes of a native file (how a Ray actor hands it to the caller)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.w2v")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def model_from_bytes(data: bytes) -> Word2Vec:
    """A model from ``model_to_bytes``: read by the native loader, nothing unpickled."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.w2v")
        with open(path, "wb") as file:
            file.write(data)
        return Word2Vec.load(path)
