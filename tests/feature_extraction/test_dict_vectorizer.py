"""CompressedVectorizer: DictVectorizer's output, columns permuted to hash slots."""

import io
import pickle
import random

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_compress import CompressedVectorizer
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features
from sklearn_compress.feature_extraction import _dict_vectorizer as vectorizer_module
from sklearn_compress.feature_extraction import _hashed

# Feature dicts exercising each of DictVectorizer's rules; each entry is
# (training samples, samples to transform). The samples to transform contain
# unseen features, which fingerprint_bits=16 rejects (checked for seed 7).
SAMPLE_SETS = {
    "numeric": (
        [{"foo": 1, "bar": 2.5}, {"foo": 3, "baz": -1}, {"qux": 0}],
        [{"foo": 4, "unseen": 3}, {"bar": 1e3, "baz": 2, "qux": 7}],
    ),
    "string": (
        [{"city": "Paris", "lang": "fr"}, {"city": "Oslo"}],
        [{"city": "Oslo", "lang": "no"}, {"city": "Paris", "lang": "fr"}],
    ),
    "iterable": (
        [{"tags": ["a", "b"], "n": 2}, {"tags": ("c",)}, {"tags": []}],
        [{"tags": ["a", "a", "c", "z"]}, {"tags": frozenset({"b", "c"}), "n": 5}],
    ),
    # The same feature reached twice in one sample: summed.
    "repeated": (
        [{"version": ["1", "2", "1"], "ham": 2}, {"version=3": True, "version": "3"}],
        [{"version": ["1", "2", "1"], "version=1": 4}, {"version=3": 2, "version": "3"}],
    ),
    "empty": ([{}, {"a": 1}, {}], [{}, {"a": 2}, {"unseen": 1}]),
    "bool": ([{"on": True, "off": False}], [{"on": False, "off": True}, {"on": True}]),
}
DTYPES = [np.float64, np.float32, np.int64]


def dv_columns(cv, dv):
    """The DictVectorizer column of each of ``cv``'s slots, via the hash itself."""
    slots = cv.mph_.lookup(dv.feature_names_)
    assert sorted(slots.tolist()) == list(range(cv.n_features_out_))
    columns = np.empty(cv.n_features_out_, dtype=np.int64)
    columns[slots] = np.arange(len(slots))
    return columns


def assert_same_output(cv_out, dv_out, columns):
    """``cv_out == dv_out[:, columns]``, exactly and with the same dtype."""
    assert sp.issparse(cv_out) == sp.issparse(dv_out)
    assert cv_out.dtype == dv_out.dtype
    assert cv_out.shape == (dv_out.shape[0], len(columns))
    if sp.issparse(cv_out):  # without densifying: real data has ~30k columns
        assert (cv_out - dv_out[:, columns]).count_nonzero() == 0
    else:
        assert_array_equal(cv_out, dv_out[:, columns])


@pytest.mark.parametrize("name", sorted(SAMPLE_SETS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [True, False])
def test_from_dict_vectorizer_matches_dict_vectorizer(name, dtype, sparse):
    train, test = SAMPLE_SETS[name]
    dv = DictVectorizer(dtype=dtype, sparse=sparse).fit(train)
    cv, columns = CompressedVectorizer.from_dict_vectorizer(
        dv, fingerprint_bits=16, random_state=7
    )
    assert columns.dtype == np.int64
    assert sorted(columns.tolist()) == list(range(len(dv.feature_names_)))
    assert_array_equal(columns, dv_columns(cv, dv))
    for samples in (train, test):
        assert_same_output(cv.transform(samples), dv.transform(samples), columns)


@pytest.mark.parametrize("name", sorted(SAMPLE_SETS))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [True, False])
def test_fit_matches_dict_vectorizer(name, dtype, sparse):
    train, test = SAMPLE_SETS[name]
    params = {"dtype": dtype, "sparse": sparse}
    dv = DictVectorizer(**params)
    cv = CompressedVectorizer(**params, fingerprint_bits=16, random_state=7)
    dv_train, cv_train = dv.fit_transform(train), cv.fit_transform(train)
    assert cv.n_features_out_ == len(dv.feature_names_)
    columns = dv_columns(cv, dv)
    assert_same_output(cv_train, dv_train, columns)
    assert_same_output(cv.transform(test), dv.transform(test), columns)


def test_none_value_is_nan_like_dict_vectorizer():
    samples = [{"a": None, "b": 1}]
    dv = DictVectorizer(sparse=False).fit(samples)
    cv = CompressedVectorizer(sparse=False).fit(samples)
    assert_array_equal(cv.transform(samples), dv.transform(samples)[:, dv_columns(cv, dv)])
    with pytest.raises(TypeError):
        DictVectorizer(dtype=np.int64).fit_transform(samples)
    with pytest.raises(TypeError):
        CompressedVectorizer(dtype=np.int64).fit_transform(samples)


