"""w2v's native file format: one uncompressed zip, no pickle, arrays ready to memory-map.

Layout of a file (a plain zip archive, every member stored uncompressed)::

    w2v.json               format name "w2v", format version, what the file holds, and the
                           shape and dtype of every array
    wv/keys.txt            the keys, UTF-8, one per line (a key may not contain a newline)
    wv/vectors.npy         the vectors (NumPy .npy)
    wv/attrs/<name>.npy    per-key attributes, e.g. count
    model/<name>.npy       a Word2Vec's output layers (syn1neg, syn1)

The data of each ``.npy`` member starts at a multiple of 64 bytes in the file (the zip
"extra" field of its header is padded to get there), so ``load(path, mmap="r")`` maps each
array straight from the file: loading is instant, and N processes that map the same file
share one copy of the vectors in the page cache.

Safety: nothing is unpickled. ``.npy`` headers are parsed as literals, object and other
non-numeric dtypes are refused, and every array's shape and dtype must match ``w2v.json``.
A file written by a newer format version is refused with a clear error. Writes go through
``fileio.atomic_write``: a crash mid-save leaves any previous file intact. Zip CRCs are
written, and checked for the small members; the arrays are not checksummed on load (it
would cost a full read, defeating mmap); ``unzip -t`` checks a whole file.
"""

from __future__ import annotations

import encodings.cp437  # noqa: F401  (zipfile decodes member names with it: import it now, not in load())
import inspect
import io
import json
import logging
import math
import os
import struct
import zipfile
from dataclasses import asdict
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Union

import numpy as np
from numpy.lib import format as npy_format

from w2v._version import __version__
from w2v.fileio import atomic_write, encode_utf8

if TYPE_CHECKING:
    from w2v.keyedvectors import KeyedVectors
    from w2v.word2vec import Word2Vec

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


class FormatError(ValueError):
    """The file is not a valid w2v file (or is a newer version of the format).

    Examples
    --------
    >>> issubclass(FormatError, ValueError)
    True
    """


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


