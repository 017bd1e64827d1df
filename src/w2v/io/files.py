"""Small file helpers shared by every format: atomic writes and transparent decompression."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import secrets
from collections.abc import Iterator
from typing import IO, BinaryIO, Union

PathLike = Union[str, "os.PathLike[str]"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def open_binary(path: PathLike) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing ``.gz``, ``.bz2`` and ``.xz``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.txt.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(b"hello world\\n")
    >>> with open_binary(path) as f:
    ...     f.read()
    b'hello world\\n'
    """
    path = os.fspath(path)
    opener = _OPENERS.get(os.path.splitext(path)[1].lower(), open)
    return opener(path, "rb")


def encode_utf8(text: str) -> bytes:
    """``text`` as UTF-8, invalid UTF-8 read from a corpus file restored to its bytes.

    The corpus readers keep undecodable bytes as ``surrogateescape`` characters; writing
    them back gives the file the bytes it came from. A surrogate no byte stands for (made in
    Python, not read) raises ValueError naming it.

    Examples
    --------
    >>> encode_utf8(b"caf\\xe9".decode("utf-8", "surrogateescape"))
    b'caf\\xe9'
    >>> encode_utf8("a\\ud800b")
    Traceback (most recent call last):
    ...
    ValueError: '\\ud800' in 'a\\ud800b' cannot be written as UTF-8 (surrogates not allowed)
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as error:
        context = text[max(error.start - 40, 0):error.end + 40]
        raise ValueError(f"{text[error.start:error.end]!r} in {context!r} cannot be written as UTF-8 "
                         f"({error.reason})") from None


@contextlib.contextmanager
def atomic_write(path: PathLike, compress: bool = True) -> Iterator[IO[bytes]]:
    """Write ``path`` all or nothing: a crash or an exception leaves any old file intact.

    The data goes to a temporary file in the same directory, is flushed to disk, and only
    then renamed over ``path`` (an atomic replace on POSIX and Windows). With ``compress``,
    a ``.gz``/``.bz2``/``.xz`` suffix compresses what is written.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.txt")
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"complete")
    >>> open(path, "rb").read()
    b'complete'
    >>> try:
    ...     with atomic_write(path) as f:
    ...         _ = f.write(b"half")
    ...         raise RuntimeError("crash mid-save")
    ... except RuntimeError:
    ...     pass
    >>> open(path, "rb").read()
    b'complete'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = _create_temporary(directory, os.path.basename(path))
    except OSError as error:  # name the file the caller asked for, never the temporary one
        raise type(error)(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(descriptor, "wb") as raw:
            opener = _OPENERS.get(os.path.splitext(path)[1].lower()) if compress else None
            if opener is None:
                yield raw
            else:
                with opener(raw, "wb") as compressed:
                    yield compressed
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.replace(temporary, path)
        except OSError as error:
            raise type(error)(error.errno, error.strerror, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """Create a new, empty file next to ``name`` and open it for writing.

    Unlike ``tempfile.mkstemp`` (always mode 0600), the file gets the mode any new file
    gets (0666 less the umask), so a saved model is as readable as one written with
    ``open()``: a service running as another user can load it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = os.path.join(directory, f".tmp-{secrets.token_hex(6)}-{name}")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {directory!r}")


def _sync_directory(directory: str) -> None:
    """Flush the rename to disk too (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems cannot sync a directory; the data itself is synced
        pass
    finally:
        os.close(descriptor)
