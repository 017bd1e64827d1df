"""Learning works: on a corpus with planted word groups, neighbours come from the right group."""

import pytest

from planted import grouped_corpus, neighbour_precision
from w2v import Word2Vec

MODES = [
    pytest.param(dict(sg=1, hs=0, negative=5), id="sg-neg"),
    pytest.param(dict(sg=1, hs=1, negative=0), id="sg-hs"),
    pytest.param(dict(sg=0, hs=0, negative=5), id="cbow-neg"),
    pytest.param(dict(sg=0, hs=1, negative=0), id="cbow-hs"),
    pytest.param(dict(sg=0, hs=1, negative=5, cbow_mean=0), id="cbow-sum-hs+neg"),
    pytest.param(dict(sg=1, hs=0, negative=5, shared_negatives=True), id="sg-shared-neg"),
    pytest.param(dict(sg=1, hs=1, negative=5, shared_negatives=True), id="sg-hs+shared-neg"),
    pytest.param(dict(sg=1, hs=0, negative=0, softmax=True), id="sg-softmax"),
    pytest.param(dict(sg=0, hs=0, negative=0, softmax=True), id="cbow-softmax"),
]


@pytest.fixture(scope="module")
def corpus():
    return grouped_corpus()


@pytest.mark.parametrize("params", MODES)
def test_neighbours_come_from_the_planted_group(corpus, params):
    sentences, groups = corpus
    model = Word2Vec(sentences, vector_size=24, window=3, min_count=1, epochs=8, workers=2,
                     seed=5, **params)
    precision = neighbour_precision(model.wv, groups)
    # Chance is 7 / 63 = 0.11 (the other 7 words of the group among 63 other group words).
    assert precision > 0.9, f"precision@5 = {precision:.2f}"


def test_untrained_vectors_do_not_pass_the_test(corpus):
    """The same measure on the initial vectors is near chance: the test can fail."""
    sentences, groups = corpus
    model = Word2Vec(vector_size=24, min_count=1)
    model.build_vocab(sentences)
    assert neighbour_precision(model.wv, groups) < 0.4
