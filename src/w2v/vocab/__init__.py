"""Vocabulary: counting words, choosing which to keep, and the tables training needs.

The steps are separate modules on purpose: ``counting`` reads a corpus once and counts,
``selection`` applies ``min_count``/``max_final_vocab``/``trim_rule``/sorting, and ``tables``
turns the final counts into the arrays the kernels read (subsampling, negative sampling,
hierarchical softmax). ``_vocab`` holds their compiled parts.
"""

from w2v.vocab.counting import CorpusScan, scan_corpus, scan_corpus_file
from w2v.vocab.selection import (RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, TrimRule, effective_min_count,
                                 keep_word, select_words, vocabulary_report)
from w2v.vocab.tables import expected_kept_words, huffman_tree, keep_thresholds, noise_alias_table

__all__ = ["RULE_DEFAULT", "RULE_DISCARD", "RULE_KEEP", "CorpusScan", "TrimRule", "effective_min_count",
           "expected_kept_words", "huffman_tree", "keep_thresholds", "keep_word", "noise_alias_table",
           "scan_corpus", "scan_corpus_file", "select_words", "vocabulary_report"]
