import copy
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.feature_selection import SelectFromModel, SelectKBest, VarianceThreshold, chi2
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifier, SGDClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, Normalizer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from sklearn_compress import (
    CompressedVectorizer,
    QuantizedLinearModel,
    compress,
)
from tests._synthetic import feature_dicts

X_TRAIN, Y_TRAIN = feature_dicts(600, seed=0)
X_TEST, Y_TEST = feature_dicts(300, seed=1)


def _int32_indices(X):
    # liblinear rejects the int64 indices DictVectorizer may emit.
    X = X.tocsr()
    X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)
    return X


PIPELINES = {
    "dv+lr": lambda: [DictVectorizer(), LogisticRegression(max_iter=500)],
    "dv+tfidf+lr": lambda: [DictVectorizer(), TfidfTransformer(), LogisticRegression()],
    "dv+linear-tfidf+ridge": lambda: [
        DictVectorizer(), TfidfTransformer(norm=None), RidgeClassifier()],
    "dv+maxabs+kbest+svc": lambda: [
        DictVectorizer(), MaxAbsScaler(), SelectKBest(chi2, k=150),
        FunctionTransformer(_int32_indices, accept_sparse=True), LinearSVC()],
    "dv+variance+scaler+normalizer+sgd": lambda: [
        DictVectorizer(), VarianceThreshold(0.001), StandardScaler(with_mean=False),
        Normalizer(), SGDClassifier(random_state=0)],
    "dv+fromodel+lr": lambda: [
        DictVectorizer(), SelectFromModel(LogisticRegression(C=0.5)), LogisticRegression()],
    # the selector comes after a row norm: the features it drops still count
    # in the norm, so they stay in the hash, without weights
    "dv+tfidf+kbest+lr": lambda: [
        DictVectorizer(), TfidfTransformer(), SelectKBest(chi2, k=100), LogisticRegression()],
}


def _fit(name):
    steps = PIPELINES[name]()
    # FunctionTransformer is only there to feed liblinear; compress() rejects
    # it, so it is dropped from the pipeline and LinearSVC gets int32 input.
    steps = [s for s in steps if not isinstance(s, FunctionTransformer)]
    pipe = make_pipeline(*steps)
    if isinstance(steps[-1], LinearSVC):
        Xt = _int32_indices(make_pipeline(*steps[:-1]).fit_transform(X_TRAIN, Y_TRAIN))
        pipe[:-1].fit(X_TRAIN, Y_TRAIN)
        steps[-1].fit(Xt, Y_TRAIN)
        return pipe
    return pipe.fit(X_TRAIN, Y_TRAIN)


def _decisions(model, X):
    return np.asarray(model.decision_function(X), dtype=float)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_compressed_pipeline_agrees_with_the_original(name):
    pipe = _fit(name)
    # 16 fingerprint bits: a feature left out of the hash is then (almost)
    # never taken for a kept one, so only quantization moves the decisions.
    small = compress(pipe, fingerprint_bits=16)
    assert [n for n, _ in small.steps] == [n for n, _ in pipe.steps]
    assert isinstance(small.steps[0][1], CompressedVectorizer)
    assert isinstance(small.steps[-1][1], QuantizedLinearModel)
    original, compressed = pipe.predict(X_TEST), small.predict(X_TEST)
    assert np.mean(original == compressed) >= 0.98
    # Each decision moves by at most half a quantization step per unit of the
    # model's input (its L1 norm).
    model_input = small[:-1].transform(X_TEST)
    l1 = np.asarray(abs(model_input).sum(axis=1)).ravel()
    bound = 0.5 * np.max(small[-1].scale_) * l1 + 1e-9
    error = np.abs(_decisions(pipe, X_TEST) - _decisions(small, X_TEST))
    assert np.all(error.reshape(len(l1), -1) <= bound[:, None])


def test_input_pipeline_is_left_untouched():
    pipe = _fit("dv+maxabs+kbest+svc")
    before = pickle.dumps(pipe)
    compress(pipe)
    assert pickle.dumps(pipe) == before


def test_zero_weight_and_unselected_features_leave_the_hash():
    pipe = _fit("dv+maxabs+kbest+svc")
    small = compress(pipe, bits=3)
    model = small.steps[-1][1]
    assert len(small.steps[0][1].mph_) == model.n_features_in_
    assert not model.zero_features_.any()
    assert model.n_features_in_ <= 150
    assert small.steps[1][1] == small.steps[2][1] == "passthrough"  # folded scaler, selector


def test_scaler_followed_by_normalizer_is_kept_not_folded():
    pipe = _fit("dv+variance+scaler+normalizer+sgd")
    small = compress(pipe)
    kinds = [type(step).__name__ if step != "passthrough" else step for _, step in small.steps]
    assert kinds == ["CompressedVectorizer", "passthrough", "StandardScaler", "Normalizer",
                     "QuantizedLinearModel"]
    n_slots = small.steps[0][1].n_features_out_
    assert small.steps[2][1].scale_.shape == (n_slots,)


def test_tfidf_idf_follows_the_slots():
    pipe = _fit("dv+tfidf+lr")
    small = compress(pipe)
    vectorizer = small.steps[0][1]
    _, columns = CompressedVectorizer.from_dict_vectorizer(pipe.steps[0][1])
    # every slot's idf is the idf of the DictVectorizer column it stands for
    original_idf = dict(zip(pipe.steps[0][1].feature_names_, pipe.steps[1][1].idf_, strict=True))
    slots = vectorizer.mph_.lookup(pipe.steps[0][1].feature_names_)
    kept = slots >= 0
    names = np.asarray(pipe.steps[0][1].feature_names_)[kept]
    np.testing.assert_array_equal(small.steps[1][1].idf_[slots[kept]],
                                  [original_idf[n] for n in names])
    assert len(columns) == len(pipe.steps[0][1].feature_names_)