def test_values_of_ignored_features_are_not_converted():
    # DictVectorizer only converts the values of features it knows.
    dv = DictVectorizer(dtype=np.int64).fit([{"a": 1}])
    cv, columns = CompressedVectorizer.from_dict_vectorizer(dv, fingerprint_bits=16)
    samples = [{"a": 2, "unseen": None}]
    assert_same_output(cv.transform(samples), dv.transform(samples), columns)


def test_single_mapping_is_one_sample():
    dv = DictVectorizer().fit([{"a": 1, "b": 2}])
    cv, columns = CompressedVectorizer.from_dict_vectorizer(dv)
    assert_same_output(cv.transform({"b": 5}), dv.transform({"b": 5}), columns)


def test_chunks_and_merges_give_the_same_result(monkeypatch):
    samples = [{f"w{i % 97}": 1, f"w{i % 89} x": "y", "n": i} for i in range(3000)]
    whole = CompressedVectorizer().fit(samples)
    monkeypatch.setattr(vectorizer_module, "_CHUNK_FEATURES", 7)
    monkeypatch.setattr(_hashed, "_MIN_MERGE", 5)
    chunked = CompressedVectorizer().fit(iter(samples))
    assert pickle.dumps(chunked) == pickle.dumps(whole)
    assert_array_equal(chunked.fit_transform(samples).toarray(),
                       whole.transform(samples).toarray())


# -- unseen features --------------------------------------------------------------


def _vectorizer_over_words(n_words, **params):
    return CompressedVectorizer(**params).fit([{f"word{i}": 1 for i in range(n_words)}])


@pytest.mark.parametrize("fingerprint_bits", [4, 8, 16])
def test_unseen_features_accepted_at_the_fingerprint_rate(fingerprint_bits):
    cv = _vectorizer_over_words(5000, fingerprint_bits=fingerprint_bits, random_state=3)
    n_unseen = 100_000
    accepted = cv.transform([{f"unseen{i}": 1} for i in range(n_unseen)]).nnz
    p = 2.0**-fingerprint_bits
    mean, sigma = n_unseen * p, np.sqrt(n_unseen * p * (1 - p))
    assert mean - 5 * sigma <= accepted <= mean + 5 * sigma


def test_without_fingerprints_unseen_features_land_on_columns():
    cv = _vectorizer_over_words(5000, fingerprint_bits=0)
    n_unseen = 10_000
    accepted = cv.transform([{f"unseen{i}": 1} for i in range(n_unseen)]).nnz
    assert accepted > 0.9 * n_unseen


# -- determinism -------------------------------------------------------------------


def _shuffled(samples, seed):
    rng = random.Random(seed)
    samples = [dict(rng.sample(list(s.items()), len(s))) for s in samples]
    rng.shuffle(samples)
    return samples


def test_same_data_gives_byte_identical_pickles():
    samples = [word_ngram_features(f"play song {i} by artist {i % 13} now") for i in range(500)]
    reference = pickle.dumps(CompressedVectorizer().fit(samples))
    assert pickle.dumps(CompressedVectorizer().fit(samples)) == reference
    assert pickle.dumps(CompressedVectorizer().fit(_shuffled(samples, 0))) == reference
    assert pickle.dumps(CompressedVectorizer().fit(iter(samples))) == reference
    fit_transformed = CompressedVectorizer()
    fit_transformed.fit_transform(_shuffled(samples, 1))
    assert pickle.dumps(fit_transformed) == reference
    assert pickle.dumps(CompressedVectorizer(random_state=1).fit(samples)) != reference


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["transform", "get_feature_names_out"])
def test_unfitted_raises_not_fitted(method):
    with pytest.raises(NotFittedError):
        getattr(CompressedVectorizer(), method)([{"a": 1}])


def test_unfitted_nbytes_raises_not_fitted():
    with pytest.raises(NotFittedError):
        CompressedVectorizer().nbytes  # noqa: B018


class Unsupported:
    pass


