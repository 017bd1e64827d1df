"""Vocabulary: counting words, choosing which to keep, and the tables training needs.

The functions here are small and separate on purpose: ``scan_corpus`` counts,
``select_words`` applies ``min_count``/``max_final_vocab``/``trim_rule``/sorting, and
``keep_thresholds``, ``noise_alias_table`` and ``huffman_tree`` turn the final counts into
the arrays the kernels read (subsampling, negative sampling, hierarchical softmax).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from w2v import _corpusfile, _vocab

logger = logging.getLogger(__name__)

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


@dataclass
class CorpusScan:
    """What one pass over a corpus found.

    Attributes
    ----------
    counts : dict
        Word -> count, in first-seen order (after any ``max_vocab_size`` pruning).
    sentences : int
        Number of sentences (gensim's ``corpus_count``).
    total_words : int
        Number of tokens, pruned words included (gensim's ``corpus_total_words``).

    Examples
    --------
    >>> scan = scan_corpus([["a", "b"], ["a"]])
    >>> scan.counts, scan.sentences, scan.total_words
    ({'a': 2, 'b': 1}, 2, 3)
    """

    counts: dict[str, int]
    sentences: int
    total_words: int


def scan_corpus(
    corpus: Iterable[list[str]],
    max_vocab_size: int | None = None,
    trim_rule: TrimRule | None = None,
    progress_per: int = 10000,
) -> CorpusScan:
    """Count every word of ``corpus`` in one streaming pass.

    With ``max_vocab_size``, whenever more distinct words than that are held, words rarer
    than a threshold are dropped and the threshold grows by one (gensim's rule), so memory
    stays bounded; counts of words dropped and seen again restart from zero.

    Examples
    --------
    >>> scan_corpus([["a", "b", "c"], ["a"]], max_vocab_size=2).counts
    {'a': 2}
    """
    if isinstance(corpus, (str, bytes)):
        raise TypeError(
            "the corpus is a single string; pass an iterable of sentences, each a list of "
            "str tokens (for example [line.split() for line in text.splitlines()]), or use "
            "corpus_file= for a path")
    counter = _vocab.WordCounter()
    min_reduce = 1
    for sentence in corpus:
        counter.add_sentence(sentence)
        if progress_per and counter.sentences % progress_per == 0:
            logger.info("PROGRESS: at sentence #%i, processed %i words, keeping %i word types",
                        counter.sentences, counter.total_words, len(counter))
        if max_vocab_size and len(counter) > max_vocab_size:
            counter.prune(min_reduce, trim_rule)
            min_reduce += 1
    logger.info("collected %i word types from a corpus of %i raw words and %i sentences",
                len(counter), counter.total_words, counter.sentences)
    return CorpusScan(counter.counts(), counter.sentences, counter.total_words)


def scan_corpus_file(path: str | os.PathLike, max_vocab_size: int | None = None,
                     trim_rule: TrimRule | None = None) -> CorpusScan:
    """Count every word of a plain-text file in one pass, in C (corpus_file mode).

    Tokens are runs of non-whitespace bytes (ASCII whitespace only); a word that is not
    valid UTF-8 keeps its bytes through ``surrogateescape``. Sentences are counted as
    ``LineSentence`` yields them.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("a b a\\n\\nb c\\n")
    >>> scan = scan_corpus_file(path)
    >>> scan.counts, scan.sentences, scan.total_words
    ({'a': 2, 'b': 2, 'c': 1}, 2, 5)
    """
    counts, sentences, total_words = _corpusfile.scan_corpus_file(path, max_vocab_size, trim_rule)
    logger.info("collected %i word types from a corpus file of %i raw words and %i sentences",
                len(counts), total_words, sentences)
    return CorpusScan(counts, sentences, total_words)


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


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray | None:
    """Per-word subsampling thresholds (the C tool's formula), or None when ``sample == 0``.

    A token of a word with count c is kept with probability
    p = (sqrt(c / (t N)) + 1) (t N) / c, capped at 1, where N is the number of retained
    words and t = ``sample`` (a ``sample`` >= 1 is read as an absolute count, as in gensim).
    The kernel keeps a token when a 32-bit random number is <= floor(p * 2**32), capped.

    Examples
    --------
    >>> thresholds = keep_thresholds(np.array([100000, 10]), 1e-3)
    >>> bool(thresholds[1] == 2**32 - 1), bool(thresholds[0] < 2**32 - 1)
    (True, True)
    """
    if not sample:
        return None
    counts = np.asarray(counts, dtype=np.float64)
    retained = counts.sum()
    threshold_count = sample * retained if sample < 1.0 else sample * (3 + math.sqrt(5)) / 2
    with np.errstate(divide="ignore"):
        probability = (np.sqrt(counts / threshold_count) + 1) * (threshold_count / counts)
    probability = np.minimum(np.nan_to_num(probability, nan=1.0, posinf=1.0), 1.0)
    return np.minimum(np.floor(probability * 2.0**32), 2.0**32 - 1).astype(np.uint32)


def expected_kept_words(counts: np.ndarray, thresholds: np.ndarray | None) -> int:
    """How many words survive subsampling per pass, on average.

    Examples
    --------
    >>> expected_kept_words(np.array([10, 20]), None)
    30
    """
    if thresholds is None:
        return int(np.sum(counts))
    return int(np.sum(counts * ((thresholds.astype(np.float64) + 1) / 2.0**32)))


def noise_alias_table(counts: np.ndarray, ns_exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Alias table of the noise distribution, proportional to ``count ** ns_exponent``.

    Examples
    --------
    >>> accept, other = noise_alias_table(np.array([8, 1]), 1.0)
    >>> accept.dtype.name, other.dtype.name
    ('uint32', 'int32')
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError(f"ns_exponent={ns_exponent} gives no usable noise distribution")
    return _vocab.alias_table(np.ascontiguousarray(weights / total))


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Huffman tree over ``counts`` for hierarchical softmax: (points, codes, offsets).

    Word w's path from the root is ``points[offsets[w]:offsets[w + 1]]`` (rows of syn1) with
    branch bits ``codes[...]``; frequent words get short codes.

    Examples
    --------
    >>> points, codes, offsets = huffman_tree(np.array([10, 5, 1, 1]))
    >>> np.diff(offsets).tolist()
    [1, 2, 3, 3]
    """
    return _vocab.huffman_tree(np.ascontiguousarray(counts, dtype=np.int64))
