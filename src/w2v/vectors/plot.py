"""Pictures of a model: training curves, and words with their neighbours in two dimensions.

Needs matplotlib (``pip install "w2v[plot]"``), imported only when a function here is
called. Figures are drawn on matplotlib's ``Figure`` directly, never through ``pyplot``, so
no window opens, no GUI backend is needed and nothing global changes; each function returns
the figure and, given ``path``, saves it (PNG, or any format matplotlib infers from the suffix).

Only the smallest part of the ``KeyedVectors`` interface is used: ``wv[word]``,
``wv.most_similar(word, topn=...)`` and ``word in wv.key_to_index``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.io.files import PathLike, atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from w2v.callbacks import TrainingMonitor


def _figure(**kwargs: Any) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("w2v.vectors.plot needs matplotlib: pip install \"w2v[plot]\" "
                          "(or pip install matplotlib)") from None
    return Figure(**kwargs)


def _save(figure: Figure, path: PathLike | None) -> None:
    if path is None:
        return
    import os

    suffix = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    with atomic_write(path, compress=False) as f:
        figure.savefig(f, format=suffix, dpi=100, bbox_inches="tight")


def _columns(history: TrainingMonitor | Sequence[Mapping[str, Any]]) -> dict[str, list]:
    records = getattr(history, "records", history)
    if not records:
        raise ValueError("no epochs recorded: pass a TrainingMonitor used as a callback of a "
                         "finished train(), or its records")
    return {name: [record.get(name) for record in records] for name in records[0]}


def plot_training(history: TrainingMonitor | Sequence[Mapping[str, Any]], path: PathLike | None = None,
                  title: str | None = None) -> Figure:
    """Loss, throughput and learning rate per epoch of a training run.

    Parameters
    ----------
    history : TrainingMonitor or list of dict
        A ``w2v.callbacks.TrainingMonitor`` that watched ``train()``, or its ``records``.
    path : str or os.PathLike, optional
        Where to save the figure (PNG unless the suffix says otherwise).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import os, tempfile
    >>> records = [{"epoch": 1, "loss": 9.0, "words_per_second": 1e6, "alpha": 0.0125},
    ...            {"epoch": 2, "loss": 7.5, "words_per_second": 1.1e6, "alpha": 0.0001}]
    >>> path = os.path.join(tempfile.mkdtemp(), "training.png")
    >>> figure = plot_training(records, path)
    >>> open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    columns = _columns(history)
    epochs = columns["epoch"]
    figure = _figure(figsize=(6.4, 7.2))
    loss_axes, speed_axes, alpha_axes = figure.subplots(3, 1, sharex=True)
    losses = columns.get("loss") or [None] * len(epochs)
    if any(loss is not None for loss in losses):
        loss_axes.plot(epochs, [np.nan if loss is None else loss for loss in losses], "o-", color="tab:red")
    else:
        loss_axes.text(0.5, 0.5, "no loss recorded\n(train with compute_loss=True)",
                       ha="center", va="center", transform=loss_axes.transAxes, color="gray")
    loss_axes.set_ylabel("loss per epoch")
    speed_axes.plot(epochs, columns["words_per_second"], "o-", color="tab:blue")
    speed_axes.set_ylabel("words / s")
    speed_axes.set_ylim(bottom=0)
    alpha_axes.plot(epochs, columns["alpha"], "o-", color="tab:green")
    alpha_axes.set_ylabel("learning rate (end)")
    alpha_axes.set_xlabel("epoch")
    alpha_axes.set_xticks(epochs if len(epochs) <= 20 else epochs[::max(len(epochs) // 10, 1)])
    for axes in (loss_axes, speed_axes, alpha_axes):
        axes.grid(alpha=0.3)
    figure.suptitle(title or "Training")
    _save(figure, path)
    return figure


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Rows of ``vectors`` in two dimensions, by PCA (numpy's SVD) or t-SNE (scikit-learn).

    Examples
    --------
    >>> points = project_2d(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]))
    >>> points.shape
    (4, 2)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ValueError(f"need at least two vectors to project, got shape {vectors.shape}")
    if method == "pca":
        centred = vectors - vectors.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        points = centred @ components[:2].T
        if points.shape[1] < 2:  # one-dimensional vectors: put them on a line
            points = np.column_stack([points, np.zeros(len(points))])
        return points
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError:
            raise ImportError("method='tsne' needs scikit-learn (pip install scikit-learn); "
                              "method='pca' needs nothing more") from None
        perplexity = float(min(30, max(len(vectors) - 1, 1) / 3))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(vectors)
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


def words_and_neighbours(wv: Any, words: Sequence[str], topn: int) -> tuple[list[str], list[int]]:
    """The chosen words then their ``topn`` neighbours, each once, with the chosen word's group.

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> wv = KeyedVectors(2)
    >>> wv.add_vectors(["a", "b", "c"], np.array([[1.0, 0], [0.9, 0.1], [0, 1]]))
    >>> words_and_neighbours(wv, ["a", "c"], topn=1)
    (['a', 'c', 'b'], [0, 1, 0])
    """
    if isinstance(words, str):
        words = [words]
    missing = [word for word in words if word not in wv.key_to_index]
    if missing:
        raise KeyError(f"not in the vocabulary: {', '.join(map(repr, missing[:5]))}")
    chosen = list(dict.fromkeys(words))
    labels, groups = list(chosen), list(range(len(chosen)))
    seen = set(chosen)
    for group, word in enumerate(chosen):
        for neighbour, _ in (wv.most_similar(word, topn=topn) if topn > 0 else []):
            if neighbour not in seen:
                seen.add(neighbour)
                labels.append(neighbour)
                groups.append(group)
    return labels, groups


def _label_offsets(points: np.ndarray, groups: Sequence[int], n_chosen: int) -> list[tuple[float, float]]:
    """Label offsets in points: each neighbourhood's labels fanned out around it.

    A neighbourhood is often tighter than its labels are wide; its labels get evenly spread
    directions (at two alternating distances), in the order of the words' own directions
    from the chosen word, so that the leader lines do not cross.
    """
    members: dict[int, list[int]] = {}
    for i in range(n_chosen, len(groups)):
        members.setdefault(groups[i], []).append(i)
    offsets = [(5.0, 4.0)] * len(groups)
    for group, indices in members.items():
        centre = points[group]
        indices.sort(key=lambda i: float(np.arctan2(*(points[i] - centre)[::-1])))
        start = float(np.arctan2(*(points[indices[0]] - centre)[::-1]))
        for k, i in enumerate(indices):
            angle = start + 2 * np.pi * k / len(indices)
            radius = 22.0 if k % 2 == 0 else 38.0
            offsets[i] = (radius * float(np.cos(angle)), radius * float(np.sin(angle)))
    return offsets


def plot_words(wv: Any, words: Sequence[str], topn: int = 5, method: str = "pca",
               path: PathLike | None = None, title: str | None = None, seed: int = 0) -> Figure:
    """Chosen words and their nearest neighbours, projected to 2-D and labelled.

    Each chosen word is drawn large with its neighbours in the same colour.

    Parameters
    ----------
    wv : KeyedVectors
        The vectors (``model.wv``).
    words : list of str
        Words to show.
    topn : int
        Neighbours to add for each word (0 for none).
    method : {"pca", "tsne"}
        PCA needs only numpy; t-SNE needs scikit-learn and shows local neighbourhoods better.
    path : str or os.PathLike, optional
        Where to save the figure (PNG unless the suffix says otherwise).
    title : str, optional
    seed : int
        For t-SNE.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> wv = KeyedVectors(3)
    >>> wv.add_vectors(["king", "queen", "man", "woman"], np.eye(4, 3) + 0.1)
    >>> path = os.path.join(tempfile.mkdtemp(), "words.png")
    >>> figure = plot_words(wv, ["king"], topn=2, path=path)
    >>> open(path, "rb").read(4) == b"\\x89PNG"
    True
    """
    topn = int(topn)
    if topn < 0:
        raise ValueError(f"topn must be >= 0, got {topn}")
    labels, groups = words_and_neighbours(wv, words, topn)
    if len(labels) < 2:
        raise ValueError("nothing to project: give at least two words, or topn >= 1")
    points = project_2d(np.vstack([np.asarray(wv[label], dtype=np.float64) for label in labels]), method, seed)
    figure = _figure(figsize=(8, 8))
    axes = figure.subplots()
    colours = [f"C{group % 10}" for group in groups]
    n_chosen = len(dict.fromkeys([words] if isinstance(words, str) else words))
    axes.scatter(points[n_chosen:, 0], points[n_chosen:, 1], c=colours[n_chosen:], s=20, alpha=0.7)
    axes.scatter(points[:n_chosen, 0], points[:n_chosen, 1], c=colours[:n_chosen], s=80, marker="D")
    for i, (label, (x, y), (dx, dy)) in enumerate(zip(labels, points, _label_offsets(points, groups, n_chosen))):
        axes.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points",
                      ha="left" if dx >= 0 else "right", va="bottom" if dy >= 0 else "top",
                      fontsize=11 if i < n_chosen else 9, fontweight="bold" if i < n_chosen else "normal",
                      color=colours[i], arrowprops=None if i < n_chosen else
                      {"arrowstyle": "-", "color": colours[i], "alpha": 0.3, "shrinkA": 0, "shrinkB": 2})
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title or f"{', '.join(labels[:n_chosen][:5])} and their neighbours ({method.upper()})")
    _save(figure, path)
    return figure
