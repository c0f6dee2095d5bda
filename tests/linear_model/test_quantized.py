"""Tests of QuantizedLinearModel against the float models it quantizes."""

import copy
import io
import pickle
import re
import tracemalloc
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import linear_model, svm
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction import DictVectorizer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from sklearn_compress import QuantizedLinearModel
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features
from sklearn_compress.linear_model._quantized import quantize_fitted

# Float rounding allowed on top of the half-step-per-unit-of-input bound.
EPS = 1e-9

PROBA_METHODS = ("predict_proba", "predict_log_proba", "decision_function")


# PassiveAggressive* are deprecated since sklearn 1.8 but still supported here;
# their constructor (also called by clone) warns.
pytestmark = pytest.mark.filterwarnings("ignore:Class PassiveAggressive.*:FutureWarning")


def _passive_aggressive(name, **params):
    """A PassiveAggressive* estimator, or a skip once scikit-learn removed it."""
    cls = getattr(linear_model, name, None)
    if cls is None:
        pytest.skip(f"{name} is not in this scikit-learn")
    return cls(**params)


CLASSIFIERS = {
    "LogisticRegression": lambda: linear_model.LogisticRegression(max_iter=2000),
    "LogisticRegression-liblinear": lambda: linear_model.LogisticRegression(
        solver="liblinear"
    ),
    "LogisticRegressionCV": lambda: linear_model.LogisticRegressionCV(Cs=3, max_iter=2000),
    "LinearSVC": lambda: svm.LinearSVC(),
    "LinearSVC-crammer_singer": lambda: svm.LinearSVC(multi_class="crammer_singer"),
    "SGDClassifier-hinge": lambda: linear_model.SGDClassifier(random_state=0),
    "SGDClassifier-log_loss": lambda: linear_model.SGDClassifier(
        loss="log_loss", random_state=0
    ),
    "SGDClassifier-modified_huber": lambda: linear_model.SGDClassifier(
        loss="modified_huber", random_state=0
    ),
    "SGDClassifier-squared_hinge": lambda: linear_model.SGDClassifier(
        loss="squared_hinge", random_state=0
    ),
    "SGDClassifier-perceptron-l1": lambda: linear_model.SGDClassifier(
        loss="perceptron", penalty="l1", random_state=0
    ),
    "RidgeClassifier": lambda: linear_model.RidgeClassifier(),
    "RidgeClassifierCV": lambda: linear_model.RidgeClassifierCV(),
    "Perceptron": lambda: linear_model.Perceptron(random_state=0),
    "PassiveAggressiveClassifier": lambda: _passive_aggressive(
        "PassiveAggressiveClassifier", random_state=0
    ),
}

BINARY_ONLY = {"LogisticRegression-liblinear"}

REGRESSORS = {
    "LinearRegression": lambda: linear_model.LinearRegression(),
    "Ridge": lambda: linear_model.Ridge(),
    "RidgeCV": lambda: linear_model.RidgeCV(),
    "Lasso": lambda: linear_model.Lasso(alpha=0.1),
    "LassoCV": lambda: linear_model.LassoCV(cv=3),
    "ElasticNet": lambda: linear_model.ElasticNet(alpha=0.1),
    "ElasticNetCV": lambda: linear_model.ElasticNetCV(cv=3),
    "SGDRegressor": lambda: linear_model.SGDRegressor(random_state=0),
    "LinearSVR": lambda: svm.LinearSVR(max_iter=10000),
    "PassiveAggressiveRegressor": lambda: _passive_aggressive(
        "PassiveAggressiveRegressor", random_state=0
    ),
}

MULTI_OUTPUT_REGRESSORS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "ElasticNet")


# --- data ------------------------------------------------------------------


def _as_input(X, kind):
    """Dense, or CSR with int32 indices (liblinear rejects int64-indexed input)."""
    if kind == "dense":
        return X
    X = sparse.csr_matrix(X)
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    return X


def _sparsified(X, seed=0):
    """Zero out about half the entries, as in bag-of-words data."""
    rng = np.random.RandomState(seed)
    return np.where(rng.rand(*X.shape) < 0.5, 0.0, X)


def _classification(n_classes, kind, seed=0):
    X, y = make_classification(
        n_samples=240,
        n_features=30,
        n_informative=12,
        n_classes=n_classes,
        random_state=seed,
    )
    labels = np.array(["ant", "bee", "cat", "dog"])[y]  # string labels, as in NLU
    return _as_input(_sparsified(X, seed), kind), labels


def _regression(n_targets, kind, seed=0):
    X, y = make_regression(
        n_samples=200, n_features=25, n_informative=10, n_targets=n_targets, noise=5.0,
        random_state=seed,
    )
    return _as_input(_sparsified(X, seed), kind), y / np.abs(y).max()


