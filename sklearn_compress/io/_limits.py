"""What a model file may ask for: parameter allow-lists, caps and consistency rules.

scikit-learn validates the types of most parameters, not what they cost:
a file could otherwise carry a regular expression that backtracks forever,
an n-gram range of a billion, a numpy dtype of a gigabyte per value or an
unknown text encoding, each of which loads and then hangs, exhausts memory or
raises at predict. ``load()`` (and ``save()``, which runs the same checks)
applies these rules by parameter name to every object in a file, before the
object is built, and the consistency rules after its fitted attributes are
set. Every cap keeps predict's work linear in the size of its input.
"""

import codecs
import math
from collections.abc import Mapping
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from ..utils import float_range

__all__ = ["CAPS", "SAFE_TOKEN_PATTERNS", "check_consistency", "check_params"]

# Token patterns a file may carry: scikit-learn's default and a few other
# patterns without nested repetition (linear-time matching). Any other
# regular expression is refused: a pattern is code.
SAFE_TOKEN_PATTERNS = frozenset({
    r"(?u)\b\w\w+\b", r"(?u)\b\w+\b", r"\b\w\w+\b", r"\b\w+\b",
    r"(?u)\w+", r"\w+", r"(?u)\S+", r"\S+", r"[^\s]+", r"(?u)[^\s]+",
})
# Documented caps (docs/guide.md, "Guarantees").
CAPS = {
    "word_ngram": 10,   # longest word n-gram
    "char_ngram": 20,   # longest character n-gram
    "stop_words": 100_000,  # stop-word list length
    "string": 512,      # stop words, separators: characters
}
_ANALYZERS = frozenset({"word", "char", "char_wb"})
_ENCODINGS = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "utf-16",
                        "utf-32", "iso8859-15"})
_DTYPE_TYPES = frozenset((np.float64, np.float32, np.float16, np.int64, np.int32, np.int16,
                          np.int8, np.uint8, np.bool_))
_DTYPES = frozenset(np.dtype(t).name for t in _DTYPE_TYPES)


def _refuse(name: str, value: object, why: str) -> NoReturn:
    raise ValueError(f"parameter {name}={value!r:.80} {why}")


def _check_token_pattern(value: object) -> None:
    if value is not None and value not in SAFE_TOKEN_PATTERNS:
        _refuse("token_pattern", value,
                "is not one of the regular expressions a model file may carry "
                f"({', '.join(sorted(SAFE_TOKEN_PATTERNS))}): a pattern from a file could "
                "make predict hang. If you trust this model, save and load it with joblib")


def _check_ngram_range(value: object, analyzer: object) -> None:
    if not (isinstance(value, tuple) and len(value) == 2
            and all(type(n) is int for n in value) and 1 <= value[0] <= value[1]):
        _refuse("ngram_range", value, "is not a pair of integers 1 <= min_n <= max_n")
    cap = CAPS["word_ngram"] if analyzer == "word" else CAPS["char_ngram"]
    if value[1] > cap:
        _refuse("ngram_range", value, f"exceeds the longest n-gram a file may ask for ({cap} "
                                      f"for analyzer={analyzer!r})")


def _check_dtype(value: object) -> None:
    # None: the estimator's default dtype (CompressedTextVectorizer's).
    if value is not None and not (isinstance(value, type) and value in _DTYPE_TYPES):
        _refuse("dtype", value, f"is not one of {', '.join(sorted(_DTYPES))}")


def _check_encoding(value: object) -> None:
    try:
        name = codecs.lookup(value).name if isinstance(value, str) else None
    except LookupError:
        name = None
    if name not in _ENCODINGS:
        _refuse("encoding", value, f"is not one of {', '.join(sorted(_ENCODINGS))}")


def _check_string(name: str, value: object) -> None:
    if isinstance(value, str) and len(value) > CAPS["string"]:
        _refuse(name, value, f"is longer than {CAPS['string']} characters")


def _check_stop_words(value: object) -> None:
    if isinstance(value, (list, tuple, frozenset, set)):
        if len(value) > CAPS["stop_words"]:
            _refuse("stop_words", "...", f"lists more than {CAPS['stop_words']} words")
        for word in value:
            if not isinstance(word, str):
                _refuse("stop_words", word, "is not a string")
            _check_string("stop_words", word)


def check_params(params: Mapping[str, object]) -> None:
    """Raise ``ValueError`` if a parameter a file may set is outside its allow-list or cap."""
    if "token_pattern" in params:
        _check_token_pattern(params["token_pattern"])
    analyzer = params.get("analyzer", "word")
    if "analyzer" in params and analyzer not in _ANALYZERS:
        _refuse("analyzer", analyzer, f"is not one of {sorted(_ANALYZERS)}")
    if "ngram_range" in params:
        _check_ngram_range(params["ngram_range"], analyzer)
    if "dtype" in params:
        _check_dtype(params["dtype"])
    if "encoding" in params:
        _check_encoding(params["encoding"])
    if "stop_words" in params:
        _check_stop_words(params["stop_words"])
    for name in ("separator",):
        _check_string(name, params.get(name))


def _check_hash_seed(obj: Any) -> None:
    # A vectorizer hashes with its random_state; a hash built with another
    # seed would silently treat every feature as unseen.
    mph = getattr(obj, "mph_", None)
    seed = getattr(obj, "_seed", None)
    if mph is not None and isinstance(seed, int) and mph.seed != seed:
        raise ValueError(f"the hash's seed {mph.seed} is not the random_state {seed}")


def _check_linear_outputs(obj: Any) -> None:
    link, ravel = getattr(obj, "link_", None), getattr(obj, "_ravel_output", None)
    if link is None or ravel is None:
        return
    if link != "identity" and not ravel:
        raise ValueError("a classifier's scores are raveled (_ravel_output must be true)")
    if (link == "identity") == (getattr(obj, "classes_", None) is not None):
        raise ValueError(f"link {link!r} does not fit a model "
                         f"{'with' if link == 'identity' else 'without'} classes")
    max_code = 2 ** (obj.bits - 1) - 1
    # (A NaN makes both ends NaN, which is not finite; compiled: numpy's
    # min, max, abs and sum took 30 us of a fresh process's load.)
    scale = np.asarray(obj.scale_, dtype=np.float64)
    smallest, largest = float_range(scale) if scale.size else (0.0, 0.0)
    if not (math.isfinite(largest * max_code) and smallest >= 0):
        raise ValueError("scale_ must be finite and non-negative, with finite weights")
    intercept = np.asarray(obj.intercept_, dtype=np.float64)
    if intercept.size and not _finite_sum_of_magnitudes(intercept):
        raise ValueError("intercept_ is too large")


def _finite_sum_of_magnitudes(values: NDArray[np.float64]) -> bool:
    # size x the largest magnitude bounds the sum: numpy sums only where that overflows.
    low, high = float_range(values)
    if math.isfinite(max(-low, high) * values.size):
        return True
    with np.errstate(over="ignore"):
        return math.isfinite(float(np.abs(values).sum()))


def check_consistency(obj: Any) -> None:
    """Raise ``ValueError`` where fitted attributes disagree beyond the codec's own check."""
    _check_hash_seed(obj)
    _check_linear_outputs(obj)
