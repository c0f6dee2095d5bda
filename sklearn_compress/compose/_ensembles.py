"""compress() rewrites of models made of several linear models over one input.

``OneVsRestClassifier``, ``OneVsOneClassifier``, ``MultiOutputClassifier``
and ``MultiOutputRegressor`` hold their fitted models in ``estimators_``;
``CalibratedClassifierCV`` holds one base model per fold, each with its
calibrators. Each fitted model goes through its own ``MODEL_REWRITES`` entry
(so that a one-vs-rest of calibrated SVMs works too); all of them keep the
same input columns, so they share the one vocabulary in front of them: a
column leaves it only if every model ignores it. The scikit-learn
meta-estimator stays, holding the compressed models, so predictions take
the same path as before; calibrators are kept exactly.
"""

import copy

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor

from .._sklearn_compat import CalibratedClassifier, ConstantPredictor, HasMethods, StrOptions
from .._tables import OBJECT, Codec, ModelRewrite, list_of

__all__ = ["FILE_CODECS", "MODEL_REWRITES", "CalibratedFold"]


class CalibratedFold(CalibratedClassifier, BaseEstimator):
    """One fold of a compressed ``CalibratedClassifierCV``: a model and its calibrators.

    scikit-learn's private fold class, with its predictions unchanged, made a
    plain estimator (parameters, fitted ``classes_``) so that ``save()`` can
    write it.

    Parameters
    ----------
    estimator : classifier
        The fold's fitted (compressed) model.
    calibrators : list of fitted regressors
        One calibrator per class (one for a binary model), as scikit-learn
        fitted them.
    method : {"sigmoid", "isotonic", "temperature"}, default="sigmoid"
        The calibration method.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of the calibrated classifier.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["predict"])],
        "calibrators": [list],
        "method": [StrOptions({"sigmoid", "isotonic", "temperature"})],
    }

    def __init__(self, estimator, calibrators, *, method="sigmoid"):
        self.estimator = estimator
        self.calibrators = calibrators
        self.method = method

    @property
    def classes(self):
        # What scikit-learn's fold class reads; a fitted attribute here.
        return self.classes_


def _shared_zero_features(rewrites):
    """Columns that no model reads (None if no model reads any column)."""
    masks = [rewrite.zero_features for rewrite in rewrites if rewrite.zero_features is not None]
    return np.logical_and.reduce(masks) if masks else None


def _with_input_columns(model, columns):
    """A shallow copy of a fitted meta-estimator whose input is ``columns``."""
    new = copy.copy(model)
    if hasattr(model, "n_features_in_"):
        new.n_features_in_ = len(columns)
    if hasattr(model, "feature_names_in_"):
        if np.all(columns >= 0):
            new.feature_names_in_ = model.feature_names_in_[columns]
        else:
            del new.feature_names_in_
    # The template stays unfitted: no float weights ride along.
    if getattr(model, "estimator", None) is not None:
        new.estimator = clone(model.estimator)
    return new


def _rewrite_estimators(model, column_scale, context):
    """``estimators_``, each compressed, over one shared set of columns."""
    rewrites = [context.rewrite_model(f"estimators_[{i}]", estimator, column_scale)
                for i, estimator in enumerate(model.estimators_)]

    def take_features(columns):
        new = _with_input_columns(model, columns)
        new.estimators_ = [rewrite.take_features(columns) for rewrite in rewrites]
        return new

    return ModelRewrite(_shared_zero_features(rewrites), take_features)


def _rewrite_calibrated(model, column_scale, context):
    """Each fold's base model compressed; its calibrators kept exactly."""
    folds = model.calibrated_classifiers_
    rewrites = [context.rewrite_model(f"calibrated_classifiers_[{i}].estimator",
                                      fold.estimator, column_scale)
                for i, fold in enumerate(folds)]

    def take_features(columns):
        new = _with_input_columns(model, columns)
        new.calibrated_classifiers_ = []
        for fold, rewrite in zip(folds, rewrites, strict=True):
            new_fold = CalibratedFold(rewrite.take_features(columns), list(fold.calibrators),
                                      method=fold.method)
            new_fold.classes_ = np.asarray(fold.classes)
            new.calibrated_classifiers_.append(new_fold)
        if isinstance(model.estimator, FrozenEstimator):
            # Cloning a frozen model returns it, float weights and all.
            new.estimator = FrozenEstimator(new.calibrated_classifiers_[0].estimator)
        return new

    return ModelRewrite(_shared_zero_features(rewrites), take_features)


def _rewrite_frozen(model, column_scale, context):
    # A frozen model (CalibratedClassifierCV of a prefit model) only predicts:
    # its compressed copy does the same.
    return context.rewrite_model("estimator", model.estimator, column_scale)


def _keep_constant(model, column_scale, context):
    # A one-vs-rest label seen always or never: it reads no column, but checks
    # the input's width.
    return ModelRewrite(None, lambda columns: _with_input_columns(model, columns))


# -- what this module contributes (collected by compose/_compress.py)

MODEL_REWRITES = {
    OneVsRestClassifier: _rewrite_estimators,
    OneVsOneClassifier: _rewrite_estimators,
    MultiOutputClassifier: _rewrite_estimators,
    MultiOutputRegressor: _rewrite_estimators,
    CalibratedClassifierCV: _rewrite_calibrated,
    FrozenEstimator: _rewrite_frozen,
    ConstantPredictor: _keep_constant,
}


def _check_fold(fold):
    n_classes = len(fold.classes_)
    expected = 1 if n_classes == 2 else n_classes
    if fold.method != "temperature" and len(fold.calibrators) != expected:
        raise ValueError(f"{len(fold.calibrators)} calibrators for {n_classes} classes")


# -- what this module contributes (collected by io/_persist.py)

FILE_CODECS = (
    Codec(CalibratedFold, param_children={"estimator": OBJECT,
                                          "calibrators": list_of(OBJECT, stacked=True)},
          has_classes=True, check=_check_fold),
)
