/* The per-key arithmetic of the minimal perfect hash, in C, shared by the
 * Cython kernels _hashing_fast.pyx (hashing and level positions for the
 * build) and _query_fast.pyx (lookups). Everything here is pure arithmetic on
 * caller-owned memory: no Python objects, safe without the GIL.
 *
 * Bit arrays and packed fields are little-endian uint64 words, as written by
 * _bits.py and _build.py (numpy arrays of dtype "<u8" on a little-endian host).
 */
#ifndef SKC_CASCADE_H
#define SKC_CASCADE_H

#include <stdint.h>
#include <string.h>

#if !defined(__GNUC__) && !defined(__clang__)
#define __attribute__(x)
#endif

static inline uint64_t skc_rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* MurmurHash3's 64-bit finalizer, a bijection with full avalanche. */
static inline uint64_t skc_fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t skc_read64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* unaligned-safe; one load on x86 and arm64 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* MurmurHash3_x64_128 (Austin Appleby, public domain): the same two 64-bit
 * halves as mmh3.hash64(data, seed, signed=False). */
static inline void skc_murmur3_x64_128(const unsigned char *data, uint64_t len,
                                       uint32_t seed, uint64_t *out_h1, uint64_t *out_h2) {
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = seed, h2 = seed, k1, k2;
    const uint64_t n_blocks = len / 16;
    for (uint64_t i = 0; i < n_blocks; i++) {
        k1 = skc_read64(data + 16 * i);
        k2 = skc_read64(data + 16 * i + 8);
        k1 *= c1; k1 = skc_rotl64(k1, 31); k1 *= c2; h1 ^= k1;
        h1 = skc_rotl64(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
        k2 *= c2; k2 = skc_rotl64(k2, 33); k2 *= c1; h2 ^= k2;
        h2 = skc_rotl64(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char *tail = data + 16 * n_blocks;
    k1 = 0;
    k2 = 0;
    switch (len & 15) {
    case 15: k2 ^= (uint64_t)tail[14] << 48; /* fall through */
    case 14: k2 ^= (uint64_t)tail[13] << 40; /* fall through */
    case 13: k2 ^= (uint64_t)tail[12] << 32; /* fall through */
    case 12: k2 ^= (uint64_t)tail[11] << 24; /* fall through */
    case 11: k2 ^= (uint64_t)tail[10] << 16; /* fall through */
    case 10: k2 ^= (uint64_t)tail[9] << 8;   /* fall through */
    case 9:
        k2 ^= (uint64_t)tail[8];
        k2 *= c2; k2 = skc_rotl64(k2, 33); k2 *= c1; h2 ^= k2;
        /* fall through */
    case 8: k1 ^= (uint64_t)tail[7] << 56; /* fall through */
    case 7: k1 ^= (uint64_t)tail[6] << 48; /* fall through */
    case 6: k1 ^= (uint64_t)tail[5] << 40; /* fall through */
    case 5: k1 ^= (uint64_t)tail[4] << 32; /* fall through */
    case 4: k1 ^= (uint64_t)tail[3] << 24; /* fall through */
    case 3: k1 ^= (uint64_t)tail[2] << 16; /* fall through */
    case 2: k1 ^= (uint64_t)tail[1] << 8;  /* fall through */
    case 1:
        k1 ^= (uint64_t)tail[0];
        k1 *= c1; k1 = skc_rotl64(k1, 31); k1 *= c2; h1 ^= k1;
    }
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = skc_fmix64(h1);
    h2 = skc_fmix64(h2);
    h1 += h2;
    h2 += h1;
    *out_h1 = h1;
    *out_h2 = h2;
}

/* Position in [0, n_bits) of a key at a level, from x = h1 + level * h2
 * (see _hashing.py for why one 128-bit hash serves every level). */
static inline uint64_t skc_position(uint64_t x, uint64_t n_bits) {
    return ((skc_fmix64(x) >> 32) * n_bits) >> 32;
}

static inline int skc_popcount64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* The frozen cascade a lookup reads; arrays are owned by the caller. */
typedef struct {
    const uint64_t *level_offsets; /* first bit of each level */
    const uint64_t *level_bits;    /* bits of each level */
    uint64_t n_levels;
    const uint64_t *words;         /* all levels' bits */
    const uint32_t *block_ranks;   /* set bits before each 512-bit block */
    const uint64_t *fingerprints;  /* packed fields of fingerprint_bits bits */
    int fingerprint_bits;
    const uint64_t *fallback;      /* n_fallback sorted (h1, h2) pairs */
    uint64_t n_fallback;
    int64_t n_in_levels;           /* slots of the levels; fallback slots follow */
} skc_cascade;

/* Set bits strictly before `position`: the block's count, then whole words,
 * then the bits below `position` in its own word. */
static inline int64_t skc_rank(const skc_cascade *c, uint64_t position) {
    uint64_t word = position >> 6;
    int64_t total = c->block_ranks[position >> 9];
    for (uint64_t w = word & ~(uint64_t)7; w < word; w++) {
        total += skc_popcount64(c->words[w]);
    }
    uint64_t below = (((uint64_t)1) << (position & 63)) - 1;
    return total + skc_popcount64(c->words[word] & below);
}

/* Field `index` of `width` bits (0 to 32) from words packed by _bits.pack_fields,
 * which leaves one spare word at the end for fields that straddle two words. */
static inline uint64_t skc_field(const uint64_t *words, uint64_t index, int width) {
    if (width == 0) {
        return 0;
    }
    uint64_t start = index * (uint64_t)width;
    uint64_t word = start >> 6, offset = start & 63;
    uint64_t value = words[word] >> offset;
    if (offset + (uint64_t)width > 64) {
        value |= words[word + 1] << (64 - offset);
    }
    return value & ((((uint64_t)1) << width) - 1);
}

/* Index of (h1, h2) in the sorted fallback table, or -1 (binary search). */
static inline int64_t skc_fallback_index(const skc_cascade *c, uint64_t h1, uint64_t h2) {
    uint64_t low = 0, high = c->n_fallback;
    while (low < high) {
        uint64_t middle = low + (high - low) / 2;
        uint64_t m1 = c->fallback[2 * middle], m2 = c->fallback[2 * middle + 1];
        if (m1 < h1 || (m1 == h1 && m2 < h2)) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    if (low < c->n_fallback && c->fallback[2 * low] == h1 && c->fallback[2 * low + 1] == h2) {
        return (int64_t)low;
    }
    return -1;
}

/* Slot of a hashed key, or -1 when the walk or the fingerprint rejects it. */
static inline __attribute__((always_inline)) int64_t skc_slot_of(const skc_cascade *c, uint64_t h1,
                                                                  uint64_t h2) {
    uint64_t x = h1;
    int64_t slot = -1;
    for (uint64_t level = 0; level < c->n_levels; level++, x += h2) {
        uint64_t position = c->level_offsets[level] + skc_position(x, c->level_bits[level]);
        if ((c->words[position >> 6] >> (position & 63)) & 1) {
            slot = skc_rank(c, position);
            break;
        }
    }
    if (slot < 0) {
        int64_t index = skc_fallback_index(c, h1, h2);
        if (index < 0) {
            return -1;
        }
        slot = c->n_in_levels + index;
    }
    int bits = c->fingerprint_bits;
    if (bits && skc_field(c->fingerprints, (uint64_t)slot, bits) != h2 >> (64 - bits)) {
        return -1;
    }
    return slot;
}

/* Slots of n hashed keys (h1, h2 pairs, contiguous). On x86 the loop is also
 * compiled for CPUs with the POPCNT instruction and picked at run time: the
 * portable build calls libgcc's __popcountdi2 for each of a rank's up to 8
 * popcounts. */
#define SKC_SLOTS_BODY                                                         \
    for (uint64_t i = 0; i < n; i++) {                                         \
        out[i] = skc_slot_of(c, hashes[2 * i], hashes[2 * i + 1]);             \
    }

static void skc_slots_portable(const skc_cascade *c, const uint64_t *hashes, uint64_t n,
                               int64_t *out) {
    SKC_SLOTS_BODY
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("popcnt")))
static void skc_slots_popcnt(const skc_cascade *c, const uint64_t *hashes, uint64_t n,
                             int64_t *out) {
    SKC_SLOTS_BODY
}

static inline int skc_cpu_has_popcnt(void) {
    static int has_popcnt = -1; /* a benign race: every thread computes the same value */
    if (has_popcnt < 0) {
        __builtin_cpu_init();
        has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
    }
    return has_popcnt;
}

static inline void skc_slots(const skc_cascade *c, const uint64_t *hashes, uint64_t n,
                             int64_t *out) {
    if (skc_cpu_has_popcnt()) {
        skc_slots_popcnt(c, hashes, n, out);
    } else {
        skc_slots_portable(c, hashes, n, out);
    }
}

__attribute__((target("popcnt")))
static int64_t skc_slot_of_popcnt(const skc_cascade *c, uint64_t h1, uint64_t h2) {
    return skc_slot_of(c, h1, h2);
}

/* skc_slot_of for one key, with the same run-time choice as skc_slots. */
static inline int64_t skc_slot_of_one(const skc_cascade *c, uint64_t h1, uint64_t h2) {
    return skc_cpu_has_popcnt() ? skc_slot_of_popcnt(c, h1, h2) : skc_slot_of(c, h1, h2);
}
#else
#define skc_slots skc_slots_portable
#define skc_slot_of_one skc_slot_of
#endif

#endif
