"""File codecs for the stock scikit-learn classes a compressed pipeline may hold.

The compressed classes declare their codecs beside themselves; scikit-learn's
own classes cannot, so their entries live here, as skops keeps its
``_sklearn.py`` dispatch tables.
"""

import math
from typing import Any, overload

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.isotonic import IsotonicRegression
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    LabelBinarizer,
    MaxAbsScaler,
    Normalizer,
    StandardScaler,
)

from .._sklearn_compat import ConstantPredictor, SigmoidCalibration, rebuild_isotonic_function
from .._tables import (
    N_FEATURES_IN,
    NAME,
    OBJECT,
    STEP,
    TEMPLATE,
    VALUE,
    Array,
    Codec,
    Nested,
    dict_of,
    list_of,
    tuple_of,
)

__all__ = ["FILE_CODECS"]

_VECTOR = Array(("float64",), (1,))
_OPTIONAL_VECTOR = Array(("float64",), (1,), optional=True)
_N_SAMPLES = Array(("int64", "float64"), (0, 1))


def _check_width(obj: Any, *names: str) -> None:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None and np.ndim(value) and len(value) != obj.n_features_in_:
            raise ValueError(f"{name} has {len(value)} entries for {obj.n_features_in_} features")


@overload
def _output_width(step: Any, width: int) -> int: ...
@overload
def _output_width(step: Any, width: int | None) -> int | None: ...
def _output_width(step: Any, width: int | None) -> int | None:
    if step is None or isinstance(step, str):  # "passthrough"
        return width
    if isinstance(step, Pipeline):
        for _, inner in step.steps:
            width = _output_width(inner, width)
        return width
    # A vectorizer's output width is its hash's slot count; other steps keep theirs.
    if hasattr(step, "n_features_out_"):
        return step.n_features_out_
    if isinstance(step, (FeatureUnion, ColumnTransformer, HashingVectorizer, FeatureHasher)):
        return _union_or_hasher_width(step, width)
    return step.n_features_in_


def _check_pipeline(pipeline: Any) -> None:
    """Each step must take as many features as the step before it gives."""
    width: int | None = None
    for position, (name, step) in enumerate(pipeline.steps):
        expected = getattr(step, "n_features_in_", None)
        if width is not None and expected is not None and expected != width:
            raise ValueError(f"step {name!r} expects {expected} features, gets {width}")
        if position < len(pipeline.steps) - 1:  # (what the last step gives is not checked)
            width = _output_width(step, width)


# -- composite models (unions, ensembles) and the hashing vectorizers

_BRANCH = Nested("object", placeholders=("passthrough", "drop", None))
_FLOAT = (float, -1e300, 1e300, False)
_BOOL = (bool, False, True, False)
_LABELS = Array(("int64", "int32", "float64", "bool"), (1,))
# The models of an ensemble: many objects of one class (161 for a one-vs-rest
# model of CLINC150's intents and domains), written once per look-alike group.
_MEMBERS = list_of(OBJECT, stacked=True)


def _union_or_hasher_width(step: Any, width: int | None) -> int:
    """Output width of a union (its branches' widths added up) or a hashing step."""
    if isinstance(step, (HashingVectorizer, FeatureHasher)):
        return step.n_features
    if isinstance(step, ColumnTransformer):
        return max((s.stop for s in step.output_indices_.values()), default=0)
    # width is None for a union first in a pipeline: a branch that only passes
    # its input through (a Pipeline of "passthrough") is then None too, and
    # sum() raises TypeError, which load() reports as a FormatError.
    return sum(_output_width(branch, width)  # type: ignore[misc]  # (see above)
               for _, branch in step.transformer_list
               if branch is not None and branch != "drop")


# Workers a union may ask for at transform time (None: one).
_MAX_JOBS = 64


def _check_union_params(union: Any, names: list[str]) -> None:
    n_jobs = union.n_jobs
    if n_jobs is not None and not (type(n_jobs) is int and 0 < abs(n_jobs) <= _MAX_JOBS):
        raise ValueError(f"n_jobs={n_jobs!r:.40} is not None or an integer within "
                         f"+-{_MAX_JOBS} (without 0)")
    weights = union.transformer_weights
    if weights is None:
        return
    if not isinstance(weights, dict) or not set(weights) <= set(names) or not all(
            type(w) in (int, float) and math.isfinite(w) for w in weights.values()):
        raise ValueError("transformer_weights must map branch names to finite numbers")


