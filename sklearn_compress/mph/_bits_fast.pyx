"""Compiled set-bit counts over bit arrays (see _bits.py): one pass, no numpy call.

A model's hash is checked and its rank directory rebuilt on every load; the
numpy version of these counts (popcount, reshape, sum, cumsum, reduceat)
took 0.2 ms of a 1.5 ms load in a fresh process, mostly numpy's first-call
setup of each function; this loop takes about 5 us for 10,000 words.
"""

import numpy as np

from libc.stdint cimport int64_t, uint32_t, uint64_t


cdef extern from "_cascade.h" nogil:
    int skc_popcount64(uint64_t x)


def block_ranks(const uint64_t[::1] words, Py_ssize_t words_per_block):
    """Set bits before each block of ``words_per_block`` words, as uint32.

    ``len(words)`` must be a multiple of ``words_per_block``; ``ValueError``
    if the count reaches ``2**32``.
    """
    cdef Py_ssize_t n_blocks = words.shape[0] // words_per_block, block, w
    cdef uint64_t total = 0, limit = <uint64_t>1 << 32
    if words.shape[0] % words_per_block:
        raise ValueError(f"{words.shape[0]} words are not whole blocks of {words_per_block}")
    ranks = np.empty(n_blocks, dtype=np.uint32)
    cdef uint32_t[::1] out = ranks
    with nogil:
        for block in range(n_blocks):
            if total >= limit:
                break
            out[block] = <uint32_t>total
            for w in range(block * words_per_block, (block + 1) * words_per_block):
                total += skc_popcount64(words[w])
    if total >= limit:
        raise ValueError("more than 2**32 - 1 set bits: too many keys for one hash")
    return ranks


def range_popcounts(const uint64_t[::1] words, bounds):
    """Set bits in ``words[bounds[i]:bounds[i + 1]]`` for each ``i``, as int64.

    ``bounds`` (a sequence of ints) must be non-decreasing within
    ``[0, len(words)]``, else ``ValueError``.
    """
    cdef Py_ssize_t n = len(bounds) - 1, i, w, start, stop
    cdef int64_t count
    counts = np.zeros(max(n, 0), dtype=np.int64)
    cdef int64_t[::1] out = counts
    previous = 0
    for bound in bounds:
        if not previous <= bound <= words.shape[0]:
            raise ValueError(f"bounds {list(bounds)[:8]} are not increasing within "
                             f"{words.shape[0]} words")
        previous = bound
    for i in range(n):
        start, stop = bounds[i], bounds[i + 1]
        count = 0
        for w in range(start, stop):
            count += skc_popcount64(words[w])
        out[i] = count
    return counts