def _fitted(factory, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and deprecation warnings
        return factory().fit(X, y)


# --- references computed from the codes -------------------------------------


def _dense_codes(model):
    """All codes as an (n_features, n_outputs) int array, from any layout."""
    if model.layout_ == "dense":
        return model.codes_.astype(np.int64)
    codes = np.zeros((model.n_features_in_, model.n_outputs_), dtype=np.int64)
    if model.layout_ == "feature_list":
        codes[model.feature_ids_, 0] = model.codes_
        return codes
    rows = np.repeat(np.arange(model.n_features_in_), np.diff(model.indptr_))
    codes[rows, model.output_ids_] = model.codes_
    return codes


def _dequantized_copy(estimator, model):
    """The float estimator with its coef_ replaced by the quantized weights."""
    dequantized = copy.deepcopy(estimator)
    weights = (_dense_codes(model) * model.scale_).T
    dequantized.coef_ = weights.reshape(np.shape(estimator.coef_))
    return dequantized


def _decision_of(estimator, X):
    if hasattr(estimator, "decision_function"):
        return estimator.decision_function(X)
    return estimator.predict(X)


def _error_bound(model, X):
    """Half a quantization step per unit of input: (n_samples, 1 or n_outputs)."""
    l1_norms = np.asarray(abs(X).sum(axis=1)).reshape(-1, 1)
    return 0.5 * np.reshape(model.scale_, (1, -1)) * l1_norms + EPS


def _check_close_to_float_model(estimator, model, X):
    """Decisions within the quantization bound; outputs shaped as the float model's."""
    float_decision = _decision_of(estimator, X)
    decision = _decision_of(model, X)
    assert decision.shape == float_decision.shape
    assert decision.dtype == np.float64
    error = np.abs(decision - float_decision).reshape(len(decision), -1)
    assert np.all(error <= _error_bound(model, X))


def _check_disagreements_are_near_ties(estimator, model, X):
    """Labels differ only where the float decision is within the error bound of a tie."""
    disagree = model.predict(X) != estimator.predict(X)
    assert disagree.mean() <= 0.1, disagree.mean()  # near-total agreement
    decision = estimator.decision_function(X)
    if decision.ndim == 1:
        margin, max_change = np.abs(decision), _error_bound(model, X).max(axis=1)
    else:  # the top two scores may each move by the bound
        top_two = np.sort(decision, axis=1)[:, -2:]
        margin, max_change = top_two[:, 1] - top_two[:, 0], 2 * _error_bound(model, X).max(axis=1)
    assert np.all(margin[disagree] <= max_change[disagree])


def _check_same_as_dequantized(estimator, model, X):
    """Every output equals the float model's run on the dequantized weights."""
    reference = _dequantized_copy(estimator, model)
    assert_allclose(_decision_of(model, X), _decision_of(reference, X), rtol=1e-10, atol=1e-10)
    if hasattr(reference, "classes_"):
        assert_array_equal(model.predict(X), reference.predict(X))
    else:
        assert_allclose(model.predict(X), reference.predict(X), rtol=1e-10, atol=1e-10)
    if hasattr(reference, "predict_proba"):
        assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-10)
        with np.errstate(divide="ignore"):
            assert_allclose(
                model.predict_log_proba(X), reference.predict_log_proba(X), atol=1e-8
            )


# --- agreement with the float models -----------------------------------------


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classifier_matches_float_model(name, n_classes, kind):
    if name in BINARY_ONLY and n_classes > 2:
        pytest.skip(f"{name} does not fit multiclass problems")
    X, y = _classification(n_classes, kind)
    estimator = _fitted(CLASSIFIERS[name], X, y)
    for per_class in (False, True):
        model = QuantizedLinearModel(estimator, per_class=per_class, prefit=True).fit()
        _check_close_to_float_model(estimator, model, X)
        _check_same_as_dequantized(estimator, model, X)
        assert_array_equal(model.classes_, estimator.classes_)
        _check_disagreements_are_near_ties(estimator, model, X)
        assert model.score(X, y) == pytest.approx(estimator.score(X, y), abs=0.03)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("name", sorted(REGRESSORS))
def test_regressor_matches_float_model(name, kind):
    X, y = _regression(1, kind)
    estimator = _fitted(REGRESSORS[name], X, y)
    for per_class in (False, True):
        model = QuantizedLinearModel(estimator, per_class=per_class, prefit=True).fit()
        assert model.predict(X).ndim == 1
        _check_close_to_float_model(estimator, model, X)
        _check_same_as_dequantized(estimator, model, X)
        assert model.score(X, y) == pytest.approx(estimator.score(X, y), abs=0.01)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("name", MULTI_OUTPUT_REGRESSORS)
def test_multi_output_regressor_matches_float_model(name, kind):
    X, Y = _regression(3, kind)
    estimator = _fitted(REGRESSORS[name], X, Y)
    model = QuantizedLinearModel(estimator, per_class=True, prefit=True).fit()
    assert model.predict(X).shape == (X.shape[0], 3)
    _check_close_to_float_model(estimator, model, X)
    _check_same_as_dequantized(estimator, model, X)


def test_regressor_fitted_on_a_column_target_predicts_a_column():
    X, y = _regression(1, "dense")
    estimator = linear_model.LinearRegression().fit(X, y.reshape(-1, 1))
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    assert model.predict(X).shape == estimator.predict(X).shape == (X.shape[0], 1)


