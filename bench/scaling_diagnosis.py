#!/usr/bin/env python3
"""Why corpus_file training scales the way it does: the file path against the shared weights.

Runs corpus_file epochs in one process, in rounds, three ways:

* ``1 worker``: one thread, the whole file as one range (what ``workers=1`` does);
* ``N workers, shared``: N threads over one set of weights, lock-free (what ``workers=N``
  does: Hogwild, as the C tool and gensim);
* ``N workers, private`` (a diagnostic, not a training mode): the same N threads, the same
  reader, ranges and schedule, but every thread updates its own copy of the weights.

The private run keeps everything of the file path (reading, tokenising, vocabulary lookup,
guided ranges, the shared word counter) and removes only the sharing of weight rows between
cores. Its speed-up over 1 worker is what the file path allows; the gap between it and the
shared run is what the cores' cache coherence costs when both threads write the same rows
(the rows of frequent words). Every run starts from the same initial weights, and runs of
one round follow each other, so the machine's drift in speed hits all three alike.

It uses w2v's internal feeder (``w2v.train.corpus_file.CorpusFileFeeder``) and binds the
kernels itself (``w2v._core.TrainingModel``, from the model's config) on purpose: the public
API has no private-weights mode, and should not.

Examples
--------
::

    python bench/scaling_diagnosis.py dev-corpus.txt --sg 0 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from threadpoolctl import threadpool_limits

import w2v
from w2v import _core
from w2v.train._schedule import LearningRateSchedule
from w2v.train.corpus_file import CorpusFileFeeder
from w2v.train.driver import make_workers
from w2v.train.progress import ProgressReporter
from w2v.weights import output_matrix


def private_workers(model: w2v.Word2Vec, n_workers: int) -> list[_core.Worker]:
    """N workers whose weights are copies of the model's, one copy each (diagnostic only).

    Each copy is bound from the model's own config and tables, by name, like the model's
    weights are: worker i has the random streams of worker i of the shared run.
    """
    workers = []
    for i in range(n_workers):
        binding = _core.TrainingModel(model.config, model.wv.vectors.copy(),
                                      {"syn1neg": output_matrix(len(model.wv), model.vector_size, model.syn1neg)},
                                      model._training_tables(), compute_loss=False)
        workers.append(make_workers(binding, n_workers, model.seed, 0)[i])
    return workers


def timed_epoch(model: w2v.Word2Vec, feeder: CorpusFileFeeder, workers: list[_core.Worker]) -> float:
    """Seconds of one epoch of the file (the feeder's own clock)."""
    schedule = LearningRateSchedule(model.alpha, model.min_alpha, 1)
    with threadpool_limits(limits=1):
        stats = feeder.train_epoch(workers, schedule, 0, ProgressReporter(1, report_delay=3600))
    return stats.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="plain-text corpus file, one sentence per line")
    parser.add_argument("--sg", type=int, default=0, help="1: skip-gram, 0: CBOW (default)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    model = w2v.Word2Vec(vector_size=100, window=5, negative=5, hs=0, sg=args.sg, min_count=5,
                         sample=1e-3, epochs=1, workers=args.workers)
    model.build_vocab(corpus_file=args.corpus)
    initial = (model.wv.vectors.copy(), model.syn1neg.copy())
    feeder = CorpusFileFeeder(args.corpus, model.wv.index_to_key, model.corpus_total_words)

    def fresh() -> w2v.Word2Vec:
        model.wv.vectors[:] = initial[0]
        model.syn1neg[:] = initial[1]
        return model

    names = ("1 worker", f"{args.workers} workers, shared", f"{args.workers} workers, private")
    runs = {
        names[0]: lambda: make_workers(fresh().training_model(False), 1, model.seed, 0),
        names[1]: lambda: make_workers(fresh().training_model(False), args.workers, model.seed, 0),
        names[2]: lambda: private_workers(fresh(), args.workers),
    }
    seconds: dict[str, list[float]] = {name: [] for name in names}
    print(f"{args.corpus}: {'skip-gram' if args.sg else 'CBOW'} + negative sampling, "
          f"{model.corpus_total_words} words, 1 epoch; seconds per run and speed-up over 1 worker")
    print("| round | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for round_number in range(1, args.rounds + 1):
        for name, workers in runs.items():
            seconds[name].append(timed_epoch(model, feeder, workers()))
        one = seconds[names[0]][-1]
        cells = [f"{seconds[name][-1]:.2f}" + ("" if name == names[0] else f" ({one / seconds[name][-1]:.2f}×)")
                 for name in names]
        print(f"| {round_number} | " + " | ".join(cells) + " |", flush=True)
    medians = [statistics.median(np.array(seconds[names[0]]) / np.array(seconds[name])) for name in names[1:]]
    print(f"| median speed-up | | {medians[0]:.2f}× | {medians[1]:.2f}× |")


if __name__ == "__main__":
    main()
