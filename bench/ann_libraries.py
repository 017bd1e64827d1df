#!/usr/bin/env python3
"""Which approximate-neighbour library ``w2v.index.AnnIndex`` uses: hnswlib, faiss-cpu, pynndescent.

Each library indexes the same unit-length vectors for inner-product (= cosine) search, one
library at a time in this process, and is measured on the same queries:

* build time (all cores), size of the saved index (for pynndescent, which has no format of
  its own, the size of its pickle), and load time;
* recall@10 against exact search, and the single-query latency (median and 99th
  percentile), for a sweep of the search-effort parameter (HNSW's ``ef``, pynndescent's
  ``epsilon``);
* whether the GIL is held during search: the longest time another Python thread was
  stopped while one search call of about half a second ran (``longest_pause``);
* queries per second from 1 and from 8 client threads at the first setting that reaches
  recall 0.95 (medians of 3 rounds that alternate the two, and the median of the paired
  ratios): with the GIL released during search, 8 threads use every core; with the GIL
  held, they are no faster than 1.

The vectors are ``bench_serving``'s synthetic model with planted clusters (``--n`` rows) or a
model file (``--model``). Nothing is downloaded. The libraries are installed by hand for this
comparison (``pip install hnswlib faiss-cpu pynndescent``); a missing one is skipped.

Examples
--------
The comparison in the serving guide (a few minutes per library)::

    nice python bench/ann_libraries.py --n 200000
    nice python bench/ann_libraries.py --model bench/.data/serving/dev-cbow.w2v
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle  # only to measure pynndescent's one way of saving an index; w2v never unpickles
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
sys.path.insert(0, HERE)

from bench_serving import (exact_top_k, latencies, longest_pause, planted_vectors,  # noqa: E402
                           queries_per_second, recall_at_k)

K = 10
#: Paired rounds of the 1- and 8-thread queries/s.
ROUNDS = 3


class Hnswlib:
    name = "hnswlib"

    def __init__(self, data: np.ndarray, threads: int):
        import hnswlib
        self.index = hnswlib.Index(space="ip", dim=data.shape[1])
        self.index.init_index(max_elements=len(data), M=16, ef_construction=100, random_seed=1)
        self.index.add_items(data, np.arange(len(data)), num_threads=threads)
        self.index.set_num_threads(1)

    def set_effort(self, ef: float) -> None:
        self.index.set_ef(int(ef))

    def search(self, queries: np.ndarray) -> np.ndarray:
        return self.index.knn_query(queries, k=K, num_threads=1)[0]

    def save(self, path: str) -> None:
        self.index.save_index(path)

    @staticmethod
    def load(path: str, dim: int) -> object:
        import hnswlib
        index = hnswlib.Index(space="ip", dim=dim)
        index.load_index(path)
        return index


class Faiss:
    name = "faiss-cpu"

    def __init__(self, data: np.ndarray, threads: int):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.index = faiss.IndexHNSWFlat(data.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = 100
        self.index.add(data)
        faiss.omp_set_num_threads(1)  # single queries: no OpenMP team per call
        self.params = None

    def set_effort(self, ef: float) -> None:
        import faiss
        self.params = faiss.SearchParametersHNSW(efSearch=int(ef))

    def search(self, queries: np.ndarray) -> np.ndarray:
        return self.index.search(queries, K, params=self.params)[1]

    def save(self, path: str) -> None:
        import faiss
        faiss.write_index(self.index, path)

    @staticmethod
    def load(path: str, dim: int) -> object:
        import faiss
        return faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC)


class Pynndescent:
    name = "pynndescent"

    def __init__(self, data: np.ndarray, threads: int):
        import pynndescent
        self.index = pynndescent.NNDescent(data, metric="dot", random_state=1, n_jobs=threads)
        self.index.prepare()
        self.epsilon = 0.1

    def set_effort(self, epsilon: float) -> None:
        self.epsilon = epsilon

    def search(self, queries: np.ndarray) -> np.ndarray:
        return self.index.query(queries, k=K, epsilon=self.epsilon)[0]

    def save(self, path: str) -> None:
        with open(path, "wb") as handle:
            pickle.dump(self.index, handle, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def load(path: str, dim: int) -> object:
        with open(path, "rb") as handle:
            return pickle.load(handle)


LIBRARIES = {"hnswlib": (Hnswlib, [16, 32, 64, 128]), "faiss-cpu": (Faiss, [16, 32, 64, 128]),
             "pynndescent": (Pynndescent, [0.0, 0.1, 0.2, 0.3])}


def measure(name: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray, threads: int) -> list[str]:
    cls, efforts = LIBRARIES[name]
    started = time.perf_counter()
    try:
        built = cls(data, threads)
    except ImportError as error:
        return [f"| {name} | not installed ({error}) |"]
    build = time.perf_counter() - started
    built.set_effort(efforts[0])
    built.search(queries[:2])  # JIT compilation (pynndescent) is not search time
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "index")
        built.save(path)
        size = os.path.getsize(path)
        started = time.perf_counter()
        cls.load(path, data.shape[1])
        load = time.perf_counter() - started
    rows, chosen = [], None
    for effort in efforts:
        built.set_effort(effort)
        found = np.vstack([built.search(query[None, :]) for query in queries])
        recall = recall_at_k(found, truth)
        p50, p99 = latencies(lambda query: built.search(query[None, :]), queries[:300])
        rows.append(f"| {name} | {effort:g} | {recall:.4f} | {p50 * 1e3:.3f} | {p99 * 1e3:.3f} |")
        if chosen is None and recall >= 0.95:
            chosen = effort
    built.set_effort(chosen if chosen is not None else efforts[-1])
    rates = {1: [], 8: []}
    for _ in range(ROUNDS):  # 1 and 8 threads alternate, so both see the same machine
        for threads, rate in rates.items():
            rate.append(queries_per_second(lambda query: built.search(query[None, :]), queries, threads, 2.0))
    one, eight = np.median(rates[1]), np.median(rates[8])
    ratio = np.median(np.array(rates[8]) / np.array(rates[1]))
    repeats = max(1, int(0.5 / max(1e-4, len(queries) / one)))  # one search call of about half a second
    elapsed, pause = longest_pause(lambda: built.search(np.tile(queries, (repeats, 1))))
    summary = (f"| {name} | {build:.1f} | {size / 2**20:.1f} | {load:.2f} | "
               f"{chosen if chosen is not None else '-'} | {one:.0f} | {eight:.0f} | {ratio:.2f} | "
               f"{pause * 1e3:.0f} ms of {elapsed * 1e3:.0f} ms |")
    built = None  # free the index before the next library builds its own
    gc.collect()
    return [summary] + rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="rows of the synthetic model")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--model", help="a w2v vectors file instead of the synthetic model")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="build threads")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    args = parser.parse_args(argv)
    if args.model:
        from w2v import KeyedVectors
        data = KeyedVectors.load(args.model).get_normed_vectors().astype(np.float32)
        what = f"{args.model}: {data.shape[0]} x {data.shape[1]}"
    else:
        data = planted_vectors(args.n, args.dim, seed=1)
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        what = f"synthetic planted clusters: {args.n} x {args.dim}"
    rng = np.random.default_rng(7)
    queries = np.ascontiguousarray(data[rng.choice(len(data), args.queries, replace=False)])
    truth = exact_top_k(data, queries, K)
    print(f"# {what}, {args.queries} queries, k={K}, build threads {args.threads}\n")
    summaries, sweeps = [], []
    for name in args.libraries.split(","):
        lines = measure(name, data, queries, truth, args.threads)
        summaries.append(lines[0])
        sweeps.extend(lines[1:])
        print(lines[0], flush=True)
    print("\n| library | build s | index MiB | load s | effort for recall >= 0.95 | q/s 1 thread "
          "| q/s 8 threads | 8 / 1 (paired) | longest pause of another thread during one search call |"
          "\n|---|---|---|---|---|---|---|---|---|")
    print("\n".join(summaries))
    print("\n| library | ef / epsilon | recall@10 | p50 ms | p99 ms |\n|---|---|---|---|---|")
    print("\n".join(sweeps))


if __name__ == "__main__":
    main()
