"""gensim's Word2Vec surface on w2v: predictions, scores, model conversion and the attributes
and keywords gensim code uses. Where gensim is installed, the results are compared with
gensim's own on the same weights (a model copied with ``from_gensim``)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from w2v import KeyedVectors, Word2Vec
from w2v.inference import hs_log_probabilities

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"],
             ["a", "cat", "and", "a", "dog"], ["the", "cat", "chased", "the", "dog"]] * 40


def _model(**params) -> Word2Vec:
    settings = dict(vector_size=16, min_count=1, workers=1, seed=3, epochs=5, window=2)
    settings.update(params)
    return Word2Vec(SENTENCES, **settings)


def _gensim_model(**params):
    gensim_models = pytest.importorskip("gensim.models")
    settings = dict(vector_size=16, min_count=1, workers=1, seed=3, epochs=5, window=2)
    settings.update(params)
    return gensim_models.Word2Vec(SENTENCES, **settings)


# ------------------------------------------------------------------ predict_output_word

def test_predict_output_word_agrees_with_gensim():
    theirs = _gensim_model(sg=0, negative=5)
    ours = Word2Vec.from_gensim(theirs)
    for context in (["the", "sat"], ["a", "and"], ["cat", "dog", "unknown"]):
        expected = theirs.predict_output_word(context, topn=6)
        got = ours.predict_output_word(context, topn=6)
        assert [word for word, _ in got] == [word for word, _ in expected]
        np.testing.assert_allclose([p for _, p in got], [p for _, p in expected], rtol=1e-5)


def test_predict_output_word_hierarchical_softmax_is_a_distribution():
    model = _model(hs=1, negative=0)
    hidden = model.wv["cat"].astype(np.float64)
    probabilities = np.exp(hs_log_probabilities(model, hidden))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    # Brute force: the product of branch probabilities along each word's path.
    tables = model._training_tables()
    for word in range(len(model.wv)):
        path = slice(tables.hs_offsets[word], tables.hs_offsets[word + 1])
        scores = model.syn1[tables.hs_points[path]].astype(np.float64) @ hidden
        labels = 1 - tables.hs_codes[path]
        expected = np.prod(np.where(labels == 1, 1 / (1 + np.exp(-scores)), 1 / (1 + np.exp(scores))))
        assert probabilities[word] == pytest.approx(expected, rel=1e-9)
    best = model.predict_output_word(["the", "sat"], topn=len(model.wv))
    assert [p for _, p in best] == sorted((p for _, p in best), reverse=True)
    assert sum(p for _, p in best) == pytest.approx(1.0, abs=1e-6)


def test_predict_output_word_softmax_is_the_exact_distribution():
    model = _model(hs=0, negative=0, softmax=True)
    hidden = (model.wv["the"].astype(np.float64) + model.wv["on"]) / 2
    scores = model.syn1softmax.astype(np.float64) @ hidden
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    got = dict(model.predict_output_word(["the", "on"], topn=len(model.wv)))
    for word, row in model.wv.key_to_index.items():
        assert got[word] == pytest.approx(expected[row], rel=1e-6)


def test_predict_output_word_edge_cases(caplog):
    model = _model()
    with caplog.at_level(logging.WARNING):
        assert model.predict_output_word(["nothing", "known"]) is None
    assert "out-of-vocabulary" in caplog.text
    by_row = model.predict_output_word([model.wv.get_index("the"), "sat"], topn=3)
    assert by_row == model.predict_output_word(["the", "sat"], topn=3)
    with pytest.raises(TypeError, match="not one string"):
        model.predict_output_word("the sat")
    bare = Word2Vec()
    bare.wv = model.wv  # vectors without their output layer (as loaded from a C-format file)
    with pytest.raises(RuntimeError, match="no output layer"):
        bare.predict_output_word(["the"])


# ------------------------------------------------------------------ score

def _exact_sentence_log_probability(model: Word2Vec, sentence: list[str]) -> float:
    """Brute force: every word predicted from its full window by hierarchical softmax."""
    words = [word for word in sentence if word in model.wv]
    total = 0.0
    for i, word in enumerate(words):
        context = [words[j] for j in range(max(i - model.window, 0), min(i + model.window + 1, len(words)))
                   if j != i]
        row = model.wv.key_to_index[word]
        if model.sg:
            for other in context:
                total += hs_log_probabilities(model, model.wv[other].astype(np.float64))[row]
        else:
            hidden = np.sum([model.wv[other] for other in context], axis=0, dtype=np.float64) \
                if context else np.zeros(model.vector_size)
            if context and model.cbow_mean:
                hidden /= len(context)
            total += hs_log_probabilities(model, hidden)[row]
    return total


@pytest.mark.parametrize("sg", [0, 1])
def test_score_is_the_exact_log_probability(sg):
    model = _model(sg=sg, hs=1, negative=0)
    sentences = [["the", "cat", "sat", "unknown", "on", "the", "mat"], ["dog"], [], ["a", "dog", "and", "a", "cat"]]
    scores = model.score(sentences, chunksize=2)
    assert scores.dtype == np.float32 and scores.shape == (4,)
    for sentence, score in zip(sentences, scores):
        assert score == pytest.approx(_exact_sentence_log_probability(model, sentence), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("sg", [0, 1])
def test_score_agrees_with_gensim(sg):
    theirs = _gensim_model(sg=sg, hs=1, negative=0)
    ours = Word2Vec.from_gensim(theirs)
    ours.workers = 2
    sentences = SENTENCES[:4] + [["the", "dog", "chased", "a", "cat"], ["mat", "log", "the"]]
    expected = theirs.score(sentences, total_sentences=len(sentences))
    got = ours.score(sentences)
    # gensim reads log sigmoid from a table and leaves out terms with |f| >= 6: a few % apart.
    np.testing.assert_allclose(got, expected, rtol=0.05)
    assert list(np.argsort(got)) == list(np.argsort(expected))


def test_score_exact_softmax_and_refusals(caplog):
    model = _model(sg=1, hs=0, negative=0, softmax=True)
    sentence = ["the", "cat", "sat"]
    expected = 0.0
    for i, word in enumerate(sentence):
        for j in range(max(i - 2, 0), min(i + 3, 3)):
            if j != i:
                scores = model.syn1softmax.astype(np.float64) @ model.wv[sentence[j]]
                expected += scores[model.wv.key_to_index[word]] - np.log(np.exp(scores).sum())
    assert model.score([sentence])[0] == pytest.approx(expected, rel=1e-5)
    with pytest.raises(RuntimeError, match="hs=1"):
        _model(hs=0, negative=5).score([sentence])
    with caplog.at_level(logging.WARNING):
        assert len(model.score([sentence] * 5, total_sentences=3)) == 3
    assert "terminating after 3 sentences" in caplog.text
    with pytest.raises(ValueError, match="chunksize"):
        model.score([sentence], chunksize=0)


# ------------------------------------------------------------------ from_gensim / to_gensim

@pytest.mark.parametrize("params", [dict(sg=1, hs=0, negative=5), dict(sg=0, hs=1, negative=0),
                                    dict(sg=1, hs=1, negative=3)])
def test_from_gensim_copies_everything_and_trains_on(params):
    theirs = _gensim_model(compute_loss=True, **params)
    ours = Word2Vec.from_gensim(theirs)
    assert ours.wv.index_to_key == theirs.wv.index_to_key
    assert np.array_equal(ours.wv.vectors, theirs.wv.vectors)
    assert list(ours.wv.expandos["count"]) == [theirs.wv.get_vecattr(w, "count") for w in theirs.wv.index_to_key]
    for layer in ("syn1neg", "syn1"):
        if getattr(theirs, layer, None) is not None and len(getattr(theirs, layer)):
            assert np.array_equal(getattr(ours, layer), getattr(theirs, layer)[:len(getattr(ours, layer))])
    assert (ours.sg, ours.hs, ours.negative, ours.window, ours.epochs) == \
        (theirs.sg, theirs.hs, theirs.negative, theirs.window, theirs.epochs)
    assert ours.corpus_count == theirs.corpus_count and ours.corpus_total_words == theirs.corpus_total_words
    # The same Huffman tree, so the hierarchical-softmax rows keep their meaning.
    if params["hs"]:
        tables = ours._training_tables()
        for row, word in enumerate(theirs.wv.index_to_key):
            path = slice(tables.hs_offsets[row], tables.hs_offsets[row + 1])
            assert tables.hs_codes[path].tolist() == list(theirs.wv.get_vecattr(word, "code"))
    # It trains on, loss and all, and the copy shares no memory with gensim's model.
    before = theirs.wv.vectors.copy()
    ours.train(SENTENCES, total_examples=ours.corpus_count, epochs=1)
    assert ours.get_latest_training_loss() > 0
    assert np.array_equal(theirs.wv.vectors, before)
    assert not np.array_equal(ours.wv.vectors, before)


def test_to_gensim_round_trip_and_gensim_trains_the_copy():
    pytest.importorskip("gensim")
    ours = _model(sg=1, hs=1, negative=2)
    ours.wv.vectors_lockf = np.ones(len(ours.wv), dtype=np.float32)
    ours.wv.vectors_lockf[0] = 0.0
    theirs = ours.to_gensim()
    assert theirs.wv.index_to_key == ours.wv.index_to_key
    assert np.array_equal(theirs.wv.vectors, ours.wv.vectors)
    assert np.array_equal(theirs.syn1neg, ours.syn1neg) and np.array_equal(theirs.syn1[:-1], ours.syn1)
    back = Word2Vec.from_gensim(theirs)
    assert np.array_equal(back.wv.vectors, ours.wv.vectors) and np.array_equal(back.wv.vectors_lockf,
                                                                                ours.wv.vectors_lockf)
    frozen = theirs.wv.vectors[0].copy()
    theirs.train(SENTENCES, total_examples=theirs.corpus_count, epochs=1)
    assert np.array_equal(theirs.wv.vectors[0], frozen)
    with pytest.raises(ValueError, match="no exact softmax"):
        _model(hs=0, negative=0, softmax=True).to_gensim()


def test_keyed_vectors_from_and_to_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(3)
    theirs.add_vectors(["a", "b"], np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]]))
    theirs.set_vecattr("a", "count", 7)
    ours = KeyedVectors.from_gensim(theirs)
    assert ours.index_to_key == ["a", "b"] and ours.get_vecattr("a", "count") == 7
    assert np.array_equal(ours.vectors, theirs.vectors)
    again = ours.to_gensim()
    assert again.most_similar("a", topn=1) == theirs.most_similar("a", topn=1)


# ------------------------------------------------------------------ model-level surface

def test_reset_from_takes_the_vocabulary_with_fresh_weights():
    first = _model()
    second = Word2Vec(vector_size=8, min_count=1, workers=1, seed=9)
    second.reset_from(first)
    assert second.wv.index_to_key == first.wv.index_to_key and second.wv.key_to_index is not first.wv.key_to_index
    assert second.wv.vectors.shape == (len(first.wv), 8) and not second.syn1neg.any()
    assert second.corpus_count == first.corpus_count
    second.train(SENTENCES, total_examples=second.corpus_count, epochs=1)
    with pytest.raises(RuntimeError, match="vocabulary"):
        second.reset_from(Word2Vec())


def test_estimate_memory_counts_padded_rows():
    model = Word2Vec(vector_size=100, hs=1, negative=5)
    report = model.estimate_memory(vocab_size=1000)
    assert report["vectors"] == 1000 * 100 * 4
    assert report["syn1neg"] == 1000 * 112 * 4 and report["syn1"] == 999 * 112 * 4  # rows on 64-byte lines
    assert report["total"] == sum(value for key, value in report.items() if key != "total")
    trained = _model()
    measured = trained.estimate_memory()
    assert measured["vectors"] == trained.wv.vectors.nbytes
    extra = {"mine": 1}
    assert trained.estimate_memory(report=extra) is extra and "total" in extra


def test_gensim_attributes_and_constructor_parameters(tmp_path):
    model = Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=1, comment="first try", max_final_vocab=5)
    assert model.comment == "first try" and model.hashfxn is hash
    assert model.total_train_time > 0
    assert model.min_alpha_yet_reached == pytest.approx(model.min_alpha)
    assert len(model.wv) <= 5 and model.effective_min_count > 1
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    assert loaded.comment == "first try" and loaded.total_train_time == model.total_train_time
    assert loaded.effective_min_count == model.effective_min_count
    with pytest.raises(ValueError, match="hashfxn"):
        Word2Vec(hashfxn=lambda word: 0)
    with pytest.raises(AttributeError, match="called on the class"):
        model.load(tmp_path / "m.w2v")


def test_scan_and_prepare_vocab_match_gensims_report():
    theirs = _gensim_model(min_count=1)
    for min_count, max_final_vocab in ((4, None), (2, 4)):
        ours = Word2Vec(vector_size=8, min_count=min_count, max_final_vocab=max_final_vocab, sample=0.01)
        gensim_models = pytest.importorskip("gensim.models")
        theirs = gensim_models.Word2Vec(vector_size=8, min_count=min_count, max_final_vocab=max_final_vocab,
                                        sample=0.01)
        assert ours.scan_vocab(SENTENCES) == theirs.scan_vocab(SENTENCES)
        expected, got = theirs.prepare_vocab(), ours.prepare_vocab()
        for key in ("drop_unique", "retain_total", "num_retained_words", "downsample_unique"):
            assert got[key] == expected[key], key
        assert got["downsample_total"] == pytest.approx(expected["downsample_total"], abs=2)
        assert ours.effective_min_count == theirs.effective_min_count
        assert sorted(ours.wv.index_to_key) == sorted(theirs.wv.index_to_key)


def test_save_accepts_gensims_keywords_with_a_warning(tmp_path):
    model = _model()
    with pytest.warns(DeprecationWarning, match="sep_limit"):
        model.save(tmp_path / "m.w2v", sep_limit=0, pickle_protocol=4)
    assert Word2Vec.load(tmp_path / "m.w2v").wv.index_to_key == model.wv.index_to_key
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(tmp_path / "plain.w2v")  # no keyword, no warning
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.save(tmp_path / "m.w2v", compress=True)


# ------------------------------------------------------------------ logging as gensim's

def test_info_logging_shows_vocabulary_progress_and_epochs(caplog):
    with caplog.at_level(logging.INFO, logger="w2v"):
        Word2Vec(SENTENCES * 50, vector_size=8, min_count=1, workers=1, epochs=2)
    text = caplog.text
    for expected in ("collected 10 word types from a corpus of", "retains 10 unique words", "downsampling leaves",
                     "estimated required memory", "EPOCH 1", "EPOCH 2", "training on", "effective words/s"):
        assert expected in text, expected


def test_progress_lines_every_report_delay(caplog):
    model = Word2Vec(vector_size=8, min_count=1, workers=1)
    model.build_vocab(SENTENCES)
    with caplog.at_level(logging.INFO, logger="w2v.train.progress"):
        model.train(SENTENCES * 300, total_examples=len(SENTENCES) * 300, epochs=1, report_delay=0.0)
    progress = [record.getMessage() for record in caplog.records if "PROGRESS" in record.getMessage()]
    assert progress and all("words/s" in line and "alpha" in line and "%" in line for line in progress)


def test_gensims_warnings(caplog):
    with caplog.at_level(logging.WARNING):
        Word2Vec(vector_size=8, hs=1, negative=5)
    assert "Both hierarchical softmax and negative sampling are activated." in caplog.text
    model = _model()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert model.train([], total_examples=5, epochs=2) == (0, 0)
    assert "empty corpus" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        model.train(SENTENCES[:10], total_examples=40, epochs=1, start_alpha=0.01, end_alpha=0.001)
    assert "supplied example count (10) did not equal expected count (40)" in caplog.text
    assert "smaller than expected" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1, start_alpha=0.02)
    assert "Effective 'alpha' higher than previous training cycles" in caplog.text
