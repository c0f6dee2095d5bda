"""Intent and slot datasets stored as JSON Lines, and word n-gram features."""

import gzip
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

StrPath = str | os.PathLike[str]

_TOKEN = re.compile(r"\w+")


def find_split(directory: StrPath, split: str) -> Path:
    """Return the path of one split of a JSON Lines dataset.

    Parameters
    ----------
    directory : str or path-like
        The dataset's folder.
    split : str
        The split's file name without extension, e.g. ``"train"``.

    Returns
    -------
    path : pathlib.Path
        ``directory/<split>.jsonl`` if it exists, else ``directory/<split>.jsonl.gz``.

    Raises
    ------
    FileNotFoundError
        If neither file exists.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_compress.datasets import find_split
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "test.jsonl").write_text("")
    >>> find_split(folder, "test").name
    'test.jsonl'
    >>> find_split(folder, "train")
    Traceback (most recent call last):
        ...
    FileNotFoundError: no train.jsonl or train.jsonl.gz in '...'
    """
    directory = Path(directory)
    for name in (f"{split}.jsonl", f"{split}.jsonl.gz"):
        path = directory / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"no {split}.jsonl or {split}.jsonl.gz in {str(directory)!r}")


def iter_records(
    directory: StrPath, split: str, fields: Sequence[str],
    convert: Callable[[Any], Any] | None = None,
) -> Iterator[tuple[Path, int, list[Any]]]:
    """Yield ``(path, line_number, values)`` for every record of the split.

    ``values`` holds each field named in ``fields``, passed through
    ``convert`` if given. A blank line is skipped; a line that is not a JSON
    object holding every field (or whose field ``convert`` refuses with a
    TypeError) raises ValueError naming the file and the line.
    """
    path = find_split(directory, split)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                values = [record[field] for field in fields]
                if convert is not None:
                    values = [convert(value) for value in values]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                expected = " and ".join(repr(field) for field in fields)
                raise ValueError(
                    f"{path}:{line_number}: expected a JSON object with {expected} ({exc})"
                ) from None
            yield path, line_number, values


def _read_fields(
    directory: StrPath, split: str, fields: Sequence[str]
) -> tuple[list[Any], ...]:
    """One list per name in ``fields``, read from every record of the split."""
    columns: tuple[list[Any], ...] = tuple([] for _ in fields)
    for _, _, values in iter_records(directory, split, fields):
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return columns


def load_intent_dataset(directory: StrPath, split: str = "train") -> tuple[list[str], list[Any]]:
    """Read the texts and intents of one split of an intent dataset.

    The layout is the one CLINC150 and SNIPS are distributed in here: a
    folder holding ``<split>.jsonl`` or ``<split>.jsonl.gz`` (UTF-8), one
    JSON object per line with at least the fields ``text`` and ``intent``;
    other fields are ignored. Put your own data in this layout to run the
    examples and benchmarks on it.

    Parameters
    ----------
    directory : str or path-like
        The dataset's folder.
    split : str, default="train"
        The split's file name without extension (``"train"``, ``"test"``, ...).

    Returns
    -------
    texts : list of str
        The ``text`` field of each record, in file order.
    intents : list
        The ``intent`` field of each record, in file order.

    Raises
    ------
    FileNotFoundError
        If the folder has no file for ``split``.
    ValueError
        If a line is not a JSON object with ``text`` and ``intent``; the
        message names the file and the line.

    See Also
    --------
    load_slot_dataset : The tokens and BIO tags of a slot-filling dataset.
    make_intent_dataset : A synthetic intent dataset of any size.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from sklearn_compress.datasets import load_intent_dataset
    >>> folder = Path(tempfile.mkdtemp())
    >>> records = [{"text": "wake me up at 7", "intent": "set_alarm"},
    ...            {"text": "play some jazz", "intent": "play_music"}]
    >>> _ = (folder / "train.jsonl").write_text(
    ...     "".join(json.dumps(record) + "\\n" for record in records))
    >>> load_intent_dataset(folder, "train")
    (['wake me up at 7', 'play some jazz'], ['set_alarm', 'play_music'])
    """
    texts, intents = _read_fields(directory, split, ("text", "intent"))
    return texts, intents


def load_slot_dataset(
    directory: StrPath, split: str = "train"
) -> tuple[list[list[str]], list[list[str]]]:
    """Read the tokens and slot tags of one split of a slot-filling dataset.

    Same layout as :func:`load_intent_dataset`, with two more fields per
    record: ``tokens``, a list of strings, and ``tags``, one BIO tag per
    token (``"O"``, ``"B-artist"``, ``"I-artist"``, ...), as in SNIPS.

    Parameters
    ----------
    directory : str or path-like
        The dataset's folder.
    split : str, default="train"
        The split's file name without extension.

    Returns
    -------
    tokens : list of list of str
        Each record's tokens.
    tags : list of list of str
        Each record's tags, as long as its tokens.

    Raises
    ------
    FileNotFoundError
        If the folder has no file for ``split``.
    ValueError
        If a line is not a JSON object with ``tokens`` and ``tags`` lists of
        strings of the same length; the message names the file and the line.

    See Also
    --------
    load_intent_dataset : The texts and intents of the same records.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from sklearn_compress.datasets import load_slot_dataset
    >>> folder = Path(tempfile.mkdtemp())
    >>> record = {"text": "play jazz", "intent": "PlayMusic",
    ...           "tokens": ["play", "jazz"], "tags": ["O", "B-genre"]}
    >>> _ = (folder / "test.jsonl").write_text(json.dumps(record) + "\\n")
    >>> load_slot_dataset(folder, "test")
    ([['play', 'jazz']], [['O', 'B-genre']])
    """
    tokens, tags = _read_fields(directory, split, ("tokens", "tags"))
    for index, (words, labels) in enumerate(zip(tokens, tags, strict=True)):
        problem = _alignment_problem(words, labels)
        if problem:
            raise ValueError(f"{find_split(directory, split)}: record {index + 1}: {problem}")
    return tokens, tags


def _alignment_problem(words: Any, labels: Any) -> str | None:
    """What is wrong with a record's ``tokens`` and ``tags``, or None."""
    for name, values in (("tokens", words), ("tags", labels)):
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return f"{name!r} must be a list of strings"
    if len(words) != len(labels):
        return f"{len(words)} tokens but {len(labels)} tags"
    return None


def word_ngram_features(text: str, ngram_range: tuple[int, int] = (1, 2)) -> dict[str, int]:
    """Count the lowercased word n-grams of a text, as a feature dict.

    Words are runs of letters, digits and underscores; n-grams are joined
    with a space, so unigrams and bigrams never clash. The result is the
    input a ``DictVectorizer`` (or ``CompressedVectorizer``) expects.

    Parameters
    ----------
    text : str
        The text.
    ngram_range : tuple of (int, int), default=(1, 2)
        The smallest and largest n-gram length, both included.

    Returns
    -------
    features : dict of str to int
        Each n-gram and its count, in order of first occurrence by length.

    Examples
    --------
    >>> from sklearn_compress.datasets import word_ngram_features
    >>> word_ngram_features("Play the Beatles")
    {'play': 1, 'the': 1, 'beatles': 1, 'play the': 1, 'the beatles': 1}
    >>> word_ngram_features("a a b", ngram_range=(2, 2))
    {'a a': 1, 'a b': 1}
    """
    tokens = _TOKEN.findall(text.lower())
    low, high = ngram_range
    counts: Counter[str] = Counter()
    for n in range(low, high + 1):
        for start in range(len(tokens) - n + 1):
            counts[" ".join(tokens[start : start + n])] += 1
    return dict(counts)