def _check_feature_union(union: Any) -> None:
    names = [name for name, _ in union.transformer_list]
    _check_union_params(union, names)
    for name, branch in union.transformer_list:
        if branch == "passthrough":
            raise ValueError(f"branch {name!r}: a passthrough branch of a FeatureUnion cannot "
                             "be checked in the safe format")


def _identity_transformer(n_columns: int) -> Any:
    """What a fitted ColumnTransformer holds for a "passthrough" branch."""
    identity = FunctionTransformer(accept_sparse=True, check_inverse=False,
                                   feature_names_out="one-to-one")
    identity.n_features_in_ = n_columns
    return identity


def _fitted_branch(step: Any, input_columns: list[int]) -> Any:
    return _identity_transformer(len(input_columns)) if step == "passthrough" else step


def _restore_branch_feature_names(step: Any, columns: Any) -> None:
    # A branch fitted on named DataFrame columns knows their names; the file
    # holds no string array, but the column selection is those names.
    first = step.steps[0][1] if isinstance(step, Pipeline) else step
    named = (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns))
    if (named and getattr(first, "n_features_in_", None) == len(columns)
            and not hasattr(first, "feature_names_in_")):
        first.feature_names_in_ = np.asarray(columns, dtype=object)


def _restore_column_transformer(transformer: Any) -> None:
    """Rebuild what a fitted ColumnTransformer derives from its parameters.

    The file holds each compressed branch once, in the ``transformers``
    parameter (as compress() leaves it); the fitted ``transformers_`` list,
    the remainder and each branch's output slice follow from it.
    """
    inputs = transformer._transformer_to_input_indices
    transformer._columns = [columns for _, _, columns in transformer.transformers]
    fitted = [(name, _fitted_branch(step, inputs.get(name, [])), columns)
              for name, step, columns in transformer.transformers]
    remaining = inputs.get("remainder", [])
    transformer._remainder = ("remainder", transformer.remainder, remaining)
    if remaining:
        fitted.append(("remainder", _fitted_branch(transformer.remainder, remaining), remaining))
    transformer.transformers_ = fitted
    for _, step, columns in fitted:
        if not isinstance(step, str):
            _restore_branch_feature_names(step, columns)
    indices: dict[str, slice] = {}
    start = 0
    for name, step, _ in fitted:
        if step == "drop" or not inputs.get(name):
            continue
        width = _output_width(step, len(inputs[name]))
        indices[name] = slice(start, start + width)
        start += width
    names = [name for name, _, _ in transformer.transformers] + ["remainder"]
    transformer.output_indices_ = {**dict.fromkeys(names, slice(0, 0)), **indices}


def _check_column_transformer(transformer: Any) -> None:
    _check_union_params(transformer, [name for name, _, _ in transformer.transformers])
    n_columns = transformer.n_features_in_
    for name, indices in transformer._transformer_to_input_indices.items():
        if not (isinstance(indices, list) and all(type(i) is int and 0 <= i < n_columns
                                                  for i in indices)):
            raise ValueError(f"the input columns of {name!r} are not indices below {n_columns}")
    names = {name for name, _, _ in transformer.transformers} | {"remainder"}
    if not set(transformer._transformer_to_input_indices) <= names:
        raise ValueError("input columns are given for branches the transformer does not have")


def _check_identity_function(transformer: Any) -> None:
    if transformer.func is not None or transformer.inverse_func is not None:
        raise ValueError("only FunctionTransformer(func=None) (passthrough) can be loaded")


def _check_content_input(vectorizer: Any) -> None:
    # input="filename" or "file" would make predict open paths it is given.
    if vectorizer.input != "content":
        raise ValueError(f"input={vectorizer.input!r}: a model file may only read its "
                         "input as content")


def _check_one_vs_rest(model: Any) -> None:
    n_classes = len(model.classes_)
    expected = 1 if n_classes == 2 and model.label_binarizer_.y_type_ == "binary" else n_classes
    if len(model.estimators_) != expected:
        raise ValueError(f"{len(model.estimators_)} estimators for {n_classes} classes")
    _check_estimator_widths(model)


def _check_estimator_widths(model: Any) -> None:
    for estimator in model.estimators_:
        width = getattr(estimator, "n_features_in_", model.n_features_in_)
        if width != model.n_features_in_:
            raise ValueError(f"an estimator takes {width} features, the model "
                             f"{model.n_features_in_}")


def _restore_multi_output_classes(model: Any) -> None:
    model.classes_ = [estimator.classes_ for estimator in model.estimators_]


def _restore_one_vs_one(model: Any) -> None:
    model.pairwise_indices_ = None


