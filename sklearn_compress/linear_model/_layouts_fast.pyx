"""Compiled checks and index rebuilding of the code layouts (see _layouts.py).

Every load of a model runs them over every stored code; as numpy calls
(sum, cumsum, diff, min, max) they took 0.2 ms of a 1.5 ms CLINC150 load in
a fresh process, mostly numpy's first-call setup of each function. Each is
one pass here. The entry points take any contiguous integer array, pick the
typed loop by dtype themselves and read it through the plain buffer
protocol: Cython's fused ``def`` dispatch and its typed memoryviews cost
more on a first call (about 25 us per module) than these loops.
"""

import numpy as np

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

ctypedef fused integer:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t


cdef tuple _range(const integer *values, Py_ssize_t n):
    # Branch-free: the compiler vectorizes it (155,000 codes in ~10 us).
    cdef Py_ssize_t i
    cdef integer low = values[0], high = values[0], value
    with nogil:
        for i in range(1, n):
            value = values[i]
            low = value if value < low else low
            high = value if value > high else high
    return low, high


cdef bint _increasing(const integer *values, Py_ssize_t n, bint strictly) noexcept nogil:
    # Branch-free (vectorized) rather than stopping at the first decrease:
    # stored indexes are increasing, so the whole array is read anyway.
    cdef Py_ssize_t i
    cdef bint increasing = True
    if strictly:
        for i in range(1, n):
            increasing &= values[i] > values[i - 1]
    else:
        for i in range(1, n):
            increasing &= values[i] >= values[i - 1]
    return increasing


cdef object _index(const integer *counts, Py_ssize_t n, int64_t int32_max):
    """``[0, c0, c0 + c1, ...]`` of non-negative counts (see :func:`index_from_counts`)."""
    cdef Py_ssize_t i
    cdef uint64_t total = 0, limit = <uint64_t>1 << 62
    cdef Py_buffer out
    cdef bint small
    with nogil:
        for i in range(n):
            # (32-bit counts cannot reach the limit below 2**30 of them; 64-bit ones can)
            if integer is uint64_t:
                if counts[i] >= limit - total:
                    total = limit
                    break
            total += <uint64_t>counts[i]
    if total >= limit:
        raise ValueError("entry counts add up to more than 2**62")
    small = total <= <uint64_t>int32_max
    indptr = np.empty(n + 1, dtype=np.int32 if small else np.int64)
    PyObject_GetBuffer(indptr, &out, PyBUF_C_CONTIGUOUS)
    cdef int32_t *out32 = <int32_t *>out.buf
    cdef int64_t *out64 = <int64_t *>out.buf
    with nogil:
        if small:
            out32[0] = 0
            for i in range(n):
                out32[i + 1] = out32[i] + <int32_t>counts[i]
        else:
            out64[0] = 0
            for i in range(n):
                out64[i + 1] = out64[i] + <int64_t>counts[i]
    PyBuffer_Release(&out)
    return indptr


# What each entry point computes over the typed data (see _apply).
cdef enum Operation:
    RANGE, INCREASING, STRICTLY_INCREASING, INDEX


cdef object _run(const integer *values, Py_ssize_t n, Operation operation, int64_t int32_max):
    if operation == RANGE:
        return _range(values, n)
    if operation == INDEX:
        return _index(values, n, int32_max)
    return _increasing(values, n, operation == STRICTLY_INCREASING)


cdef class _Contiguous:
    """A contiguous 1-D integer array's data and one-letter type code, held while in use."""

    cdef Py_buffer view
    cdef const void *data
    cdef Py_ssize_t n
    cdef str code

    def __cinit__(self, values):
        if getattr(values, "ndim", None) != 1 or values.dtype.kind not in "iu":
            raise TypeError(f"expected a 1-D integer array, got "
                            f"{getattr(values, 'dtype', type(values).__name__)}")
        PyObject_GetBuffer(np.ascontiguousarray(values), &self.view, PyBUF_C_CONTIGUOUS)
        self.data = self.view.buf
        self.n = values.shape[0]
        self.code = f"{values.dtype.kind}{values.dtype.itemsize}"

    def __dealloc__(self):
        PyBuffer_Release(&self.view)


cdef object _apply(_Contiguous a, Operation operation, int64_t int32_max=0):
    """``operation`` over ``a``'s data read as its own integer type."""
    if a.code == "i1":
        return _run(<const int8_t *>a.data, a.n, operation, int32_max)
    if a.code == "i2":
        return _run(<const int16_t *>a.data, a.n, operation, int32_max)
    if a.code == "i4":
        return _run(<const int32_t *>a.data, a.n, operation, int32_max)
    if a.code == "i8":
        return _run(<const int64_t *>a.data, a.n, operation, int32_max)
    if a.code == "u1":
        return _run(<const uint8_t *>a.data, a.n, operation, int32_max)
    if a.code == "u2":
        return _run(<const uint16_t *>a.data, a.n, operation, int32_max)
    if a.code == "u4":
        return _run(<const uint32_t *>a.data, a.n, operation, int32_max)
    return _run(<const uint64_t *>a.data, a.n, operation, int32_max)


def value_range(values):
    """``(min, max)`` of a non-empty 1-D integer array, as Python ints."""
    cdef _Contiguous a = _Contiguous(values)
    if a.n == 0:
        raise ValueError("value_range of an empty array")
    return _apply(a, RANGE)


def is_increasing(values, bint strictly=False):
    """Whether each value of a 1-D integer array is >= (with ``strictly``, >) the one before."""
    return _apply(_Contiguous(values), STRICTLY_INCREASING if strictly else INCREASING)


def index_from_counts(counts, int64_t int32_max):
    """``[0, c0, c0 + c1, ...]`` of unsigned ``counts``: int32 if the total is at most
    ``int32_max``, else int64.

    ``ValueError`` if the counts add up to 2**62 or more (a corrupted file).
    """
    cdef _Contiguous a = _Contiguous(counts)
    if a.code[0] != "u":
        raise TypeError(f"entry counts must be unsigned, got {counts.dtype}")
    return _apply(a, INDEX, int32_max)
