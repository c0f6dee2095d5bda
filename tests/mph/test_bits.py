import itertools

import numpy as np
import pytest

from sklearn_compress.mph._bits import pack_fields, range_popcounts, rank_directory


def _field(words, index, width):
    """Field ``index`` read bit by bit: the layout pack_fields documents."""
    bits = np.unpackbits(words.view(np.uint8), bitorder="little")
    field_bits = bits[index * width: (index + 1) * width]
    return sum(int(bit) << i for i, bit in enumerate(field_bits))


@pytest.mark.parametrize("width", [1, 3, 7, 8, 12, 16, 17, 31, 32])
def test_packed_fields_layout(width):
    rng = np.random.default_rng(width)
    values = rng.integers(0, 2**width, size=1001, dtype=np.uint64)
    words = pack_fields(values, width)
    assert len(words) == (1001 * width + 63) // 64 + 1
    index = rng.permutation(1001)[:200]
    assert [_field(words, int(i), width) for i in index] == values[index].tolist()


def test_zero_width_fields_take_one_spare_word():
    words = pack_fields(np.arange(5, dtype=np.uint64), 0)
    assert words.tolist() == [0]


def test_rank_directory_counts_set_bits_before_each_block():
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**63, size=64, dtype=np.uint64)  # 8 blocks
    per_block = np.bitwise_count(words).reshape(8, 8).sum(axis=1)
    ranks = rank_directory(words)
    assert ranks.dtype == np.uint32
    np.testing.assert_array_equal(ranks, np.concatenate(([0], np.cumsum(per_block)[:-1])))


def test_rank_directory_of_no_words():
    assert len(rank_directory(np.zeros(0, dtype=np.uint64))) == 0


def test_rank_directory_refuses_whole_blocks_only():
    with pytest.raises(ValueError, match="12 words are not whole blocks of 8"):
        rank_directory(np.zeros(12, dtype=np.uint64))


def test_range_popcounts_count_set_bits_between_bounds():
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**64, size=100, dtype=np.uint64)
    bounds = [0, 0, 3, 64, 64, 99, 100]
    expected = [int(np.bitwise_count(words[a:b]).sum()) for a, b in itertools.pairwise(bounds)]
    assert range_popcounts(words, bounds) == expected
    assert range_popcounts(words, [5]) == []


@pytest.mark.parametrize("bounds", [[0, 101], [-1, 3], [5, 4], [0, 2**70]])
def test_range_popcounts_refuse_bounds_outside_the_words(bounds):
    with pytest.raises(ValueError, match="are not increasing within 100 words"):
        range_popcounts(np.zeros(100, dtype=np.uint64), bounds)
