"""The zip container under w2v's native format: aligned, uncompressed ``.npy`` members.

``write_archive`` writes a manifest (``w2v.json``), text members and arrays into one zip whose
array data start on 64-byte boundaries, atomically; ``Archive`` opens such a file, checks the
manifest against every member and hands out arrays, read or memory-mapped. What the members
mean (the schema of a KeyedVectors or a Word2Vec) is ``w2v.io.native``'s business.
"""


from __future__ import annotations

import encodings.cp437  # noqa: F401  (zipfile decodes member names with it: import it now, not in load())
import io
import json
import logging
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, NamedTuple, Union

import numpy as np
from numpy.lib import format as npy_format

from w2v._version import __version__
from w2v.io import FormatError, TruncatedFileError
from w2v.io.files import atomic_write
from w2v.io.limits import require_memory

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

FORMAT_NAME = "w2v"
FORMAT_VERSION = 1
MANIFEST = "w2v.json"
ALIGNMENT = 64
#: Padded matrices are saved and loaded through a buffer of at most this many bytes.
BLOCK_BYTES = 1 << 20
MMAP_MODES = (None, "r", "c")
#: Zip extra-field id of the alignment padding (the one Android's zipalign uses).
_PADDING_ID = 0xD935
#: Array kinds a file may hold: bool, signed and unsigned integers, floats.
_NUMERIC_KINDS = "biuf"
#: The manifest is a few kilobytes (parameters, array shapes, one line per epoch's statistics).
MANIFEST_LIMIT = 16 << 20
#: A compressed text member may inflate to at most this many times its stored size (deflate
#: can reach 1032; real key lists and manifests compress less than 10 times).
MAX_INFLATION = 64
#: What zipfile raises on a damaged directory or member, besides BadZipFile.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error, zlib.error,
               NotImplementedError, OverflowError, IndexError, KeyError, UnicodeDecodeError)
#: What NumPy's .npy header parser raises on garbage (it tokenizes and literal-evals the header).
_NPY_ERRORS = (ValueError, SyntaxError, TypeError, tokenize.TokenError, RecursionError, OverflowError)


# ---------------------------------------------------------------------- writing

def _npy_header(array: np.ndarray) -> bytes:
    """The .npy header of ``array`` (version 1.0, padded by NumPy to a multiple of 64)."""
    buffer = io.BytesIO()
    npy_format.write_array_header_1_0(buffer, npy_format.header_data_from_array_1_0(array))
    return buffer.getvalue()


