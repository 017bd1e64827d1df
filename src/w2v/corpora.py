"""Streaming corpora: read text files sentence by sentence, never whole.

Files ending in ``.gz``, ``.bz2`` or ``.xz`` are decompressed on the fly. Long lines are
cut into consecutive sentences of at most ``max_sentence_length`` tokens; no token is lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

from w2v.io.files import PathLike, open_binary


def _chunks(tokens: list[str], max_length: int) -> Iterator[list[str]]:
    for start in range(0, len(tokens), max_length):
        yield tokens[start:start + max_length]


def _decode(line: bytes | str, encoding: str, errors: str, where: str, line_number: int) -> str:
    if isinstance(line, str):
        return line
    try:
        return line.decode(encoding, errors)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where}, line {line_number}: not valid {encoding} ({error.reason} at byte "
            f"{error.start} of the line); pass errors='replace' or errors='surrogateescape' "
            "to read it anyway") from None


def _check_length(max_sentence_length: int) -> int:
    if int(max_sentence_length) < 1:
        raise ValueError(f"max_sentence_length must be >= 1, got {max_sentence_length}")
    return int(max_sentence_length)


class LineSentence:
    """Sentences from a text file, one per line, tokens separated by whitespace.

    Parameters
    ----------
    source : str, os.PathLike or file object
        A path (``.gz``/``.bz2``/``.xz`` decompressed) or an open file, rewound on each pass.
    max_sentence_length : int
        Longer lines are split into consecutive sentences of this many tokens.
    limit : int, optional
        Read only the first ``limit`` lines.
    encoding, errors : str
        How bytes become text; a line that does not decode raises ``ValueError`` naming the
        file and line unless ``errors`` says otherwise.

    Examples
    --------
    >>> import io
    >>> corpus = LineSentence(io.BytesIO(b"the cat sat\\n\\nthe dog ran away\\n"), max_sentence_length=3)
    >>> list(corpus)
    [['the', 'cat', 'sat'], ['the', 'dog', 'ran'], ['away']]
    """

    def __init__(self, source: PathLike | IO, max_sentence_length: int = 10000,
                 limit: int | None = None, encoding: str = "utf-8", errors: str = "strict"):
        self.source = source
        self.max_sentence_length = _check_length(max_sentence_length)
        self.limit = limit
        self.encoding = encoding
        self.errors = errors

    def _lines(self) -> Iterator[bytes | str]:
        if hasattr(self.source, "read"):
            self.source.seek(0)
            yield from self.source
        else:
            with open_binary(self.source) as handle:
                yield from handle

    def __iter__(self) -> Iterator[list[str]]:
        where = getattr(self.source, "name", None) or str(self.source)
        for line_number, line in enumerate(self._lines(), 1):
            if self.limit is not None and line_number > self.limit:
                break
            text = _decode(line, self.encoding, self.errors, where, line_number)
            yield from _chunks(text.split(), self.max_sentence_length)


class Text8Corpus:
    """Sentences of ``max_sentence_length`` tokens from one long stream of whitespace-separated
    words, such as text8 (a single line of 100 MB), read in fixed-size blocks.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "text8")
    >>> with open(path, "w") as f:
    ...     _ = f.write("one two three four five")
    >>> list(Text8Corpus(path, max_sentence_length=2))
    [['one', 'two'], ['three', 'four'], ['five']]
    """

    def __init__(self, fname: PathLike, max_sentence_length: int = 10000,
                 encoding: str = "utf-8", errors: str = "strict", block_size: int = 1 << 20):
        self.fname = fname
        self.max_sentence_length = _check_length(max_sentence_length)
        self.encoding = encoding
        self.errors = errors
        self.block_size = block_size

    def __iter__(self) -> Iterator[list[str]]:
        sentence: list[str] = []
        rest = b""
        with open_binary(self.fname) as handle:
            while True:
                block = handle.read(self.block_size)
                text = rest + block
                if block:
                    # Keep a word cut by the block boundary for the next block.
                    cut = max(text.rfind(b" "), text.rfind(b"\n"), text.rfind(b"\t"), text.rfind(b"\r"))
                    text, rest = (text[:cut], text[cut:]) if cut >= 0 else (b"", text)
                try:
                    sentence.extend(text.decode(self.encoding, self.errors).split())
                except UnicodeDecodeError as error:
                    raise ValueError(f"{self.fname}: not valid {self.encoding} ({error.reason})") from None
                while len(sentence) >= self.max_sentence_length:
                    yield sentence[:self.max_sentence_length]
                    sentence = sentence[self.max_sentence_length:]
                if not block:
                    break
        if sentence:
            yield sentence


class PathLineSentences:
    """Like ``LineSentence``, over every file in a directory (sorted by name), or one file.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> for name, text in [("b.txt", "second file"), ("a.txt", "first file")]:
    ...     with open(os.path.join(folder, name), "w") as f:
    ...         _ = f.write(text + "\\n")
    >>> list(PathLineSentences(folder))
    [['first', 'file'], ['second', 'file']]
    """

    def __init__(self, source: PathLike, max_sentence_length: int = 10000,
                 limit: int | None = None, encoding: str = "utf-8", errors: str = "strict"):
        source = os.fspath(source)
        if os.path.isfile(source):
            self.input_files = [source]
        elif os.path.isdir(source):
            self.input_files = sorted(
                os.path.join(source, name) for name in os.listdir(source)
                if os.path.isfile(os.path.join(source, name)))
        else:
            raise FileNotFoundError(f"no such file or directory: {source!r}")
        self.source = source
        self.max_sentence_length = _check_length(max_sentence_length)
        self.limit = limit
        self.encoding = encoding
        self.errors = errors

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.input_files:
            yield from LineSentence(path, self.max_sentence_length, self.limit,
                                    self.encoding, self.errors)
