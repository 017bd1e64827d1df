"""Every case of issue 18, re-run as a script: each in its own process, timed, its memory measured.

    python bench/reliability_cases.py                # all cases, a Markdown table on stdout
    python bench/reliability_cases.py --only 1 3     # the cases of defects 1 and 3
    python bench/reliability_cases.py --list

A case passes when it ends in the expected outcome (a clear exception of the documented type,
or the right answer) in under 3 seconds (per round, for the kill -9 rounds), with a peak
resident memory under 300 MB above the baseline (a process that imported w2v and NumPy,
about 60 MB) plus the model it works on. The time limit is on the case's CPU time (user +
system), which other processes disturb less than wall-clock time; wall-clock time is shown
too and must stay under 10 s, so that a case that waits for ever still fails.
Files the cases read (bombs, damaged files) are made beforehand, outside the measurement.
Each case's process runs under a 3 GiB address-space limit, so that a case that would eat
the machine's memory (``workers=10**6``, ``-size 1000000000``) fails inside its process
instead of inviting the OOM killer.

Defects 2, 4, 8 and 9 (the training driver) and the -size case of 12 pass once the training
driver's fixes are merged; the table says which cases fail on the code it ran on.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import numpy as np

TIME_LIMIT = 3.0
#: Wall-clock seconds a case may take on a busy machine before it counts as hanging.
WALL_LIMIT = 10.0
MEMORY_LIMIT_MB = 300
ADDRESS_SPACE = 3 << 30
MiB = 1 << 20
CASES: dict[str, dict] = {}


def case(defect: str, title: str, model_mb: float = 0, rounds: int = 1):
    """Register a case: a function run in a child process, returning (ok, outcome). A case of
    several ``rounds`` gets the time limit per round."""
    def register(function):
        CASES[function.__name__] = dict(defect=defect, title=title, model_mb=model_mb, run=function, command=None,
                                        rounds=rounds)
        return function
    return register


def raised(function, *expected: type) -> tuple[bool, str]:
    """(whether ``function`` raised one of ``expected``, "Type: first line of the message")."""
    try:
        result = function()
    except BaseException as error:  # the table shows whatever it was
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return isinstance(error, expected), f"{type(error).__name__}: {first}"
    return False, f"no error (returned {str(result)[:60]})"


# ---------------------------------------------------------------------- files the cases read

def small_kv(dtype=np.float32):
    from w2v import KeyedVectors
    kv = KeyedVectors(3, dtype=dtype)
    kv.add_vectors(["alpha", "beta", "gamma"], np.array([[1, 2, 3], [2, 5, 7], [9, 1, 0]]))
    return kv


def make_files(folder: str) -> None:
    """Every file a case reads, made once before the cases run."""
    from w2v import KeyedVectors, Word2Vec
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    small_kv().save(path("kv.w2v"))
    with zipfile.ZipFile(path("kv.w2v")) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    # 1. A 1 MiB file whose deflated key list inflates to 1 GiB; the same for the manifest.
    for member, bomb in (("wv/keys.txt", "bomb-keys.w2v"), ("w2v.json", "bomb-manifest.w2v")):
        with zipfile.ZipFile(path(bomb), "w") as archive:
            for name, data in members.items():
                if name != member:
                    archive.writestr(name, data)
            info = zipfile.ZipInfo(member)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as out:
                zeros = bytes(MiB)
                for _ in range(1024):
                    out.write(zeros)
    # 3. C text files of one long line; a small .gz of a 1 GiB line.
    for size in (32, 64, 128, 256):
        with open(path(f"line{size}.txt"), "wb") as out:
            out.write(b"1 3\nkey " + b"1" * (size * MiB) + b"\n")
    with gzip.open(path("line1024.txt.gz"), "wb", compresslevel=1) as out:
        out.write(b"1 3\nkey ")
        chunk = b"1" * (16 * MiB)
        for _ in range(64):
            out.write(chunk)
    # Beyond the issue: LineSentence over a small .gz of one 16 MiB line of short tokens.
    with gzip.open(path("corpus-line.txt.gz"), "wb", compresslevel=1) as out:
        out.write(b"ab " * (16 * MiB // 3) + b"\n")
    # 5. Integer vectors in the native format; 6, 7. C text files read wrongly.
    small_kv(np.int32).save(path("ints.w2v"))
    with open(path("ints.txt"), "w") as out:
        out.write("3 3\nalpha 1 2 3\nbeta 2 5 7\ngamma 9 1 0\n")
    small_kv().save_word2vec_format(path("text.txt"))
    data = open(path("text.txt"), "rb").read()
    with open(path("cut.txt"), "wb") as out:
        out.write(b"2 2\na 0.5 -0.12345679\nb 1.0 -0.123")
    # 12. Files with lying headers or damaged manifests.
    with open(path("huge-header.txt"), "wb") as out:
        out.write(b"100000000000 3\nalpha 1 2 3\n")
    manifest = json.loads(members["w2v.json"])
    damaged = {"count-missing": lambda m: m["wv"].pop("count"), "wv-list": lambda m: m.update(wv=[1]),
               "shape-strings": lambda m: m["arrays"]["wv/vectors.npy"].update(shape=["3", "3"]),
               "count-huge-float": lambda m: m["wv"].update(count=1e300)}
    for name, change in damaged.items():
        document = json.loads(json.dumps(manifest))
        change(document)
        rezip(members, path(f"bad-{name}.w2v"), {"w2v.json": json.dumps(document).encode()})
    rezip(members, path("bad-nesting.w2v"), {"w2v.json": b'{"format": "w2v", "x": ' + b"[" * 100000 + b"]" * 100000
                                                           + b"}"})
    header_at = members["wv/vectors.npy"].index(b"{'descr'")
    npy = members["wv/vectors.npy"]
    rezip(members, path("bad-npy.w2v"), {"wv/vectors.npy": npy[:header_at] + b"(((((" + npy[header_at + 5:]})
    # 11, 13. A model for the kill -9 rounds (8 MB), one for the bit flips.
    big = KeyedVectors(100)
    big.add_vectors([f"w{i}" for i in range(20000)], np.ones((20000, 100), dtype=np.float32))
    big.save(path("big.w2v"))
    Word2Vec([["a", "b", "c", "d"]] * 50, vector_size=8, min_count=1, workers=1, epochs=1, seed=1).save(
        path("model.w2v"))
    with open(path("corpus.txt"), "w") as out:
        out.write("the quick brown fox jumps over the lazy dog\n" * 200)
    del data


def rezip(members: dict, target: str, replace: dict) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, replace.get(name, data))


# ---------------------------------------------------------------------- the cases

@case("-", "baseline: import w2v, nothing else")
def baseline(folder):
    import w2v  # noqa: F401  (what every case pays before it starts)
    return True, "imported"


@case("1", "zip bomb: 1 MiB file, deflated keys.txt inflating to 1 GiB")
def zip_bomb_keys(folder):
    from w2v import FormatError, KeyedVectors
    return raised(lambda: KeyedVectors.load(os.path.join(folder, "bomb-keys.w2v")), FormatError)


@case("1", "zip bomb: 1 MiB file, deflated w2v.json inflating to 1 GiB")
def zip_bomb_manifest(folder):
    from w2v import FormatError, KeyedVectors
    return raised(lambda: KeyedVectors.load(os.path.join(folder, "bomb-manifest.w2v")), FormatError)


@case("2", "Word2Vec(sentences, workers=10**6)")
def workers_million(folder):
    from w2v import Word2Vec
    return raised(lambda: Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=10 ** 6, epochs=1),
                  ValueError)


@case("2", "a model file saying workers=10**7, loaded and trained")
def workers_from_file(folder):
    from w2v import FormatError, Word2Vec
    path = os.path.join(folder, "model.w2v")
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    manifest = json.loads(members["w2v.json"])
    manifest["model"]["params"]["workers"] = 10 ** 7
    rezip(members, os.path.join(folder, "workers.w2v"), {"w2v.json": json.dumps(manifest).encode()})

    def load_and_train():
        model = Word2Vec.load(os.path.join(folder, "workers.w2v"))
        model.train([["a", "b", "c"]] * 20, total_examples=20, epochs=1)
    return raised(load_and_train, FormatError, ValueError)


def long_line(size):
    def run(folder):
        from w2v import FormatError, KeyedVectors
        return raised(lambda: KeyedVectors.load_word2vec_format(os.path.join(folder, f"line{size}.txt")), FormatError)
    run.__name__ = f"long_line_{size}mib"
    return run


for _size in (32, 64, 128, 256):
    case("3", f"C text file of one {_size} MiB line")(long_line(_size))


@case("3", "small .gz (1 MiB) of one 1 GiB line")
def long_line_gzip(folder):
    from w2v import FormatError, KeyedVectors
    return raised(lambda: KeyedVectors.load_word2vec_format(os.path.join(folder, "line1024.txt.gz")), FormatError)


@case("3", "LineSentence over a small .gz of one 16 MiB line of 5.6M tokens")
def line_sentence_long_line(folder):
    from w2v import LineSentence
    tokens = sum(len(sentence) for sentence in LineSentence(os.path.join(folder, "corpus-line.txt.gz")))
    return tokens == 16 * MiB // 3, f"right answer: {tokens} tokens in sentences of 10000"


@case("4", "a worker thread fails to start: no thread left behind")
def thread_leak(folder):
    from w2v import Word2Vec
    model = Word2Vec([["a", "b", "c", "d"]] * 200, vector_size=8, min_count=1, workers=4, epochs=1)
    before = threading.active_count()
    original = threading.Thread.start
    started = []

    def failing_start(thread):
        if len(started) >= 2:
            raise RuntimeError("can't start new thread")
        started.append(thread)
        original(thread)
    threading.Thread.start = failing_start
    try:
        ok, outcome = raised(lambda: model.train([["a", "b", "c", "d"]] * 200, total_examples=200, epochs=1),
                             RuntimeError)
    finally:
        threading.Thread.start = original
    time.sleep(0.5)
    left = threading.active_count() - before
    return ok and left == 0, f"{outcome}; {left} thread(s) left running"


@case("5", "int32 vectors (KeyedVectors(dtype=np.int32)): most_similar scores")
def int_vectors(folder):
    kv, reference = small_kv(np.int32), small_kv(np.float64)
    found, expected = kv.most_similar("alpha"), reference.most_similar("alpha")
    ok = [k for k, _ in found] == [k for k, _ in expected] and np.allclose([s for _, s in found],
                                                                           [s for _, s in expected])
    return ok, f"{'right answer' if ok else 'WRONG'}: {[(k, round(s, 4)) for k, s in found]}"


@case("5", "load_word2vec_format(datatype=np.int32) of integer vectors: scores")
def int_datatype(folder):
    from w2v import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(os.path.join(folder, "ints.txt"), datatype=np.int32)
    score = kv.similarity("alpha", "beta")
    expected = small_kv(np.float64).similarity("alpha", "beta")
    return abs(score - expected) < 1e-9, f"{'right answer' if abs(score - expected) < 1e-9 else 'WRONG'}: " \
                                         f"similarity {score:.4f}"


@case("5", "a native file of <i4 vectors: most_similar scores")
def int_native(folder):
    from w2v import KeyedVectors
    kv = KeyedVectors.load(os.path.join(folder, "ints.w2v"), mmap="r")
    score = kv.most_similar("alpha", topn=1)[0]
    expected = small_kv(np.float64).most_similar("alpha", topn=1)[0]
    ok = score[0] == expected[0] and abs(score[1] - expected[1]) < 1e-9
    return ok, f"{'right answer' if ok else 'WRONG'}: {score[0]} {score[1]:.4f}"


@case("6", "a text file read with binary=True")
def text_as_binary(folder):
    from w2v import FormatError, KeyedVectors
    return raised(lambda: KeyedVectors.load_word2vec_format(os.path.join(folder, "text.txt"), binary=True),
                  FormatError)


@case("7", "a text file cut inside its last number (-0.12345679 -> -0.123)")
def cut_number(folder):
    from w2v import KeyedVectors
    from w2v.io import TruncatedFileError
    return raised(lambda: KeyedVectors.load_word2vec_format(os.path.join(folder, "cut.txt")), TruncatedFileError)


def trained_model():
    from w2v import Word2Vec
    return Word2Vec([["a", "b", "c", "d"]] * 50, vector_size=8, min_count=1, workers=1, epochs=1, seed=1)


def refused_keeping_weights(**bad) -> tuple[bool, str]:
    model = trained_model()
    before = model.wv.vectors.copy()
    ok, outcome = raised(lambda: model.train([["a", "b"]] * 10, total_examples=10, epochs=1, **bad), ValueError)
    kept = np.array_equal(before, model.wv.vectors)
    return ok and kept, f"{outcome}; weights {'kept' if kept else 'DESTROYED'}"


@case("8", "train(start_alpha=nan) on a trained model: refused, weights kept")
def alpha_nan(folder):
    return refused_keeping_weights(start_alpha=float("nan"))


@case("8", "train(start_alpha=1e6) on a trained model: refused, weights kept")
def alpha_huge(folder):
    return refused_keeping_weights(start_alpha=1e6)


@case("8", "train(end_alpha=-1), total_examples=-5, queue_factor=-5: each refused")
def negative_parameters(folder):
    model = trained_model()
    outcomes = []
    for bad in ({"end_alpha": -1}, {"total_examples": -5}, {"queue_factor": -5}):
        arguments = {"total_examples": 10, "epochs": 1, **bad}
        outcomes.append(raised(lambda: model.train([["a", "b"]] * 10, **arguments), ValueError))
    return all(ok for ok, _ in outcomes), "; ".join(outcome.split(":")[0] for _, outcome in outcomes)


class SlowCorpus:
    """A corpus that takes a while, so that a second call lands during training."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __iter__(self):
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            time.sleep(0.01)
            yield ["a", "b", "c", "d"]


