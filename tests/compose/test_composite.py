"""compress() of composite models: unions, ensembles, searches, hashing pipelines."""

import copy
import pickle
import re

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.experimental import enable_halving_search_cv  # noqa: F401 - halving searches are experimental
from sklearn.feature_extraction import DictVectorizer, FeatureHasher
from sklearn.feature_extraction.text import (
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import (
    LogisticRegression,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline, make_union
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.svm import LinearSVC

from sklearn_compress import (
    CompressedTextVectorizer,
    QuantizedLinearModel,
    compress,
)
from sklearn_compress.compose._compress import CompressContext
from tests._synthetic import feature_dicts


def _texts(n_samples, seed):
    samples, labels = feature_dicts(n_samples, seed=seed)
    texts = [" ".join(word for word, count in sample.items() for _ in range(count))
             for sample in samples]
    return texts, np.array(labels)


X_TRAIN, Y_TRAIN = _texts(600, seed=0)
X_TEST, Y_TEST = _texts(300, seed=1)
# Two labels per text: the intent is "play_music"; it is about time.
Y_MULTILABEL = np.column_stack(
    [Y_TRAIN == "play_music", np.isin(Y_TRAIN, ["set_alarm", "weather"])]).astype(int)


def _assert_same_predictions(original, small, X=X_TEST):
    np.testing.assert_array_equal(np.asarray(small.predict(X)), np.asarray(original.predict(X)))


def _word_char_union():
    return make_union(TfidfVectorizer(ngram_range=(1, 2)),
                      TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)))


def test_feature_union_compresses_each_branch():
    pipe = make_pipeline(_word_char_union(), LinearSVC()).fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    union = small[0]
    assert isinstance(union, FeatureUnion)
    assert [type(step) for _, step in union.transformer_list] == [CompressedTextVectorizer] * 2
    # the branches keep their own columns, in order
    widths = [step.n_features_out_ for _, step in union.transformer_list]
    original_widths = [len(step.vocabulary_) for _, step in pipe[0].transformer_list]
    assert widths == original_widths
    assert small[-1].n_features_in_ == sum(widths)
    _assert_same_predictions(pipe, small)
    # quantization moves each decision by little
    error = np.abs(small.decision_function(X_TEST) - pipe.decision_function(X_TEST)).max()
    assert error < 0.05


def test_feature_union_drops_zero_weight_features_per_branch():
    # Count branches (no norm) and an L1 model: features without weight leave.
    union = FeatureUnion([
        ("words", TfidfVectorizer(norm=None, use_idf=False)),
        ("pairs", TfidfVectorizer(norm=None, use_idf=False, ngram_range=(2, 2))),
        ("dropped", "drop"),
    ], transformer_weights={"pairs": 0.5})
    # An L1 penalty: l1_ratio=1.0 from scikit-learn 1.8 on (penalty deprecated), "l1" before.
    l1 = {"penalty": "l1"} if LogisticRegression().penalty == "l2" else {"l1_ratio": 1.0}
    model = LogisticRegression(**l1, C=0.5, solver="saga", max_iter=2000)
    pipe = make_pipeline(union, model).fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    coef = pipe[-1].coef_
    n_words = len(pipe[0].transformer_list[0][1].vocabulary_)
    used = np.any(coef != 0, axis=0)
    new_words, new_pairs = (step for _, step in small[0].transformer_list[:2])
    assert new_words.n_features_out_ <= used[:n_words].sum() < n_words
    assert new_pairs.n_features_out_ <= used[n_words:].sum() < coef.shape[1] - n_words
    assert small[0].transformer_list[2] == ("dropped", "drop")
    _assert_same_predictions(pipe, small)


