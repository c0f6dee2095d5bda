"""Compiled set-bit counts over bit arrays (see _bits.py): one pass, no numpy call.

A model's hash is checked and its rank directory rebuilt on every load; the
numpy version of these counts (popcount, reshape, sum, cumsum, reduceat)
took 0.2 ms of a 1.5 ms load in a fresh process, mostly numpy's first-call
setup of each function; this loop takes about 5 us for 10,000 words.
"""

import numpy as np

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBuffer_Release, PyObject_GetBuffer
from libc.math cimport ceil
from libc.stdint cimport int64_t, uint32_t, uint64_t


cdef extern from "_cascade.h" nogil:
    int skc_popcount64(uint64_t x)


cdef class _Words:
    """A contiguous uint64 array's data, held while in use (the plain buffer
    protocol: a typed memoryview's first use in a process costs ~20 us)."""

    cdef Py_buffer view
    cdef const uint64_t *data
    cdef Py_ssize_t n

    def __cinit__(self, words):
        if getattr(words, "dtype", None) != np.uint64 or words.ndim != 1:
            raise TypeError(f"expected a 1-D uint64 array, got "
                            f"{getattr(words, 'dtype', type(words).__name__)}")
        PyObject_GetBuffer(np.ascontiguousarray(words), &self.view, PyBUF_C_CONTIGUOUS)
        self.data = <const uint64_t *>self.view.buf
        self.n = words.shape[0]

    def __dealloc__(self):
        PyBuffer_Release(&self.view)


def block_ranks(words, Py_ssize_t words_per_block):
    """Set bits before each block of ``words_per_block`` words, as uint32.

    ``len(words)`` must be a multiple of ``words_per_block``; ``ValueError``
    if the count reaches ``2**32``.
    """
    cdef _Words w = _Words(words)
    cdef Py_ssize_t n_blocks = w.n // words_per_block, block, i
    cdef uint64_t total = 0, limit = <uint64_t>1 << 32
    if w.n % words_per_block:
        raise ValueError(f"{w.n} words are not whole blocks of {words_per_block}")
    ranks = np.empty(n_blocks, dtype=np.uint32)
    cdef Py_buffer out
    PyObject_GetBuffer(ranks, &out, PyBUF_C_CONTIGUOUS)
    cdef uint32_t *rank = <uint32_t *>out.buf
    with nogil:
        for block in range(n_blocks):
            if total >= limit:
                break
            rank[block] = <uint32_t>total
            for i in range(block * words_per_block, (block + 1) * words_per_block):
                total += skc_popcount64(w.data[i])
    PyBuffer_Release(&out)
    if total >= limit:
        raise ValueError("more than 2**32 - 1 set bits: too many keys for one hash")
    return ranks


def range_popcounts(words, bounds):
    """Set bits in ``words[bounds[i]:bounds[i + 1]]`` for each ``i``, as a list of ints.

    ``bounds`` (a sequence of ints) must be non-decreasing within
    ``[0, len(words)]``, else ``ValueError``.
    """
    cdef _Words w = _Words(words)
    cdef Py_ssize_t i, j, start, stop
    cdef int64_t count
    previous = 0
    for bound in bounds:
        if not previous <= bound <= w.n:
            raise ValueError(f"bounds {list(bounds)[:8]} are not increasing within "
                             f"{w.n} words")
        previous = bound
    counts = []
    for i in range(len(bounds) - 1):
        start, stop = bounds[i], bounds[i + 1]
        count = 0
        with nogil:
            for j in range(start, stop):
                count += skc_popcount64(w.data[j])
        counts.append(count)
    return counts


def fitted_level_popcounts(words, level_bits, int64_t n_keys, int64_t n_fallback, double gamma,
                           int64_t words_per_block, int64_t max_level_bits):
    """Set bits of each level, or None: the fast path of ``_format.check_cascade``.

    A list only where the levels are exactly what the builder makes for
    ``n_keys`` keys (``n_fallback`` of them in the fallback table): positive
    multiples of 64 bits, each sized ``level_size(keys left, gamma)``, the
    words whole blocks holding them with no padding bit set, the set bits
    and fallback keys adding up to ``n_keys``. None for anything else, so
    that the Python checks name the defect. One pass over the words; in
    Python (a list, a generator per check, a ``level_size`` call per level)
    the same checks took about 40 us of a fresh process's load.
    """
    cdef _Words w = _Words(words), levels = _Words(level_bits)
    cdef Py_ssize_t level, i, start = 0
    cdef uint64_t n_bits, used = 0
    cdef int64_t unplaced = n_keys, placed, total = 0
    cdef double wanted
    for level in range(levels.n):
        n_bits = levels.data[level]
        if n_bits == 0 or n_bits % 64:
            return None
        used += n_bits // 64
        if used > <uint64_t>w.n:
            return None
    if <uint64_t>w.n != (used + words_per_block - 1) // words_per_block * words_per_block:
        return None
    counts = []
    for level in range(levels.n):
        n_bits = levels.data[level]
        wanted = gamma * <double>unplaced
        if unplaced <= 0 or wanted != wanted or ceil(wanted) > <double>max_level_bits or (
                (<int64_t>ceil(wanted) + 63) // 64 * 64 != <int64_t>n_bits):
            return None
        placed = 0
        for i in range(start, start + <Py_ssize_t>(n_bits // 64)):
            placed += skc_popcount64(w.data[i])
        start += n_bits // 64
        unplaced -= placed
        total += placed
        counts.append(placed)
    for i in range(start, w.n):
        if w.data[i]:
            return None
    if total + n_fallback != n_keys:
        return None
    return counts
