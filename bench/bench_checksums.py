"""What verifying the arrays' checksums (CRC-32) costs when loading a native file.

    python bench/bench_checksums.py [--rows 1000000] [--size 300] [--rounds 5]

Saves one KeyedVectors of rows x size float32 (1M x 300: 1.2 GB) once, then loads it in
interleaved rounds, each way once per round: into memory without and with verification,
memory-mapped without and with verification, and ``verify_file``. The file stays in the page
cache (it was just written), so these are warm-cache times: reading from a cold disk adds the
same I/O time to every way that reads the data. Each round starts with another way. Prints
the medians over the rounds of wall-clock time and of this process's CPU time (user + system,
which other processes on a busy machine disturb less), and each way's CPU time over the plain
in-memory load's, paired by round.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time

import numpy as np

from w2v import KeyedVectors
from w2v.io.container import verify_file


def timed(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process: user + system) of ``function()``."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    del result
    return seconds, cpu_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="w2v-checksums-")
    path = os.path.join(folder, "vectors.w2v")
    kv = KeyedVectors(args.size)
    rng = np.random.default_rng(0)
    kv.vectors = rng.standard_normal((args.rows, args.size), dtype=np.float32)
    kv._set_key_text("\n".join(f"w{i}" for i in range(args.rows)).encode(), args.rows)
    kv.save(path)
    del kv
    gigabytes = os.path.getsize(path) / 1e9
    ways = {
        "load(), verify=False": lambda: KeyedVectors.load(path, verify=False),
        "load() (verify=True, the default)": lambda: KeyedVectors.load(path),
        "load(mmap='r') (verify=False, the default)": lambda: KeyedVectors.load(path, mmap="r"),
        "load(mmap='r', verify=True)": lambda: KeyedVectors.load(path, mmap="r", verify=True),
        "verify_file(path)": lambda: verify_file(path),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    names = list(ways)
    for round_number in range(args.rounds):
        # Each round starts with another way, so that no way always follows the same one.
        for name in names[round_number % len(names):] + names[:round_number % len(names)]:
            times[name].append(timed(ways[name]))
    base = times["load(), verify=False"]
    print(f"{args.rows} x {args.size} float32, file {gigabytes:.2f} GB, warm page cache, {args.rounds} interleaved "
          "rounds\n")
    print("| load | median wall s | median CPU s | CPU s more than load(verify=False), median of paired rounds |")
    print("|---|---|---|---|")
    for name, values in times.items():
        extra = statistics.median(cpu - reference[1] for (_, cpu), reference in zip(values, base))
        print(f"| {name} | {statistics.median(wall for wall, _ in values):.3f} | "
              f"{statistics.median(cpu for _, cpu in values):.3f} | {extra:+.3f} |")
    os.remove(path)
    os.rmdir(folder)


if __name__ == "__main__":
    main()