def _output_matrix_like(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Where a saved output matrix is loaded: cache-line rows, as training makes them."""
    from w2v.training import output_matrix
    if len(shape) != 2:  # not an output matrix: training refuses it with a clear error
        return np.empty(shape, dtype)
    return output_matrix(*shape)


def _nbytes(shape: tuple, dtype: np.dtype) -> int:
    return math.prod(shape) * dtype.itemsize


# ---------------------------------------------------------------------- KeyedVectors

def _keys_text(keys: list[str]) -> bytes:
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(f"only str keys can be saved, got {key!r}")
        if "\n" in key:
            raise ValueError(f"key {key!r} contains a newline, which the key list cannot store")
    return encode_utf8("\n".join(keys))


def keyed_vectors_members(kv: "KeyedVectors", prefix: str = "wv/") -> tuple[dict, dict, dict]:
    """(manifest section, text members, array members) describing ``kv``.

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b"], np.eye(2))
    >>> section, texts, arrays = keyed_vectors_members(kv)
    >>> section, texts, sorted(arrays)
    ({'vector_size': 2, 'count': 2, 'attributes': []}, {'wv/keys.txt': b'a\\nb'}, ['wv/vectors.npy'])
    """
    count = len(kv)
    section = {"vector_size": kv.vector_size, "count": count, "attributes": sorted(kv.expandos)}
    texts = {prefix + "keys.txt": _keys_text(kv.index_to_key)}
    arrays = {prefix + "vectors.npy": kv.vectors[:count]}
    for attr, values in kv.expandos.items():
        if not attr or "/" in attr or attr.startswith("."):
            raise ValueError(f"attribute name {attr!r} cannot be a file name")
        arrays[f"{prefix}attrs/{attr}.npy"] = np.asarray(values[:count])
    return section, texts, arrays


def keyed_vectors_from(archive: Archive, cls: type, prefix: str = "wv/") -> "KeyedVectors":
    """Build a KeyedVectors from the members under ``prefix``.

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a"], [[1.0, 2.0]])
    >>> path = os.path.join(tempfile.mkdtemp(), "kv.w2v")
    >>> save_keyed_vectors(kv, path)
    >>> with Archive(path) as archive:
    ...     keyed_vectors_from(archive, KeyedVectors).index_to_key
    ['a']
    """
    section = archive.manifest.get(prefix.rstrip("/"))
    if not isinstance(section, dict):
        raise FormatError(f"{archive.path} holds no word vectors")
    count, vector_size = int(section["count"]), int(section["vector_size"])
    text = archive.bytes(prefix + "keys.txt")
    found = text.count(b"\n") + 1 if count else len(text)
    if found != count:
        raise FormatError(f"{archive.path}: {prefix}keys.txt holds {found} keys, w2v.json says {count}")
    vectors = archive.array(prefix + "vectors.npy")
    if vectors.shape != (count, vector_size):
        raise FormatError(f"{archive.path}: vectors have shape {vectors.shape}, expected {(count, vector_size)}")
    kv = cls(vector_size, dtype=vectors.dtype)
    kv.vectors = vectors
    kv._set_key_text(text, count)  # decoded and split into index_to_key / key_to_index on first use
    for attr in section.get("attributes", []):
        values = archive.array(f"{prefix}attrs/{attr}.npy")
        if values.shape != (count,):
            raise FormatError(f"{archive.path}: attribute {attr} has shape {values.shape}, expected ({count},)")
        kv.expandos[attr] = values
    return kv


def save_keyed_vectors(kv: "KeyedVectors", path: PathLike) -> None:
    """Save ``kv`` in the native format (see the module docstring); ``kv.save`` calls this.

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a"], [[1.0, 2.0]])
    >>> path = os.path.join(tempfile.mkdtemp(), "kv.w2v")
    >>> save_keyed_vectors(kv, path)
    >>> load_keyed_vectors(path, mmap="r")["a"]
    array([1., 2.], dtype=float32)
    """
    section, texts, arrays = keyed_vectors_members(kv)
    write_archive(path, {"kind": "KeyedVectors", "wv": section}, texts, arrays)


def load_keyed_vectors(path: PathLike, mmap: str | None = None, cls: type | None = None) -> "KeyedVectors":
    """Load word vectors from a native file (saved by ``KeyedVectors.save`` or ``Word2Vec.save``).

    Examples
    --------
    See ``save_keyed_vectors``.
    """
    if cls is None:
        from w2v.keyedvectors import KeyedVectors as cls
    with Archive(path, mmap) as archive:
        return keyed_vectors_from(archive, cls)


# ---------------------------------------------------------------------- Word2Vec

def _json_value(name: str, value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"Word2Vec parameter {name}={value!r} cannot be saved: only None, bool, int, float and "
                    "str parameters can (list it in Word2Vec._unsaved_params if it should not be saved)")


def constructor_parameters(cls: type) -> list[str]:
    """Named parameters of ``cls.__init__`` and of its bases' (a subclass that takes
    ``**kwargs`` and passes them on still has its base's parameters saved).

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> "window" in constructor_parameters(Word2Vec)
    True
    """
    names: dict[str, None] = {}
    for klass in cls.__mro__:
        if "__init__" in vars(klass) and klass is not object:
            for name, parameter in inspect.signature(klass.__init__).parameters.items():
                if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                    names.setdefault(name)
    return list(names)


def model_parameters(model: "Word2Vec") -> dict[str, Any]:
    """The constructor parameters of ``model``, read generically from its ``__init__`` signature.

    Every parameter must be kept as an attribute of the same name; a new parameter is
    saved without touching this module.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> params = model_parameters(Word2Vec(window=3))
    >>> params["window"], "sentences" in params, "callbacks" in params
    (3, False, False)
    """
    params = {}
    for name in constructor_parameters(type(model)):
        if name in type(model)._unsaved_params:
            continue
        if not hasattr(model, name):
            raise AttributeError(f"{type(model).__name__} parameter {name!r} is not kept as an attribute, "
                                 "so it cannot be saved")
        params[name] = _json_value(name, getattr(model, name))
    return params


def save_word2vec(model: "Word2Vec", path: PathLike) -> None:
    """Save a whole model: parameters, vocabulary with counts, weights and training state.

    ``Word2Vec.save`` calls this; see its example.
    """
    section, texts, arrays = keyed_vectors_members(model.wv)
    outputs = []
    for name in type(model)._output_arrays:
        array = getattr(model, name)
        if array is not None:
            arrays[f"model/{name}.npy"] = array
            outputs.append(name)
    state = {name: _json_value(name, getattr(model, name)) for name in type(model)._saved_state}
    state["epoch_stats"] = [asdict(stats) for stats in model.epoch_stats]
    manifest = {"kind": "Word2Vec", "wv": section,
                "model": {"class": type(model).__name__, "params": model_parameters(model), "state": state,
                          "output_arrays": outputs}}
    write_archive(path, manifest, texts, arrays)


def load_word2vec(cls: type, path: PathLike, mmap: str | None = None) -> "Word2Vec":
    """Load a model saved by ``save_word2vec``, ready to continue training.

    ``Word2Vec.load`` calls this; see the example of ``Word2Vec.save``.
    """
    from w2v.keyedvectors import KeyedVectors
    from w2v.training import EpochStats
    with Archive(path, mmap) as archive:
        section = archive.manifest.get("model")
        if archive.manifest.get("kind") != "Word2Vec" or not isinstance(section, dict):
            raise FormatError(f"{archive.path} holds only word vectors, not a whole model: use KeyedVectors.load")
        accepted = set(constructor_parameters(cls))
        params = {}
        for name, value in section.get("params", {}).items():
            if name in accepted and name not in cls._unsaved_params:
                params[name] = value
            else:
                logger.warning("%s: ignoring saved parameter %s=%r, unknown to this version", path, name, value)
        model = cls(**params)
        model.wv = keyed_vectors_from(archive, KeyedVectors)
        for name in cls._output_arrays:
            saved = name in section.get("output_arrays", [])
            setattr(model, name, archive.array(f"model/{name}.npy", _output_matrix_like) if saved else None)
        state = dict(section.get("state", {}))
        model.epoch_stats = [EpochStats(**stats) for stats in state.pop("epoch_stats", [])]
        for name, value in state.items():
            if name in cls._saved_state:
                setattr(model, name, value)
    return model
