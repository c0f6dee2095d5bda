"""Compiled CSR assembly of counted entries (the text vectorizer's rows)."""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort


cdef int by_value(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0], y = (<const int64_t *> b)[0]
    return -1 if x < y else (1 if x > y else 0)


def count_rows(const int64_t[::1] columns, const int64_t[::1] row_ends):
    """CSR of the number of times each row holds each column, columns sorted.

    ``columns[i]`` is entry ``i``'s column (< 0: dropped); ``row_ends[r]`` the
    number of entries up to the end of row ``r``. Returns ``(indices, indptr,
    counts)`` as int64 arrays: row ``r``'s distinct columns in increasing
    order and how many of its entries have each.
    """
    cdef Py_ssize_t n = columns.shape[0], n_rows = row_ends.shape[0]
    indices = np.empty(n, dtype=np.int64)
    counts = np.empty(n, dtype=np.int64)
    indptr = np.empty(n_rows + 1, dtype=np.int64)
    cdef int64_t[::1] out_indices = indices, out_counts = counts, out_indptr = indptr
    cdef int64_t *row = <int64_t *> malloc(max(n, 1) * sizeof(int64_t))
    if row == NULL:
        raise MemoryError()
    cdef Py_ssize_t r, i, k, start = 0, end, n_kept, nnz = 0
    try:
        with nogil:
            out_indptr[0] = 0
            for r in range(n_rows):
                end = max(start, min(row_ends[r], n))
                n_kept = 0
                for i in range(start, end):
                    if columns[i] >= 0:
                        row[n_kept] = columns[i]
                        n_kept += 1
                qsort(row, n_kept, sizeof(int64_t), by_value)
                for k in range(n_kept):
                    if k and row[k] == row[k - 1]:
                        out_counts[nnz - 1] += 1
                    else:
                        out_indices[nnz] = row[k]
                        out_counts[nnz] = 1
                        nnz += 1
                out_indptr[r + 1] = nnz
                start = end
    finally:
        free(row)
    return indices[:nnz], indptr, counts[:nnz]
