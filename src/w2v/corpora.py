"""Streaming corpora: read text files sentence by sentence, never whole.

Files ending in ``.gz``, ``.bz2`` or ``.xz`` are decompressed on the fly. Long lines are
cut into consecutive sentences of at most ``max_sentence_length`` tokens; no token is lost.

Memory stays bounded whatever the file: a line is read ``PIECE_BYTES`` at a time, each piece
cut after its last ASCII whitespace (so no token, and no UTF-8 character, is ever split), and
its sentences are handed out as they fill. A small compressed file of one gigabyte-long line
costs a megabyte or so, not gigabytes of tokens. Only a single token longer than a piece is
held whole (gathered in parts, in linear time).
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, AnyStr

from w2v.io.files import PathLike, open_binary

#: A line (or a block of a Text8 stream) is read this many bytes at a time.
PIECE_BYTES = 1 << 20
_ASCII_SPACES = (" ", "\t", "\r", "\x0b", "\x0c", "\n")


def _last_space(piece: AnyStr) -> int:
    """Index of the last ASCII whitespace in ``piece``, -1 if none."""
    spaces = _ASCII_SPACES if isinstance(piece, str) else tuple(space.encode() for space in _ASCII_SPACES)
    return max(piece.rfind(space) for space in spaces)


def _pieces(read: Callable[[int], AnyStr], size: int, cut: bool) -> Iterator[tuple[AnyStr, bool]]:
    """(piece, whether it ends a line) for what ``read(size)`` returns, pieces cut after
    whitespace (when ``cut``): a token that runs past a piece is carried into the next one,
    in parts joined once, so a long token costs linear time."""
    held: list = []
    while True:
        part = read(size)
        if not part:
            if held:
                yield held[0][:0].join(held), True
            return
        newline = b"\n" if isinstance(part, bytes) else "\n"
        if part.endswith(newline):
            held.append(part)
            yield part[:0].join(held), True
            held = []
            continue
        at = _last_space(part) if cut else -1
        if at < 0:
            held.append(part)
            continue
        held.append(part[:at + 1])
        yield part[:0].join(held), False
        held = [part[at + 1:]]


def _ascii_compatible(encoding: str) -> bool:
    """Whether ASCII whitespace bytes mean whitespace in ``encoding`` (UTF-8, Latin-1: yes; UTF-16: no)."""
    try:
        return codecs.lookup(encoding).encode(" \t\r\n")[0] == b" \t\r\n"
    except (LookupError, UnicodeError):
        return False


def _chunks(tokens: list[str], max_length: int) -> Iterator[list[str]]:
    for start in range(0, len(tokens), max_length):
        yield tokens[start:start + max_length]


def _decode(line: bytes | str, encoding: str, errors: str, where: str, line_number: int, offset: int = 0) -> str:
    """``line`` (or a piece of it starting at byte ``offset``) as text."""
    if isinstance(line, str):
        return line
    try:
        return line.decode(encoding, errors)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where}, line {line_number}: not valid {encoding} ({error.reason} at byte "
            f"{offset + error.start} of the line); pass errors='replace' or errors='surrogateescape' "
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

    def _line_pieces(self) -> Iterator[tuple[bytes | str, bool]]:
        cut = _ascii_compatible(self.encoding)
        if hasattr(self.source, "read"):
            self.source.seek(0)
            yield from _pieces(self.source.readline, PIECE_BYTES, cut)
        else:
            with open_binary(self.source) as handle:
                yield from _pieces(handle.readline, PIECE_BYTES, cut)

    def __iter__(self) -> Iterator[list[str]]:
        where = getattr(self.source, "name", None) or str(self.source)
        size = self.max_sentence_length
        line_number, offset, pending = 1, 0, []
        for piece, line_ends in self._line_pieces():
            if self.limit is not None and line_number > self.limit:
                break
            pending.extend(_decode(piece, self.encoding, self.errors, where, line_number, offset).split())
            ready = len(pending) if line_ends else len(pending) - len(pending) % size
            yield from _chunks(pending[:ready], size)
            pending = pending[ready:]
            offset = 0 if line_ends else offset + len(piece)
            line_number += line_ends


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
        with open_binary(self.fname) as handle:
            # Pieces end after whitespace: a word cut by a block boundary is carried whole.
            for text, _ in _pieces(handle.read, self.block_size, cut=True):
                try:
                    sentence.extend(text.decode(self.encoding, self.errors).split())
                except UnicodeDecodeError as error:
                    raise ValueError(f"{self.fname}: not valid {self.encoding} ({error.reason})") from None
                ready = len(sentence) - len(sentence) % self.max_sentence_length
                yield from _chunks(sentence[:ready], self.max_sentence_length)
                sentence = sentence[ready:]
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


# ---------------------------------------------------------------------- what Word2Vec is given

#: Suffixes of compressed files, which corpus_file mode cannot split into byte ranges.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zip")


class CorpusSource:
    """The corpus of one ``build_vocab``/``train`` call, checked once: sentences or a file.

    Exactly one of ``sentences`` (an iterable of lists of str tokens) and ``corpus_file``
    (a plain-text file) must be given. The classic mistakes fail here with a message that
    says what to do: a single string, a flat list of words, a one-shot iterator that must
    be read several times, a compressed or missing corpus file.

    Parameters
    ----------
    sentences : iterable of list of str, optional
    corpus_file : str or os.PathLike, optional
    passes : int
        How many times the sentences will be read (a one-shot iterator allows one).

    Examples
    --------
    >>> source = CorpusSource([["a", "b"]], passes=2)
    >>> source.path is None, source.sentences
    (True, [['a', 'b']])
    >>> CorpusSource(iter([["a"]]), passes=2)
    Traceback (most recent call last):
    ...
    TypeError: the corpus is a one-shot iterator (list_iterator) but training needs 2 passes over it (the vocabulary scan and each epoch); pass a list or a restartable iterable such as w2v.LineSentence, or an object whose __iter__ starts a new pass
    """

    def __init__(self, sentences: Iterable[list[str]] | None = None, corpus_file: PathLike | None = None,
                 passes: int = 1):
        if sentences is not None and corpus_file is not None:
            raise ValueError("give either sentences or corpus_file, not both")
        if sentences is None and corpus_file is None:
            raise TypeError("give exactly one of corpus_iterable (sentences) or corpus_file")
        self.sentences = sentences
        self.path: str | None = None
        if corpus_file is not None:
            self.path = self._checked_file(corpus_file)
        else:
            self._check_sentences(sentences, passes)

    @staticmethod
    def _checked_file(corpus_file: PathLike) -> str:
        path = os.fspath(corpus_file)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"corpus_file not found: {path!r}")
        if path.lower().endswith(COMPRESSED_SUFFIXES):
            raise ValueError(
                f"corpus_file {path!r} is compressed; corpus_file mode reads byte ranges of a plain "
                "text file in parallel. Decompress it, or pass sentences=w2v.LineSentence(path)")
        return path

    @staticmethod
    def _check_sentences(corpus: Any, passes: int) -> None:
        if isinstance(corpus, (str, bytes)):
            raise TypeError(
                "sentences is a single string; pass an iterable of sentences, each a list of str "
                "tokens (for example [line.split() for line in text.splitlines()]), or use "
                "corpus_file= for a path to a text file")
        if isinstance(corpus, Sequence) and len(corpus) and isinstance(corpus[0], str):
            raise TypeError(
                "sentences is a flat list of strings; each sentence must itself be a list of str "
                f"tokens: pass [{corpus[:3]!r}...] wrapped as a list of lists, e.g. [words]")
        try:
            one_shot = iter(corpus) is corpus
        except TypeError:
            raise TypeError(f"sentences must be an iterable of sentences (lists of str tokens), got "
                            f"{type(corpus).__name__}") from None
        if passes > 1 and one_shot:
            raise TypeError(
                f"the corpus is a one-shot iterator ({type(corpus).__name__}) but training needs "
                f"{passes} passes over it (the vocabulary scan and each epoch); pass a list or a "
                "restartable iterable such as w2v.LineSentence, or an object whose __iter__ "
                "starts a new pass")
