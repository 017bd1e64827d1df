#!/usr/bin/env python3
"""Loading and querying word vectors: w2v against gensim, side by side in one run.

Builds a random model (random words, Gaussian float32 vectors, descending counts), saves it
in every format with both libraries, then:

* loads each file in a fresh subprocess and reports the load time (best of ``--repeats``),
  the time to load and answer a first ``most_similar``, the child's peak RSS above its RSS
  after the imports (mapped file pages included), and its private memory (``RssAnon``)
  after the first query: what each extra process costs when the file is memory-mapped;
* times ``most_similar`` on the same vectors: one query at a time, and a batch of
  ``--queries`` words (w2v's ``most_similar_batch``, one matrix product; gensim has no batch
  call, so a loop of single queries).

Files go to ``bench/.data/vectors`` (ignored by git) unless ``--dir`` says otherwise. Only
ratios measured in the same run mean anything on a shared machine. BLAS runs on one thread
(``--blas-threads``) for both libraries: on an oversubscribed machine OpenBLAS's spinning
threads make a small matrix product 20 times slower and the figures meaningless.

Examples
--------
The figures the vectors issue asks for (a few minutes; text saving and gensim's text
loading dominate)::

    nice python bench/bench_vectors.py

A quick smoke run::

    python bench/bench_vectors.py --n 5000 --dim 50 --repeats 1

Analogy evaluation speed too (the question words are planted in the random vocabulary)::

    python bench/bench_vectors.py --kinds native --analogies ../shared/data/eval/questions-words.txt
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, SRC)  # the checkout's w2v, as in the child processes

#: (case name, library, file kind, load options); each runs in its own subprocess.
LOAD_CASES = [
    ("native", "w2v", "native", {}),
    ("native mmap", "w2v", "native", {"mmap": "r"}),
    ("native", "gensim", "native", {}),
    ("native mmap", "gensim", "native", {"mmap": "r"}),
    ("binary", "w2v", "binary", {}),
    ("binary", "gensim", "binary", {}),
    ("text", "w2v", "text", {}),
    ("text", "gensim", "text", {}),
]

CHILD = r"""
import json, sys, time

def status(field):  # kB; per process image, unlike ru_maxrss, which exec inherits from the parent
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field + ":"))

library, path, kind, options = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
if library == "w2v":
    from w2v import KeyedVectors
else:
    from gensim.models import KeyedVectors
baseline, private_baseline = status("VmRSS"), status("RssAnon")
started = time.perf_counter()
if kind == "native":
    kv = KeyedVectors.load(path, **options)
else:
    kv = KeyedVectors.load_word2vec_format(path, binary=kind == "binary")
