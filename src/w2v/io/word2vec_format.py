"""The C word2vec tool's vector formats, text and binary, as gensim reads and writes them.

Both start with a header line ``"<count> <dimension>\\n"``. Then, per key:

* text: ``key v1 v2 ... vd\\n``. We write each number as the shortest decimal that reads
  back to the same float32 (what gensim writes, so a w2v text file is byte-identical to
  gensim's for the same vectors, and loses nothing), formatted in C
  (``w2v.io._textformat``) with NumPy's own ``str`` bytes. The C tool writes ``%lf`` (six
  decimals, then a space before the newline); every reader accepts both.
* binary: ``key `` then the d float32 values, little-endian, then ``\\n`` (the C tool's
  layout; gensim omits the newline, and readers skip a newline before a key).

A ``.gz`` or ``.bz2`` (or ``.xz``) suffix compresses or decompresses on the fly. Keys are
UTF-8 (``encoding``); a key may not contain ASCII whitespace, which the formats use as
separator. Keys holding invalid UTF-8 from a corpus file (kept as ``surrogateescape``
characters) are written as their original bytes; read them back with
``unicode_errors="surrogateescape"``.

Reading (``w2v.io.word2vec_reader``) is chunked, vectorised and linear in the file's size:
binary records are located with ``bytes.find`` and the floats taken with ``np.frombuffer``;
text numbers are parsed by NumPy's C parser, a block of lines at a time. A malformed file
raises ``FormatError`` naming the line (text) or byte offset (binary), a truncated one
``TruncatedFileError`` (also an ``EOFError``): never a crash, never a silently shorter model.
Invalid UTF-8 in a key raises unless ``unicode_errors`` is ``"replace"``, ``"ignore"`` or
``"surrogateescape"`` (the C tool cuts long words at a byte count, which can split a character).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Union

import numpy as np

from w2v.io import FormatError, UndecodableKeyError, _textformat, word2vec_reader as reader
from w2v.io.files import _OPENERS, atomic_write, decompression_errors, encode_keys, open_binary
from w2v.io.word2vec_reader import CHUNK_BYTES, MAX_LINE_BYTES

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

#: Lines written per write() call.
WRITE_LINES = 1024
#: A vocabulary file's count: a non-negative decimal integer, at most 18 digits.
_COUNT = re.compile(r"[0-9]{1,18}")
#: What the C tool and the readers split on. Other Unicode spaces (U+00A0, U+3000, ...) can
#: be inside a key: the corpus-file reader splits on ASCII whitespace only, as the C tool does.
_WHITESPACE = re.compile(r"[ \t\n\r\x0b\x0c]")


# ---------------------------------------------------------------------- writing

def _write_order(kv: "KeyedVectors", sort_attr: str) -> np.ndarray:
    """Rows in the order gensim writes them: by descending ``sort_attr`` when there is one."""
    if sort_attr in kv.expandos:
        return np.argsort(-kv.expandos[sort_attr][:len(kv)], kind="stable")
    return np.arange(len(kv))


def _checked_keys(kv: "KeyedVectors", order: np.ndarray, prefix: str) -> list[str]:
    keys = [prefix + kv.index_to_key[i] for i in order.tolist()]
    for key in keys:
        if not key or _WHITESPACE.search(key):
            raise ValueError(f"key {key!r} is empty or contains whitespace, which the word2vec format "
                             "uses as a separator; rename it or use the native format (kv.save)")
    encode_keys(keys)  # a key that would not read back as itself is refused before any file is opened
    return keys


def _text_lines(keys: list[str], vectors: np.ndarray, order: np.ndarray) -> Iterator[bytes]:
    # Each number as str(numpy.float32(x)), the shortest decimal that reads back exactly
    # (gensim's output), computed in C.
    for start in range(0, len(keys), WRITE_LINES):
        encoded = [key.encode("utf-8", "surrogateescape") for key in keys[start:start + WRITE_LINES]]
        yield _textformat.text_lines(encoded, vectors, order[start:start + WRITE_LINES])


def _binary_records(keys: list[str], vectors: np.ndarray, order: np.ndarray) -> Iterator[bytes]:
    little = vectors.astype("<f4", copy=False)
    for start in range(0, len(keys), WRITE_LINES):
        rows = order[start:start + WRITE_LINES]
        yield b"".join(key.encode("utf-8", "surrogateescape") + b" " + vector.tobytes() + b"\n"
                       for key, vector in zip(keys[start:start + WRITE_LINES], little[rows]))


@contextlib.contextmanager
def _atomic_append(path: PathLike) -> Iterator[IO[bytes]]:
    """Write ``path`` atomically after what it already holds (gensim's ``append=True``).

    The old bytes are copied into the new file first, so a crash leaves the old file whole;
    a compressed file gets a new compressed member after its old ones, which every gzip,
    bzip2 and xz reader reads as one stream.
    """
    path = os.fspath(path)
    with atomic_write(path, compress=False) as raw:
        if os.path.exists(path):
            with open(path, "rb") as old:
                while chunk := old.read(CHUNK_BYTES):
                    raw.write(chunk)
        opener = _OPENERS.get(os.path.splitext(path)[1].lower())
        if opener is None:
            yield raw
        else:
            with opener(raw, "wb") as compressed:
                yield compressed


def save_word2vec_format(kv: "KeyedVectors", fname: PathLike, fvocab: PathLike | None = None,
                         binary: bool = False, total_vec: int | None = None, write_header: bool = True,
                         prefix: str = "", append: bool = False, sort_attr: str = "count") -> None:
    """Write ``kv`` in the C tool's format, atomically (gensim's parameters and meanings).

    Parameters
    ----------
    kv : KeyedVectors
    fname : str or os.PathLike
        Output path; ``.gz``/``.bz2``/``.xz`` compress.
    fvocab : str or os.PathLike, optional
        Also write ``key count`` lines (the C tool's ``-save-vocab``) here.
    binary : bool
        Binary records instead of text lines.
    total_vec : int, optional
        Count written in the header (default ``len(kv)``).
    write_header : bool
        Write the ``count dimension`` header line.
    prefix : str
        Prepended to every key (of the vocabulary file too).
    append : bool
        Add to the end of existing files (``fname`` and ``fvocab``) instead of replacing
        them, e.g. a second set of vectors with ``write_header=False`` and another
        ``prefix``; still atomic.
    sort_attr : str
        Keys are written by descending value of this attribute when ``kv`` has it (as
        gensim does), otherwise in row order.

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b"], np.array([[0.5, -1.0], [0.1, 2.0]]), extras={"count": [1, 5]})
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> kv.save_word2vec_format(path)
    >>> print(open(path).read(), end="")
    2 2
    b 0.1 2.0
    a 0.5 -1.0
    >>> kv.save_word2vec_format(path, write_header=False, prefix="x_", append=True)
    >>> print(open(path).read(), end="")
    2 2
    b 0.1 2.0
    a 0.5 -1.0
    x_b 0.1 2.0
    x_a 0.5 -1.0
    """
    order = _write_order(kv, sort_attr)
    keys = _checked_keys(kv, order, prefix)
    if fvocab is not None:
        if sort_attr not in kv.expandos:
            raise ValueError(f"cannot write a vocabulary file: the vectors have no {sort_attr!r} attribute")
        write_counts(fvocab, keys, kv.expandos[sort_attr][order].tolist(), append=append)
    vectors = kv.vectors[:len(kv)]
    with (_atomic_append if append else atomic_write)(fname) as out:
        if write_header:
            out.write(f"{len(kv) if total_vec is None else total_vec} {kv.vector_size}\n".encode("ascii"))
        for chunk in (_binary_records if binary else _text_lines)(keys, vectors, order):
            out.write(chunk)


# ---------------------------------------------------------------------- reading

def write_counts(fvocab: PathLike, keys: list[str], counts: list[int], append: bool = False) -> None:
    """Write a vocabulary file as the C tool does: ``key count`` per line, atomically
    (after the lines the file holds already with ``append``).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> write_counts(path, ["the", "cat"], [5, 2])
    >>> read_counts(path)
    {'the': 5, 'cat': 2}
    """
    encode_keys(keys)  # each key must read back as itself
    data = encode_keys([f"{key} {count}\n" for key, count in zip(keys, counts)], separator="")
    with (_atomic_append if append else atomic_write)(fvocab) as out:
        out.write(data)


def read_counts(fvocab: PathLike, unicode_errors: str = "strict") -> dict[str, int]:
    """Read a vocabulary file of ``key count`` lines (blank lines skipped); see ``write_counts``.

    Raises
    ------
    FormatError
        For a line that is not a key and a non-negative integer count, or longer than
        ``MAX_LINE_BYTES``, naming the file and line.
    """
    counts = {}
    name = os.fspath(fvocab)
    with decompression_errors(name), open_binary(fvocab) as handle:
        for number in itertools.count(1):
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return counts
            if len(line) > MAX_LINE_BYTES:
                raise FormatError(f"{name}, line {number}: longer than {MAX_LINE_BYTES} bytes: not a vocabulary file")
            try:
                fields = line.decode("utf-8", errors=unicode_errors).split()
            except UnicodeDecodeError as error:
                raise UndecodableKeyError(f"{name}, line {number}: not valid UTF-8 ({error.reason}); pass "
                                          "unicode_errors='replace' or 'surrogateescape' to read it anyway",
                                          error) from None
            if not fields:
                continue
            if len(fields) != 2 or not _COUNT.fullmatch(fields[1]):
                raise FormatError(f"{name}, line {number}: expected 'key count' (a count from 0 to 10**18), "
                                  f"found {line[:80]!r}")
            counts[fields[0]] = int(fields[1])
    return counts


def _set_counts(kv: "KeyedVectors", records: int, counts: dict[str, int] | None) -> None:
    if counts is None:
        # gensim's stand-in counts: descending from the number of records, in file order.
        kv.expandos["count"] = records - np.arange(len(kv), dtype=np.int64)
        return
    missing = [key for key in kv.index_to_key if key not in counts]
    if missing:
        logger.warning("vocabulary file lacks %i keys (e.g. %r): their count is 0", len(missing), missing[0])
    kv.expandos["count"] = np.array([counts.get(key, 0) for key in kv.index_to_key], dtype=np.int64)


def load_word2vec_format(fname: PathLike, fvocab: PathLike | None = None, binary: bool = False,
                         encoding: str = "utf8", unicode_errors: str = "strict", limit: int | None = None,
                         datatype: type = np.float32, no_header: bool = False,
                         cls: type | None = None) -> "KeyedVectors":
    """Read a file in the C tool's format (text or binary, optionally compressed).

    Parameters
    ----------
    fname : str or os.PathLike
    fvocab : str or os.PathLike, optional
        ``key count`` lines (the C tool's ``-save-vocab``) giving the ``count`` attribute;
        without it the counts descend from the number of vectors, as in gensim.
    binary : bool
    encoding, unicode_errors : str
        How keys are decoded (``unicode_errors``: ``"strict"``, ``"replace"``, ``"ignore"``).
    limit : int, optional
        Read only the first ``limit`` vectors.
    datatype : numpy type
        Element type of the loaded vectors. An integer type is accepted only for vectors
        whose values are all integers.
    no_header : bool
        The (text) file has no ``count dimension`` line: the dimension is taken from the
        first line.
    cls : type, optional
        The class to build (default ``KeyedVectors``).

    Raises
    ------
    FormatError
        For a malformed file, naming the line or byte offset: a line with the wrong number of
        values, a token that is not a number, a text file read with ``binary=True``, a line
        longer than any vector of the header's dimension can take, a damaged compressed
        stream, invalid text in a key (with ``unicode_errors="strict"``).
    TruncatedFileError
        (a ``FormatError`` and an ``EOFError``) For a file that ends before the vectors its
        header announces, or whose last line has no newline (cut inside its last number),
        or whose header announces more vectors than the file's size can hold.
    MemoryError
        When the header of a compressed file announces more vectors than fit in memory.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.txt")
    >>> _ = open(path, "w").write("2 3\\ncat 1.0 0.0 0.5 \\ndog 0.9 0.1 0.5 \\n")
    >>> kv = load_word2vec_format(path)
    >>> kv.index_to_key, kv["dog"]
    (['cat', 'dog'], array([0.9, 0.1, 0.5], dtype=float32))
    """
    if cls is None:
        from w2v.vectors.keyedvectors import KeyedVectors as cls
    if binary and no_header:
        raise ValueError("no_header=True needs a text file: a binary file cannot be parsed without its header")
    counts = read_counts(fvocab, unicode_errors) if fvocab is not None else None
    name = os.fspath(fname)
    with open_binary(fname) as handle:
        kv, records = reader.read_vectors(handle, name, cls, binary=binary, no_header=no_header, limit=limit,
                                          datatype=datatype, encoding=encoding, unicode_errors=unicode_errors)
    _set_counts(kv, records, counts)
    logger.info("loaded %s vectors of dimension %i from %s", len(kv), kv.vector_size, name)
    return kv


def intersect_word2vec_format(kv: "KeyedVectors", fname: PathLike, lockf: float = 0.0, binary: bool = False,
                              encoding: str = "utf8", unicode_errors: str = "strict") -> int:
    """Copy into ``kv`` the vectors of its keys that a C-format file holds, and lock them.

    gensim's ``intersect_word2vec_format``: no key is added; each key of ``kv`` found in the
    file takes the file's vector and the lock factor ``lockf`` in ``kv.vectors_lockf``
    (0.0 freezes the vector during later training, 1.0 lets it train on). A single shared
    lock factor becomes one per key first (gensim needs the caller to do that). The file is
    read with ``load_word2vec_format`` (the whole of it, in memory); its dimension must be
    ``kv``'s.

    Returns
    -------
    int
        How many keys took a vector from the file.

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> path = os.path.join(tempfile.mkdtemp(), "pretrained.txt")
    >>> _ = open(path, "w").write("2 2\\nb 0.5 0.5\\nzzz 1.0 1.0\\n")
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b"], np.zeros((2, 2)))
    >>> intersect_word2vec_format(kv, path, lockf=0.5), kv.vectors_lockf.tolist()
    (1, [1.0, 0.5])
    """
    pretrained = load_word2vec_format(fname, binary=binary, encoding=encoding, unicode_errors=unicode_errors)
    if pretrained.vector_size != kv.vector_size:
        raise ValueError(f"{os.fspath(fname)} holds vectors of dimension {pretrained.vector_size}, these have "
                         f"{kv.vector_size}")
    shared = [key for key in pretrained.index_to_key if key in kv.key_to_index]
    rows = np.array([kv.key_to_index[key] for key in shared], dtype=np.int64)
    if len(kv.vectors_lockf) != len(kv):
        kv.vectors_lockf = np.full(len(kv), kv.vectors_lockf[0], dtype=np.float32)
    if len(rows):
        kv.vectors[rows] = pretrained.vectors[[pretrained.key_to_index[key] for key in shared]]
        kv.vectors_lockf[rows] = lockf
    kv.norms = None
    logger.info("merged %i vectors into a %s matrix from %s", len(rows), kv.vectors.shape, os.fspath(fname))
    return len(rows)