def _member_info(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp: saving the same model twice gives the same bytes.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


def _write_array(archive: zipfile.ZipFile, raw: IO[bytes], name: str, array: np.ndarray) -> None:
    """Store ``array`` as member ``name`` with its data at a multiple of ALIGNMENT."""
    header = _npy_header(array)
    info = _member_info(name)
    info.file_size = len(header) + array.nbytes
    # zipfile adds a 20-byte zip64 record to the local header by this same rule.
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
    fixed = zipfile.sizeFileHeader + len(name.encode("ascii")) + 4 + (20 if zip64 else 0)
    padding = -(raw.tell() + fixed) % ALIGNMENT
    info.extra = struct.pack("<HH", _PADDING_ID, padding) + bytes(padding)
    with archive.open(info, "w", force_zip64=zip64) as member:
        member.write(header)
        if raw.tell() % ALIGNMENT:
            raise AssertionError(f"member {name} would not be {ALIGNMENT}-byte aligned")
        for block in _row_blocks(array):
            member.write(memoryview(block.reshape(-1)).cast("B"))


def _row_blocks(array: np.ndarray) -> Iterator[np.ndarray]:
    """``array`` as C-contiguous blocks of whole rows, in order.

    A C-contiguous array is one block, not copied; any other layout (the padded output
    matrices) goes through one reused buffer of at most BLOCK_BYTES, so saving never
    duplicates a whole matrix.
    """
    if array.flags.c_contiguous or array.ndim < 2:
        if array.size:
            yield np.ascontiguousarray(array)
        return
    buffer = _block_buffer(array.shape, array.dtype)
    for start in range(0, len(array), len(buffer)):
        block = buffer[:len(array) - start]
        block[...] = array[start:start + len(block)]
        yield block


def _block_buffer(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A buffer of whole rows of an array of ``shape``: at most BLOCK_BYTES, at least one row."""
    row_bytes = max(math.prod(shape[1:]) * dtype.itemsize, 1)
    return np.empty((max(1, min(shape[0], BLOCK_BYTES // row_bytes)),) + tuple(shape[1:]), dtype=dtype)


def write_archive(path: PathLike, manifest: dict, texts: dict[str, bytes], arrays: dict[str, np.ndarray]) -> None:
    """Write a w2v file atomically: the manifest, text members, then aligned arrays.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.w2v")
    >>> write_archive(path, {"kind": "demo"}, {"note.txt": b"hi"}, {"x.npy": np.arange(3)})
    >>> with Archive(path, mmap="r") as archive:
    ...     archive.manifest["kind"], archive.text("note.txt", limit=100), archive.array("x.npy")
    ('demo', b'hi', array([0, 1, 2]))
    """
    for name, array in arrays.items():
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"array {name} has dtype {array.dtype}: only numeric arrays can be saved")
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "w2v_version": __version__,
                **manifest,
                "arrays": {name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays.items()}}
    with atomic_write(path, compress=False) as raw:
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            archive.writestr(_member_info(MANIFEST), json.dumps(manifest, indent=1, sort_keys=True))
            for name, data in texts.items():
                archive.writestr(_member_info(name), data)
            for name, array in arrays.items():
                _write_array(archive, raw, name, array)


# ---------------------------------------------------------------------- reading

class _Member(NamedTuple):
    """Where an array member's bytes are, checked against the manifest and the file's size."""

    name: str
    info: zipfile.ZipInfo
    start: int  # file offset of the member's data: its .npy header
    data_start: int  # file offset of the array's first byte
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return _nbytes(self.shape, self.dtype)


class Archive:
    """A w2v file opened for reading: its manifest, small members and arrays.

    Everything the file says about sizes is checked before anything is allocated: every
    member must lie inside the file, an array's header, the manifest and the zip directory
    must agree, and a compressed text member (w2v writes none, a re-packed file may hold
    some) may inflate to at most ``MAX_INFLATION`` times its stored size and to the limit
    its caller gives (see ``text``). Any inconsistency is a ``FormatError``.

    Parameters
    ----------
    path : str or os.PathLike
    mmap : {None, "r", "c"}
        How ``array`` returns arrays: read into memory, or mapped read-only or copy-on-write.
    verify : bool, optional
        Check each array against the CRC-32 the zip records for it (a ``FormatError`` if it
        differs). The default, None, verifies arrays read into memory (the check costs about
        a third of the read) and not mapped ones, whose point is to touch no page until a
        query needs it: pass ``verify=True`` to check those too (it reads every page once).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.w2v")
    >>> write_archive(path, {"kind": "demo"}, {}, {"x.npy": np.zeros((2, 3), dtype=np.float32)})
    >>> with Archive(path) as archive:
    ...     archive.manifest["format_version"], archive.has_array("x.npy"), archive.array("x.npy").shape
    (1, True, (2, 3))
    """

    def __init__(self, path: PathLike, mmap: str | None = None, verify: bool | None = None):
        if mmap not in MMAP_MODES:
            raise ValueError(f"mmap must be one of {MMAP_MODES}, got {mmap!r} (r+ would break the file's checksums)")
        self.path = os.fspath(path)
        self.mmap = mmap
        self.verify = mmap is None if verify is None else bool(verify)
        # One open file for everything: a file replaced while it is being loaded cannot mix
        # members of the old and the new one.
        self.handle = open(self.path, "rb")
        try:
            self.size = os.fstat(self.handle.fileno()).st_size
            self.zip = self._open_zip()
            self.manifest = self._read_manifest()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "zip", None) is not None:
            self.zip.close()
        self.handle.close()

    def _open_zip(self) -> zipfile.ZipFile:
        try:
            return zipfile.ZipFile(self.handle)
        except zipfile.BadZipFile:
            raise FormatError(self._not_w2v_message()) from None
        except _ZIP_ERRORS as error:  # a damaged directory can send zipfile's reader anywhere
            raise FormatError(f"{self.path}: damaged zip directory ({type(error).__name__}: {error})") from None

    def _not_w2v_message(self) -> str:
        self.handle.seek(0)
        if self.handle.read(1) == b"\x80":
            return (f"{self.path} looks like a pickle (gensim's save() format?), not a w2v file; w2v never "
                    "unpickles. Convert it where it was made, e.g. kv.save_word2vec_format(path, binary=True), "
                    "then KeyedVectors.load_word2vec_format(path, binary=True)")
        return f"{self.path} is not a w2v file (not a zip archive); for word2vec C-format files use load_word2vec_format"

    def _read_manifest(self) -> dict:
        if MANIFEST not in self.zip.NameToInfo:
            raise FormatError(f"{self.path} is a zip archive but not a w2v file (no {MANIFEST})")
        text = self.text(MANIFEST, MANIFEST_LIMIT)
        try:
            manifest = json.loads(text.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise FormatError(f"{self.path}: damaged {MANIFEST}: {type(error).__name__}: {error}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            found = manifest.get("format") if isinstance(manifest, dict) else manifest
            raise FormatError(f"{self.path} is not a w2v file (format {str(found)[:80]!r})")
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise FormatError(f"{self.path}: invalid format version {str(version)[:80]!r}")
        if version > FORMAT_VERSION:
            raise FormatError(
                f"{self.path} was written by a newer w2v (w2v {str(manifest.get('w2v_version'))[:40]}, file format "
                f"version {version}); this w2v ({__version__}) reads format versions up to {FORMAT_VERSION}: "
                "upgrade w2v to load it")
        self._arrays = self._array_entries(manifest.get("arrays", {}))
        return manifest

    def _array_entries(self, arrays: Any) -> dict[str, tuple[tuple[int, ...], str]]:
        """The manifest's ``arrays`` section as name -> (shape, dtype string), checked."""
        if not isinstance(arrays, dict):
            raise FormatError(f"{self.path}: {MANIFEST} 'arrays' is not a mapping")
        entries = {}
        for name, entry in arrays.items():
            shape = entry.get("shape") if isinstance(entry, dict) else None
            dtype = entry.get("dtype") if isinstance(entry, dict) else None
            if (not isinstance(shape, list) or not isinstance(dtype, str)
                    or not all(type(n) is int and n >= 0 for n in shape)):
                raise FormatError(f"{self.path}: {MANIFEST} describes array {name!r} as {str(entry)[:120]}, "
                                  "not {'shape': [sizes], 'dtype': str}")
            entries[name] = (tuple(shape), dtype)
        return entries

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise FormatError(f"{self.path}: member {name} is missing") from None
        if info.flag_bits & 0x1:
            raise FormatError(f"{self.path}: member {name} is encrypted")
        if info.header_offset + info.compress_size > self.size:
            raise FormatError(f"{self.path}: member {name} would end at byte {info.header_offset + info.compress_size}"
                              f", past the end of the {self.size}-byte file: the file is truncated or damaged")
        return info

    def text(self, name: str, limit: int) -> bytes:
        """A small member's bytes, its CRC checked; at most ``limit`` bytes, whatever it claims.

        ``limit`` comes from what the member describes (``MANIFEST_LIMIT`` for the manifest,
        a bound per key for the key list), so that no file can make its reader inflate
        gigabytes: a member that says it is bigger, or is compressed more than
        ``MAX_INFLATION`` times, is refused before anything is decompressed.
        """
        info = self._info(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # zipfile inflates bzip2 and LZMA members without any bound: refuse them unread.
            raise FormatError(f"{self.path}: member {name} uses zip compression method {info.compress_type}; "
                              "w2v reads stored or deflated text members only")
        if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > MAX_INFLATION * info.compress_size:
            raise FormatError(f"{self.path}: member {name} would inflate {info.compress_size} bytes to "
                              f"{info.file_size}, more than {MAX_INFLATION} times: refused (a zip bomb?)")
        if info.file_size > limit:
            raise FormatError(f"{self.path}: member {name} is {info.file_size} bytes, more than the {limit} "
                              "that what it describes can need")
        try:
            with self.zip.open(info) as member:
                data = member.read(info.file_size)  # a bounded read: never more than file_size bytes
        except _ZIP_ERRORS as error:
            raise FormatError(f"{self.path}: member {name} is damaged ({type(error).__name__}: {error})") from None
        if len(data) != info.file_size:
            raise TruncatedFileError(f"{self.path}: member {name} is truncated")
        return data

    def has_array(self, name: str) -> bool:
        return name in self._arrays

    def array_shape(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of an array member, checked against the file, without reading it."""
        member = self._locate(name)
        return member.shape, member.dtype

    def array(self, name: str, allocate: Callable[[tuple, np.dtype], np.ndarray] = np.empty) -> np.ndarray:
        """An array member: read into memory, or memory-mapped when ``mmap`` was given.

        ``allocate(shape, dtype)`` makes the array the member is read into (not used with
        ``mmap``); it may have padded rows, which are filled a block at a time.
        """
        member = self._locate(name)
        if self.mmap and member.nbytes:
            mapped = np.memmap(self.handle, dtype=member.dtype, mode=self.mmap, offset=member.data_start,
                               shape=member.shape)
            array = mapped.view(np.ndarray)  # a plain array whose base keeps the mapping alive
            if self.verify:
                self._check_crc(member, _crc_of_blocks(_byte_blocks(array), self._header_crc(member)))
            return array
        require_memory(member.nbytes, f"array {name} of {self.path} ({member.dtype}{list(member.shape)})",
                       "load it with mmap='r' to map it from the file instead")
        try:
            array = allocate(member.shape, member.dtype)
        except MemoryError:  # the estimate of what is left was too generous
            raise MemoryError(f"array {name} of {self.path} ({member.dtype}{list(member.shape)}) does not fit in "
                              "memory; load it with mmap='r' to map it from the file instead") from None
        crc = self._header_crc(member) if self.verify else 0
        self.handle.seek(member.data_start)
        for block in _blocks_to_fill(array, member.dtype):
            view = memoryview(block).cast("B")
            if self.handle.readinto(view) != block.nbytes:
                raise TruncatedFileError(f"{self.path}: member {name} is truncated")
            if self.verify:
                crc = zlib.crc32(view, crc)
        if self.verify:
            self._check_crc(member, crc)
        return array

    def _locate(self, name: str) -> _Member:
        expected = self._arrays.get(name)
        if expected is None:
            raise FormatError(f"{self.path}: {MANIFEST} lists no array {name}")
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise FormatError(f"{self.path}: member {name} is compressed; w2v files store arrays as is")
        self.handle.seek(info.header_offset)
        local = self.handle.read(zipfile.sizeFileHeader)
        if len(local) != zipfile.sizeFileHeader or local[:4] != zipfile.stringFileHeader:
            raise FormatError(f"{self.path}: bad zip header of member {name}")
        fields = struct.unpack(zipfile.structFileHeader, local)
        start = (info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH]
                 + fields[zipfile._FH_EXTRA_FIELD_LENGTH])
        self.handle.seek(start)
        shape, dtype, data_start = self._npy_header(self.handle, name)
        member = _Member(name, info, start, data_start, shape, dtype)
        self._check(member, expected)
        return member

    def _npy_header(self, handle: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype, int]:
        try:
            version = npy_format.read_magic(handle)
            if version == (1, 0):
                shape, fortran_order, dtype = npy_format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran_order, dtype = npy_format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except _NPY_ERRORS as error:  # NumPy's header parser raises a few kinds on garbage
            raise FormatError(f"{self.path}: member {name} is not a valid .npy array: {error}") from None
        if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
            raise FormatError(f"{self.path}: member {name} has dtype {dtype}; w2v files hold only numeric "
                              "arrays (object arrays would need pickle, which w2v refuses)")
        if fortran_order:
            raise FormatError(f"{self.path}: member {name} is in Fortran order; w2v writes C order")
        return shape, dtype, handle.tell()

    def _check(self, member: _Member, expected: tuple[tuple[int, ...], str]) -> None:
        shape, dtype = expected
        if member.shape != shape or member.dtype.str != dtype:
            raise FormatError(f"{self.path}: member {member.name} holds {member.dtype.str}{list(member.shape)} but "
                              f"{MANIFEST} says {dtype}{list(shape)}")
        size = member.data_start - member.start + member.nbytes
        if size != member.info.file_size:
            raise FormatError(f"{self.path}: member {member.name} is {member.info.file_size} bytes, its .npy header "
                              f"implies {size}")
        if member.data_start + member.nbytes > self.size:
            raise TruncatedFileError(
                f"{self.path}: array {member.name} ({member.dtype}{list(member.shape)}) would end at byte "
                f"{member.data_start + member.nbytes}, past the end of the {self.size}-byte file")

    def _header_crc(self, member: _Member) -> int:
        self.handle.seek(member.start)
        return zlib.crc32(self.handle.read(member.data_start - member.start))

    def _check_crc(self, member: _Member, crc: int) -> None:
        if crc != member.info.CRC:
            raise FormatError(f"{self.path}: array {member.name} is damaged: its CRC-32 is {crc:08x}, the file "
                              f"recorded {member.info.CRC:08x} when it was written")


def verify_file(path: PathLike) -> None:
    """Check every member of a w2v file against its CRC-32; a ``FormatError`` names the first bad one.

    For a service that loads with ``mmap="r"`` and wants to know, at start-up or in a health
    check, that the file is the one that was written (it reads the whole file once).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.w2v")
    >>> write_archive(path, {"kind": "demo"}, {"note.txt": b"hi"}, {"x.npy": np.arange(3)})
    >>> verify_file(path)
    >>> data = bytearray(open(path, "rb").read())
    >>> data[data.find(np.arange(3).tobytes())] ^= 1  # one flipped bit in the array's data
    >>> _ = open(path, "wb").write(data)
    >>> verify_file(path)
    Traceback (most recent call last):
    ...
    w2v.io.FormatError: ... array x.npy is damaged: its CRC-32 is ..., the file recorded ... when it was written
    """
    with Archive(path, mmap="r", verify=True) as archive:
        for name in archive.zip.namelist():
            if archive.has_array(name):
                archive.array(name)
            else:
                archive.text(name, archive.size * MAX_INFLATION)


def _byte_blocks(array: np.ndarray) -> Iterator[memoryview]:
    """The bytes of a C-contiguous array, BLOCK_BYTES * 16 at a time."""
    flat = memoryview(array.reshape(-1)).cast("B")
    step = 16 * BLOCK_BYTES
    for start in range(0, len(flat), step):
        yield flat[start:start + step]


def _crc_of_blocks(blocks: Iterable[memoryview], crc: int) -> int:
    for block in blocks:
        crc = zlib.crc32(block, crc)
    return crc


def _blocks_to_fill(array: np.ndarray, dtype: np.dtype) -> Iterator[np.ndarray]:
    """Flat buffers which, filled in order with C-order bytes of ``dtype``, fill ``array``.

    A C-contiguous array of that dtype is filled in place; anything else (a padded output
    matrix) through one buffer of at most BLOCK_BYTES, copied into the array after each
    block, so loading never needs a second whole copy of a matrix.
    """
    if array.flags.c_contiguous and array.dtype == dtype:
        if array.size:
            yield array.reshape(-1)
        return
    buffer = _block_buffer(array.shape, dtype)
    for start in range(0, len(array), len(buffer)):
        block = buffer[:len(array) - start]
        yield block.reshape(-1)
        array[start:start + len(block)] = block


def _nbytes(shape: tuple, dtype: np.dtype) -> int:
    return math.prod(shape) * dtype.itemsize


