"""A TfidfTransformer whose idf takes about one byte per column."""

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted, validate_data

from .._doc_link import DocLinkMixin
from .._sklearn_compat import (
    align_api_if_sparse,
    fit_context,
    inplace_csr_row_normalize_l1,
    inplace_csr_row_normalize_l2,
)
from .._tables import N_FEATURES_IN, Codec, StepRewrite
from ._idf import (
    IDF_ARRAYS,
    IDF_ATTRIBUTES,
    check_idf_codes,
    decode_idf,
    encode_idf,
    idf_from_document_frequency,
    restore_idf,
)

__all__ = ["CompressedTfidfTransformer"]


class CompressedTfidfTransformer(  # type: ignore[call-arg]  # (TfidfTransformer is Any)
    DocLinkMixin, TfidfTransformer, auto_wrap_output_keys=None
):
    """:class:`~sklearn.feature_extraction.text.TfidfTransformer` with a compact idf.

    The same parameters and exactly the same output, but the idf of each column
    is kept as a one-byte code into a table of its distinct values (idf only
    depends on a column's document frequency, so there are few), about one
    byte per column instead of eight. :func:`compress` puts one in place of a
    fitted ``TfidfTransformer``.

    Parameters
    ----------
    norm : {"l1", "l2"} or None, default="l2"
        Row normalization, as in ``TfidfTransformer``.
    use_idf : bool, default=True
        Enable inverse-document-frequency reweighting.
    smooth_idf : bool, default=True
        Add one to document frequencies, as if an extra document held every term.
    sublinear_tf : bool, default=False
        Replace tf with 1 + log(tf).

    Attributes
    ----------
    idf_ : ndarray of shape (n_features_in_,)
        The idf vector, decoded on request (only with ``use_idf=True``).
        Setting it stores the new vector encoded, as setting ``idf_`` on a
        ``TfidfTransformer`` replaces its idf.
    idf_table_, idf_codes_, idf_overflow_columns_, idf_overflow_codes_ : ndarray or None
        The stored encoding of ``idf_`` (None without idf).
    n_features_in_ : int
        Number of columns.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfTransformer
    >>> from sklearn_compress import CompressedTfidfTransformer
    >>> counts = [[3, 0, 1], [2, 0, 0], [3, 0, 0], [4, 0, 0], [3, 2, 0]]
    >>> compact = CompressedTfidfTransformer().fit(counts)
    >>> reference = TfidfTransformer().fit(counts)
    >>> bool((compact.idf_ == reference.idf_).all())
    True
    >>> bool((compact.transform(counts) != reference.transform(counts)).nnz == 0)
    True
    """

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: None = None) -> "CompressedTfidfTransformer":
        """Learn the idf vector, as ``TfidfTransformer.fit`` does.

        Parameters
        ----------
        X : sparse matrix of shape (n_samples, n_features)
            Counts.
        y : None
            Ignored.

        Returns
        -------
        self : CompressedTfidfTransformer
            The fitted transformer.
        """
        X = validate_data(self, X, accept_sparse=("csr", "csc"))
        if not sp.issparse(X):
            X = sp.csr_array(X)
        dtype = X.dtype if X.dtype in (np.float64, np.float32) else np.dtype(np.float64)
        return self._fit_document_frequency(_document_frequency(X), X.shape[0], dtype)

    def _fit_document_frequency(
        self, df: NDArray[Any], n_samples: int, dtype: DTypeLike
    ) -> "CompressedTfidfTransformer":
        """Fit from the number of samples in which each column is nonzero."""
        self.n_features_in_ = len(df)
        self._set_idf(idf_from_document_frequency(df, n_samples, self.smooth_idf, dtype)
                      if self.use_idf else None)
        return self

    @classmethod
    def from_tfidf_transformer(
        cls, transformer: Any, columns: ArrayLike
    ) -> "CompressedTfidfTransformer":
        """A fitted copy of ``transformer`` whose column ``k`` is its column ``columns[k]``."""
        check_is_fitted(transformer)
        compact = cls(**transformer.get_params())
        columns = np.asarray(columns, dtype=np.int64)
        idf = getattr(transformer, "idf_", None) if transformer.use_idf else None
        compact._set_idf(None if idf is None else idf[columns])
        compact.n_features_in_ = len(columns)
        return compact

    # -- the idf, stored as encode_idf's four arrays ------------------------------------

    @property
    def idf_(self) -> NDArray[Any]:
        """The idf of each column, decoded from ``idf_table_`` and the codes (not stored)."""
        check_is_fitted(self)
        if self.idf_table_ is None:
            raise AttributeError("idf_ is only defined with use_idf=True")
        return self._idf_of(np.arange(len(self.idf_codes_)))

    @idf_.setter
    def idf_(self, value: ArrayLike) -> None:
        value = np.asarray(value)
        self._set_idf(value if value.dtype in (np.float64, np.float32)
                      else value.astype(np.float64))

    def _set_idf(self, idf: NDArray[Any] | None) -> None:
        """Store the idf of each column (an array, or None) encoded by :func:`encode_idf`."""
        encoded: tuple[NDArray[Any] | None, ...] = (
            encode_idf(idf) if idf is not None else (None,) * len(IDF_ATTRIBUTES)
        )
        for name, value in zip(IDF_ATTRIBUTES, encoded, strict=True):
            setattr(self, name, value)

    def _idf_of(self, columns: NDArray[Any]) -> NDArray[Any]:
        """The idf of ``columns`` (an integer array), decoded."""
        return decode_idf(columns, *(getattr(self, name) for name in IDF_ATTRIBUTES))

    def _weighted(self, X: Any) -> Any:
        """TfidfTransformer.transform's operations on a CSR matrix of counts, in place.

        Only the idf of the entries' columns is decoded.
        """
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf_table_ is not None:
            X.data *= self._idf_of(X.indices)
        if self.norm is not None:
            X = _normalize_rows(X, self.norm)
        return X

    def transform(self, X: Any, copy: bool = True) -> Any:
        """Tf-idf of a count matrix, exactly as ``TfidfTransformer.transform``.

        Parameters
        ----------
        X : sparse matrix of shape (n_samples, n_features)
            Counts.
        copy : bool, default=True
            Copy X before working on it (only a CSR input can be worked on in place).

        Returns
        -------
        vectors : sparse matrix of shape (n_samples, n_features)
            The tf-idf weighted matrix.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32],
                          copy=copy, reset=False)
        if not sp.issparse(X):
            X = sp.csr_array(X, dtype=X.dtype)
        return align_api_if_sparse(self._weighted(X))

    @property
    def nbytes(self) -> int:
        """Bytes of the stored idf arrays."""
        check_is_fitted(self)
        arrays = (getattr(self, name, None) for name in IDF_ATTRIBUTES)
        return sum(array.nbytes for array in arrays if array is not None)


def _normalize_rows(X: Any, norm: str) -> Any:
    """``normalize(X, norm=norm, copy=False)`` of a CSR matrix.

    The very kernel ``normalize`` runs, in place, without its ``check_array``
    (1 us against 40-240 us a call for one row, most of it looking for
    dataframes). No rows, read-only or non-finite values still go through
    ``normalize``, for its error or copy.
    """
    if not (X.shape[0] and X.data.flags.writeable and np.isfinite(X.data).all()):
        return normalize(X, norm=norm, copy=False)
    if norm == "l2":
        inplace_csr_row_normalize_l2(X)
    else:
        inplace_csr_row_normalize_l1(X)
    return X


def _document_frequency(X: Any) -> NDArray[Any]:
    """The number of rows in which each column of a CSR or CSC matrix is nonzero."""
    if X.format == "csr":
        return np.bincount(X.indices, minlength=X.shape[1])
    return np.diff(X.indptr)


def _rewrite_tfidf_transformer(step: Any, features: NDArray[Any]) -> StepRewrite:
    # The same transformer with its idf re-indexed and stored as one-byte codes.
    new = CompressedTfidfTransformer.from_tfidf_transformer(step, features)
    # Without a row norm or a log, tf-idf only multiplies each column by its idf.
    linear = step.norm is None and not step.sublinear_tf
    scale = None
    if linear:
        scale = new.idf_ if new.idf_table_ is not None else np.ones(len(features))
    return StepRewrite(new, column_scale=scale, column_wise=linear)


def _check_idf_width(transformer: Any) -> None:
    check_idf_codes(transformer, transformer.use_idf, transformer.n_features_in_)


# -- what this module contributes (collected by compose/_compress.py and io/_persist.py)

STEP_REWRITES = {TfidfTransformer: _rewrite_tfidf_transformer}
FILE_CODECS = (
    Codec(CompressedTfidfTransformer, arrays=IDF_ARRAYS, numbers=N_FEATURES_IN,
          restore=restore_idf, check=_check_idf_width),
)
