"""Reading the C tool's formats: a chunked source, the text and binary record parsers.

The internals of ``w2v.io.word2vec_format.load_word2vec_format`` (which documents the
formats and the errors): a file is read ``CHUNK_BYTES`` at a time into a ``_Source``, whose
buffer is searched only where it was not searched before, so that reading is linear in the
file's size however long its lines; records are parsed a block at a time (binary: keys found
with ``bytes.find``, floats taken with ``np.frombuffer``; text: numbers parsed by NumPy's C
parser) into a ``_Collector``, which never preallocates more rows than the file can hold.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

import numpy as np

from w2v.io import FormatError, TruncatedFileError, UndecodableKeyError
from w2v.io.files import decompression_errors, is_compressed
from w2v.io.limits import require_memory

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

#: Bytes read at a time: big enough to amortise Python overhead, small next to the vectors
#: (1 MiB: as fast as 8 MiB, and the allocator keeps no 8 MiB buffers around afterwards).
CHUNK_BYTES = 1 << 20
#: The header line is a few bytes; a longer first line is not a header.
HEADER_BYTES = 4096
#: The longest key (and, for a text line, the room besides its numbers) accepted: no file can
#: make a reader hold a longer line in memory.
MAX_LINE_BYTES = 1 << 20
#: The largest dimension a header may give (a vector of 8 GiB of float32).
MAX_DIMENSION = (1 << 31) - 1
#: Chunks of whitespace after the announced vectors checked before the rest is ignored.
TRAILING_CHUNKS = 4
#: What can end a key in the C tool's reader (besides a space): never inside a binary key.
_LINE_BREAKS = re.compile(rb"[\n\t\r]")
#: The bytes of a text file's numbers and separators (deleted by bytes.translate).
_TEXT_NUMBER_BYTES = b"0123456789.+-eE \t\r\n"


class _Source:
    """A file read in chunks, with the byte offset and line number of what was consumed.

    The unconsumed bytes are a ``bytearray`` (appending a chunk and dropping consumed bytes
    from the front are both amortised O(chunk)), and a line is searched for its newline only
    in bytes not searched before, so reading a line of n bytes costs O(n), however long.
    """

    def __init__(self, handle: IO[bytes], name: str, compressed: bool):
        self.handle = handle
        self.name = name
        self.compressed = compressed
        self.buffer = bytearray()
        self.offset = 0  # file offset of buffer[0]
        self.line = 0  # lines consumed so far
        self.eof = False
        self.unterminated = False  # the last line had no newline
        self.max_line = 16 * MAX_LINE_BYTES  # until the dimension is known

    def fill(self) -> bool:
        """Append the next chunk to the buffer; False at the end of the file."""
        if self.eof:
            return False
        with decompression_errors(self.name, f"; in the chunk after {self.offset + len(self.buffer)} bytes"):
            chunk = self.handle.read(CHUNK_BYTES)
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def consume(self, count: int) -> None:
        self.offset += count
        del self.buffer[:count]

    def take(self, count: int) -> bytes:
        """The next ``count`` bytes, consumed."""
        with memoryview(self.buffer) as view:
            data = view[:count].tobytes()
        self.consume(count)
        return data

    def lines(self) -> Iterator[list[bytes]]:
        """Blocks of complete lines (without their newline); the last line may lack one.

        A line longer than ``max_line`` bytes is an error: no file can make the reader hold
        more than that (and a chunk) in memory.
        """
        searched = 0  # the buffer holds no newline before this
        while True:
            cut = self.buffer.rfind(b"\n", searched)
            if cut >= 0:
                block = self.take(cut + 1).split(b"\n")
                block.pop()  # what follows the last newline: nothing
                searched = len(self.buffer)
                yield block
                continue
            searched = len(self.buffer)
            if searched > self.max_line:
                raise self.error(f"line {self.line + 1} is longer than {self.max_line} bytes: not a word2vec text "
                                 "file (or read a binary one with binary=True)")
            if not self.fill():
                if self.buffer:
                    self.unterminated = True
                    yield [self.take(len(self.buffer))]
                return

    def header(self) -> bytes:
        """The first line (at most HEADER_BYTES of it), consumed."""
        while b"\n" not in self.buffer and len(self.buffer) < HEADER_BYTES and self.fill():
            pass
        cut = self.buffer.find(b"\n", 0, HEADER_BYTES)
        line = bytes(self.buffer[:cut] if cut >= 0 else self.buffer[:HEADER_BYTES])
        self.consume(min(len(line) + 1, len(self.buffer)))
        self.line = 1
        return line

    def error(self, message: str) -> FormatError:
        return FormatError(f"{self.name}: {message}")

    def truncated(self, message: str) -> TruncatedFileError:
        return TruncatedFileError(f"{self.name}: {message}")


def _parse_header(source: _Source) -> tuple[int, int]:
    line = source.header()
    fields = line.split()
    try:
        count, size = (int(field) for field in fields)
        if not 0 <= count < 1 << 63 or not 1 <= size <= MAX_DIMENSION:
            raise ValueError
    except ValueError:
        raise source.error(f"line 1: expected a header '<count> <dimension>' (a count below 2**63, a dimension "
                           f"from 1 to {MAX_DIMENSION}), found {line[:80]!r}; for a text file without one pass "
                           "no_header=True") from None
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
            raise UndecodableKeyError(
                f"{source.name}: {where(i)}: key {word[:80]!r} is not valid {encoding} ({error.reason}); pass "
                "unicode_errors='replace' or 'ignore' to load it anyway, or 'surrogateescape' to keep its bytes",
                error) from None
    raise AssertionError("unreachable")


class _Collector:
    """Keys and vector rows as they are read; a repeated key keeps its first vector (as gensim)."""

    def __init__(self, kv: "KeyedVectors", _capacity: int | None, datatype: type):
        self.kv = kv
        self.expected = _capacity  # None: no header, the vectors are collected in blocks
        self.rows = 0  # records read, duplicates included
        self.blocks: list[np.ndarray] = []
        self.duplicates = 0
        self.vectors = np.empty((_capacity, kv.vector_size), dtype=datatype) if _capacity is not None else None

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
        if self.kv.vectors.dtype.kind != "f":
            _check_exact(vectors, self.kv.vectors.dtype)
        if self.vectors is not None:
            if start + len(vectors) > len(self.vectors):  # the file's size bounded the estimate, not the rows
                grown = np.empty((max(start + len(vectors), 2 * len(self.vectors)), kv.vector_size),
                                 dtype=self.vectors.dtype)
                grown[:start] = self.vectors[:start]
                self.vectors = grown
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


def _check_exact(vectors: np.ndarray, dtype: np.dtype) -> None:
    """Refuse values an integer ``datatype`` would change (0.12 would silently become 0)."""
    with np.errstate(invalid="ignore", over="ignore"):
        converted = vectors.astype(dtype)
        changed = converted != vectors
    if changed.any():
        value = vectors[changed][0]
        raise ValueError(f"datatype={dtype} cannot hold the vectors' values exactly ({value!r} would become "
                         f"{value.astype(dtype)!r}); use a float datatype")


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
    if size is not None:
        source.max_line = _max_line_bytes(size)
    for block in source.lines():
        first_line = source.line + 1
        if wanted is not None:
            block = block[:wanted - collector.rows]
        source.line += len(block)
        # Without a header the file may end with blank lines; with one, a vector is expected.
        words, rests, numbers = _split_lines(block, first_line, size is None or collector.expected is None, source)
        if not words:
            continue
        if source.unterminated and numbers[-1] == source.line:
            # The writers end every line with a newline: a last line without one was cut,
            # possibly inside its last number (-0.12345679 read as -0.123).
            raise source.truncated(f"line {source.line}, the last, does not end with a newline: the file looks "
                                   "truncated inside it (if the file is complete, add the final newline)")
        if size is None:
            size = len(rests[0].split())
            if size < 1:
                raise source.error(f"line {numbers[0]}: a key without numbers")
            collector.kv.vector_size = size
            source.max_line = _max_line_bytes(size)
        keys = _decode_all(words, encoding, unicode_errors, source, lambda i: f"line {numbers[i]}")
        collector.add(keys, _parse_numbers(rests, size, numbers, source))
        if wanted is not None and collector.rows >= wanted:
            break
    return size


def _max_line_bytes(size: int) -> int:
    """The longest text line accepted for vectors of ``size`` numbers: a generous bound on a
    key and on each number (a float64 written with %lf can take 300 digits)."""
    return MAX_LINE_BYTES + 512 * size


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
            words.append(bytes(buffer[position:space]))
            pieces.append(buffer[space + 1:space + 1 + record])
            position = space + 1 + record
        if words:
            _check_binary_records(source, words, pieces, starts, collector.rows)
            base, done = source.offset, collector.rows
            keys = _decode_all(words, encoding, unicode_errors, source,
                               lambda i: f"byte {base + starts[i]} (vector {done + i + 1})")
            collector.add(keys, np.frombuffer(b"".join(pieces), dtype="<f4").reshape(len(words), size))
        source.consume(position)
        if collector.rows < wanted and not source.fill():
            raise source.truncated(
                f"the file ends at byte {source.offset + len(source.buffer)}, inside vector {collector.rows + 1}: "
                f"the header promises {wanted} vectors of {size} float32 values. The file is truncated, or the "
                "header is wrong")
        if len(source.buffer) > 2 * CHUNK_BYTES + record and source.buffer.find(b" ") < 0:
            raise source.error(f"byte {source.offset}: no space ending a key in the next {len(source.buffer)} "
                               "bytes; the file is not in binary word2vec format")


def _check_binary_records(source: _Source, words: list[bytes], pieces: list[bytes], starts: list[int],
                          done: int) -> None:
    """Refuse what a text file read with ``binary=True`` looks like: keys with line breaks
    in them (the C tool's keys never hold one), or a first batch of "floats" that are all
    digits, signs and spaces."""
    if not all(words):
        i = words.index(b"")
        raise source.error(f"byte {source.offset + starts[i]} (vector {done + i + 1}): an empty key")
    if _LINE_BREAKS.search(b" ".join(words)):
        i = next(i for i, word in enumerate(words) if _LINE_BREAKS.search(word))
        word = words[i]
        raise source.error(f"byte {source.offset + starts[i]} (vector {done + i + 1}): key {word[:80]!r} holds a "
                           "line break, which keys of the binary format never do: is this a text file? "
                           "Load it with binary=False")
    if not done and not b"".join(pieces).translate(None, _TEXT_NUMBER_BYTES):
        raise source.error(f"the first {len(words)} vectors' bytes are all digits, signs and spaces, not float32 "
                           "values: this is a text file; load it with binary=False")


def _warn_trailing_data(source: _Source) -> None:
    """Log data after the announced vectors; whitespace (up to a few chunks of it) is fine."""
    for _ in range(TRAILING_CHUNKS):
        if source.buffer.strip():
            logger.warning("%s: data after the vectors the header announces was ignored (at byte %i)",
                           source.name, source.offset)
            return
        source.consume(len(source.buffer))
        if not source.fill():
            return


def _capacity(source: _Source, handle: IO[bytes], wanted: int, size: int, binary: bool, dtype: np.dtype) -> int:
    """Rows to allocate for the vectors a header announces: never more than the file can hold.

    A plain file's size bounds how many records it holds (each takes at least a one-byte
    key, a separator and, in binary, 4 bytes per number; in text, a digit and a separator
    per number and a newline): a header announcing more gets that many rows, and the
    reader then says where the file ends. A compressed file's size bounds nothing, so
    its header is checked against the memory available instead.
    """
    total = None if source.compressed else _size_of(handle)
    if total is not None:
        shortest = 2 + (4 * size if binary else 2 * size)
        wanted = min(wanted, (total - source.offset) // shortest)
    require_memory(wanted * size * dtype.itemsize,
                   f"the vectors the header of {source.name} announces ({wanted} x {size} {dtype})",
                   "pass limit= to load only the first vectors")
    return wanted


def _size_of(handle: IO[bytes]) -> int | None:
    """The size of an open plain file (or of a seekable stream), None if it cannot tell."""
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        pass
    if not handle.seekable():
        return None
    position = handle.tell()
    end = handle.seek(0, os.SEEK_END)
    handle.seek(position)
    return end


def read_vectors(handle: IO[bytes], name: str, cls: type, binary: bool = False, no_header: bool = False,
                 limit: int | None = None, datatype: type = np.float32, encoding: str = "utf8",
                 unicode_errors: str = "strict") -> tuple["KeyedVectors", int]:
    """Read the vectors of an open C-format file named ``name`` into a new ``cls``.

    Returns the vectors and the number of records read (duplicates included); the parameters
    and errors are ``load_word2vec_format``'s.

    Examples
    --------
    >>> import io
    >>> from w2v import KeyedVectors
    >>> kv, records = read_vectors(io.BytesIO(b"2 2\\na 1 2\\nb 3 4\\n"), "demo.txt", KeyedVectors)
    >>> kv.index_to_key, kv["b"], records
    (['a', 'b'], array([3., 4.], dtype=float32), 2)
    """
    source = _Source(handle, name, is_compressed(name))
    count, size = (None, None) if no_header else _parse_header(source)
    wanted = count if not limit else (min(count, limit) if count is not None else limit)
    capacity = None if count is None else _capacity(source, handle, wanted, size, binary, np.dtype(datatype))
    kv = cls(size or 1, dtype=datatype)
    collector = _Collector(kv, capacity, datatype)
    if binary:
        _read_binary(source, collector, size, wanted, encoding, unicode_errors)
    else:
        size = _read_text(source, collector, size, wanted, encoding, unicode_errors)
        if wanted is not None and count is not None and collector.rows < wanted:
            raise source.truncated(f"the file ends at line {source.line}, after {collector.rows} vectors: the "
                                   f"header promises {count}. The file is truncated, or the header is wrong")
    if count is not None and not limit:
        _warn_trailing_data(source)
    kv.vector_size = size or kv.vector_size
    kv.vectors = collector.finish().reshape(len(kv.index_to_key), kv.vector_size)
    return kv, collector.rows