def during_training(second_call):
    model = trained_model()
    errors = []
    thread = threading.Thread(target=lambda: errors.append(
        raised(lambda: model.train(SlowCorpus(1.0), total_examples=100, epochs=1), RuntimeError)))
    thread.start()
    time.sleep(0.3)
    outcome = raised(lambda: second_call(model), RuntimeError)
    thread.join()
    return outcome


@case("9", "build_vocab(update=True) while train() runs: refused")
def vocab_during_train(folder):
    return during_training(lambda model: model.build_vocab([["e", "f"]] * 5, update=True))


@case("9", "a second train() while train() runs: refused")
def train_during_train(folder):
    return during_training(lambda model: model.train([["a", "b"]] * 10, total_examples=10, epochs=1))


@case("10", "save keys 'é' and '\\udcc3\\udca9' (the same bytes)")
def surrogate_keys(folder):
    from w2v import KeyedVectors
    kv = KeyedVectors(1)
    kv.add_vectors(["\u00e9", "\udcc3\udca9"], [[1.0], [2.0]])
    path = os.path.join(folder, "surrogates.w2v")
    ok, outcome = raised(lambda: kv.save(path), ValueError)
    return ok and not os.path.exists(path), outcome


def save_forever(path, versions):
    while True:
        for kv in versions:
            kv.save(path)