@pytest.mark.parametrize("bits", range(2, 9))
def test_fit_clones_and_fits_the_default_logistic_regression(bits):
    X, y = _classification(4, "sparse")
    model = QuantizedLinearModel(bits=bits).fit(X, y)
    estimator = linear_model.LogisticRegression().fit(X, y)
    _check_close_to_float_model(estimator, model, X)
    assert np.abs(_dense_codes(model)).max() == 2 ** (bits - 1) - 1


def test_fit_passes_sample_weight_to_the_estimator():
    X, y = _classification(2, "dense")
    weights = np.random.RandomState(0).rand(len(y)) * 3
    model = QuantizedLinearModel(linear_model.RidgeClassifier()).fit(X, y, sample_weight=weights)
    estimator = linear_model.RidgeClassifier().fit(X, y, sample_weight=weights)
    _check_close_to_float_model(estimator, model, X)


def _prefit_logistic(n_features, n_classes, zero_fraction=0.0, seed=0):
    """A LogisticRegression with random weights (a fraction of them zero), not fitted.

    It stands for a large text model without the cost of fitting one.
    """
    rng = np.random.RandomState(seed)
    estimator = linear_model.LogisticRegression()
    n_rows = 1 if n_classes == 2 else n_classes  # binary: one row, as scikit-learn fits it
    coef = rng.standard_normal((n_rows, n_features))
    coef[rng.rand(n_rows, n_features) < zero_fraction] = 0.0
    estimator.coef_ = coef
    estimator.intercept_ = rng.standard_normal(n_rows)
    estimator.classes_ = np.arange(n_classes)
    estimator.n_features_in_ = n_features
    return estimator


def _random_input(n_samples, n_features, density, seed=0):
    return sparse.random(n_samples, n_features, density=density, format="csr", random_state=seed)


# --- the quantization itself --------------------------------------------------


@pytest.mark.parametrize("per_class", [False, True])
@pytest.mark.parametrize("bits", [2, 3, 5, 8])
def test_codes_are_the_rounded_weights_on_a_symmetric_grid(bits, per_class):
    X, y = _classification(4, "dense")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    model = QuantizedLinearModel(estimator, bits=bits, per_class=per_class, prefit=True).fit()
    max_code = 2 ** (bits - 1) - 1
    abs_weights = np.abs(estimator.coef_)
    expected_scale = (abs_weights.max(axis=1) if per_class else abs_weights.max()) / max_code
    assert_allclose(model.scale_, expected_scale, rtol=1e-15)
    expected_codes = np.rint(estimator.coef_.T / np.reshape(expected_scale, (1, -1)))
    assert_array_equal(_dense_codes(model), expected_codes)
    assert np.isscalar(model.scale_) != per_class


def test_zero_features_are_exactly_the_all_zero_code_rows():
    X, y = _classification(4, "sparse")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    model = QuantizedLinearModel(estimator, bits=3, prefit=True).fit()
    zero_rows = ~_dense_codes(model).any(axis=1)
    assert zero_rows.any() and not zero_rows.all()  # the test needs both kinds
    assert_array_equal(model.zero_features_, zero_rows)
    # Zero features do not change any decision.
    X_without = X.toarray()
    X_without[:, model.zero_features_] = 0
    assert_allclose(model.decision_function(X_without), model.decision_function(X), atol=1e-12)


def _layout_bytes(model):
    """Bytes of each layout that can hold the model's codes (int8 codes, 200 features)."""
    nnz = np.count_nonzero(_dense_codes(model))
    sizes = {"dense": model.n_features_in_ * model.n_outputs_,
             "sparse": (model.n_features_in_ + 1) * 4 + nnz * 2}  # int32 indptr, uint8 ids
    if model.n_outputs_ == 1:
        sizes["feature_list"] = nnz * 2  # uint8 feature ids, int8 codes
    return sizes


@pytest.mark.parametrize(("n_classes", "zero_fraction", "layout"),
                         [(10, 0.9, "sparse"), (10, 0.1, "dense"), (2, 0.9, "feature_list"),
                          (2, 0.1, "dense"), (2, 0.45, "dense"), (2, 0.55, "feature_list")])
def test_the_smallest_layout_is_chosen(n_classes, zero_fraction, layout):
    estimator = _prefit_logistic(200, n_classes, zero_fraction)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    assert model.layout_ == layout
    arrays = (model.codes_, model.indptr_, model.output_ids_, model.feature_ids_)
    assert sum(0 if array is None else array.nbytes for array in arrays) == min(
        _layout_bytes(model).values())
    assert model.codes_.dtype == np.int8


def test_binary_models_use_one_dense_code_column():
    X, y = _classification(2, "sparse")
    estimator = linear_model.LogisticRegression().fit(X, y)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    assert (model.layout_, model.codes_.shape) == ("dense", (X.shape[1], 1))


@pytest.mark.parametrize("per_class", [False, True])
def test_all_zero_weights_predict_from_the_intercepts(per_class):
    X, y = _classification(4, "dense")
    estimator = linear_model.LogisticRegression().fit(X, y)
    estimator.coef_[:] = 0.0
    model = QuantizedLinearModel(estimator, per_class=per_class, prefit=True).fit()
    assert np.all(model.zero_features_)
    assert np.all(np.asarray(model.scale_) == 0)
    assert_allclose(model.decision_function(X), np.tile(estimator.intercept_, (len(X), 1)))
    assert_allclose(model.predict_proba(X), estimator.predict_proba(X))