def _constant_predictor(state: dict[str, Any]) -> Any:
    predictor = ConstantPredictor()
    predictor.y_ = state["y_"]
    if state.get("n_features_in_") is not None:
        predictor.n_features_in_ = state["n_features_in_"]
    return predictor


def _sigmoid_calibration(state: dict[str, Any]) -> Any:
    calibration = SigmoidCalibration()
    calibration.a_, calibration.b_ = state["a_"], state["b_"]
    return calibration


def _check_isotonic(isotonic: Any) -> None:
    X, y = isotonic.X_thresholds_, isotonic.y_thresholds_
    if len(X) != len(y) or not len(X) or np.any(np.diff(X) < 0):
        raise ValueError("the isotonic thresholds are not matching sorted arrays")


_ENSEMBLE_CODECS = (
    Codec(FeatureUnion, param_children={"transformer_list": list_of(tuple_of(NAME, _BRANCH))},
          check=_check_feature_union),
    Codec(ColumnTransformer,
          param_children={"transformers": list_of(tuple_of(NAME, _BRANCH, VALUE)),
                          "remainder": _BRANCH},
          numbers={**N_FEATURES_IN, "sparse_output_": _BOOL},
          children={"_transformer_to_input_indices": dict_of(VALUE)},
          restore=_restore_column_transformer, check=_check_column_transformer),
    Codec(FunctionTransformer, numbers=N_FEATURES_IN, check=_check_identity_function),
    Codec(HashingVectorizer, check=_check_content_input),
    Codec(FeatureHasher),
    Codec(OneVsRestClassifier, param_children={"estimator": TEMPLATE}, numbers=N_FEATURES_IN,
          children={"estimators_": _MEMBERS, "label_binarizer_": OBJECT},
          has_classes=True, check=_check_one_vs_rest),
    Codec(OneVsOneClassifier, param_children={"estimator": TEMPLATE}, numbers=N_FEATURES_IN,
          children={"estimators_": _MEMBERS}, has_classes=True,
          restore=_restore_one_vs_one, check=_check_estimator_widths),
    Codec(LabelBinarizer, numbers={"sparse_input_": _BOOL},
          strings={"y_type_": ("binary", "multiclass", "multilabel-indicator")},
          has_classes=True),
    Codec(ConstantPredictor, arrays={"y_": _LABELS},
          numbers={"n_features_in_": (int, 0, 2**62, True)}, from_state=_constant_predictor),
    Codec(MultiOutputClassifier, param_children={"estimator": TEMPLATE},
          numbers=N_FEATURES_IN, children={"estimators_": _MEMBERS},
          restore=_restore_multi_output_classes, check=_check_estimator_widths),
    Codec(MultiOutputRegressor, param_children={"estimator": TEMPLATE},
          numbers=N_FEATURES_IN, children={"estimators_": _MEMBERS},
          check=_check_estimator_widths),
    Codec(CalibratedClassifierCV, param_children={"estimator": TEMPLATE},
          numbers=N_FEATURES_IN, children={"calibrated_classifiers_": _MEMBERS},
          has_classes=True),
    Codec(SigmoidCalibration, numbers={"a_": _FLOAT, "b_": _FLOAT},
          from_state=_sigmoid_calibration),
    Codec(IsotonicRegression,
          arrays={"X_thresholds_": _VECTOR, "y_thresholds_": _VECTOR},
          numbers={"X_min_": _FLOAT, "X_max_": _FLOAT, "increasing_": _BOOL},
          restore=rebuild_isotonic_function, check=_check_isotonic),
)

FILE_CODECS = (
    Codec(Pipeline, param_children={"steps": list_of(tuple_of(NAME, STEP))},
          check=_check_pipeline),
    Codec(TfidfTransformer, arrays={"idf_": _OPTIONAL_VECTOR}, numbers=N_FEATURES_IN,
          check=lambda step: _check_width(step, "idf_")),
    Codec(MaxAbsScaler,
          arrays={"scale_": _VECTOR, "max_abs_": _VECTOR, "n_samples_seen_": _N_SAMPLES},
          numbers=N_FEATURES_IN, check=lambda step: _check_width(step, "scale_", "max_abs_")),
    Codec(StandardScaler,
          arrays={"scale_": _OPTIONAL_VECTOR, "var_": _OPTIONAL_VECTOR,
                  "mean_": _OPTIONAL_VECTOR, "n_samples_seen_": _N_SAMPLES},
          numbers=N_FEATURES_IN,
          check=lambda step: _check_width(step, "scale_", "var_", "mean_")),
    Codec(Normalizer, numbers=N_FEATURES_IN),
    *_ENSEMBLE_CODECS,
)
