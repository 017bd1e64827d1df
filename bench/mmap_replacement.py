"""What a service that memory-maps a vectors file sees when the file is replaced under it.

    python bench/mmap_replacement.py

A "service" process loads ``vectors.w2v`` with ``mmap="r"`` and keeps answering; meanwhile
the file is changed in four ways. Each way runs in a fresh service process, and the table
says what the service saw afterwards:

* ``kv.save(path)`` (w2v writes a temporary and renames it over the path): the service keeps
  the old file's pages, complete and unchanged; a new load sees the new file.
* ``mv new.w2v path`` (a rename too): the same.
* ``cp new.w2v path`` (writes into the same file: truncates it, then writes): the service's
  mapped vectors silently change to the new file's bytes, whatever they mean.
* ``truncate`` (or a copy that is interrupted, or a shorter new file copied in place): the
  service gets SIGBUS, and dies, when it touches a page past the new end.

The checksums cannot help with the last two: the file is verified when it is loaded, and
the pages change afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

SERVICE = r"""
import sys
import numpy as np
from w2v import KeyedVectors
kv = KeyedVectors.load(sys.argv[1], mmap="r")
before = kv["w0"][0], kv[f"w{len(kv) - 1}"][0]
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()  # the file is changed now
after = kv["w0"][0], kv[f"w{len(kv) - 1}"][0]
fresh = KeyedVectors.load(sys.argv[1], mmap="r")
print(f"before {before[0]:g}/{before[1]:g}, after {after[0]:g}/{after[1]:g}, a new load {fresh['w0'][0]:g}")
"""


def version(value: float, rows: int = 100_000):
    from w2v import KeyedVectors
    kv = KeyedVectors(100)
    kv.add_vectors([f"w{i}" for i in range(rows)], np.full((rows, 100), value, dtype=np.float32))
    return kv


def run(change, folder: str) -> str:
    path = os.path.join(folder, "vectors.w2v")
    version(1.0).save(path)
    service = subprocess.Popen([sys.executable, "-c", SERVICE, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert service.stdout.readline().strip() == "ready"
    change(path, folder)
    stdout, stderr = service.communicate("go\n", timeout=60)
    if service.returncode < 0:
        return f"killed by {signal.Signals(-service.returncode).name}"
    return stdout.strip() or stderr.strip().splitlines()[-1]


def save(path, folder):
    version(2.0).save(path)


def move(path, folder):
    version(2.0).save(os.path.join(folder, "new.w2v"))
    os.replace(os.path.join(folder, "new.w2v"), path)


def copy(path, folder):
    version(2.0).save(os.path.join(folder, "new.w2v"))
    shutil.copyfile(os.path.join(folder, "new.w2v"), path)  # what cp does: O_TRUNC, then write


def truncate(path, folder):
    os.truncate(path, os.path.getsize(path) // 2)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="w2v-mmap-")
    try:
        print("| the file is changed by | what the service sees (first value of the first / last vector) |")
        print("|---|---|")
        for name, change in (("kv.save(path) (rename)", save), ("mv new.w2v path (rename)", move),
                             ("cp new.w2v path (in place)", copy), ("truncate to half (in place)", truncate)):
            print(f"| {name} | {run(change, folder)} |")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
