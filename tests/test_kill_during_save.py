"""Fault injection: kill -9 a process while it saves, many times, then look at what is left.

After every kill the target must load (checksums verified) as one complete version, never
a mix or a torn file; the temporary the killed save left is removed by the next save to the
same path, so temporaries never pile up. ``bench/reliability_cases.py`` runs more rounds.
"""

import multiprocessing
import os
import random
import signal
import sys
import time

import numpy as np
import pytest

from w2v import KeyedVectors

ROUNDS = 25

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="kill -9 rounds fork a saving child (Linux)")


def version(number, rows=4000, size=100):
    kv = KeyedVectors(size)
    keys = [f"v{number}_{i}" for i in range(rows)]
    kv.add_vectors(keys, np.full((rows, size), number, dtype=np.float32), extras={"count": np.arange(rows)})
    return kv


def save_forever(path, versions):
    while True:
        for kv in versions:
            kv.save(path)


def temporaries(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith(".tmp-"))


def test_kill_9_during_save_leaves_one_complete_version_and_no_pile_of_temporaries(tmp_path):
    versions = [version(1), version(2)]
    path = tmp_path / "kv.w2v"
    versions[0].save(path)
    start = time.perf_counter()
    versions[1].save(path)
    save_seconds = time.perf_counter() - start
    context = multiprocessing.get_context("fork")
    rng = random.Random(18)
    left_behind = 0
    for _ in range(ROUNDS):
        child = context.Process(target=save_forever, args=(path, versions), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.2, 3.0) * save_seconds)
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        loaded = KeyedVectors.load(path)  # verified: a torn file would fail its CRC
        number = int(loaded.index_to_key[0][1])
        assert loaded.index_to_key == versions[number - 1].index_to_key
        np.testing.assert_array_equal(loaded.vectors, versions[number - 1].vectors)
        # The kill may land before the child cleaned the previous round's temporary.
        assert len(temporaries(tmp_path)) <= 2
        left_behind += bool(temporaries(tmp_path))
    assert left_behind > ROUNDS // 4  # most kills did land in the middle of a save
    versions[0].save(path)
    assert os.listdir(tmp_path) == ["kv.w2v"]
