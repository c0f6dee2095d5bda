"""The compiled float checks agree with the numpy expressions they replace."""

import numpy as np
import pytest

from sklearn_compress.utils import all_finite, float_range


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_range_is_numpys_min_and_max(dtype):
    rng = np.random.default_rng(0)
    for shape in [(1,), (2,), (151,), (7, 13), ()]:
        values = (rng.standard_normal(shape) * 1e3).astype(dtype)
        assert float_range(values) == (float(values.min()), float(values.max()))
    strided = np.arange(20, dtype=dtype)[::3]
    assert float_range(strided) == (0.0, 18.0)
    infinite = np.array([1.0, -np.inf, np.inf], dtype=dtype)
    assert float_range(infinite) == (-np.inf, np.inf)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("position", [0, 1, 75, 150])
def test_a_nan_anywhere_makes_both_ends_nan(dtype, position):
    values = np.linspace(-1, 1, 151, dtype=dtype)
    values[position] = np.nan
    low, high = float_range(values)
    assert np.isnan(low) and np.isnan(high)
    assert not all_finite(values)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_all_finite_is_numpys(dtype):
    rng = np.random.default_rng(1)
    specials = [np.nan, np.inf, -np.inf, 0.0, np.finfo(dtype).max, -np.finfo(dtype).tiny]
    for _ in range(300):
        values = rng.standard_normal(rng.integers(0, 9)).astype(dtype)
        for i in range(len(values)):
            if rng.random() < 0.2:
                values[i] = specials[rng.integers(len(specials))]
        assert all_finite(values) == bool(np.all(np.isfinite(values)))


def test_refuses_what_is_not_a_float_array():
    with pytest.raises(ValueError, match=r"^float_range of an empty array$"):
        float_range(np.zeros(0))
    with pytest.raises(TypeError, match=r"^expected a float32 or float64 array, got int64$"):
        float_range(np.arange(3, dtype=np.int64))
    with pytest.raises(TypeError, match=r"^expected a float32 or float64 array, got list$"):
        all_finite([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^expected a float32 or float64 array, got float16$"):
        all_finite(np.zeros(0, dtype=np.float16))
    assert all_finite(np.zeros((0, 3)))
