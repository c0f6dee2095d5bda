"""A DictVectorizer whose vocabulary is a minimal perfect hash.

:class:`CompressedVectorizer` reads feature dicts exactly as
:class:`~sklearn.feature_extraction.DictVectorizer` does, but instead of a
``{feature name: column}`` dict it keeps a :class:`MinimalPerfectHash` over the
feature names (a few bits per feature instead of ~100 bytes). The columns are
the hash's slots. No feature string is stored, so unseen features are told
apart from seen ones only by a small per-slot fingerprint.

Both fit and transform work in chunks of samples: the feature names of a chunk
are built in Python, hashed in one call and looked up in one call, and the
output matrix is assembled with numpy.
"""

from collections.abc import Iterable, Iterator, Mapping
from numbers import Number
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.feature_extraction import DictVectorizer
from sklearn.utils.validation import check_is_fitted

from .._doc_link import DocLinkMixin
from .._sklearn_compat import canonical_csr, fit_context
from .._tables import INT_MAX, Codec
from ._dict_vectorizer_fast import csr_structure
from ._hashed import (
    DistinctHashes,
    HashedVocabularyMixin,
    check_hash_width,
    chunked_rows,
    rewrite_options,
    with_hash_parameters_doc,
)

__all__ = ["CompressedVectorizer"]

# Samples are processed in chunks of at least this many features: large enough
# that the per-call cost of hashing and numpy lookups is amortized, small
# enough that a chunk's Python strings stay a few MB.
_CHUNK_FEATURES = 1 << 16
# Exact-type test for the common numeric values, cheaper than isinstance(v, Number).
_PLAIN_NUMBERS = frozenset({int, float, bool})
# Chunks of at most this many str features are looked up one key at a time
# (compiled MinimalPerfectHash.get): ~0.2 us per key, where the batch hashing
# and lookup cost ~25 us of numpy calls whatever the size (one CLINC150 dict).
_ONE_BY_ONE = 64
_INT32_MAX = np.iinfo(np.int32).max


# -- feature extraction (DictVectorizer's rules) ---------------------------------


def _append_iterable(
    key: Any, strings: Iterable[Any], separator: str, names: list[Any], values: list[Any]
) -> None:
    for item in strings:
        if not isinstance(item, str):
            raise TypeError(  # DictVectorizer's message
                f"Unsupported type {type(item)} in iterable value. "
                "Only iterables of string are supported."
            )
        names.append(f"{key!s}{separator}{item}")
        values.append(1)


def _append_uncommon(
    key: Any, value: Any, separator: str, names: list[Any], values: list[Any]
) -> None:
    """The slow path of :func:`_append_sample`, in DictVectorizer's order of checks."""
    if isinstance(value, str):
        names.append(f"{key!s}{separator}{value}")
        values.append(1)
    elif value is None or isinstance(value, Number):
        names.append(key)
        values.append(value)
    elif isinstance(value, Mapping):
        raise TypeError(  # DictVectorizer's messages
            f"Unsupported value type {type(value)} for {key}: {value}.\n"
            "Mapping objects are not supported."
        )
    elif isinstance(value, Iterable):
        _append_iterable(key, value, separator, names, values)
    else:
        raise TypeError(
            f"Unsupported value Type {type(value)} for {key}: {value}.\n"
            f"{type(value)} objects are not supported."
        )


def _append_sample(sample: Any, separator: str, names: list[Any], values: list[Any]) -> None:
    """Append the feature names and raw values of one sample (a mapping)."""
    try:
        items = sample.items()
    except AttributeError:
        raise AttributeError(
            "each sample must be a mapping of feature names to values, got "
            f"{type(sample).__name__}: {sample!r:.80}"
        ) from None
    for key, value in items:
        kind = type(value)
        if kind is str:
            names.append(f"{key!s}{separator}{value}")
            values.append(1)
        elif kind in _PLAIN_NUMBERS:
            names.append(key)
            values.append(value)
        else:
            _append_uncommon(key, value, separator, names, values)


def _feature_chunks(
    X: Any, separator: str
) -> Iterator[tuple[tuple[list[Any], ...], list[int]]]:
    """Yield ``((names, values), row_ends)`` for consecutive chunks of samples.

    ``row_ends[i]`` is the number of the chunk's features up to the end of its
    ``i``-th sample. A single mapping is one sample, as in DictVectorizer.
    """
    samples = [X] if isinstance(X, Mapping) else X

    def append_sample(sample: Any, names: list[Any], values: list[Any]) -> None:
        _append_sample(sample, separator, names, values)

    return chunked_rows(samples, append_sample, 2, _CHUNK_FEATURES)


