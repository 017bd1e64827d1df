#!/usr/bin/env python3
"""Training speed and quality of w2v against gensim, side by side in one run.

Each measurement runs in a fresh subprocess (so peak RSS is that run's own), builds the
vocabulary untimed, then times ``train()`` alone. Words/s are raw words (before
subsampling) per wall-clock second. Analogy accuracy is computed for both libraries by
gensim's own ``evaluate_word_analogies`` on the same vectors' protocol (w2v's vectors are
copied into a gensim KeyedVectors), so the evaluation cannot differ.

Examples
--------
Everything the throughput issue asks for (takes about an hour on 2 cores)::

    python bench/bench_train.py --shared ../shared --out bench/results/train.json

A quick look at one mode::

    python bench/bench_train.py --corpora synth --modes sg-neg --repeats 1 --no-accuracy

The batched mode (issue 7) against exact training and gensim over a grid of settings::

    python bench/bench_train.py --modes sg-neg --variants w2v-file,w2v-file-shared,gensim-file \
        --negative 5,15 --window 5,10 --size 100,300 --repeats 1 \
        --accuracy-modes sg-neg --accuracy-variants w2v-file,w2v-file-shared
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

MODES = {
    "sg-neg": dict(sg=1, hs=0, negative=5),
    "cbow-neg": dict(sg=0, hs=0, negative=5),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
}
VARIANTS = ["w2v-iterable", "w2v-file", "gensim-iterable", "gensim-file"]
# Extra variants: w2v's batched mode (issue 7), e.g. ``--variants w2v-file,w2v-file-shared,gensim-file``.
SHARED_SUFFIX = "-shared"


# ------------------------------------------------------------------ child side


def child(spec: dict) -> dict:
    """Build the vocabulary, time train(), optionally evaluate analogies; runs in a subprocess."""
    library, source = spec["variant"].split("-")[:2]
    params = dict(MODES[spec["mode"]], vector_size=spec["size"], window=spec["window"],
                  min_count=5, sample=1e-3, workers=spec["workers"], epochs=spec["epochs"],
                  seed=spec.get("seed", 1))
    if spec.get("negative") and params["negative"]:
        params["negative"] = spec["negative"]
    if spec["variant"].endswith(SHARED_SUFFIX):
        params["shared_negatives"] = True
    if library == "w2v":
        import w2v
        model = w2v.Word2Vec(**params)
        corpus = w2v.LineSentence(spec["corpus"])
    else:
        from gensim.models import Word2Vec
        from gensim.models.word2vec import LineSentence
        model = Word2Vec(**params)
        corpus = LineSentence(spec["corpus"])
    started = time.perf_counter()
    if source == "file":
        model.build_vocab(corpus_file=spec["corpus"])
    else:
        model.build_vocab(corpus)
    vocab_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if source == "file":
        model.train(corpus_file=spec["corpus"], total_words=model.corpus_total_words, epochs=model.epochs)
    else:
        model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "vocab_seconds": vocab_seconds,
              "raw_words": model.corpus_total_words * model.epochs, "vocab": len(model.wv)}
    if spec.get("analogies"):
        result["analogy"] = analogy_accuracy(model.wv, spec["analogies"])
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def analogy_accuracy(wv, path: str) -> dict:
    """gensim's evaluate_word_analogies (3CosAdd, restrict_vocab=300000) on any vectors."""
    from gensim.models import KeyedVectors
    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(list(wv.index_to_key), wv.vectors)
    score, sections = kv.evaluate_word_analogies(path)
    total = next(s for s in sections if s["section"] == "Total accuracy")
    return {"accuracy": 100 * score, "questions": len(total["correct"]) + len(total["incorrect"])}


# ------------------------------------------------------------------ parent side


