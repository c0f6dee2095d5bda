"""The compiled scoring of CSR samples with sparse codes: numpy's sums bit for bit, threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_compress.linear_model._scoring_fast import scattered_scores


def _random_csr(shape, *, density, rng, data_sampler=None):
    # scipy.sparse.random_array takes rng= only from scipy 1.15 (random_state before).
    mask = rng.random(shape) < density
    dense = np.zeros(shape)
    dense[mask] = rng.random(mask.sum()) if data_sampler is None else data_sampler(mask.sum())
    return sp.csr_array(dense)

def _codes(rng, n_features, n_outputs, code_dtype, offset_dtype, id_dtype):
    counts = rng.integers(0, min(n_outputs, 6) + 1, n_features)
    indptr = np.zeros(n_features + 1, dtype=offset_dtype)
    np.cumsum(counts, out=indptr[1:])
    output_ids = np.concatenate(
        [rng.choice(n_outputs, count, replace=False) for count in counts]).astype(id_dtype)
    info = np.iinfo(code_dtype)
    codes = rng.integers(info.min + 1, info.max + 1, indptr[-1]).astype(code_dtype)
    return codes, indptr, output_ids


def _bincount_scores(codes, indptr, output_ids, n_outputs, X):
    """The same sums with numpy: each product added in turn by np.bincount."""
    features = X.indices.astype(np.int64)
    per_nonzero = indptr[features + 1] - indptr[features]
    positions = np.concatenate(
        [np.arange(indptr[j], indptr[j + 1]) for j in features] or [np.zeros(0, int)])
    samples = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    weights = np.repeat(X.data, per_nonzero) * codes[positions]
    cells = np.repeat(samples, per_nonzero) * n_outputs + output_ids[positions]
    scores = np.bincount(cells, weights=weights, minlength=X.shape[0] * n_outputs)
    return scores.reshape(X.shape[0], n_outputs)


@pytest.mark.parametrize("code_dtype", [np.int8, np.int16])
@pytest.mark.parametrize("offset_dtype", [np.int32, np.int64])
@pytest.mark.parametrize(("n_outputs", "id_dtype"), [(7, np.uint8), (300, np.uint16)])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_scores_equal_numpy_bincount_bit_for_bit(code_dtype, offset_dtype, n_outputs, id_dtype,
                                                 index_dtype):
    rng = np.random.default_rng(0)
    n_features = 200
    codes, indptr, output_ids = _codes(rng, n_features, n_outputs, code_dtype, offset_dtype,
                                       id_dtype)
    X = _random_csr((30, n_features), density=0.1, rng=rng,
                        data_sampler=lambda size: rng.normal(size=size) * 1e3)
    X.indices, X.indptr = X.indices.astype(index_dtype), X.indptr.astype(index_dtype)
    scores = scattered_scores(codes, indptr, output_ids, n_outputs, X.data, X.indices, X.indptr)
    expected = _bincount_scores(codes, indptr, output_ids, n_outputs, X)
    assert scores.dtype == np.float64 and scores.shape == (30, n_outputs)
    np.testing.assert_array_equal(scores, expected)
    one = X[[4]]
    np.testing.assert_array_equal(
        scattered_scores(codes, indptr, output_ids, n_outputs, one.data, one.indices, one.indptr),
        expected[[4]])


def test_strided_sample_arrays_are_read_as_they_are():
    rng = np.random.default_rng(1)
    codes, indptr, output_ids = _codes(rng, 50, 5, np.int8, np.int32, np.uint8)
    X = _random_csr((4, 50), density=0.2, rng=rng)
    data = np.repeat(X.data, 2)[::2]  # a view with a stride of two values
    np.testing.assert_array_equal(
        scattered_scores(codes, indptr, output_ids, 5, data, X.indices, X.indptr),
        _bincount_scores(codes, indptr, output_ids, 5, X))


def test_out_of_range_input_raises_value_error():
    codes, indptr, ids = np.ones(2, np.int8), np.array([0, 1, 2], np.int32), np.zeros(2, np.uint8)
    data = np.ones(1)
    with pytest.raises(ValueError, match=r"feature index out of \[0, 2\)"):
        scattered_scores(codes, indptr, ids, 1, data, np.array([2], np.int32),
                         np.array([0, 1], np.int32))
    with pytest.raises(ValueError, match=r"feature index out of \[0, 2\)"):
        scattered_scores(codes, indptr, ids, 1, data, np.array([-1], np.int32),
                         np.array([0, 1], np.int32))
    with pytest.raises(ValueError, match="row pointers are not monotone"):
        scattered_scores(codes, indptr, ids, 1, data, np.array([0], np.int32),
                         np.array([0, 2], np.int32))
    with pytest.raises(ValueError, match="codes' index does not describe"):
        scattered_scores(codes, indptr, np.array([0, 3], np.uint8), 1, data,
                         np.array([1], np.int32), np.array([0, 1], np.int32))


def test_threads_scoring_at_once_get_the_single_thread_results():
    # The kernel runs without the GIL: 4 threads at once, each several times.
    rng = np.random.default_rng(2)
    codes, indptr, output_ids = _codes(rng, 5000, 150, np.int8, np.int32, np.uint8)
    batches = [_random_csr((200, 5000), density=0.01, rng=rng)
               for _ in range(8)]

    def score(X):
        return scattered_scores(codes, indptr, output_ids, 150, X.data, X.indices, X.indptr)

    expected = [score(X) for X in batches]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(score, batches * 3))
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[i % len(batches)])
