"""Cutting a corpus between processes and, within a process, between synchronisations.

A corpus is one plain-text file or a list of them, read as their concatenation. It is cut
into byte *segments* at line starts, so no sentence is ever split between two pieces and a
process trains exactly the sentences a single process would (the token rule of
``corpus_file`` mode, a token belongs to the range holding its first byte, then never has
to apply mid-line). Process p of P takes the p-th of P equal shares of the bytes.
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from w2v.corpora import CorpusSource
from w2v.train import _corpusfile

#: Bytes read at a time while looking for the next line start.
_SCAN_BYTES = 1 << 16


@dataclass(frozen=True)
class Segment:
    """The bytes [start, end) of one file."""

    path: str
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


Share = list[Segment]


def corpus_files(corpus_file: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """The corpus's files, each checked as ``Word2Vec(corpus_file=...)`` checks one.

    Examples
    --------
    >>> corpus_files([])
    Traceback (most recent call last):
    ...
    ValueError: corpus_file is an empty list of files
    """
    paths = [corpus_file] if isinstance(corpus_file, (str, bytes, os.PathLike)) else list(corpus_file)
    if not paths:
        raise ValueError("corpus_file is an empty list of files")
    return [CorpusSource(corpus_file=path).path for path in paths]


def line_start(path: str, offset: int, size: int) -> int:
    """The first offset >= ``offset`` at which a line of ``path`` starts (``size`` at the end).

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "c.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"ab cd\\nef\\n")
    >>> [line_start(path, offset, 9) for offset in (0, 1, 6, 7, 9)]
    [0, 6, 6, 9, 9]
    """
    if offset <= 0:
        return 0
    if offset >= size:
        return size
    with open(path, "rb") as file:
        file.seek(offset - 1)
        position = offset - 1
        while True:
            block = file.read(_SCAN_BYTES)
            if not block:
                return size
            newline = block.find(b"\n")
            if newline >= 0:
                return min(position + newline + 1, size)
            position += len(block)


def split(segments: Share, parts: int) -> list[Share]:
    """``segments`` (a run of the corpus, read as one text) cut into ``parts`` pieces of about
    equal bytes, each cut moved forward to the next line start; a piece may be empty.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "c.txt")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(b"one\\ntwo\\nthree\\nfour\\n")
    >>> [[(s.start, s.end) for s in piece] for piece in split([Segment(path, 0, 19)], 2)]
    [[(0, 14)], [(14, 19)]]
    """
    starts = list(itertools.accumulate((segment.size for segment in segments), initial=0))
    total = starts[-1]
    cuts = [0]
    for part in range(1, parts):
        target = total * part // parts
        i = max(bisect.bisect_right(starts, target) - 1, 0)
        if i >= len(segments):  # the target is the very end
            cuts.append(total)
            continue
        segment = segments[i]
        aligned = line_start(segment.path, segment.start + target - starts[i], segment.end)
        cuts.append(max(cuts[-1], starts[i] + aligned - segment.start))
    cuts.append(total)
    return [_clip(segments, starts, low, high) for low, high in zip(cuts, cuts[1:])]


def _clip(segments: Share, starts: list[int], low: int, high: int) -> Share:
    """The parts of ``segments`` between the text offsets ``low`` and ``high``."""
    clipped = []
    for segment, first in zip(segments, starts):
        begin, end = max(low, first), min(high, first + segment.size)
        if begin < end:
            clipped.append(Segment(segment.path, segment.start + begin - first, segment.start + end - first))
    return clipped


def split_corpus(paths: list[str], processes: int) -> list[Share]:
    """Each process's share of the corpus: ``processes`` runs of about equal bytes, in file order."""
    return split([Segment(path, 0, os.path.getsize(path)) for path in paths], processes)


def count_share(share: Share) -> tuple[dict[str, int], int, int]:
    """Word counts (first-seen order), sentences and words of ``share``, counted in C.

    Nothing is pruned: the shares' counts are merged into exactly the counts of the whole
    corpus (``merge_counts``).
    """
    counts: dict[str, int] = {}
    sentences = words = 0
    for segment in share:
        found, segment_sentences, segment_words = _corpusfile.scan_corpus_file(
            segment.path, None, None, segment.start, segment.end)
        for word, count in found.items():
            counts[word] = counts.get(word, 0) + count
        sentences += segment_sentences
        words += segment_words
    return counts, sentences, words


def merge_counts(parts: list[tuple[dict[str, int], int, int]]) -> tuple[dict[str, int], int, int]:
    """The shares' counts added up, in rank order: first-seen order is the corpus's own.

    Examples
    --------
    >>> merge_counts([({"b": 2, "a": 1}, 1, 3), ({"c": 1, "a": 4}, 2, 5)])
    ({'b': 2, 'a': 5, 'c': 1}, 3, 8)
    """
    counts: dict[str, int] = {}
    for part_counts, _, _ in parts:
        for word, count in part_counts.items():
            counts[word] = counts.get(word, 0) + count
    return counts, sum(part[1] for part in parts), sum(part[2] for part in parts)
