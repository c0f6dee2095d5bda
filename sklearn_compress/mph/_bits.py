"""Bit-level storage: a rank directory over bit arrays, and packed bit fields.

Bit arrays are little-endian uint64 words; bit ``p`` is ``words[p >> 6] >> (p & 63)``.
The rank directory holds one count per 512-bit block (8 words): the number of
set bits before the block. At 32 bits per 512 that adds 1/16 bit per bit, and a
rank costs one block count plus the popcount of at most 8 words.
"""

import numpy as np

__all__ = [
    "WORDS_PER_BLOCK",
    "field_at",
    "field_reader",
    "fields_at",
    "pack_fields",
    "rank",
    "rank_directory",
]

WORDS_PER_BLOCK = 8
_ONE = np.uint64(1)
_NATIVE_FIELD_DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32}
_EVEN_BYTES = np.uint64(0x00FF_00FF_00FF_00FF)
# Multiplying by this sums the four 16-bit lanes of a word into its top lane.
_SUM_16BIT_LANES = np.uint64(0x0001_0001_0001_0001)


def rank_directory(words):
    """Set bits before each 512-bit block; ``len(words)`` must be a multiple of 8."""
    per_block = np.bitwise_count(words).reshape(-1, WORDS_PER_BLOCK).sum(axis=1, dtype=np.int64)
    before = np.concatenate(([0], np.cumsum(per_block)[:-1])) if len(per_block) else per_block
    dtype = np.uint32 if per_block.sum() < 2**32 else np.uint64
    return before.astype(dtype)


def rank(words, block_ranks, positions):
    """Number of set bits strictly before each position (int64 array)."""
    block = positions >> np.uint64(6 + 3)
    word_index = positions >> np.uint64(6)
    # take() copies the 64-byte rows about twice as fast as fancy indexing.
    rows = np.take(words.reshape(-1, WORDS_PER_BLOCK), block, axis=0)
    total = block_ranks[block].astype(np.int64)
    total += _count_words_before(rows, word_index & np.uint64(WORDS_PER_BLOCK - 1))
    below_bit = np.left_shift(_ONE, positions & np.uint64(63))
    below_bit -= _ONE
    below_bit &= words[word_index]
    total += np.bitwise_count(below_bit)
    return total


def _count_words_before(rows, word_in_block):
    """Set bits in ``rows[i, :word_in_block[i]]`` for each row (int64 view of a uint64 array).

    The 8 popcounts of a row (each <= 64) are 8 bytes, read as one uint64 with
    word ``j`` in byte ``j``: a mask keeps the bytes of the earlier words, and a
    multiply adds them up. The sum can reach 7 * 64 > 255, so byte pairs are
    first added into 16-bit lanes. This avoids a reduction along a length-8
    axis, which numpy does slowly.
    """
    lanes = np.bitwise_count(rows).view(np.uint64).ravel()
    keep = word_in_block << np.uint64(3)
    np.left_shift(_ONE, keep, out=keep)
    keep -= _ONE
    lanes &= keep
    odd_bytes = lanes >> np.uint64(8)
    odd_bytes &= _EVEN_BYTES
    lanes &= _EVEN_BYTES
    lanes += odd_bytes
    lanes *= _SUM_16BIT_LANES
    lanes >>= np.uint64(48)
    return lanes.view(np.int64)


def pack_fields(values, width):
    """Pack unsigned ``values`` of ``width`` bits each into uint64 words.

    Field ``i`` occupies bits ``[i * width, (i + 1) * width)``. One spare word
    at the end lets readers fetch two words for a field that straddles them.
    For widths 8, 16 and 32 the layout is that of a plain uint8/16/32 array.
    """
    n_words = (len(values) * width + 63) // 64 + 1
    words = np.zeros(n_words, dtype=np.uint64)
    if width == 0 or len(values) == 0:
        return words
    native = _NATIVE_FIELD_DTYPES.get(width)
    if native is not None:
        words.view(native)[: len(values)] = values
        return words
    values = np.asarray(values, dtype=np.uint64)
    start = np.arange(len(values), dtype=np.uint64) * np.uint64(width)
    word, offset = start >> np.uint64(6), start & np.uint64(63)
    np.bitwise_or.at(words, word, values << offset)
    # The high part spills into the next word; two shifts avoid a shift by 64.
    spill = (values >> _ONE) >> (np.uint64(63) - offset)
    np.bitwise_or.at(words, word + _ONE, spill)
    return words


def fields_at(words, index, width):
    """Fields at ``index`` (an integer array) of words packed by :func:`pack_fields`."""
    native = _NATIVE_FIELD_DTYPES.get(width)
    if native is not None:
        return words.view(native)[index].astype(np.uint64)
    if width == 0:
        return np.zeros(len(index), dtype=np.uint64)
    start = np.asarray(index, dtype=np.uint64) * np.uint64(width)
    word, offset = start >> np.uint64(6), start & np.uint64(63)
    low = words[word] >> offset
    high = (words[word + _ONE] << _ONE) << (np.uint64(63) - offset)
    return (low | high) & np.uint64((1 << width) - 1)


def field_reader(words, width):
    """A function ``index -> int`` reading fields of ``width`` bits, without numpy calls.

    Byte-aligned widths index a typed ``memoryview`` directly (what one-key
    lookups pay per key); other widths go through :func:`field_at`.
    """
    native = _NATIVE_FIELD_DTYPES.get(width)
    if native is not None:
        return memoryview(words.view(native)).__getitem__
    view = memoryview(words)
    return lambda index: field_at(view, index, width)


def field_at(words_view, index, width):
    """One field from a ``memoryview`` of the words (format ``Q``), as an int."""
    if width == 0:
        return 0
    start = index * width
    word, offset = start >> 6, start & 63
    value = words_view[word] >> offset
    if offset + width > 64:
        value |= words_view[word + 1] << (64 - offset)
    return value & ((1 << width) - 1)
