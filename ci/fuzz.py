"""Long fuzzing campaign over the five parsers a file reaches (targets: tests/fuzzing.py).

    python ci/fuzz.py SECONDS [--targets native,c_text,...] [--jobs N] [--out DIR]

The time is shared equally between the targets. Each target runs in worker processes (``--jobs``
at a time) that generate inputs, read them with every reader of the target and check the
target's properties; a worker that crashes (a signal) or hangs (no input finished within
``--hang`` seconds: faulthandler dumps its stack and ends it) is reported with the input it
was reading, and a new worker carries on. Workers run under a 4 GiB address-space limit, so a
memory bomb shows up as a MemoryError finding instead of swapping the machine. Every finding
(an undocumented exception, a broken property, a crash, a hang) is saved under ``--out`` with
its input; the summary table says how many inputs each target tried, in how long, and what
was found. Exit status 1 if anything was found.

Run it through ``ci/fuzz.sh SECONDS``, which uses the current environment's w2v.
"""

from __future__ import annotations

import argparse
import faulthandler
import hashlib
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")
ADDRESS_SPACE = 4 << 30


def work(target_name: str, seconds: float, seed: int, out: str, hang: float) -> None:
    """A worker: fuzz one target until the time is up; print its tallies as JSON."""
    sys.path.insert(0, TESTS)
    logging.disable(logging.CRITICAL)  # damaged files log warnings by design
    warnings.simplefilter("ignore")
    import fuzzing

    target = fuzzing.TARGETS[target_name]()
    print(json.dumps({"folder": target.folder}), flush=True)
    rng = random.Random(seed)
    inputs = findings = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        case = target.generate(rng)
        faulthandler.dump_traceback_later(hang, exit=True)
        try:
            target.check(case)
        except fuzzing.Finding as finding:
            findings += 1
            save_finding(out, target_name, case.data, case.suffix, "finding", repr(finding.__cause__ or finding))
        inputs += 1
        if inputs % 2000 == 0:  # so that a worker that dies still has its inputs counted
            print(json.dumps({"inputs": inputs, "findings": findings}), flush=True)
    faulthandler.cancel_dump_traceback_later()
    shutil.rmtree(target.folder, ignore_errors=True)
    print(json.dumps({"inputs": inputs, "findings": findings, "done": True}), flush=True)


def save_finding(out: str, target: str, data: bytes, suffix: str, kind: str, what: str) -> str:
    os.makedirs(out, exist_ok=True)
    stem = f"{target}-{kind}-{hashlib.sha256(data).hexdigest()[:12]}"
    with open(os.path.join(out, stem + suffix), "wb") as handle:
        handle.write(data)
    with open(os.path.join(out, stem + ".txt"), "w") as handle:
        handle.write(what + "\n")
    return stem


def limit_memory() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_target(name: str, seconds: float, jobs: int, out: str, hang: float, seed: int) -> dict:
    """Run workers for ``name`` for ``seconds`` (``jobs`` at a time), restarting any that die."""
    tally = {"target": name, "inputs": 0, "findings": 0, "crashes": 0, "hangs": 0, "seconds": 0.0}
    start = time.monotonic()
    running: list[tuple[subprocess.Popen, float]] = []
    while True:
        left = seconds - (time.monotonic() - start)
        while len(running) < jobs and left > 1:
            seed += 1
            command = [sys.executable, os.path.abspath(__file__), "--worker", name, str(left), "--seed", str(seed),
                       "--out", out, "--hang", str(hang)]
            running.append((subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                             preexec_fn=limit_memory if os.name == "posix" else None), left))
        if not running:
            break
        process, _ = running.pop(0)
        stdout, stderr = process.communicate()
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        folder = next((line["folder"] for line in lines if "folder" in line), None)
        tallies = [line for line in lines if "inputs" in line]
        if tallies:
            tally["inputs"] += tallies[-1]["inputs"]
            tally["findings"] += tallies[-1]["findings"]
        if tallies and tallies[-1].get("done") and process.returncode == 0:
            continue
        # Died: a signal is a crash; faulthandler's timeout exits with 1 after "Timeout" on stderr.
        kind = "hang" if "Timeout" in stderr else "crash"
        tally["crashes" if kind == "crash" else "hangs"] += 1
        tally["inputs"] += 1  # the one it died on
        inputs = [os.path.join(folder, entry) for entry in os.listdir(folder) if entry.startswith("input")] \
            if folder else []
        if inputs:  # the one written last is the one it died on
            last = max(inputs, key=os.path.getmtime)
            with open(last, "rb") as handle:
                data = handle.read()
            stem = save_finding(out, name, data, os.path.basename(last)[len("input"):], kind,
                                f"exit status {process.returncode}\n{stderr[-4000:]}")
            print(f"  {name}: {kind} (exit {process.returncode}), input saved as {stem}", flush=True)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    tally["seconds"] = round(time.monotonic() - start, 1)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seconds", type=float, help="total time, shared equally between the targets")
    parser.add_argument("--targets", default="native,c_text,c_binary,corpus,phrases")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes at a time per target")
    parser.add_argument("--out", default="fuzz-findings", help="where findings and their inputs go")
    parser.add_argument("--hang", type=float, default=30.0, help="seconds one input may take")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    if args.worker:
        work(args.worker, args.seconds, seed, args.out, args.hang)
        return 0
    names = args.targets.split(",")
    print(f"fuzzing {', '.join(names)} for {args.seconds:.0f} s, {args.jobs} worker(s) each, seed {seed}",
          flush=True)
    tallies = []
    for number, name in enumerate(names):
        tallies.append(run_target(name, args.seconds / len(names), args.jobs, args.out, args.hang,
                                  seed + 1000 * number))
        print(json.dumps(tallies[-1]), flush=True)
    header = ("target", "inputs", "seconds", "inputs/s", "findings", "crashes", "hangs")
    print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for t in tallies + [{"target": "total", **{key: sum(t[key] for t in tallies)
                                               for key in ("inputs", "seconds", "findings", "crashes", "hangs")}}]:
        rate = t["inputs"] / t["seconds"] if t["seconds"] else 0
        print(f"| {t['target']} | {t['inputs']} | {t['seconds']:.0f} | {rate:.0f} | {t['findings']} | "
              f"{t['crashes']} | {t['hangs']} |")
    found = sum(t["findings"] + t["crashes"] + t["hangs"] for t in tallies)
    if found:
        print(f"\n{found} finding(s): inputs and messages in {args.out}/")
    if os.path.isdir(args.out) and not os.listdir(args.out):
        shutil.rmtree(args.out)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
