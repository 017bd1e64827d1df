"""Distributed training: shares and counts, synchronisation, one process against Word2Vec, and
real jobs on MPI (``mpiexec -n 2``) and Ray (a local ``ray.init(num_cpus=2)``), including a
process killed mid-job and the job resumed from its checkpoint."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import w2v.distributed as distributed
from planted import grouped_corpus
from test_golden import COMMON, MODES, corpus
from w2v import Callback, Word2Vec, vocab
from w2v.distributed._exchange import add_changes, take_changes
from w2v.distributed.comm import Communicator, chunks
from w2v.distributed.sharding import count_share, merge_counts, split, split_corpus
from w2v.distributed.sync import Synchronizer, SyncSchedule
from w2v.train import _corpusfile

HERE = os.path.dirname(__file__)
JOB = os.path.join(HERE, "distributed_job.py")


def write_corpus(path, sentences):
    path.write_text("\n".join(" ".join(sentence) for sentence in sentences) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    sentences, _ = grouped_corpus(n_sentences=3000)
    return write_corpus(tmp_path_factory.mktemp("planted") / "planted.txt", sentences)


# ------------------------------------------------------------------ shares and counts

@pytest.fixture(scope="module")
def random_files(tmp_path_factory):
    rng = random.Random(4)
    folder = tmp_path_factory.mktemp("files")
    paths = []
    for k in range(3):
        lines = [" ".join(rng.choice(["a", "bb", "c", "dd\xe9", "e"]) for _ in range(rng.randint(0, 25)))
                 for _ in range(rng.randint(1, 60))]
        path = folder / f"part{k}.txt"
        path.write_text("\n".join(lines) + ("\n" if k != 1 else ""), encoding="utf-8")  # one file ends mid-line
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("processes", [1, 2, 3, 7, 50])
def test_shares_cover_the_corpus_exactly_once_at_line_starts(random_files, processes):
    whole = b"".join(open(path, "rb").read() for path in random_files)
    shares = split_corpus(random_files, processes)
    assert len(shares) == processes
    pieces = [open(s.path, "rb").read()[s.start:s.end] for share in shares for s in share]
    assert b"".join(pieces) == whole
    for share in shares:
        for segment in share:
            data = open(segment.path, "rb").read()
            assert segment.start == 0 or data[segment.start - 1:segment.start] == b"\n"
            chunk_pieces = split(share, 4)
            assert sum(s.size for piece in chunk_pieces for s in piece) == sum(s.size for s in share)


@pytest.mark.parametrize("processes", [1, 2, 3, 5])
def test_merged_counts_are_a_single_scan_of_the_corpus(tmp_path, random_files, processes):
    # One node scans each file in turn (a file's end ends its last token and sentence).
    single = merge_counts([_corpusfile.scan_corpus_file(path) for path in random_files])
    merged = merge_counts([count_share(share) for share in split_corpus(random_files, processes)])
    assert merged == single and list(merged[0]) == list(single[0])  # first-seen order too
    # ... so the vocabulary, thresholds, noise table and tree every process builds are the one node's.
    words, counts = vocab.select_words(merged[0], 2)
    expected_words, expected_counts = vocab.select_words(single[0], 2)
    assert words == expected_words
    np.testing.assert_array_equal(vocab.keep_thresholds(counts, 1e-2), vocab.keep_thresholds(expected_counts, 1e-2))
    for got, expected in zip(vocab.noise_alias_table(counts, 0.75) + vocab.huffman_tree(counts),
                             vocab.noise_alias_table(expected_counts, 0.75) + vocab.huffman_tree(expected_counts)):
        np.testing.assert_array_equal(got, expected)


def test_a_segment_range_scan_counts_tokens_by_their_first_byte(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"alpha beta\ngamma delta\n")
    assert _corpusfile.scan_corpus_file(str(path), start=3, end=15)[0] == {"beta": 1, "gamma": 1}


def test_collectives_move_big_arrays_in_pieces():
    assert [len(piece) for piece in chunks(np.zeros((3, 5), np.float32), chunk_bytes=24)] == [6, 6, 3]
    with pytest.raises(ValueError, match="C-contiguous"):
        list(chunks(np.zeros((4, 4))[:, :2]))


# ------------------------------------------------------------------ synchronisation

class ThreadCommunicator(Communicator):
    """Processes simulated by threads: a sum in rank order, behind a barrier."""

    def __init__(self, rank, size, shared):
        self.rank, self.size, self.shared = rank, size, shared

    def allreduce_(self, array):
        self.shared["slots"][self.rank] = array.copy()
        self.shared["barrier"].wait()
        total = self.shared["slots"][0].copy()
        for other in self.shared["slots"][1:]:
            total += other
        self.shared["barrier"].wait()
        array[...] = total

    def broadcast_(self, array, root=0):
        raise NotImplementedError

    def allgather(self, value):
        raise NotImplementedError

    def barrier(self):
        self.shared["barrier"].wait()


def run_threads(size, body):
    shared = {"slots": [None] * size, "barrier": threading.Barrier(size)}
    results = [None] * size
    threads = [threading.Thread(target=lambda r=r: results.__setitem__(r, body(ThreadCommunicator(r, size, shared))))
               for r in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def small_model(seed):
    return Word2Vec([["a", "b", "c", "d"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1, seed=seed, hs=1)


def test_an_exchange_adds_up_every_process_s_changes():
    base = small_model(1)

    def body(comm):
        model = small_model(1)
        synchronizer = Synchronizer(comm, model)  # the snapshot: the common start
        for name, matrix in model.weight_matrices().items():
            hot = slice(-2, None) if name == "syn1" else slice(0, 2)  # syn1: the nodes nearest the root
            matrix[hot] += comm.rank + 1  # both processes change the two most frequent rows...
        if comm.rank == 1:
            model.wv.vectors[3] += 10  # ...and only process 1 a rare one
        synchronizer.exchange(2)
        hot = {name: matrix.copy() for name, matrix in model.weight_matrices().items()}
        model.wv.vectors[0] += 100 * (comm.rank + 1)  # a change after the exchange counts at the next
        synchronizer.exchange(None, training=False)
        return hot, model.weight_matrices()

    (hot0, full0), (hot1, full1) = run_threads(2, body)
    start = base.wv.vectors
    np.testing.assert_allclose(hot0["wv"][:2], start[:2] + 3)  # 1 + 2: what one process would have done
    np.testing.assert_allclose(hot0["syn1"][-2:], base.syn1[-2:] + 3)
    np.testing.assert_array_equal(hot0["wv"][3], start[3])  # not exchanged yet: process 0's own
    np.testing.assert_array_equal(hot1["wv"][3], start[3] + 10)
    np.testing.assert_allclose(full0["wv"][3], start[3] + 10)
    np.testing.assert_allclose(full0["wv"][0], start[0] + 303, rtol=1e-6)
    for name in full0:
        np.testing.assert_array_equal(full0[name], full1[name])  # every process ends equal


def test_a_nan_on_one_process_stops_every_process():
    def body(comm):
        model = small_model(1)
        synchronizer = Synchronizer(comm, model)
        if comm.rank == 1:
            model.wv.vectors[0, 0] = np.nan
        try:
            synchronizer.exchange(1)
        except FloatingPointError as error:
            return str(error)
        return None

    outcomes = run_threads(2, body)
    assert all(outcome and "diverged" in outcome for outcome in outcomes)


@pytest.mark.parametrize("training", [True, False])
def test_the_fused_exchange_arithmetic_is_numpy_s(training):
    rng = np.random.default_rng(0)
    live, snapshot, others = (rng.standard_normal(1000).astype(np.float32) for _ in range(3))
    own, total = np.empty_like(live), np.empty_like(live)
    take_changes(live, snapshot, own, total)
    np.testing.assert_array_equal(own, live - snapshot)
    np.testing.assert_array_equal(total, own)
    total += others  # the allreduce: every other process's changes added
    expected_snapshot = snapshot + total
    expected_live = live + (total - own) if training else expected_snapshot
    largest = add_changes(live, snapshot, own, total, training)
    np.testing.assert_array_equal(snapshot, expected_snapshot)
    np.testing.assert_array_equal(live, expected_live)
    assert largest == np.abs(expected_snapshot).max()
    total[7] = np.nan
    assert np.isnan(add_changes(live, snapshot, own, total, training))
    with pytest.raises(ValueError, match="same length"):
        take_changes(live, snapshot[:-1], own, total)


def test_the_sync_schedule_doubles_with_the_trailing_zeros():
    schedule = SyncSchedule(hot_rows=1024, vocab_size=10 ** 6)
    assert [schedule.rows(t) for t in (1, 2, 3, 4, 512, 1024)] == [1024, 2048, 1024, 4096, 2 ** 19, 10 ** 6]


# ------------------------------------------------------------------ one process is Word2Vec

@pytest.mark.parametrize("mode", ["sg-negative", "cbow-both", "sg-batched-hs", "cbow-softmax"])
def test_one_process_trains_exactly_as_word2vec(tmp_path, mode):
    path = write_corpus(tmp_path / "corpus.txt", corpus())
    params = dict(COMMON, **MODES[mode])
    single = Word2Vec(corpus_file=path, **params)
    # Small chunks: the share is cut many times at line starts, and nothing changes.
    model = distributed.train(path, backend="local", sync_words=300, **params)
    for name, matrix in single.weight_matrices().items():
        np.testing.assert_array_equal(model.weight_matrices()[name], matrix, err_msg=name)
    assert [s.raw_words for s in model.epoch_stats] == [s.raw_words for s in single.epoch_stats]
    assert model.get_latest_training_loss() == pytest.approx(single.get_latest_training_loss(), rel=1e-12)


def test_an_interrupted_job_resumes_exactly(tmp_path):
    path = write_corpus(tmp_path / "corpus.txt", corpus())
    params = dict(COMMON, **MODES["sg-negative"], epochs=3)
    whole = distributed.train(path, backend="local", **params)

    class Interrupt(Callback):
        def on_epoch_begin(self, model):
            if model.epoch == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        distributed.train(path, backend="local", checkpoint_dir=tmp_path / "ckpt", callbacks=[Interrupt()], **params)
    index = json.loads((tmp_path / "ckpt" / "checkpoint.json").read_text())
    assert index["position"]["epoch"] == 2 and index["processes"][0]["pid"] == os.getpid()
    resumed = distributed.train(path, backend="local", checkpoint_dir=tmp_path / "ckpt", resume=True, **params)
    for name, matrix in whole.weight_matrices().items():
        np.testing.assert_array_equal(resumed.weight_matrices()[name], matrix, err_msg=name)
    assert [s.raw_words for s in resumed.epoch_stats] == [s.raw_words for s in whole.epoch_stats]


def test_resume_refuses_another_job(tmp_path):
    path = write_corpus(tmp_path / "corpus.txt", corpus())
    distributed.train(path, backend="local", checkpoint_dir=tmp_path / "ckpt", vector_size=8, epochs=1, workers=1)
    with pytest.raises(ValueError, match="another job: it has workers=1, this job 2"):
        distributed.train(path, backend="local", resume=tmp_path / "ckpt", vector_size=8, epochs=1, workers=2)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        distributed.train(path, backend="local", resume=tmp_path, vector_size=8, epochs=1)


@pytest.mark.parametrize("arguments,error,match", [
    (dict(backend="spark"), ValueError, "backend"),
    (dict(sync_words=0), ValueError, "sync_words"),
    (dict(resume=True), ValueError, "checkpoint_dir"),
    (dict(backend="ray"), ValueError, "processes="),
    (dict(processes=2), ValueError, "processes= is for backend='ray'"),
    (dict(workers=0), ValueError, "workers"),
    (dict(max_vocab_size=100), ValueError, "max_vocab_size"),
])
def test_bad_arguments_are_refused(tmp_path, arguments, error, match):
    path = write_corpus(tmp_path / "corpus.txt", corpus())
    arguments = {"backend": "local", **arguments}
    with pytest.raises(error, match=match):
        distributed.train(path, **arguments)


# ------------------------------------------------------------------ real jobs

def mpiexec():
    pytest.importorskip("mpi4py")
    command = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(command):
        pytest.skip("no mpiexec (pip install mpich)")
    return [command, "-n", "2"]


def run_job(command, timeout=120, **popen):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **popen)
    return result


def job_results(out):
    return [json.loads(open(os.path.join(out, name)).read()) for name in sorted(os.listdir(out)) if name.endswith(".json")]


def test_mpi_job_learns_the_planted_groups(tmp_path, planted_file):
    out = tmp_path / "out"
    result = run_job(mpiexec() + [sys.executable, JOB, planted_file, str(out)])
    assert result.returncode == 0, result.stderr
    ranks = job_results(out)
    assert [r["rank"] for r in ranks] == [0, 1]
    assert ranks[0]["weights"] == ranks[1]["weights"]  # the last exchange of an epoch makes every copy equal
    assert ranks[0]["precision"] > 0.9, ranks[0]
    assert ranks[0]["words"] == [30000] * 6  # every token once per epoch, over both processes
    assert Word2Vec.load(out / "model.w2v").wv.vector_size == 24


def test_a_diverging_process_stops_the_whole_mpi_job(tmp_path, planted_file):
    result = run_job(mpiexec() + [sys.executable, JOB, planted_file, str(tmp_path / "out"), "--nan-at-epoch", "2"])
    assert result.returncode != 0
    assert result.stderr.count("FloatingPointError: distributed training diverged") == 2, result.stderr[-2000:]


def wait_for_checkpoint(directory, process, seconds=60):
    index_path = os.path.join(directory, "checkpoint.json")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.exists(index_path):
            return json.loads(open(index_path).read())
        time.sleep(0.05)
    out, err = process.communicate(timeout=10)
    raise AssertionError(f"no checkpoint appeared; the job said:\n{err[-3000:]}")


@pytest.mark.parametrize("backend", ["mpi", "ray"])
def test_a_killed_process_fails_the_job_and_resume_finishes_it(tmp_path, planted_file, backend):
    if backend == "mpi":
        launcher, extra = mpiexec(), []
    else:
        pytest.importorskip("ray")
        launcher, extra = [], ["--backend", "ray", "--processes", "2"]
    checkpoint = tmp_path / "ckpt"
    whole = tmp_path / "whole"
    assert run_job(launcher + [sys.executable, JOB, planted_file, str(whole)] + extra).returncode == 0
    command = launcher + [sys.executable, JOB, planted_file, str(tmp_path / "killed"), "--pause", "1",
                          "--checkpoint", str(checkpoint)] + extra
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        index = wait_for_checkpoint(checkpoint, process)
        victim = next(p for p in index["processes"] if p["rank"] == 1)
        os.kill(victim["pid"], signal.SIGKILL)
        _, err = process.communicate(timeout=60)  # the others stop: no hang
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode != 0
    if backend == "ray":
        assert "process 1 of 2 failed" in err, err[-3000:]
    resumed = tmp_path / "resumed"
    result = run_job(launcher + [sys.executable, JOB, planted_file, str(resumed), "--checkpoint", str(checkpoint),
                                 "--resume"] + extra)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = job_results(resumed)[0]
    assert outcome["epochs"] == 6 and outcome["words"] == [30000] * 6 and outcome["precision"] > 0.9
    assert index["position"]["epoch"] >= 1  # what the killed job had done was kept


def test_ray_job_learns_the_planted_groups(tmp_path, planted_file):
    pytest.importorskip("ray")
    out = tmp_path / "out"
    result = run_job([sys.executable, JOB, planted_file, str(out), "--backend", "ray", "--processes", "2"])
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = job_results(out)
    assert ranks[0]["precision"] > 0.9 and ranks[0]["words"] == [30000] * 6
