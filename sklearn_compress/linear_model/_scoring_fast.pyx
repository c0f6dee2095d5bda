"""Compiled scoring of CSR samples with codes stored feature after feature."""

import numpy as np

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t

cimport cython

ctypedef fused code_t:
    int8_t
    int16_t

ctypedef fused offset_t:
    int32_t
    int64_t

ctypedef fused output_t:
    uint8_t
    uint16_t
    uint32_t

ctypedef fused index_t:
    int32_t
    int64_t


@cython.boundscheck(False)
def scattered_scores(const code_t[::1] codes, const offset_t[::1] indptr,
                     const output_t[::1] output_ids, Py_ssize_t n_outputs,
                     const double[:] data, const index_t[:] indices,
                     const index_t[:] row_ptr):
    """Unscaled float64 (n_samples, n_outputs) scores of CSR samples.

    For each sample, each non-zero ``data[k]`` of feature ``j = indices[k]``
    adds ``data[k] * codes[e]`` to output ``output_ids[e]`` for the entries
    ``e`` of feature ``j`` (``indptr[j]:indptr[j + 1]``), in that order: the
    sums of ``np.bincount`` over those products, bit for bit. Runs without
    the GIL; raises ``ValueError`` for a feature or row pointer out of range.
    """
    cdef Py_ssize_t n_samples = row_ptr.shape[0] - 1, n_features = indptr.shape[0] - 1
    cdef Py_ssize_t n_entries = min(codes.shape[0], output_ids.shape[0])
    cdef Py_ssize_t n_nonzeros = min(data.shape[0], indices.shape[0])
    if n_samples < 0:
        raise ValueError("row_ptr must have at least one element")
    scores = np.zeros((n_samples, n_outputs))
    cdef double[:, ::1] out = scores
    cdef Py_ssize_t r, k, e, first, last, start, end, output
    cdef int64_t feature
    cdef double value
    cdef int error = 0
    with nogil:
        for r in range(n_samples):
            first, last = row_ptr[r], row_ptr[r + 1]
            if not 0 <= first <= last <= n_nonzeros:
                error = 1
                break
            for k in range(first, last):
                feature = indices[k]
                if not 0 <= feature < n_features:
                    error = 2
                    break
                value = data[k]
                start, end = indptr[feature], indptr[feature + 1]
                if not 0 <= start <= end <= n_entries:
                    error = 3
                    break
                for e in range(start, end):
                    output = output_ids[e]
                    if output >= n_outputs:
                        error = 3
                        break
                    out[r, output] += value * codes[e]
                if error:
                    break
            if error:
                break
    if error == 1:
        raise ValueError("the samples' row pointers are not monotone within their non-zeros")
    if error == 2:
        raise ValueError(f"a sample has a feature index out of [0, {n_features})")
    if error == 3:
        raise ValueError("the codes' index does not describe the stored entries")
    return scores
