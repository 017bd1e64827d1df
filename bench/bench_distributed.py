#!/usr/bin/env python3
"""Distributed training against one node: quality, speed, and a model of scaling.

Three parts, each optional:

``--quality``
    Analogy accuracy (3CosAdd, 300k most frequent words, gensim's protocol) and WS-353
    Spearman of models trained on one node (``Word2Vec(corpus_file=..., workers=1)``) and by
    ``w2v.distributed`` with P = 2, 4, 8 processes of 1 thread (``mpiexec -n P``), seed by
    seed, every configuration once per seed in turn (interleaved), each run in its own
    processes. Differences are paired by seed: mean ± s.e.
``--speed``
    Words/s of 1 process x 2 threads against 2 processes x 1 thread (MPI), in alternating
    pairs; the ratio per pair, and its median.
``--model``
    Efficiency predicted for P = 2..64 nodes on 10 and 25 Gb/s networks for a model of
    V x d (default 1M x 300): compute time per chunk measured here (one thread's words/s,
    times the threads per node), synchronisation time from a ring allreduce,
    2 (P - 1) / P x synced bytes / bandwidth, with every assumption printed.

Examples
--------
::

    python bench/bench_distributed.py --corpus dev.txt --analogies questions-words.txt \\
        --pairs wordsim353.tsv --quality --seeds 3 --processes 2,4,8 --modes cbow,sg
    python bench/bench_distributed.py --corpus dev.txt --speed --rounds 5
    python bench/bench_distributed.py --corpus dev.txt --model
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

MODES = {"cbow": dict(sg=0, hs=0, negative=5), "sg": dict(sg=1, hs=0, negative=5)}
COMMON = dict(vector_size=100, window=5, min_count=5, sample=1e-3, epochs=5)

CHILD = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
import w2v, w2v.distributed
started = time.perf_counter()
if spec["processes"] == 0:
    model = w2v.Word2Vec(corpus_file=spec["corpus"], **spec["params"])
else:
    model = w2v.distributed.train(spec["corpus"], backend="mpi", **spec["distributed"], **spec["params"])
seconds = time.perf_counter() - started
rank = 0
if spec["processes"]:
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.rank
if rank == 0:
    result = {"seconds": seconds, "train_seconds": sum(s.seconds for s in model.epoch_stats),
              "words": sum(s.raw_words for s in model.epoch_stats)}
    if spec.get("analogies"):
        result["analogy"] = model.wv.evaluate_word_analogies(spec["analogies"])[0]
    if spec.get("pairs"):
        result["ws353"] = model.wv.evaluate_word_pairs(spec["pairs"])[1][0]
    print("RESULT " + json.dumps(result), flush=True)
"""


def run(spec: dict) -> dict:
    """One training run in fresh processes (``mpiexec -n P`` for P > 0); its RESULT line."""
    command = [sys.executable, "-c", CHILD, json.dumps(spec)]
    if spec["processes"]:
        command = [shutil.which("mpiexec") or "mpiexec", "-n", str(spec["processes"])] + command
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"run failed ({spec['processes']} processes):\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def mean_se(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:+.3f}" if values else "n/a"
    return f"{statistics.fmean(values):+.3f} ± {statistics.stdev(values) / math.sqrt(len(values)):.3f}"