@case("11", "60 rounds of kill -9 during save (8 MB model)", model_mb=16, rounds=60)
def kill_during_save(folder):
    import multiprocessing
    import random
    from w2v import KeyedVectors
    path = os.path.join(folder, "big.w2v")
    versions = [KeyedVectors.load(path)]
    versions.append(KeyedVectors.load(path))
    versions[1].vectors = versions[1].vectors * 2
    context = multiprocessing.get_context("fork")
    rng = random.Random(11)
    worst, whole = 0, 0
    for _ in range(60):
        child = context.Process(target=save_forever, args=(path, versions), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.005, 0.05))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        loaded = KeyedVectors.load(path)  # verified
        whole += any(np.array_equal(loaded.vectors, kv.vectors) for kv in versions)
        worst = max(worst, sum(name.startswith(".tmp-") for name in os.listdir(folder)))
    versions[0].save(path)
    left = sum(name.startswith(".tmp-") for name in os.listdir(folder))
    ok = whole == 60 and left == 0 and worst <= 2
    return ok, f"{whole}/60 loads a complete version; at most {worst} temporaries at once; {left} after a save"


def native_damage(name):
    def run(folder):
        from w2v import FormatError, KeyedVectors
        return raised(lambda: KeyedVectors.load(os.path.join(folder, f"bad-{name}.w2v")), FormatError)
    run.__name__ = f"damaged_{name.replace('-', '_')}"
    return run


