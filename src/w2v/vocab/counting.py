"""Counting the words of a corpus in one pass: an iterable of sentences, or a text file in C."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

from w2v.train import _corpusfile
from w2v.vocab import _vocab
from w2v.vocab.selection import TrimRule

logger = logging.getLogger(__name__)


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


