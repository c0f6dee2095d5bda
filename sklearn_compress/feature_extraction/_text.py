"""A CountVectorizer / TfidfVectorizer whose vocabulary is a minimal perfect hash.

:class:`CompressedTextVectorizer` tokenizes with scikit-learn's own analyzer
(built by a :class:`~sklearn.feature_extraction.text.CountVectorizer` with the
same analysis parameters), so its n-grams are exactly scikit-learn's; it maps
them to columns with a :class:`MinimalPerfectHash` instead of the
``vocabulary_`` dict of strings, and stores the idf of each column as a
one-byte code into a small table of the distinct idf values.

Fitting streams over the documents in chunks and keeps, per distinct n-gram,
only its 16-byte hash, document frequency and term frequency (numpy arrays).
``max_features`` is honoured exactly as scikit-learn does, which sometimes
needs the n-grams' alphabetical order (see :func:`_most_frequent`).
"""

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted

from .._doc_link import DocLinkMixin
from .._sklearn_compat import (
    StrOptions,
    fit_context,
    fitted_tfidf_step,
    mark_stop_words_validated,
    validated_vocabulary,
    warn_for_unused_params,
)
from .._tables import INT_MAX, Codec
from ._hashed import (
    DistinctHashes,
    HashedVocabularyMixin,
    RowsBuilder,
    as_records,
    check_hash_width,
    chunked_rows,
    rewrite_options,
    row_of_each_entry,
    with_hash_parameters_doc,
)
from ._idf import IDF_ARRAYS, IDF_ATTRIBUTES, check_idf_codes, restore_idf
from ._tfidf import CompressedTfidfTransformer

__all__ = ["CompressedTextVectorizer"]

# Parameters handed to the CountVectorizer that builds the analyzer.
_ANALYSIS_PARAMS = (
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer",
)
_TFIDF_PARAMS = ("norm", "use_idf", "smooth_idf", "sublinear_tf")
# Carried over from a fitted scikit-learn vectorizer by from_text_vectorizer.
_COPIED_PARAMS = (*_ANALYSIS_PARAMS, "max_df", "min_df", "max_features", "binary", "dtype")
# N-grams analyzed per chunk. Larger than CompressedVectorizer's chunks: a
# chunk's n-grams are deduplicated before hashing and lookup, and the larger the
# chunk the more of them repeat (measured on CLINC150 char_wb (2, 5)-grams:
# 2**12 n-grams per chunk transform at 0.6x scikit-learn's speed, 2**16 at
# 0.9x, 2**18 at 1.1x); 2**18 short strings are about 20 MB.
_CHUNK_TERMS = 1 << 18
# Up to this many n-grams in a chunk (a few documents), each occurrence is
# hashed and looked up in one compiled pass: deduplicating them first costs
# more than it saves (a dict, an inverse index and three more numpy calls):
# 1 us against 10 us for the 13 n-grams of a CLINC150 utterance.
_DIRECT_TERMS = 1 << 10


# -- n-grams and their hashes --------------------------------------------------------


def _term_chunks(
    raw_documents: Iterable[Any], analyze: Callable[[Any], Any]
) -> Iterator[tuple[tuple[list[Any], ...], list[int]]]:
    """Yield ``((terms,), row_ends)`` for consecutive chunks of documents.

    ``row_ends[i]`` is the number of the chunk's n-grams up to the end of its
    ``i``-th document; n-grams repeat as often as they occur.
    """

    def append_document(document: Any, terms: list[Any]) -> None:
        terms.extend(analyze(document))

    return chunked_rows(raw_documents, append_document, 1, _CHUNK_TERMS)


