"""Low-bit sparse weights for fitted linear models.

:class:`QuantizedLinearModel` replaces the float ``coef_`` of a fitted
scikit-learn linear model by signed integer codes on a symmetric grid (zero is
exactly representable), drops the weights that round to zero, and stores the
rest by feature so that prediction only reads the rows of the features present
in the input.
"""

from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from sklearn import linear_model, svm
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._doc_link import DocLinkMixin
from .._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    fit_context,
    label_binarizer_sparse_input,
    label_binarizer_target_type,
)
from .._tables import N_FEATURES_IN, TEMPLATE, Array, Codec
from ..utils import float_range
from . import _quantize
from ._layouts import LAYOUTS, compact_index, expanded_index, layout_of, pack
from ._layouts_fast import value_range
from ._links import LINK_IDENTITY, LINK_MULTILABEL, LINKS, PROBA, link_has, link_of

__all__ = ["QuantizedLinearModel"]

_CLASSIFIER_NAMES = (
    "LogisticRegression",
    "LogisticRegressionCV",
    "SGDClassifier",
    "RidgeClassifier",
    "RidgeClassifierCV",
    "Perceptron",
    "PassiveAggressiveClassifier",
)
_REGRESSOR_NAMES = (
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "Lasso",
    "LassoCV",
    "ElasticNet",
    "ElasticNetCV",
    "SGDRegressor",
    "PassiveAggressiveRegressor",
)


def _supported_classes():
    """Map each supported estimator class to whether it is a classifier.

    Exact classes only: a subclass may override ``decision_function``. Classes
    that a scikit-learn release removed (PassiveAggressive* are deprecated in
    1.8) are simply left out.
    """
    classes = {}
    for names, is_classifier in ((_CLASSIFIER_NAMES, True), (_REGRESSOR_NAMES, False)):
        for name in names:
            cls = getattr(linear_model, name, None)
            if cls is not None:
                classes[cls] = is_classifier
    classes[svm.LinearSVC] = True
    classes[svm.LinearSVR] = False
    return classes


_SUPPORTED = _supported_classes()


def _check_supported(estimator):
    if type(estimator) not in _SUPPORTED:
        supported = ", ".join(sorted(cls.__name__ for cls in _SUPPORTED))
        raise TypeError(
            f"QuantizedLinearModel cannot quantize {type(estimator).__name__}: its "
            f"decision is not known to be X @ coef_.T + intercept_. Supported "
            f"estimators (exact classes): {supported}."
        )


def _intercepts(estimator, n_outputs):
    intercept = np.asarray(estimator.intercept_, dtype=np.float64)
    if intercept.size not in (1, n_outputs) or intercept.ndim > 1:
        raise ValueError(
            f"{type(estimator).__name__}.intercept_ has shape {intercept.shape}, "
            f"expected a scalar or ({n_outputs},)."
        )
    if not np.all(np.isfinite(intercept)):
        raise ValueError(f"{type(estimator).__name__}.intercept_ is NaN or infinite.")
    return np.broadcast_to(intercept, (n_outputs,)).copy()


def _is_multilabel(estimator):
    """Whether a classifier was fitted on an indicator matrix (RidgeClassifier can be)."""
    return label_binarizer_target_type(estimator).startswith("multilabel")


def _expected_outputs(n_classes, multilabel):
    """Weight rows of a classifier: one per label, one for two classes, else one per class."""
    return n_classes if multilabel or n_classes != 2 else 1


def _check_outputs_match_classes(estimator, n_outputs, multilabel):
    n_classes = len(estimator.classes_)
    if multilabel and label_binarizer_sparse_input(estimator):
        # scikit-learn then predicts a sparse matrix; not offered here.
        raise TypeError(
            f"QuantizedLinearModel cannot quantize this {type(estimator).__name__}: it was "
            "fitted on a sparse indicator matrix; fit it on a dense one (y.toarray())."
        )
    if n_outputs != _expected_outputs(n_classes, multilabel):
        raise TypeError(
            f"QuantizedLinearModel cannot quantize this {type(estimator).__name__}: "
            f"{n_outputs} weight rows for {n_classes} classes."
        )