def test_feature_union_branch_pipelines_keep_their_steps():
    branch = make_pipeline(TfidfVectorizer(norm=None), MaxAbsScaler(), SelectKBest(chi2, k=60))
    pipe = make_pipeline(make_union(branch, TfidfVectorizer(analyzer="char_wb")),
                         LogisticRegression()).fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    new_branch = small[0].transformer_list[0][1]
    assert [type(step).__name__ if step != "passthrough" else step for _, step in
            new_branch.steps] == ["CompressedTextVectorizer", "MaxAbsScaler", "passthrough"]
    # only the 60 selected words stay in the hash
    assert new_branch[0].n_features_out_ == 60
    _assert_same_predictions(pipe, small)


def _frame(texts):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({"text": texts, "n_words": [len(t.split()) for t in texts],
                         "constant": 1.0})


@pytest.mark.parametrize("sparse_threshold", [0.3, 0.0])
def test_column_transformer_over_a_dataframe(sparse_threshold):
    transformer = ColumnTransformer(
        [("text", TfidfVectorizer(), "text"),
         ("numbers", StandardScaler(), lambda frame: ["n_words"])],
        remainder="passthrough", sparse_threshold=sparse_threshold,
        verbose_feature_names_out=False)
    pipe = make_pipeline(transformer, LogisticRegression()).fit(_frame(X_TRAIN), Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    new = small[0]
    assert isinstance(new.named_transformers_["text"], CompressedTextVectorizer)
    # the callable selector became the fitted column list: no code is kept
    assert [columns for _, _, columns in new.transformers] == ["text", ["n_words"]]
    assert all(not callable(columns) for _, _, columns in new.transformers_)
    assert new.named_transformers_["numbers"].mean_ == pipe[0].named_transformers_[
        "numbers"].mean_
    assert new.sparse_output_ == pipe[0].sparse_output_ == (sparse_threshold > 0)
    out = new.transform(_frame(X_TEST))
    assert sparse.issparse(out) == (sparse_threshold > 0)
    assert out.shape[1] == small[-1].n_features_in_
    _assert_same_predictions(pipe, small, _frame(X_TEST))
    # the numeric and remainder columns keep their weights' positions
    assert new.output_indices_["remainder"].stop == out.shape[1]


def _far_from_zero_frame(texts, seed):
    """Texts with a numeric column whose mean is 200 standard deviations from zero."""
    frame = _frame(texts)
    frame["reading"] = 1000.0 + np.random.default_rng(seed).normal(0, 5, len(texts))
    return frame


def _in_scaled_space_as_scikit_learn(pipe, small, X, centering=None):
    """The compressed model's outputs equal scikit-learn's model given its dequantized weights.

    ``centering`` maps columns of ``small``'s union to the shift its model's
    intercept took over from an uncentered scaler branch: scikit-learn's model
    (the original intercept) sees those columns centered again.
    """
    equivalent = copy.deepcopy(pipe[-1])
    equivalent.coef_ = small[-1].coef_
    columns = _dense(small[:-1].transform(X)).astype(np.float64)
    for column, shift in (centering or {}).items():
        columns[:, column] -= shift
    np.testing.assert_array_equal(small.predict(X), equivalent.predict(columns))
    np.testing.assert_allclose(small.decision_function(X), equivalent.decision_function(columns),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sparse_threshold", [0.3, 0.0])
def test_centering_scaler_branch_moves_its_mean_into_the_intercept(sparse_threshold):
    transformer = ColumnTransformer(
        [("text", TfidfVectorizer(), "text"),
         ("numbers", StandardScaler(), ["reading", "n_words"])],
        sparse_threshold=sparse_threshold)
    pipe = make_pipeline(transformer, LogisticRegression()).fit(
        _far_from_zero_frame(X_TRAIN, 0), Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    X_test = _far_from_zero_frame(X_TEST, 1)
    fitted = pipe[0].named_transformers_["numbers"]
    scaler = small[0].named_transformers_["numbers"]
    assert not scaler.with_mean  # the centering went into the intercept
    numbers = small[0].output_indices_["numbers"]
    original_numbers = pipe[0].output_indices_["numbers"]
    shift = fitted.mean_ / fitted.scale_
    # the branch only scales now ...
    np.testing.assert_allclose(_dense(small[0].transform(X_test))[:, numbers] - shift,
                               _dense(pipe[0].transform(X_test))[:, original_numbers],
                               rtol=1e-12, atol=1e-9)
    # ... its weights still rounded in the centered, scaled space (half a step at most)
    error = np.abs(small[-1].coef_[:, numbers] - pipe[-1].coef_[:, original_numbers])
    assert np.all(error <= np.reshape(small[-1].scale_, (-1, 1)) / 2 + 1e-12)
    centering = dict(zip(range(numbers.start, numbers.stop), shift, strict=True))
    _in_scaled_space_as_scikit_learn(pipe, small, X_test, centering)
    same = small.predict(X_test) == pipe.predict(X_test)
    assert same.mean() >= 0.99


@pytest.mark.parametrize("union_kind", ["column_transformer", "feature_union"])
def test_centering_moved_into_the_intercept_follows_transformer_weights(union_kind):
    columns = ["reading", "n_words"]
    frame, X_test = _far_from_zero_frame(X_TRAIN, 0), _far_from_zero_frame(X_TEST, 1)
    if union_kind == "column_transformer":
        union = ColumnTransformer([("text", TfidfVectorizer(), "text"),
                                   ("numbers", StandardScaler(), columns)],
                                  transformer_weights={"numbers": 3.0, "text": 0.5})
    else:  # a numeric union over the numeric columns alone
        frame, X_test = frame[columns].to_numpy(), X_test[columns].to_numpy()
        union = FeatureUnion([("numbers", StandardScaler()), ("raw", "passthrough")],
                             transformer_weights={"numbers": 3.0})
    pipe = make_pipeline(union, LogisticRegression()).fit(frame, Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    if union_kind == "column_transformer":
        fitted = pipe[0].named_transformers_["numbers"]
        assert not small[0].named_transformers_["numbers"].with_mean
        numbers = small[0].output_indices_["numbers"]
    else:
        fitted = pipe[0].transformer_list[0][1]
        assert not small[0].transformer_list[0][1].with_mean
        numbers = slice(0, 2)
    shift = 3.0 * fitted.mean_ / fitted.scale_
    centering = dict(zip(range(numbers.start, numbers.stop), shift, strict=True))
    _in_scaled_space_as_scikit_learn(pipe, small, X_test, centering)


def test_centering_stays_a_step_when_a_step_follows_the_union():
    transformer = ColumnTransformer(
        [("text", TfidfVectorizer(), "text"),
         ("numbers", StandardScaler(), ["reading", "n_words"])], sparse_threshold=0.0)
    pipe = make_pipeline(transformer, MaxAbsScaler(), LogisticRegression()).fit(
        _far_from_zero_frame(X_TRAIN, 0), Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    assert small[0].named_transformers_["numbers"].with_mean
    np.testing.assert_array_equal(small[-1].intercept_, pipe[-1].intercept_)


@pytest.mark.parametrize("final", [
    OneVsRestClassifier(LogisticRegression()),
    CalibratedClassifierCV(LinearSVC(), cv=3),
], ids=["one-vs-rest", "calibrated"])
def test_centering_moves_into_every_member_model(final, monkeypatch):
    transformer = ColumnTransformer(
        [("text", TfidfVectorizer(), "text"),
         ("numbers", StandardScaler(), ["reading", "n_words"])])
    pipe = make_pipeline(transformer, final).fit(_far_from_zero_frame(X_TRAIN, 0), Y_TRAIN)
    X_test = _far_from_zero_frame(X_TEST, 1)
    folded = compress(pipe, fingerprint_bits=16)
    assert not folded[0].named_transformers_["numbers"].with_mean
    # the same compression with the branch kept centered: the same scores, up to rounding
    monkeypatch.setattr(CompressContext, "uncentered_branch",
                        lambda self, step, first, weight: step)
    centered = compress(pipe, fingerprint_bits=16)
    assert centered[0].named_transformers_["numbers"].with_mean
    np.testing.assert_array_equal(folded.predict(X_test), centered.predict(X_test))
    np.testing.assert_allclose(folded.predict_proba(X_test), centered.predict_proba(X_test),
                               rtol=1e-9, atol=1e-12)
    assert not np.array_equal(folded[-1].predict_proba(folded[0].transform(X_test)),
                              centered[-1].predict_proba(folded[0].transform(X_test)))


def _dense(X):
    return X.toarray() if sparse.issparse(X) else X


def test_dense_vectorizer_then_centering_scaler_in_a_union_branch():
    records = [{"words": len(text.split()), "first=" + text.split()[0]: 1} for text in X_TRAIN]
    branch = make_pipeline(DictVectorizer(sparse=False), StandardScaler())
    pipe = make_pipeline(make_union(branch), LogisticRegression()).fit(records, Y_TRAIN)
    small = compress(pipe)
    new_branch = small[0].transformer_list[0][1]
    assert [type(step).__name__ for _, step in new_branch.steps] == [
        "CompressedVectorizer", "StandardScaler"]
    test_records = [{"words": len(text.split()), "first=" + text.split()[0]: 1}
                    for text in X_TEST]
    _in_scaled_space_as_scikit_learn(pipe, small, test_records)
    assert np.mean(small.predict(test_records) == pipe.predict(test_records)) >= 0.99


def test_column_transformer_with_numpy_columns_and_dropped_remainder():
    X = np.array([[text, len(text)] for text in X_TRAIN], dtype=object)
    transformer = ColumnTransformer([("text", TfidfVectorizer(), 0),
                                     ("length", StandardScaler(), [1])])
    pipe = make_pipeline(transformer, LogisticRegression()).fit(X, Y_TRAIN)
    small = compress(pipe)
    X_test = np.array([[text, len(text)] for text in X_TEST], dtype=object)
    _assert_same_predictions(pipe, small, X_test)


@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_one_vs_rest_shares_one_vocabulary(target):
    y = Y_TRAIN if target == "multiclass" else Y_MULTILABEL
    pipe = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))
    pipe.fit(X_TRAIN, y)
    small = compress(pipe, fingerprint_bits=16)
    model = small[-1]
    assert isinstance(model, OneVsRestClassifier)
    assert all(isinstance(estimator, QuantizedLinearModel) for estimator in model.estimators_)
    assert {e.n_features_in_ for e in model.estimators_} == {small[0].n_features_out_}
    assert type(model.estimator) is LogisticRegression and not hasattr(model.estimator, "coef_")
    _assert_same_predictions(pipe, small)
    np.testing.assert_allclose(small.predict_proba(X_TEST), pipe.predict_proba(X_TEST),
                               atol=0.02)


@pytest.mark.filterwarnings("ignore:Label 2 is present in all training examples")
def test_one_vs_rest_keeps_constant_labels():
    y = np.column_stack([Y_MULTILABEL, np.ones(len(Y_TRAIN), dtype=int)])
    pipe = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))
    pipe.fit(X_TRAIN, y)
    # L1 weights and no norm: the vocabulary shrinks, and the constant
    # predictor follows the new width
    pipe.set_params(tfidfvectorizer__norm=None,
                    onevsrestclassifier__estimator=LinearSVC(penalty="l1", C=0.1))
    pipe.fit(X_TRAIN, y)
    small = compress(pipe)
    constant = small[-1].estimators_[2]
    assert type(constant) is type(pipe[-1].estimators_[2])
    assert constant.y_ == pipe[-1].estimators_[2].y_
    assert constant.n_features_in_ == small[0].n_features_out_ < len(pipe[0].vocabulary_)
    _assert_same_predictions(pipe, small)


def test_multi_output_classifier_of_linear_models():
    pipe = make_pipeline(TfidfVectorizer(), MultiOutputClassifier(LinearSVC()))
    pipe.fit(X_TRAIN, Y_MULTILABEL)
    small = compress(pipe)
    _assert_same_predictions(pipe, small)


def _sklearn_on_dequantized_weights(original, small, X):
    """scikit-learn's own predictions from the compressed weights, on the compressed columns."""
    equivalent = copy.deepcopy(original[-1])
    equivalent.coef_ = small[-1].coef_
    return equivalent.predict(small[:-1].transform(X))


@pytest.mark.parametrize("model_class", [RidgeClassifier, RidgeClassifierCV])
def test_multilabel_ridge_classifier(model_class):
    pipe = make_pipeline(TfidfVectorizer(), model_class()).fit(X_TRAIN, Y_MULTILABEL)
    small = compress(pipe)
    assert small[-1].link_ == "multilabel"
    predicted = small.predict(X_TEST)
    np.testing.assert_array_equal(predicted,
                                  _sklearn_on_dequantized_weights(pipe, small, X_TEST))
    assert predicted.shape == (len(X_TEST), 2)
    same = predicted == pipe.predict(X_TEST)
    assert same.all(axis=1).mean() >= 0.99


def test_multi_output_classifier_of_ridge_classifiers():
    pipe = make_pipeline(TfidfVectorizer(), MultiOutputClassifier(RidgeClassifier()))
    pipe.fit(X_TRAIN, Y_MULTILABEL)
    small = compress(pipe)
    assert all(isinstance(e, QuantizedLinearModel) for e in small[-1].estimators_)
    _assert_same_predictions(pipe, small)


def test_calibrated_classifier_keeps_its_calibrators():
    pipe = make_pipeline(TfidfVectorizer(), CalibratedClassifierCV(LinearSVC(), cv=3))
    pipe.fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe, fingerprint_bits=16)
    folds = small[-1].calibrated_classifiers_
    assert len(folds) == 3
    for fold, original in zip(folds, pipe[-1].calibrated_classifiers_, strict=True):
        assert isinstance(fold.estimator, QuantizedLinearModel)
        assert fold.estimator.n_features_in_ == small[0].n_features_out_
        assert fold.calibrators == original.calibrators  # the same fitted objects
    _assert_same_predictions(pipe, small)
    np.testing.assert_allclose(small.predict_proba(X_TEST), pipe.predict_proba(X_TEST),
                               atol=0.02)


