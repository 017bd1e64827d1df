"""Phrases files: one JSON document (never pickle), written atomically, read with bounds.

``write_document`` adds the format name, version and class to a model's document and writes it
(``.gz``/``.bz2``/``.xz`` compress); tokens read with ``surrogateescape`` are written as JSON
escapes, so they read back as the same tokens. ``read_document`` refuses anything that is not
a phrases file of the expected class with ``FormatError``: a compressed file may inflate
``MAX_INFLATION`` times at most, absurd nesting is refused, and a model's parameters and
scoring name are checked before they are used.
"""

from __future__ import annotations

import json
import os
from typing import Any

from w2v.io import FormatError
from w2v.io.files import PathLike, atomic_write, decompression_errors, is_compressed, open_binary
from w2v.phrases.scoring import SCORERS, Scorer, scoring_function

FORMAT = "w2v-phrases"
FORMAT_VERSION = 2
#: Version 1 files (w2v 0.1) named the word2phrase score "default"; version 2 calls it
#: "word2phrase" and "default" is gensim's score, as in gensim.
_RENAMED_IN_VERSION_2 = {"default": "word2phrase"}
#: A compressed phrases file may inflate to at most this many times its size (JSON of counts
#: compresses about 5 times; a bomb, 1000 times).
MAX_INFLATION = 200
#: What interpreting a damaged document raises (a wrong type, a missing field, a number out
#: of range, inconsistent arrays): each becomes a FormatError.
DAMAGE = (KeyError, TypeError, ValueError, OverflowError, IndexError)


def write_document(path: PathLike, cls_name: str, document: dict[str, Any]) -> None:
    """Write a model's ``document`` as a phrases file of class ``cls_name``, atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "p.json")
    >>> write_document(path, "FrozenPhrases", {"params": {"scoring": "npmi"}, "words": ["caf\\udce9"]})
    >>> document = read_document(path, "FrozenPhrases")
    >>> document["words"], params_of(document, path), loaded_scoring("npmi", None, path).__name__
    (['caf\\udce9'], {'scoring': 'npmi'}, 'npmi_scorer')
    >>> read_document(path, "Phrases")
    Traceback (most recent call last):
    ...
    w2v.io.FormatError: ...p.json holds a FrozenPhrases; load it with FrozenPhrases.load
    """
    document = {"format": FORMAT, "version": FORMAT_VERSION, "class": cls_name, **document}
    with atomic_write(path) as f:
        # A token read with surrogateescape holds lone surrogates, which UTF-8 cannot encode:
        # written as JSON escapes ("\\udcff"), they read back as the same token.
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        f.write(text.encode("utf-8", "backslashreplace"))


def read_document(path: PathLike, expected: str) -> dict[str, Any]:
    """The document of a phrases file holding an ``expected`` model; see ``write_document``."""
    document = _parse_json(path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(f"{path}: not a w2v phrases file")
    version = document.get("version")
    if type(version) is not int or version not in (1, FORMAT_VERSION):
        raise FormatError(f"{path}: phrases file version {str(version)[:40]!r} is not supported "
                          f"(this w2v reads versions 1 to {FORMAT_VERSION})")
    if version == 1 and isinstance(document.get("params"), dict):
        scoring = document["params"].get("scoring")
        if isinstance(scoring, str):
            document["params"]["scoring"] = _RENAMED_IN_VERSION_2.get(scoring, scoring)
    if document.get("class") != expected:
        found = str(document.get("class"))[:40]
        raise FormatError(f"{path} holds a {found}; load it with {found}.load")
    return document


def _parse_json(path: PathLike) -> Any:
    """The JSON document of a phrases file; a compressed one may inflate MAX_INFLATION times at most."""
    name = os.fspath(path)
    limit = os.path.getsize(name) * MAX_INFLATION + (1 << 20) if is_compressed(name) else None
    with decompression_errors(name), open_binary(name) as f:
        data = f.read() if limit is None else f.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise FormatError(f"{name} inflates to more than {MAX_INFLATION} times its size: not a phrases file "
                          "(a compression bomb?)")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError; absurd nesting
        raise FormatError(f"{name}: not a w2v phrases file ({type(error).__name__}: {str(error)[:200]})") from None


def params_of(document: dict[str, Any], path: PathLike) -> dict[str, Any]:
    """A copy of the document's parameters, which must name a scoring; see ``write_document``."""
    params = document.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("scoring"), str):
        raise FormatError(f"{path}: damaged phrases file (no 'params' with a 'scoring' name)")
    return dict(params)


def loaded_scoring(name: str, scoring: str | Scorer | None, path: PathLike) -> Scorer:
    """The scorer to use: ``scoring`` if given, else the built-in ``name``; see ``write_document``.

    A custom scorer is saved by name only: it must be passed again (a ``ValueError`` says so).
    """
    if scoring is not None:
        return scoring_function(scoring)
    if name in SCORERS:
        return SCORERS[name]
    # Importing a function named in a file could run any code: the caller must hand it over.
    if not name.startswith("custom:"):
        raise FormatError(f"{path}: unknown scoring {name[:80]!r}")
    raise ValueError(f"{path} was saved with the custom scorer {name[len('custom:'):]!r}; "
                     "pass it again: load(path, scoring=that_function)")