def quality(args: argparse.Namespace) -> None:
    processes = [int(p) for p in args.processes.split(",")]
    distributed = dict(sync_words=args.sync_words, hot_rows=args.hot_rows)
    print(f"\n## Quality: {args.corpus}, {COMMON['epochs']} epochs, 1 thread per process; "
          f"sync_words={args.sync_words}, hot_rows={args.hot_rows}\n")
    for mode in args.modes.split(","):
        params = dict(COMMON, **MODES[mode], workers=1, epochs=args.epochs)
        rows = {p: [] for p in [0] + processes}
        for seed in range(1, args.seeds + 1):
            for p in [0] + processes:  # every configuration once per seed, in turn
                spec = {"processes": p, "corpus": args.corpus, "params": dict(params, seed=seed),
                        "distributed": distributed, "analogies": args.analogies, "pairs": args.pairs}
                rows[p].append(run(spec))
                print(f"  {mode} seed {seed} P={p}: analogy {rows[p][-1].get('analogy', float('nan')):.4f} "
                      f"ws353 {rows[p][-1].get('ws353', float('nan')):.4f} ({rows[p][-1]['seconds']:.0f} s)",
                      file=sys.stderr, flush=True)
        print(f"| {mode} | analogy (%) | Δ analogy vs one node (points) | WS-353 ρ | Δ WS-353 |")
        print("|---|---|---|---|---|")
        for p in [0] + processes:
            analogy = [100 * r["analogy"] for r in rows[p]]
            ws = [r["ws353"] for r in rows[p]]
            delta_a = [a - b for a, b in zip(analogy, (100 * r["analogy"] for r in rows[0]))]
            delta_w = [a - b for a, b in zip(ws, (r["ws353"] for r in rows[0]))]
            name = "one node" if p == 0 else f"{p} processes"
            print(f"| {name} | {statistics.fmean(analogy):.2f} | {mean_se(delta_a) if p else ''} | "
                  f"{statistics.fmean(ws):.4f} | {mean_se(delta_w) if p else ''} |")
        print()


def speed(args: argparse.Namespace) -> None:
    print(f"\n## Speed: {args.corpus}, 1 epoch, cbow and sg, negative sampling; words/s (training only)\n")
    print("| mode | round | 1 process x 2 threads | 2 processes x 1 thread | ratio |")
    print("|---|---|---|---|---|")
    distributed = dict(sync_words=args.sync_words, hot_rows=args.hot_rows)
    for mode in args.modes.split(","):
        params = dict(COMMON, **MODES[mode], epochs=1)
        ratios = []
        for round_number in range(1, args.rounds + 1):
            single = {"processes": 0, "corpus": args.corpus, "params": dict(params, workers=2)}
            double = {"processes": 2, "corpus": args.corpus, "params": dict(params, workers=1),
                      "distributed": distributed}
            order = (single, double) if round_number % 2 else (double, single)
            speeds = {}
            for spec in order:
                result = run(spec)
                speeds[spec["processes"]] = result["words"] / result["train_seconds"]
            ratios.append(speeds[2] / speeds[0])
            print(f"| {mode} | {round_number} | {speeds[0]:,.0f} | {speeds[2]:,.0f} | {ratios[-1]:.3f} |", flush=True)
        print(f"| {mode} | median | | | **{statistics.median(ratios):.3f}** |")


