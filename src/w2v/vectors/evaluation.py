"""Intrinsic evaluation of word vectors: analogies (3CosAdd, 3CosMul) and word-pair similarity.

Both follow gensim's protocol (upper-case folding, the first ``restrict_vocab`` words, query
words never count as answers, out-of-vocabulary questions skipped or counted wrong), with two
differences, on purpose:

* The analogy questions are answered in blocks: one matrix product scores a block of
  questions against the whole restricted vocabulary, so 20 000 questions take seconds, not
  minutes. ``similarity_function="most_similar_cosmul"`` really uses 3CosMul.
* A malformed line (an analogy without exactly four words, a pair without two words and a
  number, a question before the first ``:`` section) raises ``ValueError`` naming the file
  and line number, where gensim skips it with a log message: a test set that silently
  loses questions gives scores that cannot be compared. Blank lines and lines starting
  with ``#`` are skipped; in analogy files a line starting with ``:`` starts a section.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

import numpy as np

from w2v.io.files import open_binary

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

SIMILARITY_FUNCTIONS = ("most_similar", "most_similar_cosmul")

#: Scores computed per matrix product (64 MiB of float32).
BLOCK_ELEMENTS = 1 << 24


def _lines(path: PathLike, encoding: str = "utf8") -> Iterator[tuple[int, str]]:
    """(line number from 1, text) of each non-blank, non-comment line."""
    with open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode(encoding).strip()
            except UnicodeDecodeError as error:
                raise ValueError(f"{os.fspath(path)}, line {number}: not valid {encoding}: {error}") from None
            if line and not line.startswith("#"):
                yield number, line


@dataclass
class AnalogySection:
    """The questions of one ``: section`` of an analogy file.

    Examples
    --------
    >>> AnalogySection("capitals", [("A", "B", "C", "D")]).questions
    [('A', 'B', 'C', 'D')]
    """

    name: str
    questions: list[tuple[str, str, str, str]] = field(default_factory=list)


def read_analogies(path: PathLike, case_insensitive: bool = True) -> list[AnalogySection]:
    """Parse an analogy file: ``: section`` lines, then ``a b c expected`` lines.

    Raises
    ------
    ValueError
        Naming the line, for a question outside any section or without exactly 4 words.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "analogies.txt")
    >>> _ = open(path, "w").write("# test\\n: capitals\\nathens greece paris france\\n")
    >>> read_analogies(path)
    [AnalogySection(name='capitals', questions=[('ATHENS', 'GREECE', 'PARIS', 'FRANCE')])]
    """
    sections: list[AnalogySection] = []
    for number, line in _lines(path):
        if line.startswith(":"):
            sections.append(AnalogySection(line[1:].strip()))
            continue
        words = line.split()
        if len(words) != 4:
            raise ValueError(f"{os.fspath(path)}, line {number}: expected 4 words (a b c expected), "
                             f"found {len(words)}: {line!r}")
        if not sections:
            raise ValueError(f"{os.fspath(path)}, line {number}: question before the first ': section' line")
        if case_insensitive:
            words = [word.upper() for word in words]
        sections[-1].questions.append(tuple(words))
    return sections


class _RestrictedVocabulary:
    """The first ``restrict_vocab`` keys, folded to upper case when case-insensitive.

    Several keys can fold to the same word ("Paris", "paris"): the first (most frequent)
    stands for the word, and none of them may answer a question that asks that word.
    """

    def __init__(self, kv: "KeyedVectors", restrict_vocab: int, case_insensitive: bool):
        self.limit = min(int(restrict_vocab), len(kv))
        keys = kv.index_to_key[:self.limit]
        folded = [key.upper() for key in keys] if case_insensitive else keys
        self.row_of: dict[str, int] = {}
        for row, word in enumerate(folded):
            self.row_of.setdefault(word, row)
        self.group = np.array([self.row_of[word] for word in folded], dtype=np.intp)
        members: dict[int, list[int]] = {}
        for row, group in enumerate(self.group.tolist()):
            if group != row:
                members.setdefault(group, [group]).append(row)
        self.variants = members  # only the groups with more than one key

    def rows(self, words: tuple[str, ...]) -> list[int] | None:
        rows = [self.row_of.get(word) for word in words]
        return None if None in rows else rows


def _answer_block(kv: "KeyedVectors", vocabulary: _RestrictedVocabulary, rows: np.ndarray,
                  cosmul: bool) -> np.ndarray:
    """Row of the best answer to each question (a, b, c rows in ``rows``, shape (m, 3))."""
    limit = vocabulary.limit
    inverse = kv._inverse_norms()
    unit = kv._float_rows(rows) * inverse[rows][..., np.newaxis]  # (m, 3, d)
    if cosmul:
        # 3CosMul: one product scores a, b and c against every word.
        cosines = kv._products(unit.reshape(-1, kv.vector_size), limit) * inverse[:limit]
        shifted = ((1 + cosines) / 2).reshape(len(rows), 3, limit)
        scores = shifted[:, 1] * shifted[:, 2] / (shifted[:, 0] + 1e-6)
    else:
        # 3CosAdd: the unit mean of b + c - a (gensim's most_similar), one product.
        query = unit[:, 1] + unit[:, 2] - unit[:, 0]
        query /= np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-12)
        scores = kv._products(query, limit) * inverse[:limit]
    for column in range(3):
        scores[np.arange(len(rows)), rows[:, column]] = -np.inf  # the query words never answer
    if vocabulary.variants:
        for i, question in enumerate(rows.tolist()):
            for row in question:
                if row in vocabulary.variants:
                    scores[i, vocabulary.variants[row]] = -np.inf
    return np.argmax(scores, axis=1)


def evaluate_word_analogies(kv: "KeyedVectors", analogies: PathLike, restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False,
                            similarity_function: str = "most_similar") -> tuple[float, list[dict]]:
    """Accuracy on an analogy test set: "a is to b as c is to ?" (``a b c expected``).

    Parameters
    ----------
    kv : KeyedVectors
    analogies : str or os.PathLike
        Lines ``a b c expected`` in sections started by ``: name`` lines (the format of
        ``questions-words.txt``); ``.gz``/``.bz2`` files are read too.
    restrict_vocab : int
        Only the first ``restrict_vocab`` keys take part, as questions and as answers.
    case_insensitive : bool
        Fold keys and questions to upper case; of several keys that fold to the same word
        the first (most frequent) is used.
    dummy4unknown : bool
        Count a question with an unknown word as wrong, instead of skipping it.
    similarity_function : {"most_similar", "most_similar_cosmul"}
        3CosAdd or 3CosMul.

    Returns
    -------
    score : float
        Accuracy over every section (0.0 when no question could be asked).
    sections : list of dict
        One dict per section, ``{"section": name, "correct": [...], "incorrect": [...]}``
        with the questions as 4-tuples, then ``"Total accuracy"`` over all sections.

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["man", "woman", "king", "queen"],
    ...                np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 0.2], [3.0, 2.9]]))
    >>> path = os.path.join(tempfile.mkdtemp(), "analogies.txt")
    >>> _ = open(path, "w").write(": royals\\nman woman king queen\\nman king woman queen\\n")
    >>> score, sections = kv.evaluate_word_analogies(path)
    >>> score, [(s["section"], len(s["correct"])) for s in sections]
    (1.0, [('royals', 2), ('Total accuracy', 2)])
    """
    if similarity_function not in SIMILARITY_FUNCTIONS:
        raise ValueError(f"similarity_function must be one of {SIMILARITY_FUNCTIONS}, got {similarity_function!r}")
    parsed = read_analogies(analogies, case_insensitive)
    vocabulary = _RestrictedVocabulary(kv, restrict_vocab, case_insensitive)
    block = max(1, BLOCK_ELEMENTS // (3 * max(vocabulary.limit, 1)))
    sections, total_questions, oov = [], 0, 0
    for parsed_section in parsed:
        section = {"section": parsed_section.name, "correct": [], "incorrect": []}
        known, rows = [], []
        for question in parsed_section.questions:
            total_questions += 1
            question_rows = vocabulary.rows(question)
            if question_rows is None:
                oov += 1
                if dummy4unknown:
                    section["incorrect"].append(question)
                continue
            known.append(question)
            rows.append(question_rows)
        rows_array = np.array(rows, dtype=np.intp).reshape(-1, 4)
        for start in range(0, len(known), block):
            chunk = rows_array[start:start + block]
            answers = _answer_block(kv, vocabulary, chunk[:, :3], similarity_function == "most_similar_cosmul")
            for question, right in zip(known[start:start + block], (vocabulary.group[answers] == chunk[:, 3]).tolist()):
                section["correct" if right else "incorrect"].append(question)
        _log_section(section)
        sections.append(section)
    total = {
        "section": "Total accuracy",
        "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
        "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections)),
    }
    if total_questions:
        logger.info("Quadruplets with out-of-vocabulary words: %.1f%%", 100.0 * oov / total_questions)
    score = _log_section(total)
    sections.append(total)
    return score, sections


def _log_section(section: dict) -> float:
    correct, incorrect = len(section["correct"]), len(section["incorrect"])
    if correct + incorrect == 0:
        return 0.0
    score = correct / (correct + incorrect)
    logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * score, correct, correct + incorrect)
    return score


def read_word_pairs(path: PathLike, delimiter: str = "\t", encoding: str = "utf8",
                    case_insensitive: bool = True) -> list[tuple[str, str, float]]:
    """Parse a word-pair file: ``word1<delimiter>word2<delimiter>score`` lines.

    Raises
    ------
    ValueError
        Naming the line, for a line without two words and a number.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> _ = open(path, "w").write("# word1 word2 score\\ntiger\\tcat\\t7.35\\n")
    >>> read_word_pairs(path)
    [('TIGER', 'CAT', 7.35)]
    """
    pairs = []
    for number, line in _lines(path, encoding):
        fields = line.split(delimiter)
        try:
            if len(fields) != 3:
                raise ValueError(f"expected 3 fields separated by {delimiter!r}, found {len(fields)}")
            first, second, score = fields[0].strip(), fields[1].strip(), float(fields[2])
        except ValueError as error:
            raise ValueError(f"{os.fspath(path)}, line {number}: {error}: {line!r}") from None
        if case_insensitive:
            first, second = first.upper(), second.upper()
        pairs.append((first, second, score))
    return pairs


def evaluate_word_pairs(kv: "KeyedVectors", pairs: PathLike, delimiter: str = "\t", encoding: str = "utf8",
                        restrict_vocab: int = 300000, case_insensitive: bool = True,
                        dummy4unknown: bool = False) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Correlation of the model's cosine similarities with human scores (e.g. WordSim-353).

    Parameters
    ----------
    kv : KeyedVectors
    pairs : str or os.PathLike
        Lines ``word1<delimiter>word2<delimiter>score``; ``#`` lines are comments.
    delimiter, encoding : str
    restrict_vocab : int
        Only the first ``restrict_vocab`` keys are known.
    case_insensitive : bool
        Fold keys and pairs to upper case (the first of several variants is used).
    dummy4unknown : bool
        Give a pair with an unknown word similarity 0 instead of skipping it.

    Returns
    -------
    pearson : (float, float)
        Pearson's r and its two-sided p-value.
    spearman : (float, float)
        Spearman's rho and its two-sided p-value.
    oov_ratio : float
        Percentage of pairs with an unknown word.

    Raises
    ------
    ValueError
        If no pair can be scored, or for a malformed line (naming it).

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0]]))
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> _ = open(path, "w").write("a\\tb\\t9\\na\\tc\\t1\\nb\\tc\\t5\\na\\tzzz\\t3\\n")
    >>> pearson, spearman, oov = kv.evaluate_word_pairs(path)
    >>> round(spearman[0], 3), oov
    (1.0, 25.0)
    """
    parsed = read_word_pairs(pairs, delimiter, encoding, case_insensitive)
    vocabulary = _RestrictedVocabulary(kv, restrict_vocab, case_insensitive)
    gold, rows, oov = [], [], 0
    for first, second, score in parsed:
        row_pair = vocabulary.rows((first, second))
        if row_pair is None:
            oov += 1
            if not dummy4unknown:
                continue
        gold.append(score)
        rows.append(row_pair or [-1, -1])
    if not gold:
        raise ValueError(f"no word pair of {os.fspath(pairs)} can be scored: the file is empty, or every "
                         f"pair has a word outside the first {vocabulary.limit} keys of {kv}")
    rows_array = np.array(rows, dtype=np.intp)
    inverse = kv._inverse_norms()
    unit = kv._float_rows(rows_array) * inverse[rows_array][..., np.newaxis]
    model = np.einsum("ij,ij->i", unit[:, 0], unit[:, 1]).astype(np.float64)
    model[rows_array[:, 0] < 0] = 0.0  # dummy4unknown
    from scipy import stats  # imported here: it takes a noticeable time, and only this needs it
    pearson = stats.pearsonr(gold, model)
    spearman = stats.spearmanr(gold, model)
    oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
    logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
    logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
    logger.info("Pairs with unknown words ratio: %.1f%%", oov_ratio)
    return (float(pearson[0]), float(pearson[1])), (float(spearman[0]), float(spearman[1])), oov_ratio
