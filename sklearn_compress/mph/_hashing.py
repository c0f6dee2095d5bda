"""Hashing for the minimal perfect hash: one MurmurHash3 call per key.

Each key is hashed once with the 128-bit x64 MurmurHash3 (``mmh3``) into two
64-bit halves ``(h1, h2)``. Every level of the cascade derives its position
from those 128 bits instead of calling MurmurHash3 again with another seed::

    x_level = fmix64(h1 + level * h2)      (mod 2**64)
    position = (x_level >> 32) * level_bits >> 32

Why that is equivalent to re-hashing per level: the 128-bit hash is a random
function of the key, so ``h1 + level * h2`` is the classic double-hashing
family (Kirsch & Mitzenmacher), whose members are pairwise independent across
keys for a fixed level, and ``fmix64`` (MurmurHash3's own 64-bit finalizer) is
a bijection with full avalanche, so positions at different levels are as
unrelated as those of differently seeded hashes. Two distinct keys share every
level's position only if their 128-bit hashes are equal (probability about
``n**2 / 2**129``), which the build reports as a duplicate. Hashing once makes
the build and lookups one C call per key instead of one per level.

The fingerprint of a key is the top ``fingerprint_bits`` bits of ``h2``.
"""

from itertools import islice, repeat

import mmh3
import numpy as np

__all__ = [
    "MAX_SEED",
    "fingerprints",
    "hash_key",
    "hash_keys",
    "iter_positions",
    "level_position",
    "level_positions",
    "utf8_bytes",
]

MASK64 = (1 << 64) - 1
MAX_SEED = (1 << 32) - 1
_FMIX_C1 = 0xFF51AFD7ED558CCD
_FMIX_C2 = 0xC4CEB9FE1A85EC53
_CHUNK = 1 << 16


def utf8_bytes(key):
    """The bytes a key is hashed as: a ``str``'s UTF-8 form, a ``bytes`` as is.

    Lone surrogates (``"caf\\udce9"``, as ``json.loads`` and
    ``os.fsdecode`` produce) are encoded with ``surrogatepass``: three bytes
    each, which no valid UTF-8 string encodes to, so distinct strings stay
    distinct keys. Encoding here rather than handing the ``str`` to ``mmh3``
    matters: ``mmh3`` dereferences a NULL UTF-8 buffer on such strings and
    kills the process (SIGSEGV).
    """
    if isinstance(key, str):
        return key.encode("utf-8", "surrogatepass")
    if isinstance(key, bytes):
        return key
    raise TypeError(f"keys must be str or bytes, got {type(key).__name__}: {key!r:.80}")


def _encoded(chunk):
    try:
        # The common case, all keys str, in one comprehension.
        return [key.encode("utf-8", "surrogatepass") for key in chunk]
    except AttributeError:
        return [utf8_bytes(key) for key in chunk]


def _hash_chunk(chunk, seed):
    return b"".join(map(mmh3.hash_bytes, _encoded(chunk), repeat(seed)))


def hash_keys(keys, seed=0):
    """Hash an iterable of str/bytes keys into an ``(n, 2)`` uint64 array.

    The iterable is consumed once, in chunks, so only the 16-byte hashes are
    kept. A ``str`` is hashed as its UTF-8 bytes: ``"a"`` and ``b"a"`` are the
    same key; lone surrogates are encoded with ``surrogatepass`` (see
    :func:`utf8_bytes`).

    >>> hash_keys(["a", b"a"], seed=1).shape
    (2, 2)
    >>> bool((hash_keys(["a"])[0] == hash_keys([b"a"])[0]).all())
    True
    """
    if isinstance(keys, (str, bytes)):
        raise TypeError(
            f"keys must be an iterable of str or bytes, not a single {type(keys).__name__}"
        )
    out = bytearray()
    iterator = iter(keys)
    while chunk := list(islice(iterator, _CHUNK)):
        out += _hash_chunk(chunk, seed)
    return np.frombuffer(out, dtype="<u8").reshape(-1, 2).astype(np.uint64, copy=False)


def hash_key(key, seed=0):
    """Hash one key into ``(h1, h2)`` Python ints (the scalar ``hash_keys``)."""
    return mmh3.hash64(utf8_bytes(key), seed, signed=False)


def _fmix64_inplace(x):
    tmp = np.empty_like(x)
    for multiplier in (_FMIX_C1, _FMIX_C2):
        np.right_shift(x, np.uint64(33), out=tmp)
        np.bitwise_xor(x, tmp, out=x)
        np.multiply(x, np.uint64(multiplier), out=x)
    np.right_shift(x, np.uint64(33), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    return x


def level_positions(h1, h2, level, n_bits):
    """Positions in ``[0, n_bits)`` of hashed keys at one level (uint64 array)."""
    x = np.multiply(h2, np.uint64(level))
    np.add(x, h1, out=x)
    _fmix64_inplace(x)
    np.right_shift(x, np.uint64(32), out=x)
    np.multiply(x, np.uint64(n_bits), out=x)
    np.right_shift(x, np.uint64(32), out=x)
    return x


def iter_positions(h1, h2, spans):
    """Scalar :func:`level_positions` for consecutive levels, as a generator.

    ``spans`` lists ``(offset, n_bits)`` of levels ``0, 1, ...``; the
    generator yields ``offset + position`` at each level in turn. The mix is
    written out here, not called, because a Python call per level would cost
    as much as the mix itself.
    """
    x = h1
    for offset, n_bits in spans:
        y = x ^ (x >> 33)
        y = (y * _FMIX_C1) & MASK64
        y ^= y >> 33
        y = (y * _FMIX_C2) & MASK64
        y ^= y >> 33
        yield offset + (((y >> 32) * n_bits) >> 32)
        x = (x + h2) & MASK64


def level_position(h1, h2, level, n_bits):
    """Scalar version of :func:`level_positions` on Python ints."""
    return next(iter_positions((h1 + level * h2) & MASK64, h2, [(0, n_bits)]))


def fingerprints(h2, bits):
    """The top ``bits`` bits of ``h2`` (uint64 array); zeros when ``bits == 0``."""
    if bits == 0:
        return np.zeros(len(h2), dtype=np.uint64)
    return np.right_shift(h2, np.uint64(64 - bits))
