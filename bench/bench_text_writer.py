#!/usr/bin/env python3
"""Speed of writing the C tool's text format: w2v's C formatter against ``str()`` per number.

Times are CPU seconds of this (single-threaded) process, which other jobs on a shared
machine do not inflate as much as wall-clock time. The reference is the writer w2v had before (``" ".join(map(str, row))`` per line, which is
also what gensim does with ``repr``), run here on the same vectors; every round writes the
same matrix with each variant, in an order that alternates between rounds, and the binary
format gives the floor. The script checks that the text files are byte-identical.

Examples
--------
::

    python bench/bench_text_writer.py --words 100000 --size 300 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from w2v import KeyedVectors
from w2v.io.files import atomic_write


def reference_text(kv: KeyedVectors, path: str) -> None:
    """The former writer: str() of every float32, joined in Python."""
    with atomic_write(path) as out:
        out.write(f"{len(kv)} {kv.vector_size}\n".encode("ascii"))
        for start in range(0, len(kv), 1024):
            keys = kv.index_to_key[start:start + 1024]
            out.write("".join(f"{key} {' '.join(map(str, vector))}\n"
                              for key, vector in zip(keys, kv.vectors[start:start + 1024])).encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gensim", action="store_true", help="also time gensim's save_word2vec_format")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    kv = KeyedVectors(args.size)
    kv.add_vectors([f"word{i}" for i in range(args.words)],
                   (rng.standard_normal((args.words, args.size)) * 0.3).astype(np.float32))
    folder = tempfile.mkdtemp()
    variants = {
        "text, str() per number (before)": lambda path: reference_text(kv, path),
        "text, w2v (C formatter)": lambda path: kv.save_word2vec_format(path, sort_attr="none"),
        "binary, w2v": lambda path: kv.save_word2vec_format(path, binary=True, sort_attr="none"),
    }
    if args.gensim:
        from gensim.models import KeyedVectors as GensimKeyedVectors
        theirs = GensimKeyedVectors(args.size)
        theirs.add_vectors(kv.index_to_key, kv.vectors)
        variants["text, gensim"] = lambda path: theirs.save_word2vec_format(path)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(args.rounds):
        for name in names if round_number % 2 == 0 else names[::-1]:
            path = os.path.join(folder, name.split(",")[0] + str(names.index(name)))
            started = time.process_time()  # CPU seconds: steady on a machine shared with other jobs
            variants[name](path)
            seconds[name].append(time.process_time() - started)
    before, after = (os.path.join(folder, "text" + str(i)) for i in (0, 1))
    with open(before, "rb") as a, open(after, "rb") as b:
        identical = a.read() == b.read()
    print(f"{args.words} x {args.size} float32, {args.rounds} rounds; text files byte-identical: {identical}")
    print("| variant | median CPU s | min CPU s | vs before |")
    print("|---|---|---|---|")
    reference = statistics.median(seconds[names[0]])
    for name in names:
        median = statistics.median(seconds[name])
        print(f"| {name} | {median:.2f} | {min(seconds[name]):.2f} | {reference / median:.1f}x |")


if __name__ == "__main__":
    main()
