"""Hashing for the minimal perfect hash: one MurmurHash3 call per key.

Each key is hashed once with the 128-bit x64 MurmurHash3 into two
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
the build and lookups one hash per key instead of one per level.

The arithmetic is compiled (``_cascade.h``, ``_keys.h``, used by
``_hashing_fast.pyx`` and ``_query_fast.pyx``); this module documents it and
keeps the Python-facing checks.

The fingerprint of a key is the top ``fingerprint_bits`` bits of ``h2``.
"""

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from ._hashing_fast import hash_buffer, hash_iterable, hash_key, level_positions

__all__ = [
    "MAX_SEED",
    "fingerprints",
    "hash_buffer",
    "hash_key",
    "hash_keys",
    "level_positions",
    "utf8_bytes",
]

MAX_SEED = (1 << 32) - 1


def utf8_bytes(key: str | bytes) -> bytes:
    """The bytes a key is hashed as: a ``str``'s UTF-8 form, a ``bytes`` as is.

    Lone surrogates (``"caf\\udce9"``, as ``json.loads`` and
    ``os.fsdecode`` produce) are encoded with ``surrogatepass``: three bytes
    each, which no valid UTF-8 string encodes to, so distinct strings stay
    distinct keys. The compiled hash (``_keys.h``) hashes exactly these bytes:
    an ASCII ``str`` in place, any other ``str`` encoded this way.
    """
    if isinstance(key, str):
        return key.encode("utf-8", "surrogatepass")
    if isinstance(key, bytes):
        return key
    raise TypeError(f"keys must be str or bytes, got {type(key).__name__}: {key!r:.80}")


def hash_keys(keys: Iterable[str | bytes], seed: int = 0) -> NDArray[np.uint64]:
    """Hash an iterable of str/bytes keys into an ``(n, 2)`` uint64 array.

    The iterable is consumed once, so only the 16-byte hashes are kept. A
    ``str`` is hashed as its UTF-8 bytes: ``"a"`` and ``b"a"`` are the same
    key; lone surrogates are encoded with ``surrogatepass`` (see
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
    return hash_iterable(keys, seed)


def fingerprints(h2: NDArray[np.uint64], bits: int) -> NDArray[np.uint64]:
    """The top ``bits`` bits of ``h2`` (uint64 array); zeros when ``bits == 0``."""
    if bits == 0:
        return np.zeros(len(h2), dtype=np.uint64)
    return np.right_shift(h2, np.uint64(64 - bits))
