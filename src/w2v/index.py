"""Approximate nearest neighbours: ``w2v.index.AnnIndex``.

The implementation lives in :mod:`w2v.vectors.index`; this module is its short public name.

Examples
--------
>>> from w2v.index import AnnIndex
>>> AnnIndex.__module__
'w2v.vectors.index'
"""

from w2v.vectors.index import AnnIndex

__all__ = ["AnnIndex"]
