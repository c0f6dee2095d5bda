"""Compiled CSR assembly of looked-up feature columns (the dict vectorizer's rows)."""

import numpy as np

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, qsort

cimport cython


cdef struct entry:
    int64_t column
    int64_t position  # index of the entry in its chunk: ties keep input order


cdef int by_column(const void *a, const void *b) noexcept nogil:
    cdef const entry *x = <const entry *> a
    cdef const entry *y = <const entry *> b
    if x.column != y.column:
        return -1 if x.column < y.column else 1
    return -1 if x.position < y.position else (1 if x.position > y.position else 0)


@cython.boundscheck(False)
def csr_structure(const int64_t[::1] columns, const int64_t[::1] row_ends):
    """CSR structure of rows of entries, columns sorted and repeats merged.

    ``columns[i]`` is entry ``i``'s column (< 0: dropped); ``row_ends[r]`` the
    number of entries up to the end of row ``r``. Returns ``(indices, indptr,
    target, n_repeats)``: ``target[i]`` is the output position that entry
    ``i``'s value goes to (-1 when dropped), several entries sharing one
    position when a row repeats a column (``n_repeats`` counts them).
    """
    cdef Py_ssize_t n = columns.shape[0], n_rows = row_ends.shape[0]
    indices = np.empty(n, dtype=np.int64)
    indptr = np.empty(n_rows + 1, dtype=np.int64)
    target = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] out_indices = indices, out_indptr = indptr, out_target = target
    cdef entry *row = <entry *> malloc(max(n, 1) * sizeof(entry))
    if row == NULL:
        raise MemoryError()
    cdef Py_ssize_t r, i, k, start = 0, end, n_kept, nnz = 0, n_repeats = 0
    try:
        with nogil:
            out_indptr[0] = 0
            for r in range(n_rows):
                end = row_ends[r]
                n_kept = 0
                for i in range(start, end):
                    if columns[i] < 0:
                        out_target[i] = -1
                    else:
                        row[n_kept].column = columns[i]
                        row[n_kept].position = i
                        n_kept += 1
                qsort(row, n_kept, sizeof(entry), by_column)
                for k in range(n_kept):
                    if k and row[k].column == row[k - 1].column:
                        n_repeats += 1
                    else:
                        out_indices[nnz] = row[k].column
                        nnz += 1
                    out_target[row[k].position] = nnz - 1
                out_indptr[r + 1] = nnz
                start = end
    finally:
        free(row)
    return indices[:nnz], indptr, target, n_repeats