for _name, _title in (("count-missing", "no count"), ("wv-list", "'wv' a list"),
                      ("shape-strings", "array shape of strings"), ("count-huge-float", "count 1e300"),
                      ("nesting", "JSON nested 100000 deep"), ("npy", "garbage .npy header")):
    case("12", f"native file: {_title}")(native_damage(_name))


def command_case(name: str, defect: str, args: tuple[str, ...], status: int, text: str) -> None:
    """A case that runs ``w2v ARGS`` ("{file}" is a file made by make_files): it passes when
    the exit status is ``status`` and the last line of stderr holds ``text``, no traceback."""
    CASES[name] = dict(defect=defect, title="CLI: w2v " + " ".join(arg.strip("{}") for arg in args), model_mb=0,
                       run=None, command=[sys.executable, "-m", "w2v", *args], expect_status=status,
                       expect_text=text, rounds=1)


for _name, _args, _status, _text in (
        ("cli_train_huge_size", ("train", "-train", "{corpus.txt}", "-output", "{out.bin}", "-size", "1000000000",
                                 "-min-count", "1"), 1, "memory"),
        ("cli_similar_huge_header", ("similar", "{huge-header.txt}", "alpha"), 1, "header"),
        ("cli_train_seed_negative", ("train", "-train", "{corpus.txt}", "-output", "{out.bin}", "--seed", "-1"), 2,
         "--seed"),
        ("cli_similar_damaged_native", ("similar", "{bad-count-missing.w2v}", "alpha"), 1, "count"),
        ("cli_similar_topn_negative", ("similar", "{kv.w2v}", "alpha", "--topn", "-3"), 2, "--topn"),
        ("cli_demo_epochs_zero", ("demo", "--epochs", "0"), 2, "--epochs")):
    command_case(_name, "12", _args, _status, _text)


