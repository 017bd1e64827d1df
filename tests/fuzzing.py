"""Fuzz targets: the five parsers a file reaches, with input generators and the properties checked.

Shared by ``tests/test_fuzz.py`` (Hypothesis: a fixed budget in every test run, long runs
with ``pytest -m fuzz``) and ``ci/fuzz.py`` (long campaigns: ``ci/fuzz.sh SECONDS``). A
generator takes a ``random.Random`` (under Hypothesis, one whose draws it records and shrinks)
and returns a ``Case``: the bytes of a file and what must happen when it is read. ``check``
writes the file and reads it with every reader of the target; it raises ``Finding`` for a
property violated or an exception outside the documented family (``FormatError`` and its
``TruncatedFileError``; ``MemoryError`` only for a compressed header that announces more than
memory holds; for corpora, ``ValueError`` only for invalid UTF-8 read strictly).

Targets: ``native`` (``KeyedVectors.load``, ``Word2Vec.load``), ``c_text`` and ``c_binary``
(``load_word2vec_format``), ``corpus`` (``LineSentence`` and the C reader of ``corpus_file``:
``scan_corpus_file``, ``range_tokens``; and ``Text8Corpus``) and ``phrases`` (``Phrases.load``, ``FrozenPhrases.load``).
"""

from __future__ import annotations

import collections
import dataclasses
import gzip
import hashlib
import io
import json
import os
import random
import re
import tempfile
import zipfile
from collections.abc import Callable

import numpy as np

from w2v import FrozenPhrases, KeyedVectors, LineSentence, Phrases, Text8Corpus, Word2Vec, corpora
from w2v.io import FormatError
from w2v.train._corpusfile import range_tokens, scan_corpus_file


class Finding(AssertionError):
    """A property the target must keep was broken (or an undocumented exception escaped)."""


@dataclasses.dataclass
class Case:
    """One input: the file's bytes, its name's suffix, and what reading it must give."""

    data: bytes
    suffix: str = ""
    #: The content a successful load must have (a seed mutated only where a checksum guards).
    expected: object = None
    #: The reader must raise (a strict prefix of a valid file with a header).
    must_fail: bool = False


# ---------------------------------------------------------------------- mutations

INTERESTING_BYTES = b"\x00\xff\n \t\r\x0b\x0c-.e0123456789\x80\xc3\xa9{}[]\":,"
INTERESTING_TOKENS = [b"0", b"-0", b"1e400", b"-1e400", b"nan", b"inf", b"-inf", b"1e-400", b"", b" ", b"\n",
                      b"\r\n", b"\t", b"99999999999999999999", b"-1", b"1_0", b"0x10", b"\xff", b"\xc3", b"\xe9",
                      b"\xed\xa0\x80", b"1" * 400, b"2147483648", b"9223372036854775808", b"18446744073709551616"]


