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

Reading is chunked and vectorised: binary records are located with ``bytes.find`` and the
floats taken with ``np.frombuffer``; text numbers are parsed by NumPy's C parser, a block of
lines at a time. A truncated or malformed file raises ``ValueError`` naming the line (text)
or byte offset (binary): never a crash, never a silently shorter model. Invalid UTF-8 in a
key raises unless ``unicode_errors`` is ``"replace"``, ``"ignore"`` or ``"surrogateescape"`` (the C tool cuts long
words at a byte count, which can split a character).
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import lzma
import os
import re
import warnings
import zlib
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Union

import numpy as np

from w2v.io import _textformat
from w2v.io.files import _OPENERS, atomic_write, encode_utf8, open_binary

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

#: Bytes read at a time: big enough to amortise Python overhead, small next to the vectors
#: (1 MiB: as fast as 8 MiB, and the allocator keeps no 8 MiB buffers around afterwards).
CHUNK_BYTES = 1 << 20
#: Lines written per write() call.
WRITE_LINES = 1024
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
    encode_utf8("\n".join(keys))  # a key no bytes stand for is refused before any file is opened
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

class _Source:
    """A file read in chunks, with the byte offset and line number of what was consumed."""

    def __init__(self, handle: IO[bytes], name: str):
        self.handle = handle
        self.name = name
        self.buffer = b""
        self.offset = 0  # file offset of buffer[0]
        self.line = 0  # lines consumed so far
        self.eof = False

    def fill(self) -> bool:
        """Append the next chunk to the buffer; False at the end of the file."""
        if self.eof:
            return False
        try:
            chunk = self.handle.read(CHUNK_BYTES)
        except (EOFError, gzip.BadGzipFile, zlib.error, lzma.LZMAError) as error:
            raise self.error(f"the compressed data is truncated or damaged after {self.offset + len(self.buffer)} "
                             f"decompressed bytes ({error})") from None
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def consume(self, count: int) -> None:
        self.offset += count
        self.buffer = self.buffer[count:]

    def lines(self) -> Iterator[list[bytes]]:
        """Blocks of complete lines (without their newline); the last line may lack one."""
        while True:
            cut = self.buffer.rfind(b"\n")
            if cut >= 0:
                block = self.buffer[:cut].split(b"\n")
                self.consume(cut + 1)
                yield block
            elif not self.fill():
                if self.buffer:
                    block = [self.buffer]
                    self.consume(len(self.buffer))
                    yield block
                return

    def header(self) -> bytes:
        while b"\n" not in self.buffer and self.fill():
            pass
        line, _, _ = self.buffer.partition(b"\n")
        self.consume(min(len(line) + 1, len(self.buffer)))
        self.line = 1
        return line

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.name}: {message}")


def _parse_header(source: _Source) -> tuple[int, int]:
    line = source.header()
    fields = line.split()
    try:
        count, size = (int(field) for field in fields)
        if count < 0 or size < 1:
            raise ValueError
    except ValueError:
        raise source.error(f"line 1: expected a header '<count> <dimension>', found {line[:80]!r}; for a "
                           "text file without one pass no_header=True") from None
    return count, size


def _decode_all(words: list[bytes], encoding: str, unicode_errors: str, source: _Source,
                where: Callable[[int], str]) -> list[str]:
    """Decode keys in one go; on invalid text, name the first bad key's location."""
    try:
        return [word.decode(encoding, errors=unicode_errors) for word in words]
    except UnicodeDecodeError:
        pass
    for i, word in enumerate(words):
        try:
            word.decode(encoding, errors=unicode_errors)
        except UnicodeDecodeError as error:
            raise source.error(f"{where(i)}: key {word[:80]!r} is not valid {encoding} ({error.reason}); pass "
                               "unicode_errors='replace' or 'ignore' to load it anyway, or 'surrogateescape' "
                               "to keep its bytes") from None
    raise AssertionError("unreachable")