@case("13", "300 native files with 1-4 flipped bits")
def bit_flips(folder):
    import random
    from w2v import FormatError, KeyedVectors
    original = open(os.path.join(folder, "kv.w2v"), "rb").read()
    reference = KeyedVectors.load(os.path.join(folder, "kv.w2v"))
    rng = random.Random(13)
    refused = same = different = other = 0
    path = os.path.join(folder, "flipped.w2v")
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        with open(path, "wb") as out:
            out.write(data)
        try:
            kv = KeyedVectors.load(path)
            identical = kv.index_to_key == reference.index_to_key and np.array_equal(kv.vectors, reference.vectors)
        except FormatError:
            refused += 1
            continue
        except Exception:  # counted: anything else is a failure of this case
            other += 1
            continue
        same += identical
        different += not identical
    return different == 0 and other == 0, (f"{refused} refused (FormatError), {same} loaded unchanged "
                                           f"(flips outside the data), {different} loaded different, {other} other")


# ---------------------------------------------------------------------- running

def run_child(name: str, folder: str) -> None:
    """In the child: run one case, print its result as JSON."""
    ok, outcome = CASES[name]["run"](folder)
    print(json.dumps({"ok": bool(ok), "outcome": outcome}), flush=True)


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def measure(name: str, folder: str, timeout: float) -> dict:
    spec = CASES[name]
    if spec["command"]:
        command = [os.path.join(folder, part.strip("{}")) if part.startswith("{") else part
                   for part in spec["command"]]
    else:
        command = [sys.executable, os.path.abspath(__file__), "--child", name, "--folder", folder]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=limit_address_space)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    stdout, stderr = process.communicate()
    timer.cancel()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # of the one child this helper process ran
    peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    status = process.returncode
    if seconds >= timeout:
        return {"ok": False, "outcome": f"killed after {timeout:.0f} s", "seconds": seconds, "status": status,
                "cpu": cpu}
    if spec["command"]:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        ok = status == spec["expect_status"] and spec["expect_text"] in last and "Traceback" not in stderr
        outcome = f"exit {status}: {last[:150]}"
    else:
        lines = [line for line in stdout.splitlines() if line.startswith("{")]
        if lines:
            result = json.loads(lines[-1])
            ok, outcome = result["ok"], result["outcome"]
        else:
            ok, outcome = False, f"died (status {status}): {(stderr.strip().splitlines() or [''])[-1][:120]}"
    return {"ok": ok, "outcome": outcome, "seconds": seconds, "status": status, "peak_mb": peak_mb, "cpu": cpu}


