"""A pickle-free byte format for the cascade, checked field by field on read.

Layout (little-endian)::

    header   magic "SKCMPH", version u16, n_keys u64, gamma f64, seed u32,
             fingerprint_bits u8, 3 pad bytes, n_levels u32,
             n_words u64, n_fingerprint_words u64, n_fallback u64, 4 pad bytes
    arrays   level_bits[n_levels] u64, words[n_words] u64,
             fingerprints[n_fingerprint_words] u64, fallback[n_fallback][2] u64
    trailer  the first 16 bytes of the SHA-256 of everything before it

Every size is checked against the length of the data before any array is
made, and arrays are read-only views of the data, so a corrupt size field can
never drive an allocation.
"""

import hashlib
import itertools
import math
import struct
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from ._bits import WORDS_PER_BLOCK, fitted_level_popcounts, range_popcounts
from ._build import MAX_LEVEL_BITS, MAX_LEVELS, CascadeArrays, level_size
from ._hashing import MAX_SEED

__all__ = ["FORMAT_VERSION", "check_cascade", "check_params", "read_cascade", "write_cascade"]

MAGIC = b"SKCMPH"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<6sHQdIB3xIQQQ4x")  # 64 bytes: arrays stay 8-aligned
_DIGEST_SIZE = 16


def _digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()[:_DIGEST_SIZE]


def write_cascade(
    cascade: CascadeArrays, *, n_keys: int, gamma: float, fingerprint_bits: int, seed: int
) -> bytes:
    header = _HEADER.pack(
        MAGIC, FORMAT_VERSION, n_keys, gamma, seed, fingerprint_bits,
        len(cascade.level_bits), len(cascade.words), len(cascade.fingerprints),
        len(cascade.fallback),
    )
    payload = b"".join([
        header,
        *(np.ascontiguousarray(a, dtype="<u8").tobytes() for a in (
            cascade.level_bits, cascade.words, cascade.fingerprints, cascade.fallback)),
    ])
    return payload + _digest(payload)


def _fail(reason: str) -> NoReturn:
    raise ValueError(f"not a valid minimal perfect hash: {reason}")


def _read_header(data: bytes) -> tuple[Any, ...]:
    if len(data) < _HEADER.size + _DIGEST_SIZE:
        _fail(f"{len(data)} bytes is shorter than the {_HEADER.size + _DIGEST_SIZE}-byte minimum")
    fields = _HEADER.unpack_from(data)
    magic, version = fields[:2]
    if magic != MAGIC:
        _fail(f"bad magic {magic!r}")
    if version != FORMAT_VERSION:
        newer = " (written by a newer sklearn-compress; upgrade to read it)" * (
            version > FORMAT_VERSION)
        _fail(f"format version {version} is not supported, this library reads version "
              f"{FORMAT_VERSION}{newer}")
    if _digest(data[:-_DIGEST_SIZE]) != data[-_DIGEST_SIZE:]:
        _fail("checksum mismatch (truncated or corrupted data)")
    return fields[2:]


def check_params(
    n_keys: int, gamma: float, seed: int, fingerprint_bits: int, n_levels: int
) -> None:
    if not (math.isfinite(gamma) and 1.0 <= gamma <= 100.0):
        _fail(f"gamma {gamma!r} outside [1, 100]")
    if seed > MAX_SEED:
        _fail(f"seed {seed} too large")
    if fingerprint_bits > 32:
        _fail(f"fingerprint_bits {fingerprint_bits} > 32")
    if n_levels > MAX_LEVELS:
        _fail(f"{n_levels} levels > {MAX_LEVELS}")
    if n_keys > MAX_LEVEL_BITS:
        _fail(f"n_keys {n_keys} too large")


def _split_arrays(data: bytes, counts: tuple[int, ...]) -> list[NDArray[Any]]:
    body = memoryview(data)[_HEADER.size: len(data) - _DIGEST_SIZE]
    expected = 8 * sum(counts)
    if len(body) != expected:
        _fail(f"arrays take {len(body)} bytes, the header declares {expected}")
    arrays, start = [], 0
    for count in counts:
        arrays.append(np.frombuffer(body, dtype="<u8", count=count, offset=start))
        start += 8 * count
    return arrays


