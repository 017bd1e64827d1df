#!/usr/bin/env python3
"""Training speed of two builds of w2v, interleaved round by round, as paired ratios.

For a change that must not cost speed (a refactor, a new per-word option), build both trees
in place (``python setup.py build_ext --inplace``) and compare them here. Each measurement is
a fresh subprocess that imports w2v from one tree's ``src/``, builds the vocabulary untimed
and times ``train()`` alone; every round runs every (mode, build) once, in an order that
alternates between rounds, so the machine's drift hits both builds alike. The figure is the
ratio of words/s (new / old) within each round: mean ± standard error and median.

The memory layout of a process moves with its environment, and that alone moves training
speed: the same build ran 7 % faster from one working directory than from another, and two
trees whose paths differ in length (``/work/main`` against ``/work/baseline``, in PYTHONPATH)
measured 0.91 where equal conditions gave 1.00 (the bias Mytkowicz et al. describe in
"Producing wrong data without doing anything obviously wrong!", ASPLOS 2009). So both trees
are imported through links of equal length, and each round pads the environment by a random
number of bytes, the same for both builds: layouts vary between rounds and never between
the two builds of a round.

Examples
--------
::

    python bench/compare_builds.py --old ../baseline --new . --corpus dev.txt \\
        --modes cbow-neg,sg-neg --rounds 5 --workers 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

MODES = {
    "sg-neg": dict(sg=1, hs=0, negative=5),
    "cbow-neg": dict(sg=0, hs=0, negative=5),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
    "sg-shared": dict(sg=1, hs=0, negative=5, shared_negatives=True),
}

CHILD = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
import w2v
model = w2v.Word2Vec(**spec["params"])
corpus = w2v.LineSentence(spec["corpus"])
if spec["source"] == "file":
    model.build_vocab(corpus_file=spec["corpus"])
else:
    model.build_vocab(corpus)
started, cpu_started = time.perf_counter(), time.process_time()
if spec["source"] == "file":
    model.train(corpus_file=spec["corpus"], total_words=model.corpus_total_words, epochs=model.epochs)
else:
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
seconds = time.perf_counter() - started
cpu_seconds = time.process_time() - cpu_started
words = model.corpus_total_words * model.epochs
print(json.dumps({"seconds": seconds, "words_per_second": words / seconds,
                  "words_per_cpu_second": words / cpu_seconds, "w2v": w2v.__file__}))
"""


def run(tree: str, mode: str, args: argparse.Namespace, padding: int) -> float:
    """Words/s of one training run of ``mode`` with the w2v of ``tree`` (in a fresh process
    whose environment is padded by ``padding`` bytes)."""
    params = dict(MODES[mode], vector_size=args.size, window=5, min_count=5, sample=1e-3,
                  workers=args.workers, epochs=args.epochs, seed=1)
    spec = {"params": params, "corpus": args.corpus, "source": args.source}
    env = dict(os.environ, PYTHONPATH=os.path.join(tree, "src"), W2V_BENCH_LAYOUT="x" * padding)
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                            env=env, check=False, cwd="/")
    if result.returncode != 0:
        raise SystemExit(f"{tree} {mode} failed:\n{result.stderr}")
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    expected = os.path.join(tree, "src", "w2v")
    if not outcome["w2v"].startswith(expected):
        raise SystemExit(f"{tree}: imported w2v from {outcome['w2v']}, not {expected}")
    return outcome["words_per_cpu_second" if args.clock == "cpu" else "words_per_second"]


def summary(ratios: list[float]) -> str:
    mean = statistics.fmean(ratios)
    se = statistics.stdev(ratios) / math.sqrt(len(ratios)) if len(ratios) > 1 else float("nan")
    return f"{mean:.3f} ± {se:.3f} (median {statistics.median(ratios):.3f}, n={len(ratios)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, help="source tree of the reference build")
    parser.add_argument("--new", required=True, help="source tree of the build under test")
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--modes", default="cbow-neg,sg-neg")
    parser.add_argument("--source", choices=("file", "iterable"), default="file")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="words per wall-clock second, or per CPU second of all threads (steadier "
                             "when other jobs share the machine: waiting for a core costs no CPU time)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the environment paddings")
    args = parser.parse_args()
    modes = args.modes.split(",")
    ratios: dict[str, list[float]] = {mode: [] for mode in modes}
    print(f"{args.corpus}, {args.source}, {args.workers} workers, {args.epochs} epoch(s); words per "
          f"{'CPU' if args.clock == 'cpu' else 'wall-clock'} second, "
          f"old = {args.old}, new = {args.new}")
    print("| round | mode | old words/s | new words/s | new / old |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="w2v-builds-") as links:
        trees = {}
        for which in ("old", "new"):  # equal-length paths to both trees (see the module notes)
            trees[which] = os.path.join(links, which)
            os.symlink(os.path.abspath(getattr(args, which)), trees[which])
        layouts = random.Random(args.seed)
        for round_number in range(1, args.rounds + 1):
            padding = layouts.randrange(4096)
            for mode in modes:
                order = ("old", "new") if round_number % 2 else ("new", "old")
                speed = {which: run(trees[which], mode, args, padding) for which in order}
                ratios[mode].append(speed["new"] / speed["old"])
                print(f"| {round_number} | {mode} | {speed['old']:,.0f} | {speed['new']:,.0f} | "
                      f"{ratios[mode][-1]:.3f} |", flush=True)
    print()
    for mode in modes:
        print(f"{mode}: new / old = {summary(ratios[mode])}")
    print(f"finished {time.strftime('%Y-%m-%d %H:%M')}")


if __name__ == "__main__":
    main()
