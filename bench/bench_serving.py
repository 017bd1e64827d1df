#!/usr/bin/env python3
"""Serving neighbour queries: approximate search (``w2v.index.AnnIndex``) against exact search,
and float16 storage against float32, in one run.

For a synthetic model with planted clusters (``--n`` x ``--dim``, generated here, nothing
downloaded) and for a model file (``--model``, e.g. one trained on the dev corpus):

* ``AnnIndex.build`` time (all cores), the index's size on disk, ``AnnIndex.load`` time
  (which checks the file's SHA-256 and the vectors' fingerprint);
* recall@10 of ``most_similar_batch(..., indexer=index)`` against the exact answer, and the
  single-query latency, for a sweep of ``ef_search``;
* single-query latency (``most_similar(key, topn=10)``, p50 and p99) and batched latency
  (``most_similar_batch`` of ``--batch`` keys), exact and approximate alternating query by
  query, so both see the same machine;
* queries per second from 1 and 8 client threads, in rounds that alternate the two.

Queries run with one BLAS thread (and one OpenMP thread for faiss), so the latencies compare
one core against one core; the 8-thread figures show what releasing the GIL buys.

For ``--model``, also float16 storage against float32 (``--analogies`` and ``--pairs`` for
the evaluation sets): file size, resident memory of a memory-mapped load that touches every
row (in a fresh process: RSS and PSS), analogy accuracy and word-pair correlation, how often
``most_similar``'s top 10 is the same, and single-query latency.

Files go to ``bench/.data/serving`` (ignored by git). Only ratios measured in the same run
mean anything on a shared machine.

Examples
--------
The figures of ``bench/results/serving.md`` (the 1M x 300 index took 39 minutes to build on
2 busy cores; the process peaks at about 4 GB)::

    nice python bench/bench_serving.py --model bench/.data/serving/dev-cbow.w2v \\
        --analogies questions-words.txt --pairs wordsim353.tsv

A quick smoke run::

    python bench/bench_serving.py --n 20000 --dim 32 --queries 200 --seconds 0.5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Callable

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, SRC)  # the checkout's w2v, as in the child processes

#: Rows generated at a time (bounds the temporaries of a 1M x 300 model to a few MiB).
GENERATE_ROWS = 1 << 14
K = 10


# ------------------------------------------------------------------ shared with ann_libraries.py

def planted_vectors(n: int, dim: int, seed: int = 1, cluster_size: int = 50) -> np.ndarray:
    """``n`` float32 vectors in clusters of about ``cluster_size`` around random centres.

    Each row is its cluster's centre plus Gaussian noise 0.7 to 1.3 times the centre's scale
    (per cluster), times a log-normal length, as word vectors' lengths vary with frequency.
    Two rows of a cluster then have a cosine of about 1 / (1 + spread²), 0.37 to 0.67, above
    the best of a million unrelated rows (about 0.28 at 300 dimensions): a row's nearest
    neighbours are members of its cluster, in an order set by the noise. With more noise the
    neighbours of the noisiest clusters are chance, the case of random data, which has no
    neighbourhood structure for any index to find (and word vectors do have one).

    Examples
    --------
    >>> planted_vectors(1000, 8).shape
    (1000, 8)
    """
    rng = np.random.default_rng(seed)
    clusters = max(1, n // cluster_size)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    spread = rng.uniform(0.7, 1.3, clusters).astype(np.float32)
    labels = rng.integers(clusters, size=n)
    vectors = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, GENERATE_ROWS):
        rows = labels[start:start + GENERATE_ROWS]
        block = rng.standard_normal((len(rows), dim), dtype=np.float32)
        block *= spread[rows, None]
        block += centres[rows]
        block *= rng.lognormal(0.0, 0.3, len(rows)).astype(np.float32)[:, None]
        vectors[start:start + len(rows)] = block
    return vectors


def exact_top_k(data: np.ndarray, queries: np.ndarray, k: int, block: int = 64) -> np.ndarray:
    """Rows of the ``k`` largest inner products of each query with ``data``, best first."""
    result = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), block):
        scores = queries[start:start + block] @ data.T
        best = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
        result[start:start + block] = np.take_along_axis(best, order, axis=1)
    return result


def recall_at_k(found, truth) -> float:
    """Mean fraction of each row of ``truth`` that the same row of ``found`` holds."""
    return float(np.mean([len(set(list(f)) & set(list(t))) / len(t) for f, t in zip(found, truth)]))


def latencies(search: Callable[[object], object], queries) -> tuple[float, float]:
    """(median, 99th percentile) in seconds of ``search(query)`` over ``queries``, one at a time."""
    times = np.empty(len(queries))
    for i, query in enumerate(queries):
        started = time.perf_counter()
        search(query)
        times[i] = time.perf_counter() - started
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


# ------------------------------------------------------------------ measuring

def interleaved(calls: dict[str, Callable[[object], object]], queries) -> dict[str, np.ndarray]:
    """Seconds of each call on each query, the calls alternating query by query."""
    times = {name: np.empty(len(queries)) for name in calls}
    for i, query in enumerate(queries):
        for name, call in calls.items():
            started = time.perf_counter()
            call(query)
            times[name][i] = time.perf_counter() - started
    return times


def queries_per_second(call: Callable[[object], object], queries: list, threads: int, seconds: float) -> float:
    """Calls completed per second by ``threads`` threads calling back to back for ``seconds``."""
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def client(slot: int) -> None:
        i = slot
        while time.perf_counter() < stop:
            call(queries[i % len(queries)])
            i += threads
            done[slot] += 1
    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - started)


def longest_pause(call: Callable[[], object]) -> tuple[float, float]:
    """(seconds ``call()`` took, longest time another Python thread could not run meanwhile).

    A call that holds the GIL stops every other thread for its whole length; one that
    releases it leaves them running (pauses of a few milliseconds: the scheduler, the
    interpreter's switch interval). Unlike a threads-vs-throughput ratio, this does not
    depend on idle cores.
    """
    done, longest = threading.Event(), [0.0]

    def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            now = time.perf_counter()
            longest[0] = max(longest[0], now - last)
            last = now
    thread = threading.Thread(target=ticker)
    thread.start()
    time.sleep(0.05)
    started = time.perf_counter()
    call()
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    return elapsed, longest[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}" if seconds < 0.1 else f"{seconds * 1e3:.1f}"


def mib(path: str) -> float:
    return os.path.getsize(path) / 2**20


def one_thread():
    from threadpoolctl import threadpool_limits
    return threadpool_limits(1)  # BLAS and OpenMP (faiss's) alike


def ann_section(title: str, kv, args, path: str) -> list[str]:
    """Markdown lines: AnnIndex against exact search on ``kv`` (the index saved at ``path``)."""
    from w2v.index import AnnIndex
    rng = np.random.default_rng(7)
    queries = [kv.index_to_key[i] for i in rng.choice(len(kv), args.queries, replace=False).tolist()]
    kv.fill_norms()
    lines = [f"\n## {title}: {len(kv)} x {kv.vector_size} ({kv.vectors.dtype.name})\n"]
    with one_thread():
        truth = [[key for key, _ in found] for found in kv.most_similar_batch(queries, topn=K)]
    started = time.perf_counter()
    built = AnnIndex.build(kv)
    build = time.perf_counter() - started
    built.save(path)
    del built
    started = time.perf_counter()
    index = AnnIndex.load(path, kv)
    load = time.perf_counter() - started
    lines += [f"{index!r}\n", "| measurement | value |", "|---|---|",
              f"| build (all cores) | {build / 60:.1f} min |",
              f"| index file | {mib(path):.0f} MiB (vectors: {kv.vectors[:len(kv)].nbytes / 2**20:.0f} MiB) |",
              f"| load (SHA-256 of the file, fingerprint of the vectors, faiss mmap) | {load:.2f} s |", ""]
    lines += ["| ef_search | recall@10 | approximate p50 ms | p99 ms |", "|---|---|---|---|"]
    single = queries[:args.latency_queries]
    chosen = index.ef_search
    with one_thread():
        for ef in args.ef:
            index.ef_search = ef
            found = [[key for key, _ in result] for result in kv.most_similar_batch(queries, topn=K, indexer=index)]
            p50, p99 = latencies(lambda key: kv.most_similar(key, topn=K, indexer=index), single)
            lines.append(f"| {ef} | {recall_at_k(found, truth):.4f} | {ms(p50)} | {ms(p99)} |")
        index.ef_search = chosen
        found = [[key for key, _ in result] for result in kv.most_similar_batch(queries, topn=K, indexer=index)]
        recall = recall_at_k(found, truth)
        times = interleaved({"exact": lambda key: kv.most_similar(key, topn=K),
                             "approximate": lambda key: kv.most_similar(key, topn=K, indexer=index)}, single)
        batches = [queries[i:i + args.batch] for i in range(0, len(queries) - args.batch + 1, args.batch)]
        batches = batches[:args.batches]
        batch_times = interleaved({"exact": lambda batch: kv.most_similar_batch(batch, topn=K),
                                   "approximate": lambda batch: kv.most_similar_batch(batch, topn=K, indexer=index)},
                                  batches)
        vectors = np.vstack([kv.get_vector(key, norm=True) for key in queries])
        repeats = max(1, int(0.5 / max(1e-6, np.percentile(times["approximate"], 50) * len(queries))))
        search_call = longest_pause(lambda: index.search(np.tile(vectors, (repeats, 1)), K))
        exact_call = longest_pause(lambda: kv.most_similar_batch(queries[:args.batch], topn=K))
        rates = {(name, threads): [] for name in ("exact", "approximate") for threads in (1, 8)}
        calls = {"exact": lambda key: kv.most_similar(key, topn=K),
                 "approximate": lambda key: kv.most_similar(key, topn=K, indexer=index)}
        for _ in range(args.rounds):
            for (name, threads), rate in rates.items():
                rate.append(queries_per_second(calls[name], queries, threads, args.seconds))
    p50 = {name: np.percentile(t, 50) for name, t in times.items()}
    lines += ["", f"Default ef_search={chosen}: recall@10 {recall:.4f} over {len(queries)} queries; "
              f"latencies over {len(single)} single queries and {len(batches)} batches of {args.batch}, "
              "exact and approximate alternating.", "",
              "| | exact | approximate | exact / approximate |", "|---|---|---|---|",
              f"| single query p50 ms | {ms(p50['exact'])} | {ms(p50['approximate'])} | "
              f"{p50['exact'] / p50['approximate']:.0f}x |",
              f"| single query p99 ms | {ms(np.percentile(times['exact'], 99))} | "
              f"{ms(np.percentile(times['approximate'], 99))} | |"]
    for q in (50, 99):
        exact, approximate = (np.percentile(batch_times[name], q) for name in ("exact", "approximate"))
        lines.append(f"| batch of {args.batch} p{q} ms | {ms(exact)} | {ms(approximate)} | {exact / approximate:.0f}x |")
    for threads in (1, 8):
        exact, approximate = (np.median(rates[name, threads]) for name in ("exact", "approximate"))
        lines.append(f"| queries/s, {threads} client thread{'s' if threads > 1 else ''} | {exact:.1f} | "
                     f"{approximate:.0f} | |")
    scaling = {name: np.median(np.array(rates[name, 8]) / np.array(rates[name, 1])) for name in calls}
    lines.append(f"| 8 threads / 1 thread (median of {args.rounds} paired rounds) | {scaling['exact']:.2f} | "
                 f"{scaling['approximate']:.2f} | |")
    lines.append(f"| longest pause of another Python thread during one batched call (GIL held?) | "
                 f"{ms(exact_call[1])} of {ms(exact_call[0])} ms | {ms(search_call[1])} of {ms(search_call[0])} ms | |")
    return lines


# ------------------------------------------------------------------ float16

CHILD = r"""
import json, os, sys, time
from w2v import KeyedVectors

def rollup():
    with open("/proc/self/smaps_rollup") as handle:
        return {line.split(":")[0]: int(line.split()[1]) for line in handle if line.split()[-1] == "kB"}

def mapped(path):  # kB of the file's pages resident in this process's mappings of it
    total, inside = 0, False
    with open("/proc/self/smaps") as handle:
        for line in handle:
            fields = line.split()
            if "-" in fields[0] and ":" not in fields[0]:
                inside = fields[-1] == path
            elif inside and fields[0] == "Rss:":
                total += int(fields[1])
    return total

path = os.path.realpath(sys.argv[1])
before = rollup()
kv = KeyedVectors.load(path, mmap="r")
kv.fill_norms()  # reads every row
kv.most_similar(kv.index_to_key[0], topn=10)
after = rollup()
print(json.dumps({"file": mapped(path), **{field: after[field] - before[field] for field in ("Rss", "Pss")}}))
"""


MEMORY_FIELDS = (("file", "resident pages of the mapped file after reading every row, MiB"),
                 ("Rss", "RSS the process gained (vectors, norms, keys as Python objects), MiB"),
                 ("Pss", "PSS the process gained, MiB"))


def resident(path: str) -> dict:
    """Memory a fresh process adds by loading ``path`` memory-mapped and reading every row (kB)."""
    result = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": SRC})
    return json.loads(result.stdout)


def int8_round_trip(kv):
    """``kv`` with each row quantised to int8 with its own scale (max |value| / 127) and back."""
    from w2v import KeyedVectors
    vectors = kv.vectors[:len(kv)].astype(np.float32)
    scale = np.abs(vectors).max(axis=1, keepdims=True) / 127
    quantised = np.round(vectors / np.where(scale > 0, scale, 1)).astype(np.int8)
    simulated = KeyedVectors(kv.vector_size)
    simulated.add_vectors(kv.index_to_key, quantised.astype(np.float32) * scale)
    return simulated


def float16_section(model: str, args, folder: str) -> list[str]:
    from w2v import KeyedVectors
    full_path, half_path = os.path.join(folder, "float32.kv"), os.path.join(folder, "float16.kv")
    KeyedVectors.load(model).save(full_path)
    KeyedVectors.load(full_path).save(half_path, dtype="float16")
    full, half = KeyedVectors.load(full_path, mmap="r"), KeyedVectors.load(half_path, mmap="r")
    memory = {name: [resident(path) for _ in range(args.rounds)]
              for name, path in (("float32", full_path), ("float16", half_path))}
    lines = [f"\n## float16 storage: {os.path.basename(model)}, {len(full)} x {full.vector_size}\n",
             "| | float32 | float16 | float16 / float32 |", "|---|---|---|---|",
             f"| file MiB | {mib(full_path):.1f} | {mib(half_path):.1f} | {mib(half_path) / mib(full_path):.3f} |"]
    for field, label in MEMORY_FIELDS:
        values = [np.median([m[field] for m in memory[name]]) / 1024 for name in ("float32", "float16")]
        lines.append(f"| {label} | {values[0]:.1f} | {values[1]:.1f} | {values[1] / values[0]:.3f} |")
    if args.analogies or args.pairs:
        variants = {"float32": full, "float16": half, "int8 per-row scale (simulated)": int8_round_trip(full)}
        scores = {}
        for name, kv in variants.items():
            analogy = kv.evaluate_word_analogies(args.analogies)[0] * 100 if args.analogies else float("nan")
            spearman = kv.evaluate_word_pairs(args.pairs)[1][0] if args.pairs else float("nan")
            scores[name] = (analogy, spearman)
        lines += ["", "| vectors | analogy accuracy % | change (points) | WordSim-353 Spearman | change |",
                  "|---|---|---|---|---|"]
        for name, (analogy, spearman) in scores.items():
            lines.append(f"| {name} | {analogy:.2f} | {analogy - scores['float32'][0]:+.2f} | {spearman:.4f} | "
                         f"{spearman - scores['float32'][1]:+.4f} |")
    rng = np.random.default_rng(11)
    queries = [full.index_to_key[i] for i in rng.choice(len(full), min(args.agreement, len(full)),
                                                          replace=False).tolist()]
    with one_thread():
        ours = [[key for key, _ in r] for r in half.most_similar_batch(queries, topn=K)]
        theirs = [[key for key, _ in r] for r in full.most_similar_batch(queries, topn=K)]
        times = interleaved({"float32": lambda key: full.most_similar(key, topn=K),
                             "float16": lambda key: half.most_similar(key, topn=K)}, queries[:args.latency_queries])
    same_set = np.mean([set(a) == set(b) for a, b in zip(ours, theirs)])
    same_order = np.mean([a == b for a, b in zip(ours, theirs)])
    p50 = {name: np.percentile(t, 50) for name, t in times.items()}
    lines += ["", f"most_similar top 10 over {len(queries)} random words: the same 10 words in "
              f"{same_set * 100:.2f} % of queries, in the same order in {same_order * 100:.2f} %; "
              f"recall@10 of float16 against float32 {recall_at_k(ours, theirs):.4f}.", "",
              "| exact single query (mmap, 1 thread) | float32 | float16 | float16 / float32 |", "|---|---|---|---|",
              f"| p50 ms | {ms(p50['float32'])} | {ms(p50['float16'])} | {p50['float16'] / p50['float32']:.2f} |"]
    return lines


def float16_synthetic(kv, full_path: str, args) -> list[str]:
    """Memory and exact single-query latency of the big synthetic model stored as float32 and as float16."""
    from w2v import KeyedVectors
    paths = {"float32": full_path, "float16": full_path.replace(".kv", "-float16.kv")}
    kv.save(paths["float32"])
    kv.save(paths["float16"], dtype="float16")
    memory = {name: resident(path) for name, path in paths.items()}
    loaded = {name: KeyedVectors.load(path, mmap="r") for name, path in paths.items()}
    for model in loaded.values():
        model.fill_norms()
    queries = kv.index_to_key[:args.float16_queries]
    with one_thread():
        times = interleaved({name: (lambda key, model=model: model.most_similar(key, topn=K))
                             for name, model in loaded.items()}, queries)
    p50 = {name: np.percentile(t, 50) for name, t in times.items()}
    os.remove(paths["float16"])  # the float32 file stays, for bench_service.py --synthetic
    lines = ["\n## float16 storage: the synthetic model\n", "| | float32 | float16 | float16 / float32 |",
             "|---|---|---|---|"]
    for field, label in MEMORY_FIELDS:
        values = [memory[name][field] / 1024 for name in ("float32", "float16")]
        lines.append(f"| {label} | {values[0]:.1f} | {values[1]:.1f} | {values[1] / values[0]:.3f} |")
    lines.append(f"| exact single query p50 ms (mmap, 1 thread, {len(queries)} queries alternating) | "
                 f"{ms(p50['float32'])} | {ms(p50['float16'])} | {p50['float16'] / p50['float32']:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows of the synthetic model (0: none)")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--model", help="a w2v vectors file (e.g. trained on the dev corpus)")
    parser.add_argument("--analogies", help="questions-words.txt, for the float16 comparison")
    parser.add_argument("--pairs", help="wordsim353.tsv, for the float16 comparison")
    parser.add_argument("--queries", type=int, default=1000, help="queries for recall")
    parser.add_argument("--latency-queries", type=int, default=200, help="single queries timed")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each queries/s window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ef", type=lambda text: [int(x) for x in text.split(",")], default=[32, 64, 128, 256])
    parser.add_argument("--agreement", type=int, default=5000, help="queries for the float16 top-10 agreement")
    parser.add_argument("--float16-queries", type=int, default=30, help="float16 single queries on the synthetic model")
    parser.add_argument("--dir", default=os.path.join(HERE, ".data", "serving"))
    args = parser.parse_args(argv)
    os.makedirs(args.dir, exist_ok=True)
    import faiss
    from w2v import KeyedVectors, show_config
    print(f"# bench/bench_serving.py, {time.strftime('%Y-%m-%d')}, faiss {faiss.__version__}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    show_config()
    if args.n:
        started = time.perf_counter()
        kv = KeyedVectors(args.dim, count=args.n)
        kv.add_vectors([f"w{i}" for i in range(args.n)], planted_vectors(args.n, args.dim))
        print(f"\n(generated in {time.perf_counter() - started:.0f} s)")
        stem = os.path.join(args.dir, f"synthetic-{args.n}x{args.dim}")
        print("\n".join(ann_section("Synthetic planted clusters", kv, args, stem + ".ann")), flush=True)
        print("\n".join(float16_synthetic(kv, stem + ".kv", args)), flush=True)
        del kv
    if args.model:
        index = os.path.join(args.dir, os.path.basename(args.model).rsplit(".", 1)[0] + ".ann")
        print("\n".join(ann_section(f"Model {os.path.basename(args.model)}", KeyedVectors.load(args.model),
                                    args, index)), flush=True)
        print("\n".join(float16_section(args.model, args, args.dir)), flush=True)


if __name__ == "__main__":
    main()
