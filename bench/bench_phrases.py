#!/usr/bin/env python3
"""Phrase detection speed of w2v against gensim, side by side in one run, and agreement.

The corpus is read into memory once (tokens interned, so it stays small) and both libraries
count and join that same list, so reading the file is timed for neither. Timed steps:

- count: ``Phrases(corpus, ...)`` (unigrams and candidates, pruning included);
- join: ``list(phrases[corpus])`` with the counting model (scores computed per candidate);
- join-frozen: ``list(phrases.freeze()[corpus])`` (freezing untimed).

Times are CPU seconds of the process (``time.process_time``).

w2v runs with ``scoring="original"`` (gensim's formula, ``len(vocab)`` for ``N``) so both find
the same phrases; the run then checks that the counts, ``export_phrases()`` and the joined
corpora agree exactly, and the phrase sets under npmi and under the word2phrase score
score, which gensim gets as a custom scorer.

Examples
--------
::

    xz -dc ../shared/data/dev-corpus.txt.xz > /tmp/dev.txt
    python bench/bench_phrases.py /tmp/dev.txt
    python bench/bench_phrases.py /tmp/dev.txt --limit 20000 --connectors
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any


def read_corpus(path: str, limit: int | None) -> list[list[str]]:
    sentences = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for number, line in enumerate(f):
            if limit is not None and number >= limit:
                break
            sentences.append([sys.intern(token) for token in line.split()])
    return sentences


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    # CPU time of this process: both libraries run single-threaded here, and on a shared
    # machine CPU time varies far less than wall time.
    started = time.process_time()
    result = function()
    return result, time.process_time() - started


def compare_sets(name: str, ours: dict[str, float], theirs: dict[str, float]) -> bool:
    same = set(ours) == set(theirs)
    scores = same and all(ours[p] == theirs[p] for p in ours)
    print(f"  {name}: w2v {len(ours)} phrases, gensim {len(theirs)}; same set: {same}, "
          f"same scores: {scores}")
    if not same:
        print(f"    only w2v: {sorted(set(ours) - set(theirs))[:10]}")
        print(f"    only gensim: {sorted(set(theirs) - set(ours))[:10]}")
    return bool(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", help="plain text, one sentence per line")
    parser.add_argument("--limit", type=int, help="read only this many lines")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=10.0, help="for the original score")
    parser.add_argument("--npmi-threshold", type=float, default=0.5)
    parser.add_argument("--word2phrase-threshold", type=float, default=100.0)
    parser.add_argument("--max-vocab-size", type=int, default=40000000)
    parser.add_argument("--connectors", action="store_true", help="use ENGLISH_CONNECTOR_WORDS")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    import gensim
    from gensim.models import phrases as gensim_phrases

    import w2v
    from w2v import phrases as w2v_phrases

    corpus, seconds = timed(lambda: read_corpus(args.corpus, args.limit))
    n_tokens = sum(map(len, corpus))
    print(f"corpus: {len(corpus)} sentences, {n_tokens} tokens (read in {seconds:.1f}s); "
          f"w2v {w2v.__version__}, gensim {gensim.__version__}")
    common = dict(min_count=args.min_count, threshold=args.threshold, max_vocab_size=args.max_vocab_size)
    connectors = w2v_phrases.ENGLISH_CONNECTOR_WORDS if args.connectors else frozenset()

    theirs, their_count = timed(lambda: gensim_phrases.Phrases(corpus, connector_words=connectors, **common))
    ours, our_count = timed(lambda: w2v_phrases.Phrases(corpus, scoring="original", connector_words=connectors,
                                                        **common))
    their_joined, their_join = timed(lambda: list(theirs[corpus]))
    our_joined, our_join = timed(lambda: list(ours[corpus]))
    same_join = their_joined == our_joined
    del their_joined
    their_frozen, our_frozen = theirs.freeze(), ours.freeze()
    their_frozen_joined, their_frozen_join = timed(lambda: list(their_frozen[corpus]))
    our_frozen_joined, our_frozen_join = timed(lambda: list(our_frozen[corpus]))
    same_frozen_join = their_frozen_joined == our_frozen_joined == our_joined
    del their_frozen_joined, our_frozen_joined, our_joined

    figures = {"sentences": len(corpus), "tokens": n_tokens, "connectors": args.connectors}
    print(f"\n{'step':<12} {'gensim s':>9} {'w2v s':>8} {'speed-up':>9} {'w2v tokens/s':>13}")
    for step, gensim_seconds, w2v_seconds in [("count", their_count, our_count), ("join", their_join, our_join),
                                              ("join-frozen", their_frozen_join, our_frozen_join)]:
        print(f"{step:<12} {gensim_seconds:>9.2f} {w2v_seconds:>8.2f} {gensim_seconds / w2v_seconds:>8.1f}x "
              f"{n_tokens / w2v_seconds:>13,.0f}")
        figures[step] = {"gensim_s": gensim_seconds, "w2v_s": w2v_seconds, "ratio": gensim_seconds / w2v_seconds}

    print("\nagreement:")
    checks = {"vocab": ours.vocab == theirs.vocab}
    print(f"  counts (vocab, {len(theirs.vocab)} types): equal: {checks['vocab']}")
    checks["original"] = compare_sets(f"original score > {args.threshold}", ours.export_phrases(),
                                      theirs.export_phrases())
    print(f"  joined corpus equal: {same_join}; frozen joins equal: {same_frozen_join}")
    checks["join"] = same_join and same_frozen_join
    # Same counts, other scorers: swap the scorer and threshold on both models.
    theirs.scoring, theirs.threshold = gensim_phrases.npmi_scorer, args.npmi_threshold
    ours.scoring, ours.threshold = w2v_phrases.npmi_scorer, args.npmi_threshold
    checks["npmi"] = compare_sets(f"npmi > {args.npmi_threshold}", ours.export_phrases(), theirs.export_phrases())
    theirs.scoring, theirs.threshold = w2v_phrases.word2phrase_scorer, args.word2phrase_threshold
    ours.scoring, ours.threshold = w2v_phrases.word2phrase_scorer, args.word2phrase_threshold
    checks["word2phrase"] = compare_sets(f"word2phrase score > {args.word2phrase_threshold}",
                                         ours.export_phrases(), theirs.export_phrases())
    figures["agreement"] = checks
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