def _chunk_frequencies(
    inverse: NDArray[Any], row_ends: Sequence[int], n_terms: int
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Document and term frequency of each distinct n-gram of a chunk."""
    n_rows = len(row_ends)
    in_document = np.unique(inverse * n_rows + row_of_each_entry(row_ends))
    df = np.bincount(in_document // n_rows, minlength=n_terms)
    return df, np.bincount(inverse, minlength=n_terms)


def _float_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype of tf-idf values (and idf) for count matrices of ``dtype``."""
    return dtype if dtype in (np.float64, np.float32) else np.dtype(np.float64)


def _sum_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """The dtype of ``X.sum(axis=0)`` for a sparse ``X`` of ``dtype``."""
    return sp.csr_array(np.ones((1, 1), dtype=dtype)).sum(axis=0).dtype


# -- max_features exactly as scikit-learn ---------------------------------------------


def _is_one_shot(raw_documents: Iterable[Any]) -> bool:
    return iter(raw_documents) is raw_documents


def _most_frequent(
    candidates: NDArray[Any],
    tf: NDArray[Any],
    limit: int,
    alphabetical_order: Callable[[], NDArray[Any]],
) -> NDArray[Any]:
    """The ``limit`` candidates scikit-learn keeps by term frequency.

    scikit-learn runs ``(-tfs[mask]).argsort()[:limit]`` on the term
    frequencies in alphabetical order of the n-grams. numpy's default argsort
    is not stable (and its SIMD kernels differ between CPUs), so which tied
    n-grams at the boundary it keeps depends on the position of every
    candidate, not only of the tied ones. When the boundary is not tied the
    answer is plain; otherwise ``alphabetical_order()`` gives the candidates'
    alphabetical order and the very same argsort is run.
    """
    negated = -tf[candidates]
    ranked = np.sort(negated)
    if ranked[limit - 1] != ranked[limit]:
        return candidates[negated <= ranked[limit - 1]]
    order = alphabetical_order()
    return candidates[order[negated[order].argsort()[:limit]]]


def _candidate_terms(
    raw_documents: Iterable[Any],
    analyze: Callable[[Any], Any],
    hash_terms: Callable[[Sequence[Any]], NDArray[Any]],
    all_hashes: NDArray[Any],
    candidates: NDArray[Any],
) -> NDArray[Any]:
    """The n-gram strings of ``candidates`` (indices into ``all_hashes``), in a second pass.

    Held in a numpy StringDType array, whose sort order is Python's; tokens
    that are not str (a custom analyzer's) in an object array, sorted by their
    own order, as scikit-learn's ``sorted`` does.
    """
    records = as_records(all_hashes)
    position = np.full(len(all_hashes), -1, dtype=np.int64)
    position[candidates] = np.arange(len(candidates))
    terms = np.empty(len(candidates), dtype=np.dtypes.StringDType())
    found = np.zeros(len(candidates), dtype=bool)
    for (chunk_terms,), _ in _term_chunks(raw_documents, analyze):
        hashes = as_records(hash_terms(chunk_terms))
        where = np.searchsorted(records, hashes).clip(max=len(records) - 1)
        if not (records[where] == hashes).all():
            raise RuntimeError("the documents changed between the two passes of fit")
        entries = np.flatnonzero(position[where] >= 0)
        positions, first = np.unique(position[where[entries]], return_index=True)
        new = ~found[positions]
        values = [chunk_terms[i] for i in entries[first[new]]]
        if terms.dtype != object and not all(type(term) is str for term in values):
            terms = terms.astype(object)
        terms[positions[new]] = values
        found[positions] = True
        if found.all():
            return terms
    raise RuntimeError("the documents changed between the two passes of fit")


# -- the estimator ---------------------------------------------------------------------




@with_hash_parameters_doc("n-gram", "n-grams")
class CompressedTextVectorizer(  # type: ignore[call-arg]  # (the sklearn bases are Any)
    DocLinkMixin,
    HashedVocabularyMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,  # like CountVectorizer: no set_output, sparse output always
):
    """Convert texts to token counts or tf-idf, with a hashed vocabulary.

    A drop-in replacement for :class:`~sklearn.feature_extraction.text.CountVectorizer`
    (``tfidf=False``) or :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
    (``tfidf=True``): the n-grams are produced by scikit-learn's own analyzer
    and the output is scikit-learn's matrix with its columns permuted (counts
    bit-identical; normalized tf-idf rows, summed in another column order, can
    differ in the last bits). The vocabulary is a
    :class:`~sklearn_compress.MinimalPerfectHash` of the n-grams (about 3 bits
    per n-gram plus ``fingerprint_bits``) instead of a dict of strings, and
    the idf of each column is a one-byte code into a table of the few
    distinct idf values. No n-gram string is stored.

    The output columns are the hash's slots, in an arbitrary order. To reuse a
    model trained on a scikit-learn vectorizer's columns, build this one with
    :meth:`from_text_vectorizer`, which also returns the column permutation.

    N-grams not seen in :meth:`fit` are ignored, except that the hash cannot
    recognize them for certain: an unseen n-gram is accepted with probability
    ``2**-fingerprint_bits`` and then counts in a random column.

    Parameters
    ----------
    input : {"content", "file", "filename"}, default="content"
        What the documents are, as in CountVectorizer: str or bytes, file
        objects, or file names to read.
    encoding, decode_error, strip_accents, lowercase, preprocessor, tokenizer, \
stop_words, token_pattern, ngram_range, analyzer
        How documents become n-grams, exactly as in CountVectorizer (defaults
        included). Callables are stored as they are: the fitted model then
        depends on that code, and pickling needs them importable (no lambdas).
    max_df, min_df, max_features
        Which n-grams :meth:`fit` keeps, exactly as in CountVectorizer,
        including which n-grams tied in frequency ``max_features`` keeps (this
        may read the documents twice, see Notes).
    vocabulary : Mapping or iterable, default=None
        A fixed vocabulary, checked as in CountVectorizer (a mapping of
        n-grams to indices 0..n-1, or an iterable of distinct n-grams): fit
        hashes its n-grams and keeps no pruning (``min_df``, ``max_df`` and
        ``max_features`` are unused). The output columns are still the hash's
        slots, not the mapping's indices, and after fit the n-grams are known
        only through the hash (``vocabulary_`` does not exist).
    binary : bool, default=False
        Count each n-gram at most once per document.
    dtype : dtype, default=None
        Type of the output. None means ``np.int64`` without tf-idf and
        ``np.float64`` with it, the defaults of CountVectorizer and
        TfidfVectorizer.
    tfidf : bool, default=False
        False: output token counts, as CountVectorizer (``norm``, ``use_idf``,
        ``smooth_idf`` and ``sublinear_tf`` are then unused). True: output
        tf-idf, as TfidfVectorizer with those four parameters.
    norm : {"l1", "l2"} or None, default="l2"
        Row normalization of tf-idf, as in TfidfVectorizer.
    use_idf, smooth_idf, sublinear_tf : bool, default=True, True, False
        As in TfidfVectorizer.
    %(hash_parameters)s

    Attributes
    ----------
    mph_ : MinimalPerfectHash
        The hash of the kept n-grams; ``mph_.lookup(ngrams)`` gives their columns.
    n_features_out_ : int
        Number of output columns (kept n-grams).
    fixed_vocabulary_ : bool
        True if the vocabulary was given (``vocabulary``, or the converted
        vectorizer's), as in CountVectorizer.
    idf_table_ : ndarray of float or None
        The distinct idf values, most used first (None without tf-idf or idf;
        then so are the three arrays below).
    idf_codes_ : ndarray of uint8 or None
        Per column, the index of its idf in ``idf_table_``, or 255 if that
        index is 255 or more and is found in ``idf_overflow_codes_``.
    idf_overflow_columns_ : ndarray of int32 or None
        The columns whose code is 255, sorted (empty if the table has at most
        256 values).
    idf_overflow_codes_ : ndarray of uint16 or uint32 or None
        The index in ``idf_table_`` of each of those columns' idf.

    See Also
    --------
    sklearn.feature_extraction.text.HashingVectorizer : Hashes n-grams into a
        fixed number of columns without fitting, with collisions.
    CompressedVectorizer : The same idea for DictVectorizer.

    Notes
    -----
    :meth:`fit` keeps per distinct n-gram only its hash and two counts. With
    ``max_features``, when n-grams tied in term frequency straddle the
    limit, scikit-learn's choice among them depends on the alphabetical order
    of all the n-grams passing ``min_df``/``max_df`` (an unstable argsort
    runs over them): :meth:`fit` then reads the documents a second time and
    holds those n-grams' strings in a numpy array until the choice is made.
    If the documents are a one-shot iterator (a generator), they cannot be
    read again: the tie is then broken by hash order, with a warning, so the
    selected n-grams may differ from scikit-learn's among the tied ones.

    Without stored n-grams, ``inverse_transform``, ``vocabulary_`` and
    ``stop_words_`` are not available, and :meth:`get_feature_names_out`
    returns generic names.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn_compress import CompressedTextVectorizer
    >>> docs = ["play some jazz", "play the beatles", "stop the music", "stop"]
    >>> ctv = CompressedTextVectorizer(tfidf=True, ngram_range=(1, 2)).fit(docs)
    >>> ctv.n_features_out_  # 7 words and 6 bigrams
    13
    >>> X = ctv.transform(["play jazz now"])
    >>> X.shape
    (1, 13)

    The same values as TfidfVectorizer, columns permuted:

    >>> tv = TfidfVectorizer(ngram_range=(1, 2)).fit(docs)
    >>> ctv, columns = CompressedTextVectorizer.from_text_vectorizer(tv)
    >>> bool(abs(ctv.transform(docs) - tv.transform(docs)[:, columns]).max() < 1e-12)
    True
    """

    _parameter_constraints: dict[str, Any] = {
        **CountVectorizer._parameter_constraints,
        "tfidf": ["boolean"],
        "norm": [StrOptions({"l1", "l2"}), None],
        "use_idf": ["boolean"],
        "smooth_idf": ["boolean"],
        "sublinear_tf": ["boolean"],
        **HashedVocabularyMixin._HASH_CONSTRAINTS,
    }
    _KEYS = "n-grams"
    _STORED = "vocabulary"
    _KEEPS_STRINGS = "CountVectorizer or TfidfVectorizer"
    # Set by fit (or read back from a file).
    fixed_vocabulary_: bool
    idf_table_: NDArray[Any] | None
    _tfidf: Any

    def __init__(
        self,
        *,
        input: str = "content",
        encoding: str = "utf-8",
        decode_error: str = "strict",
        strip_accents: str | Callable[[str], str] | None = None,
        lowercase: bool = True,
        preprocessor: Callable[[Any], str] | None = None,
        tokenizer: Callable[[str], list[Any]] | None = None,
        stop_words: str | list[str] | None = None,
        token_pattern: str | None = r"(?u)\b\w\w+\b",
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: str | Callable[[Any], Iterable[Any]] = "word",
        max_df: float = 1.0,
        min_df: float = 1,
        max_features: int | None = None,
        vocabulary: Any = None,
        binary: bool = False,
        dtype: DTypeLike | None = None,
        tfidf: bool = False,
        norm: str | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
        fingerprint_bits: int = 8,
        gamma: float = 1.0,
        random_state: int | None = 0,
    ) -> None:
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.analyzer = analyzer
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary = vocabulary
        self.binary = binary
        self.dtype = dtype
        self.tfidf = tfidf
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf
        self.fingerprint_bits = fingerprint_bits
        self.gamma = gamma
        self.random_state = random_state

    # -- parameters ------------------------------------------------------------

    @property
    def _count_dtype(self) -> np.dtype[Any]:
        if self.dtype is None:
            return np.dtype(np.float64 if self.tfidf else np.int64)
        return np.dtype(self.dtype)

    def _analysis_vectorizer(self) -> Any:
        return CountVectorizer(**{name: getattr(self, name) for name in _ANALYSIS_PARAMS})

    def _build_analyzer(self, *, fitting: bool) -> Callable[[Any], Any]:
        """scikit-learn's analyzer for these parameters, with its warnings at fit time."""
        analysis = self._analysis_vectorizer()
        if fitting:
            low, high = self.ngram_range
            if low > high:
                raise ValueError(
                    f"Invalid value for ngram_range={self.ngram_range} lower boundary "
                    "larger than the upper boundary."
                )
            warn_for_unused_params(analysis)
            if self.tfidf and self._count_dtype not in FLOAT_DTYPES:
                warnings.warn(
                    f"Only {FLOAT_DTYPES} 'dtype' should be used. {self.dtype} 'dtype' "
                    "will be converted to np.float64.",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            # Stop words were checked against the tokenizer at fit: do not warn again.
            mark_stop_words_validated(analysis)
        return analysis.build_analyzer()

    @staticmethod
    def _check_not_single_string(raw_documents: object) -> None:
        if isinstance(raw_documents, str):
            raise ValueError(
                "Iterable over raw text documents expected, string object received."
            )

    # -- fit -----------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents: Iterable[Any], y: None = None) -> "CompressedTextVectorizer":
        """Learn the hash of the n-grams kept, and their idf.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            Documents. A re-iterable sequence is read once, or twice when
            ``max_features`` must break a tie (see Notes); a generator once.
        y : None
            Ignored.

        Returns
        -------
        self : CompressedTextVectorizer
            The fitted vectorizer.
        """
        self._fit(raw_documents, keep_chunks=False)
        return self

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents: Iterable[Any], y: None = None) -> Any:
        """Fit and transform the documents, analyzing them once.

        Equivalent to ``fit(raw_documents).transform(raw_documents)``, but the
        documents are read (and analyzed) once, so they may be a generator.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            Documents, as in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        X : sparse matrix of shape (n_samples, n_features_out_)
            Token counts or tf-idf.
        """
        return self._weighted(self._fit(raw_documents, keep_chunks=True))

    def _fit(self, raw_documents: Iterable[Any], *, keep_chunks: bool) -> Any:
        """Fit; with ``keep_chunks``, also return the count matrix of the documents."""
        self._check_not_single_string(raw_documents)
        analyze = self._build_analyzer(fitting=True)
        vocabulary = validated_vocabulary(self)
        self.fixed_vocabulary_ = vocabulary is not None
        if self.fixed_vocabulary_:
            return self._fit_fixed_vocabulary(vocabulary, raw_documents, analyze)
        frequencies, n_documents = DistinctHashes(n_counts=2), 0
        chunks: list[tuple[NDArray[Any], NDArray[Any], list[int]]] = []
        for (terms,), row_ends in _term_chunks(raw_documents, analyze):
            unique, inverse = self._hash_distinct(terms)
            frequencies.add(unique, *_chunk_frequencies(inverse, row_ends, len(unique)))
            n_documents += len(row_ends)
            if keep_chunks:
                chunks.append((unique, inverse, row_ends))
        frequencies.result()
        if not len(frequencies.hashes):
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        kept = self._selected(frequencies, n_documents, raw_documents, analyze)
        slots = self._build_hash(frequencies.hashes[kept])
        df = np.empty(len(slots), dtype=np.int64)
        df[slots] = frequencies.counts[0][kept]
        self._fit_tfidf(df, n_documents)
        if not keep_chunks:
            return None
        slot_of_hash = np.full(len(frequencies.hashes), -1, dtype=np.int64)
        slot_of_hash[kept] = slots
        records = as_records(frequencies.hashes)

        def columns_of_chunks() -> Iterator[tuple[NDArray[Any], list[int]]]:
            for unique, inverse, row_ends in chunks:
                yield slot_of_hash[np.searchsorted(records, as_records(unique))][inverse], row_ends

        return self._count_matrix(columns_of_chunks())

    def _hash_given_vocabulary(self) -> None:
        """Before fit, hash the ``vocabulary`` parameter if there is one."""
        if not hasattr(self, "mph_") and self.vocabulary is not None:
            self._build_hash(self._hash(_terms_by_column(validated_vocabulary(self)).tolist()))
            self.fixed_vocabulary_ = True
            self._set_tfidf(None)

    def _fit_fixed_vocabulary(
        self,
        vocabulary: dict[Any, int],
        raw_documents: Iterable[Any],
        analyze: Callable[[Any], Any],
    ) -> Any:
        """Fit the hash of a given vocabulary; return the count matrix of the documents.

        Nothing is pruned, as in CountVectorizer: ``min_df``, ``max_df`` and
        ``max_features`` are unused.
        """
        if self.lowercase and any(isinstance(term, str) and any(map(str.isupper, term))
                                  for term in vocabulary):
            warnings.warn(  # CountVectorizer's warning
                "Upper case characters found in vocabulary while 'lowercase' is True. These "
                "entries will not be matched with any documents", UserWarning, stacklevel=4)
        self._build_hash(self._hash(_terms_by_column(vocabulary).tolist()))
        counts = self._count_matrix(self._columns_of_chunks(raw_documents, analyze))
        self._fit_tfidf(np.bincount(counts.indices, minlength=counts.shape[1]), counts.shape[0])
        return counts

    def _fit_tfidf(self, df: NDArray[Any], n_documents: int) -> None:
        self._set_tfidf(self._new_tfidf()._fit_document_frequency(
            df, n_documents, _float_dtype(self._count_dtype)) if self.tfidf else None)

    def _selected(
        self,
        frequencies: DistinctHashes,
        n_documents: int,
        raw_documents: Iterable[Any],
        analyze: Callable[[Any], Any],
    ) -> NDArray[Any]:
        """Indices of the n-grams CountVectorizer keeps (min_df, max_df, max_features)."""
        df = frequencies.counts[0]
        high = self.max_df if isinstance(self.max_df, Integral) else self.max_df * n_documents
        low = self.min_df if isinstance(self.min_df, Integral) else self.min_df * n_documents
        if high < low:
            raise ValueError("max_df corresponds to < documents than min_df")
        candidates = np.flatnonzero((df <= high) & (df >= low))
        limit = self.max_features
        if limit is not None and len(candidates) > limit:
            tf = self._term_frequencies(frequencies)

            def alphabetical_order() -> NDArray[Any]:
                return self._alphabetical_order(raw_documents, analyze, frequencies, candidates)

            candidates = _most_frequent(candidates, tf, limit, alphabetical_order)
        if not len(candidates):
            raise ValueError(
                "After pruning, no terms remain. Try a lower min_df or a higher max_df."
            )
        return candidates

    def _term_frequencies(self, frequencies: DistinctHashes) -> NDArray[Any]:
        """``X.sum(axis=0)`` of CountVectorizer's matrix, in its dtype."""
        ones = self.binary or self._count_dtype == np.bool_
        df, tf = frequencies.counts
        return (df if ones else tf).astype(_sum_dtype(self._count_dtype))

    def _alphabetical_order(
        self,
        raw_documents: Iterable[Any],
        analyze: Callable[[Any], Any],
        frequencies: DistinctHashes,
        candidates: NDArray[Any],
    ) -> NDArray[Any]:
        if _is_one_shot(raw_documents):
            warnings.warn(
                "max_features must choose among n-grams of equal frequency, which "
                "scikit-learn does by their alphabetical order; the documents are a "
                "one-shot iterator and cannot be read again for the n-grams, so the "
                "choice follows the n-grams' hashes instead. Pass a list to select "
                "exactly scikit-learn's n-grams.",
                UserWarning,
                stacklevel=5,
            )
            return np.arange(len(candidates))
        terms = _candidate_terms(raw_documents, analyze, self._hash, frequencies.hashes,
                                 candidates)
        return np.argsort(terms)

    # -- transform ----------------------------------------------------------------------

    def transform(self, raw_documents: Iterable[Any]) -> Any:
        """Transform documents to token counts or tf-idf; unseen n-grams are ignored.

        Parameters
        ----------
        raw_documents : iterable of str or bytes
            Documents.

        Returns
        -------
        X : sparse matrix of shape (n_samples, n_features_out_)
            Column ``j`` is the n-gram of hash slot ``j``; CSR with sorted
            indices, int32 when they fit.
        """
        if not self.tfidf:
            self._hash_given_vocabulary()  # CountVectorizer transforms with one without fit
        # mph_ is set by fit and load only; check_is_fitted's tag and attribute
        # scan costs ~10 us a call.
        if "mph_" not in self.__dict__:
            check_is_fitted(self)
        self._check_not_single_string(raw_documents)
        analyze = self._build_analyzer(fitting=False)
        return self._weighted(self._count_matrix(self._columns_of_chunks(raw_documents, analyze)))

    def _columns_of_chunks(
        self, raw_documents: Iterable[Any], analyze: Callable[[Any], Any]
    ) -> Iterator[tuple[NDArray[Any], list[int]]]:
        """Yield ``(column of each n-gram or -1, row_ends)`` for chunks of documents."""
        for (terms,), row_ends in _term_chunks(raw_documents, analyze):
            yield self._columns_of_terms(terms), row_ends

    def _columns_of_terms(self, terms: list[Any]) -> NDArray[Any]:
        """The column of each n-gram of a chunk (-1: not in the vocabulary)."""
        if len(terms) <= _DIRECT_TERMS and set(map(type, terms)) <= {str}:
            return self.mph_.lookup(terms)
        hashes, inverse = self._hash_distinct(terms)
        return self.mph_.lookup_hashes(hashes)[inverse]

    def _count_matrix(self, chunks: Iterable[tuple[NDArray[Any], list[int]]]) -> Any:
        """CSR counts in the count dtype from chunks of ``(column or -1, row_ends)``."""
        rows = RowsBuilder()
        for columns, row_ends in chunks:
            rows.add(columns, row_ends)
        return rows.build(self.n_features_out_, self._count_dtype)

    def _weighted(self, counts: Any) -> Any:
        """The output from the count matrix, as CountVectorizer or TfidfVectorizer."""
        X = counts
        if self.binary:
            X.data.fill(1)
        if self._tfidf is not None:
            # The composed step's weighting without its input validation: X is
            # a CSR matrix of the right width (validating costs ~50 us a call).
            X.data = X.data.astype(_float_dtype(X.dtype), copy=False)
            X = self._tfidf._weighted(X)
        return X

    # -- the tf-idf step ------------------------------------------------------------------

    def _new_tfidf(self) -> CompressedTfidfTransformer:
        return CompressedTfidfTransformer(**{name: getattr(self, name) for name in _TFIDF_PARAMS})

    def _set_tfidf(self, tfidf: CompressedTfidfTransformer | None) -> None:
        """Compose the fitted tf-idf step (None without tf-idf).

        Its idf arrays are also attributes of the vectorizer, the ones that
        pickling and :func:`~sklearn_compress.save` store; the step itself is
        rebuilt from them when the vectorizer is read back.
        """
        self._tfidf = tfidf
        for name in IDF_ATTRIBUTES:
            setattr(self, name, None if tfidf is None else getattr(tfidf, name))

    def _restore_tfidf(self) -> CompressedTfidfTransformer | None:
        """The tf-idf step of a vectorizer read back from its idf arrays."""
        if not self.tfidf:
            return None
        tfidf = self._new_tfidf()
        tfidf.n_features_in_ = self.n_features_out_
        for name in IDF_ATTRIBUTES:
            setattr(tfidf, name, getattr(self, name))
        return tfidf

    def __getstate__(self) -> dict[str, Any]:
        # object.__getstate__ may return __dict__ itself: leave it whole.
        state = dict(super().__getstate__())
        state.pop("_tfidf", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Pickles of earlier versions: no vocabulary parameter, a learned vocabulary.
        state = {"vocabulary": None, **state}
        if "mph_" in state:
            state.setdefault("fixed_vocabulary_", False)
        super().__setstate__(state)
        if "mph_" in state:
            self._tfidf = self._restore_tfidf()

    @property
    def idf_(self) -> NDArray[Any]:
        """The idf of each column (only with ``tfidf=True`` and ``use_idf=True``).

        Set it as on a fitted ``TfidfVectorizer``: the new vector (one value
        per column, in the columns' order) replaces the idf of the tf-idf step.
        """
        check_is_fitted(self)
        if self.idf_table_ is None:
            raise AttributeError("idf_ is only defined with tfidf=True and use_idf=True")
        return self._tfidf.idf_

    @idf_.setter
    def idf_(self, value: NDArray[Any] | Sequence[float]) -> None:
        if not self.tfidf:
            raise AttributeError("idf_ is only defined with tfidf=True")
        if not self.use_idf:
            raise ValueError("`idf_` cannot be set when `user_idf=False`.")  # scikit-learn's
        self._hash_given_vocabulary()  # as TfidfVectorizer: idf_ may come with vocabulary
        check_is_fitted(self)
        if len(value) != self.n_features_out_:
            raise ValueError(f"idf length = {len(value)} must be equal to vocabulary size = "
                             f"{self.n_features_out_}")
        tfidf = getattr(self, "_tfidf", None) or self._new_tfidf()
        tfidf.idf_ = value
        tfidf.n_features_in_ = self.n_features_out_
        self._set_tfidf(tfidf)

    # -- analysis, as CountVectorizer ---------------------------------------------------

    def build_analyzer(self) -> Callable[[Any], Any]:
        """A callable that turns a document into its n-grams, as CountVectorizer's.

        Returns
        -------
        analyzer : callable
            Preprocessing, tokenization and n-grams generation.
        """
        return self._analysis_vectorizer().build_analyzer()

    def build_preprocessor(self) -> Callable[[Any], str]:
        """A callable that preprocesses text before tokenization, as CountVectorizer's.

        Returns
        -------
        preprocessor : callable
            Strips accents and lowercases as configured.
        """
        return self._analysis_vectorizer().build_preprocessor()

    def build_tokenizer(self) -> Callable[[str], list[Any]]:
        """A callable that splits a string into tokens, as CountVectorizer's.

        Returns
        -------
        tokenizer : callable
            The tokenizer, or a function using ``token_pattern``.
        """
        return self._analysis_vectorizer().build_tokenizer()

    def get_stop_words(self) -> frozenset[str] | list[str] | None:
        """The effective stop words list, as CountVectorizer's.

        Returns
        -------
        stop_words : frozenset, list or None
            The stop words.
        """
        return self._analysis_vectorizer().get_stop_words()

    def decode(self, doc: str | bytes) -> str:
        """Decode a document to str, as CountVectorizer's ``decode``.

        Parameters
        ----------
        doc : bytes or str
            The document.

        Returns
        -------
        doc : str
            The decoded document.
        """
        return self._analysis_vectorizer().decode(doc)

    def _extra_nbytes(self) -> int:
        return 0 if self._tfidf is None else self._tfidf.nbytes

    # -- conversion ------------------------------------------------------------------------

    @classmethod
    def from_text_vectorizer(
        cls, vectorizer: Any, *, keep: ArrayLike | None = None, **params: Any
    ) -> tuple["CompressedTextVectorizer", NDArray[np.int64]]:
        """Build a fitted vectorizer from a fitted CountVectorizer or TfidfVectorizer.

        Parameters
        ----------
        vectorizer : CountVectorizer or TfidfVectorizer
            Fitted, with ``input="content"``. Its analysis parameters (callables
            included), ``binary``, ``dtype``, and for a TfidfVectorizer its
            tf-idf parameters and idf, are carried over.
        keep : array-like of bool of shape (len(vectorizer.vocabulary_),), default=None
            Which of its columns to keep; the others are ignored at transform
            time like unseen n-grams. Use it to drop the n-grams whose weights
            are all zero. Ignored (all are kept) for a TfidfVectorizer whose
            ``norm`` is not None, whose row norm reads every n-gram. None keeps all.
        **params
            Other parameters of the new vectorizer (``fingerprint_bits``,
            ``gamma``, ``random_state``, ...).

        Returns
        -------
        ctv : CompressedTextVectorizer
            The fitted vectorizer.
        columns : ndarray of int64 of shape (ctv.n_features_out_,)
            ``columns[j]`` is the column of ``vectorizer`` that column ``j`` of
            ``ctv`` replaces: ``ctv.transform(X)`` equals
            ``vectorizer.transform(X)[:, columns]`` (after the row norm over
            the kept columns) and a linear model's weights are carried over as
            ``coef_[:, columns]``.

        Raises
        ------
        ValueError
            If ``vectorizer`` reads files (``input`` is not "content"), or
            ``keep`` is not a boolean mask of the right length.
        """
        check_is_fitted(vectorizer, "vocabulary_")
        if vectorizer.input != "content":
            raise ValueError(
                "CompressedTextVectorizer only reads documents given as content; got a "
                f"vectorizer with input={vectorizer.input!r}"
            )
        tfidf = isinstance(vectorizer, TfidfVectorizer)
        copied = {name: getattr(vectorizer, name) for name in _COPIED_PARAMS}
        if tfidf:
            # The parameters the tf-idf step was fitted with, which transform
            # uses, not the vectorizer's attributes (they may be set after fit).
            fitted_step = fitted_tfidf_step(vectorizer)
            copied.update(fitted_step.get_params())
        ctv = cls(**{**copied, "tfidf": tfidf, **params})
        ctv._validate_params()
        if ctv.tfidf and ctv.norm is not None:
            keep = None  # the row norm sums over every n-gram of a document
        columns = ctv._build_hash_of_columns(_terms_by_column(vectorizer.vocabulary_), keep)
        ctv.fixed_vocabulary_ = vectorizer.fixed_vocabulary_
        ctv._set_tfidf(CompressedTfidfTransformer.from_tfidf_transformer(
            fitted_step, columns) if tfidf else None)
        return ctv, columns

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _terms_by_column(vocabulary: dict[Any, int]) -> NDArray[Any]:
    terms = np.empty(len(vocabulary), dtype=object)
    terms[list(vocabulary.values())] = list(vocabulary.keys())
    return terms


def _rewrite_text_vectorizer(
    step: Any, keep: ArrayLike | None, options: Any
) -> tuple[CompressedTextVectorizer, NDArray[np.int64]]:
    return CompressedTextVectorizer.from_text_vectorizer(step, keep=keep,
                                                         **rewrite_options(options))


def _restore_text_vectorizer(vectorizer: CompressedTextVectorizer) -> None:
    restore_idf(vectorizer)
    # Files written before fixed_vocabulary_ existed: their vocabularies were learned.
    vectorizer.fixed_vocabulary_ = getattr(vectorizer, "fixed_vocabulary_", False)
    vectorizer._tfidf = vectorizer._restore_tfidf()


def _check_text_vectorizer(vectorizer: CompressedTextVectorizer) -> None:
    check_hash_width(vectorizer)
    check_idf_codes(vectorizer, vectorizer.tfidf and vectorizer.use_idf,
                    vectorizer.n_features_out_)


# -- what this module contributes (collected by compose/_compress.py and io/_persist.py)

VECTORIZER_REWRITES = {CountVectorizer: _rewrite_text_vectorizer}  # and TfidfVectorizer
FILE_CODECS = (
    Codec(CompressedTextVectorizer, arrays=IDF_ARRAYS,
          numbers={"n_features_out_": (int, 0, INT_MAX, False),
                   "fixed_vocabulary_": (bool, False, True, True)},
          children=("mph_",), restore=_restore_text_vectorizer, check=_check_text_vectorizer,
          # A given vocabulary lives on as the hash; fixed_vocabulary_ records that it was given.
          fitted_params={"vocabulary": None}),
)