def test_one_all_zero_class_row_with_per_class_scales():
    X, y = _classification(4, "dense")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    estimator.coef_[1] = 0.0
    model = QuantizedLinearModel(estimator, per_class=True, prefit=True).fit()
    assert model.scale_[1] == 0 and np.all(model.scale_[[0, 2, 3]] > 0)
    _check_close_to_float_model(estimator, model, X)


def test_sparsified_coef_gives_the_same_codes_as_dense_coef():
    X, y = _classification(4, "sparse")
    estimator = _fitted(CLASSIFIERS["SGDClassifier-perceptron-l1"], X, y)
    dense_model = QuantizedLinearModel(estimator, bits=4, prefit=True).fit()
    estimator.sparsify()
    sparse_model = QuantizedLinearModel(estimator, bits=4, prefit=True).fit()
    assert_array_equal(_dense_codes(sparse_model), _dense_codes(dense_model))
    assert sparse_model.scale_ == dense_model.scale_


# --- probabilities -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_probability_methods_exist_exactly_where_the_float_model_has_them(name):
    X, y = _classification(2, "dense")
    unfitted = CLASSIFIERS[name]()
    for method in PROBA_METHODS:
        assert hasattr(QuantizedLinearModel(unfitted), method) == hasattr(unfitted, method)
    estimator = _fitted(CLASSIFIERS[name], X, y)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    for method in PROBA_METHODS:
        assert hasattr(model, method) == hasattr(estimator, method), method


@pytest.mark.parametrize("name", sorted(REGRESSORS))
def test_regressors_have_no_decision_function_nor_probabilities(name):
    X, y = _regression(1, "dense")
    model = QuantizedLinearModel(_fitted(REGRESSORS[name], X, y), prefit=True).fit()
    assert not any(hasattr(model, method) for method in PROBA_METHODS)
    assert not hasattr(model, "classes_")


@pytest.mark.parametrize("n_classes", [2, 4])
def test_logistic_probabilities_are_close_to_the_float_model(n_classes):
    X, y = _classification(n_classes, "sparse")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    decision_change = np.abs(model.decision_function(X) - estimator.decision_function(X))
    decision_change = decision_change.reshape(len(decision_change), -1).max(axis=1)
    proba_change = np.abs(model.predict_proba(X) - estimator.predict_proba(X)).max(axis=1)
    # softmax moves by at most twice the largest decision change, expit by a quarter.
    lipschitz = 0.25 if n_classes == 2 else 2.0
    assert np.all(proba_change <= lipschitz * decision_change + 1e-12)
    assert_array_equal(model.classes_[model.predict_proba(X).argmax(axis=1)], model.predict(X))


# --- prefit -------------------------------------------------------------------


def _refit_forbidden(*args, **kwargs):
    raise AssertionError("a prefit estimator was refitted")


def test_prefit_never_refits_nor_changes_the_estimator():
    X, y = _classification(4, "sparse")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    coef, coef_before = estimator.coef_, estimator.coef_.copy()
    estimator.fit = _refit_forbidden  # instance attribute: any refit raises
    X_other, y_other = _classification(2, "dense", seed=1)
    model = QuantizedLinearModel(estimator, prefit=True).fit(X_other, y_other)  # data ignored
    assert estimator.coef_ is coef
    assert_array_equal(estimator.coef_, coef_before)
    assert model.n_features_in_ == X.shape[1]
    _check_close_to_float_model(estimator, model, X)


@pytest.mark.parametrize("prefit", [False, True])
def test_no_float_weights_are_kept_nor_pickled(prefit):
    X, y = _classification(4, "dense")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    model = QuantizedLinearModel(estimator, prefit=prefit)
    model = model.fit() if prefit else model.fit(X, y)
    float_arrays = [
        value
        for name, value in vars(model).items()
        if name.endswith("_") and isinstance(value, np.ndarray) and value.dtype.kind == "f"
    ]
    assert all(array.size < estimator.coef_.size for array in float_arrays)
    assert not hasattr(model, "estimator_")
    pickled = pickle.dumps(model)
    for weight in (estimator.coef_[0, 0], estimator.coef_[2, 7]):
        assert np.float64(weight).tobytes() not in pickled
    assert pickle.loads(pickled).get_params()["estimator"].get_params() == (
        estimator.get_params()
    )


def test_prefit_with_an_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError, match="prefit=True"):
        QuantizedLinearModel(linear_model.LogisticRegression(), prefit=True).fit()


# --- take_features ---------------------------------------------------------------


# layout -> (classes, share of zero weights) of a model stored in it
LAYOUT_MODELS = {"sparse": (10, 0.9), "dense": (10, 0.1), "feature_list": (2, 0.9)}


