"""Phrases and FrozenPhrases: scores by hand, planted phrases found, gensim's behaviour kept."""

import math

import numpy as np
import pytest

from w2v import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases
from w2v.phrases import npmi_scorer, original_scorer, word2phrase_scorer

TOY = [["new", "york", "is", "big"], ["new", "york", "city"], ["a", "new", "car"], ["york", "minster"]]
# new: 3, york: 3, "new york": 2; 12 tokens; 8 unigrams + 7 distinct pairs = 15 counted types.


def planted_corpus(n_sentences=3000, seed=0, phrases=(("new", "york"), ("hong", "kong"), ("los", "angeles")),
                   rate=0.05, extra=()):
    """Random words from a 300-word vocabulary, with planted phrases and their words also alone."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(300)]
    sentences = []
    for _ in range(n_sentences):
        sentence = [vocabulary[i] for i in rng.integers(0, len(vocabulary), 12)]
        for phrase in list(phrases) + list(extra):
            if rng.random() < rate:
                position = int(rng.integers(0, len(sentence)))
                sentence[position:position] = list(phrase)
            if rng.random() < 0.03:  # each word of a phrase also appears on its own
                sentence.insert(int(rng.integers(0, len(sentence))), phrase[int(rng.integers(0, len(phrase)))])
        sentences.append(sentence)
    return sentences


def test_word2phrase_score_by_hand():
    phrases = Phrases(TOY, min_count=1, threshold=1.0, scoring="word2phrase")
    assert phrases.corpus_word_count == 12
    phrase, score = phrases.score_candidate("new", "york", [])
    assert phrase == "new_york"
    assert score == pytest.approx((2 - 1) / (3 * 3) * 12, rel=1e-15)
    assert phrases[["new", "york"]] == ["new_york"]


def test_default_score_is_gensims_original_scorer():
    phrases = Phrases(TOY, min_count=1, threshold=1.0)
    assert phrases.scoring is original_scorer
    assert Phrases(TOY, min_count=1, threshold=1.0, scoring="original").scoring is original_scorer
    assert len(phrases.vocab) == 15
    assert phrases.score_candidate("new", "york", [])[1] == pytest.approx((2 - 1) / 9 * 15, rel=1e-15)
    # The same scorer passed as a function gives the same result.
    assert Phrases(TOY, min_count=1, threshold=1.0, scoring=original_scorer).export_phrases() == \
        phrases.export_phrases()


def test_npmi_score_by_hand():
    phrases = Phrases(TOY, min_count=1, threshold=0.5, scoring="npmi")
    pa = pb = 3 / 12
    pab = 2 / 12
    expected = math.log(pab / (pa * pb)) / -math.log(pab)
    assert phrases.score_candidate("new", "york", [])[1] == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(0.54741, abs=1e-5)
    # Below min_count a pair is never a phrase under npmi.
    assert Phrases(TOY, min_count=3, threshold=-1.0, scoring="npmi").score_candidate("new", "york", []) == (None, None)


def test_c_scorers_equal_the_python_functions_exactly():
    sentences = planted_corpus(500)
    for name, function in [("word2phrase", word2phrase_scorer), ("default", original_scorer), ("npmi", npmi_scorer)]:
        threshold = 0.3 if name == "npmi" else 5.0
        in_c = Phrases(sentences, min_count=3, threshold=threshold, scoring=name).export_phrases()
        in_python = Phrases(sentences, min_count=3, threshold=threshold,
                            scoring=lambda **counts: function(**counts)).export_phrases()
        assert in_c == in_python and in_c


def test_planted_phrases_are_found_and_joined():
    sentences = planted_corpus()
    phrases = Phrases(sentences, min_count=5, threshold=100.0, scoring="word2phrase")
    found = phrases.find_phrases(sentences)
    assert set(found) == {"new_york", "hong_kong", "los_angeles"}
    assert all(score > 100 for score in found.values())
    assert set(phrases.export_phrases()) == set(found)
    assert phrases[["fly", "to", "hong", "kong", "from", "los", "angeles"]] == \
        ["fly", "to", "hong_kong", "from", "los_angeles"]
    frozen = phrases.freeze()
    assert isinstance(frozen, FrozenPhrases) and Phraser is FrozenPhrases
    assert list(frozen[sentences]) == list(phrases[sentences])
    assert frozen.find_phrases(sentences) == found


def test_joining_is_greedy_left_to_right():
    frozen = FrozenPhrases.from_phrases({("a", "b"): 50.0, ("b", "c"): 80.0}, threshold=10.0)
    assert frozen[["a", "b", "c"]] == ["a_b", "c"]
    assert frozen[["x", "b", "c", "a", "b"]] == ["x", "b_c", "a_b"]
    assert frozen[[]] == []


def test_connector_words_join_inside_but_never_at_the_ends():
    sentences = planted_corpus(extra=[("bank", "of", "america"), ("of", "the", "rings")])
    sentences += [["of", "w1", "the"]] * 5
    plain = Phrases(sentences, min_count=5, threshold=100.0)
    assert "bank_of_america" not in plain.export_phrases()
    phrases = Phrases(sentences, min_count=5, threshold=100.0, connector_words=ENGLISH_CONNECTOR_WORDS)
    exported = phrases.export_phrases()
    assert "bank_of_america" in exported
    assert not any(p.split("_")[0] in ENGLISH_CONNECTOR_WORDS or p.split("_")[-1] in ENGLISH_CONNECTOR_WORDS
                   for p in exported)
    assert phrases.vocab.get("of", 0) == 0  # connector words are never counted on their own
    assert phrases[["the", "bank", "of", "america", "of"]] == ["the", "bank_of_america", "of"]
    assert phrases.freeze()[["the", "bank", "of", "america", "of"]] == ["the", "bank_of_america", "of"]


def test_trigrams_by_two_passes():
    sentences = planted_corpus(phrases=(("new", "york", "times"), ("hong", "kong")), rate=0.2)
    bigrams = Phrases(sentences, min_count=5, threshold=50.0, scoring="word2phrase")
    assert "new_york" in bigrams.export_phrases()
    trigrams = Phrases(bigrams[sentences], min_count=5, threshold=50.0, scoring="word2phrase")
    assert "new_york_times" in trigrams.export_phrases()
    assert trigrams[bigrams[["read", "the", "new", "york", "times", "in", "hong", "kong"]]] == \
        ["read", "the", "new_york_times", "in", "hong_kong"]


def test_corpus_result_is_lazy_and_reiterable():
    phrases = FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0)

    class Corpus:
        passes = 0

        def __iter__(self):
            Corpus.passes += 1
            yield ["new", "york"]
            yield ["york"]

    stream = phrases[Corpus()]
    assert Corpus.passes == 1  # peeked once to tell a corpus from a sentence; nothing joined yet
    assert list(stream) == [["new_york"], ["york"]]
    assert list(stream) == [["new_york"], ["york"]]
    generated = phrases[(s for s in [["new", "york"], ["a"]])]
    assert iter(generated) is generated  # one-shot in, one-shot out
    assert list(generated) == [["new_york"], ["a"]]
    assert phrases[iter(["new", "york"])] == ["new_york"]  # an iterator of tokens is a sentence


def test_add_vocab_merges_counts():
    once = Phrases(TOY + TOY, min_count=1, threshold=1.0)
    twice = Phrases(TOY, min_count=1, threshold=1.0)
    twice.add_vocab(TOY)
    assert twice.vocab == once.vocab
    assert twice.corpus_word_count == 24
    assert twice.export_phrases() == once.export_phrases()


def test_max_vocab_size_bounds_memory_and_keeps_frequent_pairs():
    sentences = [[f"rare{i}", f"rare{i + 1}", "new", "york"] for i in range(0, 20000, 2)]
    phrases = Phrases(sentences, min_count=1, threshold=1.0, max_vocab_size=1000, scoring="word2phrase")
    assert len(phrases.vocab) <= 1000 + 8
    assert phrases.min_reduce > 1
    assert "new_york" in phrases.export_phrases()
    assert phrases.vocab["new_york"] > 9000  # pruning forgets only the rare types


def test_agrees_with_gensim_including_pruning():
    gensim_phrases = pytest.importorskip("gensim.models.phrases")
    sentences = planted_corpus(1500, extra=[("bank", "of", "america")])
    for scoring, ours, threshold in [("default", "default", 20.0), ("npmi", "npmi", 0.3)]:
        for max_vocab_size in (40000000, 3000):
            theirs = gensim_phrases.Phrases(sentences, min_count=3, threshold=threshold, scoring=scoring,
                                            max_vocab_size=max_vocab_size,
                                            connector_words=gensim_phrases.ENGLISH_CONNECTOR_WORDS)
            mine = Phrases(sentences, min_count=3, threshold=threshold, scoring=ours,
                           max_vocab_size=max_vocab_size, connector_words=ENGLISH_CONNECTOR_WORDS)
            assert mine.vocab == theirs.vocab
            assert mine.export_phrases() == theirs.export_phrases()
            assert mine.find_phrases(sentences) == theirs.find_phrases(sentences)
            assert list(mine.freeze()[sentences]) == list(theirs.freeze()[sentences])


def test_token_with_delimiter_is_not_the_pair():
    phrases = Phrases([["new_york", "new", "york"]], min_count=1)
    assert phrases.vocab == {"new_york": 2, "new": 1, "york": 1, "new_york_new": 1}
    # (gensim would also count 2 for "new_york", but by adding the token and the pair together)
    assert phrases._counter.unigram_count("new_york") == 1
    assert phrases._counter.phrase_count(["new", "york"]) == 1


@pytest.mark.parametrize("suffix", ["json", "json.gz"])
def test_save_load_round_trip(tmp_path, suffix):
    sentences = planted_corpus(800, extra=[("bank", "of", "america")])
    phrases = Phrases(sentences, min_count=5, threshold=50.0, connector_words=ENGLISH_CONNECTOR_WORDS,
                      delimiter="+", max_vocab_size=5000)
    path = tmp_path / f"phrases.{suffix}"
    phrases.save(path)
    loaded = Phrases.load(path)
    assert loaded.vocab == phrases.vocab
    assert loaded.export_phrases() == phrases.export_phrases()
    assert (loaded.delimiter, loaded.connector_words, loaded.min_reduce, loaded.corpus_word_count) == \
        (phrases.delimiter, phrases.connector_words, phrases.min_reduce, phrases.corpus_word_count)
    loaded.add_vocab(sentences[:10])  # still trainable
    frozen = phrases.freeze()
    frozen_path = tmp_path / f"frozen.{suffix}"
    frozen.save(frozen_path)
    frozen_loaded = FrozenPhrases.load(frozen_path)
    assert frozen_loaded.phrasegrams == frozen.phrasegrams
    assert list(frozen_loaded[sentences]) == list(phrases[sentences])
    assert b"pickle" not in path.read_bytes()


def my_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    return (bigram_count - 1) / min(worda_count, wordb_count)


def test_custom_scorer_and_its_save_load(tmp_path):
    phrases = Phrases(TOY, min_count=1, threshold=0.1, scoring=my_scorer)
    assert phrases.export_phrases() == {"new_york": 1 / 3}
    path = tmp_path / "custom.json"
    phrases.save(path)
    with pytest.raises(ValueError, match="custom scorer.*my_scorer"):
        Phrases.load(path)
    assert Phrases.load(path, scoring=my_scorer).export_phrases() == {"new_york": 1 / 3}
    phrases.freeze().save(path)
    assert FrozenPhrases.load(path).export_phrases() == {"new_york": 1 / 3}


def test_load_errors(tmp_path):
    path = tmp_path / "x.json"
    FrozenPhrases.from_phrases({("a", "b"): 20.0}, threshold=10.0).save(path)
    with pytest.raises(ValueError, match="holds a FrozenPhrases"):
        Phrases.load(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a w2v phrases file"):
        FrozenPhrases.load(path)
    path.write_text('{"format": "w2v-phrases", "version": 1, "class": "Phrases", "params": {}}')
    with pytest.raises(ValueError, match="damaged"):
        Phrases.load(path)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"scoring": "bogus"}, ValueError, "unknown scoring 'bogus'"),
    ({"scoring": 42}, TypeError, "scoring must be"),
    ({"scoring": lambda a, b: 0}, ValueError, "missing expected parameters"),
    ({"scoring": "npmi", "threshold": 1.5}, ValueError, "between -1 and 1 for npmi"),
    ({"scoring": "npmi", "threshold": -2}, ValueError, "between -1 and 1 for npmi"),
    ({"threshold": 0}, ValueError, "threshold should be positive"),
    ({"min_count": 0}, ValueError, "min_count must be an integer from 1"),
    ({"max_vocab_size": 0}, ValueError, "max_vocab_size"),
    ({"delimiter": ""}, TypeError, "delimiter"),
    ({"connector_words": "of the"}, TypeError, "not one string"),
    ({"sentences": 5}, TypeError, "iterable of sentences.*int"),
    ({"sentences": "new york"}, TypeError, "single string"),
    ({"sentences": ["new york", "is big"]}, TypeError, "sentence 0 is a str"),
    ({"sentences": [["new", 5]]}, TypeError, "token of type int"),
])
def test_bad_arguments_give_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        Phrases(**kwargs)


def test_bad_items_give_clear_errors():
    phrases = Phrases(TOY, min_count=1, threshold=1.0)
    with pytest.raises(TypeError, match="not a single string"):
        phrases["new york"]
    with pytest.raises(TypeError, match="got int"):
        phrases[3]
    with pytest.raises(TypeError, match="token of type int"):
        phrases[["new", 3]]
    with pytest.raises(TypeError, match="sentence 1 is a str"):
        list(phrases[[["new"], "york"]])
    with pytest.raises(TypeError, match="needs a Phrases model"):
        FrozenPhrases({"new_york": 3.0})


def test_str_and_repr_mention_sizes():
    phrases = Phrases(TOY, min_count=1, threshold=1.0)
    assert str(phrases).startswith("Phrases<15 vocab, min_count=1")
    assert str(phrases.freeze()).startswith("FrozenPhrases<")


def test_phrased_corpus_trains_word2vec():
    from w2v import Word2Vec

    sentences = planted_corpus(1000)
    bigram = Phrases(sentences, min_count=5, threshold=100.0, scoring="word2phrase").freeze()
    model = Word2Vec(bigram[sentences], vector_size=8, min_count=5, workers=1, epochs=2)
    assert {"new_york", "hong_kong", "los_angeles"} <= set(model.wv.key_to_index)
    with pytest.raises(TypeError, match="one-shot iterator"):
        Word2Vec(bigram[iter(sentences)], vector_size=8, min_count=5, workers=1, epochs=2)


def test_joining_is_reentrant_and_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    holder, depth = [], [0]

    def scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
        if holder and depth[0] == 0:  # join with the same model while it is joining
            depth[0] += 1
            assert holder[0][["a", "new", "york", "is", "big"]] == ["a", "new_york", "is", "big"]
            depth[0] -= 1
        return bigram_count - 1.0

    phrases = Phrases(TOY, min_count=1, threshold=0.5, scoring=scorer)
    holder.append(phrases)
    assert phrases[["the", "new", "york", "city"]] == ["the", "new_york", "city"]

    sentences = planted_corpus(600)
    model = Phrases(sentences, min_count=5, threshold=100.0)
    for joiner in (model, model.freeze()):
        expected = list(joiner[sentences])
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: list(joiner[sentences]), range(4)))
        assert all(result == expected for result in results)


def test_version_1_files_keep_the_word2phrase_score(tmp_path):
    """w2v 0.1 wrote "default" for the word2phrase score; it must not turn into gensim's on load."""
    import json
    path = tmp_path / "old.json"
    Phrases(TOY, min_count=1, threshold=1.0, scoring="word2phrase").save(path)
    document = json.loads(path.read_text())
    document["version"], document["params"]["scoring"] = 1, "default"
    path.write_text(json.dumps(document))
    assert Phrases.load(path).scoring is word2phrase_scorer
    frozen = tmp_path / "frozen.json"
    Phrases(TOY, min_count=1, threshold=1.0, scoring="word2phrase").freeze().save(frozen)
    document = json.loads(frozen.read_text())
    document["version"], document["params"]["scoring"] = 1, "default"
    frozen.write_text(json.dumps(document))
    assert FrozenPhrases.load(frozen).scoring is word2phrase_scorer