# Inputs with at most this many non-zeros are scored entry by entry.
_SCATTER_MAX_NNZ = 2048
# Largest float slice of the weights built at once during prediction (16 MB of
# float64): bounds the memory of a batch prediction whatever the model size.
_BLOCK_VALUES = 2**21


def _estimator_has(method):
    """``available_if`` check: the fitted link if fitted, else the wrapped estimator."""

    def check(self):
        if hasattr(self, "link_"):
            return link_has(self.link_, method)
        return hasattr(self._template_estimator(), method)

    return check


class QuantizedLinearModel(DocLinkMixin, MetaEstimatorMixin, BaseEstimator):
    """A fitted linear model with low-bit, sparse integer weights.

    The weights ``coef_`` of a scikit-learn linear model are replaced by signed
    integer codes on a symmetric grid, ``weight = code * scale_``, with
    ``|code| <= 2**(bits - 1) - 1`` and ``scale_ = max|w| / (2**(bits - 1) - 1)``.
    Weights that round to zero are dropped. Intercepts stay float. Predictions,
    decision values and probabilities are computed as the wrapped model does,
    from the quantized weights. The float weights are not kept.

    Parameters
    ----------
    estimator : estimator object, default=None
        A scikit-learn linear model whose decision is
        ``X @ coef_.T + intercept_``: LogisticRegression(CV), LinearSVC,
        SGDClassifier, RidgeClassifier(CV), Perceptron,
        PassiveAggressiveClassifier, LinearRegression, Ridge(CV), Lasso(CV),
        ElasticNet(CV), SGDRegressor, PassiveAggressiveRegressor or LinearSVR.
        ``None`` means ``LogisticRegression()``.
    bits : int, default=8
        Bits per code, from 2 (codes -1, 0, 1) to 8 (codes -127..127), stored
        as int8; 9 to 16 bits are stored as int16 (twice the code bytes, for
        when 8 bits do not reach the fidelity needed).
    per_class : bool, default=False
        One scale per class (per output) instead of one for the whole weight
        matrix. Classes with small weights then keep more precision.
    sparsity : {"rounding", "global"} or float in (0, 1), default="rounding"
        Which weights are dropped. "rounding": those that round to zero on
        their own class's grid. "global": those one global scale of
        ``min(bits, 8)`` bits would round to zero (below half its step), so
        that ``per_class=True`` keeps the size of one scale while each class
        keeps its own precision (the setting :func:`compress` uses). A float:
        those below that fraction of the largest weight (1/254 is "global"
        at 8 bits; smaller keeps more weights).
    prefit : bool, default=False
        If True, ``estimator`` is already fitted: :meth:`fit` quantizes it and
        ignores any data. It is never refitted.

    Attributes
    ----------
    scale_ : float or ndarray of shape (n_outputs,)
        Quantization step, an array when ``per_class=True``. Zero when all the
        weights (of that output) are zero.
    layout_ : {"sparse", "dense", "feature_list"}
        Storage of the codes, whichever is smallest ("feature_list" for one
        output only).
    codes_ : ndarray of int8 (int16 above 8 bits)
        Sparse and feature-list layouts: the non-zero codes, feature after
        feature, shape (nnz,). Dense layout: all codes, shape
        (n_features_in_, n_outputs).
    indptr_ : ndarray of int32 or int64, shape (n_features_in_ + 1,), or None
        Sparse layout: the codes of feature ``j`` are
        ``codes_[indptr_[j]:indptr_[j + 1]]``. None in the other layouts.
    output_ids_ : ndarray of unsigned int, shape (nnz,), or None
        Sparse layout: the output (class) of each code. None in the other layouts.
    feature_ids_ : ndarray of unsigned int, shape (nnz,), or None
        Feature-list layout: the increasing feature of each code. None in the
        other layouts.
    feature_exponents_ : ndarray of int8, shape (n_features_in_,), or None
        Per-feature grids: feature ``j``'s weights are
        ``code * scale_ / 2**(feature_exponents_[j] / 8)``. Set where the
        input magnitudes are known (a scaler folded into the weights, or a
        calibration sample given to :func:`compress`) so that a feature with
        large values keeps its small weights; None when every feature uses
        the one grid.
    intercept_ : ndarray of shape (n_outputs,)
        Float intercepts.
    coef_ : ndarray of shape (n_outputs, n_features_in_) or (n_features_in_,)
        The dequantized weights, computed on access (not stored; see the
        property's documentation for its memory).
    n_outputs_ : int
        Rows of the wrapped ``coef_``: 1 for binary classifiers and
        single-output regressors.
    link_ : str
        How decision values become predictions: "identity" (regressor),
        "none" (classifier without probabilities), "logistic", "ovr_logistic",
        "modified_huber" or "multilabel" (a ``RidgeClassifier`` fitted on an
        indicator matrix: :meth:`predict` returns the indicator matrix of
        the outputs above 0, as scikit-learn's does).
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only); the label indices of a multilabel model.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when they were all strings.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : Meta-estimator with the same
        ``prefit`` convention.

    Notes
    -----
    Each decision value differs from the float model's by at most
    ``scale_ / 2 * sum_j |x_j|`` (half a step per unit of input), plus float
    rounding.

    With ``prefit=True`` the ``estimator`` parameter refers to the caller's
    fitted model. When pickled, that parameter is replaced by an unfitted
    clone (same hyperparameters) so that no float weights are saved.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_compress import QuantizedLinearModel
    >>> X, y = load_iris(return_X_y=True)
    >>> float_model = LogisticRegression(max_iter=1000).fit(X, y)
    >>> model = QuantizedLinearModel(float_model, prefit=True).fit()
    >>> model.layout_, model.codes_.dtype, model.codes_.shape
    ('dense', dtype('int8'), (4, 3))
    >>> agreement = (model.predict(X) == float_model.predict(X)).mean()
    >>> bool(agreement > 0.95)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "bits": [Interval(Integral, 2, 16, closed="both")],
        "per_class": ["boolean"],
        "sparsity": [StrOptions({"rounding", "global"}), Interval(Real, 0, 1, closed="neither")],
        "prefit": ["boolean"],
    }

    def __init__(self, estimator: Any = None, *, bits: int = 8, per_class: bool = False,
                 sparsity: str | float = "rounding", prefit: bool = False) -> None:
        self.estimator = estimator
        self.bits = bits
        self.per_class = per_class
        self.sparsity = sparsity
        self.prefit = prefit

    def _template_estimator(self):
        return linear_model.LogisticRegression() if self.estimator is None else self.estimator

    @fit_context(
        # The wrapped estimator validates its own parameters.
        prefer_skip_nested_validation=False
    )
    def fit(self, X: Any = None, y: Any = None, sample_weight: Any = None,
            **fit_params: Any) -> "QuantizedLinearModel":
        """Quantize the wrapped estimator, fitting a clone of it first unless prefit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
            Training data. Ignored when ``prefit=True``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets. Ignored when ``prefit=True``.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the estimator's ``fit`` when given. Ignored when
            ``prefit=True``.
        **fit_params : dict
            Other parameters of the estimator's ``fit``. Ignored when
            ``prefit=True``.

        Returns
        -------
        self : QuantizedLinearModel
            The fitted model.
        """
        estimator = self._template_estimator()
        _check_supported(estimator)
        if self.prefit:
            return self._quantize_prefit(estimator)
        X = validate_data(self, X, accept_sparse=("csr", "csc", "coo"), reset=True)
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        self._quantize_estimator(clone(estimator).fit(X, y, **fit_params))
        return self

    def _quantize_prefit(self, estimator, column_scale=None, input_magnitude=None):
        try:
            check_is_fitted(estimator)
        except NotFittedError as exc:
            raise NotFittedError(
                "When `prefit=True`, `estimator` is expected to be a fitted estimator."
            ) from exc
        self._set_input_features(estimator)
        self._quantize_estimator(estimator, column_scale, input_magnitude)
        return self

    def _set_input_features(self, estimator):
        self.n_features_in_ = (
            estimator.n_features_in_
            if hasattr(estimator, "n_features_in_")
            else estimator.coef_.shape[-1]
        )
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = np.asarray(estimator.feature_names_in_)

    def _quantize_estimator(self, estimator, column_scale=None, input_magnitude=None):
        """Set the fitted attributes from a fitted estimator, keeping no float weights.

        ``column_scale`` multiplies the weights of each feature first: it folds
        a per-feature scaling step (a scaler before the model) into the codes.
        ``input_magnitude`` (the largest value of each input feature, 1 for
        one-hot features) gives each feature a grid of its own, so that no
        feature's contribution carries a larger error than a one-hot one's.
        """
        weights = _quantize.float_weights(estimator)
        n_outputs, n_features = weights.shape
        if n_features != self.n_features_in_:
            raise ValueError(
                f"{type(estimator).__name__}.coef_ has {n_features} features but "
                f"n_features_in_ is {self.n_features_in_}."
            )
        multilabel = _SUPPORTED[type(estimator)] and _is_multilabel(estimator)
        self.link_ = link_of(estimator, _SUPPORTED[type(estimator)], multilabel)
        if self.link_ != LINK_IDENTITY:
            _check_outputs_match_classes(estimator, n_outputs, multilabel)
            self.classes_ = np.asarray(estimator.classes_).copy()
        self.n_outputs_ = n_outputs
        # Outputs are 1-D when the wrapped model's are: binary classifiers and
        # regressors fitted on a 1-D target (1-D coef_).
        self._ravel_output = self.link_ != LINK_IDENTITY or np.ndim(estimator.coef_) == 1
        self.intercept_ = _intercepts(estimator, n_outputs)
        row_max = _quantize.row_max_abs(weights, column_scale, type(estimator).__name__)
        self.feature_exponents_ = None
        if input_magnitude is not None:
            room = _quantize.headroom(weights, column_scale, row_max, self.per_class)
            self.feature_exponents_ = _quantize.feature_exponents(input_magnitude, room)
            column_scale = _quantize.combined_column_scale(column_scale, self.feature_exponents_)
            row_max = _quantize.row_max_abs(weights, column_scale, type(estimator).__name__)
        scale = _quantize.scales(row_max, self.bits, self.per_class)
        threshold = _quantize.zero_below(row_max, self.bits, self.sparsity)
        codes = _quantize.quantize(weights, scale, self.bits, column_scale, threshold)
        self.scale_ = scale if self.per_class else float(scale)
        self._set_storage(pack(codes.indptr, codes.indices, codes.data, n_outputs))

    def _set_storage(self, layout):
        for name, value in layout.attributes().items():
            setattr(self, name, value)

    def _fold_input_shift(self, features, shift):
        """Move a shift of the inputs into the intercept, after quantization.

        The model then scores ``x`` as it scored ``x - shift`` (``shift``
        given for ``features``): ``intercept_ -= W[features].T @ shift``, with
        ``W`` the quantized weights, so the codes are untouched.
        """
        shift = np.asarray(shift, dtype=np.float64)
        correction = self._dequantized_rows(np.asarray(features)).T @ shift
        self.intercept_ = np.asarray(self.intercept_, dtype=np.float64) - correction

    def _dequantized_rows(self, features):
        """Float64 (len(features), n_outputs) weights of only these features."""
        weights = layout_of(self).rows(features)
        weights *= self.scale_
        if self.feature_exponents_ is not None:
            weights /= _quantize.exponent_factors(self.feature_exponents_[features])[:, None]
        return weights

    def _decision(self, X):
        """Decision values (n_samples, n_outputs) reading only the present features."""
        # codes_ is set by fit and load only; check_is_fitted's tag and attribute
        # scan costs ~10 us a call, as much as scoring one utterance.
        if "codes_" not in self.__dict__:
            check_is_fitted(self)
        X = self._validated_input(X)
        layout = layout_of(self)
        if layout.scatters and sparse.issparse(X) and X.nnz <= _SCATTER_MAX_NNZ:
            # A sample or two: adding up each non-zero's codes is cheaper.
            return layout.scattered_scores(self._in_code_space(X)) * self.scale_ + self.intercept_
        features, X_present = _present_features(X)
        scores = np.zeros((X.shape[0], self.n_outputs_))
        block_size = max(1, _BLOCK_VALUES // self.n_outputs_)
        for X_block, block_features in _column_blocks(X_present, features, block_size):
            scores += X_block @ self._dequantized_rows(block_features)
        scores += self.intercept_
        return scores

    def _in_code_space(self, X):
        """CSR ``X`` with feature j divided by its grid factor (no copy without exponents)."""
        if self.feature_exponents_ is None:
            return X
        factors = _quantize.exponent_factors(self.feature_exponents_[X.indices])
        return sparse.csr_array((X.data / factors, X.indices, X.indptr), shape=X.shape)

    def _validated_input(self, X):
        """``X`` checked as ``validate_data`` does, cheaply for ready CSR input.

        A float64 CSR matrix of the right width with finite values (what the
        compressed vectorizers produce) needs no conversion; scikit-learn's
        generic validation would still spend ~100 us on it (most of it looking
        for dataframes), more than scoring one sample. Anything else, including
        every invalid input, goes through ``validate_data`` and its errors.
        """
        ready = (sparse.issparse(X) and X.format == "csr" and X.dtype == np.float64
                 and X.ndim == 2 and X.shape[1] == self.n_features_in_
                 and not hasattr(self, "feature_names_in_") and np.isfinite(X.data).all())
        if ready:
            return X
        return validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)

    def _shaped(self, scores):
        return scores.ravel() if self._ravel_output and scores.shape[1] == 1 else scores

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> NDArray[Any]:
        """Decision values of the classifier, from the quantized weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Float64 decision values; 1-D for binary classifiers, positive
            values meaning ``classes_[1]``.
        """
        return self._shaped(self._decision(X))

    def predict(self, X: Any) -> NDArray[Any]:
        """Predict class labels or regression targets as the wrapped model does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or float64 targets for regressors.
        """
        scores = self._shaped(self._decision(X))
        if self.link_ == LINK_IDENTITY:
            return scores
        if self.link_ == LINK_MULTILABEL:  # an indicator matrix, as RidgeClassifier's
            return (scores.reshape(len(scores), -1) > 0).astype(int)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> NDArray[Any]:
        """Class probabilities, with the wrapped model's link function.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        check_is_fitted(self)
        return PROBA[self.link_](self.decision_function(X))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> NDArray[Any]:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of the classes in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy for classifiers, R² for regressors, like the wrapped model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy or coefficient of determination.
        """
        check_is_fitted(self)
        metric = r2_score if self.link_ == LINK_IDENTITY else accuracy_score
        return float(metric(y, self.predict(X), sample_weight=sample_weight))

    def take_features(self, indices: ArrayLike) -> "QuantizedLinearModel":
        """A new fitted model whose input feature ``j`` is this model's ``indices[j]``.

        Use it to reorder and/or select the input features, e.g. to follow the
        slots of a new vocabulary. Features not listed are dropped; a feature
        may be listed more than once; -1 gives a new feature without weights
        (one the model must ignore, e.g. a feature a selector dropped).

        Parameters
        ----------
        indices : array-like of int, shape (n_new_features,)
            Old feature index of each new feature, in ``[0, n_features_in_)``,
            or -1 for a feature without weights.

        Returns
        -------
        model : QuantizedLinearModel
            A fitted model with ``n_features_in_ == len(indices)``.
        """
        check_is_fitted(self)
        indices = self._validated_feature_indices(indices)
        taken = clone(self)
        for name in ("link_", "classes_", "n_outputs_", "intercept_", "_ravel_output"):
            if hasattr(self, name):
                setattr(taken, name, getattr(self, name))
        taken.scale_ = self.scale_
        taken.n_features_in_ = len(indices)
        if hasattr(self, "feature_names_in_"):
            taken.feature_names_in_ = self.feature_names_in_[indices]
        taken._set_storage(layout_of(self).take(indices))
        taken.feature_exponents_ = None
        if self.feature_exponents_ is not None:
            exponents = np.where(indices < 0, 0, self.feature_exponents_[indices]).astype(np.int8)
            taken.feature_exponents_ = exponents if exponents.any() else None
        return taken

    def _validated_feature_indices(self, indices):
        indices = np.asarray(indices)
        if indices.ndim != 1:
            raise ValueError(f"indices must be 1-D, got shape {indices.shape}.")
        if indices.size and not np.issubdtype(indices.dtype, np.integer):
            raise ValueError(f"indices must be integers, got dtype {indices.dtype}.")
        indices = indices.astype(np.int64)
        out_of_range = (indices < -1) | (indices >= self.n_features_in_)
        if np.any(out_of_range):
            raise ValueError(
                f"indices must be in [0, {self.n_features_in_}) or -1; got "
                f"{indices[out_of_range][0]}."
            )
        return indices

    @property
    def coef_(self) -> Any:
        """Dequantized weights, computed on each access: ``code * scale_`` (per-feature grid).

        A float64 array of shape (n_outputs, n_features_in_) (1-D for a
        regressor fitted on a 1-D target, as scikit-learn's), built from the
        codes each time it is read and not kept: reading it costs
        ``8 * n_outputs * n_features_in_`` bytes for as long as the caller
        holds it (34 MB for CLINC150's 151 classes x 28,000 features), the
        model itself stays at :attr:`nbytes`. It lets ``coef_``-based tools
        (``SelectFromModel(prefit=True)``, weight tables, plots) read the
        weights the model predicts with. Each weight is within half a step
        of the original's.
        """
        check_is_fitted(self)
        weights = self._dequantized_rows(np.arange(self.n_features_in_)).T
        if self.link_ == LINK_IDENTITY and self._ravel_output:
            return weights.ravel()
        return weights

    @property
    def zero_features_(self):
        """Boolean mask over input features, True where every code is zero.

        A vectorizer may leave these features out: they do not change any output.
        """
        check_is_fitted(self)
        return layout_of(self).zero_features()

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays that prediction reads (codes, index, scale, intercepts, classes)."""
        check_is_fitted(self)
        arrays = [*layout_of(self).arrays(), self.intercept_, self.feature_exponents_]
        arrays += [np.asarray(self.scale_), getattr(self, "classes_", None)]
        return sum(array.nbytes for array in arrays if array is not None)

    def __getstate__(self):
        state = super().__getstate__()
        if state.get("estimator") is not None:
            # A prefit estimator holds the float weights this model replaces.
            state = {**state, "estimator": clone(state["estimator"], safe=False)}
        return compact_exponents(compact_index(state))

    def __setstate__(self, state):
        super().__setstate__(_with_default_exponents(expanded_exponents(expanded_index(state))))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        wrapped = get_tags(self._template_estimator())
        tags.estimator_type = wrapped.estimator_type
        tags.classifier_tags = wrapped.classifier_tags
        if tags.classifier_tags is not None:
            # Only the Ridge classifiers fit an indicator matrix; the others refuse it.
            tags.classifier_tags.multi_label = type(self._template_estimator()) in (
                linear_model.RidgeClassifier, linear_model.RidgeClassifierCV)
        tags.regressor_tags = wrapped.regressor_tags
        tags.target_tags = wrapped.target_tags
        tags.target_tags.required = not self.prefit
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = False
        return tags


def quantize_fitted(estimator, *, bits=8, per_class=False, sparsity="rounding",
                    column_scale=None, input_magnitude=None):
    """``QuantizedLinearModel(estimator, prefit=True).fit()``, folding a column scale.

    ``column_scale[j]`` multiplies the weights of feature ``j`` before they are
    quantized, a block of features at a time: the way to fold a per-feature
    scaling step into the model without a float copy of its weights.
    ``input_magnitude[j]`` is the largest magnitude of feature ``j``'s input
    (after ``column_scale`` is folded): each feature then gets a grid on which
    its contribution carries no larger error than a one-hot feature's.
    """
    model = QuantizedLinearModel(estimator, bits=bits, per_class=per_class, sparsity=sparsity,
                                 prefit=True)
    model._validate_params()
    _check_supported(estimator)
    if column_scale is not None:
        column_scale = np.asarray(column_scale, dtype=np.float64)
    return model._quantize_prefit(estimator, column_scale, input_magnitude)


def _present_features(X):
    """The sorted features with a non-zero in X, and X restricted to them."""
    if not sparse.issparse(X):
        features = np.flatnonzero(np.any(X != 0, axis=0))
        return features, X[:, features]
    features, local_indices = _unique_with_inverse(X.indices, X.shape[1])
    X_present = sparse.csr_array(
        (X.data, local_indices, X.indptr), shape=(X.shape[0], len(features))
    )
    return features, X_present


def _column_blocks(X_present, features, block_size):
    """Yield (columns of X_present, their features), at most ``block_size`` at a time."""
    if len(features) <= block_size:  # the common case: no slicing
        yield X_present, features
        return
    for start in range(0, len(features), block_size):
        block = slice(start, start + block_size)
        yield X_present[:, block], features[block]


def _unique_with_inverse(indices, n_features):
    """``np.unique(indices, return_inverse=True)``, in O(n_features) for big batches."""
    if len(indices) * 8 < n_features:  # a few samples: sorting is cheaper
        return np.unique(indices, return_inverse=True)
    present = np.zeros(n_features, dtype=bool)
    present[indices] = True
    features = np.flatnonzero(present)
    local_index = np.empty(n_features, dtype=np.intp)
    local_index[features] = np.arange(len(features))
    return features, local_index[indices]


def _rewrite_linear_model(model, column_scale, options):
    """The final-model rewrite: quantize, folding ``column_scale`` into the weights.

    ``options.input_magnitude`` (if known) gives each feature its own grid.
    """
    quantized = quantize_fitted(model, bits=options.bits, per_class=options.per_class,
                                sparsity=options.sparsity, column_scale=column_scale,
                                input_magnitude=options.input_magnitude)
    # Keep an unfitted template only, so the float weights do not ride along,
    # and prefit=False, so that a clone of the compressed pipeline can be fit.
    return quantized.set_params(estimator=clone(model), prefit=False)


def compact_exponents(state):
    """``state`` with few non-zero ``feature_exponents_`` stored as (features, values).

    Calibrated count features need a grid of their own only where a count
    above 1 was seen: 85 of 28,000 CLINC150 features, 425 bytes this way
    instead of 28,000.
    """
    exponents = state.get("feature_exponents_")
    if exponents is None:
        return state
    features = np.flatnonzero(exponents)
    index_dtype = np.min_scalar_type(max(len(exponents) - 1, 0))
    if len(features) * (index_dtype.itemsize + 1) >= len(exponents):
        return state
    state = dict(state)
    del state["feature_exponents_"]
    state["exponent_features_"] = features.astype(index_dtype)
    state["exponent_values_"] = exponents[features]
    return state


def expanded_exponents(state):
    """The inverse of :func:`compact_exponents`."""
    if "exponent_features_" not in state:
        return state
    state = dict(state)
    features = state.pop("exponent_features_")
    values = state.pop("exponent_values_")
    exponents = np.zeros(state["n_features_in_"], dtype=np.int8)
    exponents[features] = values
    state["feature_exponents_"] = exponents
    return state


def _with_default_exponents(state):
    """Fitted state from before per-feature grids: every feature on the one grid."""
    if "codes_" in state and "feature_exponents_" not in state:
        return {**state, "feature_exponents_": None}
    return state


def _restore_index(model):
    model.__dict__.update(expanded_index({"entry_counts_": model.__dict__.pop("entry_counts_")})
                          if "entry_counts_" in model.__dict__ else {"indptr_": None})
    for name in ("output_ids_", "feature_ids_"):  # the arrays of the other layouts
        model.__dict__.setdefault(name, None)
    model.__dict__.update(_with_default_exponents(_expanded_file_exponents(model)))


def _expanded_file_exponents(model):
    state = model.__dict__
    if "exponent_features_" not in state:
        return state
    features, values = state.pop("exponent_features_"), state.pop("exponent_values_", None)
    if values is None or features.shape != values.shape or (
            len(features) and features.max() >= model.n_features_in_):
        raise ValueError("exponent_features_ and exponent_values_ disagree or exceed "
                         "the features")
    return expanded_exponents({**state, "exponent_features_": features,
                               "exponent_values_": values})


def _check_fitted_arrays(model):
    n_outputs = model.n_outputs_
    layout = layout_of(model)
    layout.check(model.n_features_in_, n_outputs)
    for name, value in layout.attributes().items():
        if value is None and getattr(model, name, None) is not None:
            raise ValueError(f"a {layout.name} layout has no {name}")
    exponents = model.feature_exponents_
    if exponents is not None and exponents.shape != (model.n_features_in_,):
        raise ValueError(f"feature_exponents_ of shape {exponents.shape} for "
                         f"{model.n_features_in_} features")
    max_code = _quantize.max_code(model.bits)
    lowest, highest = value_range(model.codes_.reshape(-1)) if model.codes_.size else (0, 0)
    if lowest < -max_code or highest > max_code:
        raise ValueError(f"codes outside +-{max_code} for {model.bits} bits")
    if model.codes_.dtype != _quantize.code_dtype(max_code):
        raise ValueError(f"codes of dtype {model.codes_.dtype} for {model.bits} bits")
    if model.intercept_.shape != (n_outputs,):
        raise ValueError(f"intercept_ of shape {model.intercept_.shape} for {n_outputs} outputs")
    scale = np.asarray(model.scale_)
    if scale.ndim != model.per_class or (scale.ndim and len(scale) != n_outputs) or (
            scale.size and not float_range(scale)[0] >= 0):
        raise ValueError("scale_ must be one non-negative number, or one per output if per_class")
    if model.link_ != LINK_IDENTITY:
        n_classes = len(getattr(model, "classes_", ()))
        if n_outputs != _expected_outputs(n_classes, model.link_ == LINK_MULTILABEL):
            raise ValueError(f"{n_outputs} outputs for {n_classes} classes")


# -- what this module contributes (collected by compose/_compress.py and io/_persist.py)

MODEL_REWRITES = dict.fromkeys(_SUPPORTED, _rewrite_linear_model)
FILE_CODECS = (
    Codec(
        QuantizedLinearModel,
        arrays={"codes_": Array(("int8", "int16"), (1, 2)),
                "entry_counts_": Array(("uint8", "uint16", "uint32", "uint64"), (1,),
                                       optional=True),
                "output_ids_": Array(("uint8", "uint16", "uint32"), (1,), optional=True),
                "feature_ids_": Array(("uint8", "uint16", "uint32", "uint64"), (1,),
                                      optional=True),
                "intercept_": Array(("float64",), (1,)), "scale_": Array(("float64",), (0, 1)),
                "feature_exponents_": Array(("int8",), (1,), optional=True),
                "exponent_features_": Array(("uint8", "uint16", "uint32", "uint64"), (1,),
                                            optional=True),
                "exponent_values_": Array(("int8",), (1,), optional=True)},
        numbers={**N_FEATURES_IN, "n_outputs_": (int, 1, 2**16, False),
                 "_ravel_output": (bool, False, True, False)},
        strings={"layout_": tuple(LAYOUTS), "link_": LINKS},
        param_children={"estimator": TEMPLATE},
        has_classes=True, restore=_restore_index, check=_check_fitted_arrays),
    # The supported models only as the unfitted template a QuantizedLinearModel
    # keeps: no weights.
    *(Codec(cls, template=True) for cls in _SUPPORTED),
)
