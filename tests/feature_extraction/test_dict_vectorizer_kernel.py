"""The compiled CSR assembly of CompressedVectorizer: canonical output, threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.feature_extraction import DictVectorizer

from sklearn_compress import CompressedVectorizer
from sklearn_compress.feature_extraction._dict_vectorizer_fast import csr_structure


def test_csr_structure_sorts_merges_and_drops():
    columns = np.array([5, -1, 2, 5, 0, 3, -1], dtype=np.int64)
    indices, indptr, target, n_repeats = csr_structure(columns, np.array([4, 4, 7]))
    assert indices.tolist() == [2, 5, 0, 3]
    assert indptr.tolist() == [0, 2, 2, 4]
    assert target.tolist() == [1, -1, 0, 1, 2, 3, -1]
    assert n_repeats == 1


def _samples(n):
    rng = np.random.default_rng(0)
    return [{f"w{i}": float(rng.integers(1, 5)), "tag": ["a", "b", "a"][: 1 + i % 3],
             f"unseen{i}": 1.0} for i in rng.integers(0, 300, n)]


@pytest.mark.parametrize("n_samples", [1, 3, 5000])
def test_output_is_canonical_and_equals_dict_vectorizer(n_samples):
    fit_samples = [{f"w{i}": 1.0, "tag": ["a", "b"]} for i in range(300)]
    dv = DictVectorizer().fit(fit_samples)
    cv, columns = CompressedVectorizer.from_dict_vectorizer(dv, fingerprint_bits=32)
    X = _samples(n_samples)
    Xt = cv.transform(X)
    expected = dv.transform(X)[:, columns]
    assert Xt.has_canonical_format
    Xt.check_format(full_check=True)
    assert Xt.indices.dtype == np.int32 and Xt.indptr.dtype == np.int32
    np.testing.assert_array_equal(Xt.toarray(), expected.toarray())


def test_transform_from_threads_equals_single_thread():
    samples = _samples(20_000)
    cv = CompressedVectorizer().fit(samples[:5000])
    chunks = [samples[i::8] for i in range(8)]
    expected = [cv.transform(chunk).toarray() for chunk in chunks]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda chunk: cv.transform(chunk).toarray(), chunks * 3))
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[i % 8])
