"""Building the BBHash cascade from 128-bit key hashes.

Level ``i`` hashes the ``n_i`` keys still unplaced into a bit array of
``gamma * n_i`` bits (rounded up to whole 64-bit words). A bit hit by exactly
one key is set and that key is placed; the others go on to level ``i + 1``.
A key's slot is the rank of its bit over all levels laid end to end. Keys
still unplaced after ``MAX_LEVELS`` levels (in practice none) go to a small
fallback table of full hashes, whose slots follow the last level's.

Nothing here depends on the order of the keys: which bits are set depends
only on the set of hashes, and the fallback table is sorted. So the same keys
and seed always give the same arrays.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._bits import WORDS_PER_BLOCK, pack_fields
from ._hashing import fingerprints, level_positions

__all__ = [
    "MAX_LEVELS",
    "MAX_LEVEL_BITS",
    "CascadeArrays",
    "build_cascade",
    "distinct_rows",
    "level_size",
]

MAX_LEVELS = 48
# Level positions are computed as (32-bit hash * n_bits) >> 32.
MAX_LEVEL_BITS = 2**32 - 64


@dataclass(frozen=True)
class CascadeArrays:
    """The arrays of a built cascade; see :class:`MinimalPerfectHash`."""

    level_bits: NDArray[np.uint64]  # bits of each level (multiples of 64)
    words: NDArray[np.uint64]  # all levels' bits, padded to whole 512-bit blocks
    fingerprints: NDArray[np.uint64]  # words of packed per-slot fingerprints
    fallback: NDArray[np.uint64]  # (n_fallback, 2), sorted full hashes


def distinct_rows(hashes: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The distinct rows of an ``(n, 2)`` uint64 array, sorted."""
    if len(hashes) < 2:
        return hashes
    ordered = hashes[np.lexsort((hashes[:, 1], hashes[:, 0]))]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    return ordered[first]


def _n_repeated(h1: NDArray[np.uint64], h2: NDArray[np.uint64]) -> int:
    """How many of these hashes repeat an earlier one."""
    return len(h1) - len(distinct_rows(np.stack([h1, h2], axis=1)))


def level_size(n_keys: int, gamma: float) -> int:
    n_bits = -(-math.ceil(gamma * n_keys) // 64) * 64
    if n_bits > MAX_LEVEL_BITS:
        raise ValueError(
            f"too many keys for one hash: gamma * n_keys = {gamma * n_keys:.0f} exceeds "
            f"{MAX_LEVEL_BITS} bits"
        )
    return n_bits


def _place_level(
    h1: NDArray[np.uint64], h2: NDArray[np.uint64], level: int, n_bits: int
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.bool_]]:
    """Set the bits hit by exactly one key; return (bits, positions, placed mask)."""
    positions = level_positions(h1, h2, level, n_bits).view(np.int64)
    hits = np.bincount(positions, minlength=n_bits)
    bits = hits == 1
    del hits
    return bits, positions, bits[positions]


def build_cascade(
    hashes: NDArray[np.uint64], *, gamma: float, fingerprint_bits: int,
    duplicates: str = "raise",
) -> CascadeArrays:
    """Build the cascade over ``(n, 2)`` uint64 hashes.

    Repeated hashes (the same key given twice) raise ``ValueError``, or with
    ``duplicates="drop"`` count once. They are looked for only among the keys
    still unplaced after a few levels: equal hashes land on the same bit at
    every level, so they are never placed, and the few keys left by then are
    cheap to sort, unlike all of them.
    """
    try:
        return _build_distinct(hashes, gamma, fingerprint_bits)
    except _RepeatedHashes as repeated:
        if duplicates == "raise":
            raise ValueError(
                f"{repeated.count} duplicate keys (the same key given more than once); "
                "pass duplicates='drop' to keep one slot per distinct key"
            ) from None
    return _build_distinct(distinct_rows(hashes), gamma, fingerprint_bits)


class _RepeatedHashes(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


# Levels placed before the unplaced keys are checked for repeats: after three,
# at most a quarter of the keys remain (gamma=1), 6% at gamma=2.
_DUPLICATE_CHECK_LEVEL = 3


def _build_distinct(
    hashes: NDArray[np.uint64], gamma: float, fingerprint_bits: int
) -> CascadeArrays:
    n_keys = len(hashes)
    slot_fingerprints = np.zeros(n_keys, dtype=np.uint32)
    level_bits: list[int] = []
    level_words: list[NDArray[Any]] = []
    h1, h2 = hashes[:, 0], hashes[:, 1]
    n_placed = 0
    for level in range(MAX_LEVELS):
        if level == _DUPLICATE_CHECK_LEVEL and (n_repeated := _n_repeated(h1, h2)):
            raise _RepeatedHashes(n_repeated)
        if not len(h1):
            break
        n_bits = level_size(len(h1), gamma)
        bits, positions, placed = _place_level(h1, h2, level, n_bits)
        # Integer indices and take() select faster than boolean masks, and
        # leave h1, h2 contiguous for the next level.
        placed_index = np.flatnonzero(placed)
        # A placed key's slot is the rank of its bit: keys placed before this
        # level, plus the set bits of this level up to and including its own.
        ranks = np.cumsum(bits, dtype=np.uint32)
        slots = n_placed - 1 + ranks[np.take(positions, placed_index)].astype(np.int64)
        del ranks, positions
        slot_fingerprints[slots] = fingerprints(np.take(h2, placed_index), fingerprint_bits)
        n_placed += len(slots)
        level_bits.append(n_bits)
        level_words.append(np.packbits(bits, bitorder="little").view("<u8"))
        unplaced_index = np.flatnonzero(~placed)
        h1, h2 = np.take(h1, unplaced_index), np.take(h2, unplaced_index)
    if level < _DUPLICATE_CHECK_LEVEL and (n_repeated := _n_repeated(h1, h2)):
        raise _RepeatedHashes(n_repeated)
    fallback = _fallback_table(h1, h2)
    slot_fingerprints[n_placed:] = fingerprints(fallback[:, 1], fingerprint_bits)
    return CascadeArrays(
        level_bits=np.asarray(level_bits, dtype=np.uint64),
        words=_pad_to_blocks(level_words),
        fingerprints=pack_fields(slot_fingerprints, fingerprint_bits),
        fallback=fallback,
    )


def _fallback_table(h1: NDArray[np.uint64], h2: NDArray[np.uint64]) -> NDArray[np.uint64]:
    order = np.lexsort((h2, h1))
    return np.ascontiguousarray(np.stack([h1[order], h2[order]], axis=1), dtype=np.uint64)


def _pad_to_blocks(level_words: list[NDArray[Any]]) -> NDArray[np.uint64]:
    n_words = sum(len(w) for w in level_words)
    padded = -(-n_words // WORDS_PER_BLOCK) * WORDS_PER_BLOCK
    words = np.zeros(padded, dtype=np.uint64)
    if level_words:
        words[:n_words] = np.concatenate(level_words)
    return words