def test_calibrated_prefit_model():
    X = TfidfVectorizer().fit(X_TRAIN)
    svc = LinearSVC().fit(X.transform(X_TRAIN), Y_TRAIN)
    calibrated = CalibratedClassifierCV(FrozenEstimator(svc)).fit(X.transform(X_TRAIN), Y_TRAIN)
    pipe = Pipeline([("tfidf", X), ("model", calibrated)])
    small = compress(pipe)
    assert isinstance(small[-1].estimator.estimator, QuantizedLinearModel)
    _assert_same_predictions(pipe, small)


@pytest.mark.parametrize("search_class", [GridSearchCV, RandomizedSearchCV])
def test_search_compresses_its_best_estimator(search_class):
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
    grid = {"logisticregression__C": [0.1, 10.0]}
    kwargs = {"n_iter": 2, "random_state": 0} if search_class is RandomizedSearchCV else {}
    search = search_class(pipe, grid, cv=2, **kwargs).fit(X_TRAIN, Y_TRAIN)
    small = compress(search)
    assert pickle.dumps(small) == pickle.dumps(compress(search.best_estimator_))
    _assert_same_predictions(search, small)


def test_halving_search():
    from sklearn.model_selection import HalvingGridSearchCV

    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
    search = HalvingGridSearchCV(pipe, {"logisticregression__C": [0.1, 10.0]}, cv=2,
                                 random_state=0).fit(X_TRAIN, Y_TRAIN)
    _assert_same_predictions(search, compress(search))