def check_cascade(
    cascade: CascadeArrays, n_keys: int, gamma: float, fingerprint_bits: int
) -> None:
    n_fallback = len(cascade.fallback)
    # The compiled fast path accepts only levels that pass every check of
    # _check_levels; for anything else (None) those checks name the defect.
    if fitted_level_popcounts(cascade.words, cascade.level_bits, n_keys, n_fallback, gamma,
                              WORDS_PER_BLOCK, MAX_LEVEL_BITS) is None:
        _check_levels(cascade, n_keys, n_fallback, gamma)
    if len(cascade.fingerprints) != (n_keys * fingerprint_bits + 63) // 64 + 1:
        _fail("fingerprint array has the wrong length")
    fallback = cascade.fallback
    if n_fallback > 1:
        h1, h2 = fallback[:, 0], fallback[:, 1]
        increasing = (h1[1:] > h1[:-1]) | ((h1[1:] == h1[:-1]) & (h2[1:] > h2[:-1]))
        if not increasing.all():
            _fail("fallback table is not strictly sorted")


def _check_levels(cascade: CascadeArrays, n_keys: int, n_fallback: int, gamma: float) -> None:
    level_bits, words = cascade.level_bits.tolist(), cascade.words
    if any(n_bits == 0 or n_bits % 64 for n_bits in level_bits):
        _fail("level sizes must be positive multiples of 64 bits")
    # Python ints: sizes that would wrap around in uint64 arithmetic are refused here.
    level_starts = [0, *itertools.accumulate(n_bits // 64 for n_bits in level_bits)]
    used_words = level_starts[-1]
    if len(words) != -(-used_words // WORDS_PER_BLOCK) * WORDS_PER_BLOCK:
        _fail(f"{len(words)} words do not match the levels' {used_words}")
    # One pass over the words: each level's set bits, then the padding's.
    *placed, padding = range_popcounts(words, [*level_starts, len(words)])
    if padding:
        _fail("padding bits are set")
    if sum(placed) + n_fallback != n_keys:
        _fail("set bits plus fallback keys do not add up to n_keys")
    _check_level_sizes(level_bits, placed, n_keys, n_fallback, gamma)


def _check_level_sizes(
    level_bits: list[int], placed: list[int], n_keys: int, n_fallback: int, gamma: float
) -> None:
    """Each level must be sized for the keys the levels before it left unplaced."""
    if not level_bits:
        if n_keys != n_fallback:
            _fail("no levels, yet keys outside the fallback table")
        return
    unplaced = n_keys
    for n_bits, n_placed in zip(level_bits, placed, strict=True):
        if unplaced == 0 or n_bits != level_size(unplaced, gamma):
            _fail(f"a level of {n_bits} bits does not fit the {unplaced} keys left for it")
        unplaced -= n_placed


def read_cascade(data: bytes | bytearray | memoryview) -> tuple[CascadeArrays, dict[str, Any]]:
    """Parse :func:`write_cascade` output; raise ``ValueError`` on any defect."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    (n_keys, gamma, seed, fingerprint_bits, n_levels, n_words, n_fingerprint_words,
     n_fallback) = _read_header(data)
    check_params(n_keys, gamma, seed, fingerprint_bits, n_levels)
    level_bits, words, fingerprint_words, fallback = _split_arrays(
        data, (n_levels, n_words, n_fingerprint_words, 2 * n_fallback))
    # Native, aligned arrays (a copy only if the buffer is misaligned), so
    # that memoryviews of them index as plain uint64.
    level_bits, words, fingerprint_words, fallback = (
        np.require(a, dtype=np.uint64, requirements="A")
        for a in (level_bits, words, fingerprint_words, fallback))
    cascade = CascadeArrays(level_bits=level_bits, words=words,
                            fingerprints=fingerprint_words, fallback=fallback.reshape(-1, 2))
    check_cascade(cascade, n_keys, gamma, fingerprint_bits)
    params = {"n_keys": n_keys, "gamma": gamma, "fingerprint_bits": fingerprint_bits, "seed": seed}
    return cascade, params