def _as_dtype(values: Any, dtype: DTypeLike, keep: NDArray[Any] | None = None) -> NDArray[Any]:
    """``values[keep]`` as ``dtype`` (all values when ``keep`` is None).

    ``values`` is a list of raw values or an array already of ``dtype``.
    Converting the whole list at once is fast; only when that fails are the
    kept values converted alone, because DictVectorizer never converts the
    values of features it ignores.
    """
    try:
        converted = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        if keep is None:
            raise
        return np.asarray([values[i] for i in np.flatnonzero(keep)], dtype=dtype)
    return converted if keep is None else converted[keep]


def _concatenate_csr(
    parts: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any]]],
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """``(data, indices, indptr)`` of the rows of several chunks, one after the other."""
    data, indices, indptrs = zip(*parts, strict=True)
    ends = np.cumsum([0] + [len(d) for d in data[:-1]])
    shifted = [indptr[1:] + end for indptr, end in zip(indptrs, ends, strict=True)]
    return (np.concatenate(data), np.concatenate(indices),
            np.concatenate([indptrs[0][:1], *shifted]))


# -- the estimator -------------------------------------------------------------------


@with_hash_parameters_doc("feature name", "feature names")
class CompressedVectorizer(
    DocLinkMixin,
    HashedVocabularyMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Transform lists of feature-value mappings to vectors, with a hashed vocabulary.

    A drop-in replacement for :class:`~sklearn.feature_extraction.DictVectorizer`
    at prediction time: samples are read the same way (a numeric value is
    kept; a string value ``v`` of feature ``f`` becomes the feature
    ``f + separator + v`` with value 1; an iterable of strings gives one such
    feature per string; repeated features of a sample are summed), but the
    vocabulary is a :class:`~sklearn_compress.MinimalPerfectHash` of the
    feature names, about 3 bits per feature plus ``fingerprint_bits``, instead
    of a dict of strings.

    The output columns are the hash's slots, in an arbitrary order. To reuse a
    model trained on a DictVectorizer's columns, build the vectorizer with
    :meth:`from_dict_vectorizer`, which also returns the column permutation.

    Features not seen in :meth:`fit` are ignored, like DictVectorizer does,
    except that the hash cannot recognize them for certain: an unseen feature
    is accepted with probability ``2**-fingerprint_bits`` and then adds its
    value to a random column. With ``fingerprint_bits=0`` every unseen feature
    lands on a random column.

    Parameters
    ----------
    dtype : dtype, default=np.float64
        The type of feature values, as in DictVectorizer.
    separator : str, default="="
        Separator between a feature and its string value in the names of
        one-hot features.
    sparse : bool, default=True
        Whether transform returns a scipy.sparse CSR matrix (with int32
        indices when they fit, sorted, no repeated entries) or a dense array.
    sort : bool, default=True
        Accepted for compatibility with DictVectorizer, where it sorts
        ``feature_names_`` and so the columns. Without stored feature names
        there is no name order to follow: the columns are always the hash's
        slots, in the same order whatever ``sort`` is. Build the vectorizer
        with :meth:`from_dict_vectorizer` to get the permutation to a
        DictVectorizer's (sorted or unsorted) columns.
    %(hash_parameters)s

    Attributes
    ----------
    mph_ : MinimalPerfectHash
        The hash of the feature names seen in fit; ``mph_.lookup(names)``
        gives the column of each name (-1 for names recognized as unseen).
    n_features_out_ : int
        Number of output columns: the number of distinct features seen in fit.

    See Also
    --------
    sklearn.feature_extraction.DictVectorizer : Keeps the feature names.
    sklearn.feature_extraction.FeatureHasher : Hashes names into a fixed
        number of columns without fitting, with collisions.

    Notes
    -----
    Feature names (the keys of numeric values) must be ``str``; DictVectorizer
    also accepts other hashable keys, which this class rejects with a
    TypeError since it hashes the names' UTF-8 text.

    :meth:`fit` streams: it keeps only the 16-byte hash of each distinct
    feature, so it can fit on a generator over millions of samples. The fitted
    model depends only on the set of features, not on the order of samples.

    Without stored names, ``inverse_transform``, ``restrict``,
    ``feature_names_`` and ``vocabulary_`` are not available, and
    :meth:`get_feature_names_out` returns generic names.

    Examples
    --------
    >>> from sklearn_compress import CompressedVectorizer
    >>> D = [{"foo": 1, "bar": 2}, {"foo": 3, "baz": 1}]
    >>> cv = CompressedVectorizer(sparse=False).fit(D)
    >>> cv.n_features_out_
    3
    >>> X = cv.transform(D)
    >>> X.shape
    (2, 3)
    >>> sorted(X[0].tolist())  # columns are hash slots, not sorted names
    [0.0, 1.0, 2.0]
    >>> cv.transform({"foo": 4, "unseen_feature": 3}).sum()
    np.float64(4.0)

    Converting a fitted DictVectorizer and permuting the model's weights:

    >>> from sklearn.feature_extraction import DictVectorizer
    >>> dv = DictVectorizer(sparse=False).fit(D)
    >>> cv, columns = CompressedVectorizer.from_dict_vectorizer(dv)
    >>> bool((cv.transform(D) == dv.transform(D)[:, columns]).all())
    True
    """

    _parameter_constraints: dict[str, Any] = {
        "dtype": "no_validation",  # delegated to numpy, as in DictVectorizer
        "separator": [str],
        "sparse": ["boolean"],
        "sort": ["boolean"],
        **HashedVocabularyMixin._HASH_CONSTRAINTS,
    }
    _KEYS = "feature names"
    _STORED = "feature names"
    _KEEPS_STRINGS = "DictVectorizer"

    def __init__(
        self,
        *,
        dtype: DTypeLike = np.float64,
        separator: str = "=",
        sparse: bool = True,
        sort: bool = True,
        fingerprint_bits: int = 8,
        gamma: float = 1.0,
        random_state: int | None = 0,
    ) -> None:
        self.dtype = dtype
        self.separator = separator
        self.sparse = sparse
        self.sort = sort
        self.fingerprint_bits = fingerprint_bits
        self.gamma = gamma
        self.random_state = random_state

    def _columns(self, names: list[Any]) -> NDArray[Any]:
        """Each feature name's column (-1: recognized as unseen)."""
        if len(names) <= _ONE_BY_ONE and set(map(type, names)) <= {str}:
            return np.fromiter(map(self.mph_.get, names), dtype=np.int64, count=len(names))
        hashes, inverse = self._hash_distinct(names)
        return self.mph_.lookup_hashes(hashes)[inverse]

    def _chunks_with_hashes(
        self, X: Any
    ) -> Iterator[tuple[NDArray[Any], NDArray[Any], Any, list[int]]]:
        """Yield ``(distinct hashes, index of each feature among them, values, row_ends)``."""
        for (names, values), row_ends in _feature_chunks(X, self.separator):
            yield *self._hash_distinct(names), values, row_ends

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: None = None) -> "CompressedVectorizer":
        """Learn the minimal perfect hash of every feature name in ``X``.

        Parameters
        ----------
        X : Mapping or iterable over Mappings
            Dict(s) from feature names (str) to values (numbers, None, strings
            or iterables of strings). Consumed once, so it may be a generator.
        y : None
            Ignored.

        Returns
        -------
        self : CompressedVectorizer
            The fitted vectorizer.
        """
        distinct = DistinctHashes()
        for hashes, _, _, _ in self._chunks_with_hashes(X):
            distinct.add(hashes)
        self._build_hash(distinct.result().hashes)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X: Any, y: None = None) -> Any:
        """Fit and transform ``X`` in a single pass over it.

        Parameters
        ----------
        X : Mapping or iterable over Mappings
            As in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        Xt : {sparse matrix, ndarray} of shape (n_samples, n_features_out_)
            Feature vectors.
        """
        distinct = DistinctHashes()
        chunks: list[tuple[NDArray[Any], NDArray[Any], Any, list[int]]] = []
        for hashes, inverse, values, row_ends in self._chunks_with_hashes(X):
            distinct.add(hashes)
            chunks.append((hashes, inverse, _as_dtype(values, self.dtype), row_ends))
        self._build_hash(distinct.result().hashes)
        return self._assemble(
            (self.mph_.lookup_hashes(hashes)[inverse], values, row_ends)
            for hashes, inverse, values, row_ends in chunks)

    def transform(self, X: Any) -> Any:
        """Transform feature dicts to a matrix; unseen features are ignored.

        Parameters
        ----------
        X : Mapping or iterable over Mappings
            Dict(s) from feature names to values, as in :meth:`fit`.

        Returns
        -------
        Xt : {sparse matrix, ndarray} of shape (n_samples, n_features_out_)
            Feature vectors; column ``j`` is the feature of hash slot ``j``.
        """
        # mph_ is set by fit and load only; check_is_fitted's tag and attribute
        # scan costs ~10 us a call, a fifth of a one-dict transform.
        if "mph_" not in self.__dict__:
            check_is_fitted(self)
        return self._assemble(
            (self._columns(names), values, row_ends)
            for (names, values), row_ends in _feature_chunks(X, self.separator))

    def _assemble(self, chunks: Iterable[tuple[NDArray[Any], Any, list[int]]]) -> Any:
        """The output matrix of chunks of ``(columns, values, row_ends)``.

        The compiled :func:`csr_structure` sorts each row's columns and merges
        repeats, so the arrays are canonical CSR and skip scipy's checks.
        """
        parts = [self._chunk_csr(*chunk) for chunk in chunks]
        if not parts:
            raise ValueError("Sample sequence X is empty.")
        data, indices, indptr = parts[0] if len(parts) == 1 else _concatenate_csr(parts)
        # int32 indices whenever they fit: liblinear (LinearSVC, ...) rejects int64.
        index_dtype = np.int32 if max(len(data), self.n_features_out_) <= _INT32_MAX else np.int64
        matrix = canonical_csr(data, indices.astype(index_dtype), indptr.astype(index_dtype),
                               (len(indptr) - 1, self.n_features_out_))
        return matrix if self.sparse else matrix.toarray()

    def _chunk_csr(
        self, columns: NDArray[Any], values: Any, row_ends: list[int]
    ) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
        """``(data, indices, indptr)`` of one chunk of looked-up entries."""
        indices, indptr, target, n_repeats = csr_structure(
            columns, np.asarray(row_ends, dtype=np.int64))
        kept = target >= 0
        values = _as_dtype(values, self.dtype, keep=kept)
        data = np.zeros(len(indices), dtype=values.dtype)
        if n_repeats:  # repeated features of a sample are summed, in input order
            np.add.at(data, target[kept], values)
        else:
            data[target[kept]] = values
        return data, indices, indptr

    @property
    def restrict(self) -> Any:
        """Not available: no feature names are stored (raises AttributeError).

        To drop features, pass a ``keep`` mask to :meth:`from_dict_vectorizer`.
        """
        check_is_fitted(self)
        raise self._no_strings_error(
            "restrict",
            " To drop features, pass keep= to CompressedVectorizer.from_dict_vectorizer.",
        )

    @classmethod
    def from_dict_vectorizer(
        cls, dv: Any, *, keep: ArrayLike | None = None, **params: Any
    ) -> tuple["CompressedVectorizer", NDArray[np.int64]]:
        """Build a fitted vectorizer from a fitted DictVectorizer.

        Parameters
        ----------
        dv : DictVectorizer
            A fitted DictVectorizer. Its ``feature_names_`` are hashed as they
            are (names of one-hot features already contain its separator).
        keep : array-like of bool of shape (len(dv.feature_names_),), default=None
            Which of ``dv``'s features to keep; the others are ignored at
            transform time like unseen features. Use it to drop the features
            whose weights are all zero. None keeps all.
        **params
            Parameters of the new vectorizer. ``dtype``, ``separator``,
            ``sparse`` and ``sort`` default to those of ``dv``.

        Returns
        -------
        cv : CompressedVectorizer
            The fitted vectorizer.
        columns : ndarray of int64 of shape (cv.n_features_out_,)
            ``columns[j]`` is the column of ``dv`` that column ``j`` of ``cv``
            replaces, so ``cv.transform(X)`` equals
            ``dv.transform(X)[:, columns]`` and a linear model's weights are
            carried over as ``coef_[:, columns]``.

        Raises
        ------
        ValueError
            If ``keep`` is not a boolean mask of the right length.
        """
        check_is_fitted(dv, "feature_names_")
        params = {"dtype": dv.dtype, "separator": dv.separator, "sparse": dv.sparse,
                  "sort": dv.sort, **params}
        cv = cls(**params)
        cv._validate_params()
        return cv, cv._build_hash_of_columns(dv.feature_names_, keep)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickles of earlier versions have no sort parameter.
        super().__setstate__({"sort": True, **state})

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.dict = True
        tags.input_tags.two_d_array = False
        return tags


def _rewrite_dict_vectorizer(
    step: Any, keep: ArrayLike | None, options: Any
) -> tuple[CompressedVectorizer, NDArray[np.int64]]:
    return CompressedVectorizer.from_dict_vectorizer(step, keep=keep, **rewrite_options(options))


# -- what this module contributes (collected by compose/_compress.py and io/_persist.py)

VECTORIZER_REWRITES = {DictVectorizer: _rewrite_dict_vectorizer}
FILE_CODECS = (
    Codec(CompressedVectorizer, numbers={"n_features_out_": (int, 0, INT_MAX, False)},
          children=("mph_",), check=check_hash_width),
)
