"""Exact idf values at about one byte per column, for the compressed tf-idf steps."""

import numpy as np
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from .._tables import Array

__all__ = [
    "IDF_ARRAYS",
    "IDF_ATTRIBUTES",
    "CompactIdfMixin",
    "check_idf_codes",
    "decode_idf",
    "encode_idf",
    "restore_idf",
]

IDF_ATTRIBUTES = ("idf_table_", "idf_codes_", "idf_overflow_columns_", "idf_overflow_codes_")


def _smallest_uint(n_values):
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_values <= np.iinfo(dtype).max + 1:
            return dtype
    return np.uint64  # pragma: no cover - more than 2**32 distinct idf values


# A one-byte idf code of this value means "look the column up in the overflow".
_OVERFLOW = 255


def encode_idf(idf):
    """The idf of each column as ``(table, codes, overflow_columns, overflow_codes)``.

    idf depends only on the document frequency, so a vocabulary of millions
    of n-grams has a few hundred distinct idf values, and most n-grams share
    the few idf values of rare n-grams. ``table`` holds the distinct values,
    most used first; a column's one-byte code is its value's index in
    ``table`` if below 255, else 255 and the index is in ``overflow_codes``
    at the column's position in the sorted ``overflow_columns``. Exact float
    values at about one byte per column instead of eight.
    """
    values, index, uses = np.unique(idf, return_inverse=True, return_counts=True)
    by_use = np.lexsort((values, -uses))  # most used first; ties by value, deterministic
    rank = np.empty(len(values), dtype=np.int64)
    rank[by_use] = np.arange(len(values))
    full_codes = rank[index]
    if len(values) <= _OVERFLOW + 1:
        overflow = np.zeros(0, dtype=np.int64)
    else:
        overflow = np.flatnonzero(full_codes >= _OVERFLOW)
    codes = np.minimum(full_codes, _OVERFLOW).astype(np.uint8)
    overflow_codes = full_codes[overflow].astype(_smallest_uint(len(values)))
    return values[by_use], codes, overflow.astype(np.int32), overflow_codes


def decode_idf(columns, table, codes, overflow_columns, overflow_codes):
    """The idf of ``columns`` from :func:`encode_idf`'s arrays."""
    index = codes[columns]
    if len(overflow_columns):
        index = index.astype(overflow_codes.dtype)
        escaped = np.flatnonzero(index == _OVERFLOW)
        where = np.searchsorted(overflow_columns, columns[escaped])
        index[escaped] = overflow_codes[where]
    return table[index]



class CompactIdfMixin:
    """Stores a per-column idf (or None) as :func:`encode_idf`'s four arrays.

    A class using it names its column count attribute (``_IDF_WIDTH``) and
    what enables idf (``_IDF_SETTING``, for the error when there is none).
    """

    _IDF_ATTRIBUTES = IDF_ATTRIBUTES

    @property
    def idf_(self):
        """The idf of each column, decoded from ``idf_table_`` and the codes (not stored)."""
        check_is_fitted(self)
        if self.idf_table_ is None:
            raise AttributeError(f"idf_ is only defined with {self._IDF_SETTING}")
        return self._idf_of(np.arange(getattr(self, self._IDF_WIDTH)))

    def _set_idf(self, idf):
        """Store the idf of each column (an array, or None) encoded by :func:`encode_idf`."""
        encoded = encode_idf(idf) if idf is not None else (None,) * len(IDF_ATTRIBUTES)
        for name, value in zip(IDF_ATTRIBUTES, encoded, strict=True):
            setattr(self, name, value)

    def _idf_of(self, columns):
        """The idf of ``columns`` (an integer array), decoded."""
        return decode_idf(columns, *(getattr(self, name) for name in IDF_ATTRIBUTES))

    def _tfidf_weighted(self, X):
        """TfidfTransformer.transform's operations on a CSR matrix of counts, in place.

        Only the idf of the entries' columns is decoded. Needs the estimator's
        ``sublinear_tf`` and ``norm`` parameters.
        """
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf_table_ is not None:
            X.data *= self._idf_of(X.indices)
        if self.norm is not None:
            X = normalize(X, norm=self.norm, copy=False)
        return X

    def _idf_nbytes(self):
        arrays = (getattr(self, name, None) for name in IDF_ATTRIBUTES)
        return sum(array.nbytes for array in arrays if array is not None)


# -- file codec pieces shared by the two tf-idf steps ------------------------------

IDF_ARRAYS = {
    "idf_table_": Array(("float64", "float32"), (1,), optional=True),
    "idf_codes_": Array(("uint8",), (1,), optional=True),
    "idf_overflow_columns_": Array(("int32", "int64"), (1,), optional=True),
    "idf_overflow_codes_": Array(("uint8", "uint16", "uint32"), (1,), optional=True),
}


def restore_idf(step):
    """Without idf the arrays are None, which the file stores as absent."""
    for name in IDF_ATTRIBUTES:
        setattr(step, name, getattr(step, name, None))


def check_idf_codes(step, has_idf, n_columns):
    """Raise ``ValueError`` unless the idf arrays of ``step`` index each other."""
    table, codes = step.idf_table_, step.idf_codes_
    arrays = (table, codes, step.idf_overflow_columns_, step.idf_overflow_codes_)
    if any((a is None) == has_idf for a in arrays):
        raise ValueError("idf arrays must be present exactly when idf is used")
    if not has_idf:
        return
    columns, overflow_codes = step.idf_overflow_columns_, step.idf_overflow_codes_
    if len(codes) != n_columns or (not len(table) and len(codes)):
        raise ValueError(f"{len(codes)} idf codes for {n_columns} columns")
    escaped = np.flatnonzero(codes == 255) if len(columns) else np.zeros(0, dtype=np.int64)
    if len(codes) and codes.max(initial=0) >= len(table) and not len(columns):
        raise ValueError("idf codes beyond the idf table")
    if not np.array_equal(escaped, columns) or len(overflow_codes) != len(columns):
        raise ValueError("idf overflow columns do not match the escaped codes")
    if len(overflow_codes) and overflow_codes.max() >= len(table):
        raise ValueError("idf overflow codes beyond the idf table")
