"""The frozen minimal perfect hash: lookups, sizes and persistence."""

import numbers

import numpy as np

from .._tables import INT_MAX, Array, Codec
from ._bits import field_reader, fields_at, rank, rank_directory
from ._build import CascadeArrays, build_cascade
from ._format import check_cascade, check_params, read_cascade, write_cascade
from ._hashing import MAX_SEED, fingerprints, hash_key, hash_keys, iter_positions, level_positions

__all__ = ["MinimalPerfectHash"]

_DUPLICATES_OPTIONS = ("raise", "drop")
# Batches up to this size are looked up key by key in plain Python (measured
# break-even with the vectorized path: about 100 keys).
_SCALAR_BATCH = 64


def _check_build_params(gamma, fingerprint_bits, seed, duplicates):
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


def _as_hashes(hashes):
    hashes = np.asarray(hashes)
    if hashes.ndim != 2 or hashes.shape[1] != 2 or hashes.dtype != np.uint64:
        raise ValueError(
            f"hashes must be a uint64 array of shape (n, 2) from hash_keys, got "
            f"{hashes.dtype} array of shape {hashes.shape}"
        )
    return hashes


def _bits_at(words, positions):
    """The bit at each position (uint64 array of 0 and 1)."""
    bits = np.take(words, positions >> np.uint64(6))
    bits >>= positions & np.uint64(63)
    bits &= np.uint64(1)
    return bits


