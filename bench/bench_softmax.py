#!/usr/bin/env python3
"""The three output layers side by side: exact softmax, hierarchical softmax, negative sampling.

All three train the same architecture (CBOW or skip-gram) on the same small corpus, with the
same vocabulary, learning rate and epochs, and are compared on:

* training time (``train()`` alone, wall clock; raw words/s);
* the training loss of the last epoch per example (``compute_loss``);
* the held-out loss per example: one extra pass over held-out lines with ``alpha = 0``, which
  changes no weight, so the kernels just report the loss of text the model has not seen;
* analogy accuracy (gensim's ``evaluate_word_analogies``, 3CosAdd, via bench_train's helper).

The losses are in nats per trained word (after subsampling): a CBOW word is one example; for
skip-gram it is the sum over the word's (context, centre) pairs. Softmax and hierarchical softmax both define a normalised distribution
over the vocabulary, so their losses are comparable negative log-likelihoods; negative
sampling's is the sum of k + 1 binary logistic losses, which is not a likelihood.

The corpus is every n-th line of the dev corpus (so every source is represented), up to
``--tokens`` words; the held-out lines are taken between them. The vocabulary is capped with
``max_final_vocab`` so the full softmax stays affordable.

Examples
--------
The run reported in docs/softmax.md (about 15 minutes on 2 busy cores)::

    nice python bench/bench_softmax.py --shared ../shared --out bench/results/softmax.json
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import analogy_accuracy  # noqa: E402  (the same evaluation as the speed benchmark)

OBJECTIVES = {
    "softmax": dict(hs=0, negative=0, softmax=True),
    "hs": dict(hs=1, negative=0),
    "neg5": dict(hs=0, negative=5),
}


def sample_lines(path: str, tokens: int, heldout_tokens: int, total_tokens: int) -> tuple[list, list]:
    """Every stride-th line for training and the line just after it for held-out text."""
    stride = max(total_tokens // tokens, 2)
    train, heldout = [], []
    train_count = heldout_count = 0
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % stride == 0 and train_count < tokens:
                words = line.split()
                train.append(words)
                train_count += len(words)
            elif number % stride == 1 and heldout_count < heldout_tokens:
                words = line.split()
                heldout.append(words)
                heldout_count += len(words)
            if train_count >= tokens and heldout_count >= heldout_tokens:
                break
    return train, heldout


def run(objective: str, train: list, heldout: list, args: argparse.Namespace) -> dict:
    import w2v
    model = w2v.Word2Vec(vector_size=args.size, window=args.window, min_count=5, sample=1e-3,
                         max_final_vocab=args.vocab, sg=args.sg, alpha=args.alpha,
                         workers=args.workers, epochs=args.epochs, seed=1, **OBJECTIVES[objective])
    model.build_vocab(train)
    started = time.perf_counter()
    model.train(train, total_examples=model.corpus_count, epochs=args.epochs, compute_loss=True)
    seconds = time.perf_counter() - started
    last = model.epoch_stats[-1]
    model.train(heldout, total_examples=len(heldout), epochs=1, start_alpha=0.0, end_alpha=0.0,
                compute_loss=True)
    held = model.epoch_stats[-1]
    return {
        "objective": objective, "vocab": len(model.wv), "seconds": seconds,
        "raw_words_per_second": model.corpus_total_words * args.epochs / seconds,
        "train_loss_per_word": last.loss / last.effective_words,
        "heldout_loss_per_word": held.loss / held.effective_words,
        "analogy": analogy_accuracy(model.wv, args.analogies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared", help="the shared data folder")
    parser.add_argument("--tokens", type=int, default=1_500_000, help="training words")
    parser.add_argument("--heldout", type=int, default=100_000, help="held-out words")
    parser.add_argument("--vocab", type=int, default=4000, help="max_final_vocab")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--sg", type=int, default=0)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES), choices=list(OBJECTIVES))
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    args.analogies = os.path.join(args.shared, "data", "eval", "questions-words.txt")
    train, heldout = sample_lines(os.path.join(args.shared, "data", "dev-corpus.txt.xz"),
                                  args.tokens, args.heldout, total_tokens=14_000_000)
    print(f"corpus: {sum(map(len, train))} training words in {len(train)} lines, "
          f"{sum(map(len, heldout))} held-out words; {'skip-gram' if args.sg else 'CBOW'}, "
          f"d={args.size}, window={args.window}, {args.epochs} epochs, alpha={args.alpha}", flush=True)
    results = []
    print("| objective | V | train time (s) | raw words/s | train loss / word | held-out loss / word | "
          "analogy % (questions) |")
    print("|---|---|---|---|---|---|---|")
    for objective in args.objectives:
        r = run(objective, train, heldout, args)
        results.append(r)
        print(f"| {objective} | {r['vocab']} | {r['seconds']:.1f} | {r['raw_words_per_second']:.0f} | "
              f"{r['train_loss_per_word']:.3f} | {r['heldout_loss_per_word']:.3f} | "
              f"{r['analogy']['accuracy']:.1f} ({r['analogy']['questions']}) |", flush=True)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as out:
            json.dump({"settings": {k: v for k, v in vars(args).items()}, "results": results}, out, indent=1)


if __name__ == "__main__":
    main()
