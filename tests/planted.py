"""Generated corpora with planted structure, for learning tests."""

import numpy as np


def grouped_corpus(n_groups=8, group_size=8, n_sentences=1500, sentence_length=10,
                   n_function_words=4, seed=0):
    """Sentences drawn from one group of words each, plus a few words common to all groups.

    Returns (sentences, groups): words of the same group co-occur, words of different groups
    never do, so a model that learns puts each word's neighbours in its own group.
    """
    rng = np.random.default_rng(seed)
    groups = [[f"g{g}w{i}" for i in range(group_size)] for g in range(n_groups)]
    function_words = [f"fn{i}" for i in range(n_function_words)]
    sentences = []
    for _ in range(n_sentences):
        group = groups[rng.integers(n_groups)]
        sentence = []
        for _ in range(sentence_length):
            if rng.random() < 0.2:
                sentence.append(function_words[rng.integers(n_function_words)])
            else:
                sentence.append(group[rng.integers(group_size)])
        sentences.append(sentence)
    return sentences, groups


def neighbour_precision(wv, groups, topn=5):
    """Fraction of each group word's topn neighbours (among group words) in its own group."""
    group_of = {word: g for g, words in enumerate(groups) for word in words}
    hits = total = 0
    for word, g in group_of.items():
        neighbours = [w for w, _ in wv.most_similar(word, topn=len(wv)) if w in group_of][:topn]
        hits += sum(group_of[w] == g for w in neighbours)
        total += len(neighbours)
    return hits / total