class _Collector:
    """Keys and vector rows as they are read; a repeated key keeps its first vector (as gensim)."""

    def __init__(self, kv: "KeyedVectors", expected: int | None, datatype: type):
        self.kv = kv
        self.expected = expected
        self.rows = 0  # records read, duplicates included
        self.blocks: list[np.ndarray] = []
        self.filled = 0
        self.duplicates = 0
        self.vectors = np.empty((expected, kv.vector_size), dtype=datatype) if expected is not None else None

    def add(self, words: list[str], vectors: np.ndarray) -> None:
        self.rows += len(words)
        kv = self.kv
        start = len(kv.index_to_key)
        fresh = []
        for word in words:
            is_new = word not in kv.key_to_index
            if is_new:
                kv.key_to_index[word] = len(kv.index_to_key)
                kv.index_to_key.append(word)
            fresh.append(is_new)
        if not all(fresh):
            self.duplicates += len(fresh) - sum(fresh)
            vectors = vectors[np.array(fresh)]
        if self.vectors is not None:
            self.vectors[start:start + len(vectors)] = vectors
        else:
            self.blocks.append(vectors.astype(self.kv.vectors.dtype))

    def finish(self) -> np.ndarray:
        if self.duplicates:
            logger.warning("%i duplicate keys in the file: kept the first vector of each", self.duplicates)
        if self.vectors is None:
            if not self.blocks:
                return np.empty((0, self.kv.vector_size), dtype=self.kv.vectors.dtype)
            return np.concatenate(self.blocks)
        return self.vectors[:len(self.kv.index_to_key)]