class MinimalPerfectHash:
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

    def __init__(self, cascade, *, n_keys, gamma, fingerprint_bits, seed):
        # Private: use build, build_from_hashes or from_bytes.
        self._cascade = cascade
        self._n_keys = int(n_keys)
        self.gamma = float(gamma)
        self.fingerprint_bits = int(fingerprint_bits)
        self.seed = int(seed)
        self._freeze()

    def _freeze(self):
        """Derive the lookup tables that are not stored: offsets and ranks."""
        cascade = self._cascade
        offsets = np.cumsum(cascade.level_bits) - cascade.level_bits
        self._levels = [
            (level, int(offset), int(n_bits))
            for level, (offset, n_bits) in enumerate(zip(offsets, cascade.level_bits, strict=True))
        ]
        self._block_ranks = rank_directory(cascade.words)
        self._n_in_levels = self._n_keys - len(cascade.fallback)
        self._fallback_slots = {
            (int(h1), int(h2)): self._n_in_levels + i for i, (h1, h2) in enumerate(cascade.fallback)
        }
        # memoryviews give Python ints without numpy's per-call overhead in get().
        self._level_spans = [(offset, n_bits) for _, offset, n_bits in self._levels]
        self._words_view = memoryview(cascade.words)
        self._word_bytes = self._words_view.cast("B")
        self._ranks_view = memoryview(self._block_ranks)
        self._fingerprint_at = field_reader(cascade.fingerprints, self.fingerprint_bits)

    # -- construction -------------------------------------------------------

    @classmethod
    def build(cls, keys, *, gamma=1.0, fingerprint_bits=8, seed=0, duplicates="raise"):
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
    def build_from_hashes(cls, hashes, *, gamma=1.0, fingerprint_bits=8, seed=0,
                          duplicates="raise"):
        """Build from ``hash_keys(keys, seed)`` output; ``seed`` must be the same."""
        _check_build_params(gamma, fingerprint_bits, seed, duplicates)
        return cls._build_checked(_as_hashes(hashes), gamma, fingerprint_bits, seed, duplicates)

    @classmethod
    def _build_checked(cls, hashes, gamma, fingerprint_bits, seed, duplicates):
        cascade = build_cascade(hashes, gamma=gamma, fingerprint_bits=fingerprint_bits,
                                duplicates=duplicates)
        n_keys = int(np.bitwise_count(cascade.words).sum(dtype=np.int64)) + len(cascade.fallback)
        return cls(cascade, n_keys=n_keys, gamma=gamma, fingerprint_bits=fingerprint_bits,
                   seed=seed)

    # -- lookups ------------------------------------------------------------

    def lookup(self, keys):
        """Slots of ``keys`` as an int64 array; -1 for keys known not to be members.

        Every key the hash was built on gets its own slot in ``[0, len(self))``.
        Any other string gets -1, unless its fingerprint matches by chance
        (probability ``2**-fingerprint_bits``); with ``fingerprint_bits=0`` it
        may get any slot.
        """
        return self.lookup_hashes(hash_keys(keys, self.seed))

    def lookup_hashes(self, hashes):
        """:meth:`lookup` for ``hash_keys(keys, self.seed)`` output."""
        hashes = _as_hashes(hashes)
        if len(hashes) <= _SCALAR_BATCH:
            # A few keys (one sample's features): numpy's per-call overhead,
            # paid at every level, would cost more than the plain Python path.
            return np.array([self._slot_of(h1, h2, -1) for h1, h2 in hashes.tolist()],
                            dtype=np.int64)
        slots = np.full(len(hashes), -1, dtype=np.int64)
        # Contiguous halves: numpy compacts and gathers strided columns far slower.
        h1, h2 = np.ascontiguousarray(hashes[:, 0]), np.ascontiguousarray(hashes[:, 1])
        pending = np.arange(len(hashes))
        words = self._cascade.words
        for level, offset, n_bits in self._levels:
            if not len(pending):
                break
            positions = level_positions(h1, h2, level, n_bits)
            positions += np.uint64(offset)
            bit_set = _bits_at(words, positions)
            # Integer indices and take() beat boolean masks (3-4x here): one
            # nonzero pass, then plain gathers.
            found = np.flatnonzero(bit_set)
            slots[np.take(pending, found)] = rank(words, self._block_ranks,
                                                  np.take(positions, found))
            missed = np.flatnonzero(bit_set == 0)
            pending, h1, h2 = (np.take(values, missed) for values in (pending, h1, h2))
        for index, key_hash in zip(pending.tolist(), zip(h1.tolist(), h2.tolist(), strict=True),
                                   strict=True):
            slots[index] = self._fallback_slots.get(key_hash, -1)
        return self._reject_foreign(slots, hashes[:, 1])

    def _reject_foreign(self, slots, h2):
        if self.fingerprint_bits == 0:
            return slots
        found = np.flatnonzero(slots >= 0)
        stored = fields_at(self._cascade.fingerprints, slots[found], self.fingerprint_bits)
        slots[found[stored != fingerprints(h2[found], self.fingerprint_bits)]] = -1
        return slots

    def get(self, key, default=-1):
        """Slot of one key, or ``default`` for a key known not to be a member.

        The single-key path of :meth:`lookup`, in plain Python: no numpy call.
        """
        return self._slot_of(*hash_key(key, self.seed), default)

    def _slot_of(self, h1, h2, default):
        words = self._words_view
        for position in iter_positions(h1, h2, self._level_spans):
            if (words[position >> 6] >> (position & 63)) & 1:
                slot = self._rank_one(position)
                break
        else:
            return self._fallback_slots.get((h1, h2), default)
        bits = self.fingerprint_bits
        if bits and self._fingerprint_at(slot) != h2 >> (64 - bits):
            return default
        return slot

    def _rank_one(self, position):
        # The bits of the 512-bit block before ``position``, as one Python int.
        block = position >> 9
        start = block << 6
        before = position & 511
        chunk = int.from_bytes(self._word_bytes[start: start + (before + 7 >> 3)], "little")
        return self._ranks_view[block] + (chunk & ((1 << before) - 1)).bit_count()

    # -- sizes ----------------------------------------------------------------

    def __len__(self):
        return self._n_keys

    @property
    def n_levels(self):
        """Number of levels in the cascade."""
        return len(self._levels)

    @property
    def n_fallback(self):
        """Keys held in the fallback table (after the last level); usually 0."""
        return len(self._cascade.fallback)

    @property
    def nbytes(self):
        """Bytes of every array a lookup reads (bits, ranks, fingerprints, fallback)."""
        cascade = self._cascade
        return (cascade.level_bits.nbytes + cascade.words.nbytes + self._block_ranks.nbytes
                + cascade.fingerprints.nbytes + cascade.fallback.nbytes)

    @property
    def bits_per_key(self):
        """``8 * nbytes / len(self)`` (0.0 for an empty hash)."""
        return 8 * self.nbytes / self._n_keys if self._n_keys else 0.0

    def __repr__(self):
        return (f"MinimalPerfectHash(n_keys={self._n_keys}, n_levels={self.n_levels}, "
                f"fingerprint_bits={self.fingerprint_bits}, bits_per_key={self.bits_per_key:.2f})")

    # -- persistence --------------------------------------------------------------

    def to_bytes(self):
        """Serialize to bytes (no pickle); read back with :meth:`from_bytes`."""
        return write_cascade(self._cascade, n_keys=self._n_keys, gamma=self.gamma,
                             fingerprint_bits=self.fingerprint_bits, seed=self.seed)

    # The names in __getstate__'s dict: arrays (uint64) and numbers.
    STATE_ARRAYS = ("level_bits", "words", "fingerprints", "fallback")
    STATE_NUMBERS = ("n_keys", "gamma", "fingerprint_bits", "seed")

    @classmethod
    def from_state(cls, state):
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
    def from_bytes(cls, data):
        """Rebuild from :meth:`to_bytes` output.

        Raises
        ------
        ValueError
            If ``data`` is truncated, corrupted or not a minimal perfect hash.
        """
        cascade, params = read_cascade(data)
        return cls(cascade, **params)

    def __getstate__(self):
        # Plain numpy arrays and numbers: the derived tables are rebuilt on load.
        cascade = self._cascade
        return {
            "n_keys": self._n_keys, "gamma": self.gamma,
            "fingerprint_bits": self.fingerprint_bits, "seed": self.seed,
            "level_bits": cascade.level_bits, "words": cascade.words,
            "fingerprints": cascade.fingerprints, "fallback": cascade.fallback,
        }

    def __setstate__(self, state):
        state = dict(state)
        arrays = {name: state.pop(name) for name in
                  ("level_bits", "words", "fingerprints", "fallback")}
        self.__init__(CascadeArrays(**arrays), **state)


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
