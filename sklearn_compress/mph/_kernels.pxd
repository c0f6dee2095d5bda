# C declarations of _cascade.h and _keys.h, shared by the mph kernels.
from libc.stdint cimport int64_t, uint32_t, uint64_t


cdef extern from "_cascade.h" nogil:
    ctypedef struct skc_cascade:
        const uint64_t *level_offsets
        const uint64_t *level_bits
        uint64_t n_levels
        const uint64_t *words
        const uint32_t *block_ranks
        const uint64_t *fingerprints
        int fingerprint_bits
        const uint64_t *fallback
        uint64_t n_fallback
        int64_t n_in_levels

    void skc_murmur3_x64_128(const unsigned char *data, uint64_t len, uint32_t seed,
                             uint64_t *out_h1, uint64_t *out_h2)
    uint64_t skc_position(uint64_t x, uint64_t n_bits)
    int64_t skc_slot_of_one(const skc_cascade *c, uint64_t h1, uint64_t h2)
    void skc_slots(const skc_cascade *c, const uint64_t *hashes, uint64_t n, int64_t *out)


cdef extern from "_keys.h":
    int skc_hash_object(object key, uint32_t seed, uint64_t *h1, uint64_t *h2) except -1


cdef inline int hash_one(object key, uint32_t seed, uint64_t *h1, uint64_t *h2) except -1:
    """Hash a str/bytes key into (h1, h2); TypeError naming any other type."""
    if skc_hash_object(key, seed, h1, h2) == -2:
        raise TypeError(f"keys must be str or bytes, got {type(key).__name__}: {key!r:.80}")
    return 0
