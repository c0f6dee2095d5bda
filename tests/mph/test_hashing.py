import mmh3
import numpy as np
import pytest

from sklearn_compress.mph._hashing import (
    fingerprints,
    hash_key,
    hash_keys,
    level_position,
    level_positions,
)


def test_hash_keys_is_murmur3_x64_128_halves():
    keys = ["", "a", "héllo", b"\x00\xff"]
    hashes = hash_keys(keys, seed=9)
    for key, row in zip(keys, hashes, strict=True):
        assert tuple(row.tolist()) == mmh3.hash64(key, 9, signed=False) == hash_key(key, 9)


def test_hash_keys_streams_chunks():
    keys = (str(i) for i in range(200_000))  # more than one chunk
    hashes = hash_keys(keys, seed=1)
    assert hashes.shape == (200_000, 2)
    assert tuple(hashes[123_456].tolist()) == hash_key("123456", 1)


@pytest.mark.parametrize("n_bits", [64, 1000, 2**31, 2**32 - 64])
def test_scalar_and_vector_level_positions_agree(n_bits):
    hashes = hash_keys([f"k{i}" for i in range(500)], seed=0)
    for level in (0, 1, 17, 47):
        vector = level_positions(hashes[:, 0], hashes[:, 1], level, n_bits)
        assert vector.max() < n_bits
        scalar = [level_position(int(a), int(b), level, n_bits) for a, b in hashes]
        assert vector.tolist() == scalar


def test_levels_are_not_correlated():
    hashes = hash_keys([f"k{i}" for i in range(20_000)], seed=0)
    first = level_positions(hashes[:, 0], hashes[:, 1], 0, 1024)
    second = level_positions(hashes[:, 0], hashes[:, 1], 1, 1024)
    # Keys sharing a level-0 position should spread over level 1.
    same = first == first[0]
    assert len(np.unique(second[same])) >= same.sum() - 2


def test_fingerprints_are_top_bits():
    h2 = np.array([2**64 - 1, 2**63, 0], dtype=np.uint64)
    assert fingerprints(h2, 1).tolist() == [1, 1, 0]
    assert fingerprints(h2, 8).tolist() == [255, 128, 0]
    assert fingerprints(h2, 0).tolist() == [0, 0, 0]
