"""Plots (PNG files), the training monitor and the Embedding Projector export."""

import builtins
import sys

import numpy as np
import pytest

from w2v import KeyedVectors, Word2Vec
from w2v.callbacks import TrainingMonitor
from w2v.vectors.projector import export_projector, load_projector

PNG = b"\x89PNG\r\n\x1a\n"


def needs_matplotlib():
    """Skip without matplotlib; otherwise make sure nothing could open a window."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")


@pytest.fixture(scope="module")
def trained():
    from planted import grouped_corpus

    sentences, groups = grouped_corpus(n_sentences=400)
    monitor = TrainingMonitor()
    model = Word2Vec(sentences, vector_size=16, min_count=1, epochs=4, workers=1, seed=1,
                     compute_loss=True, callbacks=[monitor])
    return model, monitor, groups


def test_monitor_records_every_epoch(trained):
    model, monitor, _ = trained
    assert [r["epoch"] for r in monitor.records] == [1, 2, 3, 4]
    assert all(r["loss"] > 0 and r["words_per_second"] > 0 for r in monitor.records)
    alphas = [r["alpha"] for r in monitor.records]
    assert alphas == sorted(alphas, reverse=True) and alphas[-1] == model.min_alpha
    assert monitor.records[-1]["elapsed"] == pytest.approx(sum(r["seconds"] for r in monitor.records))


def test_monitor_without_loss_records_none():
    monitor = TrainingMonitor()
    Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, epochs=2, workers=1, callbacks=[monitor])
    assert monitor.columns()["loss"] == [None, None]


def test_plot_training_writes_png(tmp_path, trained):
    needs_matplotlib()
    from w2v.vectors.plot import plot_training

    _, monitor, _ = trained
    path = tmp_path / "training.png"
    figure = plot_training(monitor, path, title="test run")
    assert path.read_bytes()[:8] == PNG
    assert len(figure.axes) == 3
    no_loss = [dict(r, loss=None) for r in monitor.records]
    plot_training(no_loss, tmp_path / "no_loss.png")
    assert (tmp_path / "no_loss.png").read_bytes()[:8] == PNG
    with pytest.raises(ValueError, match="no epochs recorded"):
        plot_training(TrainingMonitor())


def test_plot_words_writes_png_with_labels(tmp_path, trained):
    needs_matplotlib()
    from w2v.vectors.plot import plot_words

    model, _, groups = trained
    path = tmp_path / "words.png"
    chosen = [groups[0][0], groups[1][0]]
    figure = plot_words(model.wv, chosen, topn=3, path=path)
    assert path.read_bytes()[:8] == PNG
    labels = [text.get_text() for text in figure.axes[0].texts]
    neighbours = {w for word in chosen for w, _ in model.wv.most_similar(word, topn=3)}
    assert labels[:2] == chosen and set(labels) == set(chosen) | neighbours
    assert len(labels) == len(set(labels))  # a shared neighbour is drawn once
    svg = tmp_path / "words.svg"
    plot_words(model.wv, groups[2][:3], topn=0, path=svg)
    assert b"<svg" in svg.read_bytes()[:500]


def test_plot_words_errors(trained):
    needs_matplotlib()
    from w2v.vectors.plot import plot_words

    model, _, groups = trained
    with pytest.raises(KeyError, match="not in the vocabulary: 'nope'"):
        plot_words(model.wv, ["nope"])
    with pytest.raises(ValueError, match="'pca' or 'tsne'"):
        plot_words(model.wv, [groups[0][0]], method="umap")
    with pytest.raises(ValueError, match="nothing to project"):
        plot_words(model.wv, [groups[0][0]], topn=0)


def test_tsne_when_scikit_learn_is_there(tmp_path, trained):
    needs_matplotlib()
    pytest.importorskip("sklearn")
    from w2v.vectors.plot import plot_words

    model, _, groups = trained
    plot_words(model.wv, [groups[0][0]], topn=5, method="tsne", path=tmp_path / "tsne.png")
    assert (tmp_path / "tsne.png").read_bytes()[:8] == PNG


def test_missing_matplotlib_gives_a_clear_error(monkeypatch):
    from w2v.vectors import plot

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for module in [m for m in sys.modules if m.startswith("matplotlib")]:
        monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=r"pip install \"w2v\[plot\]\""):
        plot.plot_training([{"epoch": 1, "loss": 1.0, "words_per_second": 1.0, "alpha": 0.1}])


def test_projector_round_trip(tmp_path, trained):
    model, _, _ = trained
    directory = tmp_path / "projector"
    paths = export_projector(model.wv, directory)
    assert sorted(p.name for p in directory.iterdir()) == ["metadata.tsv", "projector_config.pbtxt", "vectors.tsv"]
    assert len(paths) == 3
    words, vectors = load_projector(directory)
    assert words == model.wv.index_to_key
    np.testing.assert_array_equal(vectors, model.wv.vectors)  # float32 written with all its digits
    lines = (directory / "vectors.tsv").read_text().splitlines()
    assert len(lines) == len(words) and all(len(line.split("\t")) == 16 for line in lines)


def test_projector_subsets_and_awkward_words(tmp_path):
    wv = KeyedVectors(3)
    keys = ["plain", "tab\there", "new\nline", "back\\slash", "ünïcødé"]
    wv.add_vectors(keys, np.arange(15, dtype=np.float32).reshape(5, 3) / 7)
    export_projector(wv, tmp_path / "all")
    words, vectors = load_projector(tmp_path / "all")
    assert words == keys
    np.testing.assert_array_equal(vectors, wv.vectors)
    assert (tmp_path / "all" / "metadata.tsv").read_text(encoding="utf-8").count("\n") == 5
    export_projector(wv, tmp_path / "some", words=["ünïcødé", "plain"])
    assert load_projector(tmp_path / "some")[0] == ["ünïcødé", "plain"]
    export_projector(wv, tmp_path / "first", limit=2)
    assert load_projector(tmp_path / "first")[0] == keys[:2]
    with pytest.raises(KeyError, match="not in the vocabulary"):
        export_projector(wv, tmp_path / "bad", words=["missing"])
    with pytest.raises(ValueError, match="no vectors"):
        export_projector(wv, tmp_path / "none", limit=0)


def test_tsne_without_scikit_learn_says_what_to_install(trained, monkeypatch):
    needs_matplotlib()
    from w2v.vectors.plot import plot_words

    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    model, _, groups = trained
    with pytest.raises(ImportError, match="needs scikit-learn"):
        plot_words(model.wv, [groups[0][0]], method="tsne")
