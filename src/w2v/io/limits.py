"""How much memory this process may still take, to refuse an allocation a file asks for up front.

A file's header decides how big some arrays are (a C-format header's ``count dimension``, a
native file's array shapes). Where the file's own size does not already bound that (a
compressed file, an in-memory load of a big native file), ``require_memory`` compares the
request with what the machine can give and raises a ``MemoryError`` that says what asked for
how much, instead of NumPy's bare ``MemoryError`` or, worse, the kernel's OOM killer a
minute later. The estimate is deliberately generous: it refuses only what cannot fit.
"""

from __future__ import annotations

import os

#: cgroup files holding a container's memory limit (v2, then v1); "max" means none.
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def _meminfo() -> dict[str, int]:
    values = {}
    with open("/proc/meminfo", "rb") as handle:
        for line in handle:
            name, _, rest = line.partition(b":")
            fields = rest.split()
            if fields and fields[0].isdigit():
                values[name.decode("ascii", "replace")] = int(fields[0]) * 1024
    return values


def _cgroup_limit() -> int | None:
    for path in _CGROUP_LIMITS:
        try:
            with open(path, "rb") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 says "no limit" with a huge number
            return int(text)
    return None


def available_memory() -> int | None:
    """Bytes this process can still allocate, roughly; None where the system does not say.

    Linux: ``MemAvailable`` plus free swap, capped by the container's cgroup limit. Elsewhere:
    the physical memory, where ``os.sysconf`` knows it. Either way, capped by what the
    process's own address-space limit (``ulimit -v``, ``RLIMIT_AS``) leaves.

    Examples
    --------
    >>> available = available_memory()
    >>> available is None or available > 0
    True
    """
    try:
        info = _meminfo()
    except OSError:
        info = {}
    if "MemAvailable" in info:
        available = info["MemAvailable"] + info.get("SwapFree", 0)
        limit = _cgroup_limit()
        available = min(available, limit) if limit is not None else available
    else:
        try:
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            available = None
    headroom = _address_space_left()
    if headroom is None:
        return available
    return headroom if available is None else min(available, headroom)


def _address_space_left() -> int | None:
    """What ``RLIMIT_AS`` leaves of the address space (None: no limit, or no way to tell)."""
    try:
        import resource
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, AttributeError, ValueError, OSError):
        return None
    if limit == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", "rb") as handle:
            used = next(int(line.split()[1]) * 1024 for line in handle if line.startswith(b"VmSize:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return limit
    return max(limit - used, 0)


def require_memory(nbytes: int, what: str, hint: str = "") -> None:
    """Raise a ``MemoryError`` saying so when ``nbytes`` for ``what`` cannot fit in memory.

    Examples
    --------
    >>> require_memory(1024, "a small array")
    >>> require_memory(1 << 62, "the vectors of vectors.txt (4611686018427387904 x 1 float32)")
    Traceback (most recent call last):
    ...
    MemoryError: the vectors of vectors.txt (4611686018427387904 x 1 float32) need 4194304 TiB, more than the ...
    """
    available = available_memory()
    if available is not None and nbytes > available:
        raise MemoryError(f"{what} need {_human(nbytes)}, more than the {_human(available)} of memory this "
                          f"process can still get{'; ' + hint if hint else ''}")


def _human(nbytes: int) -> str:
    """``nbytes`` in the largest binary unit up to TiB that keeps the number >= 1 (integers of any size).

    Examples
    --------
    >>> _human(512), _human(3 << 30), _human(10 ** 400)[-8:]
    ('512 bytes', '3.0 GiB', '0000 TiB')
    """
    if nbytes < 1024:
        return f"{nbytes} bytes"
    for power, unit in enumerate(("KiB", "MiB", "GiB"), start=1):
        if nbytes < 1024 ** (power + 1):
            return f"{nbytes / 1024 ** power:.1f} {unit}"
    return f"{nbytes // 1024 ** 4} TiB"
