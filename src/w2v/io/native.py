"""w2v's native file format: one uncompressed zip, no pickle, arrays ready to memory-map.

Layout of a file (a plain zip archive, every member stored uncompressed)::

    w2v.json               format name "w2v", format version, what the file holds, and the
                           shape and dtype of every array
    wv/keys.txt            the keys, UTF-8, one per line (a key may not contain a newline)
    wv/vectors.npy         the vectors (NumPy .npy)
    wv/attrs/<name>.npy    per-key attributes, e.g. count
    model/<name>.npy       a Word2Vec's output layers (syn1neg, syn1), and its input vectors'
                           lock factors (vectors_lockf) unless they are the default [1.0]

The data of each ``.npy`` member starts at a multiple of 64 bytes in the file (the zip
"extra" field of its header is padded to get there), so ``load(path, mmap="r")`` maps each
array straight from the file: loading is instant, and N processes that map the same file
share one copy of the vectors in the page cache.

Safety: nothing is unpickled. ``.npy`` headers are parsed as literals, object and other
non-numeric dtypes are refused, and every array's shape and dtype must match ``w2v.json``.
A file written by a newer format version is refused with a clear error. Writes go through
``fileio.atomic_write``: a crash mid-save leaves any previous file intact. Zip CRCs are
written for every member and checked on load: for the small members always, for the arrays
when they are read into memory (``verify``, see ``Archive``); ``verify_file`` or ``unzip -t``
checks a whole file. No size in a file is trusted: see ``Archive``.
"""

from __future__ import annotations

import inspect
import logging
import os
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from w2v.io import FormatError
from w2v.io.container import MANIFEST, Archive, write_archive
from w2v.io.files import encode_keys

if TYPE_CHECKING:
    from w2v.model import Word2Vec
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

#: Bytes per key the key list may take, on average (real keys average under 20).
KEY_BYTES = 4096

PathLike = Union[str, "os.PathLike[str]"]