def test_search_without_refit_is_refused():
    search = GridSearchCV(LogisticRegression(), {"C": [1.0, 2.0]}, cv=2, refit=False)
    X = TfidfVectorizer().fit_transform(X_TRAIN)
    search.fit(X, Y_TRAIN)
    with pytest.raises(ValueError, match=r"GridSearchCV was fitted with refit=False, so it "
                                         r"holds no best_estimator_.*refit=True"):
        compress(search)


def test_hashing_vectorizer_pipeline_keeps_the_hashing_step():
    hashing = HashingVectorizer(n_features=2**14, alternate_sign=False)
    pipe = make_pipeline(hashing, TfidfTransformer(), SGDClassifier(random_state=0))
    pipe.fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe)
    assert small[0] is hashing
    model = small[-1]
    assert model.n_features_in_ == 2**14
    # every column no training text hashed to stays without weights (a few
    # more round to zero)
    assert model.zero_features_.sum() >= np.all(pipe[-1].coef_ == 0, axis=0).sum() > 2**13
    _assert_same_predictions(pipe, small)


def test_feature_hasher_pipeline():
    tokens = [text.split() for text in X_TRAIN]
    pipe = make_pipeline(FeatureHasher(n_features=2**12, input_type="string"),
                         LogisticRegression()).fit(tokens, Y_TRAIN)
    small = compress(pipe)
    assert small[0] is pipe[0]
    agreement = np.mean(small.predict([t.split() for t in X_TEST]) ==
                        pipe.predict([t.split() for t in X_TEST]))
    assert agreement >= 0.99


