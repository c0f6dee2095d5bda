"""The compiled counting of the text vectorizer's rows: canonical output, threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from sklearn_compress import CompressedTextVectorizer
from sklearn_compress.feature_extraction._hashed_fast import count_rows


def test_count_rows_sorts_counts_and_drops():
    columns = np.array([5, -1, 2, 5, 0, 3, -1, 3, 3], dtype=np.int64)
    indices, indptr, counts = count_rows(columns, np.array([4, 4, 9]))
    assert indices.tolist() == [2, 5, 0, 3]
    assert indptr.tolist() == [0, 2, 2, 4]
    assert counts.tolist() == [1, 2, 1, 3]


@pytest.mark.parametrize("seed", range(5))
def test_count_rows_equals_scipy_summing_duplicates(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_columns = 40, 30
    row_ends = np.cumsum(rng.integers(0, 12, n_rows))
    columns = rng.integers(-1, n_columns, row_ends[-1])
    indices, indptr, counts = count_rows(columns, row_ends)
    kept = columns >= 0
    rows = np.repeat(np.arange(n_rows), np.diff(row_ends, prepend=0))
    expected = sp.csr_array((np.ones(kept.sum(), dtype=np.int64), (rows[kept], columns[kept])),
                            shape=(n_rows, n_columns))
    expected.sum_duplicates()
    np.testing.assert_array_equal(indices, expected.indices)
    np.testing.assert_array_equal(indptr, expected.indptr)
    np.testing.assert_array_equal(counts, expected.data)


def _documents(n):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)] + ["café", "naïve"]
    return [" ".join(rng.choice(words, rng.integers(0, 15))) for _ in range(n)]


@pytest.mark.parametrize("n_documents", [1, 3, 5000])
@pytest.mark.parametrize("tfidf", [False, True])
def test_output_is_canonical_and_equals_scikit_learn(n_documents, tfidf):
    # 5000 documents are more n-grams than one directly looked-up chunk.
    reference = (TfidfVectorizer if tfidf else CountVectorizer)(ngram_range=(1, 2))
    reference.fit(_documents(2000))
    ctv, columns = CompressedTextVectorizer.from_text_vectorizer(reference, fingerprint_bits=32)
    X = _documents(n_documents)
    Xt = ctv.transform(X)
    expected = reference.transform(X)[:, columns]
    assert type(Xt) is type(reference.transform(X)) and Xt.dtype == expected.dtype
    assert Xt.has_canonical_format
    Xt.check_format(full_check=True)
    assert Xt.indices.dtype == np.int32 and Xt.indptr.dtype == np.int32
    expected.sort_indices()
    np.testing.assert_array_equal(Xt.indices, expected.indices)
    np.testing.assert_array_equal(Xt.indptr, expected.indptr)
    if tfidf:  # rows normalized in another column order: equal up to rounding
        np.testing.assert_allclose(Xt.data, expected.data, rtol=1e-12, atol=0)
    else:
        np.testing.assert_array_equal(Xt.data, expected.data)


def test_no_documents_as_scikit_learn():
    documents = _documents(50)
    counts = CompressedTextVectorizer().fit(documents).transform([])
    assert counts.shape == (0, CountVectorizer().fit(documents).transform([]).shape[1])
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        TfidfVectorizer().fit(documents).transform([])
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        CompressedTextVectorizer(tfidf=True).fit(documents).transform([])


def test_transform_from_threads_equals_single_thread():
    # count_rows releases the GIL: 4 threads at once on chunks and single documents.
    documents = _documents(8000)
    ctv = CompressedTextVectorizer(tfidf=True, ngram_range=(1, 2)).fit(documents[:4000])
    chunks = [documents[i::8] for i in range(8)] + [[documents[i]] for i in range(8)]

    def arrays(chunk):
        X = ctv.transform(chunk)
        return X.data, X.indices, X.indptr

    expected = [arrays(chunk) for chunk in chunks]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(arrays, chunks * 3))
    for i, result in enumerate(results):
        for array, expected_array in zip(result, expected[i % len(chunks)], strict=True):
            np.testing.assert_array_equal(array, expected_array)