def _parse_numbers(rests: list[bytes], size: int, line_numbers: list[int], source: _Source) -> np.ndarray:
    """The numbers of a block of text lines as a (lines, size) float64 array."""
    for rest, number in zip(rests, line_numbers):
        # Cheap exact check for the usual single spaces; any other spacing is counted properly.
        if rest.count(b" ") != size - 1 and len(rest.split()) != size:
            raise source.error(f"line {number}: expected {size} numbers after the key, found {len(rest.split())}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy only warns when it stops at a bad token
        try:
            numbers = np.fromstring(b" ".join(rests), dtype=np.float64, sep=" ")
        except (ValueError, DeprecationWarning):
            numbers = np.empty(0)
    if numbers.size == len(rests) * size:
        return numbers.reshape(len(rests), size)
    for rest, number in zip(rests, line_numbers):  # find the culprit for the error message
        for token in rest.split():
            try:
                float(token)
            except ValueError:
                raise source.error(f"line {number}: {token[:40]!r} is not a number") from None
    raise source.error(f"lines {line_numbers[0]}-{line_numbers[-1]}: could not parse the numbers")


def _split_lines(block: list[bytes], first_line: int, skip_blank: bool,
                 source: _Source) -> tuple[list[bytes], list[bytes], list[int]]:
    """Keys, the rest of each line, and line numbers, for a block of text lines."""
    words, rests, numbers = [], [], []
    for number, line in enumerate(block, start=first_line):
        word, _, rest = line.rstrip().partition(b" ")
        if not word:
            if skip_blank and not line.strip():
                continue
            raise source.error(f"line {number}: expected a key and its numbers, found {line[:80]!r}")
        words.append(word)
        rests.append(rest)
        numbers.append(number)
    return words, rests, numbers


def _read_text(source: _Source, collector: _Collector, size: int | None, wanted: int | None,
               encoding: str, unicode_errors: str) -> int | None:
    """Read text records; returns the vector size (from the first line when there is no header)."""
    for block in source.lines():
        first_line = source.line + 1
        if wanted is not None:
            block = block[:wanted - collector.rows]
        source.line += len(block)
        # Without a header the file may end with blank lines; with one, a vector is expected.
        words, rests, numbers = _split_lines(block, first_line, size is None or collector.expected is None, source)
        if not words:
            continue
        if size is None:
            size = len(rests[0].split())
            if size < 1:
                raise source.error(f"line {numbers[0]}: a key without numbers")
            collector.kv.vector_size = size
        keys = _decode_all(words, encoding, unicode_errors, source, lambda i: f"line {numbers[i]}")
        collector.add(keys, _parse_numbers(rests, size, numbers, source))
        if wanted is not None and collector.rows >= wanted:
            break
    return size


def _read_binary(source: _Source, collector: _Collector, size: int, wanted: int, encoding: str,
                 unicode_errors: str) -> None:
    record = 4 * size
    while collector.rows < wanted:
        buffer, position, words, pieces, starts = source.buffer, 0, [], [], []
        while collector.rows + len(words) < wanted:
            while position < len(buffer) and buffer[position] == 0x0A:  # the newline after a vector
                position += 1
            space = buffer.find(b" ", position)
            if space < 0 or len(buffer) - space - 1 < record:
                break
            starts.append(position)
            words.append(buffer[position:space])
            pieces.append(buffer[space + 1:space + 1 + record])
            position = space + 1 + record
        if words:
            base, done = source.offset, collector.rows
            keys = _decode_all(words, encoding, unicode_errors, source,
                               lambda i: f"byte {base + starts[i]} (vector {done + i + 1})")
            collector.add(keys, np.frombuffer(b"".join(pieces), dtype="<f4").reshape(len(words), size))
        source.consume(position)
        if collector.rows < wanted and not source.fill():
            raise source.error(
                f"the file ends at byte {source.offset + len(source.buffer)}, inside vector {collector.rows + 1}: "
                f"the header promises {wanted} vectors of {size} float32 values. The file is truncated, or the "
                "header is wrong")
        if len(source.buffer) > 2 * CHUNK_BYTES + record and source.buffer.find(b" ") < 0:
            raise source.error(f"byte {source.offset}: no space ending a key in the next {len(source.buffer)} "
                               "bytes; the file is not in binary word2vec format")


def _warn_trailing_data(source: _Source) -> None:
    while not source.buffer.strip():
        source.consume(len(source.buffer))
        if not source.fill():
            return
    logger.warning("%s: data after the vectors the header announces was ignored (at byte %i)",
                   source.name, source.offset)


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
    data = encode_utf8("".join(f"{key} {count}\n" for key, count in zip(keys, counts)))
    with (_atomic_append if append else atomic_write)(fvocab) as out:
        out.write(data)


def read_counts(fvocab: PathLike, unicode_errors: str = "strict") -> dict[str, int]:
    """Read a vocabulary file of ``key count`` lines (blank lines skipped); see ``write_counts``."""
    counts = {}
    with open_binary(fvocab) as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.decode("utf-8", errors=unicode_errors).split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip("-").isdigit():
                raise ValueError(f"{os.fspath(fvocab)}, line {number}: expected 'key count', found {line[:80]!r}")
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
    datatype : numpy float type
        Element type of the loaded vectors.
    no_header : bool
        The (text) file has no ``count dimension`` line: the dimension is taken from the
        first line.
    cls : type, optional
        The class to build (default ``KeyedVectors``).

    Raises
    ------
    ValueError
        For a malformed or truncated file, naming the line or byte offset.

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
    with open_binary(fname) as handle:
        source = _Source(handle, os.fspath(fname))
        if no_header:
            count, size = None, None
        else:
            count, size = _parse_header(source)
        wanted = count if not limit else (min(count, limit) if count is not None else limit)
        kv = cls(size or 1, dtype=datatype)
        collector = _Collector(kv, wanted if count is not None else None, datatype)
        if binary:
            _read_binary(source, collector, size, wanted, encoding, unicode_errors)
        else:
            size = _read_text(source, collector, size, wanted, encoding, unicode_errors)
            if wanted is not None and count is not None and collector.rows < wanted:
                raise source.error(f"the file ends at line {source.line}, after {collector.rows} vectors: the "
                                   f"header promises {count}. The file is truncated, or the header is wrong")
        if count is not None and not limit:
            _warn_trailing_data(source)
    kv.vector_size = size or kv.vector_size
    kv.vectors = collector.finish().reshape(len(kv.index_to_key), kv.vector_size)
    _set_counts(kv, collector.rows, counts)
    logger.info("loaded %s vectors of dimension %i from %s", len(kv), kv.vector_size, os.fspath(fname))
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
