"""The compiled layout checks agree with the numpy expressions they replace."""

import numpy as np
import pytest

from sklearn_compress.linear_model._layouts_fast import (
    index_from_counts,
    is_increasing,
    value_range,
)

INTEGER_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_value_range_is_numpys_min_and_max(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(0)
    for size in (1, 2, 1000):
        values = rng.integers(info.min, info.max, size=size, dtype=dtype, endpoint=True)
        assert value_range(values) == (int(values.min()), int(values.max()))
    strided = np.arange(20, dtype=dtype)[::3]
    assert value_range(strided) == (0, 18)
    with pytest.raises(ValueError, match="empty"):
        value_range(np.zeros(0, dtype=dtype))


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint16", "uint32"])
def test_is_increasing_is_the_sign_of_numpys_diff(dtype):
    rng = np.random.default_rng(1)
    for _ in range(200):
        values = np.sort(rng.integers(0, 50, size=rng.integers(0, 8))).astype(dtype)
        if len(values) and rng.random() < 0.3:
            values[rng.integers(len(values))] = rng.integers(0, 50)
        steps = np.diff(values.astype(np.int64))
        assert is_increasing(values) == bool(np.all(steps >= 0))
        assert is_increasing(values, strictly=True) == bool(np.all(steps > 0))


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "uint64"])
def test_index_from_counts_is_a_cumulative_sum_from_zero(dtype):
    counts = np.random.default_rng(2).integers(0, 200, size=1000).astype(dtype)
    indptr = index_from_counts(counts, np.iinfo(np.int32).max)
    assert indptr.dtype == np.int32
    np.testing.assert_array_equal(indptr, np.concatenate(([0], np.cumsum(counts))))
    wide = index_from_counts(counts, 100)  # a total past the int32 bound: int64
    assert wide.dtype == np.int64
    np.testing.assert_array_equal(wide, indptr)
    assert index_from_counts(np.zeros(0, dtype=dtype), 100).tolist() == [0]


def test_index_from_counts_refuses_counts_that_overflow():
    counts = np.array([2**61, 2**61, 5], dtype=np.uint64)
    with pytest.raises(ValueError, match="entry counts add up to more than 2\\*\\*62"):
        index_from_counts(counts, 100)
    with pytest.raises(ValueError, match="more than 2\\*\\*62"):
        index_from_counts(np.array([2**64 - 1], dtype=np.uint64), 100)


def test_index_from_counts_refuses_signed_counts():
    with pytest.raises(TypeError, match="entry counts must be unsigned, got int32"):
        index_from_counts(np.array([1, 2], dtype=np.int32), 100)
    with pytest.raises(TypeError, match="expected a 1-D integer array, got float64"):
        value_range(np.array([1.0]))
