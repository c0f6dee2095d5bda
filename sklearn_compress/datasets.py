"""Loading intent datasets stored as JSON Lines, and simple n-gram features.

Benchmarks, integration tests and examples read the public NLU datasets in
``../shared/data`` through :func:`load_intent_dataset`, so that there is one
loader and it takes a path.
"""

import gzip
import json
import re
from collections import Counter
from pathlib import Path

__all__ = ["find_split", "load_intent_dataset", "word_ngram_features"]

_TOKEN = re.compile(r"\w+")


def find_split(directory, split):
    """Return the path of ``split`` (``.jsonl`` or ``.jsonl.gz``) in ``directory``.

    Raises
    ------
    FileNotFoundError
        If neither file exists.
    """
    directory = Path(directory)
    for name in (f"{split}.jsonl", f"{split}.jsonl.gz"):
        path = directory / name
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"no {split}.jsonl or {split}.jsonl.gz in {str(directory)!r}"
    )


def load_intent_dataset(directory, split="train"):
    """Read the ``text`` and ``intent`` fields of one split of a dataset.

    Parameters
    ----------
    directory : str or path-like
        A folder holding ``<split>.jsonl`` or ``<split>.jsonl.gz``, one JSON
        object per line with at least the fields ``text`` and ``intent``.
    split : str, default="train"
        The split's file name without extension.

    Returns
    -------
    texts : list of str
    intents : list of str
    """
    path = find_split(directory, split)
    opener = gzip.open if path.suffix == ".gz" else open
    texts, intents = [], []
    with opener(path, "rt", encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                texts.append(record["text"])
                intents.append(record["intent"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}:{line_number}: expected a JSON object with 'text' and "
                    f"'intent' ({exc})"
                ) from None
    return texts, intents


def word_ngram_features(text, ngram_range=(1, 2)):
    """Count the lowercased word n-grams of ``text`` as a feature dict.

    N-grams are joined with a space, so unigrams and bigrams never clash.

    >>> word_ngram_features("Play the Beatles")
    {'play': 1, 'the': 1, 'beatles': 1, 'play the': 1, 'the beatles': 1}
    """
    tokens = _TOKEN.findall(text.lower())
    low, high = ngram_range
    counts = Counter()
    for n in range(low, high + 1):
        for start in range(len(tokens) - n + 1):
            counts[" ".join(tokens[start : start + n])] += 1
    return dict(counts)