def run_child(spec: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{spec['variant']} {spec['mode']} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare_corpora(shared: str, cache: str, names: list[str]) -> dict[str, str]:
    os.makedirs(cache, exist_ok=True)
    paths = {}
    if "synth" in names:
        paths["synth"] = os.path.join(cache, "synthetic-17m.txt")
        if not os.path.exists(paths["synth"]):
            subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_synthetic.py"),
                            "--out", paths["synth"]], check=True)
    if "dev" in names:
        paths["dev"] = os.path.join(cache, "dev-corpus.txt")
        if not os.path.exists(paths["dev"]):
            with lzma.open(os.path.join(shared, "data", "dev-corpus.txt.xz"), "rb") as src, \
                    open(paths["dev"], "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 24)
    return paths


def summarise(runs: list[dict]) -> dict:
    """One variant's repeated runs as their median time, with every time kept in run order."""
    best = dict(runs[0])
    best["seconds"] = statistics.median(r["seconds"] for r in runs)
    best["runs"] = [round(r["seconds"], 2) for r in runs]
    best["max_rss_mb"] = max(r["max_rss_mb"] for r in runs)
    best["words_per_second"] = best["raw_words"] / best["seconds"]
    return best


#: Appended to a variant's name for its --scaling runs with one worker.
SINGLE_WORKER = " (1 worker)"


def paired_speedups(results: dict) -> dict[str, list[float]]:
    """For each "X (1 worker)" entry: X's speed-up over it, round by round.

    Both were timed in the same round, minutes apart at most, so each ratio is free of the
    machine's slower drift; their median is the scaling figure to quote.
    """
    speedups = {}
    for name, single in results.items():
        variant = name.removesuffix(SINGLE_WORKER)
        if variant != name and variant in results:
            speedups[variant] = [round(one / many, 3) for one, many in zip(single["runs"], results[variant]["runs"])]
    return speedups


def print_speed_table(title: str, results: dict) -> None:
    """One Markdown table; speed ratios against gensim's best variant and w2v's exact file mode."""
    gensim = [results[v]["seconds"] for v in results if v.startswith("gensim")]
    gensim_best = min(gensim) if gensim else float("nan")
    exact = results.get("w2v-file", {}).get("seconds", float("nan"))
    print(f"\n### {title}, {results[next(iter(results))]['raw_words']:,} raw words\n")
    print("| variant | workers | train s (median) | words/s | vs gensim best | vs w2v-file | peak RSS MB | runs |")
    print("|---|---|---|---|---|---|---|---|")
    for variant, r in results.items():
        print(f"| {variant} | {r['workers']} | {r['seconds']:.1f} | {r['words_per_second']:,.0f} | "
              f"{gensim_best / r['seconds']:.2f}x | {exact / r['seconds']:.2f}x | {r['max_rss_mb']:.0f} | {r['runs']} |")
    for variant, ratios in paired_speedups(results).items():
        print(f"\n{variant}, {results[variant]['workers']} workers against 1, paired by round: "
              f"{', '.join(f'{x:.2f}' for x in ratios)}; median **{statistics.median(ratios):.2f}x**")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"),
                        help="the shared folder with bench/gen_synthetic.py and data/")
    parser.add_argument("--cache", default=os.path.join(os.path.dirname(__file__), ".data"),
                        help="where generated/decompressed corpora are kept")
    parser.add_argument("--corpora", default="synth,dev")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the timed runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", default="100", help="vector size; a comma-separated list runs each")
    parser.add_argument("--window", default="5", help="window; a comma-separated list runs each")
    parser.add_argument("--negative", default="5",
                        help="noise words for the -neg modes; a comma-separated list runs each")
    parser.add_argument("--scaling", action="store_true", help="also time w2v with 1 worker")
    parser.add_argument("--scaling-variants", default="w2v-file", help="which w2v variants --scaling times")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the 5-epoch accuracy runs")
    parser.add_argument("--no-speed", action="store_true", help="only the accuracy runs")
    parser.add_argument("--accuracy-modes", default="sg-neg,cbow-neg")
    parser.add_argument("--accuracy-variants", default="w2v-file,gensim-file")
    parser.add_argument("--seeds", default="1",
                        help="comma-separated seeds of the accuracy runs; several give mean and spread")
    parser.add_argument("--out", help="write all results as JSON here")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    paths = prepare_corpora(args.shared, args.cache, args.corpora.split(","))
    report: dict = {"settings": vars(args), "speed": {}, "accuracy": {}}
    for corpus, path in ([] if args.no_speed else paths.items()):
        for mode in args.modes.split(","):
            for size, window, negative in settings_grid(args, mode):
                base = dict(size=size, window=window, epochs=args.epochs, negative=negative)
                title = f"{corpus}, {mode}, size {size}, window {window}"
                title += f", negative {negative}" if MODES[mode]["negative"] else ""
                report["speed"][title] = speed_section(args, base, mode, path)
                print_speed_table(title, report["speed"][title])
                sys.stdout.flush()
    if not args.no_accuracy and "dev" in paths:
        report["accuracy"] = accuracy_section(args, paths["dev"])
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as handle:
            json.dump(report, handle, indent=1)


