"""Compiled checks and index rebuilding of the code layouts (see _layouts.py).

Every load of a model runs them over every stored code; as numpy calls
(sum, cumsum, diff, min, max) they took 0.2 ms of a 1.5 ms CLINC150 load in
a fresh process, mostly numpy's first-call setup of each function. Each is
one pass here. The entry points take any integer array and pick the typed
loop by dtype themselves: Cython's dispatch of fused ``def`` functions cost
more (about 0.1 ms on a first call) than the loops.
"""

import numpy as np

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


cdef tuple _range(const integer[::1] values):
    # Branch-free, over a contiguous array: the compiler vectorizes it (as
    # fast as numpy's SIMD min and max together: 155,000 codes in ~10 us).
    cdef Py_ssize_t i
    cdef integer low = values[0], high = values[0], value
    with nogil:
        for i in range(1, values.shape[0]):
            value = values[i]
            low = value if value < low else low
            high = value if value > high else high
    return low, high


cdef bint _increasing(const integer[::1] values, bint strictly) noexcept nogil:
    # Branch-free (vectorized) rather than stopping at the first decrease:
    # stored indexes are increasing, so the whole array is read anyway.
    cdef Py_ssize_t i
    cdef bint increasing = True
    if strictly:
        for i in range(1, values.shape[0]):
            increasing &= values[i] > values[i - 1]
    else:
        for i in range(1, values.shape[0]):
            increasing &= values[i] >= values[i - 1]
    return increasing


cdef uint64_t _total(const integer[::1] counts) noexcept nogil:
    """The sum of non-negative ``counts`` of at most 32 bits (no overflow below 2**31 counts)."""
    cdef Py_ssize_t i
    cdef uint64_t total = 0
    for i in range(counts.shape[0]):
        total += <uint64_t>counts[i]
    return total


cdef uint64_t _bounded_total(const uint64_t[::1] counts, uint64_t limit) noexcept nogil:
    """The sum of 64-bit ``counts``, or ``limit`` if it reaches ``limit`` (never wraps)."""
    cdef Py_ssize_t i
    cdef uint64_t total = 0
    for i in range(counts.shape[0]):
        if counts[i] >= limit - total:
            return limit
        total += counts[i]
    return total


cdef void _cumulative(const integer[::1] counts, int64_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    out[0] = 0
    for i in range(counts.shape[0]):
        out[i + 1] = out[i] + <int64_t>counts[i]


cdef void _cumulative32(const integer[::1] counts, int32_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    out[0] = 0
    for i in range(counts.shape[0]):
        out[i + 1] = out[i] + <int32_t>counts[i]


def _unsupported(values):
    return TypeError(f"expected a 1-D integer array, got {getattr(values, 'dtype', type(values))}")


def value_range(values):
    """``(min, max)`` of a non-empty 1-D integer array, as Python ints."""
    if len(values) == 0:
        raise ValueError("value_range of an empty array")
    values = np.ascontiguousarray(values)
    kind = values.dtype.char
    if kind == "b":
        return _range[int8_t](values)
    if kind == "h":
        return _range[int16_t](values)
    if kind == "B":
        return _range[uint8_t](values)
    if kind == "H":
        return _range[uint16_t](values)
    if kind in "il" and values.dtype.itemsize == 4:
        return _range[int32_t](values)
    if kind in "IL" and values.dtype.itemsize == 4:
        return _range[uint32_t](values)
    if kind in "lq" and values.dtype.itemsize == 8:
        return _range[int64_t](values)
    if kind in "LQ" and values.dtype.itemsize == 8:
        return _range[uint64_t](values)
    raise _unsupported(values)


def is_increasing(values, bint strictly=False):
    """Whether each value of a 1-D integer array is >= (with ``strictly``, >) the one before."""
    values = np.ascontiguousarray(values)
    kind = values.dtype.char
    if kind == "B":
        return _increasing[uint8_t](values, strictly)
    if kind == "H":
        return _increasing[uint16_t](values, strictly)
    if kind in "il" and values.dtype.itemsize == 4:
        return _increasing[int32_t](values, strictly)
    if kind in "IL" and values.dtype.itemsize == 4:
        return _increasing[uint32_t](values, strictly)
    if kind in "lq" and values.dtype.itemsize == 8:
        return _increasing[int64_t](values, strictly)
    if kind in "LQ" and values.dtype.itemsize == 8:
        return _increasing[uint64_t](values, strictly)
    raise _unsupported(values)


def index_from_counts(counts, int64_t int32_max):
    """``[0, c0, c0 + c1, ...]`` of unsigned ``counts``: int32 if the total is at most
    ``int32_max``, else int64.

    ``ValueError`` if the counts add up to 2**62 or more (a corrupted file).
    """
    cdef uint64_t limit = <uint64_t>1 << 62, total
    counts = np.ascontiguousarray(counts)
    kind = counts.dtype.char
    if kind == "B":
        total = _total[uint8_t](counts)
    elif kind == "H":
        total = _total[uint16_t](counts)
    elif kind in "IL" and counts.dtype.itemsize == 4:
        total = _total[uint32_t](counts)
    elif kind in "LQ" and counts.dtype.itemsize == 8:
        total = _bounded_total(counts, limit)
    else:
        raise _unsupported(counts)
    if total >= limit:
        raise ValueError("entry counts add up to more than 2**62")
    if total <= <uint64_t>int32_max:
        indptr = np.empty(len(counts) + 1, dtype=np.int32)
        if kind == "B":
            _cumulative32[uint8_t](counts, indptr)
        elif kind == "H":
            _cumulative32[uint16_t](counts, indptr)
        elif counts.dtype.itemsize == 4:
            _cumulative32[uint32_t](counts, indptr)
        else:
            _cumulative32[uint64_t](counts, indptr)
        return indptr
    indptr = np.empty(len(counts) + 1, dtype=np.int64)
    if kind == "B":
        _cumulative[uint8_t](counts, indptr)
    elif kind == "H":
        _cumulative[uint16_t](counts, indptr)
    elif counts.dtype.itemsize == 4:
        _cumulative[uint32_t](counts, indptr)
    else:
        _cumulative[uint64_t](counts, indptr)
    return indptr