def test_nested_union_of_hashing_and_tfidf():
    union = make_union(HashingVectorizer(n_features=2**10), TfidfVectorizer())
    pipe = make_pipeline(union, LogisticRegression()).fit(X_TRAIN, Y_TRAIN)
    small = compress(pipe)
    assert small[0].transformer_list[0][1] is union.transformer_list[0][1]
    _assert_same_predictions(pipe, small)


@pytest.mark.parametrize("make_model", [
    lambda: make_pipeline(TfidfVectorizer(), LogisticRegression()),
    lambda: make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression())),
    lambda: LogisticRegression(),
])
def test_compressed_model_is_refused(make_model):
    model = make_model()
    if isinstance(model, Pipeline):
        model.fit(X_TRAIN, Y_TRAIN)
    else:
        model.fit(TfidfVectorizer().fit_transform(X_TRAIN), Y_TRAIN)
    small = compress(model)
    with pytest.raises(ValueError, match=r"this model is already compressed: it holds a "
                                         r"(QuantizedLinearModel|CompressedTextVectorizer)"):
        compress(small)


def test_refusal_lists_every_supported_kind():
    pipe = make_pipeline(TfidfVectorizer(), StandardScaler(with_mean=False),
                         LogisticRegression()).fit(X_TRAIN, Y_TRAIN)
    pipe.steps.insert(1, ("custom", clone(HashingVectorizer())))
    with pytest.raises(TypeError) as info:
        compress(pipe)
    message = str(info.value)
    assert message.startswith("step 'custom' (HashingVectorizer) is not supported by compress()")
    for name in ("TfidfVectorizer", "CountVectorizer", "HashingVectorizer", "FeatureUnion",
                 "ColumnTransformer", "TfidfTransformer", "SelectKBest", "StandardScaler",
                 "OneVsRestClassifier", "CalibratedClassifierCV", "MultiOutputClassifier",
                 "LinearSVC", "GridSearchCV", "HalvingGridSearchCV"):
        assert name in message
    assert "compress only the final model" in message