def mutate_bytes(rng: random.Random, data: bytes, rounds: int | None = None) -> bytes:
    """``data`` with a few random byte-level edits: flips, overwrites, inserts, deletes,
    repeats, truncation."""
    out = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randint(1, 4)):
        kind = rng.randrange(8)
        at = rng.randrange(len(out) + 1)
        if kind == 0 and out:  # flip one bit
            at = min(at, len(out) - 1)
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1 and out:  # overwrite with an interesting byte
            out[min(at, len(out) - 1)] = INTERESTING_BYTES[rng.randrange(len(INTERESTING_BYTES))]
        elif kind == 2:  # insert an interesting token
            out[at:at] = INTERESTING_TOKENS[rng.randrange(len(INTERESTING_TOKENS))]
        elif kind == 3:  # delete a range
            del out[at:at + rng.randint(1, 16)]
        elif kind == 4 and out:  # repeat a range, up to many times (long lines, big counts)
            piece = bytes(out[at:at + rng.randint(1, 32)])
            out[at:at] = piece * rng.choice([2, 10, 1000, 12000])
        elif kind == 5:  # truncate
            del out[at:]
        elif kind == 6 and out:  # swap two ranges
            other = rng.randrange(len(out))
            size = rng.randint(1, 8)
            out[at:at + size], out[other:other + size] = out[other:other + size], out[at:at + size]
        else:  # random bytes
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def random_json(rng: random.Random, depth: int = 0) -> object:
    """A random JSON value, biased towards the values parsers get wrong."""
    kind = rng.randrange(11 if depth < 3 else 8)
    if kind == 0:
        return rng.choice([0, 1, -1, 2, 3, 2 ** 31, 2 ** 63, 2 ** 64, -2 ** 63 - 1, 10 ** 30])
    if kind == 1:
        return rng.choice([0.5, -0.0, 1e308, -1e308, 1e-320, float("inf"), float("nan")])
    if kind == 2:
        return rng.choice(["", "w2v", "a", "x" * 300, "\udcff", "custom:f", "default", "npmi", "<f4", "|O"])
    if kind == 3:
        return rng.choice([None, True, False])
    if kind == 4:
        return [rng.randint(-2, 5) for _ in range(rng.randint(0, 6))]
    if kind == 5:
        return ["a", "b"] if rng.random() < 0.5 else [["a", "b"], 1.0]
    if kind == 6:
        return {}
    if kind == 7:
        return [[]]
    if kind == 8:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["shape", "dtype", "count", "x"]): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def mutate_json(rng: random.Random, document: object) -> object:
    """``document`` (a JSON value, changed in place and returned) with one value replaced,
    a key dropped or added, or a list shortened, somewhere in its tree."""
    document = json.loads(json.dumps(document))
    parent, key = None, None
    node = document
    for _ in range(rng.randint(0, 5)):  # walk down a random path
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) \
            if isinstance(node, list) else []
        if not children:
            break
        key, child = children[rng.randrange(len(children))]
        parent, node = node, child
    action = rng.randrange(4)
    if parent is None:
        return random_json(rng) if action == 0 else document
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, list):
        del parent[key:]
    elif action == 2 and isinstance(parent, dict):
        parent[rng.choice(["extra", "count", "attributes", "shape"])] = random_json(rng)
    else:
        parent[key] = random_json(rng)
    return document


def _workdir() -> str:
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix="w2v-fuzz-", dir=base)


def _write(folder: str, case: Case, stem: str) -> str:
    path = os.path.join(folder, stem + case.suffix)
    with open(path, "wb") as handle:
        handle.write(case.data)
    return path


def _expect(outcome_ok: bool, case: Case, what: str) -> None:
    if outcome_ok and case.must_fail:
        raise Finding(f"{what} accepted a strict prefix of a valid file")


def _documented(error: BaseException, *extra: type) -> bool:
    if isinstance(error, FormatError) or isinstance(error, extra):
        return True
    return isinstance(error, MemoryError) and "announces" in str(error)


def _call(what: str, function: Callable, *args, extra: tuple = (), **kwargs):
    """(True, result) or (False, the documented error); anything else is a Finding."""
    try:
        return True, function(*args, **kwargs)
    except Exception as error:
        if _documented(error, *extra):
            return False, error
        raise Finding(f"{what} raised {type(error).__name__}: {error}") from error


# ---------------------------------------------------------------------- targets

class Target:
    """A parser under fuzzing: seeds, a generator of cases and the checks of one case."""

    name = ""

    def __init__(self) -> None:
        self.folder = _workdir()
        self.seeds: list[Case] = self.make_seeds()

    def make_seeds(self) -> list[Case]:
        raise NotImplementedError

    def generate(self, rng: random.Random) -> Case:
        seed = self.seeds[rng.randrange(len(self.seeds))]
        return Case(mutate_bytes(rng, seed.data), seed.suffix)

    def check(self, case: Case) -> None:
        raise NotImplementedError


def _kv_content(kv: KeyedVectors) -> tuple:
    return (list(kv.index_to_key), kv.vectors[:len(kv)].tobytes(), str(kv.vectors.dtype),
            sorted((name, values.tobytes()) for name, values in kv.expandos.items()))