def _output_matrix_like(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Where a saved output matrix is loaded: cache-line rows, as training makes them."""
    from w2v.weights import output_matrix
    if len(shape) != 2:  # not an output matrix: training refuses it with a clear error
        return np.empty(shape, dtype)
    return output_matrix(*shape)



# ---------------------------------------------------------------------- KeyedVectors

def _keys_text(keys: list[str]) -> bytes:
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(f"only str keys can be saved, got {key!r}")
        if "\n" in key:
            raise ValueError(f"key {key!r} contains a newline, which the key list cannot store")
    return encode_keys(keys)


def keyed_vectors_members(kv: "KeyedVectors", prefix: str = "wv/",
                          vectors: np.ndarray | None = None) -> tuple[dict, dict, dict]:
    """(manifest section, text members, array members) describing ``kv``.

    ``vectors`` stands in for ``kv``'s live rows (the same rows in another type, e.g. float16).

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
    if vectors is not None and vectors.shape != (count, kv.vector_size):
        raise ValueError(f"vectors to save have shape {vectors.shape}, expected {(count, kv.vector_size)}")
    arrays = {prefix + "vectors.npy": kv.vectors[:count] if vectors is None else vectors}
    for attr, values in kv.expandos.items():
        if not attr or "/" in attr or attr.startswith("."):
            raise ValueError(f"attribute name {attr!r} cannot be a file name")
        arrays[f"{prefix}attrs/{attr}.npy"] = np.asarray(values[:count])
    return section, texts, arrays


def _count(archive: Archive, section: dict, name: str, minimum: int) -> int:
    value = section.get(name)
    if type(value) is not int or value < minimum:
        raise FormatError(f"{archive.path}: {MANIFEST} gives {name} {str(value)[:80]!r}, not an integer >= {minimum}")
    return value


def _attribute_names(archive: Archive, section: dict) -> list[str]:
    names = section.get("attributes", [])
    if not isinstance(names, list) or not all(isinstance(name, str) and _valid_attribute(name) for name in names):
        raise FormatError(f"{archive.path}: {MANIFEST} lists attributes {str(names)[:120]}, not a list of names")
    return names


def _valid_attribute(name: str) -> bool:
    return bool(name) and "/" not in name and not name.startswith(".")


def keyed_vectors_from(archive: Archive, cls: type, prefix: str = "wv/") -> "KeyedVectors":
    """Build a KeyedVectors from the members under ``prefix``.

    The shapes are checked before anything is read: the vectors must be ``count x
    vector_size`` and lie inside the file, so that a manifest cannot ask for more memory
    than the file holds; the key list is then read with a bound of ``KEY_BYTES`` per key.

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
    count, vector_size = _count(archive, section, "count", 0), _count(archive, section, "vector_size", 1)
    attributes = _attribute_names(archive, section)
    shape, _ = archive.array_shape(prefix + "vectors.npy")
    if shape != (count, vector_size):
        raise FormatError(f"{archive.path}: vectors have shape {shape}, expected {(count, vector_size)}")
    text = archive.text(prefix + "keys.txt", limit=count * KEY_BYTES + KEY_BYTES)
    found = text.count(b"\n") + 1 if count else len(text)
    if found != count:
        raise FormatError(f"{archive.path}: {prefix}keys.txt holds {found} keys, {MANIFEST} says {count}")
    vectors = archive.array(prefix + "vectors.npy")
    kv = cls(vector_size, dtype=vectors.dtype)
    kv.vectors = vectors
    kv._set_key_text(text, count)  # decoded and split into index_to_key / key_to_index on first use
    for attr in attributes:
        values = archive.array(f"{prefix}attrs/{attr}.npy")
        if values.shape != (count,):
            raise FormatError(f"{archive.path}: attribute {attr} has shape {values.shape}, expected ({count},)")
        kv.expandos[attr] = values
    return kv


def save_keyed_vectors(kv: "KeyedVectors", path: PathLike, vectors: np.ndarray | None = None) -> None:
    """Save ``kv`` in the native format (see the module docstring); ``kv.save`` calls this.

    ``vectors``: the rows to store instead of ``kv.vectors`` (see ``keyed_vectors_members``).

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
    section, texts, arrays = keyed_vectors_members(kv, vectors=vectors)
    write_archive(path, {"kind": "KeyedVectors", "wv": section}, texts, arrays)


def load_keyed_vectors(path: PathLike, mmap: str | None = None, cls: type | None = None,
                       verify: bool | None = None) -> "KeyedVectors":
    """Load word vectors from a native file (saved by ``KeyedVectors.save`` or ``Word2Vec.save``).

    ``verify`` checks the arrays' CRC-32s (default: when they are read into memory, not
    when mapped; see ``Archive``).

    Examples
    --------
    See ``save_keyed_vectors``.
    """
    if cls is None:
        from w2v.vectors.keyedvectors import KeyedVectors as cls
    with Archive(path, mmap, verify) as archive:
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
    lockf = np.asarray(model.wv.vectors_lockf, dtype=np.float32)
    if not (lockf.shape == (1,) and lockf[0] == 1.0):
        arrays["model/vectors_lockf.npy"] = lockf
    state = {name: _json_value(name, getattr(model, name)) for name in type(model)._saved_state}
    state["epoch_stats"] = [asdict(stats) for stats in model.epoch_stats]
    manifest = {"kind": "Word2Vec", "wv": section,
                "model": {"class": type(model).__name__, "params": model_parameters(model), "state": state,
                          "output_arrays": outputs, "vectors_lockf": "model/vectors_lockf.npy" in arrays}}
    write_archive(path, manifest, texts, arrays)


def _model_section(archive: Archive) -> tuple[dict, dict, list]:
    """(params, state, output array names) of a whole model's file, their types checked."""
    section = archive.manifest.get("model")
    if archive.manifest.get("kind") != "Word2Vec" or not isinstance(section, dict):
        raise FormatError(f"{archive.path} holds only word vectors, not a whole model: use KeyedVectors.load")
    params, state = section.get("params", {}), section.get("state", {})
    outputs = section.get("output_arrays", [])
    if (not isinstance(params, dict) or not isinstance(state, dict) or not isinstance(outputs, list)
            or not all(isinstance(name, str) for name in outputs)):
        raise FormatError(f"{archive.path}: {MANIFEST}'s model section is damaged (params, state or output_arrays "
                          "of the wrong type)")
    return params, state, outputs


def _restore_state(archive: Archive, model: "Word2Vec", state: dict) -> None:
    """Set the saved training state on ``model``: each value of the type a new model has."""
    from w2v.train.progress import EpochStats
    stats = state.pop("epoch_stats", [])
    try:
        model.epoch_stats = [EpochStats(**entry) for entry in stats]
    except TypeError as error:  # not a list of dicts, or fields EpochStats does not have
        raise FormatError(f"{archive.path}: damaged epoch statistics ({error})") from None
    if not all(_is_number(value) for entry in model.epoch_stats for value in asdict(entry).values()):
        raise FormatError(f"{archive.path}: damaged epoch statistics (a value that is not a number)")
    for name, value in state.items():
        if name not in type(model)._saved_state:
            continue
        default = getattr(model, name)
        if not _is_number(value) or (isinstance(default, int) and not isinstance(value, int)):
            raise FormatError(f"{archive.path}: saved state {name}={str(value)[:80]!r} is not a "
                              f"{type(default).__name__}")
        setattr(model, name, value)


def _lock_factors(archive: Archive, count: int) -> np.ndarray:
    """The saved lock factors: one for every key, or one for all."""
    factors = np.array(archive.array("model/vectors_lockf.npy"), dtype=np.float32)
    if factors.shape not in ((1,), (count,)):
        raise FormatError(f"{archive.path}: vectors_lockf has shape {factors.shape}, expected (1,) or ({count},)")
    return factors


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_word2vec(cls: type, path: PathLike, mmap: str | None = None, verify: bool | None = None) -> "Word2Vec":
    """Load a model saved by ``save_word2vec``, ready to continue training.

    ``Word2Vec.load`` calls this; see the example of ``Word2Vec.save``. ``verify`` as in
    ``load_keyed_vectors``.
    """
    from w2v.vectors.keyedvectors import KeyedVectors
    with Archive(path, mmap, verify) as archive:
        saved, state, outputs = _model_section(archive)
        accepted = set(constructor_parameters(cls))
        params = {}
        for name, value in saved.items():
            if name in accepted and name not in cls._unsaved_params:
                params[name] = value
            else:
                logger.warning("%s: ignoring saved parameter %s=%r, unknown to this version", path, name, value)
        try:
            model = cls(**params)
        except (TypeError, ValueError, OverflowError) as error:  # e.g. workers=10**7 written by hand
            raise FormatError(f"{archive.path}: the saved parameters are not valid: {error}") from None
        model.wv = keyed_vectors_from(archive, KeyedVectors)
        for name in cls._output_arrays:
            saved_array = name in outputs
            setattr(model, name, archive.array(f"model/{name}.npy", _output_matrix_like) if saved_array else None)
        if archive.manifest["model"].get("vectors_lockf"):
            model.wv.vectors_lockf = _lock_factors(archive, len(model.wv))
        _restore_state(archive, model, dict(state))
    return model