def test_unsupported_model_inside_an_ensemble_is_named():
    from sklearn.tree import DecisionTreeClassifier

    pipe = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(DecisionTreeClassifier()))
    pipe.fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(TypeError, match=r"final step 'onevsrestclassifier.estimators_\[0\]': "
                                        r"DecisionTreeClassifier is not supported"):
        compress(pipe)


def test_report_and_command_line_on_a_search_and_a_union(tmp_path, capsys):
    import joblib

    from sklearn_compress import _cli, compression_report

    search = GridSearchCV(make_pipeline(TfidfVectorizer(), LogisticRegression()),
                          {"logisticregression__C": [1.0, 10.0]}, cv=2).fit(X_TRAIN, Y_TRAIN)
    report = compression_report(search, compress(search), X_TEST, Y_TEST)
    assert [step.compressed for step in report.steps] == ["CompressedTextVectorizer",
                                                          "QuantizedLinearModel"]
    assert report.total.original == "GridSearchCV" and report.agreement == 1.0
    union = make_pipeline(_word_char_union(), OneVsRestClassifier(LogisticRegression()))
    union.fit(X_TRAIN, Y_TRAIN)
    for name, model in (("search", search), ("union", union)):
        joblib.dump(model, tmp_path / f"{name}.joblib")
        out = tmp_path / f"{name}.small.joblib"
        assert _cli.main(["compress", str(tmp_path / f"{name}.joblib"), str(out)]) == 0
        _assert_same_predictions(compress(model), joblib.load(out))
    capsys.readouterr()
    assert _cli.main(["compress", str(out), str(tmp_path / "again.joblib")]) == 2
    assert "already compressed" in capsys.readouterr().err