def peak_of_one(name: str, folder: str, timeout: float) -> dict:
    """Run the case in a fresh helper process, so that RUSAGE_CHILDREN is this case's alone."""
    command = [sys.executable, os.path.abspath(__file__), "--measure", name, "--folder", folder,
               "--timeout", str(timeout)]
    result = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"ok": False, "outcome": f"harness failed: {result.stderr[-200:]}", "seconds": 0, "peak_mb": 0,
                "cpu": 0}
    return json.loads(lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="defect numbers to run (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--timeout", type=float, default=30.0, help="kill a case after this long")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.folder)
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure, args.folder, args.timeout)))
        return 0
    names = [name for name, spec in CASES.items()
             if name == "baseline" or not args.only or spec["defect"] in args.only]
    if args.list:
        for name in names:
            print(f"{CASES[name]['defect']:>3}  {name:32s} {CASES[name]['title']}")
        return 0
    folder = tempfile.mkdtemp(prefix="w2v-reliability-")
    try:
        started = time.perf_counter()
        make_files(folder)
        print(f"files made in {time.perf_counter() - started:.1f} s ({folder})", file=sys.stderr)
        results = {}
        for name in names:
            results[name] = peak_of_one(name, folder, args.timeout)
            print(f"  {name}: {results[name]['outcome'][:100]}", file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    baseline_mb = results["baseline"]["peak_mb"]
    print(f"Baseline: a process that imported w2v peaks at {baseline_mb:.0f} MB resident and takes "
          f"{results['baseline']['seconds']:.2f} s ({results['baseline']['cpu']:.2f} s of CPU). A case passes with the "
          f"expected outcome, under {TIME_LIMIT:.0f} s of CPU (and of wall-clock time on a quiet machine; under "
          f"{WALL_LIMIT:.0f} s however busy), and under {MEMORY_LIMIT_MB} MB above the baseline plus its model.\n")
    print("| defect | case | outcome | s (CPU s) | peak MB (above baseline) | |")
    print("|---|---|---|---|---|---|")
    failed = []
    for name in names[1:] if names[0] == "baseline" else names:
        spec, result = CASES[name], results[name]
        above = result.get("peak_mb", 0) - baseline_mb
        passed = (result["ok"] and result["cpu"] / spec["rounds"] < TIME_LIMIT
                  and result["seconds"] / spec["rounds"] < WALL_LIMIT and above < MEMORY_LIMIT_MB + spec["model_mb"])
        if not passed:
            failed.append(name)
        outcome = result["outcome"].replace(folder + os.sep, "").replace("|", "\\|")
        seconds = f"{result['seconds']:.2f} ({result['cpu']:.2f})" + (
            f", {result['seconds'] / spec['rounds']:.2f} per round" if spec["rounds"] > 1 else "")
        print(f"| {spec['defect']} | {spec['title']} | {outcome[:160]} | {seconds} | "
              f"{result.get('peak_mb', 0):.0f} ({above:+.0f}) | {'pass' if passed else '**FAIL**'} |")
    print(f"\n{len(names) - 1 - len(failed)} of {len(names) - 1} cases pass"
          + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
