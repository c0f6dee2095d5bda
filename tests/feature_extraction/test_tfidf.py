import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfTransformer

from sklearn_compress import CompressedTfidfTransformer


def _counts(n_samples=300, n_features=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = sparse.random(n_samples, n_features, density=0.01, format="csr", random_state=seed)
    X.data = rng.integers(1, 5, size=X.nnz).astype(np.float64)
    # every column in some document, as in a fitted vocabulary (smooth_idf=False
    # would otherwise divide by a zero document frequency)
    return sparse.vstack([X, sparse.csr_matrix(np.ones((1, n_features)))], format="csr")


PARAMS = [
    {},
    {"norm": "l1"},
    {"norm": None},
    {"sublinear_tf": True},
    {"smooth_idf": False},
    {"use_idf": False},
]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_transform_equals_tfidf_transformer(params, dtype):
    X = _counts().astype(dtype)
    reference = TfidfTransformer(**params).fit(X)
    compact = CompressedTfidfTransformer(**params).fit(X)
    expected, actual = reference.transform(X), compact.transform(X)
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual.toarray(), expected.toarray())
    if params.get("use_idf", True):
        np.testing.assert_array_equal(compact.idf_, reference.idf_)
        # many columns, few distinct idf values: about a byte each
        assert compact.nbytes < 1.1 * X.shape[1]
    else:
        assert not hasattr(compact, "idf_")


@pytest.mark.parametrize("params", PARAMS)
def test_converted_transformer_follows_the_columns(params):
    X = _counts()
    reference = TfidfTransformer(**params).fit(X)
    columns = np.random.default_rng(1).permutation(X.shape[1])[:1500]
    compact = CompressedTfidfTransformer.from_tfidf_transformer(reference, columns)
    assert compact.get_params() == reference.get_params()
    assert compact.n_features_in_ == 1500
    # the same operations on the selected columns: equal before any row norm
    expected = TfidfTransformer(**{**params, "norm": None}).fit(X).transform(X)[:, columns]
    compact.set_params(norm=None)
    np.testing.assert_array_equal(compact.transform(X[:, columns]).toarray(),
                                  expected.toarray())


def test_many_distinct_idf_values_use_the_overflow_table():
    X = _counts(n_samples=3000, n_features=3000, seed=2)[:3000]
    X = X + sparse.csr_matrix(np.triu(np.ones((3000, 3000)))[:, :3000])  # df from 1 to 3000
    reference = TfidfTransformer().fit(X)
    compact = CompressedTfidfTransformer().fit(X)
    assert len(compact.idf_table_) > 256 and len(compact.idf_overflow_columns_) > 0
    np.testing.assert_array_equal(compact.idf_, reference.idf_)
    np.testing.assert_array_equal(compact.transform(X[:50]).toarray(),
                                  reference.transform(X[:50]).toarray())


def test_pickle_clone_and_errors():
    X = _counts()
    compact = CompressedTfidfTransformer().fit(X)
    restored = pickle.loads(pickle.dumps(compact))
    np.testing.assert_array_equal(restored.transform(X).toarray(), compact.transform(X).toarray())
    assert "idf_" not in vars(restored)  # only the codes are stored
    assert clone(compact).get_params() == compact.get_params()
    with pytest.raises(ValueError, match="X has 10 features, but CompressedTfidfTransformer is "
                                         "expecting 2000 features"):
        compact.transform(X[:, :10])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CompressedTfidfTransformer().transform(X)