def _column_transformer_pipeline():
    transformer = ColumnTransformer(
        [("text", TfidfVectorizer(), "text"),
         ("numbers", StandardScaler(), lambda frame: ["n_words"]),
         ("unused", "drop", ["constant"])], remainder="passthrough")
    return make_pipeline(transformer, LogisticRegression())


SAVED = {
    "feature-union": (lambda: make_pipeline(_word_char_union(), LinearSVC()), "texts", "labels"),
    "column-transformer": (_column_transformer_pipeline, "frame", "labels"),
    "column-transformer-passthrough": (lambda: make_pipeline(ColumnTransformer(
        [("text", TfidfVectorizer(), "text"), ("n", "passthrough", ["n_words"])],
        sparse_threshold=0.0), LogisticRegression()), "frame", "labels"),
    "one-vs-rest": (lambda: make_pipeline(
        TfidfVectorizer(), OneVsRestClassifier(LogisticRegression())), "texts", "labels"),
    "one-vs-rest-multilabel": (lambda: make_pipeline(
        TfidfVectorizer(norm=None), OneVsRestClassifier(LinearSVC())), "texts", "constant"),
    "ridge-multilabel": (lambda: make_pipeline(TfidfVectorizer(), RidgeClassifier()), "texts",
                         "multilabel"),
    "multi-output": (lambda: make_pipeline(
        TfidfVectorizer(), MultiOutputClassifier(LogisticRegression())), "texts", "multilabel"),
    "calibrated-sigmoid": (lambda: make_pipeline(
        TfidfVectorizer(), CalibratedClassifierCV(LinearSVC(), cv=3)), "texts", "labels"),
    "calibrated-isotonic": (lambda: make_pipeline(TfidfVectorizer(), CalibratedClassifierCV(
        LogisticRegression(), cv=2, method="isotonic")), "texts", "labels"),
    "hashing": (lambda: make_pipeline(HashingVectorizer(n_features=2**12), TfidfTransformer(),
                                      SGDClassifier(random_state=0)), "texts", "labels"),
    "feature-hasher": (lambda: make_pipeline(
        FeatureHasher(n_features=2**10, input_type="string"), LogisticRegression()),
        "tokens", "labels"),
}


def _inputs(kind, texts):
    return {"texts": texts, "frame": _frame(texts) if kind == "frame" else None,
            "tokens": [text.split() for text in texts]}[kind]


def _targets(kind):
    # "constant": a multilabel target with a label every text has
    return {"labels": Y_TRAIN, "multilabel": Y_MULTILABEL,
            "constant": np.column_stack([Y_MULTILABEL, np.ones(len(Y_TRAIN), dtype=int)])}[kind]


