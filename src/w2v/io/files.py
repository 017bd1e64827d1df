"""Small file helpers shared by every format: atomic writes, transparent decompression, key encoding.

Atomic writes go to a temporary file next to the target, named ``.tmp-<12 hex digits>-<name>``
(the writer's process id in 8 digits, then 4 random ones), which is renamed over the target
once complete. A process killed mid-save (``kill -9``, a power cut) leaves that temporary
behind; the next save to the same path removes it. A temporary still being written is never
removed: on POSIX its writer holds an exclusive ``flock`` on it from just after creating it to
after renaming it (the kernel drops the lock when the writer dies, however it dies), and an
empty one (created, not yet locked) is spared while the process named in it lives; on
Windows an open file cannot be deleted.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import re
import secrets
import time
import zlib
from collections.abc import Iterator, Sequence
from typing import IO, BinaryIO, Union

from w2v.io import FormatError, TruncatedFileError

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted, which protects a live temporary
    fcntl = None

PathLike = Union[str, "os.PathLike[str]"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
#: The random part of a temporary's name: ``.tmp-<this>-<target name>``.
_TEMPORARY_TOKEN = re.compile(r"[0-9a-f]{12}")
#: An empty, unlocked temporary whose process lives may be a writer's between creating and
#: locking it (microseconds apart): it is left alone unless older than this (a reused pid).
_FRESH_SECONDS = 60.0


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


def is_compressed(path: PathLike) -> bool:
    """Whether ``open_binary`` decompresses ``path`` (by its suffix).

    Examples
    --------
    >>> is_compressed("vectors.txt.gz"), is_compressed("vectors.bin")
    (True, False)
    """
    return os.path.splitext(os.fspath(path))[1].lower() in _OPENERS


@contextlib.contextmanager
def decompression_errors(path: PathLike, where: str = "") -> Iterator[None]:
    """Turn a compressed stream's errors into ``TruncatedFileError`` (it ends early) or
    ``FormatError`` (it is damaged); errors reading a plain file pass through.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "cut.txt.gz")
    >>> _ = open(path, "wb").write(gzip.compress(b"some text")[:-12])
    >>> with decompression_errors(path), open_binary(path) as f:
    ...     f.read()
    Traceback (most recent call last):
    ...
    w2v.io.TruncatedFileError: ...cut.txt.gz: the compressed data is truncated (Compressed file ended before the end-of-stream marker was reached)
    """
    name = os.fspath(path)
    try:
        yield
    except EOFError as error:
        raise TruncatedFileError(f"{name}: the compressed data is truncated ({error}{where})") from None
    except (OSError, zlib.error, lzma.LZMAError) as error:
        if not is_compressed(name):
            raise
        raise FormatError(f"{name}: the compressed data is damaged ({error}{where})") from None


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



def encode_keys(keys: Sequence[str], separator: str = "\n") -> bytes:
    """``keys`` joined by ``separator``, as ``encode_utf8`` writes them, each one readable back.

    A key holding ``surrogateescape`` characters is written as the bytes they stand for. When
    those bytes happen to be valid UTF-8 (``'\\udcc3\\udca9'`` is written as ``b'\\xc3\\xa9'``,
    which is ``'é'``), the file would give back a different key, or a duplicate: such a key
    is refused with a ``ValueError`` naming it and what it would read back as. A key decoded
    from a file with ``surrogateescape`` never does this; only surrogates made in Python can.

    Examples
    --------
    >>> encode_keys(["a", "b\\udcff"])
    b'a\\nb\\xff'
    >>> encode_keys(["\\u00e9", "\\udcc3\\udca9"])
    Traceback (most recent call last):
    ...
    ValueError: key '\\udcc3\\udca9' cannot be saved: its bytes b'\\xc3\\xa9' read back as 'é', which is also a key ...
    """
    text = separator.join(keys)
    try:
        return text.encode("utf-8")  # no surrogates: UTF-8 is one to one, nothing to check
    except UnicodeEncodeError:
        pass
    data = encode_utf8(text)
    if data.decode("utf-8", "surrogateescape") == text:
        return data
    known = set(keys)
    for key in keys:
        raw = encode_utf8(key)
        back = raw.decode("utf-8", "surrogateescape")
        if back != key:
            clash = "which is also a key" if back in known else "a different key"
            raise ValueError(f"key {key!r} cannot be saved: its bytes {raw!r} read back as {back!r}, {clash} "
                             "(surrogate characters made in Python, not read from a file); rename it")
    raise AssertionError("unreachable: the joined keys read back differently, but every key reads back")


@contextlib.contextmanager
def atomic_write(path: PathLike, compress: bool = True) -> Iterator[IO[bytes]]:
    """Write ``path`` all or nothing: a crash or an exception leaves any old file intact.

    The data goes to a temporary file in the same directory, is flushed to disk, and only
    then renamed over ``path`` (an atomic replace on POSIX and Windows). With ``compress``,
    a ``.gz``/``.bz2``/``.xz`` suffix compresses what is written. Temporaries of ``path``
    left by a writer that was killed are removed first (see the module notes).

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
    name = os.path.basename(path)
    try:
        descriptor, temporary = _create_temporary(directory, name)
    except OSError as error:  # name the file the caller asked for, never the temporary one
        raise type(error)(error.errno, error.strerror, path) from None
    replaced = False
    try:
        remove_stale_temporaries(directory, name)
        with os.fdopen(descriptor, "wb") as raw:
            opener = _OPENERS.get(os.path.splitext(path)[1].lower()) if compress else None
            if opener is None:
                yield raw
            else:
                with opener(raw, "wb") as compressed:
                    yield compressed
            raw.flush()
            os.fsync(raw.fileno())
            if fcntl is not None:  # rename while still locked, so that no cleaner can take it
                _replace(temporary, path)
                replaced = True
        if not replaced:  # Windows cannot rename a file that is open
            _replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _replace(temporary: str, path: str) -> None:
    try:
        os.replace(temporary, path)
    except OSError as error:  # name the file the caller asked for, never the temporary one
        raise type(error)(error.errno, error.strerror, path) from None


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """Create a new, empty file next to ``name``, open for writing and locked (POSIX).

    Unlike ``tempfile.mkstemp`` (always mode 0600), the file gets the mode any new file
    gets (0666 less the umask), so a saved model is as readable as one written with
    ``open()``: a service running as another user can load it.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        token = f"{os.getpid() & 0xFFFFFFFF:08x}{secrets.token_hex(2)}"
        temporary = os.path.join(directory, f".tmp-{token}-{name}")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        if _try_lock(descriptor):
            return descriptor, temporary
        # A cleaner locked it in the instant before we could: it spares an empty new file, so remove it.
        os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    raise FileExistsError(f"cannot create a temporary file in {directory!r}")


def _try_lock(descriptor: int) -> bool:
    """Take the exclusive lock on an open file without waiting; True if taken (or no locks here)."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_temporaries(directory: str, name: str) -> list[str]:
    """Remove the temporaries of ``directory/name`` that no live writer holds; returns their paths.

    Only names of the form ``.tmp-<12 hex digits>-<name>`` are candidates (what
    ``atomic_write`` creates for this target), and of those only files nobody is writing:
    on POSIX, files whose ``flock`` can be taken (a writer holds it until it has renamed
    its file, and the kernel releases it when a writer dies); an empty one is spared too
    while the process its name gives lives (for up to a minute), since that writer may not
    have locked it yet. On Windows a file being written cannot be deleted, so the failed
    delete spares it.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, ".tmp-0123456789ab-model.w2v"), "wb").write(b"half a model")
    >>> _ = open(os.path.join(folder, ".tmp-notours-model.w2v"), "wb").write(b"someone else's")
    >>> [os.path.basename(p) for p in remove_stale_temporaries(folder, "model.w2v")]
    ['.tmp-0123456789ab-model.w2v']
    >>> sorted(os.listdir(folder))
    ['.tmp-notours-model.w2v']
    """
    suffix = "-" + name
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:  # an unlistable directory: nothing to clean, the save itself may still work
        return removed
    for entry in entries:
        token = entry.name[len(".tmp-"):-len(suffix)]
        if (entry.name.startswith(".tmp-") and entry.name.endswith(suffix)
                and _TEMPORARY_TOKEN.fullmatch(token) and _remove_if_abandoned(entry.path, int(token[:8], 16))):
            removed.append(entry.path)
    return removed


def _remove_if_abandoned(path: str, pid: int) -> bool:
    if fcntl is None:
        try:
            os.unlink(path)  # fails (PermissionError) while a writer has the file open
        except OSError:
            return False
        return True
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # gone (its writer renamed it), a link, or not ours to read
        return False
    try:
        if not _try_lock(descriptor):
            return False  # a live writer holds it
        status = os.fstat(descriptor)
        if status.st_size == 0 and _alive(pid) and time.time() - status.st_mtime < _FRESH_SECONDS:
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)  # releases our lock


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this one included); False for what is no process id.

    POSIX only: on Windows ``os.kill(pid, 0)`` would terminate the process.
    """
    if os.name != "posix" or not 0 < pid < 1 << 31:
        return os.name != "posix"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (PermissionError), or we cannot tell: spare it
        return True
    return True


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