def settings_grid(args: argparse.Namespace, mode: str) -> list[tuple[int, int, int]]:
    """Every (size, window, negative) asked for; negative only varies for the -neg modes."""
    negatives = [int(n) for n in args.negative.split(",")] if MODES[mode]["negative"] else [0]
    return [(int(size), int(window), negative) for size in args.size.split(",")
            for window in args.window.split(",") for negative in negatives]


def speed_section(args: argparse.Namespace, base: dict, mode: str, path: str) -> dict:
    """Median timings of every variant (and 1-worker w2v with --scaling) for one setting.

    The repeats run in rounds, every variant once per round, so that the shared machine's
    drift (its single-thread speed moved 10 % within an hour) falls on all variants alike
    instead of on whichever ran last; the 1-worker runs are paired with their round's.
    """
    specs = {variant: dict(base, variant=variant, mode=mode, corpus=path, workers=args.workers)
             for variant in args.variants.split(",")}
    if args.scaling:
        for variant in args.scaling_variants.split(","):
            specs[variant + SINGLE_WORKER] = dict(base, variant=variant, mode=mode, corpus=path, workers=1)
    rounds = [{name: run_child(spec) for name, spec in specs.items()} for _ in range(args.repeats)]
    return {name: dict(summarise([round_[name] for round_ in rounds]), workers=spec["workers"])
            for name, spec in specs.items()}


def accuracy_section(args: argparse.Namespace, corpus: str) -> dict:
    """5-epoch runs on the dev corpus, evaluated on questions-words.txt by gensim's code."""
    analogies = os.path.join(args.shared, "data", "eval", "questions-words.txt")
    base = dict(size=int(args.size.split(",")[0]), window=int(args.window.split(",")[0]),
                negative=int(args.negative.split(",")[0]), epochs=5)
    print("\n### Analogy accuracy on the dev corpus (5 epochs, gensim's evaluation for both)\n")
    seeds = [int(seed) for seed in args.seeds.split(",")]
    print("| mode | variant | accuracy % (mean) | sd | per seed | questions | train s (mean) |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for mode in args.accuracy_modes.split(","):
        for variant in args.accuracy_variants.split(","):
            if variant.endswith(SHARED_SUFFIX) and not mode.startswith("sg-neg"):
                continue
            runs = [run_child(dict(base, variant=variant, mode=mode, corpus=corpus, seed=seed,
                                   workers=args.workers, analogies=analogies)) for seed in seeds]
            scores = [r["analogy"]["accuracy"] for r in runs]
            spread = statistics.stdev(scores) if len(scores) > 1 else float("nan")
            results[f"{mode}/{variant}"] = {"seeds": seeds, "runs": runs,
                                            "mean": statistics.mean(scores), "sd": spread}
            print(f"| {mode} | {variant} | {statistics.mean(scores):.2f} | {spread:.2f} | "
                  f"{', '.join(f'{x:.2f}' for x in scores)} | {runs[0]['analogy']['questions']} | "
                  f"{statistics.mean(r['seconds'] for r in runs):.1f} |")
            sys.stdout.flush()
    return results


if __name__ == "__main__":
    main()