@pytest.mark.parametrize("name", sorted(SAVED))
@pytest.mark.filterwarnings("ignore:Label 2 is present in all training examples")
def test_composites_round_trip_through_save_and_load(name, tmp_path):
    import warnings

    from sklearn_compress import load, save

    make_model, input_kind, target_kind = SAVED[name]
    model = make_model().fit(_inputs(input_kind, X_TRAIN), _targets(target_kind))
    small = compress(model, fingerprint_bits=16)
    save(small, tmp_path / "model.skc")
    X_test = _inputs(input_kind, X_TEST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. feature names lost on the way
        loaded = load(tmp_path / "model.skc")
        np.testing.assert_array_equal(np.asarray(loaded.predict(X_test)),
                                      np.asarray(small.predict(X_test)))
    if hasattr(small, "predict_proba") and target_kind == "labels":
        np.testing.assert_array_equal(loaded.predict_proba(X_test), small.predict_proba(X_test))
    same = np.asarray(model.predict(X_test)) == np.asarray(small.predict(X_test))
    assert np.mean(same.all(axis=1) if same.ndim > 1 else same) >= 0.99


def test_frozen_calibrated_model_cannot_be_saved(tmp_path):
    from sklearn_compress import save

    X = TfidfVectorizer().fit(X_TRAIN)
    svc = LinearSVC().fit(X.transform(X_TRAIN), Y_TRAIN)
    calibrated = CalibratedClassifierCV(FrozenEstimator(svc)).fit(X.transform(X_TRAIN), Y_TRAIN)
    small = compress(Pipeline([("tfidf", X), ("model", calibrated)]))
    with pytest.raises(ValueError, match=r"FrozenEstimator cannot be saved in the safe format"):
        save(small, tmp_path / "model.skc")


def _saved_pipeline(tmp_path, model, X, y):
    from sklearn_compress import save

    path = tmp_path / "model.skc"
    save(compress(model.fit(X, y)), path)
    return path


@pytest.mark.parametrize(
    ("kind", "edit", "message"),
    [
        ("column-transformer", lambda step: step["params"].update({"n_jobs": 10**9}),
         "n_jobs=1000000000 is not None or an integer"),
        ("column-transformer",
         lambda step: step["fitted"]["_transformer_to_input_indices"].update({"text": [99]}),
         "the input columns of 'text' are not indices below 3"),
        ("feature-union",
         lambda step: step["params"].update({"transformer_weights": {"dict": {"x": 2.0}}}),
         "transformer_weights must map branch names to finite numbers"),
        ("hashing", lambda step: step["params"].update({"input": "filename"}),
         "input='filename': a model file may only read its input as content"),
        ("hashing", lambda step: step["params"].update({"token_pattern": r"(\w+\s?)*$"}),
         "is not one of the regular expressions a model file may carry"),
        ("one-vs-rest", lambda step: step["fitted"]["estimators_"].pop(),
         "3 estimators for 4 classes"),
        ("calibrated-sigmoid",
         lambda step: step["fitted"]["calibrated_classifiers_"][0]["nested"]["calibrators"].pop(),
         "3 calibrators for 4 classes"),
    ],
)
def test_crafted_composite_files_are_refused(kind, edit, message, tmp_path, monkeypatch):
    from sklearn_compress import load
    from sklearn_compress.io import _persist
    from tests.io.test_persist import _edit_structure

    # Lists written plain (one item per member), as load() also reads them: each
    # edit then removes one item.
    monkeypatch.setattr(_persist, "_stack_plans", lambda members: [
        _persist._plan(members, [index]) for index in range(len(members))])
    make_model, input_kind, target_kind = SAVED[kind]
    path = _saved_pipeline(tmp_path, make_model(), _inputs(input_kind, X_TRAIN),
                           _targets(target_kind))
    step = 0 if kind in ("column-transformer", "feature-union", "hashing") else -1
    _edit_structure(path, lambda tree: edit(tree["nested"]["steps"][step][1]))
    with pytest.raises(ValueError, match=re.escape(message)):
        load(path)
