import numpy as np
import pytest

from sklearn_compress.mph._bits import (
    field_at,
    field_reader,
    fields_at,
    pack_fields,
    rank,
    rank_directory,
)


@pytest.mark.parametrize("width", [1, 3, 7, 8, 12, 16, 17, 31, 32])
def test_packed_fields_round_trip(width):
    rng = np.random.default_rng(width)
    values = rng.integers(0, 2**width, size=1001, dtype=np.uint64)
    words = pack_fields(values, width)
    assert len(words) == (1001 * width + 63) // 64 + 1
    index = rng.permutation(1001)
    np.testing.assert_array_equal(fields_at(words, index, width), values[index])
    view = memoryview(words)
    assert [field_at(view, int(i), width) for i in index[:200]] == values[index[:200]].tolist()
    read = field_reader(words, width)
    assert [read(int(i)) for i in index[:200]] == values[index[:200]].tolist()


def test_zero_width_fields_are_zero():
    words = pack_fields(np.arange(5, dtype=np.uint64), 0)
    np.testing.assert_array_equal(fields_at(words, np.arange(5), 0), np.zeros(5))
    assert field_at(memoryview(words), 3, 0) == 0


def test_rank_counts_set_bits_before_each_position():
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**63, size=64, dtype=np.uint64)  # 8 blocks
    bits = np.unpackbits(words.view(np.uint8), bitorder="little").astype(np.int64)
    before = np.concatenate(([0], np.cumsum(bits)[:-1]))
    positions = np.arange(len(bits), dtype=np.uint64)
    np.testing.assert_array_equal(rank(words, rank_directory(words), positions), before)


def test_rank_directory_of_no_words():
    assert len(rank_directory(np.zeros(0, dtype=np.uint64))) == 0