@pytest.mark.parametrize(
    "samples",
    [
        pytest.param([["a", "b"]], id="list-sample"),
        pytest.param(["text"], id="str-sample"),
        pytest.param([{"a": 1}, 5], id="int-sample"),
        pytest.param([{"a": Unsupported()}], id="object-value"),
        pytest.param([{"a": {"b": 1}}], id="mapping-value"),
        pytest.param([{"a": [1, "b"]}], id="int-in-iterable"),
        pytest.param([{"a": b"bytes"}], id="bytes-value"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "transform", "fit_transform"])
def test_bad_input_raises_like_dict_vectorizer(samples, method):
    fitted = [{"a": 1}]
    dv, cv = DictVectorizer().fit(fitted), CompressedVectorizer().fit(fitted)
    # DictVectorizer.fit raises UnboundLocalError for some unsupported values
    # (a bug); its fit_transform raises the intended TypeError.
    dv_method = "fit_transform" if method == "fit" else method
    with pytest.raises(Exception) as dv_error:  # its type is checked on cv below
        getattr(dv, dv_method)(samples)
    with pytest.raises(dv_error.type) as cv_error:
        getattr(cv, method)(samples)
    if dv_error.type is AttributeError:
        assert "each sample must be a mapping" in str(cv_error.value)
    else:
        assert "nsupported" in str(cv_error.value)


def test_empty_input_raises_like_dict_vectorizer():
    cv = CompressedVectorizer().fit([{"a": 1}])
    with pytest.raises(ValueError, match="empty"):
        cv.transform([])
    with pytest.raises(ValueError, match="empty"):
        CompressedVectorizer().fit_transform([])


def test_fit_on_no_samples_gives_no_columns():
    cv = CompressedVectorizer().fit([])
    assert cv.n_features_out_ == 0
    assert cv.transform([{"a": 1}, {}]).shape == (2, 0)


def test_non_string_feature_names_are_rejected():
    with pytest.raises(TypeError, match=r"must be str.*int"):
        CompressedVectorizer().fit([{1: 2.0}])


@pytest.mark.parametrize("method", ["inverse_transform", "restrict"])
def test_methods_needing_feature_names_are_unavailable(method):
    cv = CompressedVectorizer().fit([{"a": 1}])
    assert not hasattr(cv, method)
    with pytest.raises(AttributeError, match="stores no feature names"):
        getattr(cv, method)
    for attribute in ("feature_names_", "vocabulary_"):
        assert not hasattr(cv, attribute)


@pytest.mark.parametrize(
    "params",
    [
        {"random_state": -1},
        {"random_state": 2**32},
        {"random_state": np.random.RandomState(0)},
        {"fingerprint_bits": 33},
        {"gamma": 0.5},
        {"separator": 1},
        {"sparse": "yes"},
    ],
)
def test_invalid_parameters_are_rejected(params):
    with pytest.raises(InvalidParameterError):
        CompressedVectorizer(**params).fit([{"a": 1}])


def test_random_state_none_means_zero():
    samples = [{"a": 1, "b": "c"}]
    none = CompressedVectorizer(random_state=None).fit(samples)
    zero = CompressedVectorizer(random_state=0).fit(samples)
    assert none.mph_.to_bytes() == zero.mph_.to_bytes()


# -- output format and scikit-learn API ----------------------------------------------


def test_sparse_output_is_canonical_csr_with_int32_indices():
    train = [{"a": 1, "b": "x"}, {"c": 2.0, "b": "y"}]
    cv = CompressedVectorizer().fit(train)
    X = cv.transform([{"b": ["x", "x", "y"], "c": 1, "b=x": 3}, {"a": 0}])
    assert type(X) is type(DictVectorizer().fit_transform(train))
    assert X.format == "csr"
    assert X.indices.dtype == np.int32
    assert X.indptr.dtype == np.int32
    assert X.has_canonical_format  # sorted, no repeated entries
    LinearSVC().fit(cv.transform(train * 2), [0, 1, 0, 1])  # liblinear needs int32


def test_feature_names_out_are_generic():
    cv = CompressedVectorizer().fit([{"a": 1, "b": "x"}])
    assert cv.n_features_out_ == 2
    assert_array_equal(
        cv.get_feature_names_out(), ["compressedvectorizer0", "compressedvectorizer1"]
    )


def test_tags_say_dict_input():
    input_tags = get_tags(CompressedVectorizer()).input_tags
    assert input_tags.dict
    assert not input_tags.two_d_array


def test_clone_and_params():
    cv = CompressedVectorizer(fingerprint_bits=4, separator=":")
    assert clone(cv).get_params() == cv.get_params()
    assert cv.set_params(gamma=2.0).gamma == 2.0


def _intent_samples():
    rng = random.Random(0)
    topics = {"music": ["play", "song", "album"], "weather": ["rain", "sunny", "forecast"]}
    texts, labels = [], []
    for i in range(200):
        label = rng.choice(sorted(topics))
        words = rng.choices(topics[label], k=3) + rng.choices(["the", "a", "now", "please"], k=2)
        texts.append(" ".join(words) + f" id{i % 17}")
        labels.append(label)
    return [word_ngram_features(t) for t in texts], labels


def test_pipeline_with_permuted_coef_predicts_like_dict_vectorizer_pipeline():
    samples, labels = _intent_samples()
    dv_pipe = make_pipeline(DictVectorizer(), LogisticRegression()).fit(samples, labels)
    dv, model = dv_pipe.steps[0][1], dv_pipe.steps[1][1]
    cv, columns = CompressedVectorizer.from_dict_vectorizer(dv)
    permuted = clone(model)
    permuted.coef_, permuted.intercept_ = model.coef_[:, columns], model.intercept_
    permuted.classes_ = model.classes_
    cv_pipe = make_pipeline(cv, permuted)
    new = [*samples[:50], {"unseen words": 1, "play": 2}]
    assert_array_equal(cv_pipe.predict(new), dv_pipe.predict(new))
    assert_allclose(cv_pipe.decision_function(new), dv_pipe.decision_function(new))


def test_pipeline_fits_from_scratch():
    samples, labels = _intent_samples()
    pipe = make_pipeline(CompressedVectorizer(), LogisticRegression()).fit(samples, labels)
    assert pipe.score(samples, labels) > 0.9
    assert clone(pipe).get_params()["compressedvectorizer__fingerprint_bits"] == 8


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(dump):
    samples, _ = _intent_samples()
    cv = CompressedVectorizer().fit(samples)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(cv))
    else:
        buffer = io.BytesIO()
        joblib.dump(cv, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
    assert_array_equal(loaded.transform(samples).toarray(), cv.transform(samples).toarray())
    assert loaded.nbytes == cv.nbytes > 0


# -- from_dict_vectorizer ------------------------------------------------------------


def test_from_dict_vectorizer_carries_parameters_over():
    dv = DictVectorizer(dtype=np.float32, separator=":", sparse=False).fit([{"a": "b"}])
    cv, _ = CompressedVectorizer.from_dict_vectorizer(dv, fingerprint_bits=12)
    assert (cv.dtype, cv.separator, cv.sparse, cv.fingerprint_bits) == (np.float32, ":", False, 12)
    assert_array_equal(cv.transform([{"a": "b"}]), np.ones((1, 1), dtype=np.float32))
    cv, _ = CompressedVectorizer.from_dict_vectorizer(dv, sparse=True)
    assert sp.issparse(cv.transform([{"a": "b"}]))


def test_from_dict_vectorizer_keep_drops_features():
    train, test = SAMPLE_SETS["numeric"]
    dv = DictVectorizer().fit(train)
    keep = np.array([name != "foo" for name in dv.feature_names_])
    cv, columns = CompressedVectorizer.from_dict_vectorizer(
        dv, keep=keep, fingerprint_bits=16, random_state=7
    )
    assert cv.n_features_out_ == keep.sum()
    assert sorted(columns.tolist()) == np.flatnonzero(keep).tolist()
    for samples in (train, test):
        assert_same_output(cv.transform(samples), dv.transform(samples), columns)


@pytest.mark.parametrize(
    "keep", [[True, False], np.ones(3, dtype=int), np.ones((3, 1), dtype=bool), "abc"]
)
def test_from_dict_vectorizer_rejects_bad_keep(keep):
    dv = DictVectorizer().fit([{"a": 1, "b": 2, "c": 3}])
    with pytest.raises(ValueError, match="keep must be a boolean mask of shape"):
        CompressedVectorizer.from_dict_vectorizer(dv, keep=keep)


def test_from_dict_vectorizer_needs_fitted_dict_vectorizer():
    with pytest.raises(NotFittedError):
        CompressedVectorizer.from_dict_vectorizer(DictVectorizer())


# -- real data ------------------------------------------------------------------------


def test_clinc150_test_split_matches_dict_vectorizer(clinc150_dir):
    train, _ = load_intent_dataset(clinc150_dir, "train")
    test, _ = load_intent_dataset(clinc150_dir, "test")
    train_features = [word_ngram_features(text) for text in train]
    test_features = [word_ngram_features(text) for text in test]
    dv = DictVectorizer().fit(train_features)
    converted, columns = CompressedVectorizer.from_dict_vectorizer(dv, fingerprint_bits=32)
    fitted = CompressedVectorizer(fingerprint_bits=32).fit(train_features)
    assert pickle.dumps(fitted.mph_) == pickle.dumps(converted.mph_)
    expected = dv.transform(test_features)
    assert_same_output(converted.transform(test_features), expected, columns)
    assert_same_output(fitted.transform(test_features), expected, dv_columns(fitted, dv))
