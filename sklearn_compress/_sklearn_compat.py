"""Every private scikit-learn name the package uses, and the version shims.

scikit-learn keeps these stable in practice, but they are not public API:
importing them in one place means one file to fix when a release moves them.
The package supports scikit-learn >= 1.6.
"""

import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

try:  # scikit-learn >= 1.9 returns sparse arrays or matrices as configured
    from sklearn.utils import _align_api_if_sparse
except ImportError:  # pragma: no cover - older scikit-learn always returned csr_matrix
    _align_api_if_sparse = sp.csr_matrix

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "align_api_if_sparse",
    "fit_context",
    "fitted_tfidf_step",
    "label_binarizer_target_type",
    "mark_stop_words_validated",
    "validate_parameter_constraints",
    "warn_for_unused_params",
]

fit_context = _fit_context
align_api_if_sparse = _align_api_if_sparse


def label_binarizer_target_type(estimator):
    """The target type a fitted classifier's label binarizer saw ("" if none)."""
    return getattr(getattr(estimator, "_label_binarizer", None), "y_type_", "")


def warn_for_unused_params(text_vectorizer):
    """scikit-learn's warning for analysis parameters that the analyzer ignores."""
    text_vectorizer._warn_for_unused_params()


def mark_stop_words_validated(text_vectorizer):
    """Tell a CountVectorizer its stop words were checked (so it does not warn again)."""
    text_vectorizer._stop_words_id = id(text_vectorizer.stop_words)


def fitted_tfidf_step(tfidf_vectorizer):
    """The TfidfTransformer a fitted TfidfVectorizer composes (its parameters as at fit)."""
    return tfidf_vectorizer._tfidf
