"""The frozen minimal perfect hash: lookups, sizes and persistence."""

import itertools
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._tables import INT_MAX, Array, Codec
from ._bits import rank_directory
from ._build import CascadeArrays, build_cascade
from ._format import check_cascade, check_params, read_cascade, write_cascade
from ._hashing import MAX_SEED, hash_keys
from ._query_fast import CascadeLookup

__all__ = ["MinimalPerfectHash"]

_DUPLICATES_OPTIONS = ("raise", "drop")


def _check_build_params(gamma: float, fingerprint_bits: int, seed: int, duplicates: str) -> None:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"gamma must be a real number, got {type(gamma).__name__}")
    if not 1.0 <= gamma <= 100.0:
        raise ValueError(f"gamma must be in [1, 100], got {gamma!r}")
    for name, value, high in (("fingerprint_bits", fingerprint_bits, 32), ("seed", seed, MAX_SEED)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if not 0 <= value <= high:
            raise ValueError(f"{name} must be in [0, {high}], got {value!r}")
    if duplicates not in _DUPLICATES_OPTIONS:
        raise ValueError(f"duplicates must be one of {_DUPLICATES_OPTIONS}, got {duplicates!r}")


def _as_hashes(hashes: ArrayLike) -> NDArray[np.uint64]:
    hashes = np.asarray(hashes)
    if hashes.ndim != 2 or hashes.shape[1] != 2 or hashes.dtype != np.uint64:
        raise ValueError(
            f"hashes must be a uint64 array of shape (n, 2) from hash_keys, got "
            f"{hashes.dtype} array of shape {hashes.shape}"
        )
    return hashes


class MinimalPerfectHash(CascadeLookup):
    """A minimal perfect hash of strings: N keys onto the slots ``0 .. N-1``.

    A BBHash cascade of bit arrays (about ``gamma * e**(1/gamma)`` bits per key,
    2.72 at ``gamma=1``) plus a rank directory (1/16 bit per bit) and an optional
    fingerprint per slot. The keys themselves are not stored: looking up a
    string that was not a key returns ``-1`` unless its fingerprint matches the
    slot it lands on by chance, which happens with probability
    ``2**-fingerprint_bits``.

    Build one with :meth:`build` (or :meth:`build_from_hashes`); instances are
    immutable.

    Attributes
    ----------
    n_levels : int
        Number of levels in the cascade.
    fingerprint_bits : int
        Bits of fingerprint stored per slot (0 to 32).
    gamma : float
        Bits per key at each level (>= 1): larger builds faster and looks up
        faster, at the cost of size.
    seed : int
        Seed of the MurmurHash3 hash of the keys.

    Examples
    --------
    >>> from sklearn_compress import MinimalPerfectHash
    >>> mph = MinimalPerfectHash.build(["play", "pause", "stop"], fingerprint_bits=16)
    >>> len(mph)
    3
    >>> sorted(mph.lookup(["stop", "play", "pause"]).tolist())
    [0, 1, 2]
    >>> mph.get("rewind")
    -1
    >>> MinimalPerfectHash.from_bytes(mph.to_bytes()).get("play") == mph.get("play")
    True
    """

    def __init__(self, cascade: CascadeArrays, *, n_keys: int, gamma: float,
                 fingerprint_bits: int, seed: int) -> None:
        # Private: use build, build_from_hashes or from_bytes.
        self._cascade = cascade
        self._n_keys = int(n_keys)
        self.gamma = float(gamma)
        self.fingerprint_bits = int(fingerprint_bits)
        self.seed = int(seed)
        self._freeze()

    def _freeze(self) -> None:
        """Derive the lookup tables that are not stored (offsets, ranks) and attach the kernel."""
        cascade = self._cascade
        level_bits = np.ascontiguousarray(cascade.level_bits, dtype=np.uint64)
        self._block_ranks = rank_directory(cascade.words)
        # The fallback table stays the sorted (n, 2) array read from the file
        # (binary search in the kernel): no Python object per key.
        level_offsets = np.array([0, *itertools.accumulate(level_bits.tolist())][:-1],
                                 dtype=np.uint64)
        self._attach(level_offsets, level_bits, cascade.words,
                     self._block_ranks, cascade.fingerprints, self.fingerprint_bits,
                     cascade.fallback.reshape(-1, 2), self._n_keys - len(cascade.fallback),
                     self.seed)

    # -- construction -------------------------------------------------------

    @classmethod
    def build(cls, keys: Iterable[str | bytes], *, gamma: float = 1.0, fingerprint_bits: int = 8,
              seed: int = 0, duplicates: str = "raise") -> "MinimalPerfectHash":
        """Build a minimal perfect hash over ``keys``.

        Parameters
        ----------
        keys : iterable of str or bytes
            Consumed once; only a 16-byte hash per key is kept, so a generator
            over millions of keys works. A ``str`` is hashed as its UTF-8 bytes,
            so ``"a"`` and ``b"a"`` are the same key.
        gamma : float, default=1.0
            Bits per key at each level, in [1, 100].
        fingerprint_bits : int, default=8
            Bits of fingerprint per slot, in [0, 32]. With 0, looking up a
            string that is not a key returns an arbitrary slot (or -1).
        seed : int, default=0
            Seed of the MurmurHash3 hash, in [0, 2**32 - 1].
        duplicates : {"raise", "drop"}, default="raise"
            A key given more than once raises ``ValueError``; with "drop" it
            gets a single slot and ``len(mph)`` counts distinct keys.

        Returns
        -------
        MinimalPerfectHash
        """
        _check_build_params(gamma, fingerprint_bits, seed, duplicates)
        return cls._build_checked(hash_keys(keys, seed), gamma, fingerprint_bits, seed, duplicates)

    @classmethod
    def build_from_hashes(cls, hashes: ArrayLike, *, gamma: float = 1.0,
                          fingerprint_bits: int = 8, seed: int = 0,
                          duplicates: str = "raise") -> "MinimalPerfectHash":
        """Build from ``hash_keys(keys, seed)`` output; ``seed`` must be the same."""
        _check_build_params(gamma, fingerprint_bits, seed, duplicates)
        return cls._build_checked(_as_hashes(hashes), gamma, fingerprint_bits, seed, duplicates)

    @classmethod
    def _build_checked(cls, hashes: NDArray[np.uint64], gamma: float, fingerprint_bits: int,
                       seed: int, duplicates: str) -> "MinimalPerfectHash":
        cascade = build_cascade(hashes, gamma=gamma, fingerprint_bits=fingerprint_bits,
                                duplicates=duplicates)
        n_keys = int(np.bitwise_count(cascade.words).sum(dtype=np.int64)) + len(cascade.fallback)
        return cls(cascade, n_keys=n_keys, gamma=gamma, fingerprint_bits=fingerprint_bits,
                   seed=seed)

    # -- lookups ------------------------------------------------------------

    def lookup(self, keys: Iterable[str | bytes]) -> NDArray[np.int64]:
        """Slots of ``keys`` as an int64 array; -1 for keys known not to be members.

        Every key the hash was built on gets its own slot in ``[0, len(self))``.
        Any other string gets -1, unless its fingerprint matches by chance
        (probability ``2**-fingerprint_bits``); with ``fingerprint_bits=0`` it
        may get any slot.
        """
        if type(keys) is list:  # hashed and walked in one compiled pass
            return self._lookup_list(keys)
        return self._lookup_hashes(hash_keys(keys, self.seed))

    def lookup_hashes(self, hashes: ArrayLike) -> NDArray[np.int64]:
        """:meth:`lookup` for ``hash_keys(keys, self.seed)`` output.

        The walk runs without the GIL, so threads looking up batches run in parallel.
        """
        return self._lookup_hashes(_as_hashes(hashes))

    # -- sizes ----------------------------------------------------------------

    def __len__(self) -> int:
        return self._n_keys

    @property
    def n_levels(self) -> int:
        """Number of levels in the cascade."""
        return len(self._cascade.level_bits)

    @property
    def n_fallback(self) -> int:
        """Keys held in the fallback table (after the last level); usually 0."""
        return len(self._cascade.fallback)

    @property
    def nbytes(self) -> int:
        """Bytes of every array a lookup reads (bits, ranks, fingerprints, fallback)."""
        cascade = self._cascade
        return (cascade.level_bits.nbytes + cascade.words.nbytes + self._block_ranks.nbytes
                + cascade.fingerprints.nbytes + cascade.fallback.nbytes)

    @property
    def bits_per_key(self) -> float:
        """``8 * nbytes / len(self)`` (0.0 for an empty hash)."""
        return 8 * self.nbytes / self._n_keys if self._n_keys else 0.0

    def __repr__(self) -> str:
        return (f"MinimalPerfectHash(n_keys={self._n_keys}, n_levels={self.n_levels}, "
                f"fingerprint_bits={self.fingerprint_bits}, bits_per_key={self.bits_per_key:.2f})")

    # -- persistence --------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialize to bytes (no pickle); read back with :meth:`from_bytes`."""
        return write_cascade(self._cascade, n_keys=self._n_keys, gamma=self.gamma,
                             fingerprint_bits=self.fingerprint_bits, seed=self.seed)

    # The names in __getstate__'s dict: arrays (uint64) and numbers.
    STATE_ARRAYS = ("level_bits", "words", "fingerprints", "fallback")
    STATE_NUMBERS = ("n_keys", "gamma", "fingerprint_bits", "seed")

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "MinimalPerfectHash":
        """Rebuild from :meth:`__getstate__` output, checked as :meth:`from_bytes` checks.

        Raises
        ------
        ValueError
            If the arrays or numbers do not form a valid minimal perfect hash.
        """
        cascade = CascadeArrays(**{name: state[name] for name in cls.STATE_ARRAYS})
        numbers = {name: state[name] for name in cls.STATE_NUMBERS}
        check_params(numbers["n_keys"], float(numbers["gamma"]), numbers["seed"],
                     numbers["fingerprint_bits"], len(cascade.level_bits))
        check_cascade(cascade, numbers["n_keys"], float(numbers["gamma"]),
                      numbers["fingerprint_bits"])
        return cls(cascade, **numbers)

    @classmethod
    def from_bytes(cls, data: bytes) -> "MinimalPerfectHash":
        """Rebuild from :meth:`to_bytes` output.

        Raises
        ------
        ValueError
            If ``data`` is truncated, corrupted or not a minimal perfect hash.
        """
        cascade, params = read_cascade(data)
        return cls(cascade, **params)

    def __getstate__(self) -> dict[str, Any]:
        # Plain numpy arrays and numbers: the derived tables are rebuilt on load.
        cascade = self._cascade
        return {
            "n_keys": self._n_keys, "gamma": self.gamma,
            "fingerprint_bits": self.fingerprint_bits, "seed": self.seed,
            "level_bits": cascade.level_bits, "words": cascade.words,
            "fingerprints": cascade.fingerprints, "fallback": cascade.fallback,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        arrays = {name: state.pop(name) for name in
                  ("level_bits", "words", "fingerprints", "fallback")}
        # Unpickling runs this class's own __init__ on the bare instance.
        self.__init__(CascadeArrays(**arrays), **state)  # type: ignore[misc]


# -- what this module contributes (collected by io/_persist.py) ----------------------

_WORDS = Array(("uint64",), (1,))
FILE_CODECS = (
    Codec(MinimalPerfectHash,
          arrays={"level_bits": _WORDS, "words": _WORDS, "fingerprints": _WORDS,
                  "fallback": Array(("uint64",), (2,), inner_shape=(2,))},
          numbers={"n_keys": (int, 0, INT_MAX, False), "gamma": (float, 1.0, 100.0, False),
                   "fingerprint_bits": (int, 0, 32, False), "seed": (int, 0, MAX_SEED, False)},
          from_state=MinimalPerfectHash.from_state),
)
