"""Word vectors and what is done with them: ``KeyedVectors`` (storage and queries),
evaluation on analogies and word pairs, plots."""