@pytest.mark.parametrize("layout", sorted(LAYOUT_MODELS))
def test_take_features_follows_a_permutation(layout):
    estimator = _prefit_logistic(200, *LAYOUT_MODELS[layout])
    model = QuantizedLinearModel(estimator, bits=4, prefit=True).fit()
    assert model.layout_ == layout
    X = _random_input(50, 200, 0.1)
    permutation = np.random.RandomState(0).permutation(X.shape[1])
    permuted = model.take_features(permutation)
    assert permuted is not model and permuted.n_features_in_ == X.shape[1]
    X_permuted = X[:, permutation]
    assert_allclose(
        permuted.decision_function(X_permuted), model.decision_function(X), rtol=1e-12
    )
    assert_array_equal(permuted.predict(X_permuted), model.predict(X))
    assert_array_equal(permuted.zero_features_, model.zero_features_[permutation])
    assert permuted.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    assert permuted.get_params()["bits"] == model.get_params()["bits"]


@pytest.mark.parametrize("layout", sorted(LAYOUT_MODELS))
def test_take_features_drops_the_features_not_listed(layout):
    estimator = _prefit_logistic(200, *LAYOUT_MODELS[layout])
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    X = _random_input(50, 200, 0.2).toarray()
    kept = np.array([5, 0, 17, 3, 3])  # a repeated feature counts twice
    taken = model.take_features(kept)
    assert taken.n_features_in_ == len(kept)
    X_kept_only = np.zeros_like(X)
    np.add.at(X_kept_only.T, kept, X[:, kept].T)
    assert_allclose(
        taken.decision_function(X[:, kept]), model.decision_function(X_kept_only), rtol=1e-12
    )
    with pytest.raises(ValueError, match="expecting 5 features"):
        taken.predict(X)


@pytest.mark.parametrize(
    ("indices", "message"),
    [
        ([0, 30], r"in \[0, 30\) or -1; got 30"),
        ([-2], r"in \[0, 30\) or -1; got -2"),
        ([0.0, 1.0], "integers"),
        ([[0, 1]], "1-D"),
    ],
)
def test_take_features_rejects_bad_indices(indices, message):
    X, y = _classification(2, "dense")
    model = QuantizedLinearModel().fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.take_features(indices)


@pytest.mark.parametrize("layout", sorted(LAYOUT_MODELS))
def test_take_features_minus_one_is_a_feature_without_weights(layout):
    estimator = _prefit_logistic(200, *LAYOUT_MODELS[layout])
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    X = _random_input(50, 200, 0.2).toarray()
    taken = model.take_features([5, -1, 17, -1])
    assert_array_equal(taken.zero_features_, [model.zero_features_[5], True,
                                              model.zero_features_[17], True])
    only_kept = np.zeros_like(X)
    only_kept[:, [5, 17]] = X[:, [5, 17]]
    assert_allclose(taken.decision_function(X[:, [5, 6, 17, 8]]),
                    model.decision_function(only_kept), rtol=1e-12)


# --- persistence ------------------------------------------------------------------


def _fitted_model():
    X, y = _classification(4, "sparse")
    estimator = linear_model.LogisticRegression(max_iter=2000).fit(X, y)
    return QuantizedLinearModel(estimator, bits=4, prefit=True).fit(), X


def test_pickle_and_joblib_round_trips_give_the_same_model():
    model, X = _fitted_model()
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    for loaded in (pickle.loads(pickle.dumps(model)), joblib.load(buffer)):
        assert_array_equal(loaded.decision_function(X), model.decision_function(X))
        assert_array_equal(loaded.predict(X), model.predict(X))
        for name in ("codes_", "indptr_", "output_ids_", "intercept_", "classes_"):
            assert_array_equal(getattr(loaded, name), getattr(model, name))


def test_pickles_are_deterministic():
    first, _ = _fitted_model()
    second, _ = _fitted_model()
    assert pickle.dumps(first) == pickle.dumps(second)


def test_nbytes_counts_the_prediction_arrays():
    model, _ = _fitted_model()
    arrays = [model.codes_, model.indptr_, model.output_ids_, model.intercept_, model.classes_]
    assert model.nbytes == sum(a.nbytes for a in arrays if a is not None) + 8


# --- prediction input ----------------------------------------------------------------


def test_int64_indexed_and_float32_input_are_accepted():
    model, X = _fitted_model()
    X64 = X.astype(np.float32)
    X64.indices = X64.indices.astype(np.int64)
    X64.indptr = X64.indptr.astype(np.int64)
    decision = model.decision_function(X64)
    assert decision.dtype == np.float64
    assert_allclose(decision, model.decision_function(X), rtol=1e-6, atol=1e-6)
    assert_allclose(model.decision_function(X.toarray()), model.decision_function(X), rtol=1e-12)


