#!/usr/bin/env python3
"""The example service (``examples/neighbours_service.py``) under load: latency and memory per process.

For each model file (and with ``--index``, also answering from the model's ``AnnIndex``),
starts the service with ``--workers`` forked workers on a free port of 127.0.0.1, sends
``--requests`` ``/similar?word=...&topn=10`` requests for random words from ``--clients``
threads (a new connection each, as the service speaks HTTP/1.0), and reports:

* request latency seen by the client (p50, p99) and requests per second;
* memory of the parent and of each worker from ``/proc/PID/smaps_rollup`` after the load:
  RSS (counts shared pages in full in every process), PSS (shared pages divided among the
  processes that map them: the sum over processes is the real total) and USS (private pages,
  what each extra worker costs), and how much of the RSS is the mapped model file.

Only traffic to 127.0.0.1, bounded in count and time; the service is stopped at the end.

Examples
--------
::

    python bench/bench_service.py bench/.data/serving/float32.kv bench/.data/serving/float16.kv
    python bench/bench_service.py --synthetic 1000000 --index   # generates and indexes the 1M x 300 model
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))
SERVICE = os.path.join(ROOT, "examples", "neighbours_service.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def memory(pid: int, files: list[str]) -> dict[str, float]:
    """MiB of a process: RSS, PSS, USS (private) and the resident pages of the mapped ``files``."""
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        fields = {line.split(":")[0]: int(line.split()[1]) for line in handle if line.split()[-1] == "kB"}
    mapped, inside = 0, False
    with open(f"/proc/{pid}/smaps") as handle:
        for line in handle:
            parts = line.split()
            if "-" in parts[0] and ":" not in parts[0]:
                inside = parts[-1] in files
            elif inside and parts[0] == "Rss:":
                mapped += int(parts[1])
    return {"rss": fields["Rss"] / 1024, "pss": fields["Pss"] / 1024,
            "uss": (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024, "model": mapped / 1024}


def load_test(model: str, index: str | None, args: argparse.Namespace, words: list[str]) -> list[str]:
    port = free_port()
    command = [sys.executable, SERVICE, model, "--workers", str(args.workers), "--port", str(port)]
    if index:
        command += ["--index", index]
    started = time.perf_counter()
    service = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")})
    try:
        banner = service.stderr.readline()
        pids = [int(pid) for pid in re.search(r"pids ([\d ]+)", banner).group(1).split()]
        status, health = get(port, "/health")
        ready = time.perf_counter() - started
        assert status == 200, health
        latencies, failures = [], []
        deadline = time.perf_counter() + args.max_seconds
        lock = threading.Lock()

        def client(offset: int) -> None:
            for i in range(offset, args.requests, args.clients):
                if time.perf_counter() > deadline:
                    return
                began = time.perf_counter()
                status, body = get(port, f"/similar?word={words[i % len(words)]}&topn=10")
                with lock:
                    latencies.append(time.perf_counter() - began)
                    if status != 200:
                        failures.append(body)
        began = time.perf_counter()
        clients = [threading.Thread(target=client, args=(offset,)) for offset in range(args.clients)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        elapsed = time.perf_counter() - began
        files = [model] + ([os.path.realpath(index)] if index else [])
        per_process = [("parent", memory(service.pid, files))] + [(f"worker {i + 1}", memory(pid, files))
                                                                   for i, pid in enumerate(pids)]
    finally:
        service.terminate()
        service.wait(timeout=30)
    label = f"{os.path.basename(model)}" + (f" + {os.path.basename(index)}" if index else " (exact)")
    lines = [f"\n### {label}: {args.workers} workers, {args.clients} clients\n",
             f"Ready (load, norms, keys{', index' if index else ''}) in {ready:.2f} s; {len(latencies)} requests in "
             f"{elapsed:.1f} s ({len(latencies) / elapsed:.0f}/s), {len(failures)} failed; latency p50 "
             f"{np.percentile(latencies, 50) * 1e3:.2f} ms, p99 {np.percentile(latencies, 99) * 1e3:.2f} ms.\n",
             "| process | RSS MiB | of which the mapped model (and index) | PSS MiB | USS (private) MiB |", "|---|---|---|---|---|"]
    for name, figures in per_process:
        lines.append(f"| {name} | {figures['rss']:.1f} | {figures['model']:.1f} | {figures['pss']:.1f} | "
                     f"{figures['uss']:.1f} |")
    total_pss = sum(figures["pss"] for _, figures in per_process)
    total_rss = sum(figures["rss"] for _, figures in per_process)
    lines.append(f"| all {len(per_process)} processes | {total_rss:.1f} (sum) | | {total_pss:.1f} (the real total) | |")
    return lines


def synthetic_model(n: int, dim: int, folder: str, index: bool) -> tuple[str, str | None]:
    """Save bench_serving's planted-cluster model (and its AnnIndex), once."""
    from bench_serving import planted_vectors
    from w2v import KeyedVectors
    path = os.path.join(folder, f"synthetic-{n}x{dim}.kv")  # bench_serving.py leaves the same files
    index_path = path.replace(".kv", ".ann")
    if not os.path.exists(path):
        kv = KeyedVectors(dim, count=n)
        kv.add_vectors([f"w{i}" for i in range(n)], planted_vectors(n, dim))
        kv.save(path)
        del kv
    if index and not os.path.exists(index_path):
        from w2v.index import AnnIndex
        kv = KeyedVectors.load(path, mmap="r")
        AnnIndex.build(kv).save(index_path)
    return path, index_path if index else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="native vectors files")
    parser.add_argument("--index", action="store_true", help="also serve from each model's index (MODEL.ann, "
                                                             "built and saved if missing)")
    parser.add_argument("--synthetic", type=int, default=0, help="also a planted-cluster model of this many rows")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after this long")
    parser.add_argument("--dir", default=os.path.join(HERE, ".data", "serving"))
    args = parser.parse_args(argv)
    from w2v import KeyedVectors
    models = [(os.path.realpath(model), None) for model in args.models]
    if args.synthetic:
        sys.path.insert(0, HERE)
        path, index = synthetic_model(args.synthetic, args.dim, args.dir, args.index)
        models.append((os.path.realpath(path), None))
        if index:
            models.append((os.path.realpath(path), index))
    elif args.index:
        from w2v.index import AnnIndex
        for model, _ in list(models):
            index = model.rsplit(".", 1)[0] + ".ann"
            if not os.path.exists(index):
                AnnIndex.build(KeyedVectors.load(model, mmap="r")).save(index)
            models.append((model, index))
    print(f"# bench/bench_service.py, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    for model, index in models:
        keys = KeyedVectors.load(model, mmap="r").index_to_key
        words = [keys[i] for i in np.random.default_rng(5).integers(len(keys), size=args.requests).tolist()]
        print("\n".join(load_test(model, index, args, words)), flush=True)


if __name__ == "__main__":
    main()
