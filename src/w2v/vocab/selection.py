"""Choosing the vocabulary from counts: ``min_count``, ``max_final_vocab``, ``trim_rule``, sorting."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: ``trim_rule`` results, as in gensim: defer to ``min_count``, drop the word, keep the word.
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2

TrimRule = Callable[[str, int, int], int]


def keep_word(word: str, count: int, min_count: int, trim_rule: TrimRule | None = None) -> bool:
    """Whether ``word`` survives ``min_count``, unless ``trim_rule`` decides otherwise.

    Examples
    --------
    >>> keep_word("the", 10, 5), keep_word("rare", 1, 5)
    (True, False)
    >>> keep_word("rare", 1, 5, trim_rule=lambda word, count, min_count: RULE_KEEP)
    True
    """
    if trim_rule is not None:
        rule = trim_rule(word, count, min_count)
        if rule == RULE_KEEP:
            return True
        if rule == RULE_DISCARD:
            return False
    return count >= min_count


def effective_min_count(counts: dict[str, int], min_count: int, max_final_vocab: int | None) -> int:
    """``min_count``, raised if needed so that at most ``max_final_vocab`` words remain.

    Examples
    --------
    >>> effective_min_count({"a": 9, "b": 5, "c": 5, "d": 1}, 1, 2)
    6
    """
    if max_final_vocab is None or max_final_vocab >= len(counts):
        return min_count
    ranked = sorted(counts.values(), reverse=True)
    return max(min_count, ranked[max_final_vocab] + 1)


def select_words(
    counts: dict[str, int],
    min_count: int,
    max_final_vocab: int | None = None,
    trim_rule: TrimRule | None = None,
    sorted_vocab: bool = True,
) -> tuple[list[str], np.ndarray]:
    """The words to keep and their counts, most frequent first when ``sorted_vocab``.

    Ties keep first-seen order, so the result never depends on hashing.

    Examples
    --------
    >>> select_words({"b": 1, "a": 3, "c": 3}, min_count=2)
    (['a', 'c'], array([3, 3]))
    """
    threshold = effective_min_count(counts, min_count, max_final_vocab)
    words = [word for word, count in counts.items() if keep_word(word, count, threshold, trim_rule)]
    word_counts = np.array([counts[word] for word in words], dtype=np.int64)
    if sorted_vocab and len(words):
        order = np.argsort(-word_counts, kind="stable")
        words = [words[i] for i in order]
        word_counts = word_counts[order]
    return words, word_counts




def vocabulary_report(raw_counts: dict[str, int], counts: np.ndarray, sample: float) -> dict[str, int]:
    """gensim's ``prepare_vocab`` report for words kept with ``counts`` out of ``raw_counts``.

    ``drop_unique``/``retain_total``/``num_retained_words``: the words and tokens
    ``min_count`` (or ``trim_rule``, ``max_final_vocab``) dropped and kept;
    ``downsample_unique``/``downsample_total``: the words subsampling thins and the tokens
    expected to survive it per pass (gensim's rounding: a sum of probabilities, truncated).

    Examples
    --------
    >>> report = vocabulary_report({"a": 100, "b": 3, "c": 1}, np.array([100, 3]), sample=0.1)
    >>> report["drop_unique"], report["retain_total"], report["downsample_unique"]
    (1, 103, 1)
    """
    from w2v.vocab.tables import keep_thresholds
    counts = np.asarray(counts, dtype=np.int64)
    retain_total = int(counts.sum())
    thresholds = keep_thresholds(counts, sample)
    if thresholds is None:
        probabilities = np.ones(len(counts))
    else:
        probabilities = np.minimum((thresholds.astype(np.float64) + 1) / 2.0 ** 32, 1.0)
    return {"drop_unique": len(raw_counts) - len(counts), "retain_total": retain_total,
            "num_retained_words": len(counts), "downsample_unique": int(np.count_nonzero(probabilities < 1.0)),
            "downsample_total": int((probabilities * counts).sum())}
