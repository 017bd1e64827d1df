"""A distributed training job for the tests, run as its own processes (mpiexec, or a Ray driver).

Every process writes what it trained to OUT/rank<r>.json; process 0 also saves the model as
OUT/model.w2v. ``--pause`` sleeps after every epoch (so a test can kill a process mid-job);
``--nan-at-epoch E`` makes process 1 poison a frequent word's vector as epoch E begins.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

import w2v.distributed  # noqa: E402
from w2v import Callback  # noqa: E402
from planted import grouped_corpus, neighbour_precision  # noqa: E402


class Pause(Callback):
    def __init__(self, seconds):
        self.seconds = seconds

    def on_epoch_end(self, model):
        time.sleep(self.seconds)


class Poison(Callback):
    def __init__(self, epoch, rank):
        self.epoch, self.rank = epoch, rank

    def on_epoch_begin(self, model):
        if model.epoch == self.epoch and self.rank == 1:
            model.wv.vectors[0, 0] = np.nan


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--backend", default="mpi")
    parser.add_argument("--processes", type=int)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--sync-words", type=int, default=1000)
    parser.add_argument("--hot-rows", type=int, default=8)
    parser.add_argument("--checkpoint")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--nan-at-epoch", type=int)
    args = parser.parse_args()
    rank = w2v.distributed.process_rank(args.backend)
    callbacks = [Pause(args.pause)] if args.pause else []
    if args.nan_at_epoch is not None:
        callbacks.append(Poison(args.nan_at_epoch, rank))
    if args.backend == "ray":
        import ray
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    model = w2v.distributed.train(
        args.corpus, backend=args.backend, processes=args.processes, sync_words=args.sync_words,
        hot_rows=args.hot_rows, checkpoint_dir=args.checkpoint,
        resume=args.resume or None, callbacks=callbacks, timeout=60, vector_size=24, window=3,
        min_count=1, workers=1, epochs=args.epochs, seed=5, sg=1)
    _, groups = grouped_corpus()
    weights = b"".join(np.ascontiguousarray(m).tobytes() for m in model.weight_matrices().values())
    result = {"rank": rank, "precision": neighbour_precision(model.wv, groups),
              "weights": hashlib.sha256(weights).hexdigest(), "epochs": len(model.epoch_stats),
              "words": [stats.raw_words for stats in model.epoch_stats]}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"rank{rank}.json"), "w") as out:
        json.dump(result, out)
    if rank == 0:
        model.save(os.path.join(args.out, "model.w2v"))


if __name__ == "__main__":
    main()
