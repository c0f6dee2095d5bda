"""Exact idf values at about one byte per column, for the compressed tf-idf steps."""

from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._tables import Array

__all__ = [
    "IDF_ARRAYS",
    "IDF_ATTRIBUTES",
    "check_idf_codes",
    "decode_idf",
    "encode_idf",
    "idf_from_document_frequency",
    "restore_idf",
]

IDF_ATTRIBUTES = ("idf_table_", "idf_codes_", "idf_overflow_columns_", "idf_overflow_codes_")


def _smallest_uint(n_values: int) -> type[np.unsignedinteger[Any]]:
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_values <= np.iinfo(dtype).max + 1:
            return dtype
    return np.uint64  # pragma: no cover - more than 2**32 distinct idf values


# A one-byte idf code of this value means "look the column up in the overflow".
_OVERFLOW = 255


def encode_idf(
    idf: NDArray[Any],
) -> tuple[NDArray[Any], NDArray[np.uint8], NDArray[np.int32], NDArray[Any]]:
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


def decode_idf(
    columns: NDArray[Any],
    table: NDArray[Any],
    codes: NDArray[Any],
    overflow_columns: NDArray[Any],
    overflow_codes: NDArray[Any],
) -> NDArray[Any]:
    """The idf of ``columns`` from :func:`encode_idf`'s arrays."""
    index = codes[columns]
    if len(overflow_columns):
        index = index.astype(overflow_codes.dtype)
        escaped = np.flatnonzero(index == _OVERFLOW)
        where = np.searchsorted(overflow_columns, columns[escaped])
        index[escaped] = overflow_codes[where]
    return table[index]


def idf_from_document_frequency(
    df: NDArray[Any], n_samples: int, smooth_idf: bool, dtype: DTypeLike
) -> NDArray[Any]:
    """TfidfTransformer.fit's idf, with the same operations in the same dtype.

    The one idf computation of the package: :class:`CompressedTfidfTransformer`
    runs it on the document frequencies of a count matrix, and the text
    vectorizer's tf-idf step on those counted while streaming the documents.
    """
    df = df.astype(dtype)
    df += float(smooth_idf)
    idf = np.full_like(df, fill_value=n_samples + int(smooth_idf), dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


# -- file codec pieces shared by the two tf-idf steps ------------------------------

IDF_ARRAYS = {
    "idf_table_": Array(("float64", "float32"), (1,), optional=True),
    "idf_codes_": Array(("uint8",), (1,), optional=True),
    "idf_overflow_columns_": Array(("int32", "int64"), (1,), optional=True),
    "idf_overflow_codes_": Array(("uint8", "uint16", "uint32"), (1,), optional=True),
}


def restore_idf(step: Any) -> None:
    """Without idf the arrays are None, which the file stores as absent."""
    for name in IDF_ATTRIBUTES:
        setattr(step, name, getattr(step, name, None))


def check_idf_codes(step: Any, has_idf: bool, n_columns: int) -> None:
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
