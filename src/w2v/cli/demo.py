"""``w2v demo``: train on a small generated language with planted relations, show what it learnt.

The language is built so that each relation has a consistent "direction": a word's
sentences mix words of its *kind* (country or city, male or female, one or many) with
words of its *identity* (what a country and its capital share, what a king and a queen
share). Word2vec turns such co-occurrence into vectors where
``paris - france + italy`` lands on ``rome``, which the demo checks.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from w2v.model import Word2Vec


@dataclass(frozen=True)
class Relation:
    """Word pairs (a, b) where every a is of kind A and every b of kind B."""

    name: str
    kind_a: tuple[str, ...]   # words that go with the first word of each pair
    kind_b: tuple[str, ...]   # words that go with the second word of each pair
    pairs: tuple[tuple[str, str, tuple[str, ...]], ...]  # (a, b, identity words shared by both)


RELATIONS = (
    Relation(
        "capital",
        ("country", "nation", "border", "province", "flag"),
        ("city", "capital", "streets", "downtown", "mayor"),
        (
            ("france", "paris", ("wine", "cheese", "seine")),
            ("italy", "rome", ("pasta", "tiber", "vespa")),
            ("spain", "madrid", ("flamenco", "paella", "tapas")),
            ("germany", "berlin", ("beer", "autobahn", "pretzel")),
            ("japan", "tokyo", ("sushi", "samurai", "sakura")),
            ("egypt", "cairo", ("nile", "pyramid", "pharaoh")),
            ("russia", "moscow", ("vodka", "tsar", "kremlin")),
            ("greece", "athens", ("olive", "acropolis", "feta")),
            ("peru", "lima", ("andes", "inca", "llama")),
            ("kenya", "nairobi", ("safari", "savanna", "marathon")),
        ),
    ),
    Relation(
        "gender",
        ("he", "his", "him", "himself", "mr"),
        ("she", "her", "hers", "herself", "mrs"),
        (
            ("king", "queen", ("crown", "throne", "reign")),
            ("man", "woman", ("adult", "work", "grown")),
            ("boy", "girl", ("school", "young", "play")),
            ("father", "mother", ("parent", "child", "family")),
            ("son", "daughter", ("born", "heir", "baby")),
            ("brother", "sister", ("sibling", "twin", "elder")),
            ("husband", "wife", ("marriage", "wedding", "spouse")),
            ("actor", "actress", ("film", "stage", "role")),
            ("prince", "princess", ("castle", "royal", "knight")),
            ("uncle", "aunt", ("nephew", "niece", "cousin")),
        ),
    ),
    Relation(
        "plural",
        ("a", "one", "this", "is", "single"),
        ("many", "two", "these", "are", "several"),
        (
            ("cat", "cats", ("meow", "whiskers", "purr")),
            ("dog", "dogs", ("bark", "bone", "leash")),
            ("horse", "horses", ("saddle", "gallop", "stable")),
            ("bird", "birds", ("wing", "nest", "feather")),
            ("car", "cars", ("engine", "wheel", "drive")),
            ("tree", "trees", ("leaf", "branch", "forest")),
            ("book", "books", ("page", "read", "library")),
            ("apple", "apples", ("fruit", "orchard", "juice")),
            ("river", "rivers", ("water", "bank", "flow")),
            ("house", "houses", ("roof", "door", "garden")),
        ),
    ),
)

FILLER = ("the", "of", "and", "in", "to", "with")


def generate_language(n_sentences: int = 30000, seed: int = 0) -> list[list[str]]:
    """Sentences of the demo language: each names one word with words of its kind and identity.

    Examples
    --------
    >>> sentences = generate_language(3, seed=1)
    >>> len(sentences), all(isinstance(word, str) for s in sentences for word in s)
    (3, True)
    """
    rng = np.random.default_rng(seed)
    choices = [(word, kind, identity)
               for relation in RELATIONS
               for a, b, identity in relation.pairs
               for word, kind in ((a, relation.kind_a), (b, relation.kind_b))]
    sentences = []
    for index in rng.integers(len(choices), size=n_sentences):
        word, kind, identity = choices[index]
        sentence = [word]
        sentence += [kind[i] for i in rng.integers(len(kind), size=2)]
        sentence += [identity[i] for i in rng.integers(len(identity), size=2)]
        sentence += [FILLER[i] for i in rng.integers(len(FILLER), size=2)]
        rng.shuffle(sentence)
        sentences.append(sentence)
    return sentences


def demo_analogies() -> list[tuple[str, str, str, str]]:
    """(a, b, c, expected d) with a : b :: c : d, two per relation of the demo language."""
    analogies = []
    for relation in RELATIONS:
        pairs = relation.pairs
        for (a, b, _), (c, d, _) in zip(pairs[:2], pairs[2:4]):
            analogies.append((a, b, c, d))
    return analogies


CLASSIC_ANALOGIES = [("man", "king", "woman", "queen"), ("france", "paris", "italy", "rome"),
                     ("cat", "cats", "dog", "dogs"), ("big", "bigger", "small", "smaller"),
                     ("good", "better", "bad", "worse"), ("walk", "walked", "go", "went")]


def _show_neighbours(model: Word2Vec, words: list[str], say: Callable[[str], None]) -> None:
    say("Nearest neighbours:")
    for word in words:
        neighbours = ", ".join(f"{w} ({score:.2f})" for w, score in model.wv.most_similar(word, topn=4))
        say(f"  {word:>10s}: {neighbours}")


def _show_analogies(model: Word2Vec, analogies: list[tuple[str, str, str, str]],
                    say: Callable[[str], None]) -> int:
    say("Analogies (a : b :: c : ?):")
    correct = 0
    for a, b, c, expected in analogies:
        answer = model.wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
        mark = "ok" if answer == expected else f"expected {expected}"
        correct += answer == expected
        say(f"  {a} : {b} :: {c} : {answer:<10s} {mark}")
    return correct


def run_demo(corpus: str | os.PathLike | None = None, workers: int = 2, epochs: int | None = None,
             say: Callable[[str], None] = print) -> tuple[int, int]:
    """Train on the demo language (or on ``corpus``, a text file) and print what came out.

    Returns
    -------
    (correct, asked) : tuple of int
        How many analogies came out right, of how many asked.

    Examples
    --------
    >>> correct, asked = run_demo(say=lambda line: None)
    >>> correct == asked
    True
    """
    epochs = 5 if epochs is None else int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    started = time.perf_counter()
    if corpus is None:
        sentences = generate_language()
        say(f"Generated a language of {sum(map(len, sentences))} words with planted relations "
            "(countries and capitals, male and female, one and many).")
        model = Word2Vec(sentences, vector_size=32, window=8, min_count=1, sg=1, negative=10,
                         sample=0, epochs=epochs, workers=workers, seed=1)
        probes = ["paris", "queen", "dogs"]
        analogies = demo_analogies()
    else:
        model = Word2Vec(corpus_file=corpus, workers=workers, epochs=epochs)
        ranked = model.wv.index_to_key
        probes = [w for w in ranked[50:] if len(w) > 3][:5] or ranked[:5]
        analogies = [a for a in CLASSIC_ANALOGIES if all(w in model.wv for w in a)]
        say(f"Trained on {os.fspath(corpus)}: {model.corpus_total_words} words, "
            f"{len(model.wv)} in the vocabulary.")
    say(f"Training took {time.perf_counter() - started:.1f}s.")
    _show_neighbours(model, probes, say)
    correct = _show_analogies(model, analogies, say) if analogies else 0
    if analogies:
        say(f"{correct} of {len(analogies)} analogies right.")
    else:
        say("None of the classic analogy words are in this corpus's vocabulary.")
    return correct, len(analogies)


def main_demo(corpus: str | None, workers: int, epochs: int | None) -> int:
    """Entry point of ``w2v demo`` (exit status 0 when the run works)."""
    logging.getLogger("w2v").setLevel(logging.WARNING)
    if corpus is not None and not os.path.isfile(corpus):
        raise FileNotFoundError(f"no such file: {corpus}")
    run_demo(corpus, workers=workers, epochs=epochs)
    return 0