def _peak_bytes(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_prediction_never_builds_a_float_copy_of_the_weights(kind):
    n_features, n_classes = 40_000, 150
    model = QuantizedLinearModel(_prefit_logistic(n_features, n_classes), prefit=True).fit()
    float_weights_bytes = n_features * n_classes * 8
    one_sample = _random_input(1, n_features, 2e-4)
    batch = _random_input(20 if kind == "dense" else 300, n_features, 0.02)
    if kind == "dense":
        one_sample, batch = one_sample.toarray(), batch.toarray()
    model.predict(one_sample)  # warm up lazy imports
    one_sample_peak = _peak_bytes(lambda: model.predict(one_sample))
    assert one_sample_peak < float_weights_bytes / 100 + 3 * _input_bytes(one_sample)
    # Nearly every feature is present in the batch: the weights are read block by block.
    batch_peak = _peak_bytes(lambda: model.predict(batch))
    assert batch_peak < float_weights_bytes / 2 + 3 * _input_bytes(batch)


def _input_bytes(X):
    if sparse.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


# --- errors ----------------------------------------------------------------------------


class _LogisticRegressionSubclass(linear_model.LogisticRegression):
    pass


@pytest.mark.parametrize(
    "estimator",
    [DecisionTreeClassifier(), KNeighborsClassifier(), _LogisticRegressionSubclass()],
    ids=lambda estimator: type(estimator).__name__,
)
@pytest.mark.parametrize("prefit", [False, True])
def test_unsupported_estimators_raise_type_error_naming_them(estimator, prefit):
    X, y = _classification(2, "dense")
    if prefit:
        estimator = estimator.fit(X, y)
    with pytest.raises(TypeError, match=rf"{type(estimator).__name__}.*Supported.*LinearSVC"):
        QuantizedLinearModel(estimator, prefit=prefit).fit(X, y)


def _indicator_target(y, n_labels):
    Y = np.column_stack([y == label for label in ("ant", "bee", "cat")[:n_labels]])
    Y[::7, 0] = True  # some rows with two labels
    return Y.astype(int)


@pytest.mark.parametrize("name", ["RidgeClassifier", "RidgeClassifierCV"])
@pytest.mark.parametrize("n_labels", [2, 3])
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_multilabel_ridge_classifiers_predict_as_scikit_learn(name, n_labels, kind):
    X, y = _classification(4, kind)
    Y = _indicator_target(y, n_labels)
    estimator = _fitted(CLASSIFIERS[name], X, Y)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    assert (model.link_, model.n_outputs_) == ("multilabel", n_labels)
    reference = _dequantized_copy(estimator, model)
    predicted = model.predict(X)
    assert predicted.dtype == reference.predict(X).dtype and predicted.shape == Y.shape
    assert_array_equal(predicted, reference.predict(X))
    _check_close_to_float_model(estimator, model, X)
    assert model.score(X, Y) == reference.score(X, Y)
    assert not hasattr(model, "predict_proba")
    fitted_here = QuantizedLinearModel(CLASSIFIERS[name](), bits=8).fit(X, Y)
    assert_array_equal(fitted_here.predict(X), _dequantized_copy(
        _fitted(CLASSIFIERS[name], X, Y), fitted_here).predict(X))


def test_ridge_classifier_fitted_on_a_sparse_indicator_is_refused():
    X, y = _classification(4, "dense")
    Y = sparse.csr_matrix(_indicator_target(y, 3))
    with pytest.raises(TypeError, match=re.escape(
            "fitted on a sparse indicator matrix; fit it on a dense one (y.toarray())")):
        QuantizedLinearModel(linear_model.RidgeClassifier()).fit(X, Y)


def test_multilabel_only_where_the_wrapped_classifier_fits_an_indicator():
    X, y = _classification(4, "dense")
    Y = _indicator_target(y, 3)
    with pytest.raises(ValueError):  # scikit-learn's own refusal
        QuantizedLinearModel(linear_model.LogisticRegression()).fit(X, Y)
    assert QuantizedLinearModel(linear_model.RidgeClassifier()).__sklearn_tags__(
    ).classifier_tags.multi_label
    assert not QuantizedLinearModel().__sklearn_tags__().classifier_tags.multi_label


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_raise_value_error(bad_value):
    X, y = _classification(4, "dense")
    estimator = linear_model.LogisticRegression().fit(X, y)
    estimator.coef_[2, 3] = bad_value
    with pytest.raises(ValueError, match="NaN or infinite"):
        QuantizedLinearModel(estimator, prefit=True).fit()


@pytest.mark.parametrize("bits", [1, 17, 8.0])
def test_bits_out_of_range_raise_value_error(bits):
    X, y = _classification(2, "dense")
    with pytest.raises(ValueError, match="bits"):
        QuantizedLinearModel(bits=bits).fit(X, y)


def test_wrong_number_of_features_at_predict_raises_value_error():
    model, X = _fitted_model()
    with pytest.raises(ValueError, match="X has 29 features, but QuantizedLinearModel"):
        model.predict(X[:, :29])


# --- real data ---------------------------------------------------------------------------


def _featurize(texts):
    return [word_ngram_features(text) for text in texts]


def test_eight_bits_keep_clinc150_accuracy_within_0_3_points(clinc150_dir):
    train_texts, train_intents = load_intent_dataset(clinc150_dir, "train")
    test_texts, test_intents = load_intent_dataset(clinc150_dir, "test")
    vectorizer = DictVectorizer()
    X_train = vectorizer.fit_transform(_featurize(train_texts))
    X_test = vectorizer.transform(_featurize(test_texts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs may stop at max_iter: fine for this test
        estimator = linear_model.LogisticRegression(max_iter=100).fit(X_train, train_intents)
    model = QuantizedLinearModel(estimator, bits=8, prefit=True).fit()
    float_accuracy = estimator.score(X_test, test_intents)
    assert abs(model.score(X_test, test_intents) - float_accuracy) <= 0.003
    assert float_accuracy > 0.5  # a real model, not a degenerate one
    assert model.nbytes * 50 <= estimator.coef_.nbytes


def test_quantizing_never_copies_the_whole_weight_matrix():
    rng = np.random.default_rng(0)
    estimator = linear_model.LogisticRegression()
    estimator.coef_ = rng.standard_normal((50, 100_000)) * (rng.random((50, 100_000)) < 0.05)
    estimator.intercept_ = np.zeros(50)
    estimator.classes_ = np.arange(50)
    estimator.n_features_in_ = 100_000
    column_scale = rng.random(100_000) + 0.5
    tracemalloc.start()
    try:
        model = quantize_fitted(estimator, column_scale=column_scale)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < estimator.coef_.nbytes / 4
    # folding the column scale gives the codes of the scaled weights
    scaled = linear_model.LogisticRegression()
    scaled.coef_ = estimator.coef_ * column_scale
    scaled.intercept_, scaled.classes_ = estimator.intercept_, estimator.classes_
    scaled.n_features_in_ = 100_000
    expected = QuantizedLinearModel(scaled, prefit=True).fit()
    np.testing.assert_array_equal(model.codes_, expected.codes_)
    assert model.scale_ == expected.scale_


def test_few_nonzeros_scored_entry_by_entry_match_the_block_path(monkeypatch):
    from scipy import sparse as sp

    from sklearn_compress.linear_model import _quantized

    rng = np.random.default_rng(3)
    X = sp.random(300, 5000, density=0.002, format="csr", random_state=3)
    y = rng.integers(0, 20, size=300)
    model = QuantizedLinearModel(linear_model.LogisticRegression(C=0.1), bits=4).fit(X, y)
    assert model.layout_ == "sparse"
    few = X[:4]
    scattered = model.decision_function(few)
    monkeypatch.setattr(_quantized, "_SCATTER_MAX_NNZ", -1)
    np.testing.assert_allclose(model.decision_function(few), scattered, rtol=0, atol=1e-12)


def test_pickles_store_entry_counts_not_offsets():
    from scipy import sparse as sp

    X = sp.random(300, 5000, density=0.002, format="csr", random_state=3)
    y = np.random.default_rng(3).integers(0, 20, size=300)
    model = QuantizedLinearModel(linear_model.LogisticRegression(C=0.1), bits=4).fit(X, y)
    state = model.__getstate__()
    assert "indptr_" not in state
    assert state["entry_counts_"].dtype == np.uint8
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.indptr_, model.indptr_)
    assert restored.indptr_.dtype == model.indptr_.dtype


def _sparse_model():
    from scipy import sparse as sp

    X = sp.random(200, 300, density=0.02, format="csr", random_state=5)
    y = np.random.default_rng(5).integers(0, 5, size=200)
    return QuantizedLinearModel(linear_model.LogisticRegression()).fit(X, y), X


def test_ready_csr_input_gives_the_validated_results(monkeypatch):
    model, X = _sparse_model()
    fast = model.predict_proba(X[:3])
    monkeypatch.setattr(QuantizedLinearModel, "_validated_input",
                        lambda self, X: _quantized_validate(self, X))
    np.testing.assert_array_equal(model.predict_proba(X[:3]), fast)


def _quantized_validate(model, X):
    from sklearn.utils.validation import validate_data

    return validate_data(model, X, accept_sparse="csr", dtype=np.float64, reset=False)


def test_bad_csr_input_still_gets_scikit_learns_errors():
    model, X = _sparse_model()
    bad = X[:2].copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(bad)
    with pytest.raises(ValueError, match="X has 299 features, but QuantizedLinearModel is "
                                         "expecting 300 features as input"):
        model.predict(X[:2, :299])


def test_coef_is_dequantized_on_access_and_feeds_select_from_model():
    from sklearn.feature_selection import SelectFromModel

    rng = np.random.default_rng(0)
    X = sparse.random(400, 300, density=0.03, format="csr", random_state=0)
    y = rng.integers(0, 5, size=400)
    float_model = linear_model.LogisticRegression().fit(X, y)
    model = QuantizedLinearModel(float_model, prefit=True, per_class=True).fit()
    coef = model.coef_
    assert coef.shape == float_model.coef_.shape and coef.dtype == np.float64
    # Within half a step of the float weights (zero codes: within a step).
    half_step = np.broadcast_to(np.asarray(model.scale_)[:, None] / 2 + EPS, coef.shape)
    np.testing.assert_array_less(np.abs(coef - float_model.coef_), half_step)
    assert_allclose(X @ coef.T + model.intercept_, model.decision_function(X), atol=1e-12)
    assert "coef_" not in vars(model)  # computed, never stored
    selector = SelectFromModel(model, prefit=True, threshold="median")
    norms = np.linalg.norm(coef, axis=0, ord=1)
    assert_array_equal(selector.get_support(), norms >= np.median(norms))
    assert selector.transform(X).shape[1] == selector.get_support().sum()


def test_coef_of_a_1d_regressor_is_1d():
    X, y = make_regression(n_samples=50, n_features=4, random_state=0)
    model = QuantizedLinearModel(linear_model.Ridge()).fit(X, y)
    assert model.coef_.shape == (4,)
    assert_allclose(X @ model.coef_ + model.intercept_, model.predict(X), atol=1e-9)


def test_coef_of_an_unfitted_model_is_not_fitted_error():
    with pytest.raises(NotFittedError):
        QuantizedLinearModel().coef_  # noqa: B018


# --- the feature-list layout (one output) -----------------------------------------


def _feature_list_model():
    model = QuantizedLinearModel(_prefit_logistic(200, 2, 0.9), prefit=True).fit()
    assert model.layout_ == "feature_list"
    return model, _random_input(40, 200, 0.1)


def test_feature_list_few_nonzeros_scored_entry_by_entry_match_the_block_path(monkeypatch):
    from sklearn_compress.linear_model import _quantized

    model, X = _feature_list_model()
    few = X[:3]
    scattered = model.decision_function(few)
    monkeypatch.setattr(_quantized, "_SCATTER_MAX_NNZ", -1)
    assert_allclose(model.decision_function(few), scattered, rtol=0, atol=1e-12)
    assert_allclose(scattered, _dequantized_copy(model.estimator, model).decision_function(few),
                    rtol=1e-12)


def test_feature_list_round_trips_through_save_load_and_pickle(tmp_path):
    from sklearn_compress import load, save

    model, X = _feature_list_model()
    save(model, tmp_path / "model.skc")
    for loaded in (load(tmp_path / "model.skc"), pickle.loads(pickle.dumps(model))):
        assert loaded.layout_ == "feature_list"
        assert (loaded.indptr_, loaded.output_ids_) == (None, None)
        assert_array_equal(loaded.feature_ids_, model.feature_ids_)
        assert loaded.feature_ids_.dtype == np.uint8
        assert_array_equal(loaded.decision_function(X), model.decision_function(X))


def _reversed(ids):
    return ids[::-1].copy()


def _beyond_the_features(ids):
    ids = ids.copy()
    ids[-1] = 250
    return ids


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda tensors: tensors.update({"model.feature_ids_": _reversed(
            tensors["model.feature_ids_"])}), "feature_ids_ are not increasing ids of the 200"),
        (lambda tensors: tensors.update({"model.feature_ids_": _beyond_the_features(
            tensors["model.feature_ids_"])}), "feature_ids_ are not increasing ids of the 200"),
        (lambda tensors: tensors.update({"model.feature_ids_": tensors["model.feature_ids_"][
            :-1]}), "a feature list needs feature_ids_ and 1-D codes_ of one length"),
        (lambda tensors: tensors.pop("model.feature_ids_"),
         "a feature list needs feature_ids_ and 1-D codes_ of one length"),
    ],
)
def test_crafted_feature_lists_are_refused(edit, message, tmp_path):
    import json

    from sklearn_compress import load, save
    from sklearn_compress.io import _persist, _safetensors

    model, _ = _feature_list_model()
    path = tmp_path / "model.skc"
    save(model, path)
    tensors, metadata = _safetensors.read_safetensors(path, use_mmap=False)
    tensors = {name: np.array(value) for name, value in tensors.items()
               if not name.startswith("__")}
    edit(tensors)
    tree = json.loads(metadata["structure"])
    tree["fitted"]["feature_ids_"] = (
        {"tensor": "model.feature_ids_"} if "model.feature_ids_" in tensors else None)
    metadata = {**metadata, "structure": json.dumps(tree)}
    _safetensors.write_safetensors(path, tensors, metadata, _persist._trailers(None))
    with pytest.raises(ValueError, match=re.escape(message)):
        load(path)


def test_a_feature_list_of_several_outputs_is_refused(tmp_path):
    import json

    from sklearn_compress import load, save
    from sklearn_compress.io import _persist, _safetensors

    estimator = _prefit_logistic(200, 3, 0.9)
    model = QuantizedLinearModel(estimator, prefit=True).fit()
    path = tmp_path / "model.skc"
    save(model, path)
    tensors, metadata = _safetensors.read_safetensors(path, use_mmap=False)
    tensors = {name: np.array(value) for name, value in tensors.items()
               if not name.startswith("__")}
    tree = json.loads(metadata["structure"])
    tree["fitted"]["layout_"] = "feature_list"
    tensors["model.feature_ids_"] = np.arange(len(tensors["model.codes_"]), dtype=np.uint16)
    tree["fitted"].update({"feature_ids_": {"tensor": "model.feature_ids_"},
                           "entry_counts_": None, "output_ids_": None})
    for name in ("model.entry_counts_", "model.output_ids_"):
        tensors.pop(name, None)
    metadata = {**metadata, "structure": json.dumps(tree)}
    _safetensors.write_safetensors(path, tensors, metadata, _persist._trailers(None))
    with pytest.raises(ValueError, match="a feature list holds one output, not 3"):
        load(path)