def test_pipeline_without_vectorizer():
    X = np.asarray(DictVectorizer(sparse=False).fit_transform(X_TRAIN))
    pipe = make_pipeline(MaxAbsScaler(), LogisticRegression()).fit(X, Y_TRAIN)
    small = compress(pipe)
    assert small.steps[0][1] == "passthrough"
    assert np.mean(small.predict(X) == pipe.predict(X)) >= 0.98


def test_bare_estimator_becomes_a_quantized_model():
    X = DictVectorizer().fit_transform(X_TRAIN)
    model = Ridge().fit(X, np.arange(len(Y_TRAIN)) % 3)
    small = compress(model)
    assert isinstance(small, QuantizedLinearModel)
    np.testing.assert_allclose(small.predict(X), model.predict(X), atol=0.05)


def test_round_trips_clone_and_params(tmp_path):
    small = compress(_fit("dv+tfidf+lr"))
    expected = small.predict(X_TEST)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(small)).predict(X_TEST), expected)
    joblib.dump(small, tmp_path / "small.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "small.joblib").predict(X_TEST), expected)
    assert "logisticregression__bits" in small.get_params()
    fresh = clone(small).fit(X_TRAIN, Y_TRAIN)
    assert np.mean(fresh.predict(X_TEST) == expected) >= 0.95


def test_compressed_is_deterministic():
    pipe = _fit("dv+lr")
    first, second = compress(pipe, random_state=3), compress(pipe, random_state=3)
    assert pickle.dumps(first) == pickle.dumps(second)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([DictVectorizer(), FunctionTransformer(accept_sparse=True), LogisticRegression()],
         r"step 'functiontransformer' \(FunctionTransformer\) is not supported by "
         r"compress\(\); supported steps: .*DictVectorizer.*MaxAbsScaler"),
        ([DictVectorizer(), StandardScaler(with_mean=False), DecisionTreeClassifier()],
         r"final step 'decisiontreeclassifier'.*DecisionTreeClassifier"),
    ],
)
def test_unsupported_steps_raise_type_error_naming_them(steps, message):
    pipe = make_pipeline(*steps).fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(TypeError, match=message):
        compress(pipe)


def test_centering_scaler_is_kept_and_the_weights_quantized_after_it():
    X = DictVectorizer(sparse=False).fit_transform(X_TRAIN)
    X[:, 0] += 1000.0  # a column far from zero: centering matters
    pipe = make_pipeline(MaxAbsScaler(), StandardScaler(), LogisticRegression()).fit(X, Y_TRAIN)
    small = compress(pipe)
    # nothing is folded past the centering: both scalers stay as they were fitted
    assert [type(step).__name__ for _, step in small.steps] == [
        "MaxAbsScaler", "StandardScaler", "QuantizedLinearModel"]
    np.testing.assert_array_equal(small[1].mean_, pipe[1].mean_)
    X_test = DictVectorizer(sparse=False).fit(X_TRAIN).transform(X_TEST)
    X_test[:, 0] += 1000.0
    equivalent = copy.deepcopy(pipe[-1])  # scikit-learn's model on the quantized weights
    equivalent.coef_ = small[-1].coef_
    scaled = pipe[:-1].transform(X_test)
    np.testing.assert_array_equal(small.predict(X_test), equivalent.predict(scaled))
    np.testing.assert_allclose(small.decision_function(X_test),
                               equivalent.decision_function(scaled), rtol=1e-12, atol=1e-12)
    assert np.mean(small.predict(X_test) == pipe.predict(X_test)) >= 0.99


def test_unfitted_pipeline_is_refused():
    with pytest.raises(TypeError, match=r"step 'dictvectorizer' \(DictVectorizer\) is not fitted"):
        compress(make_pipeline(DictVectorizer(), LogisticRegression()))
    with pytest.raises(TypeError, match="cannot compress an empty Pipeline"):
        compress(Pipeline([]))


def test_bare_vectorizer_is_refused():
    with pytest.raises(TypeError, match="a bare DictVectorizer has no model to compress"):
        compress(DictVectorizer().fit(X_TRAIN))


def test_features_under_a_row_norm_stay_in_the_hash():
    # TfidfTransformer's l2 norm reads every feature, zero weight or not.
    pipe = _fit("dv+tfidf+lr")
    small = compress(pipe, bits=2)
    assert small[-1].zero_features_.any()
    assert len(small.steps[0][1].mph_) == len(pipe.steps[0][1].feature_names_)
    # without the norm, zero-weight features may leave
    pipe = _fit("dv+linear-tfidf+ridge")
    small = compress(pipe, bits=2)
    assert len(small.steps[0][1].mph_) < len(pipe.steps[0][1].feature_names_)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bits": 1}, r"'bits' parameter of QuantizedLinearModel must be an int in the range"),
        ({"per_class": "yes"}, r"'per_class' parameter of QuantizedLinearModel"),
        ({"fingerprint_bits": 40}, r"'fingerprint_bits' parameter of CompressedVectorizer"),
        ({"gamma": 0.5}, r"'gamma' parameter of CompressedVectorizer"),
        ({"random_state": -1}, r"'random_state' parameter of CompressedVectorizer"),
    ],
)
def test_bad_options_raise_value_errors_naming_them(params, message):
    pipe = _fit("dv+lr")
    with pytest.raises(ValueError, match=message):
        compress(pipe, **params)
