"""Every private scikit-learn name the package uses, and the version shims.

scikit-learn keeps these stable in practice, but they are not public API:
importing them in one place means one file to fix when a release moves them.
The package supports scikit-learn >= 1.6.
"""

from collections.abc import Callable
from typing import Any, TypeVar

import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import _fit_context
from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._search_successive_halving import BaseSuccessiveHalving
from sklearn.multiclass import _ConstantPredictor
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    make_constraint,
    validate_parameter_constraints,
)

# The in-place row normalizations sklearn.preprocessing.normalize runs
# (sparsefuncs_fast is not part of scikit-learn's documented API).
from sklearn.utils.sparsefuncs_fast import (
    inplace_csr_row_normalize_l1,
    inplace_csr_row_normalize_l2,
)

try:  # scikit-learn >= 1.9 returns sparse arrays or matrices as configured
    from sklearn.utils import _align_api_if_sparse
except ImportError:  # pragma: no cover - older scikit-learn always returned csr_matrix
    _align_api_if_sparse = sp.csr_matrix

__all__ = [
    "BaseSearchCV",
    "BaseSuccessiveHalving",
    "CalibratedClassifier",
    "ConstantPredictor",
    "HasMethods",
    "Interval",
    "SigmoidCalibration",
    "StrOptions",
    "align_api_if_sparse",
    "canonical_csr",
    "fit_context",
    "fitted_tfidf_step",
    "inplace_csr_row_normalize_l1",
    "inplace_csr_row_normalize_l2",
    "label_binarizer_sparse_input",
    "label_binarizer_target_type",
    "make_constraint",
    "mark_stop_words_validated",
    "rebuild_isotonic_function",
    "validate_parameter_constraints",
    "validated_vocabulary",
    "warn_for_unused_params",
]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def fit_context(*, prefer_skip_nested_validation: bool) -> Callable[[_Method], _Method]:
    """scikit-learn's ``_fit_context`` decorator (validates parameters before fit)."""
    decorate: Callable[[_Method], _Method] = _fit_context(
        prefer_skip_nested_validation=prefer_skip_nested_validation
    )
    return decorate


# The fitted parts of CalibratedClassifierCV and OneVsRestClassifier.
CalibratedClassifier = _CalibratedClassifier
ConstantPredictor = _ConstantPredictor
SigmoidCalibration = _SigmoidCalibration
align_api_if_sparse = _align_api_if_sparse


def rebuild_isotonic_function(isotonic: Any) -> None:
    """Rebuild a fitted IsotonicRegression's interpolation function from its thresholds."""
    isotonic._build_f(isotonic.X_thresholds_, isotonic.y_thresholds_)


def _configured_csr_class() -> Any:
    """The CSR class scikit-learn's ``sparse_interface`` config asks for.

    Read from the config rather than by converting a matrix: a conversion
    costs two scipy constructions (~30 us) per call.
    """
    # scikit-learn < 1.9 has no such config and always returned csr_matrix.
    interface = get_config().get("sparse_interface", "spmatrix")
    return sp.csr_array if interface == "sparray" else sp.csr_matrix


def _scipy_csr_layout_is_known() -> bool:
    # The fast path below sets scipy's private attributes; it is taken only
    # when a regularly built matrix has exactly these.
    return all(sorted(vars(cls((1, 1)))) == ["_shape", "data", "indices", "indptr", "maxprint"]
               for cls in (sp.csr_matrix, sp.csr_array))


_FAST_CSR = _scipy_csr_layout_is_known()
_MAXPRINT = sp.csr_matrix((1, 1)).maxprint


def canonical_csr(data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> Any:
    """A CSR matrix of arrays known valid: sorted, distinct indices per row.

    scipy's constructor re-validates the arrays and the conversion to the
    configured interface builds a second matrix: ~40 us per one-row matrix
    here, against < 1 us for filling the object directly.
    """
    cls = _configured_csr_class()
    if not _FAST_CSR:  # pragma: no cover - another scipy layout
        matrix = cls((data, indices, indptr), shape=shape)
    else:
        matrix = cls.__new__(cls)
        matrix._shape, matrix.maxprint = shape, _MAXPRINT
        matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
    matrix.has_canonical_format = True
    return matrix


def label_binarizer_target_type(estimator: Any) -> str:
    """The target type a fitted classifier's label binarizer saw ("" if none)."""
    return getattr(getattr(estimator, "_label_binarizer", None), "y_type_", "")


def label_binarizer_sparse_input(estimator: Any) -> bool:
    """Whether a fitted classifier's label binarizer saw a sparse target."""
    return bool(getattr(getattr(estimator, "_label_binarizer", None), "sparse_input_", False))


def warn_for_unused_params(text_vectorizer: Any) -> None:
    """scikit-learn's warning for analysis parameters that the analyzer ignores."""
    text_vectorizer._warn_for_unused_params()


def mark_stop_words_validated(text_vectorizer: Any) -> None:
    """Tell a CountVectorizer its stop words were checked (so it does not warn again)."""
    text_vectorizer._stop_words_id = id(text_vectorizer.stop_words)


def fitted_tfidf_step(tfidf_vectorizer: Any) -> Any:
    """The TfidfTransformer a fitted TfidfVectorizer composes (its parameters as at fit)."""
    return tfidf_vectorizer._tfidf


def validated_vocabulary(text_vectorizer: Any) -> Any:
    """``{term: column}`` of a ``vocabulary`` parameter checked as CountVectorizer does.

    None without a fixed vocabulary; scikit-learn's errors for duplicate
    terms, repeated or missing indices and an empty vocabulary.
    """
    checker = CountVectorizer(vocabulary=text_vectorizer.vocabulary)
    checker._validate_vocabulary()
    return checker.vocabulary_ if checker.fixed_vocabulary_ else None