class NativeTarget(Target):
    """``KeyedVectors.load`` (verified, and mapped unverified) and ``Word2Vec.load``."""

    name = "native"

    def make_seeds(self) -> list[Case]:
        seeds = []
        kv = KeyedVectors(3)
        kv.add_vectors(["alpha", "béta", "with space", "", "日本", b"\xff".decode("utf-8", "surrogateescape")],
                       np.arange(18, dtype=np.float32).reshape(6, 3) / 7, extras={"count": [6, 5, 4, 3, 2, 1]})
        kv.set_vecattr("alpha", "weight", 0.25)
        ints = KeyedVectors(2, dtype=np.int32)
        ints.add_vectors(["a", "b"], [[1, 2], [3, 4]])
        model = Word2Vec([["a", "b", "c", "d"], ["b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1,
                         seed=1, hs=1, negative=2)
        for number, item in enumerate([kv, KeyedVectors(4), ints, model]):
            path = os.path.join(self.folder, f"seed{number}.w2v")
            item.save(path)
            with open(path, "rb") as handle:
                seeds.append(Case(handle.read(), ".w2v", _kv_content(KeyedVectors.load(path))))
        return seeds

    def generate(self, rng: random.Random) -> Case:
        seed = self.seeds[rng.randrange(len(self.seeds))]
        if rng.random() < 0.5:  # bytes: every byte a load depends on is under a checksum
            return Case(mutate_bytes(rng, seed.data), ".w2v", seed.expected)
        members = {}
        with zipfile.ZipFile(io.BytesIO(seed.data)) as archive:  # a member rewritten, the zip made valid
            for info in archive.infolist():
                members[info.filename] = archive.read(info.filename)
        name = rng.choice(sorted(members))
        if name == "w2v.json" and rng.random() < 0.8:
            members[name] = json.dumps(mutate_json(rng, json.loads(members[name]))).encode()
        else:
            members[name] = mutate_bytes(rng, members[name])
        out = io.BytesIO()
        deflate = rng.random() < 0.2
        with zipfile.ZipFile(out, "w") as archive:
            for member, data in members.items():
                method = zipfile.ZIP_DEFLATED if deflate and not member.endswith(".npy") else zipfile.ZIP_STORED
                archive.writestr(zipfile.ZipInfo(member), data, compress_type=method)
        return Case(out.getvalue(), ".w2v")

    def check(self, case: Case) -> None:
        path = _write(self.folder, case, "input")
        ok, kv = _call("KeyedVectors.load", KeyedVectors.load, path)
        if ok:
            # Reading the keys can raise too (they are split on first use): still the family.
            content_ok, content = _call("reading the keys", _kv_content, kv)
            if content_ok and case.expected is not None and content != case.expected:
                raise Finding("a damaged file loaded with verify=True and gave other values than were saved")
        ok, kv = _call("KeyedVectors.load(mmap='r', verify=False)", KeyedVectors.load, path, mmap="r", verify=False)
        if ok:
            _call("reading a mapped load", lambda: (_kv_content(kv), kv.vectors.sum(), len(kv.key_to_index)))
        ok, model = _call("Word2Vec.load", Word2Vec.load, path)
        if ok:
            _call("reading a loaded model", lambda: (_kv_content(model.wv), model.epoch_stats, str(model)))


def _c_text_seeds(folder: str) -> list[bytes]:
    rng = np.random.default_rng(0)
    kv = KeyedVectors(4)
    kv.add_vectors(["the", "é", "日本", "a", "x" * 50], rng.standard_normal((5, 4)), extras={"count": [5, 4, 3, 2, 1]})
    odd = KeyedVectors(2)
    odd.add_vectors(["nan", "inf"], [[np.nan, -np.inf], [1e-45, 3.4e38]])
    seeds = []
    for item in (kv, odd):
        for binary in (False, True):
            path = os.path.join(folder, "seed.bin" if binary else "seed.txt")
            item.save_word2vec_format(path, binary=binary)
            with open(path, "rb") as handle:
                seeds.append(handle.read())
    return seeds


class CTextTarget(Target):
    """``load_word2vec_format`` of text files: with a header, without, and (wrongly) as binary."""

    name = "c_text"

    def make_seeds(self) -> list[Case]:
        texts = _c_text_seeds(self.folder)[0::2]
        c_tool = b"3 3\n</s> 0.001000 -0.002000 0.003000 \nthe 0.100000 0.200000 -0.300000 \nof 1 2 3\n"
        return [Case(data, ".txt") for data in texts + [c_tool]]

    def generate(self, rng: random.Random) -> Case:
        seed = self.seeds[rng.randrange(len(self.seeds))]
        choice = rng.random()
        if choice < 0.1:  # a strict prefix: the header promises more, or the last line is cut
            return Case(seed.data[:rng.randrange(len(seed.data))], ".txt", must_fail=True)
        if choice < 0.2:  # the same, compressed: the gzip path, and headers checked against memory
            return Case(gzip.compress(mutate_bytes(rng, seed.data), compresslevel=1), ".txt.gz")
        if choice < 0.4:  # a token replaced by an interesting one
            tokens = re.split(rb"( |\n)", seed.data)
            tokens[rng.randrange(len(tokens))] = INTERESTING_TOKENS[rng.randrange(len(INTERESTING_TOKENS))]
            return Case(b"".join(tokens), ".txt")
        return Case(mutate_bytes(rng, seed.data), ".txt")

    def check(self, case: Case) -> None:
        path = _write(self.folder, case, "input")
        ok, kv = _call("load_word2vec_format", KeyedVectors.load_word2vec_format, path)
        _expect(ok, case, "load_word2vec_format")
        if ok and kv.vectors.shape != (len(kv), kv.vector_size):
            raise Finding(f"loaded vectors of shape {kv.vectors.shape} for {len(kv)} keys")
        _call("load_word2vec_format(no_header=True)", KeyedVectors.load_word2vec_format, path, no_header=True)
        _call("load_word2vec_format(binary=True) of a text file", KeyedVectors.load_word2vec_format, path,
              binary=True)
        _call("load_word2vec_format(limit=2, unicode_errors='replace')", KeyedVectors.load_word2vec_format, path,
              limit=2, unicode_errors="replace")


class CBinaryTarget(Target):
    """``load_word2vec_format(binary=True)``."""

    name = "c_binary"

    def make_seeds(self) -> list[Case]:
        binaries = _c_text_seeds(self.folder)[1::2]
        # gensim writes no newline after a vector
        gensim_style = b"2 3\n" + b"".join(key + b" " + np.array([1.5, -2, 1e-8], dtype="<f4").tobytes()
                                           for key in (b"a", b"\xc3\xa9"))
        return [Case(data, ".bin") for data in binaries + [gensim_style]]

    def generate(self, rng: random.Random) -> Case:
        seed = self.seeds[rng.randrange(len(self.seeds))]
        choice = rng.random()
        if choice < 0.1:
            cut = rng.randrange(len(seed.data))
            # A binary file may lack its final newline (gensim writes none): that prefix is whole.
            return Case(seed.data[:cut], ".bin", must_fail=not seed.data[cut:] == b"\n")
        if choice < 0.2:
            return Case(gzip.compress(mutate_bytes(rng, seed.data), compresslevel=1), ".bin.gz")
        if choice < 0.35:  # a lying header
            header, _, body = seed.data.partition(b"\n")
            fields = header.split()
            fields[rng.randrange(len(fields))] = INTERESTING_TOKENS[rng.randrange(len(INTERESTING_TOKENS))]
            return Case(b" ".join(fields) + b"\n" + body, ".bin")
        return Case(mutate_bytes(rng, seed.data), ".bin")

    def check(self, case: Case) -> None:
        path = _write(self.folder, case, "input")
        ok, kv = _call("load_word2vec_format(binary=True)", KeyedVectors.load_word2vec_format, path, binary=True)
        _expect(ok, case, "load_word2vec_format(binary=True)")
        if ok and kv.vectors.shape != (len(kv), kv.vector_size):
            raise Finding(f"loaded vectors of shape {kv.vectors.shape} for {len(kv)} keys")
        _call("load_word2vec_format(binary=True, limit=1, unicode_errors='ignore')",
              KeyedVectors.load_word2vec_format, path, binary=True, limit=1, unicode_errors="ignore")


# The C reader's tokens: runs of bytes that are not ASCII whitespace; sentences are lines.
_C_SPACE = re.compile(rb"[ \t\n\x0b\x0c\r]+")
C_MAX_SENTENCE = 10000


def c_reader_sentences(data: bytes) -> list[list[bytes]]:
    """What ``range_tokens(path, 0, size)`` must give for a file holding ``data``."""
    sentences = []
    for line in data.split(b"\n"):
        tokens = [token for token in _C_SPACE.split(line) if token]
        sentences.extend(tokens[i:i + C_MAX_SENTENCE] for i in range(0, len(tokens), C_MAX_SENTENCE))
    return sentences


def line_sentences(data: bytes, max_length: int, errors: str) -> list[list[str]]:
    """What ``LineSentence`` must give: each line decoded, split on (Unicode) whitespace."""
    sentences = []
    for line in io.BytesIO(data):
        tokens = line.decode("utf-8", errors).split()
        sentences.extend(tokens[i:i + max_length] for i in range(0, len(tokens), max_length))
    return sentences


class CorpusTarget(Target):
    """``LineSentence`` and the C tokenizer of ``corpus_file`` against reference tokenizers, and
    ``range_tokens`` over any cut of the file covering every token exactly once."""

    name = "corpus"

    def make_seeds(self) -> list[Case]:
        long_line = b" ".join(b"w%d" % (i % 97) for i in range(C_MAX_SENTENCE + 50)) + b"\n"
        return [Case(data, ".txt") for data in (
            b"the cat sat\n\non the mat\r\n\tthe end",
            "caf\u00e9 na\u00efve \u00a0nbsp\u3000ideographic \x85nel\u2028ls\n".encode() + b"\xff\xfe bad utf-8\n",
            b"\x0b\x0c vertical\x1c\x1d\x1e\x1f separators\n  \n",
            long_line,
            b"a" * 3000 + b" b\n",
        )]

    def generate(self, rng: random.Random) -> Case:
        if rng.random() < 0.3:  # generated from an alphabet rich in separators and UTF-8 pieces
            pieces = [b"a", b"bc", b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xc2\x85",
                      b"\xc2\xa0", b"\xe3\x80\x80", b"\xe2\x80\xa8", b"\xff", b"\xc3", b"\xa9", b"\x00"]
            return Case(b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))), ".txt")
        return super().generate(rng)

    def check(self, case: Case) -> None:
        path = _write(self.folder, case, "input")
        data = case.data
        expected = c_reader_sentences(data)
        if range_tokens(path, 0, len(data) + 1) != expected:
            raise Finding("range_tokens(path, 0, size) differs from the C reader's documented tokenization")
        flat = [token for sentence in expected for token in sentence]
        digest = hashlib.blake2b(data, digest_size=8).digest()
        cuts = sorted({0, len(data), *(b % (len(data) + 1) for b in digest[:4])})
        pieces = [token for start, end in zip(cuts, cuts[1:]) for sentence in range_tokens(path, start, end)
                  for token in sentence]
        if pieces != flat:
            raise Finding(f"range_tokens over the cuts {cuts} does not cover every token exactly once")
        counts, sentences, total = scan_corpus_file(path)
        decoded = collections.Counter(token.decode("utf-8", "surrogateescape") for token in flat)
        if (dict(decoded), sentences, total) != (dict(counts), len(expected), len(flat)):
            raise Finding("scan_corpus_file's counts differ from the tokens range_tokens gives")
        max_length = 1 + digest[5] % 4 if digest[4] % 2 else 10000
        expected_lines = line_sentences(data, max_length, "surrogateescape")
        if list(LineSentence(path, max_sentence_length=max_length, errors="surrogateescape")) != expected_lines:
            raise Finding("LineSentence differs from splitting each decoded line")
        piece_bytes = corpora.PIECE_BYTES
        small = 1 + digest[6] % 64 + (len(data) // 64 if len(data) > 4096 else 0)  # pieces every few tokens
        corpora.PIECE_BYTES = small
        try:
            if list(LineSentence(path, max_sentence_length=max_length, errors="surrogateescape")) != expected_lines:
                raise Finding(f"LineSentence reading lines {corpora.PIECE_BYTES} bytes at a time loses or splits tokens")
        finally:
            corpora.PIECE_BYTES = piece_bytes
        words = data.decode("utf-8", "surrogateescape").split()
        if list(Text8Corpus(path, max_sentence_length=max_length, errors="surrogateescape",
                            block_size=small)) != [words[i:i + max_length]
                                                               for i in range(0, len(words), max_length)]:
            raise Finding("Text8Corpus differs from splitting the decoded file")
        try:
            strict = list(LineSentence(path, max_sentence_length=max_length))
        except ValueError as error:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return
            raise Finding(f"LineSentence raised on valid UTF-8: {error}") from error
        if strict != line_sentences(data, max_length, "strict"):
            raise Finding("LineSentence (strict) differs from splitting each decoded line")


class PhrasesTarget(Target):
    """``Phrases.load`` and ``FrozenPhrases.load``; whatever loads must work, save and reload."""

    name = "phrases"

    def make_seeds(self) -> list[Case]:
        sentences = [["new", "york", "is", "big"], ["i", "love", "new", "york"], ["bank", "of", "america"]] * 5
        models = [Phrases(sentences, min_count=1, threshold=0.1),
                  Phrases(sentences, min_count=1, threshold=0.1, scoring="npmi", connector_words={"of"}),
                  Phrases(sentences, min_count=1, threshold=0.1, connector_words={"of"}).freeze()]
        seeds = []
        for number, model in enumerate(models):
            path = os.path.join(self.folder, f"seed{number}.json")
            model.save(path)
            with open(path, "rb") as handle:
                seeds.append(Case(handle.read(), ".json"))
        return seeds

    def generate(self, rng: random.Random) -> Case:
        seed = self.seeds[rng.randrange(len(self.seeds))]
        if rng.random() < 0.7:
            data = json.dumps(mutate_json(rng, json.loads(seed.data)), ensure_ascii=rng.random() < 0.5).encode(
                "utf-8", "surrogatepass")
        else:
            data = mutate_bytes(rng, seed.data)
        if rng.random() < 0.1:
            return Case(gzip.compress(data, compresslevel=1), ".json.gz")
        return Case(data, ".json")

    def check(self, case: Case) -> None:
        path = _write(self.folder, case, "input")
        scorer_needed = (ValueError,)  # "saved with the custom scorer ...: pass it again" is documented
        for cls in (Phrases, FrozenPhrases):
            ok, model = _call(f"{cls.__name__}.load", cls.load, path, extra=scorer_needed)
            if not ok:
                if not isinstance(model, FormatError) and "custom scorer" not in str(model):
                    raise Finding(f"{cls.__name__}.load raised a plain ValueError: {model}")
                continue
            words = ["new", "york", "bank", "of", "america", "i"]
            try:
                model[words], model.export_phrases(), str(model)
                again = os.path.join(self.folder, "again.json")
                model.save(again)
                reloaded = cls.load(again, scoring=model.scoring if callable(model.scoring) else None)
            except Exception as error:
                raise Finding(f"a {cls.__name__} that loaded does not work: {type(error).__name__}: {error}") \
                    from error
            if repr(sorted(reloaded.export_phrases().items())) != repr(sorted(model.export_phrases().items())):
                raise Finding(f"a loaded {cls.__name__} does not save and reload to the same phrases")


TARGETS: dict[str, Callable[[], Target]] = {
    target.name: target for target in (NativeTarget, CTextTarget, CBinaryTarget, CorpusTarget, PhrasesTarget)}
