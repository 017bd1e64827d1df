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
import zipfile
from typing import IO, Any, Callable, Iterator, Union

import numpy as np
from numpy.lib import format as npy_format

from w2v._version import __version__
from w2v.io import FormatError
from w2v.io.files import atomic_write

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
    ...     archive.manifest["kind"], archive.bytes("note.txt"), archive.array("x.npy")
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

class Archive:
    """A w2v file opened for reading: its manifest, small members and arrays.

    Parameters
    ----------
    path : str or os.PathLike
    mmap : {None, "r", "c"}
        How ``array`` returns arrays: read into memory, or mapped read-only or copy-on-write.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.w2v")
    >>> write_archive(path, {"kind": "demo"}, {}, {"x.npy": np.zeros((2, 3), dtype=np.float32)})
    >>> with Archive(path) as archive:
    ...     archive.manifest["format_version"], archive.has_array("x.npy"), archive.array("x.npy").shape
    (1, True, (2, 3))
    """

    def __init__(self, path: PathLike, mmap: str | None = None):
        if mmap not in MMAP_MODES:
            raise ValueError(f"mmap must be one of {MMAP_MODES}, got {mmap!r} (r+ would break the file's checksums)")
        self.path = os.fspath(path)
        self.mmap = mmap
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise FormatError(self._not_w2v_message()) from None
        try:
            self.manifest = self._read_manifest()
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.zip.close()

    def _not_w2v_message(self) -> str:
        with open(self.path, "rb") as handle:
            start = handle.read(2)
        if start[:1] == b"\x80":
            return (f"{self.path} looks like a pickle (gensim's save() format?), not a w2v file; w2v never "
                    "unpickles. Convert it where it was made, e.g. kv.save_word2vec_format(path, binary=True), "
                    "then KeyedVectors.load_word2vec_format(path, binary=True)")
        return f"{self.path} is not a w2v file (not a zip archive); for word2vec C-format files use load_word2vec_format"

    def _read_manifest(self) -> dict:
        try:
            manifest = json.loads(self.zip.read(MANIFEST).decode("utf-8"))
        except KeyError:
            raise FormatError(f"{self.path} is a zip archive but not a w2v file (no {MANIFEST})") from None
        except (ValueError, zipfile.BadZipFile) as error:
            raise FormatError(f"{self.path}: damaged {MANIFEST}: {error}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise FormatError(f"{self.path} is not a w2v file (format {manifest.get('format')!r})")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version < 1:
            raise FormatError(f"{self.path}: invalid format version {version!r}")
        if version > FORMAT_VERSION:
            raise FormatError(
                f"{self.path} was written by a newer w2v (w2v {manifest.get('w2v_version')}, file format "
                f"version {version}); this w2v ({__version__}) reads format versions up to {FORMAT_VERSION}: "
                "upgrade w2v to load it")
        return manifest

    def bytes(self, name: str) -> bytes:
        """A small member's bytes (its CRC is checked)."""
        try:
            return self.zip.read(name)
        except KeyError:
            raise FormatError(f"{self.path}: member {name} is missing") from None
        except zipfile.BadZipFile as error:
            raise FormatError(f"{self.path}: member {name} is damaged: {error}") from None

    def has_array(self, name: str) -> bool:
        return name in self.manifest.get("arrays", {})

    def array(self, name: str, allocate: Callable[[tuple, np.dtype], np.ndarray] = np.empty) -> np.ndarray:
        """An array member: read into memory, or memory-mapped when ``mmap`` was given.

        ``allocate(shape, dtype)`` makes the array the member is read into (not used with
        ``mmap``); it may have padded rows, which are filled a block at a time.
        """
        expected = self.manifest.get("arrays", {}).get(name)
        if expected is None:
            raise FormatError(f"{self.path}: w2v.json lists no array {name}")
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise FormatError(f"{self.path}: member {name} is missing") from None
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise FormatError(f"{self.path}: member {name} is compressed or encrypted; w2v files store arrays as is")
        with open(self.path, "rb") as handle:
            handle.seek(info.header_offset)
            local = handle.read(zipfile.sizeFileHeader)
            if len(local) != zipfile.sizeFileHeader or local[:4] != zipfile.stringFileHeader:
                raise FormatError(f"{self.path}: bad zip header of member {name}")
            fields = struct.unpack(zipfile.structFileHeader, local)
            start = (info.header_offset + zipfile.sizeFileHeader + fields[zipfile._FH_FILENAME_LENGTH]
                     + fields[zipfile._FH_EXTRA_FIELD_LENGTH])
            handle.seek(start)
            shape, dtype, data_start = self._npy_header(handle, name)
            self._check(name, expected, shape, dtype, data_start - start + _nbytes(shape, dtype), info.file_size)
            if self.mmap and _nbytes(shape, dtype):
                array = np.memmap(self.path, dtype=dtype, mode=self.mmap, offset=data_start, shape=shape)
                return array.view(np.ndarray)  # a plain array whose base keeps the mapping alive
            array = allocate(shape, dtype)
            for block in _blocks_to_fill(array, dtype):
                if handle.readinto(memoryview(block).cast("B")) != block.nbytes:
                    raise FormatError(f"{self.path}: member {name} is truncated")
            return array

    def _npy_header(self, handle: IO[bytes], name: str) -> tuple[tuple[int, ...], np.dtype, int]:
        try:
            version = npy_format.read_magic(handle)
            if version == (1, 0):
                shape, fortran_order, dtype = npy_format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, fortran_order, dtype = npy_format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as error:
            raise FormatError(f"{self.path}: member {name} is not a valid .npy array: {error}") from None
        if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS:
            raise FormatError(f"{self.path}: member {name} has dtype {dtype}; w2v files hold only numeric "
                              "arrays (object arrays would need pickle, which w2v refuses)")
        if fortran_order:
            raise FormatError(f"{self.path}: member {name} is in Fortran order; w2v writes C order")
        return shape, dtype, handle.tell()

    def _check(self, name: str, expected: dict, shape: tuple, dtype: np.dtype, size: int, stored: int) -> None:
        if list(shape) != list(expected.get("shape", [])) or dtype.str != expected.get("dtype"):
            raise FormatError(f"{self.path}: member {name} holds {dtype.str}{list(shape)} but w2v.json says "
                              f"{expected.get('dtype')}{expected.get('shape')}")
        if size != stored:
            raise FormatError(f"{self.path}: member {name} is {stored} bytes, its .npy header implies {size}")


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


