"""Slot-filling data for CRF taggers: a loader, token features, a synthetic set.

The example, the benchmark and the tests train taggers on the same features:
the usual CRF slot-filling set (lowercased word, 2-3 character prefixes and
suffixes, word shape, digit/title/upper flags, the lowercased words at -2..+2,
and beginning/end of sentence marks).
"""

import re

import numpy as np

from ..datasets._files import iter_records

__all__ = ["load_slot_dataset", "sequence_features", "synthetic_slot_dataset"]

_UPPER, _LOWER, _DIGIT = re.compile(r"[A-Z]+"), re.compile(r"[a-z]+"), re.compile(r"[0-9]+")


def load_slot_dataset(directory, split="train"):
    """Read the ``tokens`` and ``tags`` (BIO) fields of one split of a dataset.

    Parameters
    ----------
    directory : str or path-like
        A folder holding ``<split>.jsonl`` or ``<split>.jsonl.gz``, one JSON
        object per line with the fields ``tokens`` and ``tags`` (as SNIPS).
    split : str, default="train"
        The split's file name without extension.

    Returns
    -------
    tokens : list of lists of str
    tags : list of lists of str
    """
    tokens, tags = [], []
    for path, line_number, (words, labels) in iter_records(directory, split,
                                                           ("tokens", "tags"), convert=list):
        if len(words) != len(labels):
            raise ValueError(f"{path}:{line_number}: {len(words)} tokens and "
                             f"{len(labels)} tags")
        tokens.append(words)
        tags.append(labels)
    return tokens, tags


def _shape(word):
    return _DIGIT.sub("0", _LOWER.sub("a", _UPPER.sub("A", word)))


def _token_features(word):
    lower = word.lower()
    return {
        "bias": 1.0, "word": lower, "prefix2": lower[:2], "prefix3": lower[:3],
        "suffix2": lower[-2:], "suffix3": lower[-3:], "shape": _shape(word),
        "is_digit": word.isdigit(), "is_title": word.istitle(), "is_upper": word.isupper(),
    }


def sequence_features(tokens):
    """Per-token feature dicts of one tokenized sentence (a CRF's input).

    >>> sequence_features(["Play", "jazz"])[1]["-1:word"]
    'play'
    """
    lower = [word.lower() for word in tokens]
    sequence = []
    for i, word in enumerate(tokens):
        features = _token_features(word)
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(tokens):
                features[f"{offset:+d}:word"] = lower[j]
        if i == 0:
            features["BOS"] = True
        if i == len(tokens) - 1:
            features["EOS"] = True
        sequence.append(features)
    return sequence


_TEMPLATES = (
    ("play", [("O", "play"), ("artist", None), ("O", "on"), ("service", None)]),
    ("play", [("O", "put"), ("O", "on"), ("genre", None), ("O", "music")]),
    ("weather", [("O", "weather"), ("O", "in"), ("city", None), ("date", None)]),
    ("weather", [("O", "will"), ("O", "it"), ("O", "rain"), ("O", "in"), ("city", None)]),
    ("book", [("O", "book"), ("O", "a"), ("O", "table"), ("O", "for"), ("number", None),
              ("O", "in"), ("city", None)]),
    ("alarm", [("O", "wake"), ("O", "me"), ("O", "up"), ("date", None), ("O", "at"),
               ("time", None)]),
)
_SLOT_WORDS = {
    "artist": [["the", "beatles"], ["miles", "davis"], ["adele"], ["daft", "punk"],
               ["nina", "simone"], ["john", "coltrane"], ["bjork"], ["the", "roots"]],
    "service": [["spotify"], ["deezer"], ["youtube", "music"], ["pandora"]],
    "genre": [["jazz"], ["hip", "hop"], ["classical"], ["rock"], ["bossa", "nova"]],
    "city": [["paris"], ["new", "york"], ["tokyo"], ["rio", "de", "janeiro"], ["oslo"],
             ["san", "francisco"]],
    "date": [["today"], ["tomorrow"], ["on", "monday"], ["next", "week"]],
    "number": [["two"], ["four"], ["6"], ["12"]],
    "time": [["7", "am"], ["noon"], ["six", "thirty"], ["9:45"]],
}


def synthetic_slot_dataset(n_samples, seed=0):
    """A small deterministic slot-filling dataset: tokens and BIO tags.

    >>> tokens, tags = synthetic_slot_dataset(2)
    >>> len(tokens) == len(tags) == 2
    True
    """
    rng = np.random.default_rng(seed)
    tokens, tags = [], []
    for template in rng.integers(0, len(_TEMPLATES), size=n_samples).tolist():
        words, labels = [], []
        for slot, word in _TEMPLATES[template][1]:
            if slot == "O":
                words.append(word)
                labels.append("O")
                continue
            choices = _SLOT_WORDS[slot]
            value = choices[rng.integers(0, len(choices))]
            words += value
            labels += [f"B-{slot}"] + [f"I-{slot}"] * (len(value) - 1)
        tokens.append(words)
        tags.append(labels)
    return tokens, tags
