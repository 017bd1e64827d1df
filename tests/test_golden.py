"""Trained weights are bitwise what they were when the hashes below were recorded.

A refactor of the training code must not change a single bit of a ``workers=1`` run. For
every training mode (skip-gram and CBOW x negative sampling, hierarchical softmax, both,
the exact softmax, and batched skip-gram) and both corpus paths (an iterable and
``corpus_file``), this trains a small generated corpus and compares a SHA-256 of every
weight matrix and of the loss against ``golden_weights.json``.

Bitwise results depend on the BLAS kernels the machine picks (an AVX-512 ``sdot`` rounds
differently from an AVX2 one) and on the compiler flags, so the file records the
fingerprint of the machine that made it, and elsewhere the test skips rather than fail.
Record again only when a change of numerics is intended and measured:

    python tests/test_golden.py --record
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys

import numpy as np
import pytest

from w2v import Word2Vec

GOLDEN_PATH = os.path.join(os.path.dirname(__file__), "golden_weights.json")

#: name -> Word2Vec parameters; every mode of the kernels, each in its own entry.
MODES = {
    "sg-negative": dict(sg=1, hs=0, negative=5),
    "sg-hs": dict(sg=1, hs=1, negative=0),
    "sg-both": dict(sg=1, hs=1, negative=3),
    "sg-softmax": dict(sg=1, hs=0, negative=0, softmax=True),
    "cbow-negative": dict(sg=0, hs=0, negative=5),
    "cbow-hs": dict(sg=0, hs=1, negative=0),
    "cbow-both": dict(sg=0, hs=1, negative=3),
    "cbow-softmax": dict(sg=0, hs=0, negative=0, softmax=True),
    "sg-batched": dict(sg=1, hs=0, negative=5, shared_negatives=True),
    "sg-batched-hs": dict(sg=1, hs=1, negative=4, shared_negatives=True),
    "cbow-sum-fixed-window": dict(sg=0, hs=1, negative=2, cbow_mean=0, shrink_windows=False),
}

COMMON = dict(vector_size=24, window=4, min_count=2, sample=1e-2, epochs=2, workers=1, seed=11,
              compute_loss=True, alpha=0.03, min_alpha=0.001)


def corpus() -> list[list[str]]:
    """A Zipf-like corpus with repeated phrases: frequent words (subsampling) and a long tail."""
    rng = np.random.default_rng(2024)
    words = [f"w{i}" for i in range(300)]
    weights = 1.0 / np.arange(1, 301) ** 1.1
    weights /= weights.sum()
    sentences = []
    for _ in range(400):
        length = int(rng.integers(1, 30))
        sentence = [words[i] for i in rng.choice(300, size=length, p=weights)]
        if rng.random() < 0.3:
            sentence += ["new", "york", "city"]
        sentences.append(sentence)
    return sentences


def weight_hashes(model: Word2Vec) -> dict[str, str]:
    """SHA-256 of each weight matrix (its values, padding excluded) and of the loss."""
    hashes = {}
    for name in ("vectors", "syn1neg", "syn1", "syn1softmax"):
        matrix = model.wv.vectors if name == "vectors" else getattr(model, name, None)
        if matrix is not None:
            hashes[name] = hashlib.sha256(np.ascontiguousarray(matrix).tobytes()).hexdigest()
    hashes["loss"] = float(model.get_latest_training_loss()).hex()
    return hashes


def train(mode: str, path: str, tmp_dir: str) -> Word2Vec:
    params = dict(COMMON, **MODES[mode])
    sentences = corpus()
    if path == "iterable":
        return Word2Vec(sentences, **params)
    corpus_path = os.path.join(tmp_dir, "corpus.txt")
    with open(corpus_path, "w", encoding="utf-8") as out:
        out.write("\n".join(" ".join(sentence) for sentence in sentences) + "\n")
    return Word2Vec(corpus_file=corpus_path, **params)


def fingerprint() -> dict[str, object]:
    """What bitwise results depend on besides the code: CPU architecture, BLAS, build flags."""
    import scipy.linalg  # noqa: F401 - loads SciPy's BLAS so threadpoolctl can see it
    from threadpoolctl import threadpool_info

    from w2v import _core
    # SciPy's BLAS is the one the kernels call (cython_blas); NumPy may bundle another.
    site = os.path.dirname(os.path.dirname(scipy.linalg.__file__))
    scipy_dirs = (os.path.join(site, "scipy"), os.path.join(site, "scipy.libs"))
    blas = sorted((pool.get("internal_api"), pool.get("version"), pool.get("architecture"))
                  for pool in threadpool_info()
                  if pool.get("user_api") == "blas" and pool["filepath"].startswith(scipy_dirs))
    return {"machine": platform.machine(), "system": platform.system(),
            "blas": [list(entry) for entry in blas], "compile_args": _core.COMPILE_ARGS}


def golden() -> dict:
    with open(GOLDEN_PATH, encoding="utf-8") as f:
        return json.load(f)


CASES = [(mode, path) for mode in MODES for path in ("iterable", "corpus_file")]


@pytest.mark.parametrize("mode,path", CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_weights_are_bitwise_unchanged(mode, path, tmp_path):
    recorded = golden()
    if recorded["fingerprint"] != fingerprint():
        pytest.skip(f"recorded on {recorded['fingerprint']}, this is {fingerprint()}")
    model = train(mode, path, str(tmp_path))
    assert weight_hashes(model) == recorded["hashes"][f"{mode}/{path}"]


def record() -> None:
    import tempfile
    hashes = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        for mode, path in CASES:
            hashes[f"{mode}/{path}"] = weight_hashes(train(mode, path, tmp_dir))
    with open(GOLDEN_PATH, "w", encoding="utf-8") as out:
        json.dump({"fingerprint": fingerprint(), "hashes": hashes}, out, indent=1, sort_keys=True)
        out.write("\n")
    print(f"recorded {len(hashes)} cases in {GOLDEN_PATH}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    record()
