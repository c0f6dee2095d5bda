"""Datasets for trying compression: JSON Lines intent and slot files, a synthetic set.

As :mod:`sklearn.datasets` serves scikit-learn's examples, this module serves
the examples, benchmarks and tests of sklearn-compress, and your own data:

- :func:`load_intent_dataset` reads the ``text`` and ``intent`` of each
  record of a JSON Lines file (``<split>.jsonl`` or ``<split>.jsonl.gz``),
  the layout CLINC150 and SNIPS are used in (see the README for where to
  get them);
- :func:`load_slot_dataset` reads the ``tokens`` and BIO ``tags`` of a
  slot-filling dataset such as SNIPS;
- :func:`make_intent_dataset` generates a deterministic synthetic assistant
  dataset whose vocabulary grows with its size (no download);
- :func:`word_ngram_features` turns a text into the word n-gram counts a
  ``DictVectorizer`` takes.
"""

from ._files import find_split, load_intent_dataset, load_slot_dataset, word_ngram_features
from ._synthetic import make_intent_dataset

__all__ = [
    "find_split",
    "load_intent_dataset",
    "load_slot_dataset",
    "make_intent_dataset",
    "word_ngram_features",
]