def scaling_model(args: argparse.Namespace) -> None:
    """Predicted efficiency of P nodes: compute against what exchanging changes costs it.

    The exchange thread overlaps training, so an exchange costs the training threads only
    the time it runs past the next one's words (they wait, bounded staleness), plus the CPU
    the exchange thread takes from them; the whole model is exchanged at each epoch's end,
    with training stopped.
    """
    from w2v.distributed.sync import (EXCHANGE_TIME_SHARE, EXCHANGES_PER_EPOCH, MAX_SYNC_WORDS, MIN_SYNC_WORDS,
                                      SyncSchedule, auto_sync_words)
    params = dict(COMMON, **MODES["sg"], workers=1, epochs=1)
    measured = run({"processes": 0, "corpus": args.corpus, "params": params})
    thread_rate = measured["words"] / measured["train_seconds"]
    per_thread = thread_rate * 100 / args.dim  # the kernels' work is linear in d
    node_rate = per_thread * args.threads * args.thread_efficiency
    bytes_per_row = args.dim * 4 * 2  # input and output matrices (negative sampling)
    copy_bandwidth = args.memory_gbytes * 1e9  # the exchange thread's own passes over the rows
    print(f"\n## Scaling model: skip-gram, negative 5, a {args.vocab:,} x {args.dim} model, "
          f"{args.epoch_words:.3g} words per epoch\n")
    print("Assumptions:")
    print(f"- one thread: {thread_rate:,.0f} words/s at d=100, measured here (sg, {os.path.basename(args.corpus)}); "
          f"{per_thread:,.0f} words/s at d={args.dim}, cost linear in d")
    print(f"- {args.threads} threads per node at {args.thread_efficiency:.0%} parallel efficiency: "
          f"{node_rate:,.0f} words/s per node, one process per node")
    print(f"- exchanges: sync_words at its default's floor (about {EXCHANGES_PER_EPOCH} per process and epoch, "
          f"{MIN_SYNC_WORDS:,} to {MAX_SYNC_WORDS:,} words; the interval grows only where exchanging "
          f"takes more than {EXCHANGE_TIME_SHARE:.0%} of the time, so this is the most exchanging case), "
          f"hot_rows={args.hot_rows} with pWord2Vec's doubling schedule; input and output rows, float32")
    print(f"- network: ring allreduce, 2 (P-1)/P of the bytes at the link's bandwidth, "
          f"{args.latency_ms} ms latency per exchange; the exchange thread reads and writes the rows "
          f"{4} times at {args.memory_gbytes} GB/s")
    print("- the whole model is exchanged at each epoch's end with training stopped")
    print()
    print("| nodes | sync_words | rows per exchange (mean) | compute per exchange | exchange, 10 Gb/s | "
          "efficiency, 10 Gb/s | exchange, 25 Gb/s | efficiency, 25 Gb/s |")
    print("|---|---|---|---|---|---|---|---|")
    for nodes in (2, 4, 8, 16, 32, 64):
        sync_words = auto_sync_words(int(args.epoch_words), nodes)
        exchanges = max(1, int(args.epoch_words / (nodes * sync_words)))
        schedule = SyncSchedule(args.hot_rows, args.vocab)
        mean_rows = sum(schedule.rows(t) for t in range(1, exchanges + 1)) / exchanges
        compute = sync_words / node_rate
        cells = [f"{sync_words:,}", f"{mean_rows:,.0f}", f"{compute * 1000:.0f} ms"]
        for gbits in (10, 25):
            factor = 2 * (nodes - 1) / nodes
            wire = factor * mean_rows * bytes_per_row / (gbits * 1e9 / 8) + args.latency_ms / 1000
            cpu = 4 * mean_rows * bytes_per_row / copy_bandwidth
            exchange = wire + cpu
            stall = max(0.0, exchange - compute)  # the training threads wait beyond one exchange's words
            thread_share = cpu / compute / args.threads  # the exchange thread's CPU, taken from the workers
            epoch_compute = exchanges * compute
            full = factor * args.vocab * bytes_per_row / (gbits * 1e9 / 8) + 4 * args.vocab * bytes_per_row / copy_bandwidth
            total = epoch_compute * (1 + thread_share) + exchanges * stall + full
            cells += [f"{exchange * 1000:.1f} ms", f"{epoch_compute / total:.1%}"]
        print(f"| {nodes} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--analogies")
    parser.add_argument("--pairs")
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--model", action="store_true")
    parser.add_argument("--modes", default="cbow,sg")
    parser.add_argument("--processes", default="2,4,8")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sync-words", type=int, default=None, help="default: w2v.distributed's own")
    parser.add_argument("--hot-rows", type=int, default=256)
    # The scaling model's assumptions.
    parser.add_argument("--vocab", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--thread-efficiency", type=float, default=0.85)
    parser.add_argument("--epoch-words", type=float, default=10e9)
    parser.add_argument("--latency-ms", type=float, default=0.5)
    parser.add_argument("--memory-gbytes", type=float, default=10.0)
    args = parser.parse_args()
    print(f"# bench_distributed, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    if args.quality:
        quality(args)
    if args.speed:
        speed(args)
    if args.model:
        scaling_model(args)


if __name__ == "__main__":
    main()
