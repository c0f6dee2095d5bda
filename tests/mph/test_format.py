import dataclasses
import struct

import numpy as np
import pytest

from sklearn_compress import MinimalPerfectHash
from sklearn_compress.mph import _format


@pytest.fixture(scope="module")
def blob():
    keys = [f"k{i}" for i in range(300)]
    return MinimalPerfectHash.build(keys, fingerprint_bits=6, seed=5).to_bytes()


def test_every_truncation_is_rejected(blob):
    for length in range(len(blob)):
        with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
            MinimalPerfectHash.from_bytes(blob[:length])


def test_every_bit_flip_is_rejected(blob):
    for position in range(len(blob)):
        for bit in (0, 7):
            corrupted = bytearray(blob)
            corrupted[position] ^= 1 << bit
            with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
                MinimalPerfectHash.from_bytes(bytes(corrupted))


def test_extra_bytes_are_rejected(blob):
    with pytest.raises(ValueError, match="not a valid minimal perfect hash"):
        MinimalPerfectHash.from_bytes(blob + b"\x00" * 8)


def _reheader(blob, **changes):
    """Rewrite header fields and re-sign, as a crafted (not corrupted) file would."""
    names = ["magic", "version", "n_keys", "gamma", "seed", "fingerprint_bits", "n_levels",
             "n_words", "n_fingerprint_words", "n_fallback"]
    fields = dict(zip(names, _format._HEADER.unpack_from(blob), strict=True))
    fields.update(changes)
    payload = _format._HEADER.pack(*fields.values()) + blob[_format._HEADER.size: -16]
    return payload + _format._digest(payload)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"magic": b"NOTMPH"}, "bad magic"),
        ({"version": 2}, "version 2 is not supported.*newer sklearn-compress"),
        ({"gamma": 0.5}, "gamma"),
        ({"gamma": float("inf")}, "gamma"),
        ({"fingerprint_bits": 40}, "fingerprint_bits 40"),
        ({"n_keys": 301}, "do not add up to n_keys"),
        ({"n_levels": 1000}, "levels"),
        ({"n_words": 2**60}, "the header declares"),
        ({"n_fallback": 2**62}, "the header declares"),
        ({"n_fingerprint_words": 1}, "the header declares"),
    ],
)
def test_crafted_headers_are_rejected(blob, changes, message):
    with pytest.raises(ValueError, match=message):
        MinimalPerfectHash.from_bytes(_reheader(blob, **changes))


def test_inconsistent_arrays_are_rejected(blob):
    header = _format._HEADER.unpack_from(blob)
    n_levels = header[6]
    body = np.frombuffer(blob[_format._HEADER.size: -16], dtype="<u8").copy()
    body[0] += 64  # the first level one word longer than its keys call for
    payload = blob[: _format._HEADER.size] + body.tobytes()
    with pytest.raises(ValueError, match="does not fit the 300 keys left for it"):
        MinimalPerfectHash.from_bytes(payload + _format._digest(payload))
    body = np.frombuffer(blob[_format._HEADER.size: -16], dtype="<u8").copy()
    body[n_levels + 1] ^= 1  # one bit more set than there are keys
    payload = blob[: _format._HEADER.size] + body.tobytes()
    with pytest.raises(ValueError, match="do not add up to n_keys"):
        MinimalPerfectHash.from_bytes(payload + _format._digest(payload))


def test_non_bytes_is_a_type_error():
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        MinimalPerfectHash.from_bytes("abc")


def test_header_is_64_bytes_so_arrays_are_aligned():
    assert _format._HEADER.size == 64
    assert struct.calcsize("<Q") * 8 == _format._HEADER.size


def _mutated_levels(cascade, n_keys, rng):
    """(level_bits, words, n_keys) edits that the level checks may accept or refuse."""
    level_bits, words = cascade.level_bits, cascade.words
    yield level_bits, words, n_keys
    for _ in range(150):
        bits, new_words, keys = level_bits.copy(), words.copy(), n_keys
        edit = rng.integers(7)
        if edit == 0 and len(bits):
            bits[rng.integers(len(bits))] += np.uint64([64, 1, 2**63][rng.integers(3)])
        elif edit == 1 and len(bits):
            bits = bits[:-1]
        elif edit == 2:
            bits = np.append(bits, np.uint64([64, 0, 2**64 - 64][rng.integers(3)]))
        elif edit == 3 and len(new_words):
            new_words[rng.integers(len(new_words))] ^= np.uint64(1) << np.uint64(
                rng.integers(64))
        elif edit == 4:
            keys += int(rng.integers(-2, 3))
        elif edit == 5:
            new_words = np.append(new_words, np.zeros(8, dtype=np.uint64))
        else:
            bits, new_words = bits[:0], new_words[:0]
        yield bits, new_words, keys


@pytest.mark.parametrize(("n_keys", "gamma"), [(0, 1.0), (1, 1.0), (300, 1.0), (2000, 1.7),
                                               (2000, 3.0)])
def test_compiled_level_checks_agree_with_the_python_checks(n_keys, gamma):
    # fitted_level_popcounts is the fast path: it must accept exactly the
    # levels the Python checks accept, with the same set-bit counts.
    from sklearn_compress.mph._bits import WORDS_PER_BLOCK, fitted_level_popcounts, range_popcounts
    from sklearn_compress.mph._build import MAX_LEVEL_BITS, CascadeArrays

    mph = MinimalPerfectHash.build([f"k{i}" for i in range(n_keys)], gamma=gamma)
    cascade = mph.__getstate__()
    cascade = CascadeArrays(**{name: cascade[name] for name in MinimalPerfectHash.STATE_ARRAYS})
    rng = np.random.default_rng(n_keys)
    outcomes = set()
    for level_bits, words, keys in _mutated_levels(cascade, n_keys, rng):
        edited = dataclasses.replace(cascade, level_bits=level_bits, words=words)
        try:
            _format._check_levels(edited, keys, len(cascade.fallback), gamma)
            accepted = True
        except ValueError:
            accepted = False
        counts = fitted_level_popcounts(words, level_bits, keys, len(cascade.fallback), gamma,
                                        WORDS_PER_BLOCK, MAX_LEVEL_BITS)
        assert (counts is not None) == accepted, (level_bits, keys)
        if accepted:
            starts = np.concatenate([[0], np.cumsum(level_bits.astype(np.int64) // 64)])
            assert counts == range_popcounts(words, starts.tolist())
        outcomes.add(accepted)
    assert outcomes == {True, False}
