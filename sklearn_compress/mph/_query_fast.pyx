"""Compiled lookups of the minimal perfect hash: the cascade walk, rank and
fingerprint check of one key or of a batch (the batch without the GIL)."""

import numpy as np

from libc.stdint cimport int64_t, uint32_t, uint64_t

cimport cython

from ._kernels cimport hash_one, skc_cascade, skc_slot_of_one, skc_slots


# Keys of a list are hashed (with the GIL) a block at a time, then the block is
# walked (without it): 8 KB of hashes that stay in L1, one GIL release per block.
cdef enum:
    BLOCK_KEYS = 512


cdef const uint64_t *words_of(const uint64_t[::1] array):
    return &array[0] if array.shape[0] else NULL


@cython.auto_pickle(False)
cdef class CascadeLookup:
    """The lookup kernel over a frozen cascade's arrays (base of MinimalPerfectHash).

    The arrays are read-only and never change after :meth:`_attach`, so any
    number of threads may look up at once.
    """

    cdef skc_cascade cascade
    cdef uint32_t hash_seed
    cdef object arrays  # keeps the memory the cascade points into alive

    def _attach(self, const uint64_t[::1] level_offsets, const uint64_t[::1] level_bits,
                const uint64_t[::1] words, const uint32_t[::1] block_ranks,
                const uint64_t[::1] fingerprints, int fingerprint_bits,
                const uint64_t[:, ::1] fallback, int64_t n_in_levels, uint32_t seed):
        if level_offsets.shape[0] != level_bits.shape[0]:
            raise ValueError("level offsets and sizes differ in length")
        self.arrays = (level_offsets, level_bits, words, block_ranks, fingerprints, fallback)
        self.cascade.level_offsets = words_of(level_offsets)
        self.cascade.level_bits = words_of(level_bits)
        self.cascade.n_levels = level_bits.shape[0]
        self.cascade.words = words_of(words)
        self.cascade.block_ranks = &block_ranks[0] if block_ranks.shape[0] else NULL
        self.cascade.fingerprints = words_of(fingerprints)
        self.cascade.fingerprint_bits = fingerprint_bits
        self.cascade.fallback = &fallback[0, 0] if fallback.shape[0] else NULL
        self.cascade.n_fallback = fallback.shape[0]
        self.cascade.n_in_levels = n_in_levels
        self.hash_seed = seed

    def get(self, key, default=-1):
        """Slot of one key, or ``default`` for a key known not to be a member.

        The single-key path of :meth:`lookup`: hashing and the walk in one
        compiled call, no numpy call.
        """
        cdef uint64_t h1, h2
        hash_one(key, self.hash_seed, &h1, &h2)
        cdef int64_t slot = skc_slot_of_one(&self.cascade, h1, h2)
        return default if slot < 0 else slot

    def _lookup_hashes(self, hashes):
        """Slots of ``(n, 2)`` uint64 hashes (int64 array, -1 for non-members), without the GIL."""
        cdef const uint64_t[:, ::1] rows = np.ascontiguousarray(hashes)
        cdef Py_ssize_t n = rows.shape[0]
        slots = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] out = slots
        if n:
            with nogil:
                skc_slots(&self.cascade, &rows[0, 0], n, &out[0])
        return slots

    @cython.boundscheck(True)  # the list may shrink while the GIL is released
    def _lookup_list(self, list keys):
        """Slots of a list of str/bytes keys, hashed and walked a block at a time.

        One compiled pass over the keys: no (n, 2) array of hashes is written
        and read back, and each block's walk runs without the GIL.
        """
        cdef Py_ssize_t n = len(keys), start, i, size
        cdef uint64_t block[2 * BLOCK_KEYS]
        slots = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] out = slots
        for start in range(0, n, BLOCK_KEYS):
            size = min(BLOCK_KEYS, n - start)
            for i in range(size):
                hash_one(keys[start + i], self.hash_seed, &block[2 * i], &block[2 * i + 1])
            with nogil:
                skc_slots(&self.cascade, block, size, &out[start])
        return slots