seconds = time.perf_counter() - started
kv.most_similar(kv.index_to_key[len(kv.index_to_key) // 2], topn=10)
first_query = time.perf_counter() - started
assert kv.vectors.shape[0] == len(kv.index_to_key) > 0
print(json.dumps({"seconds": seconds, "first_query": first_query,
                  "rss_mb": (status("VmHWM") - baseline) / 1024, "peak_mb": status("VmHWM") / 1024,
                  "private_mb": (status("RssAnon") - private_baseline) / 1024}))
"""


def random_model(n: int, dim: int, seed: int):
    """Unique random lowercase words, Gaussian vectors, descending counts."""
    import numpy as np
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    words, seen = [], set()
    while len(words) < n:
        lengths = rng.integers(3, 12, size=n)
        for length in lengths:
            word = letters[rng.integers(0, 26, size=length)].tobytes().decode()
            if word not in seen:
                seen.add(word)
                words.append(word)
                if len(words) == n:
                    break
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    counts = np.arange(n, 0, -1, dtype=np.int64) * 10
    return words, vectors, counts


def save_everything(directory: str, words, vectors, counts, with_text: bool = True) -> dict:
    """Save with both libraries; returns {(library, kind): path} and prints save times."""
    import w2v
    from gensim.models import KeyedVectors as GensimKV
    ours = w2v.KeyedVectors(vectors.shape[1])
    ours.add_vectors(words, vectors, extras={"count": counts})
    theirs = GensimKV(vectors.shape[1])
    theirs.add_vectors(words, vectors)
    theirs.expandos["count"] = counts.copy()  # gensim 4.4's add_vectors(extras=dict) is broken
    paths = {
        ("w2v", "native"): os.path.join(directory, "w2v.kv"),
        ("gensim", "native"): os.path.join(directory, "gensim.kv"),
        ("w2v", "binary"): os.path.join(directory, "vectors.bin"),
        ("gensim", "binary"): os.path.join(directory, "vectors.bin"),
        ("w2v", "text"): os.path.join(directory, "vectors.txt"),
        ("gensim", "text"): os.path.join(directory, "vectors.txt"),
    }
    saves = [
        ("w2v native", lambda: ours.save(paths["w2v", "native"])),
        ("gensim native", lambda: theirs.save(paths["gensim", "native"])),
        ("w2v binary", lambda: ours.save_word2vec_format(paths["w2v", "binary"], binary=True)),
        ("gensim binary", lambda: theirs.save_word2vec_format(os.path.join(directory, "gensim.bin"), binary=True)),
        ("w2v text", lambda: ours.save_word2vec_format(paths["w2v", "text"])),
    ]
    if not with_text:
        saves.pop()
    for name, save in saves:
        started = time.perf_counter()
        save()
        print(f"  saved {name:<14} in {time.perf_counter() - started:6.2f} s", flush=True)
    return paths, ours, theirs


def measure_load(library: str, path: str, kind: str, options: dict, repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = []
    for _ in range(repeats):
        output = subprocess.run([sys.executable, "-c", CHILD, library, path, kind, json.dumps(options)],
                                check=True, capture_output=True, text=True, env=env).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
    return {"seconds": min(run["seconds"] for run in runs),
            "first_query": min(run["first_query"] for run in runs),
            "rss_mb": max(run["rss_mb"] for run in runs),
            "private_mb": max(run["private_mb"] for run in runs)}


def time_queries(ours, theirs, words, n_queries: int, repeats: int) -> dict:
    """Median single-query latency and batch latency, both libraries, same vectors."""
    queries = words[::max(1, len(words) // n_queries)][:n_queries]
    ours.fill_norms()
    theirs.fill_norms()
    for query in queries[:5]:  # same answers (keys) before timing anything
        assert [k for k, _ in ours.most_similar(query)] == [k for k, _ in theirs.most_similar(query)]

    def best_seconds(calls: dict, runs: int) -> dict:
        """Fastest of ``runs`` timings of each call, the calls interleaved so that load
        from other processes hits both libraries alike."""
        times = {name: [] for name in calls}
        for _ in range(runs):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - started)
        return {name: min(values) for name, values in times.items()}

    single = queries[:32]
    result = best_seconds({
        ("single", "w2v"): lambda: [ours.most_similar(q) for q in single],
        ("single", "gensim"): lambda: [theirs.most_similar(q) for q in single],
    }, repeats)
    result = {key: seconds / len(single) for key, seconds in result.items()}
    result.update(best_seconds({
        ("batch", "w2v"): lambda: ours.most_similar_batch(queries),
        ("batch", "gensim"): lambda: [theirs.most_similar(q) for q in queries],
    }, repeats))
    batch = ours.most_similar_batch(queries[:5])
    assert [[k for k, _ in r] for r in batch] == [[k for k, _ in theirs.most_similar(q)] for q in queries[:5]]
    return result


def question_words(path: str) -> list[str]:
    """The distinct words of an analogy file, lower-cased, in first-seen order."""
    words: dict[str, None] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith(":"):
                words.update(dict.fromkeys(word.lower() for word in line.split()))
    return list(words)


def time_analogies(ours, theirs, path: str, directory: str, gensim_questions: int) -> None:
    """w2v's batched evaluation against gensim's per-question loop, on the same vectors.

    gensim answers one question at a time, so it gets only the first ``gensim_questions``
    questions (per-question times are compared, and both must agree on those)."""
    subset = os.path.join(directory, "questions-subset.txt")
    with open(path, encoding="utf-8") as source, open(subset, "w", encoding="utf-8") as out:
        kept = 0
        for line in source:
            if not line.startswith(":"):
                kept += 1
                if kept > gensim_questions:
                    break
            out.write(line)
    started = time.perf_counter()
    score, sections = ours.evaluate_word_analogies(path)
    ours_seconds = time.perf_counter() - started
    total = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
    started = time.perf_counter()
    their_score, their_sections = theirs.evaluate_word_analogies(subset)
    their_seconds = time.perf_counter() - started
    our_subset = ours.evaluate_word_analogies(subset)
    agree = our_subset[1] == their_sections
    their_total = len(their_sections[-1]["correct"]) + len(their_sections[-1]["incorrect"])
    print(f"\nanalogies (3CosAdd, restrict_vocab=300000): w2v {total} questions in {ours_seconds:.2f} s "
          f"({ours_seconds / total * 1000:.3f} ms each); gensim {their_total} questions in {their_seconds:.2f} s "
          f"({their_seconds / their_total * 1000:.3f} ms each): {their_seconds / their_total / (ours_seconds / total):.0f}x; "
          f"same answers on gensim's questions: {agree}")
    started = time.perf_counter()
    ours.evaluate_word_analogies(path, similarity_function="most_similar_cosmul")
    print(f"  w2v 3CosMul, {total} questions: {time.perf_counter() - started:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of words")
    parser.add_argument("--dim", type=int, default=300, help="vector size")
    parser.add_argument("--queries", type=int, default=256, help="queries in the batched measurement")
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs per fast measurement; the best is kept (a shared machine preempts often)")
    parser.add_argument("--dir", default=os.path.join(HERE, ".data", "vectors"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--analogies", help="an analogy file (questions-words.txt): also time evaluation; "
                        "its words are put at the top of the random vocabulary")
    parser.add_argument("--gensim-questions", type=int, default=1000,
                        help="questions gensim answers (it takes one matrix-vector product each)")
    parser.add_argument("--kinds", default="native,binary,text",
                        help="file kinds to load (text is slow: about a minute for gensim)")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (0: the library default)")
    args = parser.parse_args(argv)
    if args.blas_threads:
        # For the children (set before they load BLAS) and for this process (whose BLAS is loaded).
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.blas_threads)
        import numpy  # noqa: F401  (threadpoolctl only limits libraries already loaded)
        from threadpoolctl import threadpool_info, threadpool_limits
        limiter = threadpool_limits(args.blas_threads)  # noqa: F841  (kept for the whole run)
        print("BLAS threads:", sorted({info["num_threads"] for info in threadpool_info()}))
    os.makedirs(args.dir, exist_ok=True)

    print(f"random model: {args.n} words x {args.dim} (float32), files in {args.dir}", flush=True)
    words, vectors, counts = random_model(args.n, args.dim, args.seed)
    if args.analogies:
        planted = question_words(args.analogies)
        rest = set(planted)
        words = planted + [word for word in words if word not in rest][:args.n - len(planted)]
    paths, ours, theirs = save_everything(args.dir, words, vectors, counts, "text" in args.kinds.split(","))
    for name in ("w2v.kv", "gensim.kv", "gensim.kv.vectors.npy", "vectors.bin", "vectors.txt"):
        if os.path.exists(os.path.join(args.dir, name)):
            print(f"  {name:<22} {os.path.getsize(os.path.join(args.dir, name)) / 2**20:8.1f} MiB")

    loads = {}
    kinds = args.kinds.split(",")
    for case, library, kind, options in LOAD_CASES:
        if kind not in kinds:
            continue
        repeats = 1 if kind == "text" else args.repeats
        loads[case, library] = measure_load(library, paths[library, kind], kind, options, repeats)
        print(f"  load {library:<6} {case:<12} {loads[case, library]['seconds']:8.3f} s, with a first query "
              f"{loads[case, library]['first_query']:8.3f} s, {loads[case, library]['rss_mb']:7.1f} MiB",
              flush=True)
    queries = time_queries(ours, theirs, words, args.queries, args.repeats)
    if args.analogies:
        time_analogies(ours, theirs, args.analogies, args.dir, args.gensim_questions)

    print()
    print(f"| measurement ({args.n} x {args.dim}) | w2v | gensim | gensim / w2v |")
    print("|---|---|---|---|")
    for case in [case for case in ("native", "native mmap", "binary", "text") if (case, "w2v") in loads]:
        ours_load, their_load = loads[case, "w2v"], loads[case, "gensim"]
        print(f"| load {case}: time | {ours_load['seconds'] * 1000:.1f} ms | {their_load['seconds'] * 1000:.1f} ms "
              f"| {their_load['seconds'] / ours_load['seconds']:.1f}x |")
        print(f"| load {case} + first most_similar: time | {ours_load['first_query'] * 1000:.1f} ms "
              f"| {their_load['first_query'] * 1000:.1f} ms | {their_load['first_query'] / ours_load['first_query']:.1f}x |")
        print(f"| load {case} + first query: private memory (RssAnon) | {ours_load['private_mb']:.0f} MiB "
              f"| {their_load['private_mb']:.0f} MiB | {their_load['private_mb'] / max(ours_load['private_mb'], 0.1):.1f}x |")
        print(f"| load {case}: peak RSS above imports | {ours_load['rss_mb']:.0f} MiB | {their_load['rss_mb']:.0f} MiB "
              f"| {their_load['rss_mb'] / max(ours_load['rss_mb'], 0.1):.1f}x |")
    for key, label in (("seconds", "time"), ("first_query", "time with a first query")) if "native" in kinds else ():
        ratio = loads["native", "gensim"][key] / loads["native mmap", "w2v"][key]
        print(f"| w2v native mmap vs gensim native (no mmap): {label} | | | {ratio:.1f}x |")
    for kind, label in (("single", "most_similar, 1 query"), ("batch", f"most_similar, {args.queries} queries")):
        ours_t, their_t = queries[kind, "w2v"], queries[kind, "gensim"]
        print(f"| {label} | {ours_t * 1000:.2f} ms | {their_t * 1000:.2f} ms | {their_t / ours_t:.1f}x |")
    print(f"\n(peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
