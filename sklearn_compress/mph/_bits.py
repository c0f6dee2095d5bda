"""Bit-level storage: a rank directory over bit arrays, and packed bit fields.

Bit arrays are little-endian uint64 words; bit ``p`` is ``words[p >> 6] >> (p & 63)``.
The rank directory holds one count per 512-bit block (8 words): the number of
set bits before the block. At 32 bits per 512 that adds 1/16 bit per bit, and a
rank costs one block count plus the popcount of at most 8 words (``skc_rank``
in ``_cascade.h``, as is reading a packed field, ``skc_field``).
"""

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._bits_fast import block_ranks, fitted_level_popcounts, range_popcounts

__all__ = ["WORDS_PER_BLOCK", "fitted_level_popcounts", "pack_fields", "range_popcounts",
           "rank_directory"]

WORDS_PER_BLOCK = 8
_ONE = np.uint64(1)
_NATIVE_FIELD_DTYPES = {8: np.uint8, 16: np.uint16, 32: np.uint32}


def rank_directory(words: NDArray[np.uint64]) -> NDArray[np.uint32]:
    """Set bits before each 512-bit block (uint32); ``len(words)`` must be a multiple of 8.

    32 bits suffice: a hash holds fewer than ``2**32`` keys (``MAX_LEVEL_BITS``),
    and each set bit is one key (``ValueError`` past that).
    """
    return block_ranks(np.ascontiguousarray(words, dtype=np.uint64), WORDS_PER_BLOCK)


def pack_fields(values: NDArray[np.unsignedinteger[Any]], width: int) -> NDArray[np.uint64]:
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
